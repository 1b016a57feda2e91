//! The command line: parse arguments, load configuration, call into the
//! library, report errors with context.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "lefi-intake",
    version,
    about = "Reads LEFI Prenumeration termination mails, records them and answers"
)]
struct Cli {
    /// Configuration file (default: config/local.toml when it exists). Every key
    /// can be overridden with LEFI_INTAKE__SECTION__KEY.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read .eml files and print what each one says and what would happen to it.
    Extract {
        /// One JSON object per file and line.
        #[arg(long)]
        json: bool,
        /// The day the mails were received (YYYY-MM-DD); default: each mail's Date header.
        #[arg(long, value_parser = parse_day)]
        received: Option<NaiveDate>,
        /// After each table row, show how the mail was read (sections, evidence).
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// The .eml files to read.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the intake daemon: read the mailbox, record, answer.
    Run {
        /// Process every mail waiting, send the replies due, and exit.
        #[arg(long)]
        once: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Terminations on file.
    Terminations {
        #[command(subcommand)]
        command: TerminationsCommand,
    },
    /// Replies: queued, sent and failed.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Serve the officers' review pages alone (on web.listen).
    Web,
    /// Officer accounts for the review pages and commands.
    Officer {
        #[command(subcommand)]
        command: OfficerCommand,
    },
    /// The quarantine queue, as officers work it.
    Quarantine {
        #[command(subcommand)]
        command: QuarantineCommand,
    },
    /// Run the whole intake once on the example mails in a scratch directory
    /// and print what it recorded, quarantined and answered.
    Demo {
        /// Where the example mails are.
        #[arg(long, default_value = "fixtures")]
        fixtures: PathBuf,
        /// Scratch directory (emptied first).
        #[arg(long, default_value = "data/demo")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum OfficerCommand {
    /// Add an officer. The password is read from standard input (one line).
    Add {
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input.
        #[arg(long, conflicts_with = "sso_only")]
        password_stdin: bool,
        /// No password: the officer signs in through the SSO header only.
        #[arg(long)]
        sso_only: bool,
    },
    /// Set a new password (read from standard input) and enable the officer.
    Password { name: String },
    /// Disable an officer and end their sessions.
    Disable { name: String },
    /// List officers.
    List,
}

#[derive(Subcommand)]
enum QuarantineCommand {
    /// Items waiting for a decision (or in another status), oldest first.
    List {
        #[arg(long, default_value = "open", value_parser = ["open", "approved", "rejected"])]
        status: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One item: why it is there, what was found, the mail's text.
    Show { id: i64 },
    /// Record the termination (with corrected values) and queue the confirmation.
    Approve {
        id: i64,
        #[arg(long)]
        org_number: Option<String>,
        #[arg(long)]
        org_name: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        effective_date: Option<String>,
        /// The officer taking the decision (an active officer's name).
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
    /// Close the item without a termination.
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
        /// Tell the sender the reason.
        #[arg(long)]
        reply: bool,
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
    /// Open a decided item again (an approval's termination is revoked).
    Reopen {
        id: i64,
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
}

#[derive(Subcommand)]
enum TerminationsCommand {
    /// List the active terminations.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// List replies.
    List {
        /// Only replies in this status.
        #[arg(long, value_parser = ["pending", "sent", "failed"])]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lefi-intake: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line. Library errors often repeat their
/// cause in their own message; a cause already shown is not shown again.
fn error_chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !parts.last().is_some_and(|prev| prev.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

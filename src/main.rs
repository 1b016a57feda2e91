//! The command line: parse arguments, call into the library, report errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use lefi_intake::analyse::analyse;
use lefi_intake::report::{self, Report};

#[derive(Parser)]
#[command(name = "lefi-intake", version, about = "Reads LEFI Prenumeration termination mails and decides on them")]
struct Cli {
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
}

fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lefi-intake: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Extract { json, received, explain, files } => extract(json, explain, received, &files),
    }
}

fn extract(json: bool, explain: bool, received: Option<NaiveDate>, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let mut all_read = true;
    let mut reports = Vec::with_capacity(files.len());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in files {
        let name = path.display().to_string();
        let report = match std::fs::read(path) {
            Ok(raw) => {
                let analysis = analyse(&raw, received, &own);
                if explain {
                    write!(out, "{}", report::table(&[Report::from_analysis(&name, &analysis)]))?;
                    write!(out, "{}", report::explain(&analysis))?;
                }
                Report::from_analysis(&name, &analysis)
            }
            Err(e) => {
                all_read = false;
                Report::unreadable(&name, format!("reading {name}: {e}"))
            }
        };
        if json {
            writeln!(out, "{}", report.to_json_line()).context("writing to stdout")?;
        } else {
            reports.push(report);
        }
    }
    if !json && !explain {
        write!(out, "{}", report::table(&reports)).context("writing to stdout")?;
    }
    Ok(if all_read { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

//! The command line: one module per subcommand, each with its arguments and
//! what it does; output formats in `output.rs`. Errors get context here, for
//! the person at the terminal.

mod check_config;
mod corpus;
mod demo;
pub mod extract;
mod officer;
mod outbox;
mod output;
mod purge;
mod quarantine;
mod report;
mod run;
mod subscribers;
mod terminations;
mod token;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::app::App;
use crate::config::Settings;
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "lefi-intake",
    version,
    about = "Reads LEFI Prenumeration termination mails, records them and answers"
)]
pub struct Cli {
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
    Extract(extract::Args),
    /// Run the intake daemon: read the mailbox, record, answer.
    Run(run::Args),
    /// Apply database migrations and exit.
    Migrate,
    /// Check the configuration and try each connection (database, mailbox,
    /// SMTP), one line per check; exits non-zero at the first failure.
    CheckConfig,
    /// Terminations on file.
    Terminations {
        #[command(subcommand)]
        command: terminations::Command,
    },
    /// Replies: queued, sent and failed.
    Outbox {
        #[command(subcommand)]
        command: outbox::Command,
    },
    /// Serve the officers' review pages alone (on web.listen).
    Web,
    /// Officer accounts for the review pages and commands.
    Officer {
        #[command(subcommand)]
        command: officer::Command,
    },
    /// The quarantine queue, as officers work it.
    Quarantine {
        #[command(subcommand)]
        command: quarantine::Command,
    },
    /// The subscriber registry: import, list, show, export.
    Subscribers {
        #[command(subcommand)]
        command: subscribers::Command,
    },
    /// Officers' decisions as the intake's regression tests: export them as
    /// a redacted corpus, or score the intake against any corpus.
    Corpus {
        #[command(subcommand)]
        command: corpus::Command,
    },
    /// Figures for the agency: how often officers agree with the intake.
    Report {
        #[command(subcommand)]
        command: report::Command,
    },
    /// Bearer tokens for the delivery system's feed: add (shown once), revoke, list.
    Token {
        #[command(subcommand)]
        command: token::Command,
    },
    /// Purge raw mails past retention (retention.raw_days after their decision).
    Purge(purge::Args),
    /// Run the whole intake once on the example mails in a scratch directory
    /// and print what it recorded, quarantined and answered.
    Demo(demo::Args),
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Extract(args) => extract::run(args, config),
        Command::Run(args) => with_runtime(run::run(load(config)?, args)),
        Command::CheckConfig => with_runtime(check_config::run(config)),
        Command::Migrate => with_runtime(async {
            let settings = load(config)?;
            let url = crate::store::redact(&settings.database.url);
            App::build(settings).await.context("migrating the database")?;
            println!("migrations applied to {url}");
            Ok(ExitCode::SUCCESS)
        }),
        Command::Terminations { command } => {
            with_runtime(async { terminations::run(&app(config).await?, command).await })
        }
        Command::Outbox { command } => with_runtime(async { outbox::run(&app(config).await?, command).await }),
        Command::Web => with_runtime(async { run::web_only(&app(config).await?).await }),
        Command::Officer { command } => with_runtime(async { officer::run(&app(config).await?, command).await }),
        Command::Quarantine { command } => with_runtime(async { quarantine::run(&app(config).await?, command).await }),
        Command::Subscribers { command } => {
            with_runtime(async { subscribers::run(&app(config).await?, command).await })
        }
        Command::Corpus { command: command @ corpus::Command::Check { .. } } => corpus::check(command),
        Command::Corpus { command } => with_runtime(async { corpus::run(&app(config).await?, command).await }),
        Command::Report { command } => with_runtime(async { report::run(&app(config).await?, command).await }),
        Command::Token { command } => with_runtime(async { token::run(&app(config).await?, command).await }),
        Command::Purge(args) => with_runtime(async { purge::run(&app(config).await?, args).await }),
        Command::Demo(args) => with_runtime(demo::run(args)),
    }
}

fn with_runtime(f: impl std::future::Future<Output = Result<ExitCode>>) -> Result<ExitCode> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?.block_on(f)
}

/// The explicit file, else `config/local.toml` when present, else defaults;
/// then the environment.
fn load(explicit: Option<&Path>) -> Result<Settings> {
    let local = Path::new("config/local.toml");
    let file = explicit.or_else(|| local.exists().then_some(local));
    let settings = Settings::load(file).with_context(|| match file {
        Some(f) => format!("loading configuration from {}", f.display()),
        None => "loading configuration".to_string(),
    })?;
    crate::ops::telemetry::init(&settings.log);
    Ok(settings)
}

/// The configuration loaded and the application built on it.
async fn app(config: Option<&Path>) -> Result<App> {
    Ok(App::build(load(config)?).await?)
}

/// Cancels the token on SIGINT or SIGTERM, so the daemon finishes the mail in
/// hand and stops.
fn on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        tracing::info!("shutdown requested: finishing the mail in hand");
        token.cancel();
    });
}

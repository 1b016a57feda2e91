//! `lefi-intake corpus`: mails with the results officers gave them, as the
//! intake's regression tests. `export` writes what officers decided as a
//! corpus (redacted); `check` scores the intake against any corpus in the
//! layout of `fixtures/` (`<dir>/…/NAME.eml` with `NAME.json` beside it).

mod check;
mod export;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Score the intake against a corpus: verdicts and facts right, ordinary
    /// accepts kept, wrong automatic terminations (each listed with how the
    /// mail was read). Exits 1 on any wrong termination or below --min-verdicts.
    Check {
        /// A directory of NAME.eml files, each with NAME.json beside it.
        dir: PathBuf,
        /// The least share of verdicts that must be right, in per cent.
        #[arg(long, value_name = "PERCENT", default_value_t = 0.0)]
        min_verdicts: f64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write every mail an officer decided as NAME.eml and NAME.json (the
    /// officer's outcome as the expected result), redacted of personal data.
    Export(export::Args),
}

pub fn check(command: Command) -> Result<ExitCode> {
    match command {
        Command::Check { dir, min_verdicts, json } => check::run(&dir, min_verdicts, json),
        Command::Export(_) => unreachable!("export needs the application"),
    }
}

pub async fn run(app: &crate::app::App, command: Command) -> Result<ExitCode> {
    match command {
        Command::Export(args) => export::run(app, args).await,
        other => check(other),
    }
}

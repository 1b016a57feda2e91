//! `lefi-intake terminations`: what is on file.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use lefi_intake::app::App;
use lefi_intake::listing;

use super::output::{self, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// List the active terminations.
    List {
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    match command {
        Command::List { format } => {
            let rows = app.store.terminations().await.context("reading terminations")?;
            output::print(format, &listing::terminations(&rows), &rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

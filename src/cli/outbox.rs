//! `lefi-intake outbox`: answers queued, sent and failed.

use std::process::ExitCode;

use crate::app::App;
use crate::store::OutboxStatus;
use crate::store::listing;
use anyhow::{Context as _, Result};

use super::output::{self, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// List answers, oldest first.
    List {
        /// Only answers in this status (default: all).
        #[arg(long, value_parser = output::code::<OutboxStatus>())]
        status: Option<OutboxStatus>,
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    match command {
        Command::List { status, format } => {
            let rows = app.store.outbox(status).await.context("reading the outbox")?;
            output::print(format, &listing::outbox(&rows), &rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

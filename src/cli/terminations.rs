//! `lefi-intake terminations`: what is on file.

use std::process::ExitCode;

use crate::app::App;
use crate::store::listing;
use anyhow::{Context as _, Result};

use super::output::{self, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// List the active terminations.
    List {
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke an organisation's termination on file, with the reason
    /// (audited; the feed reports it; the subscriber is active again).
    Revoke {
        /// The organisation number (NNNNNN-NNNN).
        org_number: String,
        /// Why (kept in the audit log).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// The officer revoking it (an active officer's name).
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    match command {
        Command::List { format } => {
            let rows = app.store.terminations().await.context("reading terminations")?;
            output::print(format, &listing::terminations(&rows), &rows)?;
        }
        Command::Revoke { org_number, reason, officer } => {
            let org = crate::domain::OrgNumber::parse(&org_number)
                .map_err(|e| anyhow::anyhow!("{org_number}: not an organisation number ({e:?})"))?;
            let officer = super::quarantine::acting_officer(&app.store, &officer).await?;
            let on_file = app
                .store
                .active_termination(org)
                .await?
                .with_context(|| format!("{org} has no termination on file"))?;
            app.reviewer().revoke_termination(on_file.id, &officer, &reason).await?;
            println!("termination of {org} effective {} revoked", on_file.effective_date);
        }
    }
    Ok(ExitCode::SUCCESS)
}

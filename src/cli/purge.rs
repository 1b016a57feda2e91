//! `lefi-intake purge`: retention. Raw mails, subjects and extractions of
//! mails decided more than `retention.raw_days` ago are purged; the decision,
//! the termination, the audit log and the hashes stay. The daemon does this
//! daily; run it from cron when the intake runs as `run --once`.

use std::process::ExitCode;

use crate::app::App;
use crate::store;
use anyhow::{Context as _, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Print how many mails would be purged and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(app: &App, args: Args) -> Result<ExitCode> {
    let now = chrono::Utc::now();
    let days = app.settings.retention.raw_days;
    let cutoff = store::retention_cutoff(days, now);
    let ids = app.store.purgeable(cutoff).await.context("finding mails past retention")?;
    if args.dry_run {
        println!(
            "dry run: {} mails decided before {} (retention.raw_days = {days}) would be purged",
            ids.len(),
            cutoff.date_naive()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let purged = app.store.purge(&ids, now).await.context("purging")?;
    println!("purged {purged} mails decided before {} (retention.raw_days = {days})", cutoff.date_naive());
    Ok(ExitCode::SUCCESS)
}

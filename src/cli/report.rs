//! `lefi-intake report agreement`: how often officers confirmed the intake's
//! reading, the evidence for switching from shadow to automatic mode.

use std::process::ExitCode;

use crate::app::App;
use crate::domain::Code;
use crate::review::agreement::{self, AgreementReport, Tally};
use anyhow::{Context as _, Result};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Officers' decisions against the intake's reading: overall, the last 30
    /// days, shadow mode's proposals, per field and per reason.
    Agreement {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    match command {
        Command::Agreement { json } => {
            let items = app.store.decided_items().await.context("reading decided items")?;
            let report = agreement::summarise(&items, chrono::Utc::now());
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", text(&report));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn text(r: &AgreementReport) -> String {
    let row = |label: &str, t: &Tally| {
        format!(
            "{label:<28} {:>7} {:>9} {:>9} {:>8}   {}\n",
            t.decided,
            t.unchanged,
            t.corrected,
            t.rejected,
            t.agreement_text()
        )
    };
    let mut out = format!(
        "{:<28} {:>7} {:>9} {:>9} {:>8}   AGREEMENT (UNCHANGED)\n",
        "", "DECIDED", "UNCHANGED", "CORRECTED", "REJECTED"
    );
    out += &row("proposals (shadow mode)", &r.proposed);
    out += &row("proposals, last 30 days", &r.proposed_last_30_days);
    out += &row("all decided items", &r.overall);
    out += &row("all, last 30 days", &r.last_30_days);
    out += "\nfield corrected in approvals          all      last 30 days\n";
    for (f, recent) in r.per_field.iter().zip(&r.per_field_last_30_days) {
        out += &format!(
            "  {:<26} {:>5} of {:<5} {:>5} of {}\n",
            f.field.as_str(),
            f.corrected,
            f.approved,
            recent.corrected,
            recent.approved
        );
    }
    if !r.per_reason.is_empty() {
        out += "\nper reason\n";
        for t in &r.per_reason {
            out += &row(&format!("  {}", t.reason.as_str()), &t.tally);
        }
    }
    if !r.per_reason_last_30_days.is_empty() {
        out += "\nper reason, last 30 days\n";
        for t in &r.per_reason_last_30_days {
            out += &row(&format!("  {}", t.reason.as_str()), &t.tally);
        }
    }
    out
}

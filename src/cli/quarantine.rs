//! `lefi-intake quarantine`: the queue from a terminal, with the same
//! decisions as the review pages (`review.rs`), taken as a named officer.

use crate::mail::visible::for_terminal;
use std::process::ExitCode;

use crate::app::App;
use crate::domain::{Code, OrgNumber, Reason};
use crate::review::{Corrections, IfOnFile};
use crate::store::listing::Listing;
use crate::store::{self, Officer, QuarantineStatus, Store};
use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::output::{self, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Items waiting for a decision (or in another status), oldest first.
    List {
        /// Which items.
        #[arg(long, default_value = "open", value_parser = output::code::<QuarantineStatus>())]
        status: QuarantineStatus,
        /// How to print them.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One item: why it is there, what was found, the mail's text.
    Show {
        /// The item's number (as in `quarantine list`).
        id: i64,
    },
    /// Record the termination (with corrected values) and queue the confirmation.
    Approve {
        /// The item's number.
        id: i64,
        /// The organisation number to record, if not the one found (NNNNNN-NNNN).
        #[arg(long, value_name = "NNNNNN-NNNN")]
        org_number: Option<String>,
        /// The organisation name to record, if not the one found.
        #[arg(long, value_name = "TEXT")]
        org_name: Option<String>,
        /// The effective date to record, if not the one found.
        #[arg(long, value_name = "YYYY-MM-DD")]
        effective_date: Option<String>,
        /// The organisation has a termination on file (`conflicts_with_record`):
        /// revoke it and record this one in its place.
        #[arg(long)]
        replace_on_file: bool,
        /// The officer taking the decision (an active officer's name).
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
    /// Close the item and keep the organisation's termination on file.
    Keep {
        /// The item's number.
        id: i64,
        /// Tell the sender the termination on file and its date.
        #[arg(long)]
        reply: bool,
        /// The officer taking the decision (an active officer's name).
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
    /// Close the item without a termination.
    Reject {
        /// The item's number.
        id: i64,
        /// Why (kept in the audit log; sent to the sender with --reply).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Tell the sender the reason.
        #[arg(long)]
        reply: bool,
        /// The officer taking the decision (an active officer's name).
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
    /// Open a decided item again (an approval's termination is revoked).
    Reopen {
        /// The item's number.
        id: i64,
        /// The officer taking the decision (an active officer's name).
        #[arg(long = "as", value_name = "NAME")]
        officer: String,
    },
}

/// One line of `quarantine list --format json`.
#[derive(Serialize)]
struct Entry<'a> {
    id: i64,
    status: &'static str,
    reasons: Vec<&'static str>,
    #[serde(serialize_with = "store::serialize_timestamp")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "store::serialize_timestamp")]
    received_at: DateTime<Utc>,
    from: Option<&'a str>,
    subject: &'a str,
    org_number: Option<OrgNumber>,
    org_name: Option<&'a str>,
    effective_date: Option<NaiveDate>,
    decided_by: Option<&'a str>,
}

fn codes(reasons: &[Reason]) -> Vec<&'static str> {
    reasons.iter().map(|r| r.as_str()).collect()
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    let reviewer = app.reviewer();
    let store = &app.store;
    match command {
        Command::List { status, format } => {
            let queue = store.queue(status).await.context("reading the quarantine queue")?;
            let entries: Vec<Entry> = queue
                .iter()
                .map(|(i, m)| Entry {
                    id: i.id,
                    status: i.status.as_str(),
                    reasons: codes(&i.reasons),
                    created_at: i.created_at,
                    received_at: m.received_at,
                    from: m.from_address.as_deref(),
                    subject: &m.subject,
                    org_number: m.org_number,
                    org_name: m.org_name.as_deref(),
                    effective_date: m.effective_date,
                    decided_by: i.decided_by.as_deref(),
                })
                .collect();
            let mut listing = Listing::new(&["id", "queued", "from", "subject", "reasons"]);
            for e in &entries {
                listing.push(vec![
                    e.id.to_string(),
                    store::timestamp(e.created_at),
                    e.from.unwrap_or_default().to_string(),
                    e.subject.chars().take(50).collect(),
                    e.reasons.join(","),
                ]);
            }
            output::print(format, &listing, &entries)?;
        }
        Command::Show { id } => {
            let view = reviewer.item(id).await?;
            // Built whole, then shown with the mail's control characters escaped.
            let mut shown = String::new();
            let mut say = |line: String| {
                shown.push_str(&line);
                shown.push('\n');
            };
            say(format!(
                "item {id}: {} (mail {}, reference {})",
                view.item.status,
                view.message.id,
                crate::reply::reference(view.message.case_id)
            ));
            say(format!("reasons: {}", codes(&view.item.reasons).join(", ")));
            if let Some(by) = &view.item.decided_by {
                say(format!(
                    "decided by {by} at {}: {}",
                    view.item.decided_at.map(store::timestamp).unwrap_or_default(),
                    view.item.decision_note.as_deref().unwrap_or("")
                ));
            }
            say(format!("from: {}", view.message.from_address.as_deref().unwrap_or("-")));
            say(format!("subject: {}", view.message.subject));
            say(format!("received: {}", view.message.received_at.to_rfc3339()));
            if let Some(ex) = &view.extraction {
                say(format!("org number: {}", ex.org_number().map(|n| n.to_string()).unwrap_or("-".into())));
                say(format!("org name: {}", ex.org_name().unwrap_or("-")));
                say(format!("effective date: {}", ex.effective_date().map(|d| d.to_string()).unwrap_or("-".into())));
            }
            if let Some(t) = &view.on_file {
                say(format!(
                    "on file: {} {} effective {}, recorded by {} at {} (termination {})",
                    t.org_number,
                    t.org_name,
                    t.effective_date,
                    t.recorded_by,
                    store::timestamp(t.recorded_at),
                    t.id
                ));
            }
            if let Some(mail) = &view.mail {
                for s in &mail.sections {
                    say(format!("--- {:?}\n{}", s.kind, s.text));
                }
                for a in &mail.attachments {
                    say(format!("attachment: {} ({}, {} bytes)", a.name, a.content_type, a.size));
                }
            }
            print!("{}", for_terminal(&shown));
        }
        Command::Keep { id, reply, officer } => {
            let officer = acting_officer(store, &officer).await?;
            reviewer.keep_on_file(id, &officer, reply).await?;
            println!("item {id} closed; the termination on file stands{}", if reply { "; answer queued" } else { "" });
        }
        Command::Approve { id, org_number, org_name, effective_date, replace_on_file, officer } => {
            let officer = acting_officer(store, &officer).await?;
            let if_on_file = if replace_on_file { IfOnFile::Replace } else { IfOnFile::Refuse };
            let corrections = Corrections { org_number, org_name, effective_date };
            let t = reviewer.approve_with(id, &officer, &corrections, if_on_file).await?;
            println!(
                "item {id} approved: {} {} from {}; confirmation queued",
                t.org_number, t.org_name, t.effective_date
            );
        }
        Command::Reject { id, reason, reply, officer } => {
            let officer = acting_officer(store, &officer).await?;
            reviewer.reject(id, &officer, &reason, reply).await?;
            println!("item {id} rejected{}", if reply { "; answer queued" } else { "" });
        }
        Command::Reopen { id, officer } => {
            let officer = acting_officer(store, &officer).await?;
            reviewer.reopen(id, &officer).await?;
            println!("item {id} reopened");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn acting_officer(store: &Store, name: &str) -> Result<Officer> {
    match store.officer(name).await? {
        Some(o) if o.active => Ok(o),
        Some(_) => anyhow::bail!("officer {name} is disabled"),
        None => anyhow::bail!("no officer named {name} (add one with `lefi-intake officer add`)"),
    }
}

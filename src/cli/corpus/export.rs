//! `corpus export DIR`: every mail an officer decided, as a corpus whose
//! expected results are the officers' — redacted of personal data, so the
//! files can go to the people who maintain the rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::analyse::analyse;
use crate::app::App;
use crate::domain::{Code, ReviewOutcome, Verdict};
use crate::privacy::redact::Redactor;
use crate::store::{QuarantineItem, QuarantineStatus};
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use serde_json::{Value, json};

#[derive(clap::Args)]
pub struct Args {
    /// The directory to write the corpus to (created; must be empty).
    dir: PathBuf,
    /// Only decisions made on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    since: Option<NaiveDate>,
    /// Only the decisions that differ from the intake's reading: every
    /// approval (the intake held it back or got a fact wrong) and every
    /// rejected proposal of shadow mode. The default.
    #[arg(long, conflicts_with = "all_decided")]
    disagreements: bool,
    /// Every decided mail.
    #[arg(long)]
    all_decided: bool,
    /// Write the mails as received, personal data and all (the files must
    /// then stay inside the agency's systems).
    #[arg(long)]
    no_redact: bool,
}

pub async fn run(app: &App, args: Args) -> Result<ExitCode> {
    if args.no_redact {
        eprintln!(
            "WARNING: --no-redact: the exported mails keep personal identity numbers, names, addresses and \
             phone numbers; they must not leave the agency's systems"
        );
    }
    prepare(&args.dir)?;
    let store = &app.store;
    let mut decided: Vec<QuarantineItem> = Vec::new();
    for status in [QuarantineStatus::Approved, QuarantineStatus::Rejected] {
        decided.extend(store.quarantine(status).await.context("reading the decided items")?);
    }
    decided.retain(|i| {
        let day = i.decided_at.map(|t| t.date_naive());
        args.since.is_none_or(|since| day.is_some_and(|d| d >= since)) && (args.all_decided || disagrees(i))
    });
    decided.sort_by_key(|i| i.id);
    let own = vec![crate::MAILBOX_ADDRESS.to_string()];
    let mut redactor = Redactor::new();
    let (mut written, mut purged, mut changed) = (BTreeMap::<&str, usize>::new(), 0, Vec::new());
    for item in &decided {
        let Some(raw) = store.raw_message(item.message_id).await? else {
            purged += 1;
            continue;
        };
        let message = store.message(item.message_id).await?.context("an item's mail is on file")?;
        let read = analyse(&raw, None, &own);
        let mail = if args.no_redact {
            raw.clone()
        } else {
            redactor.mail(&raw).with_context(|| format!("redacting the mail of item {}", item.id))?
        };
        // What the intake reads in the exported mail must be what it read in
        // the original, or the mail no longer tests what it did.
        let reread = analyse(&mail, None, &own);
        let same_reading = reading(&read) == reading(&reread);
        let mut expected = match item.status {
            QuarantineStatus::Approved => {
                let t = store.termination_from(item.message_id).await?;
                json!({
                    "verdict": Verdict::Accept.as_str(),
                    "org_number": t.as_ref().map(|t| t.org_number.to_string()),
                    "org_name": t.as_ref().map(|t| t.org_name.clone()),
                    "effective_date": t.as_ref().map(|t| t.effective_date.to_string()),
                    "missing": [],
                    "reasons": [],
                })
            }
            _ => json!({
                "verdict": Verdict::Quarantine.as_str(),
                "org_number": message.org_number.map(|n| n.to_string()),
                "org_name": message.org_name,
                "effective_date": message.effective_date.map(|d| d.to_string()),
                "missing": message.missing.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                "reasons": item.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            }),
        };
        expected["officer"] = json!({
            "outcome": item.outcome.map(|o| o.as_str()),
            "corrected_fields": item.corrected_fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "reason": item.decision_note.as_deref().map(|n| if args.no_redact { n.to_string() } else { redactor.text(n) }),
        });
        expected["intake"] = json!({
            "verdict": message.verdict.as_str(),
            "reasons": item.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        });
        if !same_reading {
            expected["redaction_changed_the_reading"] = json!(true);
            changed.push(item.id);
        }
        let folder = expected["verdict"].as_str().unwrap_or("quarantine").to_string();
        let name = format!("item-{:06}", item.id);
        let path = args.dir.join(&folder).join(&name);
        std::fs::create_dir_all(path.parent().expect("inside the corpus"))?;
        std::fs::write(path.with_extension("eml"), &mail)?;
        std::fs::write(path.with_extension("json"), serde_json::to_string_pretty(&expected)? + "\n")?;
        *written.entry(if folder == "accept" { "approved" } else { "rejected" }).or_default() += 1;
    }
    std::fs::write(args.dir.join("NOTES.md"), notes(&args, &written, &changed))?;
    let total: usize = written.values().sum();
    println!(
        "exported {total} decided mails to {} ({} approved, {} rejected){}{}",
        args.dir.display(),
        written.get("approved").unwrap_or(&0),
        written.get("rejected").unwrap_or(&0),
        if purged > 0 {
            format!("; {purged} left out: their mail was purged (retention.raw_days)")
        } else {
            String::new()
        },
        if changed.is_empty() {
            String::new()
        } else {
            format!("; redaction changed the intake's reading of items {changed:?} (marked in their JSON)")
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// An item the officers decided otherwise than the intake read it: every
/// approval (the intake held back a termination, or read a fact wrong), and
/// every rejected shadow-mode proposal (the intake would have accepted).
fn disagrees(item: &QuarantineItem) -> bool {
    item.status == QuarantineStatus::Approved
        || item.outcome == Some(ReviewOutcome::Rejected) && item.reasons.contains(&crate::domain::Reason::Proposed)
}

/// The verdict and the three facts an analysis gives.
fn reading(a: &crate::analyse::Analysis) -> Value {
    let ex = a.extraction.as_ref();
    json!([
        a.decision.verdict.as_str(),
        ex.and_then(|e| e.org_number()).map(|n| n.to_string()),
        ex.and_then(|e| e.org_name()),
        ex.and_then(|e| e.effective_date()).map(|d| d.to_string()),
    ])
}

fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?.next().is_none();
        anyhow::ensure!(empty, "{} is not empty: export into a new directory", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

fn notes(args: &Args, written: &BTreeMap<&str, usize>, changed: &[i64]) -> String {
    let mut out = String::from("# Exported corpus — notes\n\n## CONVENTIONS\n\n");
    out.push_str(
        "- Written by `lefi-intake corpus export`: every mail an officer decided, as `<verdict>/item-NNNNNN.eml` \
         with the expected result beside it in `item-NNNNNN.json`, the layout of `fixtures/`; score with \
         `lefi-intake corpus check`.\n\
         - The expected result is the officer's: `accept` with the values the officer recorded for an approval \
         (with or without corrections), `quarantine` with what the intake read for a rejection. `officer` says \
         how it was decided (outcome, corrected fields, the officer's reason); `intake` what the intake gave.\n",
    );
    if args.no_redact {
        out.push_str("- NOT REDACTED (--no-redact): the mails keep their personal data.\n");
    } else {
        out.push_str(
            "- Redacted: personal identity numbers, e-mail addresses' local parts, personal names and phone \
             numbers are replaced by placeholders (`[personnummer 1]`, `adress-1@…`, `Namn1 Namn2`, \
             `[telefon 1]`), the same person by the same placeholder throughout; organisation numbers and \
             names, dates and the Authentication-Results stay. Attachments are kept by type and name only.\n",
        );
    }
    if !changed.is_empty() {
        out.push_str(&format!(
            "- Redaction changed the intake's reading of items {changed:?}: their JSON says \
             `redaction_changed_the_reading`; score them with care.\n"
        ));
    }
    out.push_str(&format!(
        "\nApproved: {}; rejected: {}.\n",
        written.get("approved").unwrap_or(&0),
        written.get("rejected").unwrap_or(&0)
    ));
    out
}

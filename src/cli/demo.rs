//! `lefi-intake demo`: the main job on the embedded default, in a scratch
//! directory — the sample subscriber registry imported, the example mails
//! (and a few forged ones) into a Maildir as our receiving server would pass
//! them on, the daemon once, then what happened.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::app::App;
use crate::config::Settings;
use crate::domain::{Code, Reason};
use crate::source::maildir::Maildir;
use crate::store::QuarantineStatus;
use crate::store::listing::Listing;
use anyhow::{Context as _, Result};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct Args {
    /// Where the example mails are.
    #[arg(long, default_value = "fixtures", value_name = "DIR")]
    fixtures: PathBuf,
    /// Scratch directory (emptied first).
    #[arg(long, default_value = "data/demo", value_name = "DIR")]
    dir: PathBuf,
    /// The sample subscriber registry to import.
    #[arg(long, default_value = "demo/registry.csv", value_name = "FILE")]
    registry: PathBuf,
    /// Forged mails delivered beside the examples.
    #[arg(long, default_value = "demo/forged", value_name = "DIR")]
    forged: PathBuf,
}

/// The name our receiving server writes in `Authentication-Results` in the example mails.
const DEMO_MX: &str = "mx.forsakringskassan.se";

pub async fn run(args: Args) -> Result<ExitCode> {
    let Args { fixtures, dir, registry, forged } = args;
    prepare_scratch(&dir)?;
    let maildir = dir.join("maildir");
    let outbox = dir.join("outbox");
    let db = dir.join("lefi-intake.db");
    let vars = [
        ("LEFI_INTAKE__DATABASE__URL".to_string(), format!("sqlite://{}", db.display())),
        ("LEFI_INTAKE__SOURCE__KIND".to_string(), "maildir".to_string()),
        ("LEFI_INTAKE__SOURCE__MAILDIR".to_string(), maildir.display().to_string()),
        ("LEFI_INTAKE__REPLY__TRANSPORT".to_string(), "file".to_string()),
        ("LEFI_INTAKE__REPLY__DIR".to_string(), outbox.display().to_string()),
        ("LEFI_INTAKE__LOG__LEVEL".to_string(), "warn".to_string()),
        ("LEFI_INTAKE__TRUST__AUTHSERV_IDS".to_string(), DEMO_MX.to_string()),
    ];
    let settings = Settings::load_with_env(None, vars).context("demo configuration")?;
    crate::ops::telemetry::init(&settings.log);
    Maildir::open(&maildir, settings.source.max_message_bytes).context("creating the demo maildir")?;
    let mut mails: Vec<PathBuf> = Vec::new();
    collect_eml(&fixtures, &mut mails).with_context(|| format!("reading example mails in {}", fixtures.display()))?;
    let mut forgeries: Vec<PathBuf> = Vec::new();
    collect_eml(&forged, &mut forgeries).with_context(|| format!("reading forged mails in {}", forged.display()))?;
    mails.sort();
    forgeries.sort();
    let forged_count = forgeries.len();
    mails.extend(forgeries);
    for (i, path) in mails.iter().enumerate() {
        let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Maildir::deliver(&maildir, &format!("{}.M{i}P1.demo", 1_795_000_000 + i), &raw)
            .with_context(|| format!("delivering {} into the demo maildir", path.display()))?;
    }
    println!(
        "Delivered {} example mails ({forged_count} of them forged) into {}",
        mails.len(),
        maildir.join("new").display()
    );

    let app = App::build(settings).await?;
    let csv = std::fs::read(&registry).with_context(|| format!("reading {}", registry.display()))?;
    let subscribers = crate::trust::registry::import::parse(&csv)
        .with_context(|| format!("reading the sample registry {}", registry.display()))?;
    let changes = app.store.import_changes(&subscribers).await?;
    app.store.apply_import(&changes, "demo", chrono::Utc::now()).await?;
    println!(
        "Imported {} subscribers from {}; trusting Authentication-Results from {DEMO_MX}",
        subscribers.len(),
        registry.display()
    );
    let summary = app.configured_daemon()?.run(true, CancellationToken::new()).await.context("running the intake")?;
    println!(
        "\nRecorded {} mails: {}",
        summary.total(),
        summary.recorded.iter().map(|(v, n)| format!("{n} {v}")).collect::<Vec<_>>().join(", ")
    );
    let terminations = app.store.terminations().await?;
    println!("\nTerminations on file ({}):", terminations.len());
    let mut table = Listing::new(&["org_number", "org_name", "effective_date"]);
    for t in &terminations {
        table.push(vec![t.org_number.to_string(), t.org_name.clone(), t.effective_date.to_string()]);
    }
    print!("{}", table.to_table());
    let quarantine = app.store.quarantine(QuarantineStatus::Open).await?;
    let mut by_reason: std::collections::BTreeMap<&str, usize> = Default::default();
    for q in &quarantine {
        for r in &q.reasons {
            *by_reason.entry(r.as_str()).or_default() += 1;
        }
    }
    println!(
        "\nIn quarantine for an officer ({}): {}",
        quarantine.len(),
        by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", ")
    );
    let trust = [
        Reason::SenderForged,
        Reason::SenderNotAuthenticated,
        Reason::UnknownSubscriber,
        Reason::SenderDomainMismatch,
        Reason::NameMismatch,
    ];
    println!("\nThe trust checks held back:");
    for reason in trust {
        let n = quarantine.iter().filter(|q| q.reasons.contains(&reason)).count();
        println!("  {:<26} {n:>3}  {}", reason.as_str(), reason_line(reason));
    }
    println!(
        "\nReplies written: {} (to {}), {} waiting, {} failed",
        summary.replies.sent,
        outbox.display(),
        summary.pending_replies,
        summary.replies.failed
    );
    println!("Mails filed under {}/.Processed, .Quarantine and .Ignored", maildir.display());
    println!("Database: {}", db.display());
    explain(&app, &summary, terminations.len(), &db).await?;
    Ok(ExitCode::SUCCESS)
}

/// Why the figures above differ, and where to look next: the demo's
/// database is not the one a plain `quarantine list` reads.
async fn explain(app: &App, summary: &crate::daemon::RunSummary, terminations: usize, db: &Path) -> Result<()> {
    let messages = app.store.messages().await?;
    let accepted = messages.iter().filter(|m| m.verdict == crate::domain::Verdict::Accept).count();
    let already = messages
        .iter()
        .filter(|m| m.verdict == crate::domain::Verdict::Accept && m.reasons.contains(&Reason::AlreadyRegistered))
        .count();
    let answers = app.store.outbox(None).await?.len();
    let held_back = app.store.audit_log(i64::MAX).await?.iter().filter(|a| a.action == "reply_suppressed").count();
    let never = summary.total().saturating_sub(answers + held_back);
    let period = app.settings.reply.answer_period_hours;
    println!(
        "
Why the figures differ:"
    );
    println!(
        "  {accepted} accepted mails recorded {terminations} terminations: {already} were for an organisation whose \
         termination was already on file with the same date (the sender was told it is already registered)."
    );
    println!(
        "  {} mails gave {answers} answers: {never} get none by rule (auto-replies, bounces, mailing lists and \
         forgeries are never answered), {held_back} were held back by the per-sender limit (one answer of a kind \
         per sender in {period} hours, reply.answer_period_hours; some senders wrote several of the example mails).",
        summary.total()
    );
    let url = format!("sqlite://{}", db.display());
    println!(
        "
Next: the demo has its own database. Its quarantine queue from a terminal:"
    );
    println!("  LEFI_INTAKE__DATABASE__URL={url} lefi-intake quarantine list");
    println!("  LEFI_INTAKE__DATABASE__URL={url} lefi-intake quarantine show N");
    println!("and in the review pages (an officer account first, its password on standard input):");
    println!("  export LEFI_INTAKE__DATABASE__URL={url}");
    println!("  lefi-intake officer add demo --password-stdin");
    println!("  lefi-intake web        # then http://{}/", app.settings.web.listen);
    Ok(())
}

/// The file that marks a directory as the demo's own scratch directory.
const MARKER: &str = ".lefi-intake-demo";

/// Empties `dir` for a new run — only when the demo made it (the marker is
/// there) or it is empty or absent. Anything else is refused: `--dir data`
/// must never wipe a real database.
fn prepare_scratch(dir: &Path) -> Result<()> {
    if dir.exists() {
        let is_ours = dir.join(MARKER).is_file();
        let is_empty = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?.next().is_none();
        if !is_ours && !is_empty {
            anyhow::bail!(
                "{} exists and was not made by `lefi-intake demo` (no {MARKER} in it): refusing to empty it; \
                 give --dir a new or empty directory",
                dir.display()
            );
        }
        if is_ours {
            std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "Scratch directory of `lefi-intake demo`: emptied by every demo run.\n")
        .with_context(|| format!("marking {}", dir.display()))?;
    Ok(())
}

fn collect_eml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_eml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
    Ok(())
}

/// What each trust check stops, for the demo's reader.
fn reason_line(reason: Reason) -> &'static str {
    match reason {
        Reason::SenderForged => "DMARC failed or a planted header: no answer at all",
        Reason::SenderNotAuthenticated => "nothing vouched for the sender: a neutral answer only",
        Reason::UnknownSubscriber => "not in the registry",
        Reason::SenderDomainMismatch => "written from a domain not the subscriber's",
        Reason::NameMismatch => "a name not the subscriber's",
        _ => "",
    }
}

//! What each command does, with errors given context for the person at the
//! terminal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use lefi_intake::analyse::analyse;
use lefi_intake::config::Settings;
use lefi_intake::daemon;
use lefi_intake::report::{self, Report};
use lefi_intake::source::maildir::Maildir;
use lefi_intake::store::{OutboxStatus, Store};
use tokio_util::sync::CancellationToken;

use crate::{Cli, Command, Format, OutboxCommand, TerminationsCommand};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Extract { json, received, explain, files } => extract(json, explain, received, &files),
        Command::Run { once } => with_runtime(async { run_daemon(&load(cli.config.as_deref())?, once).await }),
        Command::Migrate => with_runtime(async {
            let settings = load(cli.config.as_deref())?;
            daemon::open_store(&settings).await.context("migrating the database")?;
            println!("migrations applied to {}", lefi_intake::store::redact(&settings.database.url));
            Ok(ExitCode::SUCCESS)
        }),
        Command::Terminations { command: TerminationsCommand::List { format } } => {
            with_runtime(async { list_terminations(&load(cli.config.as_deref())?, format).await })
        }
        Command::Outbox { command: OutboxCommand::List { status, format } } => {
            with_runtime(async { list_outbox(&load(cli.config.as_deref())?, status.as_deref(), format).await })
        }
        Command::Demo { fixtures, dir } => with_runtime(demo(fixtures, dir)),
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
    lefi_intake::telemetry::init(&settings.log);
    Ok(settings)
}

fn extract(json: bool, explain: bool, received: Option<NaiveDate>, files: &[PathBuf]) -> Result<ExitCode> {
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let mut all_read = true;
    let mut reports = Vec::with_capacity(files.len());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in files {
        let name = path.display().to_string();
        let report = match std::fs::read(path) {
            Ok(raw) => {
                let analysis = analyse(&raw, received, &own);
                if explain {
                    write!(out, "{}", report::table(&[Report::from_analysis(&name, &analysis)]))?;
                    write!(out, "{}", report::explain(&analysis))?;
                }
                Report::from_analysis(&name, &analysis)
            }
            Err(e) => {
                all_read = false;
                Report::unreadable(&name, format!("reading {name}: {e}"))
            }
        };
        if json {
            writeln!(out, "{}", report.to_json_line()).context("writing to stdout")?;
        } else {
            reports.push(report);
        }
    }
    if !json && !explain {
        write!(out, "{}", report::table(&reports)).context("writing to stdout")?;
    }
    Ok(if all_read { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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

async fn run_daemon(settings: &Settings, once: bool) -> Result<ExitCode> {
    let token = CancellationToken::new();
    on_signals(token.clone());
    let summary = daemon::run(settings, once, token).await.context("running the intake")?;
    if once {
        println!(
            "recorded {} mail(s) ({}), {} already recorded; {} repl(ies) sent, {} waiting, {} failed",
            summary.total(),
            summary.recorded.iter().map(|(v, n)| format!("{v}: {n}")).collect::<Vec<_>>().join(", "),
            summary.duplicates,
            summary.replies.sent,
            summary.pending_replies,
            summary.replies.failed
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn open(settings: &Settings) -> Result<Store> {
    daemon::open_store(settings)
        .await
        .with_context(|| format!("opening the database {}", lefi_intake::store::redact(&settings.database.url)))
}

async fn list_terminations(settings: &Settings, format: Format) -> Result<ExitCode> {
    let store = open(settings).await?;
    let rows = store.terminations().await.context("reading terminations")?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        Format::Csv => {
            writeln!(out, "org_number,org_name,effective_date,received_at,message_id,recorded_at,recorded_by")?;
            for r in &rows {
                let fields = [
                    &r.org_number,
                    &r.org_name,
                    &r.effective_date,
                    &r.received_at,
                    r.message_id.as_deref().unwrap_or(""),
                    &r.recorded_at,
                    &r.recorded_by,
                ];
                writeln!(out, "{}", fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","))?;
            }
        }
        Format::Table => {
            let table: Vec<[String; 4]> = rows
                .iter()
                .map(|r| [r.org_number.clone(), r.org_name.clone(), r.effective_date.clone(), r.received_at.clone()])
                .collect();
            write!(out, "{}", text_table(&["ORG NUMBER", "ORG NAME", "EFFECTIVE", "RECEIVED"], &table))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list_outbox(settings: &Settings, status: Option<&str>, format: Format) -> Result<ExitCode> {
    let store = open(settings).await?;
    let status = status.map(|s| match s {
        "sent" => OutboxStatus::Sent,
        "failed" => OutboxStatus::Failed,
        _ => OutboxStatus::Pending,
    });
    let rows = store.outbox(status).await.context("reading the outbox")?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        Format::Csv | Format::Table => {
            let table: Vec<[String; 6]> = rows
                .iter()
                .map(|r| {
                    [
                        r.id.to_string(),
                        r.kind.clone(),
                        r.recipient.clone(),
                        r.status.clone(),
                        r.attempts.to_string(),
                        r.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            write!(out, "{}", text_table(&["ID", "KIND", "TO", "STATUS", "ATTEMPTS", "LAST ERROR"], &table))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn text_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_string()
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect()) + "\n";
    for row in rows {
        out += &(line(row.to_vec()) + "\n");
    }
    out
}

/// The main job on the embedded default, in a scratch directory: example mails
/// into a Maildir, the daemon once, then what happened.
async fn demo(fixtures: PathBuf, dir: PathBuf) -> Result<ExitCode> {
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
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
    ];
    let settings = Settings::load_with_env(None, vars).context("demo configuration")?;
    lefi_intake::telemetry::init(&settings.log);
    Maildir::open(&maildir, settings.source.max_message_bytes).context("creating the demo maildir")?;
    let mut mails: Vec<PathBuf> = Vec::new();
    collect_eml(&fixtures, &mut mails).with_context(|| format!("reading example mails in {}", fixtures.display()))?;
    mails.sort();
    for (i, path) in mails.iter().enumerate() {
        let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Maildir::deliver(&maildir, &format!("{}.M{i}P1.demo", 1_795_000_000 + i), &raw)
            .with_context(|| format!("delivering {} into the demo maildir", path.display()))?;
    }
    println!("Delivered {} example mails into {}", mails.len(), maildir.join("new").display());

    let summary = daemon::run(&settings, true, CancellationToken::new()).await.context("running the intake")?;
    let store = open(&settings).await?;
    println!(
        "\nRecorded {} mails: {}",
        summary.total(),
        summary.recorded.iter().map(|(v, n)| format!("{n} {v}")).collect::<Vec<_>>().join(", ")
    );
    let terminations = store.terminations().await?;
    println!("\nTerminations on file ({}):", terminations.len());
    let table: Vec<[String; 3]> =
        terminations.iter().map(|t| [t.org_number.clone(), t.org_name.clone(), t.effective_date.clone()]).collect();
    print!("{}", text_table(&["ORG NUMBER", "ORG NAME", "EFFECTIVE"], &table));
    let quarantine = store.quarantine("open").await?;
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
    println!(
        "\nReplies written: {} (to {}), {} waiting, {} failed",
        summary.replies.sent,
        outbox.display(),
        summary.pending_replies,
        summary.replies.failed
    );
    println!("Mails filed under {}/.Processed, .Quarantine and .Ignored", maildir.display());
    println!("Database: {}", db.display());
    Ok(ExitCode::SUCCESS)
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

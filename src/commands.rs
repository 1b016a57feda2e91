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
use lefi_intake::report::{self, Report, text_table};
use lefi_intake::source::maildir::Maildir;
use lefi_intake::store::{OutboxStatus, Store};
use tokio_util::sync::CancellationToken;

use crate::{Cli, Command, Format, OfficerCommand, OutboxCommand, QuarantineCommand, TerminationsCommand};

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
        Command::Web => with_runtime(async { web_only(&load(cli.config.as_deref())?).await }),
        Command::Officer { command } => with_runtime(async { officer(&load(cli.config.as_deref())?, command).await }),
        Command::Quarantine { command } => {
            with_runtime(async { quarantine(&load(cli.config.as_deref())?, command).await })
        }
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
    // The review pages run beside the daemon (not for a single pass).
    let web = if once || settings.web.listen.is_empty() {
        None
    } else {
        let listener = bind(settings).await?;
        let state = std::sync::Arc::new(web_state(settings).await?);
        Some(tokio::spawn(lefi_intake::web::serve(listener, state, token.clone())))
    };
    let summary = daemon::run(settings, once, token.clone()).await.context("running the intake")?;
    token.cancel();
    if let Some(web) = web {
        web.await.context("the review pages")?.context("serving the review pages")?;
    }
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
        Format::Csv => write!(out, "{}", report::terminations_csv(&rows))?,
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

async fn bind(settings: &Settings) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(&settings.web.listen)
        .await
        .with_context(|| format!("listening on web.listen = {}", settings.web.listen))
}

async fn web_state(settings: &Settings) -> Result<lefi_intake::web::AppState> {
    let store = open(settings).await?;
    lefi_intake::web::AppState::new(settings, store).context("loading the reply templates")
}

async fn web_only(settings: &Settings) -> Result<ExitCode> {
    anyhow::ensure!(!settings.web.listen.is_empty(), "web.listen is empty: set the address to serve on");
    let token = CancellationToken::new();
    on_signals(token.clone());
    let listener = bind(settings).await?;
    let state = std::sync::Arc::new(web_state(settings).await?);
    lefi_intake::web::serve(listener, state, token).await.context("serving the review pages")?;
    Ok(ExitCode::SUCCESS)
}

fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    Ok(password)
}

async fn officer(settings: &Settings, command: OfficerCommand) -> Result<ExitCode> {
    let store = open(settings).await?;
    match command {
        OfficerCommand::Add { name, display_name, password_stdin, sso_only } => {
            anyhow::ensure!(
                password_stdin || sso_only,
                "give the password on standard input with --password-stdin (or --sso-only for SSO sign-in)"
            );
            anyhow::ensure!(
                !name.trim().is_empty()
                    && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')),
                "an officer name is letters, digits and . - _ @"
            );
            let hash =
                if password_stdin { Some(lefi_intake::auth::hash_password(&password_from_stdin()?)?) } else { None };
            let display = display_name.unwrap_or_else(|| name.clone());
            anyhow::ensure!(
                store.add_officer(&name, &display, hash.as_deref()).await?,
                "an officer named {name} exists already"
            );
            println!("officer {name} added");
        }
        OfficerCommand::Password { name } => {
            let hash = lefi_intake::auth::hash_password(&password_from_stdin()?)?;
            anyhow::ensure!(store.set_officer_password(&name, &hash).await?, "no officer named {name}");
            println!("password of {name} set");
        }
        OfficerCommand::Disable { name } => {
            anyhow::ensure!(store.disable_officer(&name).await?, "no officer named {name}");
            println!("officer {name} disabled");
        }
        OfficerCommand::List => {
            let rows: Vec<[String; 4]> = store
                .officers()
                .await?
                .into_iter()
                .map(|o| {
                    [
                        o.name,
                        o.display_name,
                        if o.active { "active".into() } else { "disabled".into() },
                        if o.password_hash.is_some() { "password".into() } else { "sso".into() },
                    ]
                })
                .collect();
            print!("{}", text_table(&["NAME", "DISPLAY NAME", "STATUS", "SIGN-IN"], &rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn acting_officer(store: &Store, name: &str) -> Result<lefi_intake::store::Officer> {
    match store.officer(name).await? {
        Some(o) if o.active => Ok(o),
        Some(_) => anyhow::bail!("officer {name} is disabled"),
        None => anyhow::bail!("no officer named {name} (add one with `lefi-intake officer add`)"),
    }
}

async fn quarantine(settings: &Settings, command: QuarantineCommand) -> Result<ExitCode> {
    let state = web_state(settings).await?;
    let reviewer = &state.reviewer;
    let store = &reviewer.store;
    match command {
        QuarantineCommand::List { status, format } => {
            let items = store.quarantine(&status).await?;
            let mut rows = Vec::new();
            for item in &items {
                let m = store.message(item.message_id).await?.context("a quarantine item without its mail")?;
                rows.push((item, m));
            }
            if format == Format::Json {
                let json: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(i, m)| {
                        serde_json::json!({
                            "id": i.id,
                            "status": i.status,
                            "reasons": i.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                            "created_at": i.created_at,
                            "received_at": lefi_intake::store::timestamp(m.received_at),
                            "from": m.from_address,
                            "subject": m.subject,
                            "org_number": m.org_number,
                            "org_name": m.org_name,
                            "effective_date": m.effective_date,
                            "decided_by": i.decided_by,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&json)?);
            } else {
                let table: Vec<[String; 5]> = rows
                    .iter()
                    .map(|(i, m)| {
                        [
                            i.id.to_string(),
                            i.created_at.clone(),
                            m.from_address.clone().unwrap_or_default(),
                            m.subject.chars().take(50).collect(),
                            i.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
                        ]
                    })
                    .collect();
                print!("{}", text_table(&["ID", "QUEUED", "FROM", "SUBJECT", "REASONS"], &table));
            }
        }
        QuarantineCommand::Show { id } => {
            let view = reviewer.item(id).await?;
            println!("item {id}: {} (mail {})", view.item.status, view.message.id);
            println!("reasons: {}", view.item.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "));
            if let Some(by) = &view.item.decided_by {
                println!(
                    "decided by {by} at {}: {}",
                    view.item.decided_at.as_deref().unwrap_or(""),
                    view.item.decision_note.as_deref().unwrap_or("")
                );
            }
            println!("from: {}", view.message.from_address.as_deref().unwrap_or("-"));
            println!("subject: {}", view.message.subject);
            println!("received: {}", view.message.received_at.to_rfc3339());
            if let Some(ex) = &view.extraction {
                println!("org number: {}", ex.org_number().map(|n| n.to_string()).unwrap_or("-".into()));
                println!("org name: {}", ex.org_name().unwrap_or("-"));
                println!("effective date: {}", ex.effective_date().map(|d| d.to_string()).unwrap_or("-".into()));
            }
            if let Some(mail) = &view.mail {
                for s in &mail.sections {
                    println!("--- {:?}\n{}", s.kind, s.text);
                }
                for a in &mail.attachments {
                    println!("attachment: {} ({}, {} bytes)", a.name, a.content_type, a.size);
                }
            }
        }
        QuarantineCommand::Approve { id, org_number, org_name, effective_date, officer } => {
            let officer = acting_officer(store, &officer).await?;
            let corrections = lefi_intake::review::Corrections { org_number, org_name, effective_date };
            let t = reviewer.approve(id, &officer, &corrections).await?;
            println!(
                "item {id} approved: {} {} from {}; confirmation queued",
                t.org_number, t.org_name, t.effective_date
            );
        }
        QuarantineCommand::Reject { id, reason, reply, officer } => {
            let officer = acting_officer(store, &officer).await?;
            reviewer.reject(id, &officer, &reason, reply).await?;
            println!("item {id} rejected{}", if reply { "; answer queued" } else { "" });
        }
        QuarantineCommand::Reopen { id, officer } => {
            let officer = acting_officer(store, &officer).await?;
            reviewer.reopen(id, &officer).await?;
            println!("item {id} reopened");
        }
    }
    Ok(ExitCode::SUCCESS)
}

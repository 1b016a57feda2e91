//! `lefi-intake check-config`: the configuration tried as the daemon will
//! use it — the database, the reply templates, the mail source (for IMAP:
//! connect, TLS, login, select) and the reply transport (for SMTP: connect,
//! TLS, EHLO, AUTH) — one line per check, stopping at the first failure
//! with the keys that fix it. Nothing on the servers is changed: no
//! migration is applied, no IMAP folder created, no mail sent. A missing
//! SQLite file, Maildir or reply directory is created, as `run` would.

use std::time::Duration;

use crate::config::{Security, Settings, SourceKind, TransportKind};
use crate::source::imap::client::{self, ConnectError};
use crate::source::imap::commands;
use crate::store::Store;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, e.g. `imap login`.
    pub name: &'static str,
    /// What was found, or the error.
    pub detail: String,
    /// The keys to look at when it failed (`None`: it passed).
    pub fix: Option<&'static str>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, detail: detail.into(), fix: None }
    }

    fn failed(name: &'static str, detail: impl Into<String>, fix: &'static str) -> Check {
        Check { name, detail: detail.into(), fix: Some(fix) }
    }

    pub fn passed(&self) -> bool {
        self.fix.is_none()
    }
}

/// Runs the checks in order, handing each to `report` as it finishes;
/// stops after the first failure. Returns whether all passed.
pub async fn run(settings: &Settings, mut report: impl FnMut(&Check)) -> bool {
    let mut go = |check: Check| {
        report(&check);
        check.passed()
    };
    for check in database(settings).await {
        if !go(check) {
            return false;
        }
    }
    if !go(templates(settings)) {
        return false;
    }
    let source = match settings.source.kind {
        SourceKind::Maildir => vec![maildir(settings)],
        SourceKind::Imap => imap(settings).await,
    };
    for check in source {
        if !go(check) {
            return false;
        }
    }
    let replies = match settings.reply.transport {
        TransportKind::File => reply_dir(settings),
        TransportKind::Smtp => smtp(settings).await,
    };
    go(replies)
}

async fn database(settings: &Settings) -> Vec<Check> {
    let url = crate::store::redact(&settings.database.url);
    let store = match Store::connect(&settings.database.url, 1).await {
        Ok(store) => store,
        Err(e) => return vec![Check::failed("database", format!("{url}: {e}"), "database.url")],
    };
    let mut out = vec![Check::ok("database", format!("{url}: connected"))];
    out.push(match store.pending_migrations().await {
        Ok((0, known)) => Check::ok("database schema", format!("up to date ({known} migrations)")),
        Ok((pending, known)) => Check::ok(
            "database schema",
            format!("{pending} of {known} migrations not applied yet; `run` or `migrate` applies them"),
        ),
        Err(e) => Check::failed("database schema", e.to_string(), "database.url"),
    });
    store.close().await;
    out
}

fn templates(settings: &Settings) -> Check {
    match crate::app::reply_context(settings) {
        Ok(_) if settings.reply.templates_dir.as_os_str().is_empty() => Check::ok("reply templates", "built in"),
        Ok(_) => Check::ok("reply templates", settings.reply.templates_dir.display().to_string()),
        Err(e) => Check::failed("reply templates", e.to_string(), "reply.templates_dir"),
    }
}

/// A directory we must write to: it exists (or can be made) and takes a file.
fn writable(dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let probe = dir.join(format!(".lefi-intake-check-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| format!("{}: cannot write: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn maildir(settings: &Settings) -> Check {
    let dir = &settings.source.maildir;
    match writable(&dir.join("tmp")) {
        Ok(()) => Check::ok("maildir", dir.display().to_string()),
        Err(e) => Check::failed("maildir", e, "source.maildir"),
    }
}

fn reply_dir(settings: &Settings) -> Check {
    match writable(&settings.reply.dir) {
        Ok(()) => Check::ok("reply files", settings.reply.dir.display().to_string()),
        Err(e) => Check::failed("reply files", e, "reply.dir"),
    }
}

async fn imap(settings: &Settings) -> Vec<Check> {
    let s = &settings.imap;
    let server = format!("{}:{} ({})", s.host, s.port, s.security);
    let tls = match client::tls_config(&s.tls_ca_file) {
        Ok(tls) => tls,
        Err(e) => return vec![Check::failed("imap tls", e.to_string(), "imap.tls_ca_file")],
    };
    let mut session = match client::open(s, &tls).await {
        Ok(session) => session,
        Err(e) => return imap_connect_failure(&server, e),
    };
    let mut out = vec![Check::ok("imap connect", server)];
    if s.security != Security::Plain {
        out.push(Check::ok("imap tls", format!("{} certificate accepted", s.host)));
    }
    out.push(Check::ok("imap login", format!("as {} ({})", s.username, s.auth)));
    let caps = match commands::capabilities(&mut session, s.timeout_secs).await {
        Ok(caps) => caps,
        Err(e) => {
            out.push(Check::failed("imap capabilities", e.to_string(), "imap.host"));
            return out;
        }
    };
    out.push(match commands::select(&mut session, &s.mailbox, s.timeout_secs).await {
        Ok(uid_validity) => Check::ok(
            "imap mailbox",
            format!(
                "{} selected (UIDVALIDITY {uid_validity}); IDLE {}, MOVE {}",
                s.mailbox,
                yes_no(caps.idle),
                yes_no(caps.moves)
            ),
        ),
        Err(e) => Check::failed("imap mailbox", e.to_string(), "imap.mailbox"),
    });
    let _ = tokio::time::timeout(Duration::from_secs(s.timeout_secs), session.logout()).await;
    out
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The checks up to the step that failed, from the error's kind.
fn imap_connect_failure(server: &str, e: ConnectError) -> Vec<Check> {
    let reached = || Check::ok("imap connect", server.to_string());
    match e {
        ConnectError::Tcp { .. } | ConnectError::TimedOut(_) => {
            vec![Check::failed("imap connect", format!("{server}: {e}"), "imap.host, imap.port, imap.timeout_secs")]
        }
        ConnectError::Tls { .. }
        | ConnectError::TlsConfig(_)
        | ConnectError::Greeting(_)
        | ConnectError::StartTls(_) => {
            vec![reached(), Check::failed("imap tls", e.to_string(), "imap.security, imap.tls_ca_file")]
        }
        ConnectError::Token(_) => vec![
            reached(),
            Check::failed("imap login", e.to_string(), "imap.oauth2_token_command, imap.oauth2_token_file"),
        ],
        ConnectError::Auth { .. } => vec![
            reached(),
            Check::failed(
                "imap login",
                e.to_string(),
                "imap.username, imap.password (or imap.password_file), imap.auth",
            ),
        ],
    }
}

async fn smtp(settings: &Settings) -> Check {
    use crate::outbox::transport::{CheckError, SmtpDelivery};
    let s = &settings.smtp;
    let server = format!("{}:{} ({})", s.host, s.port, s.security);
    let delivery = match SmtpDelivery::from_settings(settings) {
        Ok(d) => d,
        Err(e) => return Check::failed("smtp", e.to_string(), "smtp.tls_ca_file, smtp.hello_name"),
    };
    match delivery.check().await {
        Ok(()) if s.auth == crate::config::SmtpAuth::Xoauth2 => {
            Check::ok("smtp", format!("{server}: connected, EHLO and AUTH XOAUTH2 as {} accepted", s.username))
        }
        Ok(()) if s.username.is_empty() => Check::ok("smtp", format!("{server}: connected, EHLO accepted, no AUTH")),
        Ok(()) => Check::ok("smtp", format!("{server}: connected, EHLO and AUTH as {} accepted", s.username)),
        Err(CheckError::Token(e)) => {
            Check::failed("smtp", e, "smtp.oauth2_token_command, smtp.oauth2_token_file (or imap's)")
        }
        Err(CheckError::Smtp(crate::outbox::smtp::SmtpError::Tls { host, source })) => {
            Check::failed("smtp", format!("{server}: TLS with {host}: {source}"), "smtp.security, smtp.tls_ca_file")
        }
        Err(CheckError::Smtp(crate::outbox::smtp::SmtpError::Smtp(e))) => {
            use crate::outbox::transport::{error_text, refuses_credentials, token_refused};
            let fix = if s.auth == crate::config::SmtpAuth::Xoauth2 && token_refused(&e) {
                "the OAuth2 token: smtp.oauth2_token_command (or imap's), smtp.username, the app's SMTP.SendAsApp permission"
            } else if refuses_credentials(&e) {
                "smtp.username, smtp.password (or smtp.password_file)"
            } else if e.is_tls() {
                "smtp.security, smtp.tls_ca_file"
            } else {
                "smtp.host, smtp.port, smtp.security, smtp.timeout_secs"
            };
            let detail = format!("{server}: {}", error_text(&e));
            Check::failed("smtp", detail, fix)
        }
        Err(CheckError::Smtp(e)) => {
            Check::failed("smtp", format!("{server}: {e}"), "smtp.host, smtp.port, smtp.security, smtp.timeout_secs")
        }
    }
}

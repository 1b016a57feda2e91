//! An intake on a temporary Maildir and reply directory, over a test database.

use std::path::{Path, PathBuf};

use lefi_intake::config::Settings;
use lefi_intake::daemon::RunSummary;
use lefi_intake::outbox::transport::MessageIdFileTransport;
use lefi_intake::source::maildir::Maildir;

use super::db::TestDb;

pub struct TestIntake {
    pub db: TestDb,
    pub root: tempfile::TempDir,
    pub settings: Settings,
    delivered: usize,
}

impl TestIntake {
    pub async fn on(db: TestDb) -> TestIntake {
        Self::with_env(db, &[]).await
    }

    /// With settings of its own on top of the usual ones (`LEFI_INTAKE__…`
    /// names; they replace the usual values of the same keys).
    pub async fn with_env(db: TestDb, extra: &[(&str, &str)]) -> TestIntake {
        let root = tempfile::tempdir().expect("temp dir");
        let mut env: Vec<(String, String)> =
            env_for(&db.url, root.path()).into_iter().filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)).collect();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let settings = Settings::load_with_env(None, env).expect("settings");
        Maildir::open(maildir(root.path()), settings.source.max_message_bytes).expect("maildir");
        TestIntake { db, root, settings, delivered: 0 }
    }

    pub fn maildir(&self) -> PathBuf {
        maildir(self.root.path())
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.root.path().join("outbox")
    }

    /// Delivers a mail into the inbox, received on `day` (YYYY-MM-DD, noon UTC).
    pub fn deliver(&mut self, raw: &[u8], day: &str) -> String {
        let t = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("day").and_hms_opt(12, 0, 0).unwrap();
        self.delivered += 1;
        let name = format!("{}.M{}P1.test", t.and_utc().timestamp() + self.delivered as i64, self.delivered);
        Maildir::deliver(&self.maildir(), &name, raw).expect("deliver");
        format!("maildir:{name}")
    }

    pub async fn run_once(&self) -> RunSummary {
        let app = lefi_intake::app::App::with_store(self.settings.clone(), self.db.store.clone()).expect("app");
        self.run_app_once(&app).await
    }

    /// One run of `app`'s daemon over this intake's Maildir and reply files
    /// (a test that builds the application itself, e.g. with DNS answers).
    pub async fn run_app_once(&self, app: &lefi_intake::app::App) -> RunSummary {
        let source = Maildir::open(self.maildir(), self.settings.source.max_message_bytes).expect("maildir");
        let deliver = MessageIdFileTransport::new(self.outbox_dir()).expect("outbox dir");
        let token = tokio_util::sync::CancellationToken::new();
        app.daemon(source, deliver).run(true, token).await.expect("run once")
    }

    /// The reply files written, parsed.
    pub fn replies(&self) -> Vec<Reply> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(self.outbox_dir()) else { return out };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "eml") {
                out.push(Reply::read(&path));
            }
        }
        out.sort_by(|a, b| a.message_id.cmp(&b.message_id));
        out
    }

    pub fn filed(&self, folder: &str) -> usize {
        std::fs::read_dir(self.maildir().join(format!(".{folder}")).join("cur")).map(|d| d.count()).unwrap_or(0)
    }

    pub fn inbox(&self) -> usize {
        super::maildir_inbox(&self.maildir())
    }
}

fn maildir(root: &Path) -> PathBuf {
    root.join("maildir")
}

/// The configuration a test intake (or a spawned daemon) runs with.
pub fn env_for(db_url: &str, root: &Path) -> Vec<(String, String)> {
    vec![
        ("LEFI_INTAKE__DATABASE__URL".into(), db_url.into()),
        ("LEFI_INTAKE__SOURCE__MAILDIR".into(), maildir(root).display().to_string()),
        ("LEFI_INTAKE__REPLY__DIR".into(), root.join("outbox").display().to_string()),
        ("LEFI_INTAKE__LOG__LEVEL".into(), "warn".into()),
        // Sign-ins wait after a failure only where a test says so (`hardening.rs`).
        ("LEFI_INTAKE__WEB__SIGNIN_DELAY_SECS".into(), "0".into()),
        // Health and metrics only where a test asks for them (`ops.rs`): tests run at once.
        ("LEFI_INTAKE__OPS__LISTEN".into(), String::new()),
    ]
    .into_iter()
    .chain(super::WITHOUT_TRUST.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    .collect()
}

/// The `lefi-intake` binary: Cargo names it to integration tests; an example
/// (a harness) finds it beside its own directory (`target/release/examples/..`).
pub fn binary() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_lefi-intake") {
        Some(path) => PathBuf::from(path),
        None => {
            let me = std::env::current_exe().expect("own path");
            me.parent().and_then(Path::parent).expect("target directory").join("lefi-intake")
        }
    }
}

/// `lefi-intake run [--once]` as a child process on the Maildir and reply
/// directory under `root`, with only these settings (nothing from a
/// config/local.toml or the caller's environment) and no web server; its
/// standard error piped, killed when dropped.
pub fn daemon_command(db_url: &str, root: &Path, once: bool) -> tokio::process::Command {
    let empty = root.join("empty.toml");
    if !empty.exists() {
        std::fs::write(&empty, "").expect("empty config");
    }
    let mut cmd = tokio::process::Command::new(binary());
    cmd.arg("run");
    if once {
        cmd.arg("--once");
    }
    cmd.arg("--config").arg(empty);
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env_for(db_url, root) {
        cmd.env(k, v);
    }
    cmd.env("LEFI_INTAKE__WEB__LISTEN", "");
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).kill_on_drop(true);
    cmd
}

/// A reply as the sender would receive it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub auto_submitted: Option<String>,
    pub kind: String,
    pub body: String,
}

impl Reply {
    pub fn read(path: &Path) -> Reply {
        let raw = std::fs::read(path).expect("reply file");
        Self::parse(&raw)
    }

    pub fn parse(raw: &[u8]) -> Reply {
        let m = mail_parser::MessageParser::default().parse(raw).expect("a reply parses");
        let header = |name: &str| {
            m.root_part()
                .headers()
                .iter()
                .find(|h| h.name().eq_ignore_ascii_case(name))
                .and_then(|h| std::str::from_utf8(&raw[h.offset_start as usize..h.offset_end as usize]).ok())
                .map(|s| s.trim().to_string())
        };
        let ids = |v: &mail_parser::HeaderValue| match v {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => vec![],
        };
        let marker = header("X-Lefi-Intake").unwrap_or_default();
        Reply {
            message_id: m.message_id().unwrap_or_default().to_string(),
            to: m.to().and_then(|a| a.first()).and_then(|a| a.address.as_deref()).unwrap_or_default().to_string(),
            subject: m.subject().unwrap_or_default().to_string(),
            in_reply_to: ids(m.in_reply_to()),
            references: ids(m.references()),
            auto_submitted: header("Auto-Submitted"),
            kind: marker.split("kind=").nth(1).and_then(|k| k.split(';').next()).unwrap_or("").to_string(),
            body: m.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
        }
    }
}

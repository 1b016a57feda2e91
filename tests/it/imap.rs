//! The IMAP source against a real Dovecot (see `support::dovecot`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use lefi_intake::config::{ImapAuth, Security, Settings, SourceKind};
use lefi_intake::daemon::RunSummary;
use lefi_intake::domain::Code;
use lefi_intake::outbox::transport::MessageIdFileTransport;
use lefi_intake::source::imap::Imap;
use lefi_intake::source::{FailureKind, MailSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::support::db::TestDb;
use crate::support::dovecot::{Dovecot, Options, free_port};
use crate::support::mails::{drill_mail, termination};

struct Harness {
    dovecot: Dovecot,
    db: TestDb,
    outbox: tempfile::TempDir,
    settings: Settings,
}

impl Harness {
    async fn new(options: Options, security: Security) -> Option<Harness> {
        let dovecot = Dovecot::start(options)?;
        let db = TestDb::sqlite().await;
        let mut settings = Settings::load_with_env(None, Vec::new()).unwrap();
        crate::support::without_trust(&mut settings);
        settings.source.kind = SourceKind::Imap;
        settings.imap = dovecot.settings(security);
        settings.log.level = std::env::var("LEFI_TEST_LOG").unwrap_or_else(|_| "warn".into());
        if std::env::var("LEFI_TEST_LOG").is_ok() {
            lefi_intake::ops::telemetry::init(&settings.log);
        }
        Some(Harness { dovecot, db, outbox: tempfile::tempdir().unwrap(), settings })
    }

    async fn append(&self, mailbox: &str, mails: impl IntoIterator<Item = Vec<u8>>) {
        let mut s = self.dovecot.session().await;
        for raw in mails {
            s.append(mailbox, None, None, &raw).await.expect("APPEND");
        }
        s.logout().await.unwrap();
    }

    async fn count(&self, mailbox: &str) -> u32 {
        let mut s = self.dovecot.session().await;
        let m = s.status(mailbox, "(MESSAGES)").await.expect("STATUS");
        s.logout().await.unwrap();
        m.exists
    }

    fn run(&self, once: bool, token: CancellationToken) -> tokio::task::JoinHandle<RunSummary> {
        let settings = self.settings.clone();
        let store = self.db.store.clone();
        let dir = self.outbox.path().to_path_buf();
        tokio::spawn(async move {
            let source = Imap::new(settings.imap.clone()).expect("imap source");
            let deliver = MessageIdFileTransport::new(dir).unwrap();
            crate::support::run_daemon(&settings, store, source, deliver, once, token).await.expect("daemon")
        })
    }

    async fn run_once(&self) -> RunSummary {
        self.run(true, CancellationToken::new()).await.unwrap()
    }

    async fn recorded(&self) -> usize {
        self.db.store.messages().await.unwrap().len()
    }

    async fn wait_for_records(&self, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.recorded().await < n {
            assert!(Instant::now() < deadline, "only {} of {n} mails recorded in {within:?}", self.recorded().await);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn reply_files(&self) -> usize {
        std::fs::read_dir(self.outbox.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
            .count()
    }
}

fn drill(n: u32) -> impl Iterator<Item = Vec<u8>> {
    (0..n).map(drill_mail)
}

/// Folders as the drill mails must end up: 7 in 10 processed (accepted),
/// plus the incomplete ones; 1 in 10 quarantined, 1 in 10 ignored.
fn expected_folders(n: u32) -> (u32, u32, u32) {
    let processed = (0..n).filter(|i| i % 10 <= 7).count() as u32;
    let quarantined = (0..n).filter(|i| i % 10 == 9).count() as u32;
    (processed, quarantined, n - processed - quarantined)
}

async fn assert_drill_done(h: &Harness, n: u32) {
    assert_folders(h, n, false).await;
}

/// Message-IDs of the mails in a folder, without repeats.
async fn distinct_ids(h: &Harness, folder: &str) -> usize {
    use futures_util::TryStreamExt;
    let mut s = h.dovecot.session().await;
    s.select(folder).await.unwrap();
    let fetches: Vec<_> =
        s.fetch("1:*", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]").await.unwrap().try_collect().await.unwrap_or_default();
    let mut ids: Vec<Vec<u8>> = fetches.iter().filter_map(|f| f.header().map(<[u8]>::to_vec)).collect();
    s.logout().await.unwrap();
    ids.sort();
    ids.dedup();
    ids.len()
}

/// With `server_crashed`, a folder may hold a mail twice: Dovecot's MOVE on
/// Maildir is a copy and an expunge, and a server killed between the two
/// leaves the mail in the inbox as well, so it is filed again. Records and
/// answers must still be exact.
async fn assert_folders(h: &Harness, n: u32, server_crashed: bool) {
    let (processed, quarantined, ignored) = expected_folders(n);
    assert_eq!(h.count("INBOX").await, 0, "mail left in the inbox");
    for (folder, expected) in [("Processed", processed), ("Quarantine", quarantined), ("Ignored", ignored)] {
        let found = if server_crashed { distinct_ids(h, folder).await as u32 } else { h.count(folder).await };
        assert_eq!(found, expected, "{folder}");
    }
    assert_eq!(h.recorded().await, n as usize, "each mail recorded once");
    assert_eq!(h.reply_files(), (n - ignored) as usize, "each answered mail answered once");
    let accepted = (0..n).filter(|i| i % 10 < 7).count();
    assert_eq!(h.db.store.terminations().await.unwrap().len(), accepted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_200_mails_is_filed_and_recorded() {
    let Some(h) = Harness::new(Options::default(), Security::Plain).await else { return };
    h.append("INBOX", drill(200)).await;
    let summary = h.run_once().await;
    assert_eq!(summary.total(), 200);
    assert_drill_done(&h, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_appended_while_the_daemon_idles_is_processed_within_two_seconds() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    // If IDLE did not work, the next look would be a minute away.
    h.settings.imap.idle_timeout_secs = 60;
    h.settings.imap.poll_interval_secs = 60;
    let token = CancellationToken::new();
    let daemon = h.run(false, token.clone());
    tokio::time::sleep(Duration::from_millis(800)).await;
    let appended = Instant::now();
    h.append("INBOX", [termination(1, "2027-01-01", "idle-1@kommun1.se")]).await;
    h.wait_for_records(1, Duration::from_secs(2)).await;
    let took = appended.elapsed();
    token.cancel();
    tokio::time::timeout(Duration::from_secs(10), daemon).await.expect("stops on shutdown").unwrap();
    eprintln!("picked up {took:?} after APPEND");
    assert!(took < Duration::from_secs(2));
    assert_eq!(h.count("Processed").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_survives_a_server_restart_mid_run() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    h.settings.imap.batch_size = 5;
    h.append("INBOX", drill(100)).await;
    // The daemon keeps trying every half second or so while the server is away.
    h.settings.imap.reconnect_max_secs = 1;
    let token = CancellationToken::new();
    let daemon = h.run(false, token.clone());
    h.wait_for_records(10, Duration::from_secs(30)).await;
    // Stopping and starting block; the daemon runs on the other worker thread.
    tokio::task::block_in_place(|| h.dovecot.crash());
    let recorded_while_down = h.recorded().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    tokio::task::block_in_place(|| h.dovecot.restart());
    assert!(recorded_while_down < 100, "the server went down before the daemon had finished");
    h.wait_for_records(100, Duration::from_secs(60)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.count("INBOX").await > 0 || h.reply_files() < 90 {
        assert!(Instant::now() < deadline, "the daemon did not finish after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    token.cancel();
    daemon.await.unwrap();
    assert_folders(&h, 100, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recreated_mailbox_with_a_new_uidvalidity_gives_no_duplicates() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    h.settings.imap.mailbox = "registeruttag".into();
    let mut s = h.dovecot.session().await;
    s.create("registeruttag").await.unwrap();
    let first = s.select("registeruttag").await.unwrap().uid_validity;
    s.logout().await.unwrap();
    h.append("registeruttag", drill(20)).await;
    h.run_once().await;
    assert_eq!(h.count("registeruttag").await, 0);

    // The mailbox is deleted and created again with the same mails. (Deleting a
    // mailbox that another session has selected races inside Dovecot, so the
    // daemon is not running meanwhile: it meets the new UIDVALIDITY when it
    // comes back, as after any restart.)
    let mut s = h.dovecot.session().await;
    s.delete("registeruttag").await.unwrap();
    s.create("registeruttag").await.unwrap();
    let second = s.select("registeruttag").await.unwrap().uid_validity;
    for raw in drill(20) {
        s.append("registeruttag", None, None, &raw).await.expect("APPEND");
    }
    s.logout().await.unwrap();
    assert_ne!(first, second, "the recreated mailbox has a new UIDVALIDITY");

    let summary = h.run_once().await;
    assert_eq!((summary.total(), summary.duplicates), (0, 20), "every mail recognised as recorded");
    assert_eq!(h.count("registeruttag").await, 0);
    assert_eq!(h.recorded().await, 20, "no mail recorded twice");
    let (processed, quarantined, ignored) = expected_folders(20);
    assert_eq!(h.reply_files(), 20 - ignored as usize, "no reply sent twice");
    assert_eq!(h.count("Processed").await, 2 * processed, "both copies filed");
    assert_eq!(h.count("Quarantine").await, 2 * quarantined);
}

/// A TCP proxy in front of Dovecot that counts connections and records what
/// the client sends; with `cut_after`, the first connection is dropped after
/// that many bytes from the server (in the middle of a FETCH).
struct Proxy {
    port: u16,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    client_bytes: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Proxy {
    async fn start(target: u16, cut_after: Option<usize>) -> Proxy {
        let port = free_port();
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let client_bytes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (count, record) = (connections.clone(), client_bytes.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let first = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                let cut = cut_after.filter(|_| first);
                let record = record.clone();
                tokio::spawn(async move {
                    let server = TcpStream::connect(("127.0.0.1", target)).await.unwrap();
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = tokio::spawn(async move {
                        let mut buf = vec![0u8; 4096];
                        while let Ok(n) = cr.read(&mut buf).await {
                            if n == 0 || sw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                            record.lock().unwrap().extend_from_slice(&buf[..n]);
                        }
                    });
                    let mut buf = vec![0u8; 4096];
                    let mut sent = 0usize;
                    loop {
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if let Some(limit) = cut
                            && sent + n >= limit
                        {
                            let _ = cw.write_all(&buf[..limit - sent]).await;
                            break;
                        }
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        sent += n;
                    }
                    up.abort();
                });
            }
        });
        Proxy { port, connections, client_bytes }
    }

    fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The client's commands, upper-cased, tags stripped.
    fn commands(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.client_bytes.lock().unwrap())
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(_, c)| c.to_uppercase()))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_in_the_middle_of_a_fetch_loses_nothing() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    let padding = "Bilaga: text som fyller ut brevet.\n".repeat(150);
    let mails: Vec<Vec<u8>> = (0..30)
        .map(|i| {
            let mut raw = drill_mail(i);
            raw.extend_from_slice(padding.as_bytes());
            raw
        })
        .collect();
    h.append("INBOX", mails).await;
    let proxy = Proxy::start(h.dovecot.imap_port, Some(40_000)).await;
    h.settings.imap.port = proxy.port;
    let summary = h.run_once().await;
    assert!(proxy.connections() >= 2, "the cut connection was replaced by a new one");
    assert_eq!(summary.total(), 30);
    assert_drill_done(&h, 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_move_still_gets_the_mails_moved() {
    for (caps, expunge) in
        [("IMAP4rev1 SASL-IR LITERAL+ IDLE UIDPLUS", "UID EXPUNGE"), ("IMAP4rev1 SASL-IR LITERAL+ IDLE", "EXPUNGE")]
    {
        let options = Options { capabilities: Some(caps.into()), ..Options::default() };
        let Some(mut h) = Harness::new(options, Security::Plain).await else { return };
        h.append("INBOX", drill(20)).await;
        let proxy = Proxy::start(h.dovecot.imap_port, None).await;
        h.settings.imap.port = proxy.port;
        h.run_once().await;
        assert_drill_done(&h, 20).await;
        let commands = proxy.commands();
        assert!(!commands.iter().any(|c| c.starts_with("UID MOVE")), "MOVE used though not offered");
        assert!(commands.iter().any(|c| c.starts_with("UID COPY")));
        // The 20 mails are one batch: one COPY, STORE and EXPUNGE per destination folder.
        let (processed, quarantined, ignored) = expected_folders(20);
        let folders = [processed, quarantined, ignored].iter().filter(|n| **n > 0).count();
        assert_eq!(commands.iter().filter(|c| c.starts_with(expunge)).count(), folders, "{caps}: {expunge} per folder");
        assert_eq!(commands.iter().filter(|c| c.starts_with("UID COPY")).count(), folders, "{caps}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_starttls_and_authenticate_plain_work() {
    for (security, auth) in
        [(Security::Tls, ImapAuth::Login), (Security::Starttls, ImapAuth::Plain), (Security::Plain, ImapAuth::Plain)]
    {
        let Some(mut h) = Harness::new(Options::default(), security).await else { return };
        h.settings.imap.auth = auth;
        h.append("INBOX", [termination(7, "2027-01-01", "tls-7@kommun7.se")]).await;
        let summary = h.run_once().await;
        assert_eq!(summary.total(), 1, "{security:?} {auth:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_certificate_ends_a_run_at_once_while_a_dead_server_is_retried() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    h.settings.imap.password = "wrong".to_string().into();
    let proxy = Proxy::start(h.dovecot.imap_port, None).await;
    h.settings.imap.port = proxy.port;
    let mut source = Imap::new(h.settings.imap.clone()).unwrap();
    let err = MailSource::fetch(&mut source, 10).await.unwrap_err();
    assert!(err.to_string().contains("authenticating as registeruttag"), "{err}");
    assert_eq!(err.kind(), FailureKind::Configuration, "{err}");
    // `run --once` reports it after one attempt instead of backing off for a
    // minute (and Dovecot, like most servers, slows every further failure).
    let source = Imap::new(h.settings.imap.clone()).unwrap();
    let deliver = MessageIdFileTransport::new(h.outbox.path()).unwrap();
    let run =
        crate::support::run_daemon(&h.settings, h.db.store.clone(), source, deliver, true, CancellationToken::new());
    let err = run.await.unwrap_err();
    assert!(err.to_string().contains("authenticating"), "{err}");
    assert_eq!(proxy.connections(), 2, "one connection for the source, one for the run");

    // Nobody listening is the network's failure: retried.
    h.settings.imap.port = free_port();
    let mut source = Imap::new(h.settings.imap.clone()).unwrap();
    let err = MailSource::fetch(&mut source, 10).await.unwrap_err();
    assert!(err.to_string().contains("connecting to"), "{err}");
    assert_eq!(err.kind(), FailureKind::Transient, "{err}");

    // A certificate we do not trust is refused, and is our configuration too.
    let Some(mut h) = Harness::new(Options::default(), Security::Tls).await else { return };
    h.settings.imap.tls_ca_file = Default::default();
    let mut source = Imap::new(h.settings.imap.clone()).unwrap();
    let err = MailSource::fetch(&mut source, 10).await.unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
    assert_eq!(err.kind(), FailureKind::Configuration, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_imap_only_the_authenticated_sender_is_taken_and_a_forgery_is_quarantined() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    h.settings.trust.sender_authentication = lefi_intake::config::SenderAuthentication::Required;
    h.settings.trust.authserv_ids = vec!["mx.fk.test".into()];
    // Our MX's results above the Received line it wrote on receipt.
    let header = |verdict: &str, domain: &str| {
        format!(
            "Authentication-Results: mx.fk.test; dmarc={verdict} header.from={domain}\r\n\
             Received: from mx.{domain} by mx.fk.test (Postfix) with ESMTPS; Mon, 16 Nov 2026 10:00:00 +0100\r\n"
        )
        .into_bytes()
    };
    let mut genuine = header("pass", "kommun1.se");
    genuine.extend(termination(1, "2027-01-01", "genuine@kommun1.se"));
    let mut forged = header("fail", "kommun2.se");
    forged.extend(termination(2, "2027-01-01", "forged@kommun2.se"));
    h.append("INBOX", [genuine, forged]).await;
    h.run_once().await;
    assert_eq!((h.count("Processed").await, h.count("Quarantine").await), (1, 1));
    let messages = h.db.store.messages().await.unwrap();
    let forged = messages.iter().find(|m| m.message_id.as_deref() == Some("forged@kommun2.se")).unwrap();
    assert_eq!(
        forged.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["sender_not_authenticated", "sender_forged"]
    );
    assert_eq!(h.reply_files(), 1, "the confirmation only: no answer to a forged sender");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_over_the_limit_is_not_fetched_whole_and_goes_to_quarantine() {
    let Some(mut h) = Harness::new(Options::default(), Security::Plain).await else { return };
    h.settings.imap.max_message_bytes = 20_000;
    let mut big = termination(8, "2027-01-01", "big-8@kommun8.se");
    big.extend(std::iter::repeat_n(b'x', 50_000));
    h.append("INBOX", [big, termination(9, "2027-01-01", "small-9@kommun9.se")]).await;
    h.run_once().await;
    assert_eq!(h.count("Quarantine").await, 1);
    assert_eq!(h.count("Processed").await, 1);
    let messages = h.db.store.messages().await.unwrap();
    let big = messages.iter().find(|m| m.message_id.as_deref() == Some("big-8@kommun8.se")).unwrap();
    assert_eq!(big.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(), ["too_large"]);
    assert!(h.db.store.raw_message(big.id).await.unwrap().unwrap().len() < 2_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_once_with_the_imap_source_from_the_command_line() {
    let Some(h) = Harness::new(Options::default(), Security::Starttls).await else { return };
    h.append("INBOX", drill(10)).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["--config"])
        .arg(dir.path().join("empty.toml"))
        .args(["run", "--once"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEFI_INTAKE__DATABASE__URL", format!("sqlite://{}/db.sqlite", dir.path().display()))
        .env("LEFI_INTAKE__REPLY__DIR", dir.path().join("outbox"))
        .env("LEFI_INTAKE__SOURCE__KIND", "imap")
        .env("LEFI_INTAKE__IMAP__HOST", "localhost")
        .env("LEFI_INTAKE__IMAP__PORT", h.dovecot.imap_port.to_string())
        .env("LEFI_INTAKE__IMAP__SECURITY", "starttls")
        .env("LEFI_INTAKE__IMAP__TLS_CA_FILE", &h.dovecot.ca_file)
        .env("LEFI_INTAKE__IMAP__USERNAME", crate::support::dovecot::USER)
        .env("LEFI_INTAKE__IMAP__PASSWORD", crate::support::dovecot::PASSWORD)
        .env("LEFI_INTAKE__LOG__LEVEL", "info")
        .envs(crate::support::WITHOUT_TRUST)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("recorded 10 mails"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("logged out"), "the session is closed with LOGOUT");
    assert_eq!(h.count("INBOX").await, 0);
}

/// Plays the identity provider for Dovecot's OAuth2 passdb (RFC 7662 token
/// introspection): "good-token" is active for our user, anything else is not.
/// A stand-in only for the provider, which cannot run here; the SASL XOAUTH2
/// exchange itself is between our client and the real Dovecot.
pub(crate) async fn introspection_endpoint() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers and the small form body arrive together or nearly so.
                while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(200), conn.read(&mut buf)).await {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&request).contains("token=") {
                        break;
                    }
                }
                let active = String::from_utf8_lossy(&request).contains("token=good-token&")
                    || String::from_utf8_lossy(&request).ends_with("token=good-token");
                let body = if active {
                    format!(r#"{{"active":true,"username":"{}"}}"#, crate::support::dovecot::USER)
                } else {
                    r#"{"active":false}"#.to_string()
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://127.0.0.1:{port}/introspect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xoauth2_with_a_token_from_a_file_or_a_command() {
    let url = introspection_endpoint().await;
    let options = Options { oauth2_introspection: Some(url), ..Options::default() };
    let Some(mut h) = Harness::new(options, Security::Starttls).await else { return };
    let token_file = h.outbox.path().join("token");
    std::fs::write(&token_file, "good-token\n").unwrap();
    h.settings.imap.auth = ImapAuth::Xoauth2;
    h.settings.imap.password = String::new().into();
    h.settings.imap.oauth2_token_file = token_file.clone();
    h.append("INBOX", [termination(10, "2027-01-01", "oauth-10@kommun10.se")]).await;
    assert_eq!(h.run_once().await.total(), 1, "token from a file");

    h.settings.imap.oauth2_token_command = "printf good-token".into();
    std::fs::write(&token_file, "stale-token").unwrap();
    h.append("INBOX", [termination(11, "2027-01-01", "oauth-11@kommun11.se")]).await;
    assert_eq!(h.run_once().await.total(), 1, "the command wins over the file");

    h.settings.imap.oauth2_token_command = "printf expired-token".into();
    let mut source = Imap::new(h.settings.imap.clone()).unwrap();
    let err = lefi_intake::source::MailSource::fetch(&mut source, 10).await.unwrap_err().to_string();
    assert!(err.contains("authenticating as registeruttag"), "{err}");
}

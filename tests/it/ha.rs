//! Several instances on one PostgreSQL: exactly one reads the mailbox (the
//! holder of the mailbox lease); when it dies another takes over; a holder
//! paused past its lease files and sends nothing when it wakes. Two real
//! daemon processes, one Dovecot (IMAP in), one Postfix (answers out,
//! delivered back into Dovecot and counted there), one PostgreSQL. And on
//! SQLite, a second `run` on the same file is refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lefi_intake::store::Store;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::crash_loop::{self, SMTP_POOL};
use crate::support::db::TestDb;
use crate::support::dovecot::{Dovecot, Options};
use crate::support::postfix::{Extras, Postfix};

/// A daemon's log lines with the moment each arrived.
type Lines = Arc<Mutex<Vec<(Instant, String)>>>;

fn collect(child: &mut tokio::process::Child) -> Lines {
    let lines: Lines = Arc::default();
    let mut reader = BufReader::new(child.stderr.take().expect("stderr piped")).lines();
    let sink = lines.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().unwrap().push((Instant::now(), line));
        }
    });
    lines
}

async fn holder(store: &Store) -> String {
    store.lease_holder().await.unwrap().map(|h| h.holder).unwrap_or_default()
}

async fn until<F: std::future::Future<Output = bool>>(what: &str, secs: u64, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Servers {
    dovecot: Dovecot,
    postfix: Postfix,
}

impl Servers {
    fn start() -> Option<Servers> {
        let dovecot = Dovecot::start(Options { lmtp: true, ..Options::default() })?;
        let postfix = Postfix::start_with(dovecot.lmtp_port, Extras { tls: None, sasl_port: None, sink: false })?;
        Some(Servers { dovecot, postfix })
    }

    async fn append(&self, mails: std::ops::Range<usize>) {
        let mut session = self.dovecot.session().await;
        for i in mails {
            session.append("INBOX", None, None, crash_loop::mail(i)).await.expect("APPEND");
        }
        session.logout().await.ok();
    }

    async fn inbox(&self) -> usize {
        let mut session = self.dovecot.session().await;
        let n = session.select("INBOX").await.expect("SELECT").exists as usize;
        session.logout().await.ok();
        n
    }

    fn instance(&self, db: &TestDb, root: &std::path::Path, name: &str) -> tokio::process::Command {
        let mut cmd = crash_loop::daemon(root, &crash_loop::env(db, &self.dovecot, &self.postfix), &db.url, false);
        // Names of their own: the takeover waits for the lease to expire,
        // as between two machines (not the same-host shortcut).
        cmd.env("LEFI_INTAKE__HA__INSTANCE", name).env("LEFI_INTAKE__LOG__LEVEL", "info");
        // Small batches: the reader is still draining when the test kills it.
        cmd.env("LEFI_INTAKE__IMAP__BATCH_SIZE", "10");
        cmd
    }
}

/// Everything recorded once, each termination once, every answer delivered,
/// twice at most `window` times.
async fn nothing_lost_or_doubled(db: &TestDb, servers: &Servers, mails: usize, window: usize) -> (usize, usize) {
    let messages = db.store.messages().await.unwrap();
    let mut ids: Vec<&str> = messages.iter().filter_map(|m| m.message_id.as_deref()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((messages.len(), ids.len()), (mails, mails), "each mail recorded once");
    let expected = (0..mails).filter(|i| i % 10 < 7).count();
    assert_eq!(db.store.terminations().await.unwrap().len(), expected, "each termination once");
    let outbox = db.store.outbox(None).await.unwrap();
    let copies = crash_loop::settled_deliveries(&servers.dovecot, outbox.len()).await;
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for id in &copies {
        *by_id.entry(id.trim_matches(['<', '>'])).or_default() += 1;
    }
    assert_eq!(by_id.len(), outbox.len(), "every answer delivered");
    let twice = copies.len() - by_id.len();
    assert!(twice <= window, "{twice} answers delivered twice, more than the window of {window}");
    (outbox.len(), twice)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_standby_takes_over_within_30_s_when_the_reader_is_killed_mid_drain() {
    let Some(db) = TestDb::postgres().await else { return };
    let Some(servers) = Servers::start() else { return };
    const MAILS: usize = 300;
    servers.append(0..MAILS).await;
    let root = tempfile::tempdir().unwrap();
    let mut a = servers.instance(&db, root.path(), "a").spawn().unwrap();
    let _a_lines = collect(&mut a);
    until("a takes the lease", 30, || async { holder(&db.store).await.starts_with("a/") }).await;
    let ops = crate::support::dovecot::free_port();
    let mut b = servers.instance(&db, root.path(), "b");
    let mut b = b.env("LEFI_INTAKE__OPS__LISTEN", format!("127.0.0.1:{ops}")).spawn().unwrap();
    let b_lines = collect(&mut b);
    until("b stands by", 30, || async {
        b_lines.lock().unwrap().iter().any(|(_, l)| l.contains("standing by: another instance reads the mailbox"))
    })
    .await;
    // The standby is ready (it serves), says who reads, and does not read.
    let (status, body) =
        tokio::task::spawn_blocking(move || crate::support::http::get(ops, "/readyz")).await.unwrap().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"lease\":\"held by a/"), "{body}");
    let (_, metrics) =
        tokio::task::spawn_blocking(move || crate::support::http::get(ops, "/metrics")).await.unwrap().unwrap();
    assert!(metrics.lines().any(|l| l == "lefi_intake_mailbox_lease 0"), "{metrics}");
    until("a records some", 60, || async { db.store.messages().await.unwrap().len() >= 30 }).await;
    a.kill().await.unwrap();
    let killed = Instant::now();
    let recorded_at_kill = db.store.messages().await.unwrap().len();
    until("b takes over", 60, || async { holder(&db.store).await.starts_with("b/") }).await;
    let takeover = killed.elapsed();
    until("b says it reads", 10, || async {
        let got = tokio::task::spawn_blocking(move || crate::support::http::get(ops, "/metrics")).await.unwrap();
        got.is_some_and(|(_, m)| m.lines().any(|l| l == "lefi_intake_mailbox_lease 1"))
    })
    .await;
    until("b drains the rest", 120, || async {
        servers.inbox().await == 0 && db.store.pending_replies().await.unwrap() == 0
    })
    .await;
    b.kill().await.unwrap();
    assert!(recorded_at_kill < MAILS, "a had drained everything before the kill: the test shows nothing");
    let (answers, twice) = nothing_lost_or_doubled(&db, &servers, MAILS, SMTP_POOL).await;
    assert!(takeover < Duration::from_secs(30), "takeover took {takeover:?}");
    eprintln!(
        "ha: a killed after {recorded_at_kill} of {MAILS} mails; b took over after {:.1} s (ha.lease_secs = 15); \
         {answers} answers, {twice} delivered twice",
        takeover.as_secs_f64()
    );
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_paused_past_its_lease_files_and_sends_nothing_when_it_wakes() {
    let Some(db) = TestDb::postgres().await else { return };
    let Some(servers) = Servers::start() else { return };
    servers.append(0..40).await;
    let root = tempfile::tempdir().unwrap();
    let mut a = servers.instance(&db, root.path(), "a").spawn().unwrap();
    let a_lines = collect(&mut a);
    until("a drains the first mails", 60, || async {
        servers.inbox().await == 0
            && db.store.messages().await.unwrap().len() == 40
            && db.store.pending_replies().await.unwrap() == 0
    })
    .await;
    let mut b = servers.instance(&db, root.path(), "b").spawn().unwrap();
    let _b_lines = collect(&mut b);
    let pid = a.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    servers.append(40..80).await;
    until("b takes over and drains", 90, || async {
        holder(&db.store).await.starts_with("b/")
            && servers.inbox().await == 0
            && db.store.messages().await.unwrap().len() == 80
            && db.store.pending_replies().await.unwrap() == 0
    })
    .await;
    let delivered_before = crash_loop::settled_deliveries(&servers.dovecot, 0).await.len();
    let woke = Instant::now();
    assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    // More mail: were a still reading, it would race b for these.
    servers.append(80..100).await;
    until("a sees that it lost the lease", 30, || async {
        a_lines.lock().unwrap().iter().any(|(t, l)| *t >= woke && l.contains("intake stops here"))
    })
    .await;
    until("b drains the last mails", 60, || async {
        servers.inbox().await == 0
            && db.store.messages().await.unwrap().len() == 100
            && db.store.pending_replies().await.unwrap() == 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    a.kill().await.unwrap();
    b.kill().await.unwrap();
    let after: Vec<String> =
        a_lines.lock().unwrap().iter().filter(|(t, _)| *t >= woke).map(|(_, l)| l.clone()).collect();
    // It recorded and filed nothing (a mail is filed only after it is
    // recorded, and the daemon logs each recorded mail) and sent nothing.
    for forbidden in ["mail recorded", "reply sent"] {
        assert!(!after.iter().any(|l| l.contains(forbidden)), "a, woken, still acted ({forbidden}): {after:#?}");
    }
    assert!(after.iter().any(|l| l.contains("standing by")), "a stands by again: {after:#?}");
    // Paused while idle, a had nothing in flight: no answer at all twice.
    let (answers, _) = nothing_lost_or_doubled(&db, &servers, 100, 0).await;
    assert!(answers > delivered_before, "b answered the mails that came after the wake");
    eprintln!("ha: a paused, b took over; woken, a logged: {:?}", after.iter().take(3).collect::<Vec<_>>());
    db.drop_schema().await;
}

/// SQLite keeps one database in one process's hands: a second `run` on the
/// same file stops at once with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_on_the_same_sqlite_file_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/lefi.db", root.path().display());
    lefi_intake::source::maildir::Maildir::open(root.path().join("maildir"), 1 << 20).unwrap();
    let mut first = crate::support::intake::daemon_command(&url, root.path(), false).spawn().unwrap();
    let lock = root.path().join("lefi.db.lock");
    until("the first run takes the lock", 30, || async { std::fs::read_to_string(&lock).is_ok_and(|s| !s.is_empty()) })
        .await;
    let second = crate::support::intake::daemon_command(&url, root.path(), true).output().await.unwrap();
    first.kill().await.unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "the second run started: {stderr}");
    assert!(stderr.contains("another lefi-intake already reads the mailbox with this database"), "{stderr}");
    assert!(stderr.contains("by process "), "the message names the process that holds it: {stderr}");
    // Once the first is gone, a run starts.
    let third = crate::support::intake::daemon_command(&url, root.path(), true).output().await.unwrap();
    assert!(third.status.success(), "{}", String::from_utf8_lossy(&third.stderr));
}

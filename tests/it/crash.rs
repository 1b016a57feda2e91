//! Crash safety: the daemon is killed (SIGKILL) at several points while it
//! drains a Maildir of 200 mails, restarted, and at the end each mail is
//! recorded once, each valid termination is on file once, each reply file
//! exists once, and no mail is left behind — on SQLite and on PostgreSQL.

use std::path::Path;
use std::time::{Duration, Instant};

use lefi_intake::source::maildir::Maildir;
use tokio::process::Command;

use crate::support::crash_loop;
use crate::support::db::TestDb;
use crate::support::intake::{Reply, daemon_command};
use crate::support::mails::drill_mail as mail;

const MAILS: u32 = 200;

fn daemon(db_url: &str, root: &Path, once: bool) -> Command {
    let mut cmd = daemon_command(db_url, root, once);
    cmd.env("LEFI_INTAKE__SOURCE__BATCH_SIZE", "25")
        .env("LEFI_INTAKE__SOURCE__POLL_INTERVAL_SECS", "1")
        .env("LEFI_INTAKE__OUTBOX__LEASE_SECS", "2");
    cmd
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn filed(maildir: &Path) -> usize {
    [".Processed", ".Quarantine", ".Ignored"].iter().map(|f| count(&maildir.join(f).join("cur"))).sum()
}

async fn drill(db: TestDb) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("empty.toml"), "").unwrap();
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    for i in 0..MAILS {
        Maildir::deliver(&maildir, &format!("{}.M{i}P1.drill", 1_795_000_000 + i), &mail(i)).unwrap();
    }
    let outbox = root.path().join("outbox");

    // Kill when this many mails have been filed; the last point falls in the
    // final outbox drain (every mail filed, replies still being written).
    let mut kills = 0;
    for target in [10usize, 45, 80, 120, 160, 200] {
        let mut child = daemon(&db.url, root.path(), true).spawn().expect("spawn daemon");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use tokio::io::AsyncReadExt;
                    let _ = e.read_to_string(&mut err).await;
                }
                assert!(status.success(), "{}: daemon failed: {status}\n{err}", db.name);
                break;
            }
            let reached = filed(&maildir) >= target && (target < MAILS as usize || count(&outbox) > 0);
            if reached || Instant::now() > deadline {
                child.kill().await.expect("SIGKILL");
                kills += 1;
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    // Finally a run that is left alone.
    let last = daemon(&db.url, root.path(), true).output().await.unwrap();
    assert!(last.status.success(), "{}: the last run failed: {}", db.name, String::from_utf8_lossy(&last.stderr));
    assert!(kills >= 3, "{}: only {kills} runs were killed mid-way; the drill proves little", db.name);

    let store = &db.store;
    let messages = store.messages().await.unwrap();
    assert_eq!(messages.len(), MAILS as usize, "{}: each mail recorded once", db.name);
    let accepted = (0..MAILS).filter(|i| i % 10 < 7).count();
    assert_eq!(store.terminations().await.unwrap().len(), accepted, "{}: each termination once", db.name);

    let rows = store.outbox(None).await.unwrap();
    let answered = (0..MAILS).filter(|i| i % 10 != 8).count();
    assert_eq!(rows.len(), answered, "{}: one reply per answered mail", db.name);
    assert!(rows.iter().all(|r| r.status == lefi_intake::store::OutboxStatus::Sent), "{}: every reply sent", db.name);
    let files: Vec<Reply> = std::fs::read_dir(&outbox)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| Reply::read(&p))
        .collect();
    assert_eq!(files.len(), answered, "{}: each reply file exists once", db.name);
    let mut ids: Vec<&str> = files.iter().map(|f| f.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), answered);
    for row in &rows {
        assert!(ids.binary_search(&row.our_message_id.as_str()).is_ok(), "no file for {}", row.our_message_id);
    }
    assert_eq!(count(&maildir.join("new")) + count(&maildir.join("cur")), 0, "{}: mail left behind", db.name);
    assert_eq!(filed(&maildir), MAILS as usize);
    eprintln!("{}: {kills} runs killed, every invariant holds", db.name);
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_daemon_anywhere_loses_and_repeats_nothing_on_sqlite() {
    drill(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_daemon_anywhere_loses_and_repeats_nothing_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        drill(db).await;
    }
}

/// SIGKILL at random moments while the daemon drains a mailbox over IMAP
/// and answers over SMTP: the short loop (`examples/crash_loop.rs` runs 50
/// kills of 1,000 mails). The seed is printed so a failure can be repeated.
async fn random_kills(db: TestDb) {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let name = db.name;
    eprintln!("{name}: crash loop seed {seed}");
    let Some(report) = crash_loop::run(db, 200, 8, 600, seed).await else { return };
    eprintln!("{}", report.line());
    assert!(report.holds(crash_loop::SMTP_POOL), "{name} (seed {seed}): {}", report.line());
}

#[tokio::test(flavor = "multi_thread")]
async fn random_kills_over_imap_and_smtp_lose_and_double_nothing_on_sqlite() {
    random_kills(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn random_kills_over_imap_and_smtp_lose_and_double_nothing_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        random_kills(db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_daemon_cleanly() {
    let db = TestDb::sqlite().await;
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("empty.toml"), "").unwrap();
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    let mut child = daemon(&db.url, root.path(), false).spawn().unwrap();
    // The daemon keeps watching: a mail delivered after start is handled.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Maildir::deliver(&maildir, "1795000000.M1P1.term", &mail(1)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while filed(&maildir) < 1 || count(&root.path().join("outbox")) < 1 {
        assert!(Instant::now() < deadline, "the daemon did not pick up the mail");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops within 10 s").unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
    db.drop_schema().await;
}

//! Faults the daemon must recover from without a person: the disk under the
//! SQLite file filling up, PostgreSQL restarted mid-drain. (A mail server's
//! restart, a cut FETCH and an SMTP server away for a while are in
//! `imap.rs` and `smtp.rs`.)

use std::process::Command;
use std::time::{Duration, Instant};

use lefi_intake::source::maildir::Maildir;
use lefi_intake::store::Store;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::intake::daemon_command;
use crate::support::mails::drill_mail;
use crate::support::postgres::PrivatePostgres;
use crate::support::{in_ci, is_root, maildir_inbox as inbox};

const MAILS: u32 = 60;

/// A small tmpfs, unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let options = format!("size={size}");
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(dir.path()).status();
        assert!(ok.unwrap().success(), "mount tmpfs");
        SmallDisk(dir)
    }

    fn grow(&self, size: &str) {
        let ok = Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(self.0.path()).status();
        assert!(ok.unwrap().success(), "remount tmpfs");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// The database's disk fills mid-drain: the batch that does not fit is
/// rolled back, its mails stay in the inbox, the log says why, and once
/// there is room again the daemon finishes the backlog by itself — each
/// mail recorded once.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_under_the_sqlite_file_holds_the_backlog_until_there_is_room() {
    if !is_root() {
        assert!(!in_ci(), "the disk-full test mounts a tmpfs: CI runs as root");
        eprintln!("WARNING: not root; disk-full test skipped");
        return;
    }
    let disk = SmallDisk::mount("2m");
    let url = format!("sqlite://{}/lefi-intake.db", disk.0.path().display());
    let store = Store::connect(&url, 2).await.expect("store on the small disk");
    store.migrate().await.expect("migrations fit");
    // Room for the schema as it is now (whatever the migrations came to)
    // and for a few batches, not for the backlog: the disk fills mid-drain.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.unwrap();
    let used: u64 = std::fs::read_dir(disk.0.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    disk.grow(&format!("{}k", used / 1024 + 450));

    let root = tempfile::tempdir().unwrap();
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    // Each mail padded to ~24 KiB: the backlog (~1.4 MiB) cannot fit in the room left.
    let padding = format!("\r\n\r\n{}\r\n", "Bilaga: ".repeat(3000));
    for i in 0..MAILS {
        let mut raw = drill_mail(i);
        raw.extend_from_slice(padding.as_bytes());
        Maildir::deliver(&maildir, &format!("{}.M{i}P1.full", 1_795_000_000 + i), &raw).unwrap();
    }

    let mut daemon = daemon_command(&url, root.path(), false);
    // Small batches: the first fit, the disk fills mid-drain.
    daemon.env("LEFI_INTAKE__SOURCE__BATCH_SIZE", "5");
    let mut child = daemon.spawn().expect("spawn daemon");
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut said = None;
    while said.is_none() {
        let line = tokio::time::timeout_at(deadline.into(), log.next_line()).await;
        let line = line.expect("no error line about the full disk within 60 s").unwrap().expect("daemon's log open");
        if line.contains("full") {
            said = Some(line);
        }
    }
    let said = said.unwrap();
    assert!(said.contains("ERROR") || said.contains("error"), "an error line: {said}");
    let stuck = inbox(&maildir);
    assert!(stuck > 0, "the disk was full, yet the inbox emptied");
    let before = store.messages().await.unwrap().len();
    assert!(before > 0, "nothing was recorded before the disk filled: the test shows less than it should");

    disk.grow("64m");
    let deadline = Instant::now() + Duration::from_secs(120);
    while inbox(&maildir) > 0 {
        assert!(Instant::now() < deadline, "{} mails still in the inbox 120 s after the disk grew", inbox(&maildir));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().await.unwrap();
    let messages = store.messages().await.unwrap();
    let mut ids: Vec<_> = messages.iter().filter_map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((messages.len(), ids.len()), (MAILS as usize, MAILS as usize), "each mail recorded once");
    eprintln!("disk full: {before} recorded before, {stuck} waited in the inbox; the log said: {said}");
    store.close().await;
}

/// PostgreSQL restarted while the daemon drains a backlog: the sessions it
/// ends fail their batch, which is rolled back; the log says so; the pool
/// connects again and the backlog is finished, each mail recorded once.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_restarted_mid_drain_loses_and_doubles_nothing() {
    let Some(pg) = PrivatePostgres::start() else { return };
    let store = Store::connect(&pg.url(), 2).await.expect("private PostgreSQL");
    store.migrate().await.unwrap();
    let root = tempfile::tempdir().unwrap();
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    const BACKLOG: u32 = 400;
    for i in 0..BACKLOG {
        Maildir::deliver(&maildir, &format!("{}.M{i}P1.pg", 1_795_000_000 + i), &drill_mail(i)).unwrap();
    }
    let mut daemon = daemon_command(&pg.url(), root.path(), false);
    daemon.env("LEFI_INTAKE__SOURCE__BATCH_SIZE", "5");
    let mut child = daemon.spawn().expect("spawn daemon");
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let lines = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Ok(Some(line)) = log.next_line().await {
            all.push(line);
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while inbox(&maildir) > BACKLOG as usize - 20 {
        assert!(Instant::now() < deadline, "the daemon did not start draining");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::task::block_in_place(|| pg.restart());
    let left_at_restart = inbox(&maildir);
    let deadline = Instant::now() + Duration::from_secs(120);
    while inbox(&maildir) > 0 {
        assert!(Instant::now() < deadline, "{} mails still in the inbox 120 s after the restart", inbox(&maildir));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().await.unwrap();
    let lines = lines.await.unwrap();
    let errors: Vec<&String> = lines.iter().filter(|l| l.contains("ERROR")).collect();
    let messages = store.messages().await.unwrap();
    let mut ids: Vec<_> = messages.iter().filter_map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((messages.len(), ids.len()), (BACKLOG as usize, BACKLOG as usize), "each mail recorded once");
    assert!(left_at_restart > 0, "the backlog was drained before the restart: the test shows nothing");
    assert!(!errors.is_empty(), "no error line for the restart");
    eprintln!("postgres restart: {left_at_restart} mails waiting at the restart; first error line: {}", errors[0]);
    store.close().await;
}

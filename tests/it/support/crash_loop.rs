//! The crash loop: the real daemon (`lefi-intake run`, a child process)
//! drains a mailbox on a private Dovecot over IMAP and answers through a
//! private Postfix, which delivers the answers back into Dovecot; it is
//! killed with SIGKILL after a random delay, again and again, then left to
//! finish with `run --once`. The report counts what an operator must be able
//! to trust: each mail recorded once, each termination once, each answer
//! delivered — and delivered twice only in the documented window (a kill
//! between the SMTP server's acceptance and the commit that marks the
//! answer sent).
//!
//! Used by `tests/it/crash.rs` (a short loop) and `examples/crash_loop.rs`
//! (the 50-kill harness).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lefi_intake::store::OutboxStatus;

use super::db::TestDb;
use super::dovecot::{Dovecot, Options, PASSWORD, USER};
use super::intake::daemon_command;
use super::mails::{Mail, org_number};
use super::postfix::{Extras, Postfix};

/// Every mail comes from this sender, whose mailbox on the test Dovecot
/// receives the answers (Postfix delivers uppsala.se there over LMTP).
pub const SENDER: &str = "registrator@uppsala.se";

/// SMTP connections the daemon sends over (`smtp.pool_size`): each kill
/// can interrupt at most this many answers between the SMTP server's
/// acceptance and the commit that marks them sent.
pub const SMTP_POOL: usize = 2;

#[derive(Debug, Clone)]
pub struct Report {
    pub backend: &'static str,
    pub mails: usize,
    pub kills: usize,
    pub recorded: usize,
    pub distinct_message_ids: usize,
    pub terminations: usize,
    /// Terminations the mails ask for (seven in ten).
    pub expected_terminations: usize,
    pub answers_queued: usize,
    pub answers_sent: usize,
    /// Answer copies in the sender's mailbox, and how many distinct Message-IDs.
    pub delivered: usize,
    pub delivered_distinct: usize,
    /// Answers queued but never delivered.
    pub undelivered: usize,
    pub inbox_left: usize,
    /// From the last kill to the end of the run left alone.
    pub drain_after_last_kill: Duration,
}

impl Report {
    pub fn delivered_twice(&self) -> usize {
        self.delivered - self.delivered_distinct
    }

    /// Nothing lost, nothing recorded twice; answers each delivered, twice
    /// at most once per kill (each kill can interrupt one answer in flight
    /// per SMTP connection of the pool).
    pub fn holds(&self, pool_size: usize) -> bool {
        self.recorded == self.mails
            && self.distinct_message_ids == self.mails
            && self.terminations == self.expected_terminations
            && self.answers_sent == self.answers_queued
            && self.undelivered == 0
            && self.delivered_twice() <= self.kills * pool_size
            && self.inbox_left == 0
    }

    pub fn line(&self) -> String {
        format!(
            "{:<8} kills {:>3}; mails {}: recorded {}, distinct Message-IDs {}; terminations {} of {}; \
             answers queued {}, sent {}, delivered {} ({} distinct, {} twice, {} never); left in the inbox {}; \
             drained {:.1} s after the last kill",
            self.backend,
            self.kills,
            self.mails,
            self.recorded,
            self.distinct_message_ids,
            self.terminations,
            self.expected_terminations,
            self.answers_queued,
            self.answers_sent,
            self.delivered,
            self.delivered_distinct,
            self.delivered_twice(),
            self.undelivered,
            self.inbox_left,
            self.drain_after_last_kill.as_secs_f64()
        )
    }
}

/// Mail `i`: seven in ten a termination of its own organisation, the rest
/// an incomplete request, an out-of-office answer or a question.
pub fn mail(i: usize) -> Vec<u8> {
    let n = i as u32;
    let id = format!("crash-{i}@uppsala.se");
    let termination = format!(
        "Hej,\n\nTestby{n} kommun säger härmed upp LEFI Prenumeration från och med 2027-01-01.\n\n\
         Organisationsnummer: {}\n\nMed vänlig hälsning\nRegistrator, Testby{n} kommun",
        org_number(n)
    );
    let (subject, body, extra) = match i % 10 {
        7 => ("Uppsägning", "Vi säger upp LEFI Prenumeration.", ""),
        8 => ("Automatiskt svar", "Jag är ledig till och med måndag.", "Auto-Submitted: auto-replied\r\n"),
        9 => ("Fråga", "Hur säger vi upp LEFI Prenumeration?", ""),
        _ => ("Uppsägning av LEFI Prenumeration", termination.as_str(), ""),
    };
    Mail { from: SENDER, subject, body, message_id: &id, date: "Mon, 16 Nov 2026 10:00:00 +0100", extra_headers: extra }
        .raw()
}

/// A small random generator (xorshift): the delays differ from run to run
/// by their seed, which the report's caller prints so a run can be repeated.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

pub fn env(db: &TestDb, dovecot: &Dovecot, postfix: &Postfix) -> Vec<(&'static str, String)> {
    vec![
        ("LEFI_INTAKE__SOURCE__KIND", "imap".into()),
        ("LEFI_INTAKE__IMAP__HOST", "127.0.0.1".into()),
        ("LEFI_INTAKE__IMAP__PORT", dovecot.imap_port.to_string()),
        ("LEFI_INTAKE__IMAP__SECURITY", "plain".into()),
        ("LEFI_INTAKE__IMAP__USERNAME", USER.into()),
        ("LEFI_INTAKE__IMAP__PASSWORD", PASSWORD.into()),
        ("LEFI_INTAKE__IMAP__RECONNECT_MAX_SECS", "1".into()),
        ("LEFI_INTAKE__REPLY__TRANSPORT", "smtp".into()),
        ("LEFI_INTAKE__SMTP__HOST", "127.0.0.1".into()),
        ("LEFI_INTAKE__SMTP__PORT", postfix.port.to_string()),
        ("LEFI_INTAKE__SMTP__SECURITY", "plain".into()),
        ("LEFI_INTAKE__SMTP__POOL_SIZE", SMTP_POOL.to_string()),
        // A dead worker's claim on an answer runs out soon.
        ("LEFI_INTAKE__OUTBOX__LEASE_SECS", "2".into()),
        ("LEFI_INTAKE__DATABASE__URL", db.url.clone()),
    ]
}

pub fn daemon(root: &Path, env: &[(&'static str, String)], db_url: &str, once: bool) -> tokio::process::Command {
    let mut cmd = daemon_command(db_url, root, once);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The Message-IDs of the answers delivered to the sender's mailbox.
pub fn delivered(dovecot: &Dovecot) -> Vec<String> {
    let user = SENDER.split('@').next().unwrap_or_default();
    let mut ids = Vec::new();
    for sub in ["new", "cur"] {
        let dir = dovecot.dir.path().join("mail").join(user).join(sub);
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let raw = std::fs::read(entry.path()).unwrap_or_default();
            let head = String::from_utf8_lossy(&raw[..raw.len().min(8192)]).to_string();
            if let Some(line) = head.lines().find(|l| l.to_ascii_lowercase().starts_with("message-id:")) {
                ids.push(line[11..].trim().to_string());
            }
        }
    }
    ids
}

/// Answers still in Postfix's queue are delivered within seconds; wait for
/// the count to settle.
pub async fn settled_deliveries(dovecot: &Dovecot, expected: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = delivered(dovecot);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = delivered(dovecot);
        let stable = now.len() == last.len();
        last = now;
        if (stable && last.len() >= expected) || Instant::now() > deadline {
            return last;
        }
    }
}

/// `kills` SIGKILLs at random moments (each 20–`max_delay_ms` ms after the
/// daemon's start) while `mails` mails drain, then a run left alone.
/// `None` when Dovecot or Postfix is missing (outside CI; in CI that fails).
pub async fn run(db: TestDb, mails: usize, kills: usize, max_delay_ms: u64, seed: u64) -> Option<Report> {
    let dovecot = Dovecot::start(Options { lmtp: true, ..Options::default() })?;
    let postfix = Postfix::start_with(dovecot.lmtp_port, Extras { tls: None, sasl_port: None, sink: false })?;
    let mut session = dovecot.session().await;
    for i in 0..mails {
        session.append("INBOX", None, None, mail(i)).await.expect("APPEND");
    }
    session.logout().await.ok();

    let root = tempfile::tempdir().unwrap();
    let env = env(&db, &dovecot, &postfix);
    let mut random = Random(seed | 1);
    let mut last_kill = Instant::now();
    for _ in 0..kills {
        let mut child = daemon(root.path(), &env, &db.url, false).spawn().expect("spawn daemon");
        let delay = 20 + random.below(max_delay_ms.saturating_sub(20));
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{}: the daemon exited by itself: {status}", db.name);
        }
        child.kill().await.expect("SIGKILL");
        last_kill = Instant::now();
    }
    let last = daemon(root.path(), &env, &db.url, true).output().await.unwrap();
    let drain_after_last_kill = last_kill.elapsed();
    assert!(last.status.success(), "{}: the run left alone failed: {}", db.name, String::from_utf8_lossy(&last.stderr));

    let store = &db.store;
    let messages = store.messages().await.unwrap();
    let mut distinct: Vec<&str> = messages.iter().filter_map(|m| m.message_id.as_deref()).collect();
    distinct.sort();
    distinct.dedup();
    let outbox = store.outbox(None).await.unwrap();
    let answers_sent = outbox.iter().filter(|r| r.status == OutboxStatus::Sent).count();
    let copies = settled_deliveries(&dovecot, outbox.len()).await;
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for id in &copies {
        *by_id.entry(id.trim_matches(['<', '>'])).or_default() += 1;
    }
    let undelivered = outbox.iter().filter(|r| !by_id.contains_key(r.our_message_id.trim_matches(['<', '>']))).count();

    let mut check = dovecot.session().await;
    let inbox_left = check.select("INBOX").await.expect("SELECT INBOX").exists as usize;
    check.logout().await.ok();

    let report = Report {
        backend: db.name,
        mails,
        kills,
        recorded: messages.len(),
        distinct_message_ids: distinct.len(),
        terminations: store.terminations().await.unwrap().len(),
        expected_terminations: (0..mails).filter(|i| i % 10 < 7).count(),
        answers_queued: outbox.len(),
        answers_sent,
        delivered: copies.len(),
        delivered_distinct: by_id.len(),
        undelivered,
        inbox_left,
        drain_after_last_kill,
    };
    db.drop_schema().await;
    Some(report)
}

//! Exactly one process reads the mailbox and runs the outbox.
//!
//! On PostgreSQL the instances share a lease row (`store/lease.rs`) rather
//! than a session-level advisory lock: a lock lives as long as its
//! connection, and a holder that is paused (SIGSTOP, a VM frozen, a long GC
//! of the host) keeps its connection — and so the lock — open, so nobody
//! would take over. A lease expires by the database's clock whatever the
//! holder does; the holder renews it every third of its length and treats
//! it as lost a second before the database would, by its own monotonic
//! clock, which keeps running while the process is paused. So a holder that
//! wakes after its lease ran out sees that before it files or sends
//! anything (the [`Fence`]), and stops.
//!
//! A holder on this host whose process is gone (killed) is replaced at
//! once, without waiting for the expiry: named for this instance, on the
//! same boot of the same machine, in the same PID namespace, and `kill(pid,
//! 0)` says no such process. On SQLite a file lock beside the
//! database keeps a second `run` on the same file from starting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::store::{Backend, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(
        "another lefi-intake already reads the mailbox with this database (lock {path} held{by}); \
         on SQLite only one `run` may use a database file"
    )]
    SqliteTaken { path: String, by: String },
    #[error("locking {path}: {source}")]
    SqliteLock { path: String, source: std::io::Error },
    #[error("the mailbox lease: {0}")]
    Store(#[from] StoreError),
    #[error("{holder} holds the mailbox lease (for another {remaining:.0} s); a single run does not wait longer")]
    Held { holder: String, remaining: f64 },
}

/// Whether this process may still act as the mailbox's reader: checked
/// before every batch, every move and every answer. Always true where no
/// lease is needed (SQLite's file lock cannot be lost).
#[derive(Debug, Clone, Default)]
pub struct Fence(Option<Arc<Held>>);

#[derive(Debug)]
struct Held {
    valid_until: Mutex<Instant>,
    lost: CancellationToken,
}

impl Fence {
    pub fn is_held(&self) -> bool {
        match &self.0 {
            None => true,
            Some(h) => {
                !h.lost.is_cancelled() && Instant::now() < *h.valid_until.lock().unwrap_or_else(|e| e.into_inner())
            }
        }
    }
}

/// How long a lease lasts (`ha.lease_secs`); renewed every third of it.
#[derive(Debug, Clone, Copy)]
pub struct LeaseTimes {
    pub ttl: Duration,
}

impl LeaseTimes {
    fn renew_every(&self) -> Duration {
        self.ttl / 3
    }

    /// How long the holder trusts a renewal: a second less than the database.
    fn trusted(&self) -> Duration {
        self.ttl.saturating_sub(Duration::from_secs(1)).max(self.ttl / 2)
    }
}

/// The right to read the mailbox, held until dropped or released.
pub enum MailboxLock {
    /// SQLite: an exclusive lock on `<database>.lock`, released with the file.
    File(std::fs::File),
    /// SQLite in memory (tests): nothing to share.
    Unshared,
    Lease(Lease),
}

pub struct Lease {
    store: Store,
    holder: String,
    epoch: i64,
    held: Arc<Held>,
    renewal: tokio::task::JoinHandle<()>,
}

impl MailboxLock {
    /// Takes the mailbox: on SQLite at once or an error; on PostgreSQL
    /// waiting as a standby while another instance holds it (`once`: only
    /// as long as a lease lasts). `None` when `shutdown` came first.
    pub async fn acquire(
        store: &Store,
        url: &str,
        times: LeaseTimes,
        instance: &str,
        once: bool,
        shutdown: &CancellationToken,
    ) -> Result<Option<MailboxLock>, LeaseError> {
        match store.backend() {
            Backend::Sqlite => sqlite_lock(url).map(Some),
            Backend::Postgres => {
                Lease::acquire(store, times, instance, once, shutdown).await.map(|l| l.map(MailboxLock::Lease))
            }
        }
    }

    pub fn fence(&self) -> Fence {
        match self {
            MailboxLock::Lease(l) => Fence(Some(l.held.clone())),
            _ => Fence::default(),
        }
    }

    /// Cancelled when the lease is lost (never on SQLite).
    pub fn lost(&self) -> CancellationToken {
        match self {
            MailboxLock::Lease(l) => l.held.lost.clone(),
            _ => CancellationToken::new(),
        }
    }

    pub fn holder(&self) -> &str {
        match self {
            MailboxLock::Lease(l) => &l.holder,
            _ => "this process",
        }
    }

    /// Gives the mailbox up for another instance (a clean stop).
    pub async fn release(self) {
        if let MailboxLock::Lease(l) = self {
            l.renewal.abort();
            if !l.held.lost.is_cancelled() {
                match l.store.release_lease(&l.holder, l.epoch).await {
                    Ok(()) => tracing::info!(holder = %l.holder, "mailbox lease released"),
                    Err(e) => tracing::warn!(error = %e, "could not release the mailbox lease; it expires by itself"),
                }
            }
        }
    }
}

fn sqlite_lock(url: &str) -> Result<MailboxLock, LeaseError> {
    let Some(file) = crate::store::sqlite_file(url) else { return Ok(MailboxLock::Unshared) };
    let path = format!("{}.lock", file.display());
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|source| LeaseError::SqliteLock { path: path.clone(), source })?;
    match lock.try_lock() {
        Ok(()) => {
            // Who holds it, for the message a second process prints.
            let _ = lock.set_len(0);
            let _ = std::io::Write::write_all(&mut &lock, format!("{}\n", std::process::id()).as_bytes());
            Ok(MailboxLock::File(lock))
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let pid = std::fs::read_to_string(&path).unwrap_or_default();
            let by = if pid.trim().is_empty() { String::new() } else { format!(" by process {}", pid.trim()) };
            Err(LeaseError::SqliteTaken { path, by })
        }
        Err(std::fs::TryLockError::Error(source)) => Err(LeaseError::SqliteLock { path, source }),
    }
}

/// This process's name in the lease: `instance/pid/nonce/host`, where host
/// is this boot of this machine and the PID namespace we run in.
fn holder_name(instance: &str) -> String {
    let mut nonce = [0u8; 4];
    let _ = getrandom::fill(&mut nonce);
    format!("{instance}/{}/{}/{}", std::process::id(), hex::encode(nonce), this_host())
}

/// The kernel's boot id and our PID namespace (the inode of
/// /proc/self/ns/pid): a process number means the same process only on the
/// same boot of the same machine and in the same namespace. Two machines
/// given the same `ha.instance` still differ here (the initial namespace has
/// the same inode everywhere; the boot id does not).
fn this_host() -> String {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
    let namespace = std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .and_then(|l| l.to_str().map(|s| s.trim_start_matches("pid:[").trim_end_matches(']').to_string()))
        .unwrap_or_default();
    match (boot.trim(), namespace.as_str()) {
        ("", _) | (_, "") => String::new(),
        (boot, namespace) => format!("{boot}:{namespace}"),
    }
}

/// A holder named for this instance, on this host (same boot, same PID
/// namespace), whose process no longer exists: it can hold nothing any
/// more. Anything less certain (another name, host or namespace, a process
/// we may not signal, a zombie) is left to the lease's expiry.
fn is_dead_here(holder: &str, instance: &str) -> bool {
    let parts: Vec<&str> = holder.split('/').collect();
    let [name, pid, _nonce, host] = parts[..] else { return false };
    let Ok(pid) = pid.parse::<i32>() else { return false };
    if name != instance || host.is_empty() || host != this_host() || pid <= 0 || pid as u32 == std::process::id() {
        return false;
    }
    // Signal 0 checks for the process without touching it: ESRCH means none.
    // SAFETY: kill with signal 0 sends nothing; pid is a positive number.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

impl Lease {
    async fn acquire(
        store: &Store,
        times: LeaseTimes,
        instance: &str,
        once: bool,
        shutdown: &CancellationToken,
    ) -> Result<Option<Lease>, LeaseError> {
        let holder = holder_name(instance);
        let ttl = times.ttl.as_secs_f64();
        let started = Instant::now();
        let mut said_standby = false;
        loop {
            let current = store.lease_holder().await?;
            let may_replace = current.as_ref().filter(|c| is_dead_here(&c.holder, instance)).map(|c| c.holder.clone());
            let asked = Instant::now();
            if let Some(epoch) = store.take_lease(&holder, may_replace.as_deref().unwrap_or(""), ttl).await? {
                if let Some(dead) = &may_replace {
                    tracing::info!(previous = %dead, "the previous holder's process is gone: taking over at once");
                }
                tracing::info!(%holder, epoch, "holds the mailbox lease: reading the mailbox");
                let held =
                    Arc::new(Held { valid_until: Mutex::new(asked + times.trusted()), lost: CancellationToken::new() });
                let renewal = tokio::spawn(renew(store.clone(), holder.clone(), epoch, times, held.clone()));
                return Ok(Some(Lease { store: store.clone(), holder, epoch, held, renewal }));
            }
            // Another holds it: the one just read (or one that took it since, seen next time).
            if let Some(c) = &current {
                if !said_standby {
                    tracing::info!(holder = %c.holder, remaining_secs = c.remaining_secs, "standing by: another instance reads the mailbox");
                    said_standby = true;
                }
                if once && started.elapsed() > times.ttl * 2 {
                    return Err(LeaseError::Held { holder: c.holder.clone(), remaining: c.remaining_secs });
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(times.renew_every()) => {}
                _ = shutdown.cancelled() => return Ok(None),
            }
        }
    }
}

/// Renews every third of the lease; marks it lost when the database says it
/// is another's, or when no renewal got through in time.
async fn renew(store: Store, holder: String, epoch: i64, times: LeaseTimes, held: Arc<Held>) {
    let ttl = times.ttl.as_secs_f64();
    loop {
        tokio::time::sleep(times.renew_every()).await;
        let asked = Instant::now();
        if asked >= *held.valid_until.lock().unwrap_or_else(|e| e.into_inner()) {
            tracing::error!(%holder, "the mailbox lease ran out before it was renewed (was the process paused?); stopping intake");
            held.lost.cancel();
            return;
        }
        match store.renew_lease(&holder, epoch, ttl).await {
            Ok(true) => *held.valid_until.lock().unwrap_or_else(|e| e.into_inner()) = asked + times.trusted(),
            Ok(false) => {
                let now_held = store.lease_holder().await.ok().flatten().map(|h| h.holder).unwrap_or_default();
                tracing::error!(%holder, taken_by = %now_held, "lost the mailbox lease; stopping intake");
                held.lost.cancel();
                return;
            }
            Err(e) => tracing::warn!(error = %e, "could not renew the mailbox lease; trying again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_is_dead_here_only_named_for_us_on_this_boot_in_our_namespace_and_gone() {
        let host = this_host();
        assert!(host.contains(':'), "Linux names the boot and the PID namespace: {host:?}");
        let gone = i32::MAX - 1;
        assert!(is_dead_here(&format!("a/{gone}/0000/{host}"), "a"));
        assert!(!is_dead_here(&format!("b/{gone}/0000/{host}"), "a"), "another instance's name");
        assert!(!is_dead_here(&format!("a/{}/0000/{host}", std::process::id()), "a"), "not ourselves");
        // PID 1 exists wherever this runs (and may not be ours to signal).
        assert!(!is_dead_here(&format!("a/1/0000/{host}"), "a"));
        let (boot, namespace) = host.split_once(':').unwrap();
        assert!(!is_dead_here(&format!("a/{gone}/0000/another-boot:{namespace}"), "a"), "another machine, same name");
        assert!(!is_dead_here(&format!("a/{gone}/0000/{boot}:1"), "a"), "another namespace");
        assert!(!is_dead_here(&format!("a/{gone}/0000"), "a"), "an older holder name");
        assert!(!is_dead_here("garbage", "a"));
        assert!(holder_name("host-a").starts_with(&format!("host-a/{}/", std::process::id())));
        assert!(holder_name("host-a").ends_with(&format!("/{host}")));
    }

    #[test]
    fn a_lease_is_trusted_a_second_less_than_the_database_keeps_it() {
        let t = LeaseTimes { ttl: Duration::from_secs(15) };
        assert_eq!(t.trusted(), Duration::from_secs(14));
        assert_eq!(t.renew_every(), Duration::from_secs(5));
        assert_eq!(LeaseTimes { ttl: Duration::from_secs(1) }.trusted(), Duration::from_millis(500));
    }
}

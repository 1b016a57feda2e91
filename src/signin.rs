//! What stands between a password guesser and the service:
//!
//! - **a bound on concurrent password checks**: each argon2 verification
//!   holds ~19 MiB; at most one per core runs at once (on a blocking thread),
//!   and a check that cannot start within a few seconds is refused as busy —
//!   so parallel failed sign-ins cannot exhaust memory or starve the intake
//!   that shares the process;
//! - **a throttle** per sign-in name and per client address: after a failed
//!   sign-in the next try waits, the wait doubling with each failure; after
//!   `web.signin_lock_after` failures in a row the account is locked for a
//!   while (unknown names behave the same, so the answers say nothing about
//!   which names exist);
//! - **the sign-in form's token**, signed with a key of the service's own
//!   (HMAC-SHA256) and dated, so a token planted in a cookie by someone else
//!   is worth nothing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use tokio::sync::Semaphore;

use crate::config::WebSettings;

/// The longest wait between two tries.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// How long a password check may wait for its turn before it is refused.
const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// How long a sign-in form stays valid.
const FORM_VALID_FOR: chrono::Duration = chrono::Duration::hours(2);
/// Names and addresses remembered in memory at most (the oldest are dropped).
const MAX_REMEMBERED: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// The wait after the first failure, doubled with each further one.
    pub delay: Duration,
    /// Failures in a row that lock the account.
    pub lock_after: u32,
    pub lock_for: Duration,
}

impl Throttle {
    pub fn from_settings(web: &WebSettings) -> Throttle {
        Throttle {
            delay: Duration::from_secs(web.signin_delay_secs),
            lock_after: web.signin_lock_after,
            lock_for: Duration::from_secs(web.signin_lock_minutes * 60),
        }
    }

    /// The wait after `failures` failures in a row (none after none).
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.delay.saturating_mul(factor).min(MAX_DELAY)
    }

    /// How long the next try must still wait, the last failure `ago`.
    pub fn wait(&self, failures: u32, ago: Duration) -> Option<Duration> {
        self.delay_after(failures).checked_sub(ago).filter(|d| !d.is_zero())
    }

    /// Whether the failure that makes `failures` in a row locks the account.
    pub fn locks(&self, failures: u32) -> bool {
        failures >= self.lock_after
    }
}

/// Failures in a row of one name or address, remembered in memory.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Why a sign-in is not tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wait this long first.
    Wait(Duration),
    /// The account is locked until then.
    Locked(DateTime<Utc>),
    /// Too many password checks are running.
    Busy,
}

/// A password check for the checking threads.
struct Check {
    password: String,
    stored: Option<String>,
    answer: tokio::sync::oneshot::Sender<bool>,
}

pub struct SignInGuard {
    pub throttle: Throttle,
    /// One permit per checking thread: a check waits for one, briefly.
    checks: Semaphore,
    to_checkers: Mutex<std::sync::mpsc::Sender<Check>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
    /// Names no officer has: throttled and locked like real ones.
    unknown_names: Mutex<HashMap<String, Failures>>,
}

impl SignInGuard {
    pub fn new(throttle: Throttle) -> SignInGuard {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (to_checkers, checks) = std::sync::mpsc::channel::<Check>();
        let checks = std::sync::Arc::new(Mutex::new(checks));
        // One thread per core, each with its checker's memory for good; they
        // end when the guard (and with it the sender) is dropped.
        for n in 0..cores {
            let checks = checks.clone();
            let spawned = std::thread::Builder::new().name(format!("password-check-{n}")).spawn(move || {
                let mut checker = crate::auth::PasswordChecker::default();
                loop {
                    let next = checks.lock().expect("not poisoned").recv();
                    let Ok(check) = next else { break };
                    let valid = checker.verify(&check.password, check.stored.as_deref());
                    let _ = check.answer.send(valid);
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "a password-check thread could not start");
            }
        }
        SignInGuard {
            throttle,
            checks: Semaphore::new(cores),
            to_checkers: Mutex::new(to_checkers),
            addresses: Mutex::new(HashMap::new()),
            unknown_names: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the client address may try now.
    pub fn address_wait(&self, address: Option<IpAddr>) -> Option<Refusal> {
        let address = address?;
        let map = self.addresses.lock().expect("not poisoned");
        let f = map.get(&address)?;
        self.throttle.wait(f.count, f.last.elapsed()).map(Refusal::Wait)
    }

    /// Whether an unknown name may be tried now (as [`Self::officer_wait`] for a real one).
    pub fn unknown_name_wait(&self, name: &str, now: DateTime<Utc>) -> Option<Refusal> {
        let map = self.unknown_names.lock().expect("not poisoned");
        let f = map.get(&name.to_lowercase())?;
        if let Some(until) = f.locked_until.filter(|t| *t > Instant::now()) {
            let left = until - Instant::now();
            return Some(Refusal::Locked(now + chrono::Duration::from_std(left).unwrap_or_default()));
        }
        let count = if f.locked_until.is_some() { 0 } else { f.count };
        self.throttle.wait(count, f.last.elapsed()).map(Refusal::Wait)
    }

    /// Whether an officer may try now: locked, or still waiting after a failure.
    pub fn officer_wait(&self, officer: &crate::store::Officer, now: DateTime<Utc>) -> Option<Refusal> {
        if let Some(until) = officer.locked_until.filter(|t| *t > now) {
            return Some(Refusal::Locked(until));
        }
        let failures = self.failures_counted(officer, now);
        let ago = officer.last_failed_at.map_or(Duration::MAX, |t| (now - t).to_std().unwrap_or(Duration::ZERO));
        self.throttle.wait(failures, ago).map(Refusal::Wait)
    }

    /// An officer's failures in a row; a lock that has run out starts the count again.
    pub fn failures_counted(&self, officer: &crate::store::Officer, now: DateTime<Utc>) -> u32 {
        match officer.locked_until {
            Some(until) if until <= now => 0,
            _ => officer.failed_signins,
        }
    }

    pub fn address_failed(&self, address: Option<IpAddr>) {
        if let Some(address) = address {
            remember_failure(&self.addresses, address, None);
        }
    }

    /// A failed sign-in under an unknown name; returns until when it locked
    /// the name, when this failure did (as for a real account).
    pub fn unknown_name_failed(&self, name: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let lock_after = self.throttle.lock_after;
        let lock_for = self.throttle.lock_for;
        remember_failure(&self.unknown_names, name.to_lowercase(), Some((lock_after, lock_for)))
            .then(|| now + chrono::Duration::from_std(lock_for).unwrap_or_default())
    }

    pub fn address_succeeded(&self, address: Option<IpAddr>) {
        if let Some(address) = address {
            self.addresses.lock().expect("not poisoned").remove(&address);
        }
    }

    /// Checks the password on one of the checking threads, at most one per
    /// core at a time; `None` when no check could start within a few seconds.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Option<bool> {
        let _permit = tokio::time::timeout(QUEUE_WAIT, self.checks.acquire()).await.ok()?.ok()?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.to_checkers.lock().expect("not poisoned").send(Check { password, stored, answer }).ok()?;
        Some(answered.await.unwrap_or(false))
    }
}

/// Counts a failure of `key`; returns whether it locked `key` (with `lock`:
/// after how many failures, for how long).
fn remember_failure<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Failures>>,
    key: K,
    lock: Option<(u32, Duration)>,
) -> bool {
    let mut map = map.lock().expect("not poisoned");
    if map.len() >= MAX_REMEMBERED {
        // The oldest failures matter least: their waits have run out.
        let oldest = map.values().map(|f| f.last).min();
        map.retain(|_, f| Some(f.last) != oldest && f.last.elapsed() < MAX_DELAY);
    }
    let now = Instant::now();
    let f = map.entry(key).or_insert(Failures { count: 0, last: now, locked_until: None });
    if f.locked_until.is_some_and(|t| t <= now) {
        *f = Failures { count: 0, last: now, locked_until: None };
    }
    f.count += 1;
    f.last = now;
    match lock {
        Some((after, lock_for)) if f.count == after => {
            f.locked_until = Some(now + lock_for);
            true
        }
        _ => false,
    }
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A sign-in form token: a random value and its expiry, signed with `key`.
pub fn form_token(key: &str, now: DateTime<Utc>) -> String {
    let body = format!("{}.{}", crate::auth::random_token(), (now + FORM_VALID_FOR).timestamp());
    format!("{body}.{}", signature(key, &body))
}

/// True when `token` was made by [`form_token`] with `key` and has not expired.
pub fn form_token_valid(key: &str, token: &str, now: DateTime<Utc>) -> bool {
    let Some((body, mac)) = token.rsplit_once('.') else { return false };
    let Some(expires) = body.rsplit_once('.').and_then(|(_, e)| e.parse::<i64>().ok()) else { return false };
    crate::auth::same_secret(&signature(key, body), mac) && now.timestamp() <= expires
}

fn signature(key: &str, body: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> Throttle {
        Throttle { delay: Duration::from_secs(1), lock_after: 10, lock_for: Duration::from_secs(900) }
    }

    #[test]
    fn the_wait_doubles_with_each_failure_up_to_a_minute_and_the_tenth_locks() {
        let t = throttle();
        let waits: Vec<u64> = (0..9).map(|f| t.delay_after(f).as_secs()).collect();
        assert_eq!(waits, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(t.wait(3, Duration::from_secs(1)), Some(Duration::from_secs(3)));
        assert_eq!(t.wait(3, Duration::from_secs(5)), None);
        assert!(!t.locks(9) && t.locks(10));
    }

    #[test]
    fn unknown_names_are_throttled_and_locked_like_real_ones() {
        let guard = SignInGuard::new(Throttle { delay: Duration::from_millis(1), lock_after: 3, ..throttle() });
        let now = Utc::now();
        assert_eq!(guard.unknown_name_wait("nemo", now), None);
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(5));
            guard.unknown_name_failed("Nemo", now);
        }
        assert!(matches!(guard.unknown_name_wait("nemo", now), Some(Refusal::Locked(_))));
    }

    #[test]
    fn a_form_token_is_good_only_with_our_key_and_before_it_expires() {
        let now = Utc::now();
        let token = form_token("key", now);
        assert!(form_token_valid("key", &token, now));
        assert!(!form_token_valid("other key", &token, now));
        assert!(!form_token_valid("key", &token, now + chrono::Duration::hours(3)));
        assert!(!form_token_valid("key", "planted-by-someone", now));
        let (body, _) = token.rsplit_once('.').unwrap();
        assert!(!form_token_valid("key", &format!("{body}.00"), now));
    }
}

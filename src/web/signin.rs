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

/// What is remembered in memory of one name or address: failures in a row
/// (every attempt counts as one when it starts, and a success wipes the
/// count), and whether a password check for it is running right now.
#[derive(Debug, Clone, Copy)]
struct Attempts {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
    in_flight: bool,
}

impl Attempts {
    fn fresh(now: Instant) -> Attempts {
        Attempts { count: 0, last: now, locked_until: None, in_flight: false }
    }
}

/// Why a sign-in is not tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wait this long first.
    Wait(Duration),
    /// The account is locked until then.
    Locked(DateTime<Utc>),
}

/// A password check for the checking threads.
struct Check {
    password: String,
    stored: Option<String>,
    answer: tokio::sync::oneshot::Sender<bool>,
}

/// The names and addresses that tried recently. One lock for both, so that
/// a sign-in is judged and reserved for its name and its address at once.
#[derive(Default)]
struct Recent {
    addresses: HashMap<IpAddr, Attempts>,
    /// By [`name_key`]. For names no officer has, the count and the lock live
    /// here; for officers' names the database keeps them (every instance and
    /// `officer unlock` see them) and this only says a check is running.
    names: HashMap<String, Attempts>,
}

pub struct SignInGuard {
    pub throttle: Throttle,
    /// One permit per checking thread: a check waits for one, briefly.
    checks: Semaphore,
    to_checkers: Mutex<std::sync::mpsc::Sender<Check>>,
    recent: Mutex<Recent>,
}

pub use crate::domain::name_key;

/// Whose sign-in is being reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// An officer's: the database holds the count and the lock.
    Officer,
    /// A name no officer has: counted and locked in memory, like a real one.
    Unknown,
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
                let mut checker = crate::web::auth::PasswordChecker::default();
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
            recent: Mutex::new(Recent::default()),
        }
    }

    /// Decides, atomically for the name and the address, whether this sign-in
    /// may check a password now, and if so reserves the check: the attempt
    /// counts as a failure from here on (a success wipes it), and until the
    /// reservation ends every other sign-in for the same name or from the same
    /// address is refused. So a burst of requests gets no more guesses than
    /// the same requests one after another.
    pub fn reserve(
        &self,
        key: &str,
        address: Option<IpAddr>,
        account: Account,
        now: DateTime<Utc>,
    ) -> Result<Reservation<'_>, Refusal> {
        let mut recent = self.recent.lock().expect("not poisoned");
        let instant = Instant::now();
        let throttled = !self.throttle.delay.is_zero();
        // A check already running decides nothing yet: wait for it.
        let busy_wait = self.throttle.delay.max(Duration::from_secs(1));
        if let Some(a) = address.and_then(|a| recent.addresses.get(&a)) {
            if throttled && a.in_flight {
                return Err(Refusal::Wait(busy_wait));
            }
            if let Some(wait) = self.throttle.wait(a.count, a.last.elapsed()) {
                return Err(Refusal::Wait(wait));
            }
        }
        if let Some(n) = recent.names.get(key) {
            if throttled && n.in_flight {
                return Err(Refusal::Wait(busy_wait));
            }
            if account == Account::Unknown {
                if let Some(until) = n.locked_until.filter(|t| *t > instant) {
                    let left = chrono::Duration::from_std(until - instant).unwrap_or_default();
                    return Err(Refusal::Locked(now + left));
                }
                let count = if n.locked_until.is_some() { 0 } else { n.count };
                if let Some(wait) = self.throttle.wait(count, n.last.elapsed()) {
                    return Err(Refusal::Wait(wait));
                }
            }
        }
        forget_the_oldest(&mut recent.addresses);
        forget_the_oldest(&mut recent.names);
        if let Some(address) = address {
            let a = recent.addresses.entry(address).or_insert(Attempts::fresh(instant));
            a.count = a.count.saturating_add(1);
            a.last = instant;
            a.in_flight = true;
        }
        let n = recent.names.entry(key.to_string()).or_insert(Attempts::fresh(instant));
        if account == Account::Unknown {
            if n.locked_until.is_some_and(|t| t <= instant) {
                *n = Attempts::fresh(instant);
            }
            n.count = n.count.saturating_add(1);
            n.last = instant;
        }
        n.in_flight = true;
        Ok(Reservation { guard: self, key: key.to_string(), address, account, attempt: n.count })
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

    /// Checks the password on one of the checking threads, at most one per
    /// core at a time; `None` when no check could start within a few seconds.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Option<bool> {
        let _permit = tokio::time::timeout(QUEUE_WAIT, self.checks.acquire()).await.ok()?.ok()?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.to_checkers.lock().expect("not poisoned").send(Check { password, stored, answer }).ok()?;
        Some(answered.await.unwrap_or(false))
    }
}

/// A sign-in allowed to check its password. Dropped without an outcome (the
/// client went away, the check was refused as busy) it stays counted as a
/// failure, and the name and address are free for the next try.
pub struct Reservation<'a> {
    guard: &'a SignInGuard,
    key: String,
    address: Option<IpAddr>,
    account: Account,
    /// For a name no officer has: this attempt's number among its failures in a row.
    attempt: u32,
}

impl Reservation<'_> {
    /// The password was wrong. For a name no officer has, returns until when
    /// this failure locked it (as for a real account).
    pub fn failed(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.account == Account::Officer || !self.guard.throttle.locks(self.attempt) {
            return None;
        }
        let lock_for = self.guard.throttle.lock_for;
        let mut recent = self.guard.recent.lock().expect("not poisoned");
        let n = recent.names.get_mut(&self.key)?;
        if n.locked_until.is_some() {
            return None;
        }
        n.locked_until = Some(Instant::now() + lock_for);
        Some(now + chrono::Duration::from_std(lock_for).unwrap_or_default())
    }

    /// The password was right: the address's failures are forgotten.
    pub fn succeeded(self) {
        if let Some(address) = self.address {
            self.guard.recent.lock().expect("not poisoned").addresses.remove(&address);
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut recent = self.guard.recent.lock().expect("not poisoned");
        if let Some(a) = self.address.and_then(|a| recent.addresses.get_mut(&a)) {
            a.in_flight = false;
        }
        if let Some(n) = recent.names.get_mut(&self.key) {
            n.in_flight = false;
        }
    }
}

/// Keeps the memory bounded: when full, the entries whose waits have run
/// out go, the oldest first. Entries with a check running stay.
fn forget_the_oldest<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Attempts>) {
    if map.len() < MAX_REMEMBERED {
        return;
    }
    let oldest = map.values().filter(|a| !a.in_flight).map(|a| a.last).min();
    map.retain(|_, a| a.in_flight || Some(a.last) != oldest && a.last.elapsed() < MAX_DELAY);
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A sign-in form token: a random value and its expiry, signed with `key`.
pub fn form_token(key: &str, now: DateTime<Utc>) -> String {
    let body = format!("{}.{}", crate::web::auth::random_token(), (now + FORM_VALID_FOR).timestamp());
    format!("{body}.{}", signature(key, &body))
}

/// True when `token` was made by [`form_token`] with `key` and has not expired.
pub fn form_token_valid(key: &str, token: &str, now: DateTime<Utc>) -> bool {
    let Some((body, mac)) = token.rsplit_once('.') else { return false };
    let Some(expires) = body.rsplit_once('.').and_then(|(_, e)| e.parse::<i64>().ok()) else { return false };
    crate::web::auth::same_secret(&signature(key, body), mac) && now.timestamp() <= expires
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
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(5));
            let reserved = guard.reserve(&name_key("Nemo"), None, Account::Unknown, now).expect("may try");
            reserved.failed(now);
        }
        assert!(matches!(guard.reserve("nemo", None, Account::Unknown, now), Err(Refusal::Locked(_))));
    }

    #[test]
    fn a_check_in_flight_refuses_every_other_try_for_its_name_or_its_address() {
        let guard = SignInGuard::new(throttle());
        let now = Utc::now();
        let here: IpAddr = "192.0.2.1".parse().unwrap();
        let first = guard.reserve("anna", Some(here), Account::Officer, now).expect("the first may try");
        assert!(matches!(guard.reserve("anna", None, Account::Officer, now), Err(Refusal::Wait(_))));
        assert!(matches!(guard.reserve("bo", Some(here), Account::Officer, now), Err(Refusal::Wait(_))));
        first.succeeded();
        assert!(guard.reserve("bo", Some(here), Account::Officer, now).is_ok(), "a success frees the address");
    }

    #[test]
    fn every_way_of_writing_a_name_is_one_key() {
        assert_eq!(name_key(" ZELDA "), name_key("zelda"));
        assert_eq!(name_key("A\u{30a}sa"), name_key("Åsa"));
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

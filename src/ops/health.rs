//! What the daemon tells the readiness check about the mailbox: whether its
//! session works, and since when it has not. Shared by the daemon (which
//! writes) and the ops endpoints (which read).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// The mailbox as the daemon last saw it.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Debug, Default, Clone)]
struct State {
    /// This process reads the mailbox (`run`, not `web`).
    reading: bool,
    last_poll: Option<DateTime<Utc>>,
    /// Since when every pass has failed, and the last error.
    failing: Option<(Instant, String)>,
}

/// The mailbox, as readiness reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailbox {
    /// This process does not read the mailbox.
    NotRead,
    /// Started, no pass has finished yet.
    Starting,
    Up {
        last_poll: DateTime<Utc>,
    },
    /// Every pass has failed for `for_` (the daemon keeps reconnecting).
    Down {
        for_: Duration,
        error: String,
    },
}

impl Health {
    pub fn new() -> Health {
        Health::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere must not stop the health checks: the state is plain data.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The daemon starts reading the mailbox.
    pub fn reading(&self) {
        self.state().reading = true;
    }

    /// The daemon stopped reading (it lost the mailbox lease and stands by).
    pub fn stand_by(&self) {
        let mut s = self.state();
        s.reading = false;
        s.failing = None;
    }

    /// A pass over the mailbox succeeded.
    pub fn poll_succeeded(&self) {
        let now = Utc::now();
        let mut s = self.state();
        s.last_poll = Some(now);
        s.failing = None;
        metrics::gauge!(super::prometheus::LAST_POLL).set(now.timestamp_millis() as f64 / 1000.0);
    }

    /// A pass failed (the mail server, or the database while recording).
    pub fn poll_failed(&self, error: &str) {
        let mut s = self.state();
        match &mut s.failing {
            Some((_, last)) => *last = error.to_string(),
            None => s.failing = Some((Instant::now(), error.to_string())),
        }
    }

    pub fn mailbox(&self) -> Mailbox {
        let s = self.state().clone();
        match (s.reading, s.failing, s.last_poll) {
            (false, ..) => Mailbox::NotRead,
            (true, Some((since, error)), _) => Mailbox::Down { for_: since.elapsed(), error },
            (true, None, Some(last_poll)) => Mailbox::Up { last_poll },
            (true, None, None) => Mailbox::Starting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_timed_from_the_first_of_a_run_and_cleared_by_a_success() {
        let h = Health::new();
        assert_eq!(h.mailbox(), Mailbox::NotRead);
        h.reading();
        assert_eq!(h.mailbox(), Mailbox::Starting);
        h.poll_failed("connection refused");
        std::thread::sleep(Duration::from_millis(20));
        h.poll_failed("timed out");
        let Mailbox::Down { for_, error } = h.mailbox() else { panic!("down: {:?}", h.mailbox()) };
        assert!(for_ >= Duration::from_millis(20), "timed from the first failure: {for_:?}");
        assert_eq!(error, "timed out", "the last error is the one shown");
        h.poll_succeeded();
        assert!(matches!(h.mailbox(), Mailbox::Up { .. }));
        h.poll_failed("lost");
        h.stand_by();
        assert_eq!(h.mailbox(), Mailbox::NotRead, "a standby is not judged by the mailbox");
    }
}

//! The outbox worker: sends due replies, one claimed row at a time, and
//! records the outcome. A temporary failure is retried with exponential
//! backoff; a permanent one (or too many attempts) marks the reply failed,
//! visible in `lefi-intake outbox list`. Sending never blocks intake.

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;

use super::message;
use super::transport::{Deliver, DeliveryError};
use crate::config::OutboxSettings;
use crate::store::{OutboxItem, Store, StoreError};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendSummary {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

pub struct OutboxWorker<D: Deliver> {
    store: Store,
    deliver: D,
    from: Mailbox,
    settings: OutboxSettings,
}

impl<D: Deliver> OutboxWorker<D> {
    pub fn new(store: Store, deliver: D, from: Mailbox, settings: OutboxSettings) -> Self {
        OutboxWorker { store, deliver, from, settings }
    }

    pub fn deliver(&self) -> &D {
        &self.deliver
    }

    /// Sends every reply that is due now; returns what happened.
    pub async fn send_due(&self) -> Result<SendSummary, StoreError> {
        let mut summary = SendSummary::default();
        let lease = chrono::Duration::seconds(self.settings.lease_secs as i64);
        while let Some(item) = self.store.claim_due_reply(Utc::now(), lease).await? {
            match self.send_one(&item).await {
                Ok(()) => {
                    self.store.mark_reply_sent(item.id, Utc::now()).await?;
                    tracing::info!(reply = item.id, kind = %item.kind, message = item.message_id, "reply sent");
                    summary.sent += 1;
                }
                Err(DeliveryError::Permanent(e)) => {
                    self.store.mark_reply_failed(item.id, &e).await?;
                    tracing::error!(reply = item.id, error = %e, "reply failed permanently");
                    summary.failed += 1;
                }
                Err(DeliveryError::Temporary(e)) if item.attempts >= i64::from(self.settings.max_attempts) => {
                    let e = format!("{e} (gave up after {} attempts)", item.attempts);
                    self.store.mark_reply_failed(item.id, &e).await?;
                    tracing::error!(reply = item.id, error = %e, "reply failed");
                    summary.failed += 1;
                }
                Err(DeliveryError::Temporary(e)) => {
                    let next = Utc::now() + self.backoff(&item);
                    self.store.retry_reply_later(item.id, next, &e).await?;
                    tracing::warn!(reply = item.id, attempt = item.attempts, error = %e, retry_at = %next, "reply will be retried");
                    summary.retrying += 1;
                }
            }
        }
        Ok(summary)
    }

    async fn send_one(&self, item: &OutboxItem) -> Result<(), DeliveryError> {
        let message = message::build(item, &self.from).map_err(|e| match e {
            message::BuildError::Stored(e) => DeliveryError::Temporary(e.to_string()),
            other => DeliveryError::Permanent(other.to_string()),
        })?;
        self.deliver.deliver(message).await
    }

    /// base * 2^(attempts-1), capped, with ±20 % jitter so that replies that
    /// failed together do not retry together.
    fn backoff(&self, item: &OutboxItem) -> chrono::Duration {
        backoff(self.settings.retry_base_secs, self.settings.retry_max_secs, item.attempts, item.id)
    }
}

pub fn backoff(base_secs: u64, max_secs: u64, attempts: i64, salt: i64) -> chrono::Duration {
    let exp = attempts.clamp(1, 30) as u32 - 1;
    let raw = base_secs.saturating_mul(1u64 << exp.min(40)).min(max_secs) as f64;
    // Deterministic jitter in [0.8, 1.2) from the row id and attempt.
    let spread =
        ((salt.unsigned_abs().wrapping_mul(2_654_435_761) ^ (attempts as u64).wrapping_mul(40_503)) % 1000) as f64;
    let jittered = raw * (0.8 + 0.4 * spread / 1000.0);
    chrono::Duration::milliseconds((jittered * 1000.0) as i64)
}

/// When the next reply is due, for sleeping until then.
pub fn next_due(items: &[OutboxItem]) -> Option<DateTime<Utc>> {
    items.iter().filter_map(|i| crate::store::parse_timestamp(&i.next_attempt_at).ok()).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let b = |a| backoff(30, 3600, a, 7).num_milliseconds();
        assert!((24_000..36_000).contains(&b(1)));
        assert!((48_000..72_000).contains(&b(2)));
        assert!(b(30) <= 3_600_000 * 12 / 10);
        assert_ne!(backoff(30, 3600, 3, 1), backoff(30, 3600, 3, 2));
    }
}

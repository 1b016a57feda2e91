//! The outbox worker: sends due replies — several at once, each claimed
//! row on a connection of the transport's pool (a server's per-message
//! latency, tens of milliseconds, is paid in parallel) — and records the
//! outcome. A temporary failure is retried with exponential
//! backoff; a permanent one (or too many attempts) marks the reply failed,
//! visible in `lefi-intake outbox list`. Sending never blocks intake.

pub mod message;
pub mod smtp;
pub mod transport;

/// The counter of answers handed to the server, by result (`sent`,
/// `retrying`, `failed`); described on /metrics by `ops::prometheus`.
pub const ANSWERS: &str = "lefi_intake_answers_total";

use std::time::Duration;

use chrono::Utc;
use lettre::message::Mailbox;

use self::transport::{Deliver, DeliveryError};
use crate::config::OutboxSettings;
use crate::domain::backoff::Backoff;
use crate::source::lease::Fence;
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
    /// Replies sent at once.
    concurrency: usize,
    /// Checked before each claim and each send: an instance that lost the
    /// mailbox lease sends nothing more.
    fence: Fence,
}

impl<D: Deliver> OutboxWorker<D> {
    pub fn new(store: Store, deliver: D, from: Mailbox, settings: OutboxSettings) -> Self {
        OutboxWorker { store, deliver, from, settings, concurrency: 1, fence: Fence::default() }
    }

    /// Sends only while `fence` holds.
    pub fn with_fence(mut self, fence: Fence) -> Self {
        self.fence = fence;
        self
    }

    /// Sends up to `n` replies at once (the SMTP pool's size).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    pub fn deliver(&self) -> &D {
        &self.deliver
    }

    /// Sends every reply that is due now; returns what happened. As many
    /// senders as the transport has connections each claim a reply, send it
    /// and record the outcome, then take the next: no sender waits for the
    /// slowest of a batch, and each connection has at most one message the
    /// server accepted that is not yet marked sent (the window a crash can
    /// double).
    pub async fn send_due(&self) -> Result<SendSummary, StoreError> {
        let senders = (0..self.concurrency).map(|_| self.send_until_none_due());
        let summaries = futures_util::future::try_join_all(senders).await?;
        Ok(summaries.into_iter().fold(SendSummary::default(), |a, b| SendSummary {
            sent: a.sent + b.sent,
            retrying: a.retrying + b.retrying,
            failed: a.failed + b.failed,
        }))
    }

    /// One sender: claims, sends and records until nothing is due.
    async fn send_until_none_due(&self) -> Result<SendSummary, StoreError> {
        let mut summary = SendSummary::default();
        let lease = chrono::Duration::seconds(self.settings.lease_secs as i64);
        while self.fence.is_held() {
            let Some(item) = self.store.claim_due_reply(Utc::now(), lease).await? else { break };
            // Not sent for want of the lease: the claim runs out and the
            // instance that holds the lease sends it.
            let Some(result) = self.send_one(&item).await else { continue };
            self.record(&item, result, &mut summary).await?;
        }
        Ok(summary)
    }

    /// Records what sending one reply did.
    async fn record(
        &self,
        item: &OutboxItem,
        result: Result<(), DeliveryError>,
        summary: &mut SendSummary,
    ) -> Result<(), StoreError> {
        match result {
            Ok(()) => {
                self.store.mark_reply_sent(item.id, Utc::now()).await?;
                tracing::info!(reply = item.id, kind = %item.kind, message_row = item.message_id, "reply sent");
                metrics::counter!(ANSWERS, "result" => "sent").increment(1);
                summary.sent += 1;
            }
            Err(DeliveryError::Permanent(e)) => {
                self.store.mark_reply_failed(item.id, &e).await?;
                tracing::error!(reply = item.id, error = %e, "reply failed permanently");
                metrics::counter!(ANSWERS, "result" => "failed").increment(1);
                summary.failed += 1;
            }
            Err(DeliveryError::Temporary(e)) if item.attempts >= i64::from(self.settings.max_attempts) => {
                let e = format!("{e} (gave up after {} attempts)", item.attempts);
                self.store.mark_reply_failed(item.id, &e).await?;
                tracing::error!(reply = item.id, error = %e, "reply failed");
                metrics::counter!(ANSWERS, "result" => "failed").increment(1);
                summary.failed += 1;
            }
            Err(DeliveryError::Temporary(e)) => {
                let next = Utc::now() + self.retry_in(item);
                self.store.retry_reply_later(item.id, next, &e).await?;
                tracing::warn!(reply = item.id, attempt = item.attempts, error = %e, retry_at = %next, "reply will be retried");
                metrics::counter!(ANSWERS, "result" => "retrying").increment(1);
                summary.retrying += 1;
            }
        }
        Ok(())
    }

    /// `None` when the lease was lost before the sending began.
    async fn send_one(&self, item: &OutboxItem) -> Option<Result<(), DeliveryError>> {
        let message = match message::build(item, &self.from) {
            Ok(message) => message,
            Err(e) => return Some(Err(DeliveryError::Permanent(e.to_string()))),
        };
        if !self.fence.is_held() {
            return None;
        }
        Some(self.deliver.deliver(message).await)
    }

    /// The wait before the next attempt, spread by the row id so that
    /// answers that failed together do not retry together.
    fn retry_in(&self, item: &OutboxItem) -> chrono::Duration {
        let backoff = Backoff::new(
            Duration::from_secs(self.settings.retry_base_secs),
            Duration::from_secs(self.settings.retry_max_secs),
        );
        let wait = backoff.delay(u32::try_from(item.attempts).unwrap_or(u32::MAX), item.id.unsigned_abs());
        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
    }
}

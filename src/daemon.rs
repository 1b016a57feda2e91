//! The run loop: fetch what is waiting, record each mail, file it, send the
//! answers that are due, wait for more; until shutdown (or, with `once`,
//! until the inbox and the outbox are empty). What it runs with is built by
//! the composition root (`app.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::domain::SourceKey;
use crate::domain::backoff::{self, Backoff};
use crate::domain::{Code, Verdict};
use crate::intake::{Intake, IntakeError};
use crate::ops::{Health, prometheus};
use crate::outbox::transport::Deliver;
use crate::outbox::{OutboxWorker, SendSummary};
use crate::source::lease::Fence;
use crate::source::{FailureKind, Folder, MailSource, SourceError, SourceMail};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error("the mailbox lease was lost: another instance reads the mailbox now")]
    LeaseLost,
}

impl DaemonError {
    fn kind(&self) -> FailureKind {
        match self {
            DaemonError::Source(e) => e.kind(),
            DaemonError::Store(_) | DaemonError::Intake(_) | DaemonError::LeaseLost => FailureKind::Transient,
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub recorded: BTreeMap<&'static str, usize>,
    pub duplicates: usize,
    pub replies: SendSummary,
    /// Replies still waiting when the run ended (retrying later).
    pub pending_replies: i64,
}

impl RunSummary {
    fn count(&mut self, verdict: Verdict) {
        *self.recorded.entry(verdict.as_str()).or_default() += 1;
    }

    pub fn total(&self) -> usize {
        self.recorded.values().sum()
    }
}

/// How the loop paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Mails asked of the source per pass.
    pub batch_size: usize,
    /// Waits after a failed pass.
    pub retry: Backoff,
    /// The longest a dead worker's claim on an answer can last (`outbox.lease_secs`).
    pub lease: Duration,
    /// Raw mails are purged this many days after their decision (`retention.raw_days`).
    pub retention_days: u32,
}

/// How often the daemon purges what is past retention.
const PURGE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// How many failed passes in a row `run --once` tolerates (about a minute of
/// backoff) before it reports the error.
const ONCE_RETRIES: u32 = 6;

/// What to do after a failed pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    GiveUp,
    RetryIn(Duration),
}

/// A refused login or a setting the server rejects is not cured by trying
/// again soon (and a server may lock an account that keeps failing): a run
/// that should end reports it at once, and the daemon waits the longest
/// interval between attempts. Anything else backs off exponentially; a run
/// that should end gives up after a few attempts, the daemon never does.
pub fn after_failure(kind: FailureKind, failures: u32, once: bool, retry: Backoff, seed: u64) -> AfterFailure {
    match (kind, once) {
        (FailureKind::Configuration, true) => AfterFailure::GiveUp,
        (FailureKind::Configuration, false) => AfterFailure::RetryIn(retry.max),
        (FailureKind::Transient, true) if failures > ONCE_RETRIES => AfterFailure::GiveUp,
        (FailureKind::Transient, _) => AfterFailure::RetryIn(retry.delay(failures, seed)),
    }
}

pub struct Daemon<S, D: Deliver> {
    pub intake: Intake,
    pub source: S,
    pub outbox: OutboxWorker<D>,
    pub pacing: Pacing,
    /// Told how each pass went (readiness reads it).
    pub health: Arc<Health>,
    /// Checked before each batch and each move: an instance that lost the
    /// mailbox lease stops without touching the mailbox again.
    pub fence: Fence,
}

impl<S: MailSource, D: Deliver + 'static> Daemon<S, D> {
    /// Runs only while `fence` holds (the mailbox lease), sending too.
    pub fn fenced(mut self, fence: Fence) -> Self {
        self.outbox = self.outbox.with_fence(fence.clone());
        self.fence = fence;
        self
    }

    /// Runs until shutdown, or (`once`) until nothing is waiting and the
    /// answers due are sent. Answers are sent from a task of their own, woken
    /// by every commit: a slow or absent SMTP server never slows intake. A
    /// single run then sends what is still due, so it ends drained.
    pub async fn run(self, once: bool, shutdown: CancellationToken) -> Result<RunSummary, DaemonError> {
        // The parts are borrowed apart: the future must be `Send`, and a
        // mail source need not be `Sync`.
        let Daemon { intake, mut source, outbox, pacing, health, fence } = self;
        health.reading();
        metrics::gauge!(prometheus::LEASE).set(1.0);
        tracing::info!(source = %source.describe(), replies = %outbox.deliver().describe(), once, "intake started");
        let outbox = Arc::new(outbox);
        let committed = Arc::new(Notify::new());
        let stop_sending = CancellationToken::new();
        let sender = tokio::spawn(send_continuously(outbox.clone(), committed.clone(), stop_sending.clone()));
        let mut summary = RunSummary::default();
        let seed = backoff::random_seed();
        let mut failures: u32 = 0;
        let mut purged_at: Option<std::time::Instant> = None;
        let mut in_flight = InFlight::default();
        let mut inbox = InboxNote::default();
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            if !fence.is_held() {
                // Nothing more is filed or sent (below): the new holder does that.
                break;
            }
            let mut fenced = Fenced { source: &mut source, fence: &fence };
            match pass(&intake, &mut fenced, &mut in_flight, pacing.batch_size, &shutdown, &mut summary).await {
                Ok(handled) => {
                    failures = 0;
                    health.poll_succeeded();
                    // Handed out but not recorded yet still waits, for the people watching.
                    let read_ahead = in_flight.next_batch.as_ref().map_or(0, Vec::len);
                    if let Some(waiting) = fenced.waiting() {
                        inbox.note(intake.store(), waiting + read_ahead).await;
                    }
                    if handled > 0 {
                        committed.notify_one();
                    }
                    // A single run leaves retention to `lefi-intake purge` (run it from cron).
                    if !once && purged_at.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                        purge_expired(intake.store(), pacing.retention_days).await;
                        purged_at = Some(std::time::Instant::now());
                    }
                    if handled == 0 {
                        if once {
                            break;
                        }
                        fenced.wait(&shutdown).await;
                    }
                }
                Err(e) => {
                    failures += 1;
                    health.poll_failed(&e.to_string());
                    metrics::counter!(prometheus::PASS_FAILURES).increment(1);
                    // What was handed out and not recorded is looked at again.
                    in_flight.next_batch = None;
                    fenced.reset();
                    let delay = match after_failure(e.kind(), failures, once, pacing.retry, seed) {
                        AfterFailure::GiveUp => return Err(e),
                        AfterFailure::RetryIn(delay) => delay,
                    };
                    match e.kind() {
                        FailureKind::Configuration => tracing::error!(
                            error = %e,
                            attempt = failures,
                            retry_in_ms = delay.as_millis() as u64,
                            "the mail server refuses our settings; fix the configuration"
                        ),
                        FailureKind::Transient => tracing::error!(
                            error = %e,
                            attempt = failures,
                            retry_in_ms = delay.as_millis() as u64,
                            "intake pass failed"
                        ),
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
            }
        }
        if !fence.is_held() {
            stop_sending.cancel();
            let _ = sender.await;
            metrics::gauge!(prometheus::LEASE).set(0.0);
            tracing::error!("the mailbox lease is lost: intake stops here");
            return Err(DaemonError::LeaseLost);
        }
        in_flight.file(&mut Fenced { source: &mut source, fence: &fence }).await;
        let store = intake.store();
        stop_sending.cancel();
        if let Ok(sent) = sender.await {
            summary.replies = sent;
        }
        if once && !shutdown.is_cancelled() {
            // What the sending task had not reached yet, and what a stopped
            // worker had claimed.
            send_replies(&outbox, &mut summary, once).await?;
            wait_out_stale_leases(store, &outbox, pacing.lease, &mut summary, &shutdown).await?;
        }
        summary.pending_replies = store.pending_replies().await?;
        if summary.pending_replies > 0 {
            tracing::warn!(pending = summary.pending_replies, "replies still waiting; they go out on the next run");
        }
        source.close().await;
        metrics::gauge!(prometheus::LEASE).set(0.0);
        tracing::info!(recorded = summary.total(), duplicates = summary.duplicates, "intake stopped");
        Ok(summary)
    }
}

/// The daily purge. A failure is logged and tried again the next day: it
/// must not stop the intake.
async fn purge_expired(store: &crate::store::Store, raw_days: u32) {
    match store.purge_expired(raw_days, chrono::Utc::now()).await {
        Ok(0) => tracing::debug!("retention: nothing to purge"),
        Ok(n) => tracing::info!(purged = n, raw_days, "retention: raw mails purged"),
        Err(e) => tracing::error!(error = %e, "retention: the purge failed; it is tried again tomorrow"),
    }
}

/// The mail source behind the fence: once the mailbox lease is lost it
/// hands out nothing more and files nothing (the new holder files what
/// this instance recorded: it finds the mails already recorded).
struct Fenced<'a, S> {
    source: &'a mut S,
    fence: &'a Fence,
}

impl<S: MailSource> MailSource for Fenced<'_, S> {
    async fn fetch(&mut self, limit: usize) -> Result<Vec<SourceMail>, SourceError> {
        if !self.fence.is_held() {
            return Ok(Vec::new());
        }
        self.source.fetch(limit).await
    }

    async fn file(&mut self, mails: &[(SourceKey, Folder)]) -> Result<(), SourceError> {
        if !self.fence.is_held() {
            tracing::warn!(mails = mails.len(), "not filing: the mailbox lease is lost");
            return Ok(());
        }
        self.source.file(mails).await
    }

    fn reset(&mut self) {
        self.source.reset();
    }

    async fn wait(&mut self, shutdown: &CancellationToken) {
        self.source.wait(shutdown).await;
    }

    async fn close(&mut self) {
        self.source.close().await;
    }

    fn waiting(&self) -> Option<usize> {
        self.source.waiting()
    }

    fn describe(&self) -> String {
        self.source.describe()
    }
}

/// What the overview and /metrics show of the inbox. The gauge is set on
/// every pass; the database row (read by every instance's overview) when the
/// count changes, at most once a second while a backlog drains (hundreds of
/// mails a second), at once when the inbox is empty again, and once a minute
/// otherwise, so its time says the reader is alive.
#[derive(Default)]
struct InboxNote {
    written: Option<(usize, std::time::Instant)>,
}

impl InboxNote {
    async fn note(&mut self, store: &Store, waiting: usize) {
        metrics::gauge!(prometheus::MAILBOX_WAITING).set(waiting as f64);
        let due = match self.written {
            None => true,
            Some((_, at)) if at.elapsed() >= Duration::from_secs(60) => true,
            Some((before, _)) if before == waiting => false,
            Some((_, at)) => waiting == 0 || at.elapsed() >= Duration::from_secs(1),
        };
        if !due {
            return;
        }
        let count = i64::try_from(waiting).unwrap_or(i64::MAX);
        match store.note_mailbox_waiting(count, chrono::Utc::now()).await {
            Ok(()) => self.written = Some((waiting, std::time::Instant::now())),
            Err(e) => tracing::warn!(error = %e, "could not note the mails waiting in the inbox"),
        }
    }
}

/// Recorded mails are filed in groups of at least this many while a backlog
/// drains: each UID MOVE costs the server work that grows with the size of
/// the mailbox, so a few large moves cost it less than many small ones.
const FILE_AT_ONCE: usize = 200;

/// Between passes: the next batch, read while this one was recorded, and
/// the mails recorded but not yet filed (they are filed while the next
/// batch is recorded).
#[derive(Default)]
struct InFlight {
    next_batch: Option<Vec<SourceMail>>,
    unfiled: Vec<(SourceKey, Folder)>,
}

impl InFlight {
    /// Files the recorded mails not yet filed. If filing fails the mails stay
    /// in the inbox and a later pass recognises them as already recorded.
    async fn file<S: MailSource>(&mut self, source: &mut S) {
        file(source, std::mem::take(&mut self.unfiled)).await;
    }
}

async fn file<S: MailSource>(source: &mut S, recorded: Vec<(SourceKey, Folder)>) {
    if recorded.is_empty() {
        return;
    }
    if let Err(e) = source.file(&recorded).await {
        tracing::warn!(mails = recorded.len(), error = %e, "could not file recorded mails; they will be filed on a later pass");
    }
}

/// One pass over the waiting mail: a batch recorded in one transaction.
/// Meanwhile the mail server files the mails recorded before (only ever
/// after their commit; [`FILE_AT_ONCE`] or more at a time) and hands out the
/// next batch: the mail server and the database work at the same time. The
/// first pass reads its own batch; a pass with no batch after it files its
/// own at once, so nothing recorded waits in the inbox while the daemon
/// idles. Returns how many mails were handled; a mail
/// that could not be recorded is left in the inbox and the pass reports the
/// error (after filing the others), so the daemon backs off and tries it
/// again.
async fn pass<S: MailSource>(
    intake: &Intake,
    source: &mut S,
    in_flight: &mut InFlight,
    batch_size: usize,
    shutdown: &CancellationToken,
    summary: &mut RunSummary,
) -> Result<usize, DaemonError> {
    // Start no new batch after shutdown was asked (the batch in hand is finished).
    if shutdown.is_cancelled() {
        in_flight.file(source).await;
        return Ok(0);
    }
    let mails = match in_flight.next_batch.take() {
        Some(mails) if !mails.is_empty() => mails,
        _ => {
            in_flight.file(source).await;
            source.fetch(batch_size).await?
        }
    };
    if mails.is_empty() {
        return Ok(0);
    }
    let previous =
        if in_flight.unfiled.len() >= FILE_AT_ONCE { std::mem::take(&mut in_flight.unfiled) } else { Vec::new() };
    let file_and_read_next = async {
        file(source, previous).await;
        if shutdown.is_cancelled() { Ok(Vec::new()) } else { source.fetch(batch_size).await }
    };
    let started = std::time::Instant::now();
    let record = async {
        let results = intake.process_batch(&mails).await;
        metrics::histogram!(prometheus::BATCH_SECONDS).record(started.elapsed().as_secs_f64());
        results
    };
    let (results, next) = tokio::join!(record, file_and_read_next);
    let mut first_error = None;
    for (mail, result) in mails.iter().zip(results) {
        match result {
            Ok(outcome) => {
                if outcome.duplicate {
                    summary.duplicates += 1;
                    metrics::counter!(prometheus::DUPLICATES).increment(1);
                } else {
                    summary.count(outcome.verdict);
                    metrics::counter!(prometheus::MAILS, "verdict" => outcome.verdict.as_str()).increment(1);
                    for reason in &outcome.reasons {
                        metrics::counter!(prometheus::REASONS, "reason" => reason.as_str()).increment(1);
                    }
                }
                in_flight.unfiled.push((mail.key.clone(), outcome.folder));
            }
            Err(e) => {
                tracing::error!(key = %mail.key, error = %e, "mail not recorded; it stays in the inbox");
                first_error.get_or_insert(e);
            }
        }
    }
    let handled = in_flight.unfiled.len();
    let next = match (first_error, next) {
        (None, Ok(next)) if !next.is_empty() => next,
        (first_error, next) => {
            in_flight.file(source).await;
            if let Some(e) = first_error {
                return Err(e.into());
            }
            next?
        }
    };
    in_flight.next_batch = Some(next);
    Ok(handled)
}

/// After a crash, replies a dead worker had claimed stay leased for up to
/// the lease; a run that promises to drain the outbox waits that out.
async fn wait_out_stale_leases<D: Deliver>(
    store: &Store,
    outbox: &OutboxWorker<D>,
    lease: Duration,
    summary: &mut RunSummary,
    shutdown: &CancellationToken,
) -> Result<(), DaemonError> {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let give_up = chrono::Utc::now() + lease + chrono::Duration::seconds(1);
    while let Some(expiry) = store.earliest_lease_expiry(chrono::Utc::now()).await? {
        if expiry > give_up {
            break;
        }
        let wait = (expiry - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(20);
        tracing::info!(wait_ms = wait.as_millis() as u64, "waiting for a reply claimed by a stopped worker");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => return Ok(()),
        }
        send_replies(outbox, summary, true).await?;
    }
    Ok(())
}

/// How often the sending task looks for answers due without being woken
/// (retries after a failure come due on their own).
const SEND_POLL: Duration = Duration::from_secs(1);

/// The daemon's sending task: sends what is due whenever a commit wakes it,
/// and at least every second, until stopped. Returns what it sent.
async fn send_continuously<D: Deliver>(
    outbox: Arc<OutboxWorker<D>>,
    committed: Arc<Notify>,
    stop: CancellationToken,
) -> SendSummary {
    let mut total = SendSummary::default();
    loop {
        match outbox.send_due().await {
            Ok(s) => {
                total.sent += s.sent;
                total.retrying += s.retrying;
                total.failed += s.failed;
            }
            // The answers wait in the outbox; the next round tries again.
            Err(e) => tracing::error!(error = %e, "outbox pass failed"),
        }
        tokio::select! {
            _ = committed.notified() => {}
            _ = tokio::time::sleep(SEND_POLL) => {}
            _ = stop.cancelled() => return total,
        }
    }
}

async fn send_replies<D: Deliver>(
    outbox: &OutboxWorker<D>,
    summary: &mut RunSummary,
    once: bool,
) -> Result<(), DaemonError> {
    match outbox.send_due().await {
        Ok(s) => {
            summary.replies.sent += s.sent;
            summary.replies.retrying += s.retrying;
            summary.replies.failed += s.failed;
            Ok(())
        }
        Err(e) if once => Err(e.into()),
        // Sending never blocks intake: the replies wait in the outbox.
        Err(e) => {
            tracing::error!(error = %e, "outbox pass failed");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry() -> Backoff {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(300))
    }

    #[test]
    fn a_refused_login_ends_a_single_run_at_once_and_slows_the_daemon_to_its_longest_wait() {
        assert_eq!(after_failure(FailureKind::Configuration, 1, true, retry(), 0), AfterFailure::GiveUp);
        assert_eq!(
            after_failure(FailureKind::Configuration, 1, false, retry(), 0),
            AfterFailure::RetryIn(Duration::from_secs(300))
        );
    }

    #[test]
    fn a_network_failure_backs_off_and_only_a_single_run_gives_up() {
        let AfterFailure::RetryIn(first) = after_failure(FailureKind::Transient, 1, false, retry(), 0) else {
            panic!("the daemon retries")
        };
        let AfterFailure::RetryIn(fifth) = after_failure(FailureKind::Transient, 5, false, retry(), 0) else {
            panic!("the daemon retries")
        };
        assert!(first < Duration::from_secs(2) && fifth > Duration::from_secs(10), "{first:?} {fifth:?}");
        assert!(matches!(
            after_failure(FailureKind::Transient, ONCE_RETRIES, true, retry(), 0),
            AfterFailure::RetryIn(_)
        ));
        assert_eq!(after_failure(FailureKind::Transient, ONCE_RETRIES + 1, true, retry(), 0), AfterFailure::GiveUp);
        assert!(matches!(after_failure(FailureKind::Transient, 1000, false, retry(), 0), AfterFailure::RetryIn(_)));
    }
}

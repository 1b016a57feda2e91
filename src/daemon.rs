//! Wires the pieces: the store, the mail source, the intake and the outbox
//! worker, and runs them until shutdown (or, with `once`, until the inbox and
//! the outbox are empty).

use std::collections::BTreeMap;
use std::time::Duration;

use lettre::message::Mailbox;
use tokio_util::sync::CancellationToken;

use crate::config::{Settings, SourceKind, TransportKind};
use crate::domain::Verdict;
use crate::intake::{Intake, IntakeError};
use crate::reply::outbox::{OutboxWorker, SendSummary};
use crate::reply::templates::{TemplateError, Templates};
use crate::reply::transport::{Deliver, MessageIdFileTransport, SmtpDelivery};
use crate::source::imap::Imap;
use crate::source::maildir::Maildir;
use crate::source::{MailSource, SourceError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Templates(#[from] TemplateError),
    #[error("reply transport: {0}")]
    Transport(String),
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

/// Connects to the database and applies pending migrations.
pub async fn open_store(settings: &Settings) -> Result<Store, StoreError> {
    let store = Store::connect(&settings.database.url, settings.database.max_connections).await?;
    store.migrate().await?;
    Ok(store)
}

pub fn templates(settings: &Settings) -> Result<Templates, TemplateError> {
    if settings.reply.templates_dir.as_os_str().is_empty() {
        Ok(Templates::builtin())
    } else {
        Templates::load(&settings.reply.templates_dir)
    }
}

pub fn reply_from(settings: &Settings) -> Mailbox {
    let address = settings.reply.from.parse().expect("validated at load");
    Mailbox::new(Some(settings.reply.from_name.clone()), address)
}

/// Runs the daemon with the configured source and transport.
pub async fn run(settings: &Settings, once: bool, shutdown: CancellationToken) -> Result<RunSummary, DaemonError> {
    let store = open_store(settings).await?;
    match settings.reply.transport {
        TransportKind::File => {
            let deliver = MessageIdFileTransport::new(&settings.reply.dir)
                .map_err(|e| DaemonError::Transport(format!("creating {}: {e}", settings.reply.dir.display())))?;
            run_source(settings, store, deliver, once, shutdown).await
        }
        TransportKind::Smtp => {
            let deliver = SmtpDelivery::new(&settings.smtp).map_err(|e| DaemonError::Transport(e.to_string()))?;
            run_source(settings, store, deliver, once, shutdown).await
        }
    }
}

async fn run_source<D: Deliver>(
    settings: &Settings,
    store: Store,
    deliver: D,
    once: bool,
    shutdown: CancellationToken,
) -> Result<RunSummary, DaemonError> {
    match settings.source.kind {
        SourceKind::Maildir => {
            let source = Maildir::open(&settings.source.maildir, settings.source.max_message_bytes)?
                .with_poll_interval(Duration::from_secs(settings.source.poll_interval_secs));
            run_with(settings, store, source, deliver, once, shutdown).await
        }
        SourceKind::Imap => {
            let source = Imap::new(settings.imap.clone())?;
            run_with(settings, store, source, deliver, once, shutdown).await
        }
    }
}

/// Runs with a given source and transport (tests use this with their own).
pub async fn run_with<S: MailSource, D: Deliver>(
    settings: &Settings,
    store: Store,
    mut source: S,
    deliver: D,
    once: bool,
    shutdown: CancellationToken,
) -> Result<RunSummary, DaemonError> {
    let intake = Intake::new(
        store.clone(),
        templates(settings)?,
        settings.own_addresses(),
        settings.reply.from.clone(),
        settings.timezone(),
        settings.reply.answer_quarantine,
        settings.reply.answer_period_hours,
    );
    let outbox = OutboxWorker::new(store.clone(), deliver, reply_from(settings), settings.outbox.clone());
    tracing::info!(source = %source.describe(), replies = %outbox.deliver().describe(), once, "intake started");

    let mut summary = RunSummary::default();
    let max_backoff = Duration::from_secs(match settings.source.kind {
        SourceKind::Imap => settings.imap.reconnect_max_secs,
        SourceKind::Maildir => 60,
    });
    let mut failures: u32 = 0;
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        match pass(&intake, &mut source, settings.source.batch_size, &shutdown, &mut summary).await {
            Ok(handled) => {
                failures = 0;
                send_replies(&outbox, &mut summary, once).await?;
                if handled == 0 {
                    if once {
                        break;
                    }
                    source.wait(&shutdown).await;
                }
            }
            // A run that should end gives up after a few attempts; the daemon never does.
            Err(e) if once && failures >= ONCE_RETRIES => return Err(e),
            Err(e) => {
                // The database or the mail server is away: wait, reconnect, carry on.
                failures += 1;
                let delay = reconnect_delay(failures, max_backoff);
                tracing::error!(error = %e, attempt = failures, retry_in_ms = delay.as_millis() as u64, "intake pass failed");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.cancelled() => {}
                }
            }
        }
    }
    if once && !shutdown.is_cancelled() {
        wait_out_stale_leases(&store, &outbox, settings.outbox.lease_secs, &mut summary, &shutdown).await?;
    }
    summary.pending_replies = store.pending_replies().await?;
    if summary.pending_replies > 0 {
        tracing::warn!(pending = summary.pending_replies, "replies still waiting; they go out on the next run");
    }
    source.close().await;
    tracing::info!(recorded = summary.total(), duplicates = summary.duplicates, "intake stopped");
    Ok(summary)
}

/// How many failed passes in a row `run --once` tolerates (about a minute of
/// backoff) before it reports the error.
const ONCE_RETRIES: u32 = 6;

/// Exponential backoff from one second, capped, with jitter (±25 %) so that
/// many instances do not reconnect in step.
fn reconnect_delay(failures: u32, max: Duration) -> Duration {
    let base = Duration::from_secs(1u64 << failures.saturating_sub(1).min(16)).min(max);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let factor = 0.75 + f64::from(nanos % 1000) / 2000.0;
    base.mul_f64(factor)
}

/// One pass over the waiting mail. Returns how many mails were handled.
async fn pass<S: MailSource>(
    intake: &Intake,
    source: &mut S,
    batch: usize,
    shutdown: &CancellationToken,
    summary: &mut RunSummary,
) -> Result<usize, DaemonError> {
    let mails = source.fetch(batch).await?;
    let mut handled = 0;
    for mail in &mails {
        // Finish the mail in hand, but start no new one after shutdown was asked.
        if shutdown.is_cancelled() {
            break;
        }
        let outcome = intake.process(mail).await?;
        if outcome.duplicate {
            summary.duplicates += 1;
        } else {
            summary.count(outcome.verdict);
        }
        // Filed only after the commit. If this fails the mail stays in the
        // inbox and the next pass recognises it as already recorded.
        if let Err(e) = source.file(&mail.key, outcome.folder).await {
            tracing::warn!(key = %mail.key, error = %e, "could not file a recorded mail; it will be filed on a later pass");
        }
        handled += 1;
    }
    Ok(handled)
}

/// After a crash, replies a dead worker had claimed stay leased for up to
/// `lease_secs`; a run that promises to drain the outbox waits that out.
async fn wait_out_stale_leases<D: Deliver>(
    store: &Store,
    outbox: &OutboxWorker<D>,
    lease_secs: u64,
    summary: &mut RunSummary,
    shutdown: &CancellationToken,
) -> Result<(), DaemonError> {
    let give_up = chrono::Utc::now() + chrono::Duration::seconds(lease_secs as i64 + 1);
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

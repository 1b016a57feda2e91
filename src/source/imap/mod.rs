//! The IMAP mailbox as mail source.
//!
//! A session is opened on first use and kept; any error drops it, and the next
//! call reconnects (the daemon backs off between attempts). What is waiting is
//! searched once (`UID SEARCH UID n:*`) and kept as a queue of UIDs; the next
//! search, when the queue is empty, asks only for UIDs above those already
//! seen — the backlog is not searched again for every batch. Mails are fetched
//! in bounded batches (a count and a byte budget), one `UID FETCH` per batch;
//! a mail over the size limit is fetched as its header block only. The key of
//! a mail is its UIDVALIDITY and UID: when UIDVALIDITY changes, every mail gets
//! a new key and the intake's Message-ID/hash check recognises those it has
//! recorded. Recorded mails are moved to their folders, one command per
//! folder per batch; if a move fails, the UIDs are remembered and the move
//! retried before anything else is fetched.
//!
//! `client.rs` opens an authenticated session, `commands.rs` holds the
//! commands on the selected mailbox, `idle.rs` the waiting.

pub mod client;
pub mod commands;
mod idle;
mod timed;

/// The counter of IMAP sessions opened after the first; described on
/// /metrics by `ops::prometheus`.
pub const IMAP_RECONNECTS: &str = "lefi_intake_imap_reconnects_total";

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_rustls::rustls::ClientConfig;
use tokio_util::sync::CancellationToken;

use super::{FailureKind, Folder, MailSource, SourceError, SourceMail};
use crate::config::ImapSettings;
use crate::domain::SourceKey;
use client::{ConnectError, ImapSession};
use commands::{Capabilities, CommandError};
pub use timed::TimedOut;

/// Why an IMAP step failed, kept typed so the daemon can tell a refused login
/// from a dropped connection.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    #[error("IDLE: {0}")]
    Idle(#[source] async_imap::error::Error),
    #[error("ending IDLE: {0}")]
    Done(#[source] async_imap::error::Error),
    #[error("IDLE ended by the server: {0}")]
    IdleEnded(String),
}

impl ImapError {
    pub fn kind(&self) -> FailureKind {
        match self {
            ImapError::Connect(e) => e.kind(),
            _ => FailureKind::Transient,
        }
    }
}

struct Live {
    session: ImapSession,
    caps: Capabilities,
    uid_validity: u32,
}

pub struct Imap {
    settings: ImapSettings,
    tls: Arc<ClientConfig>,
    live: Option<Live>,
    last_uid_validity: Option<u32>,
    /// Recorded mails whose move failed: UID -> folder.
    unfiled: HashMap<u32, Folder>,
    /// UIDs found waiting and not yet handed out, ascending.
    queue: VecDeque<u32>,
    /// UIDs below this have been searched for already.
    next_uid: u32,
}

impl Imap {
    pub fn new(settings: ImapSettings) -> Result<Imap, ImapError> {
        let tls = client::tls_config(&settings.tls_ca_file)?;
        Ok(Imap {
            settings,
            tls,
            live: None,
            last_uid_validity: None,
            unfiled: HashMap::new(),
            queue: VecDeque::new(),
            next_uid: 1,
        })
    }

    /// Forgets what was searched: the next fetch looks at the whole mailbox.
    fn forget_search(&mut self) {
        self.queue.clear();
        self.next_uid = 1;
    }

    fn folder_name(&self, folder: Folder) -> &str {
        match folder {
            Folder::Processed => &self.settings.processed_folder,
            Folder::Quarantine => &self.settings.quarantine_folder,
            Folder::Ignored => &self.settings.ignored_folder,
        }
    }

    /// The live session, connecting and selecting the mailbox when needed.
    async fn live(&mut self) -> Result<&mut Live, ImapError> {
        if self.live.is_none() {
            let s = &self.settings;
            let mut session = client::open(s, &self.tls).await?;
            let caps = commands::capabilities(&mut session, s.timeout_secs).await?;
            commands::ensure_folders(
                &mut session,
                &[&s.processed_folder, &s.quarantine_folder, &s.ignored_folder],
                s.timeout_secs,
            )
            .await?;
            let uid_validity = commands::select(&mut session, &s.mailbox, s.timeout_secs).await?;
            if self.last_uid_validity.is_some() {
                metrics::counter!(IMAP_RECONNECTS).increment(1);
            }
            if self.last_uid_validity.is_some_and(|v| v != uid_validity) {
                // Every UID we knew is meaningless now.
                tracing::warn!(old = ?self.last_uid_validity, new = uid_validity, "UIDVALIDITY changed: rescanning the mailbox");
                self.unfiled.clear();
            }
            self.last_uid_validity = Some(uid_validity);
            tracing::info!(host = %s.host, mailbox = %s.mailbox, ?caps, uid_validity, "IMAP session ready");
            self.live = Some(Live { session, caps, uid_validity });
            // A new session looks at the whole mailbox again: whatever a lost
            // session had handed out and not filed is still there.
            self.queue.clear();
            self.next_uid = 1;
        }
        Ok(self.live.as_mut().expect("just set"))
    }

    /// Drops the session after an error; the next call reconnects.
    fn fail(&mut self, e: ImapError) -> SourceError {
        self.live = None;
        e.into()
    }

    async fn fetch_inner(&mut self, limit: usize) -> Result<Vec<SourceMail>, ImapError> {
        let secs = self.settings.timeout_secs;
        let max_bytes = self.settings.max_message_bytes;
        let budget = self.settings.batch_max_bytes;
        let limit = limit.min(self.settings.batch_size);
        self.live().await?;
        // First finish the moves that failed before.
        if !self.unfiled.is_empty() {
            let pending: Vec<(u32, Folder)> = self.unfiled.iter().map(|(u, f)| (*u, *f)).collect();
            self.move_by_folder(&pending).await?;
            self.unfiled.clear();
        }
        if self.queue.is_empty() {
            let live = self.live.as_mut().expect("connected above");
            let found = commands::waiting_from(&mut live.session, self.next_uid, secs).await?;
            if let Some(last) = found.last() {
                self.next_uid = last + 1;
            }
            self.queue.extend(found);
        }
        let batch: Vec<u32> = self.queue.iter().take(limit).copied().collect();
        let live = self.live.as_mut().expect("connected above");
        let envelopes = commands::envelopes(&mut live.session, &batch, secs).await?;
        // Within the byte budget; the rest wait for the next batch.
        let mut taken = Vec::new();
        let mut bytes = 0usize;
        for env in &envelopes {
            let size = (env.size as usize).min(max_bytes);
            if !taken.is_empty() && bytes + size > budget {
                break;
            }
            bytes += size;
            taken.push(*env);
        }
        let last_taken = taken.last().map(|e| e.uid).or(envelopes.is_empty().then(|| batch.last().copied()).flatten());
        let large: Vec<u32> = taken.iter().filter(|e| e.size as usize > max_bytes).map(|e| e.uid).collect();
        let whole: Vec<u32> = taken.iter().filter(|e| e.size as usize <= max_bytes).map(|e| e.uid).collect();
        let mut bodies = commands::fetch_many(&mut live.session, &whole, false, secs).await?;
        let headers = commands::fetch_many(&mut live.session, &large, true, secs).await?;
        let uid_validity = live.uid_validity;
        let mails: Vec<SourceMail> = taken
            .iter()
            .filter_map(|env| {
                let too_large = env.size as usize > max_bytes;
                let raw = if too_large { headers.get(&env.uid).cloned() } else { bodies.remove(&env.uid) }?;
                Some(SourceMail {
                    key: SourceKey::Imap { uid_validity, uid: env.uid },
                    raw,
                    received_at: env.internal_date.unwrap_or_else(Utc::now),
                    truncated_from: too_large.then_some(env.size as usize),
                })
            })
            .collect();
        // Handed out (or gone from the mailbox meanwhile): off the queue.
        if let Some(last) = last_taken {
            while self.queue.front().is_some_and(|u| *u <= last) {
                self.queue.pop_front();
            }
        }
        Ok(mails)
    }

    /// Moves mails to their folders, one command per folder.
    async fn move_by_folder(&mut self, mails: &[(u32, Folder)]) -> Result<(), ImapError> {
        let secs = self.settings.timeout_secs;
        let mut by_folder: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (uid, folder) in mails {
            by_folder.entry(self.folder_name(*folder).to_string()).or_default().push(*uid);
        }
        let live = self.live().await?;
        for (name, uids) in by_folder {
            commands::move_many(&mut live.session, live.caps, &uids, &name, secs).await?;
        }
        Ok(())
    }

    async fn idle(&mut self, shutdown: &CancellationToken) -> Result<(), ImapError> {
        let Some(Live { session, caps, uid_validity }) = self.live.take() else { return Ok(()) };
        if idle::mail_announced(&session) {
            self.live = Some(Live { session, caps, uid_validity });
            return Ok(());
        }
        let idle_for = Duration::from_secs(self.settings.idle_timeout_secs);
        let session = idle::wait(session, self.settings.timeout_secs, idle_for, shutdown).await?;
        self.live = Some(Live { session, caps, uid_validity });
        Ok(())
    }
}

impl MailSource for Imap {
    async fn fetch(&mut self, limit: usize) -> Result<Vec<SourceMail>, SourceError> {
        match self.fetch_inner(limit).await {
            Ok(m) => Ok(m),
            Err(e) => Err(self.fail(e)),
        }
    }

    async fn file(&mut self, mails: &[(SourceKey, Folder)]) -> Result<(), SourceError> {
        let mut ours = Vec::with_capacity(mails.len());
        for (key, folder) in mails {
            let SourceKey::Imap { uid_validity, uid } = *key else {
                return Err(SourceError::ForeignKey { key: key.clone() });
            };
            // A UID of an earlier UIDVALIDITY means nothing any more; the mail
            // will be seen again under a new key and recognised as recorded.
            if self.last_uid_validity == Some(uid_validity) {
                ours.push((uid, *folder));
            }
        }
        match self.move_by_folder(&ours).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.unfiled.extend(ours);
                Err(self.fail(e))
            }
        }
    }

    fn waiting(&self) -> Option<usize> {
        // The UIDs of the last search not yet handed out; mail that came
        // after it is counted at the next search.
        Some(self.queue.len())
    }

    fn reset(&mut self) {
        self.forget_search();
    }

    async fn wait(&mut self, shutdown: &CancellationToken) {
        let use_idle = self.settings.idle && self.live.as_ref().is_some_and(|l| l.caps.idle);
        if use_idle {
            if let Err(e) = self.idle(shutdown).await {
                tracing::warn!(error = %e, "IDLE failed; reconnecting");
                self.live = None;
            }
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(self.settings.poll_interval_secs)) => {}
            _ = shutdown.cancelled() => {}
        }
    }

    async fn close(&mut self) {
        if let Some(mut live) = self.live.take() {
            let _ = timed::timed(self.settings.timeout_secs, "LOGOUT", live.session.logout()).await;
            tracing::info!("IMAP session logged out");
        }
    }

    fn describe(&self) -> String {
        format!("imap {}:{}/{}", self.settings.host, self.settings.port, self.settings.mailbox)
    }
}

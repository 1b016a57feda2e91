//! The IMAP mailbox as mail source.
//!
//! A session is opened on first use and kept; any error drops it, and the next
//! call reconnects (the daemon backs off between attempts). Mails are fetched
//! in bounded batches (a count and a byte budget), one body at a time; a mail
//! over the size limit is fetched as its header block only. The key of a mail
//! is its UIDVALIDITY and UID: when UIDVALIDITY changes, every mail gets a new
//! key and the intake's Message-ID/hash check recognises those it has
//! recorded. A recorded mail is moved to its folder; if the move fails, the
//! UID is remembered and the move retried before anything else is fetched.
//!
//! `client.rs` opens an authenticated session, `commands.rs` holds the
//! commands on the selected mailbox, `idle.rs` the waiting.

pub mod client;
pub mod commands;
mod idle;
mod timed;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_rustls::rustls::ClientConfig;
use tokio_util::sync::CancellationToken;

use super::{FailureKind, Folder, MailSource, SourceError, SourceKey, SourceMail};
use crate::config::ImapSettings;
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
}

impl Imap {
    pub fn new(settings: ImapSettings) -> Result<Imap, ImapError> {
        let tls = client::tls_config(&settings.tls_ca_file)?;
        Ok(Imap { settings, tls, live: None, last_uid_validity: None, unfiled: HashMap::new() })
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
            if self.last_uid_validity.is_some_and(|v| v != uid_validity) {
                // Every UID we knew is meaningless now.
                tracing::warn!(old = ?self.last_uid_validity, new = uid_validity, "UIDVALIDITY changed: rescanning the mailbox");
                self.unfiled.clear();
            }
            self.last_uid_validity = Some(uid_validity);
            tracing::info!(host = %s.host, mailbox = %s.mailbox, ?caps, uid_validity, "IMAP session ready");
            self.live = Some(Live { session, caps, uid_validity });
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
        let folders: HashMap<u32, String> =
            self.unfiled.iter().map(|(uid, f)| (*uid, self.folder_name(*f).to_string())).collect();

        let live = self.live().await?;
        let uids = commands::waiting(&mut live.session, secs).await?;
        // First finish the moves that failed before.
        let mut moved = Vec::new();
        for uid in uids.iter().filter(|u| folders.contains_key(u)) {
            commands::move_to(&mut live.session, live.caps, *uid, &folders[uid], secs).await?;
            moved.push(*uid);
        }
        let todo: Vec<u32> = uids.iter().copied().filter(|u| !folders.contains_key(u)).take(limit).collect();
        let envelopes = commands::envelopes(&mut live.session, &todo, secs).await?;
        let mut mails = Vec::new();
        let mut bytes = 0usize;
        for env in envelopes {
            let size = env.size as usize;
            if !mails.is_empty() && bytes + size.min(max_bytes) > budget {
                break;
            }
            let too_large = size > max_bytes;
            let Some(raw) = commands::fetch(&mut live.session, env.uid, too_large, secs).await? else { continue };
            bytes += raw.len();
            mails.push(SourceMail {
                key: SourceKey::Imap { uid_validity: live.uid_validity, uid: env.uid },
                raw,
                received_at: env.internal_date.unwrap_or_else(Utc::now),
                truncated_from: too_large.then_some(size),
            });
        }
        for uid in moved {
            self.unfiled.remove(&uid);
        }
        Ok(mails)
    }

    async fn file_inner(&mut self, uid: u32, folder: Folder) -> Result<(), ImapError> {
        let secs = self.settings.timeout_secs;
        let name = self.folder_name(folder).to_string();
        let live = self.live().await?;
        commands::move_to(&mut live.session, live.caps, uid, &name, secs).await?;
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

    async fn file(&mut self, key: &SourceKey, folder: Folder) -> Result<(), SourceError> {
        let SourceKey::Imap { uid_validity, uid } = *key else {
            return Err(SourceError::ForeignKey { key: key.clone() });
        };
        if self.last_uid_validity != Some(uid_validity) {
            // The UID means nothing any more; the mail will be seen again under
            // a new key and recognised as recorded.
            return Ok(());
        }
        match self.file_inner(uid, folder).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.unfiled.insert(uid, folder);
                Err(self.fail(e))
            }
        }
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

//! Where raw mail comes from, and how a handled mail is filed away. A source
//! hands out mails; the daemon records each one and only then asks the source
//! to file it, so nothing leaves the inbox before its outcome is committed.
//!
//! Two sources, chosen by `source.kind`: a local Maildir (the embedded
//! default) and an IMAP mailbox. [`Configured`] is the one the configuration
//! names; tests drive either directly.

pub mod imap;
pub mod lease;
pub mod maildir;
pub mod tls;

use std::future::Future;

use chrono::{DateTime, Utc};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};
use tokio_util::sync::CancellationToken;

use crate::domain::{SourceKey, Verdict};

/// A raw mail as a source hands it over.
#[derive(Debug, Clone)]
pub struct SourceMail {
    /// Identifies the mail in its source.
    pub key: SourceKey,
    pub raw: Vec<u8>,
    pub received_at: DateTime<Utc>,
    /// Set when the mail was larger than the limit and `raw` holds only its
    /// header block; the value is the full size.
    pub truncated_from: Option<usize>,
}

/// The folder a handled mail is filed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumString, VariantArray, Display)]
pub enum Folder {
    Processed,
    Quarantine,
    Ignored,
}

impl Folder {
    pub fn for_verdict(v: Verdict) -> Folder {
        match v {
            Verdict::Accept | Verdict::Incomplete => Folder::Processed,
            Verdict::Quarantine => Folder::Quarantine,
            Verdict::Ignore => Folder::Ignored,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("mail source {what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error(transparent)]
    Imap(#[from] imap::ImapError),
    #[error("mail key {key} does not belong to this source")]
    ForeignKey { key: SourceKey },
}

/// What kind of failure a source error is, for the daemon's retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The server refused our credentials, or a setting is wrong: retrying
    /// soon will not help, and a mail server may lock the account for it.
    Configuration,
    /// The network, the server or the disk: back off and try again.
    Transient,
}

impl SourceError {
    pub fn kind(&self) -> FailureKind {
        match self {
            SourceError::Imap(e) => e.kind(),
            SourceError::Io { .. } => FailureKind::Transient,
            SourceError::ForeignKey { .. } => FailureKind::Configuration,
        }
    }
}

/// A mail source. Each method's future is `Send`, so the daemon can run on
/// any worker thread.
pub trait MailSource: Send {
    /// Up to `limit` mails waiting now, oldest first.
    fn fetch(&mut self, limit: usize) -> impl Future<Output = Result<Vec<SourceMail>, SourceError>> + Send;

    /// Files recorded mails in the folders for their outcomes (a batch at
    /// once: an IMAP server moves a folder's mails in one command). A mail
    /// that is already gone (filed by an earlier run) is not an error.
    fn file(&mut self, mails: &[(SourceKey, Folder)]) -> impl Future<Output = Result<(), SourceError>> + Send;

    /// How many mails the source saw waiting at its last look that it has
    /// not handed out yet (`None`: it cannot tell). For the overview of a
    /// backlog being worked off: as of the last fetch, not a new count.
    fn waiting(&self) -> Option<usize> {
        None
    }

    /// Forgets what the source had handed out: after a failed pass, the mails
    /// not recorded are looked at again (they are still in the inbox).
    fn reset(&mut self) {}

    /// Waits until new mail may have arrived (IDLE, or the source's poll
    /// interval), or until shutdown is asked for.
    fn wait(&mut self, shutdown: &CancellationToken) -> impl Future<Output = ()> + Send;

    /// Closes connections (IMAP logout); nothing for local folders.
    fn close(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }

    fn describe(&self) -> String;
}

/// The source the configuration names.
pub enum Configured {
    Maildir(maildir::Maildir),
    // Boxed: a live IMAP session is large, a Maildir small.
    Imap(Box<imap::Imap>),
}

impl MailSource for Configured {
    async fn fetch(&mut self, limit: usize) -> Result<Vec<SourceMail>, SourceError> {
        match self {
            Configured::Maildir(s) => s.fetch(limit).await,
            Configured::Imap(s) => s.fetch(limit).await,
        }
    }

    async fn file(&mut self, mails: &[(SourceKey, Folder)]) -> Result<(), SourceError> {
        match self {
            Configured::Maildir(s) => s.file(mails).await,
            Configured::Imap(s) => s.file(mails).await,
        }
    }

    fn waiting(&self) -> Option<usize> {
        match self {
            Configured::Maildir(s) => s.waiting(),
            Configured::Imap(s) => s.waiting(),
        }
    }

    fn reset(&mut self) {
        match self {
            Configured::Maildir(s) => s.reset(),
            Configured::Imap(s) => s.reset(),
        }
    }

    async fn wait(&mut self, shutdown: &CancellationToken) {
        match self {
            Configured::Maildir(s) => s.wait(shutdown).await,
            Configured::Imap(s) => s.wait(shutdown).await,
        }
    }

    async fn close(&mut self) {
        match self {
            Configured::Maildir(s) => s.close().await,
            Configured::Imap(s) => s.close().await,
        }
    }

    fn describe(&self) -> String {
        match self {
            Configured::Maildir(s) => s.describe(),
            Configured::Imap(s) => s.describe(),
        }
    }
}

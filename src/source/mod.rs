//! Where raw mail comes from, and how a handled mail is filed away. A source
//! hands out mails; the daemon records each one and only then asks the source
//! to file it, so nothing leaves the inbox before its outcome is committed.

pub mod imap;
pub mod maildir;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::intake::{Folder, SourceMail};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("mail source {what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("mail source: {0}")]
    Other(String),
}

#[async_trait]
pub trait MailSource: Send {
    /// Up to `limit` mails waiting now, oldest first.
    async fn fetch(&mut self, limit: usize) -> Result<Vec<SourceMail>, SourceError>;

    /// Files a recorded mail in the folder for its outcome. A mail that is
    /// already gone (filed by an earlier run) is not an error.
    async fn file(&mut self, key: &str, folder: Folder) -> Result<(), SourceError>;

    /// Waits until new mail may have arrived (IDLE, or the source's poll
    /// interval), or until shutdown is asked for.
    async fn wait(&mut self, shutdown: &CancellationToken);

    /// Closes connections (IMAP logout); nothing for local folders.
    async fn close(&mut self) {}

    fn describe(&self) -> String;
}

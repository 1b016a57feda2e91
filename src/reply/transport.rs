//! Where replies go: one .eml file per reply (the embedded default), or SMTP.
//!
//! The file transport is a lettre `AsyncTransport` that names each file after
//! the reply's Message-ID and writes it atomically (temporary file, then
//! rename). Sending the same reply twice — after a crash between sending and
//! marking it sent — rewrites the same file, so each reply exists once.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use lettre::AsyncTransport;
use lettre::address::Envelope;

/// Why a reply did not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later (network, 4xx, disk full).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Trying again will not help (5xx, invalid recipient).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// A destination for replies, as the outbox worker sees it.
#[async_trait]
pub trait Deliver: Send + Sync {
    async fn deliver(&self, message: lettre::Message) -> Result<(), DeliveryError>;
    /// Short description for logs.
    fn describe(&self) -> String;
}

/// Writes each reply to `<dir>/<Message-ID>.eml`.
#[derive(Debug, Clone)]
pub struct MessageIdFileTransport {
    dir: PathBuf,
}

impl MessageIdFileTransport {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(MessageIdFileTransport { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a reply with this Message-ID is written to.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        let safe: String = message_id
            .trim_matches(['<', '>'])
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
            .collect();
        self.dir.join(format!("{safe}.eml"))
    }
}

fn message_id_of(raw: &[u8]) -> Option<String> {
    let headers_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let headers = std::str::from_utf8(&raw[..headers_end]).ok()?;
    headers
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Message-ID:").or_else(|| l.strip_prefix("Message-Id:")))
        .map(|v| v.trim().to_string())
}

#[async_trait]
impl AsyncTransport for MessageIdFileTransport {
    type Ok = PathBuf;
    type Error = std::io::Error;

    async fn send_raw(&self, _envelope: &Envelope, email: &[u8]) -> Result<PathBuf, std::io::Error> {
        let id = message_id_of(email).ok_or_else(|| std::io::Error::other("reply without a Message-ID"))?;
        let path = self.path_for(&id);
        let tmp = path.with_extension("eml.tmp");
        tokio::fs::write(&tmp, email).await?;
        let file = tokio::fs::File::open(&tmp).await?;
        file.sync_all().await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(path)
    }
}

#[async_trait]
impl Deliver for MessageIdFileTransport {
    async fn deliver(&self, message: lettre::Message) -> Result<(), DeliveryError> {
        self.send(message).await.map(|_| ()).map_err(|e| DeliveryError::Temporary(format!("writing reply file: {e}")))
    }

    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }
}

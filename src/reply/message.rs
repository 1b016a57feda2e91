//! An outbox row as a lettre `Message`: the same row always gives the same
//! message (Message-ID, Date and all), so a resend is the same mail.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};

use crate::store::OutboxItem;

/// RFC 3834 §5: marks the reply as automatic, so well-behaved robots do not
/// answer it.
#[derive(Debug, Clone)]
pub struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-replied".to_string())
    }
}

/// Marks our own mails: one that comes back is ignored (reason `own_mail`).
#[derive(Debug, Clone)]
pub struct OwnMarker(pub String);

impl Header for OwnMarker {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Lefi-Intake")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OwnMarker(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("recipient {0:?} is not a mail address")]
    Recipient(String),
    #[error("building the reply: {0}")]
    Build(#[from] lettre::error::Error),
}

pub fn build(item: &OutboxItem, from: &Mailbox) -> Result<Message, BuildError> {
    let to: Mailbox = item.recipient.parse().map_err(|_| BuildError::Recipient(item.recipient.clone()))?;
    let date: SystemTime = item.created_at.into();
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(item.subject.clone())
        .date(date)
        .message_id(Some(format!("<{}>", item.our_message_id)))
        .header(AutoSubmitted)
        .header(OwnMarker(format!("reply; kind={}; message={}", item.kind, item.message_id)))
        .header(ContentType::TEXT_PLAIN);
    if let Some(id) = &item.in_reply_to {
        builder = builder.in_reply_to(format!("<{id}>"));
    }
    if let Some(refs) = &item.references {
        let refs: Vec<String> = refs.split_whitespace().map(|r| format!("<{r}>")).collect();
        if !refs.is_empty() {
            builder = builder.references(refs.join(" "));
        }
    }
    Ok(builder.body(item.body.clone())?)
}

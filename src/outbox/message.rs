//! An outbox row as a lettre `Message`: the same row always gives the same
//! message (Message-ID, Date and all), so a resend is the same mail.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue, MIME_VERSION_1_0};

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

/// The longest Message-ID we repeat in `In-Reply-To` and `References`: a
/// longer one could not stand on a header line of at most 998 octets
/// (RFC 5322 §2.1.1), which no folding can split.
const MAX_ID_CHARS: usize = 250;
/// `References` keeps the first id and the last ones (RFC 5322 §3.6.4
/// allows dropping from the middle).
const MAX_REFERENCES: usize = 12;

fn repeatable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_CHARS && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// The ids of `References` we write: the repeatable ones, the first and the
/// most recent when there are too many.
fn references(refs: &str) -> Vec<&str> {
    let ids: Vec<&str> = refs.split_whitespace().filter(|id| repeatable(id)).collect();
    if ids.len() <= MAX_REFERENCES {
        return ids;
    }
    std::iter::once(ids[0]).chain(ids[ids.len() - (MAX_REFERENCES - 1)..].iter().copied()).collect()
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
        // RFC 2045 §4: a body with a Content-Type and a transfer encoding is MIME.
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN);
    if let Some(id) = item.in_reply_to.as_deref().filter(|id| repeatable(id)) {
        builder = builder.in_reply_to(format!("<{id}>"));
    }
    if let Some(refs) = &item.references {
        // Separated by spaces, so lettre folds the header between ids.
        let refs: Vec<String> = references(refs).into_iter().map(|r| format!("<{r}>")).collect();
        if !refs.is_empty() {
            builder = builder.references(refs.join(" "));
        }
    }
    Ok(builder.body(item.body.clone())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_keep_the_first_and_the_latest_repeatable_ids() {
        let long = "x".repeat(MAX_ID_CHARS + 1);
        let refs: String = (0..30).map(|i| format!("id{i}@x.se ")).collect::<String>() + &long;
        let kept = references(&refs);
        assert_eq!(kept.len(), MAX_REFERENCES);
        assert_eq!(kept[0], "id0@x.se");
        assert_eq!(kept[MAX_REFERENCES - 1], "id29@x.se");
        assert!(!kept.contains(&long.as_str()));
        assert!(!repeatable("a<b@x") && repeatable("a.b@x.se"));
    }
}

//! The key of a mail in its source: what the daemon hands back to file it,
//! and what the store keeps to recognise it after a restart. Stored as text
//! (`maildir:<name>`, `imap:<uidvalidity>:<uid>`), parsed once at the edge.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceKey {
    /// A Maildir file's unique name, without the `:2,` flags (a mail client
    /// moving it from `new/` to `cur/` does not change it).
    Maildir(String),
    /// An IMAP message: UIDs mean something only within one UIDVALIDITY
    /// (RFC 3501 §2.3.1.1), so both are the key.
    Imap { uid_validity: u32, uid: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a mail key (maildir:<name> or imap:<uidvalidity>:<uid>)")]
pub struct SourceKeyError(pub String);

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceKey::Maildir(name) => write!(f, "maildir:{name}"),
            SourceKey::Imap { uid_validity, uid } => write!(f, "imap:{uid_validity}:{uid}"),
        }
    }
}

impl FromStr for SourceKey {
    type Err = SourceKeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SourceKeyError(s.to_string());
        if let Some(name) = s.strip_prefix("maildir:") {
            return if name.is_empty() { Err(bad()) } else { Ok(SourceKey::Maildir(name.to_string())) };
        }
        let rest = s.strip_prefix("imap:").ok_or_else(bad)?;
        let (validity, uid) = rest.split_once(':').ok_or_else(bad)?;
        Ok(SourceKey::Imap { uid_validity: validity.parse().map_err(|_| bad())?, uid: uid.parse().map_err(|_| bad())? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_written() {
        for key in [SourceKey::Maildir("1700000000.M1P2.host".into()), SourceKey::Imap { uid_validity: 7, uid: 42 }] {
            assert_eq!(key.to_string().parse::<SourceKey>(), Ok(key));
        }
        assert_eq!(SourceKey::Imap { uid_validity: 7, uid: 42 }.to_string(), "imap:7:42");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "maildir:", "imap:7", "imap:x:1", "imap:1:-2", "pop3:1"] {
            assert!(bad.parse::<SourceKey>().is_err(), "{bad}");
        }
    }
}

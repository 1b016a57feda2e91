//! Commands on the selected mailbox: what is waiting, fetching it in bounded
//! pieces, and moving a handled mail to its folder with the best command the
//! server offers.

use std::collections::HashSet;

use async_imap::types::Fetch;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

use super::client::ImapSession;
use super::timed::{TimedOut, timed};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    #[error("{what}: {source}")]
    Imap { what: String, source: async_imap::error::Error },
    #[error("{0}")]
    Protocol(String),
}

fn imap(what: impl Into<String>) -> impl FnOnce(async_imap::error::Error) -> CommandError {
    let what = what.into();
    move |source| CommandError::Imap { what, source }
}

/// What the server can do, from its post-login capabilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub idle: bool,
    /// RFC 6851 MOVE.
    pub moves: bool,
    /// RFC 4315 UIDPLUS (UID EXPUNGE).
    pub uidplus: bool,
}

pub async fn capabilities(session: &mut ImapSession, secs: u64) -> Result<Capabilities, CommandError> {
    let caps = timed(secs, "CAPABILITY", session.capabilities()).await?.map_err(imap("CAPABILITY"))?;
    Ok(Capabilities { idle: caps.has_str("IDLE"), moves: caps.has_str("MOVE"), uidplus: caps.has_str("UIDPLUS") })
}

/// Creates the folders that do not exist yet.
pub async fn ensure_folders(session: &mut ImapSession, folders: &[&str], secs: u64) -> Result<(), CommandError> {
    for folder in folders {
        let existing: Vec<_> = timed(secs, "LIST", async {
            session.list(Some(""), Some(&quote(folder))).await?.try_collect::<Vec<_>>().await
        })
        .await?
        .map_err(imap(format!("LIST {folder}")))?;
        if existing.is_empty() {
            timed(secs, "CREATE", session.create(folder)).await?.map_err(imap(format!("CREATE {folder}")))?;
            tracing::info!(folder, "created IMAP folder");
        }
    }
    Ok(())
}

/// Selects the mailbox; returns its UIDVALIDITY.
pub async fn select(session: &mut ImapSession, mailbox: &str, secs: u64) -> Result<u32, CommandError> {
    let m = timed(secs, "SELECT", session.select(mailbox)).await?.map_err(imap(format!("SELECT {mailbox}")))?;
    m.uid_validity.ok_or_else(|| CommandError::Protocol(format!("{mailbox} has no UIDVALIDITY")))
}

/// Every UID in the mailbox, ascending (handled mails are moved out, so this
/// is what is waiting).
pub async fn waiting(session: &mut ImapSession, secs: u64) -> Result<Vec<u32>, CommandError> {
    let set: HashSet<u32> =
        timed(secs, "UID SEARCH", session.uid_search("ALL")).await?.map_err(imap("UID SEARCH ALL"))?;
    let mut uids: Vec<u32> = set.into_iter().collect();
    uids.sort_unstable();
    Ok(uids)
}

#[derive(Debug, Clone, Copy)]
pub struct Envelope {
    pub uid: u32,
    pub size: u32,
    pub internal_date: Option<DateTime<Utc>>,
}

/// Sizes and arrival times, without the mails themselves.
pub async fn envelopes(session: &mut ImapSession, uids: &[u32], secs: u64) -> Result<Vec<Envelope>, CommandError> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let fetches: Vec<Fetch> = timed(secs, "UID FETCH sizes", async {
        session.uid_fetch(uid_set(uids), "(UID RFC822.SIZE INTERNALDATE)").await?.try_collect::<Vec<_>>().await
    })
    .await?
    .map_err(imap("UID FETCH (RFC822.SIZE INTERNALDATE)"))?;
    let mut out: Vec<Envelope> = fetches
        .iter()
        .filter_map(|f| {
            Some(Envelope {
                uid: f.uid?,
                size: f.size.unwrap_or(0),
                internal_date: f.internal_date().map(|d| d.with_timezone(&Utc)),
            })
        })
        .collect();
    out.sort_by_key(|e| e.uid);
    Ok(out)
}

/// The whole mail (`header_only` false) or its header block, without setting \Seen.
pub async fn fetch(
    session: &mut ImapSession,
    uid: u32,
    header_only: bool,
    secs: u64,
) -> Result<Option<Vec<u8>>, CommandError> {
    let query = if header_only { "(UID BODY.PEEK[HEADER])" } else { "(UID BODY.PEEK[])" };
    let fetches: Vec<Fetch> = timed(secs, "UID FETCH", async {
        session.uid_fetch(uid.to_string(), query).await?.try_collect::<Vec<_>>().await
    })
    .await?
    .map_err(imap(format!("UID FETCH {uid}")))?;
    // A mail expunged meanwhile (by another client) gives no data: not an error.
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| if header_only { f.header() } else { f.body() })
        .map(<[u8]>::to_vec))
}

/// Moves one mail: MOVE (RFC 6851); else UID COPY + \Deleted + UID EXPUNGE
/// (UIDPLUS); else COPY + \Deleted + EXPUNGE, which also expunges whatever else
/// carries \Deleted in the mailbox — the last resort of old servers.
pub async fn move_to(
    session: &mut ImapSession,
    caps: Capabilities,
    uid: u32,
    folder: &str,
    secs: u64,
) -> Result<(), CommandError> {
    let uid_s = uid.to_string();
    if caps.moves {
        return timed(secs, "UID MOVE", session.uid_mv(&uid_s, folder))
            .await?
            .map_err(imap(format!("UID MOVE {uid} {folder}")));
    }
    timed(secs, "UID COPY", session.uid_copy(&uid_s, folder))
        .await?
        .map_err(imap(format!("UID COPY {uid} {folder}")))?;
    timed(secs, "UID STORE", async {
        session.uid_store(&uid_s, "+FLAGS.SILENT (\\Deleted)").await?.try_collect::<Vec<_>>().await
    })
    .await?
    .map_err(imap(format!("UID STORE {uid} \\Deleted")))?;
    if caps.uidplus {
        timed(secs, "UID EXPUNGE", async { session.uid_expunge(&uid_s).await?.try_collect::<Vec<_>>().await })
            .await?
            .map_err(imap(format!("UID EXPUNGE {uid}")))?;
    } else {
        timed(secs, "EXPUNGE", async { session.expunge().await?.try_collect::<Vec<_>>().await })
            .await?
            .map_err(imap("EXPUNGE"))?;
    }
    Ok(())
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// A mailbox name as an IMAP quoted string, for the LIST pattern (the one place
/// async-imap does not quote; names are validated at load: no quotes,
/// backslashes or line breaks).
fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

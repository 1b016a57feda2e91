//! Commands on the selected mailbox: what is waiting, fetching it in bounded
//! batches (one command per batch), and moving handled mails to their folder
//! with the best command the server offers, a folder's mails in one command.

use std::collections::{HashMap, HashSet};

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

/// The UIDs from `from` on, ascending (handled mails are moved out, so this is
/// what is waiting). `UID SEARCH UID n:*` answers with the highest UID even
/// when it is below `n` (RFC 3501 §6.4.8): those are left out.
pub async fn waiting_from(session: &mut ImapSession, from: u32, secs: u64) -> Result<Vec<u32>, CommandError> {
    let query = format!("UID {}:*", from.max(1));
    let set: HashSet<u32> =
        timed(secs, "UID SEARCH", session.uid_search(&query)).await?.map_err(imap(format!("UID SEARCH {query}")))?;
    let mut uids: Vec<u32> = set.into_iter().filter(|u| *u >= from).collect();
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

/// The whole mails (`header_only` false) or their header blocks, in one
/// `UID FETCH`, without setting \Seen. A mail expunged meanwhile (by another
/// client) is simply absent from the answer.
pub async fn fetch_many(
    session: &mut ImapSession,
    uids: &[u32],
    header_only: bool,
    secs: u64,
) -> Result<HashMap<u32, Vec<u8>>, CommandError> {
    if uids.is_empty() {
        return Ok(HashMap::new());
    }
    let query = if header_only { "(UID BODY.PEEK[HEADER])" } else { "(UID BODY.PEEK[])" };
    let set = uid_set(uids);
    let fetches: Vec<Fetch> =
        timed(secs, "UID FETCH", async { session.uid_fetch(&set, query).await?.try_collect::<Vec<_>>().await })
            .await?
            .map_err(imap(format!("UID FETCH of {} mails", uids.len())))?;
    Ok(fetches
        .iter()
        .filter_map(|f| {
            let raw = if header_only { f.header() } else { f.body() };
            Some((f.uid?, raw?.to_vec()))
        })
        .collect())
}

/// Moves mails to one folder, all in one command: UID MOVE (RFC 6851); else
/// UID COPY + \Deleted + UID EXPUNGE (UIDPLUS); else COPY + \Deleted +
/// EXPUNGE, which also expunges whatever else carries \Deleted in the
/// mailbox — the last resort of old servers.
pub async fn move_many(
    session: &mut ImapSession,
    caps: Capabilities,
    uids: &[u32],
    folder: &str,
    secs: u64,
) -> Result<(), CommandError> {
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(uids);
    let n = uids.len();
    if caps.moves {
        return timed(secs, "UID MOVE", session.uid_mv(&set, folder))
            .await?
            .map_err(imap(format!("UID MOVE of {n} mails to {folder}")));
    }
    timed(secs, "UID COPY", session.uid_copy(&set, folder))
        .await?
        .map_err(imap(format!("UID COPY of {n} mails to {folder}")))?;
    timed(secs, "UID STORE", async {
        session.uid_store(&set, "+FLAGS.SILENT (\\Deleted)").await?.try_collect::<Vec<_>>().await
    })
    .await?
    .map_err(imap(format!("UID STORE \\Deleted on {n} mails")))?;
    if caps.uidplus {
        timed(secs, "UID EXPUNGE", async { session.uid_expunge(&set).await?.try_collect::<Vec<_>>().await })
            .await?
            .map_err(imap(format!("UID EXPUNGE of {n} mails")))?;
    } else {
        timed(secs, "EXPUNGE", async { session.expunge().await?.try_collect::<Vec<_>>().await })
            .await?
            .map_err(imap("EXPUNGE"))?;
    }
    Ok(())
}

/// A UID set with runs written as ranges ("3:7,9,12:40"): a batch of a
/// backlog is mostly one run.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if end == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// A mailbox name as an IMAP quoted string, for the LIST pattern (the one place
/// async-imap does not quote; names are validated at load: no quotes,
/// backslashes or line breaks).
fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn runs_of_uids_are_written_as_ranges() {
        assert_eq!(uid_set(&[5, 3, 4, 9, 12, 11, 10, 1]), "1,3:5,9:12");
        assert_eq!(uid_set(&[7]), "7");
        assert_eq!(uid_set(&[]), "");
    }
}

//! Waiting for new mail with IDLE (RFC 2177): re-issued after the configured
//! time (servers drop an IDLE after 30 minutes), ended at once for shutdown.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::UnsolicitedResponse;
use tokio_util::sync::CancellationToken;

use super::ImapError;
use super::client::ImapSession;
use super::timed::timed;

/// True when the server announced new mail (EXISTS) while we were busy, so
/// there is no need to wait for it.
pub fn mail_announced(session: &ImapSession) -> bool {
    let mut announced = false;
    while let Ok(r) = session.unsolicited_responses.try_recv() {
        announced |= matches!(r, UnsolicitedResponse::Exists(_));
    }
    announced
}

/// Idles until the mailbox changes, `idle_for` passes or shutdown is asked
/// for; returns the session for the next commands.
pub async fn wait(
    session: ImapSession,
    secs: u64,
    idle_for: Duration,
    shutdown: &CancellationToken,
) -> Result<ImapSession, ImapError> {
    let mut handle = session.idle();
    timed(secs, "IDLE", handle.init()).await?.map_err(ImapError::Idle)?;
    let (wait, stop) = handle.wait_with_timeout(idle_for);
    let outcome = tokio::select! {
        r = wait => Some(r),
        _ = shutdown.cancelled() => None,
    };
    drop(stop);
    match outcome {
        Some(Err(e)) => return Err(ImapError::Idle(e)),
        Some(Ok(IdleResponse::NewData(data))) => {
            // A NO, BAD or BYE while idling (the mailbox was deleted, the
            // server is shutting down) means the session is no good:
            // reconnect and select again rather than idle on it.
            if let Response::Data { status: Status::No | Status::Bad | Status::Bye, outcome, .. } = data.parsed() {
                return Err(ImapError::IdleEnded(format!("{:?}", outcome.information)));
            }
            tracing::debug!("IDLE: the mailbox changed");
        }
        Some(Ok(other)) => tracing::debug!(?other, "IDLE ended"),
        None => tracing::debug!("IDLE ended for shutdown"),
    }
    timed(secs, "DONE", handle.done()).await?.map_err(ImapError::Done)
}

//! Every network step is bounded: a server that stops answering must not hold
//! the daemon for ever (the session is dropped and reconnected instead).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step} timed out after {secs} s")]
pub struct TimedOut {
    pub step: &'static str,
    pub secs: u64,
}

/// Runs one network step within `secs` seconds.
pub async fn timed<T>(secs: u64, step: &'static str, fut: impl Future<Output = T>) -> Result<T, TimedOut> {
    tokio::time::timeout(Duration::from_secs(secs), fut).await.map_err(|_| TimedOut { step, secs })
}

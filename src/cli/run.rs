//! `lefi-intake run` (the daemon, with the review pages beside it) and
//! `lefi-intake web` (the pages alone).

use std::process::ExitCode;

use crate::app::App;
use crate::config::Settings;
use crate::daemon::{DaemonError, RunSummary};
use crate::source::lease::MailboxLock;
use anyhow::{Context as _, Result};
use tokio_util::sync::CancellationToken;

use super::on_signals;

#[derive(clap::Args)]
pub struct Args {
    /// Process every mail waiting, send the replies due, and exit.
    #[arg(long)]
    once: bool,
}

pub async fn run(settings: Settings, args: Args) -> Result<ExitCode> {
    let token = CancellationToken::new();
    on_signals(token.clone());
    let app = App::build(settings).await?;
    app.warn_about_trust().await;
    // The review pages run beside the daemon (not for a single pass).
    let web = if args.once || app.settings.web.listen.is_empty() {
        None
    } else {
        let listener = bind(&app.settings).await?;
        Some(tokio::spawn(crate::web::serve(listener, app.web_state(), token.clone())))
    };
    let ops = if args.once { None } else { serve_ops(&app, &token).await? };
    let summary = read_the_mailbox(&app, args.once, &token).await?;
    token.cancel();
    if let Some(web) = web {
        web.await.context("the review pages")?.context("serving the review pages")?;
    }
    if let Some(ops) = ops {
        ops.await.context("the health and metrics endpoints")?.context("serving health and metrics")?;
    }
    if args.once {
        println!("{}", describe(&summary));
    }
    Ok(ExitCode::SUCCESS)
}

/// The daemon, whenever this instance holds the mailbox: on PostgreSQL it
/// stands by while another instance does, and goes back to standing by
/// when it loses the lease. An empty summary when stopped before it ever
/// held it.
async fn read_the_mailbox(app: &App, once: bool, token: &CancellationToken) -> Result<RunSummary> {
    let times = crate::source::lease::LeaseTimes { ttl: std::time::Duration::from_secs(app.settings.ha.lease_secs) };
    let instance = app.settings.ha.instance_name();
    loop {
        let lock = MailboxLock::acquire(&app.store, &app.settings.database.url, times, &instance, once, token)
            .await
            .context("taking the mailbox")?;
        let Some(lock) = lock else { return Ok(RunSummary::default()) };
        // Waits end when the lease is lost, as on shutdown.
        let stop = token.child_token();
        let lost = lock.lost();
        let stop_on_loss = {
            let stop = stop.clone();
            tokio::spawn(async move {
                lost.cancelled().await;
                stop.cancel();
            })
        };
        let daemon = app.configured_daemon()?.fenced(lock.fence());
        let result = daemon.run(once, stop).await;
        stop_on_loss.abort();
        match result {
            Ok(summary) => {
                lock.release().await;
                return Ok(summary);
            }
            Err(DaemonError::LeaseLost) if !once => {
                app.health.stand_by();
                tracing::warn!(holder = lock.holder(), "standing by again");
                drop(lock);
            }
            Err(e) => {
                lock.release().await;
                return Err(e).context("running the intake");
            }
        }
    }
}

/// One line for the person who ran `run --once`.
fn describe(summary: &RunSummary) -> String {
    let mails = match summary.total() {
        0 => "no new mail".to_string(),
        n => format!(
            "recorded {n} mail{} ({})",
            if n == 1 { "" } else { "s" },
            summary.recorded.iter().map(|(v, n)| format!("{v}: {n}")).collect::<Vec<_>>().join(", ")
        ),
    };
    format!(
        "{mails}; {} already recorded; replies: {} sent, {} waiting, {} failed",
        summary.duplicates, summary.replies.sent, summary.pending_replies, summary.replies.failed
    )
}

pub async fn web_only(app: &App) -> Result<ExitCode> {
    anyhow::ensure!(!app.settings.web.listen.is_empty(), "web.listen is empty: set the address to serve on");
    app.warn_about_trust().await;
    let token = CancellationToken::new();
    on_signals(token.clone());
    let listener = bind(&app.settings).await?;
    let ops = serve_ops(app, &token).await?;
    crate::web::serve(listener, app.web_state(), token.clone()).await.context("serving the review pages")?;
    token.cancel();
    if let Some(ops) = ops {
        ops.await.context("the health and metrics endpoints")?.context("serving health and metrics")?;
    }
    Ok(ExitCode::SUCCESS)
}

type Serving = tokio::task::JoinHandle<std::io::Result<()>>;

/// Health and metrics on `ops.listen` (none when it is empty). A taken
/// address ends the start: a monitor asking the wrong process is worse than
/// no start.
async fn serve_ops(app: &App, token: &CancellationToken) -> Result<Option<Serving>> {
    let listen = &app.settings.ops.listen;
    if listen.is_empty() {
        return Ok(None);
    }
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on ops.listen = {listen}"))?;
    let limits = crate::web::listener::Limits::from_settings(&app.settings.web);
    Ok(Some(tokio::spawn(crate::ops::serve(listener, app.ops_state(), limits, token.clone()))))
}

async fn bind(settings: &Settings) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(&settings.web.listen)
        .await
        .with_context(|| format!("listening on web.listen = {}", settings.web.listen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_with_nothing_waiting_says_so() {
        let line = describe(&RunSummary::default());
        assert_eq!(line, "no new mail; 0 already recorded; replies: 0 sent, 0 waiting, 0 failed");
        let mut summary = RunSummary::default();
        summary.recorded.insert("accept", 1);
        assert!(describe(&summary).starts_with("recorded 1 mail (accept: 1);"), "{}", describe(&summary));
    }
}

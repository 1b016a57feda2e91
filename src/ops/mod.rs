//! The operators' endpoints, on their own address (`ops.listen`), apart from
//! the officers' pages: `/healthz` (the process answers), `/readyz` (it can do
//! its work: 503 with the reason otherwise) and `/metrics` (Prometheus text).
//! No session is needed and nothing personal is in them.

pub mod health;
pub mod prometheus;
pub mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::config::OpsSettings;
use crate::store::Store;
pub use health::{Health, Mailbox};

/// What the endpoints read.
pub struct OpsState {
    pub store: Store,
    pub health: Arc<Health>,
    pub settings: OpsSettings,
}

/// A database that takes longer than this to answer `SELECT 1` is not ready.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router(state: Arc<OpsState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { ([(header::CONTENT_TYPE, "application/json")], "{\"alive\":true}") }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(state)
}

/// Serves until `shutdown`, within the same bounds as the pages.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<OpsState>,
    limits: crate::web::listener::Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    tracing::info!(address = %listener.local_addr()?, "health and metrics served");
    crate::web::listener::serve(listener, router(state), limits, shutdown).await
}

/// The readiness answer: each check's state, and the first that failed.
#[derive(Debug, Serialize)]
pub struct Readiness {
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub database: String,
    pub mailbox: String,
    pub outbox: String,
    /// Which instance reads the mailbox (PostgreSQL), as the database says.
    pub lease: String,
}

/// Database reachable; the mailbox session up, or down for less than
/// `ops.mailbox_down_secs`; the oldest waiting answer younger than
/// `ops.outbox_stuck_secs`.
pub async fn readiness(state: &OpsState) -> Readiness {
    let now = chrono::Utc::now();
    let mut failed: Vec<String> = Vec::new();
    let figures = match tokio::time::timeout(DATABASE_TIMEOUT, state.store.figures()).await {
        Ok(Ok(f)) => Some(f),
        Ok(Err(e)) => {
            failed.push(format!("database unreachable: {e}"));
            None
        }
        Err(_) => {
            failed.push(format!("database did not answer within {} s", DATABASE_TIMEOUT.as_secs()));
            None
        }
    };
    let database = if figures.is_some() { "ok".to_string() } else { "unreachable".to_string() };
    let mailbox = match state.health.mailbox() {
        Mailbox::NotRead => "not read by this process".to_string(),
        Mailbox::Starting => "connecting".to_string(),
        Mailbox::Up { last_poll } => format!("ok, last pass {}", last_poll.format("%Y-%m-%dT%H:%M:%SZ")),
        Mailbox::Down { for_, error } if for_.as_secs() >= state.settings.mailbox_down_secs => {
            failed.push(format!("mailbox passes failing for {} s: {error}", for_.as_secs()));
            format!("down for {} s", for_.as_secs())
        }
        Mailbox::Down { for_, .. } => format!("reconnecting for {} s", for_.as_secs()),
    };
    let outbox = match figures.as_ref() {
        None => "unknown".to_string(),
        Some(f) => match f.oldest_pending_answer.map(|t| (now - t).num_seconds().max(0) as u64) {
            Some(age) if age >= state.settings.outbox_stuck_secs => {
                failed.push(format!("the oldest answer has waited {age} s ({} waiting)", f.outbox_pending));
                format!("stuck: {} waiting, the oldest for {age} s", f.outbox_pending)
            }
            Some(age) => format!("{} waiting, the oldest for {age} s", f.outbox_pending),
            None => "empty".to_string(),
        },
    };
    let lease = match state.store.backend() {
        crate::store::Backend::Sqlite => "file lock (SQLite: one reader)".to_string(),
        crate::store::Backend::Postgres => match state.store.lease_holder().await {
            Ok(Some(h)) if h.remaining_secs > 0.0 => format!("held by {} for {:.0} s more", h.holder, h.remaining_secs),
            Ok(Some(h)) => format!("free (last held by {})", h.holder),
            Ok(None) => "never taken".to_string(),
            Err(e) => format!("unknown: {e}"),
        },
    };
    Readiness { ready: failed.is_empty(), reason: failed.into_iter().next(), database, mailbox, outbox, lease }
}

async fn readyz(State(state): State<Arc<OpsState>>) -> Response {
    let r = readiness(&state).await;
    if !r.ready {
        tracing::warn!(reason = r.reason.as_deref().unwrap_or(""), "not ready");
    }
    let status = if r.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(r)).into_response()
}

async fn metrics_text(State(state): State<Arc<OpsState>>) -> Response {
    let figures = tokio::time::timeout(DATABASE_TIMEOUT, state.store.figures()).await.ok().and_then(Result::ok);
    prometheus::set_figures(figures.as_ref(), chrono::Utc::now());
    let decided = tokio::time::timeout(DATABASE_TIMEOUT, state.store.decided_items()).await.ok().and_then(Result::ok);
    if let Some(items) = decided {
        prometheus::set_agreement(&crate::review::agreement::summarise(&items, chrono::Utc::now()));
    }
    // A reader that has never had a good pass (a wrong password from the
    // start) has no last-poll time to alert on: this says how long it fails.
    let failing = match state.health.mailbox() {
        Mailbox::Down { for_, .. } => for_.as_secs_f64(),
        _ => 0.0,
    };
    ::metrics::gauge!(prometheus::MAILBOX_FAILING).set(failing);
    let handle = prometheus::handle();
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

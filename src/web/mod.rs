//! The officers' review pages: server-rendered HTML (maud escapes every
//! value), no JavaScript, Swedish text. Nothing but the sign-in page and its
//! style sheet is reachable without a session.

mod agreement;
mod headers;
mod item;
mod layout;
mod queue;
mod records;
pub mod session;
mod subscribers;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;

use crate::config::{IntakeMode, RegistryMode, SenderAuthentication, WebSettings};
use crate::review::Reviewer;

/// What every page handler shares (built by the composition root, `app.rs`).
pub struct AppState {
    pub reviewer: Reviewer,
    pub web: WebSettings,
    /// What the intake checks, for the warnings on every page.
    pub checks: Checks,
}

/// The trust settings the pages warn about.
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    pub sender_authentication: SenderAuthentication,
    pub registry: RegistryMode,
    pub mode: IntakeMode,
}

impl AppState {
    /// The warnings every page shows: checks switched off, a registry that is
    /// required but empty.
    pub async fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.checks.sender_authentication == SenderAuthentication::Off {
            out.push(
                "Avsändarkontrollen är avstängd (trust.sender_authentication = off): uppsägningar registreras \
                 utan att avsändaren är autentiserad."
                    .to_string(),
            );
        }
        if self.checks.registry == RegistryMode::Required
            && self.reviewer.store.subscriber_count().await.is_ok_and(|n| n == 0)
        {
            out.push(
                "Abonnentregistret är tomt: ingen uppsägning registreras automatiskt förrän registret är \
                 importerat (lefi-intake subscribers import)."
                    .to_string(),
            );
        }
        if self.checks.mode == IntakeMode::Shadow {
            out.push("Skuggläge: varje uppsägning väntar på en handläggares bekräftelse.".to_string());
        }
        out
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/queue") }))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/static/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], layout::STYLE) }))
        .route("/queue", get(queue::queue))
        .route("/items/{id}", get(item::show))
        .route("/items/{id}/approve", post(item::approve))
        .route("/items/{id}/reject", post(item::reject))
        .route("/items/{id}/reopen", post(item::reopen))
        .route("/items/{id}/attachments/{n}", get(item::attachment))
        .route("/terminations", get(records::terminations))
        .route("/terminations.csv", get(records::terminations_csv))
        .route("/outbox", get(records::outbox))
        .route("/audit", get(records::audit))
        .route("/subscribers", get(subscribers::list).post(subscribers::save))
        .route("/subscribers/new", get(subscribers::new_form))
        .route("/subscribers/{org}", get(subscribers::show))
        .route("/agreement", get(agreement::show))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::trusted_header))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// Serves until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    tracing::info!(address = %listener.local_addr()?, "review pages served");
    axum::serve(listener, router(state)).with_graceful_shutdown(async move { shutdown.cancelled().await }).await
}

fn internal_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "review page failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Ett internt fel inträffade; det är loggat.").into_response()
}

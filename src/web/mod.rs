//! The officers' review pages: server-rendered HTML (maud escapes every
//! value), no JavaScript, Swedish text. Nothing but the sign-in page and its
//! style sheet is reachable without a session.

mod agreement;
mod api;
pub mod auth;
mod headers;
mod item;
mod layout;
pub mod listener;
mod officers;
mod overview;
mod queue;
mod records;
pub mod session;
pub mod signin;
mod subscribers;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    /// Bounds and throttles password sign-ins.
    pub signin: crate::web::signin::SignInGuard,
    /// The key that signs sign-in forms, read from the database on first use.
    pub signin_key: tokio::sync::OnceCell<String>,
}

/// The trust settings the pages warn about.
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    pub sender_authentication: SenderAuthentication,
    pub registry: RegistryMode,
    pub mode: IntakeMode,
}

impl AppState {
    /// How long a session lasts without a request (`web.session_idle_minutes`).
    pub fn idle(&self) -> chrono::Duration {
        // A year at most: beyond that the session's own 8 hours end it anyway.
        chrono::Duration::minutes(self.web.session_idle_minutes.min(525_600) as i64)
    }

    pub async fn signin_key(&self) -> crate::store::Result<&str> {
        self.signin_key
            .get_or_try_init(|| async {
                let fresh = auth::random_token();
                self.reviewer.store.server_key("signin_form", &fresh).await
            })
            .await
            .map(String::as_str)
    }

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
        .route("/", get(overview::show))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/static/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], layout::STYLE) }))
        .route("/queue", get(queue::queue))
        .route("/items/{id}", get(item::show))
        .route("/items/{id}/approve", post(item::approve))
        .route("/items/{id}/reject", post(item::reject))
        .route("/items/{id}/reopen", post(item::reopen))
        .route("/items/{id}/keep", post(item::keep))
        .route("/items/{id}/attachments/{n}", get(item::attachment))
        .route("/terminations", get(records::terminations))
        .route("/terminations.csv", get(records::terminations_csv))
        .route("/terminations/{id}/revoke", post(records::revoke))
        .route("/outbox", get(records::outbox))
        .route("/audit", get(records::audit))
        .route("/subscribers", get(subscribers::list).post(subscribers::save))
        .route("/subscribers/new", get(subscribers::new_form))
        .route("/subscribers/{org}", get(subscribers::show))
        .route("/agreement", get(agreement::show))
        .route("/officers", get(officers::list))
        .route("/officers/{name}/unlock", post(officers::unlock))
        .route("/api/v1/terminations", get(api::terminations))
        .route("/api/v1/openapi.json", get(api::openapi))
        .fallback(|| async { not_found() })
        // No form here needs more: a larger body is refused before it is read.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::trusted_header))
        .layer(axum::middleware::from_fn(headers::visible_direction_controls))
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
    let limits = listener::Limits::from_settings(&state.web);
    listener::serve(listener, router(state), limits, shutdown).await
}

/// The largest form body accepted (a reject reason of 2,000 characters is
/// at most 8 KB, URL-encoded three times that).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A path's parameters, read as numbers (`/items/{id}`): anything else is a
/// page that does not exist, said in Swedish — not the framework's English
/// parse error.
pub struct Numbers<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Numbers<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Numbers(value)),
            Err(_) => Err(not_found()),
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Sidan finns inte.").into_response()
}

fn internal_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "review page failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Ett internt fel inträffade; det är loggat.").into_response()
}

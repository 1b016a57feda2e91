//! Sign-in, sessions and form protection.
//!
//! A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure
//! when configured); the database keeps its SHA-256 and the session's CSRF
//! token, which every form carries and every POST must return. The sign-in form
//! itself is protected by a double-submit token. In SSO mode a reverse proxy
//! names the officer in a header, and a session is opened for them on the fly.

use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::AppState;
use super::layout::{error_box, page};
use crate::auth;
use crate::store::OfficerSession;

pub const SESSION_COOKIE: &str = "lefi_session";
const LOGIN_COOKIE: &str = "lefi_login";

/// A request from a signed-in officer. Any handler that takes it refuses
/// everyone else (a redirect to the sign-in page).
pub struct SignedIn(pub OfficerSession);

/// Set by the SSO middleware: the session it opened for this request.
#[derive(Clone)]
struct SsoToken(String);

impl FromRequestParts<Arc<AppState>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Response> {
        let token = parts
            .extensions
            .get::<SsoToken>()
            .map(|t| t.0.clone())
            .or_else(|| CookieJar::from_headers(&parts.headers).get(SESSION_COOKIE).map(|c| c.value().to_string()));
        let Some(token) = token else { return Err(Redirect::to("/login").into_response()) };
        match state.reviewer.store.session(&auth::token_digest(&token), Utc::now()).await {
            Ok(Some(session)) => Ok(SignedIn(session)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(super::internal_error(e)),
        }
    }
}

impl SignedIn {
    /// The refusal of a form that does not carry this session's token.
    pub fn csrf_refusal(&self, given: &str) -> Option<Response> {
        (!auth::same_secret(given, &self.0.csrf_token)).then(|| {
            (StatusCode::FORBIDDEN, "Formuläret är ogiltigt eller för gammalt. Ladda om sidan och försök igen.")
                .into_response()
        })
    }
}

fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.web.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::hours(state.web.session_hours as i64))
        .build()
}

async fn open_session(state: &AppState, officer_id: i64) -> crate::store::Result<String> {
    let token = auth::random_token();
    let expires = Utc::now() + chrono::Duration::hours(state.web.session_hours as i64);
    state
        .reviewer
        .store
        .create_session(&auth::token_digest(&token), officer_id, &auth::random_token(), expires)
        .await?;
    Ok(token)
}

fn login_page(csrf: &str, error: Option<&str>) -> maud::Markup {
    page(
        "Logga in",
        None,
        &[],
        html! {
            @if let Some(e) = error { (error_box(e)) }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label for="name" { "Användarnamn" }
                input #name type="text" name="name" autocomplete="username" required;
                label for="password" { "Lösenord" }
                input #password type="password" name="password" autocomplete="current-password" required;
                div { button type="submit" { "Logga in" } }
            }
        },
    )
}

pub async fn login_form(State(state): State<Arc<AppState>>, jar: CookieJar) -> Response {
    let csrf = auth::random_token();
    let cookie = Cookie::build((LOGIN_COOKIE, csrf.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.web.secure_cookies)
        .path("/login")
        .build();
    (jar.add(cookie), login_page(&csrf, None)).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(State(state): State<Arc<AppState>>, jar: CookieJar, Form(form): Form<LoginForm>) -> Response {
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !auth::same_secret(&form.csrf, &expected) {
        return (StatusCode::FORBIDDEN, "Inloggningsformuläret är ogiltigt. Ladda om sidan.").into_response();
    }
    let officer = match state.reviewer.store.officer(form.name.trim()).await {
        Ok(o) => o,
        Err(e) => return super::internal_error(e),
    };
    // The hash is checked even for an unknown name, so timing tells nothing.
    let stored = officer.as_ref().filter(|o| o.active).and_then(|o| o.password_hash.clone());
    let password = form.password.clone();
    let valid =
        tokio::task::spawn_blocking(move || auth::verify_password(&password, stored.as_deref())).await.unwrap_or(false);
    let Some(officer) = officer.filter(|_| valid) else {
        tracing::warn!("failed sign-in");
        return (StatusCode::UNAUTHORIZED, login_page(&expected, Some("Fel användarnamn eller lösenord.")))
            .into_response();
    };
    match open_session(&state, officer.id).await {
        Ok(token) => {
            tracing::info!(officer = %officer.name, "signed in");
            (
                jar.remove(Cookie::build(LOGIN_COOKIE).path("/login")).add(session_cookie(&state, token)),
                Redirect::to("/queue"),
            )
                .into_response()
        }
        Err(e) => super::internal_error(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    if let Some(token) = jar.get(SESSION_COOKIE)
        && let Err(e) = state.reviewer.store.end_session(&auth::token_digest(token.value())).await
    {
        return super::internal_error(e);
    }
    (jar.remove(Cookie::build(SESSION_COOKIE).path("/")), Redirect::to("/login")).into_response()
}

/// SSO mode: the configured header names the officer; a session is opened for
/// them when the request has none of its own (or one of another officer).
pub async fn trusted_header(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let header_name = &state.web.trusted_user_header;
    if header_name.is_empty() {
        return next.run(request).await;
    }
    let Some(name) = request.headers().get(header_name.as_str()).and_then(|v| v.to_str().ok()).map(str::trim) else {
        return next.run(request).await;
    };
    let name = name.to_string();
    let store = &state.reviewer.store;
    let current = CookieJar::from_headers(request.headers()).get(SESSION_COOKIE).map(|c| c.value().to_string());
    if let Some(token) = &current
        && let Ok(Some(s)) = store.session(&auth::token_digest(token), Utc::now()).await
        && s.officer.name == name
    {
        return next.run(request).await;
    }
    let officer = match store.officer(&name).await {
        Ok(Some(o)) if o.active => o,
        Ok(_) => return (StatusCode::FORBIDDEN, "Okänd eller avstängd handläggare.").into_response(),
        Err(e) => return super::internal_error(e),
    };
    let token = match open_session(&state, officer.id).await {
        Ok(t) => t,
        Err(e) => return super::internal_error(e),
    };
    request.extensions_mut().insert(SsoToken(token.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&session_cookie(&state, token).to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

//! Sign-in, sessions and form protection.
//!
//! A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure
//! when configured); the database keeps its SHA-256 and the session's CSRF
//! token, which every form carries and every POST must return. The sign-in form
//! itself carries a token signed with the service's key (`signin.rs`), equal
//! in cookie and form, and is refused from another site; sign-ins are bounded
//! and throttled there too. In SSO mode a reverse proxy names the officer in a
//! header, and a session is opened for them on the fly.

use std::sync::Arc;

use axum::Form;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
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
use crate::store::OfficerSession;
use crate::web::{auth, signin};

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
        match state.reviewer.store.session(&auth::token_digest(&token), Utc::now(), state.idle()).await {
            Ok(Some(session)) => Ok(SignedIn(session)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(super::internal_error(e)),
        }
    }
}

/// A form that carries nothing but the session's token (a button).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
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
        .create_session(&auth::token_digest(&token), officer_id, &auth::random_token(), expires, state.idle())
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
    let key = match state.signin_key().await {
        Ok(k) => k,
        Err(e) => return super::internal_error(e),
    };
    let csrf = signin::form_token(key, Utc::now());
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

/// The longest sign-in name and password considered.
const MAX_NAME_CHARS: usize = 128;
const MAX_PASSWORD_CHARS: usize = 1024;

/// The client's address: (behind a reverse proxy) the last value of
/// `web.client_address_header`, else the connection's. `None` when neither is known.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<Arc<AppState>> for ClientAddress {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Response> {
        let header = state.web.client_address_header.as_str();
        let forwarded = (!header.is_empty())
            .then(|| parts.headers.get_all(header).iter().next_back())
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        // Without a usable header the connection's address counts: a client
        // that leaves the header out must not switch the address throttle off.
        Ok(ClientAddress(forwarded.or(peer)))
    }
}

/// A sign-in form posted from another site is refused: browsers say where a
/// form came from — `Sec-Fetch-Site`, else `Origin` (which is "null" under
/// our `Referrer-Policy: no-referrer`, so it decides only when it names a site).
fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).filter(|o| *o != "null");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
        _ => false,
    }
}

fn refused(status: StatusCode, csrf: &str, message: &str) -> Response {
    (status, login_page(csrf, Some(message))).into_response()
}

fn refusal_page(refusal: signin::Refusal, csrf: &str, tz: chrono_tz::Tz) -> Response {
    match refusal {
        signin::Refusal::Wait(wait) => refused(StatusCode::TOO_MANY_REQUESTS, csrf, &wait_text(wait)),
        signin::Refusal::Locked(until) => refused(StatusCode::LOCKED, csrf, &locked_text(until, tz)),
    }
}

fn wait_text(wait: std::time::Duration) -> String {
    format!("För många misslyckade inloggningar. Vänta {} sekunder och försök igen.", wait.as_secs().max(1))
}

fn locked_text(until: chrono::DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    format!(
        "Kontot är låst till {} efter för många misslyckade inloggningar. En annan handläggare kan låsa upp det \
         (sidan Handläggare), eller: lefi-intake officer unlock NAMN.",
        super::layout::local_time(until, tz)
    )
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = Utc::now();
    let key = match state.signin_key().await {
        Ok(k) => k,
        Err(e) => return super::internal_error(e),
    };
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    // The token must be ours (signed, not expired) and the form's the cookie's.
    if !signin::form_token_valid(key, &expected, now)
        || !auth::same_secret(&form.csrf, &expected)
        || cross_site(&headers)
    {
        return (StatusCode::FORBIDDEN, "Inloggningsformuläret är ogiltigt. Ladda om sidan.").into_response();
    }
    let name = form.name.trim();
    if name.chars().count() > MAX_NAME_CHARS || form.password.chars().count() > MAX_PASSWORD_CHARS {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, &expected, "Namnet eller lösenordet är för långt.");
    }
    let guard = &state.signin;
    let tz = state.reviewer.replies.timezone;
    let store = &state.reviewer.store;
    let officer = match store.officer_signing_in(name).await {
        Ok(o) => o,
        Err(e) => return super::internal_error(e),
    };
    let account = if officer.is_some() { signin::Account::Officer } else { signin::Account::Unknown };
    // Decided and reserved at once for the name and the address, before any
    // password is checked: a burst of requests gets no more guesses than the
    // same requests one by one.
    let reservation = match guard.reserve(&signin::name_key(name), address, account, now) {
        Ok(r) => r,
        Err(refusal) => return refusal_page(refusal, &expected, tz),
    };
    // An officer's count lives in the database, where every instance and the
    // command line see it: reserved there too, unless another attempt came first.
    let attempt = match &officer {
        Some(o) => {
            if let Some(refusal) = guard.officer_wait(o, now) {
                return refusal_page(refusal, &expected, tz);
            }
            match store.reserve_signin(o, now, !guard.throttle.delay.is_zero()).await {
                Ok(Some(attempt)) => attempt,
                Ok(None) => return refusal_page(signin::Refusal::Wait(guard.throttle.delay), &expected, tz),
                Err(e) => return super::internal_error(e),
            }
        }
        None => 0,
    };
    // The hash is checked even for an unknown name, so timing tells nothing.
    let stored = officer.as_ref().filter(|o| o.active).and_then(|o| o.password_hash.clone());
    let Some(valid) = guard.verify(form.password.clone(), stored).await else {
        tracing::warn!("sign-in refused: too many password checks at once");
        return refused(
            StatusCode::SERVICE_UNAVAILABLE,
            &expected,
            "Tjänsten är hårt belastad. Försök igen om en stund.",
        );
    };
    let Some(officer) = officer.clone().filter(|_| valid) else {
        tracing::warn!(name = ?name, client = ?address, "failed sign-in");
        let recorded = match &officer {
            Some(o) => {
                let throttle = guard.throttle;
                let until = now + chrono::Duration::from_std(throttle.lock_for).unwrap_or_default();
                let recorded = store.record_failed_signin(o, attempt, throttle.lock_after, until, now).await;
                if let Ok(Some(_)) = &recorded {
                    tracing::warn!(officer = %o.name, failures = attempt, "account locked after failed sign-ins");
                }
                recorded
            }
            None => {
                let lock = reservation.failed(now);
                store.record_unknown_signin(name, now).await.map(|_| lock)
            }
        };
        return match recorded {
            Ok(Some(until)) => refused(StatusCode::LOCKED, &expected, &locked_text(until, tz)),
            Ok(None) => refused(StatusCode::UNAUTHORIZED, &expected, "Fel användarnamn eller lösenord."),
            Err(e) => super::internal_error(e),
        };
    };
    // A lock set while this password was checked (by a failure that came
    // first) stands: a success that arrived after it never lifts it.
    match store.signin_succeeded(officer.id, now).await {
        Ok(true) => reservation.succeeded(),
        Ok(false) => {
            let until = store.officer(&officer.name).await.ok().flatten().and_then(|o| o.locked_until);
            return refused(StatusCode::LOCKED, &expected, &locked_text(until.unwrap_or(now), tz));
        }
        Err(e) => return super::internal_error(e),
    }
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
        && let Ok(Some(s)) = store.session(&auth::token_digest(token), Utc::now(), state.idle()).await
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

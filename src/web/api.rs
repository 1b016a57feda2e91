//! The delivery system's feed, for machines: `GET /api/v1/terminations`
//! with a bearer token (`lefi-intake token add NAME`), and its OpenAPI
//! document at `/api/v1/openapi.json` (docs/openapi.json). JSON only; no
//! officer session is involved.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::store::{FeedEvent, timestamp};

pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    since: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
struct Page {
    events: Vec<Event>,
    /// Pass as `since` for what follows (the same cursor when nothing did).
    next_cursor: String,
    /// More events wait after this page.
    more: bool,
}

#[derive(Debug, Serialize)]
struct Event {
    cursor: String,
    /// `recorded` or `revoked`.
    event: String,
    at: String,
    termination: Termination,
}

#[derive(Debug, Serialize)]
struct Termination {
    id: i64,
    org_number: String,
    org_name: String,
    effective_date: String,
    recorded_at: String,
    recorded_by: String,
    /// Its status now: a recorded termination may since be revoked.
    status: String,
    /// The case's reference, as the sender's answers quote it.
    reference: String,
}

fn error(status: StatusCode, message: &str) -> Response {
    let mut response = (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer realm=\"lefi-intake\""));
    }
    response
}

impl From<FeedEvent> for Event {
    fn from(e: FeedEvent) -> Event {
        Event {
            cursor: e.seq.to_string(),
            event: e.event,
            at: timestamp(e.at),
            termination: Termination {
                id: e.termination_id,
                org_number: e.org_number.to_string(),
                org_name: e.org_name,
                effective_date: e.effective_date.to_string(),
                recorded_at: timestamp(e.recorded_at),
                recorded_by: e.recorded_by,
                status: e.status,
                reference: e.reference,
            },
        }
    }
}

pub async fn terminations(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Response {
    let store = &state.reviewer.store;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let Some(token) = bearer.filter(|t| !t.is_empty()) else {
        return error(StatusCode::UNAUTHORIZED, "a bearer token is required (lefi-intake token add NAME)");
    };
    let client = match store.use_token(&crate::web::auth::token_digest(token), chrono::Utc::now()).await {
        Ok(Some(name)) => name,
        Ok(None) => return error(StatusCode::UNAUTHORIZED, "unknown or revoked token"),
        Err(e) => return internal(e),
    };
    let since = match q.since.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        _ => return error(StatusCode::BAD_REQUEST, "since: a cursor from an earlier page (a non-negative number)"),
    };
    let limit = match q.limit.as_deref().map(str::parse::<i64>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => return error(StatusCode::BAD_REQUEST, "limit: a number from 1 to 1000"),
    };
    // One more than asked tells whether more follow.
    let mut found = match store.feed(since, limit + 1).await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let more = found.len() as i64 > limit;
    found.truncate(limit as usize);
    let next_cursor = found.last().map_or(since, |e| e.seq).to_string();
    tracing::info!(client = %client, since, events = found.len(), "feed read");
    let page = Page { events: found.into_iter().map(Event::from).collect(), next_cursor, more };
    axum::Json(page).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "feed request failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error; it is logged")
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

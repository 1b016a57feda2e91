//! What is on file: terminations (with search and CSV export), answers that
//! could not be sent, and the audit log.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::AppState;
use super::layout::{csrf_field, local_time, outbox_status_sv, page, search_too_long};
use super::session::SignedIn;
use crate::store::{OutboxStatus, TerminationRecord};

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
}

async fn matching(state: &AppState, q: &str) -> crate::store::Result<Vec<TerminationRecord>> {
    let q = q.trim().to_lowercase();
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    Ok(state
        .reviewer
        .store
        .terminations()
        .await?
        .into_iter()
        .filter(|t| {
            q.is_empty()
                || t.org_name.to_lowercase().contains(&q)
                || (!digits.is_empty() && t.org_number.to_string().replace('-', "").contains(&digits))
        })
        .collect())
}

pub async fn terminations(
    State(state): State<Arc<AppState>>,
    SignedIn(session): SignedIn,
    Query(search): Query<Search>,
) -> Response {
    let refusal = search_too_long(&search.q);
    let q = if refusal.is_some() { "" } else { search.q.as_str() };
    let rows = match matching(&state, q).await {
        Ok(r) if refusal.is_none() => r,
        Ok(_) => Vec::new(),
        Err(e) => return super::internal_error(e),
    };
    let tz = state.reviewer.replies.timezone;
    let body = html! {
        @if let Some(r) = refusal { (r) }
        form.filters method="get" action="/terminations" {
            div {
                label for="q" { "Sök organisationsnummer eller namn" }
                input #q type="text" name="q" maxlength="200" value=(q);
            }
            button type="submit" { "Sök" }
            a href={ "/terminations.csv?q=" (q) } { "Exportera CSV" }
        }
        p { (rows.len()) " uppsägningar." }
        table {
            thead { tr { th { "Organisationsnummer" } th { "Namn" } th { "Gäller från" } th { "Mottaget" } th { "Registrerad av" } th { "Återkalla" } } }
            tbody {
                @for t in &rows {
                    tr {
                        td { (t.org_number) }
                        td { (t.org_name) }
                        td { (t.effective_date) }
                        td { (local_time(t.received_at, tz)) }
                        td { (t.recorded_by) }
                        td {
                            form.inline method="post" action={ "/terminations/" (t.id) "/revoke" } {
                                (csrf_field(&session))
                                label.kind for={ "reason-" (t.id) } { "Skäl" }
                                input id={ "reason-" (t.id) } type="text" name="reason" maxlength="2000" required;
                                button type="submit" { "Återkalla" }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Registrerade uppsägningar", Some(&session), &state.warnings().await, body).into_response()
}

pub async fn terminations_csv(
    State(state): State<Arc<AppState>>,
    SignedIn(_): SignedIn,
    Query(search): Query<Search>,
) -> Response {
    if search_too_long(&search.q).is_some() {
        return (axum::http::StatusCode::BAD_REQUEST, "Sökningen får vara högst 200 tecken.").into_response();
    }
    match matching(&state, &search.q).await {
        Ok(rows) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"uppsagningar.csv\""),
            ],
            crate::store::listing::terminations(&rows).to_csv(),
        )
            .into_response(),
        Err(e) => super::internal_error(e),
    }
}

pub async fn outbox(State(state): State<Arc<AppState>>, SignedIn(session): SignedIn) -> Response {
    let rows = match state.reviewer.store.outbox(None).await {
        Ok(rows) => rows,
        Err(e) => return super::internal_error(e),
    };
    let troubled: Vec<_> =
        rows.into_iter().filter(|r| r.status == OutboxStatus::Failed || r.last_error.is_some()).collect();
    let tz = state.reviewer.replies.timezone;
    let body = html! {
        p { "Svar som inte kunnat skickas (misslyckade) eller som väntar på ett nytt försök." }
        table {
            thead { tr { th { "Svar" } th { "Till" } th { "Slag" } th { "Status" } th { "Försök" } th { "Senaste fel" } th { "Nästa försök" } } }
            tbody {
                @for r in &troubled {
                    tr {
                        td { "#" (r.id) }
                        td { (r.recipient) }
                        td { (r.kind) }
                        td { (outbox_status_sv(r.status)) }
                        td { (r.attempts) }
                        td { (r.last_error.as_deref().unwrap_or("")) }
                        td { @if r.status == OutboxStatus::Pending { (local_time(r.next_attempt_at, tz)) } }
                    }
                }
            }
        }
    };
    page("Utskick med problem", Some(&session), &state.warnings().await, body).into_response()
}

/// Rows on one page of the log.
const AUDIT_PAGE: i64 = 200;

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    /// Show the entries older than this one.
    before: Option<i64>,
}

/// The whole audit log, newest first, a page at a time.
pub async fn audit(
    State(state): State<Arc<AppState>>,
    SignedIn(session): SignedIn,
    axum::extract::Query(query): axum::extract::Query<AuditQuery>,
) -> Response {
    // One more than a page: whether there are older entries.
    let mut rows = match state.reviewer.store.audit_page(query.before, AUDIT_PAGE + 1).await {
        Ok(rows) => rows,
        Err(e) => return super::internal_error(e),
    };
    let older = (rows.len() as i64 > AUDIT_PAGE).then(|| {
        rows.truncate(AUDIT_PAGE as usize);
        rows.last().map(|r| r.id)
    });
    let tz = state.reviewer.replies.timezone;
    let body = html! {
        p { @if query.before.is_some() { "Äldre händelser, nyast först. " a href="/audit" { "Till de senaste" } } @else { "Alla händelser, nyast först." } }
        table {
            thead { tr { th { "Tid" } th { "Vem" } th { "Vad" } th { "Objekt" } th { "Detaljer" } } }
            tbody {
                @for a in &rows {
                    tr {
                        td { (local_time(a.at, tz)) }
                        td { (a.actor) }
                        td { (a.action) }
                        td { (a.object_type) " " (a.object_id.map(|i| i.to_string()).unwrap_or_default()) }
                        td { (a.details.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
        @if let Some(Some(last)) = older { p { a href={ "/audit?before=" (last) } { "Äldre händelser" } } }
    };
    page("Logg", Some(&session), &state.warnings().await, body).into_response()
}

#[derive(serde::Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Revokes a termination on file, with the officer's reason.
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    super::Numbers(id): super::Numbers<i64>,
    axum::Form(form): axum::Form<RevokeForm>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    match state.reviewer.revoke_termination(id, &signed_in.0.officer, &form.reason).await {
        Ok(()) => axum::response::Redirect::to("/terminations").into_response(),
        Err(crate::review::ReviewError::NoSuchTermination(_)) => {
            (axum::http::StatusCode::NOT_FOUND, "Uppsägningen finns inte eller är redan återkallad.").into_response()
        }
        Err(crate::review::ReviewError::Invalid { message, .. }) => {
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, format!("Skäl: {message}")).into_response()
        }
        Err(e) => super::internal_error(e),
    }
}

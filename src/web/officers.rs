//! The officers, for officers: who may sign in, and whose account is locked
//! after failed sign-ins — with the button that unlocks it (audited).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;

use super::AppState;
use super::layout::{csrf_field, local_time, page};
use super::session::{CsrfOnly, SignedIn};

pub async fn list(State(state): State<Arc<AppState>>, SignedIn(session): SignedIn) -> Response {
    let officers = match state.reviewer.store.officers().await {
        Ok(o) => o,
        Err(e) => return super::internal_error(e),
    };
    let now = Utc::now();
    let tz = state.reviewer.replies.timezone;
    let body = html! {
        table {
            thead { tr { th { "Namn" } th { "Visas som" } th { "Status" } th { "Misslyckade inloggningar i rad" } th {} } }
            tbody {
                @for o in &officers {
                    tr {
                        td { (o.name) }
                        td { (o.display_name) }
                        td {
                            @if !o.active { "avstängd" }
                            @else if let Some(until) = o.locked_until.filter(|t| *t > now) { strong { "låst till " (local_time(until, tz)) } }
                            @else { "aktiv" }
                        }
                        td { (o.failed_signins) }
                        td {
                            @if o.failed_signins > 0 || o.locked_at(now) {
                                form method="post" action={ "/officers/" (o.name) "/unlock" } {
                                    (csrf_field(&session))
                                    button type="submit" { "Lås upp" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Handläggare", Some(&session), &state.warnings().await, body).into_response()
}

pub async fn unlock(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    Path(name): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    let by = &signed_in.0.officer.name;
    match state.reviewer.store.unlock_officer(&name, by, Utc::now()).await {
        Ok(true) => {
            tracing::info!(officer = %name, by = %by, "account unlocked");
            Redirect::to("/officers").into_response()
        }
        Ok(false) => super::not_found(),
        Err(e) => super::internal_error(e),
    }
}

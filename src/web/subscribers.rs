//! The subscriber registry for officers: every subscriber, searchable; one
//! subscriber's registration and history, and the form that changes it (or
//! adds one). Every change is audited with the officer's name.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::AppState;
use super::layout::{csrf_field, error_box, local_time, page, search_too_long};
use super::session::SignedIn;
use crate::domain::{Code, OrgNumber, Subscriber, SubscriberKind};
use crate::store::OfficerSession;
use crate::store::listing::subscriber_status;
use crate::trust::registry::import::Row;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    SignedIn(session): SignedIn,
    Query(search): Query<Search>,
) -> Response {
    let all = match state.reviewer.store.subscribers().await {
        Ok(rows) => rows,
        Err(e) => return super::internal_error(e),
    };
    let refusal = search_too_long(&search.q);
    let q = if refusal.is_some() { String::new() } else { search.q.trim().to_lowercase() };
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let rows: Vec<&Subscriber> = all
        .iter()
        .filter(|s| {
            q.is_empty()
                || s.name.to_lowercase().contains(&q)
                || s.domains.iter().any(|d| d.contains(&q))
                || (!digits.is_empty() && s.org_number.to_string().replace('-', "").contains(&digits))
        })
        .collect();
    let body = html! {
        @if let Some(r) = refusal { (r) }
        form.filters method="get" action="/subscribers" {
            div {
                label for="q" { "Sök organisationsnummer, namn eller domän" }
                input #q type="text" name="q" maxlength="200" value=(q);
            }
            button type="submit" { "Sök" }
            a href="/subscribers/new" { "Lägg till abonnent" }
        }
        p { (all.len()) " abonnenter i registret." @if rows.len() != all.len() { " Sökningen visar " (rows.len()) "." } }
        table {
            thead { tr { th { "Organisationsnummer" } th { "Namn" } th { "Domäner" } th { "Slag" } th { "Status" } } }
            tbody {
                @for s in &rows {
                    tr {
                        td { a href={ "/subscribers/" (s.org_number) } { (s.org_number) } }
                        td { (s.name) @if !s.other_names.is_empty() { br; span.kind { (s.other_names.join(", ")) } } }
                        td { (s.domains.join(" ")) }
                        td { (kind_sv(s.kind)) }
                        td { (status_sv(s)) }
                    }
                }
            }
        }
    };
    page("Abonnentregistret", Some(&session), &state.warnings().await, body).into_response()
}

/// The form's fields, as the import's columns.
#[derive(Deserialize, Default, Clone)]
pub struct SubscriberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    other_names: String,
    #[serde(default)]
    domains: String,
    #[serde(default)]
    kind: String,
    /// "active" or "terminated".
    #[serde(default)]
    status: String,
    #[serde(default)]
    terminated_from: String,
}

impl SubscriberForm {
    fn of(s: &Subscriber) -> SubscriberForm {
        SubscriberForm {
            csrf: String::new(),
            org_number: s.org_number.to_string(),
            name: s.name.clone(),
            other_names: s.other_names.join(" | "),
            domains: s.domains.join(" "),
            kind: s.kind.as_str().to_string(),
            status: s.status.as_str().to_string(),
            terminated_from: s.terminated_from.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn subscriber(&self) -> Result<Subscriber, String> {
        let fields =
            [&self.org_number, &self.name, &self.other_names, &self.domains, &self.kind, &self.terminated_from];
        if fields.iter().any(|f| f.chars().count() > crate::review::MAX_FIELD_CHARS) {
            return Err(format!("Ett fält får vara högst {} tecken.", crate::review::MAX_FIELD_CHARS));
        }
        let status = match self.status.as_str() {
            "terminated" => format!("terminated {}", self.terminated_from.trim()),
            _ => "active".to_string(),
        };
        Row {
            org_number: &self.org_number,
            name: &self.name,
            domains: &self.domains,
            kind: &self.kind,
            status: &status,
            other_names: &self.other_names,
        }
        .subscriber()
        .map_err(|(column, message)| format!("{}: {message}", column_sv(column)))
    }
}

pub async fn new_form(State(state): State<Arc<AppState>>, SignedIn(session): SignedIn) -> Response {
    let form = SubscriberForm { kind: "authority".into(), status: "active".into(), ..Default::default() };
    let body = editor(&session, &form, true, None);
    page("Ny abonnent", Some(&session), &state.warnings().await, body).into_response()
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    SignedIn(session): SignedIn,
    Path(org): Path<String>,
) -> Response {
    let Ok(org) = OrgNumber::parse(&org) else {
        return (StatusCode::NOT_FOUND, "Ingen sådan abonnent.").into_response();
    };
    render(&state, &session, org, None, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    session: &OfficerSession,
    org: OrgNumber,
    entered: Option<&SubscriberForm>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let store = &state.reviewer.store;
    let subscriber = match store.subscriber(org).await {
        Ok(Some(s)) => s,
        Ok(None) => return (StatusCode::NOT_FOUND, "Ingen sådan abonnent.").into_response(),
        Err(e) => return super::internal_error(e),
    };
    let history = match store.subscriber_history(org).await {
        Ok(h) => h,
        Err(e) => return super::internal_error(e),
    };
    let tz = state.reviewer.replies.timezone;
    let form = entered.cloned().unwrap_or_else(|| SubscriberForm::of(&subscriber));
    let body = html! {
        p { "Status: " strong { (status_sv(&subscriber)) } " " span.kind { "(" (subscriber_status(&subscriber)) ")" } }
        (editor(session, &form, false, error))
        section {
            h2 { "Historik" }
            table {
                thead { tr { th { "Tid" } th { "Vem" } th { "Vad" } th { "Detaljer" } } }
                tbody {
                    @for e in &history {
                        tr { td { (local_time(e.at, tz)) } td { (e.actor) } td { (e.action) } td { (e.details.as_deref().unwrap_or("")) } }
                    }
                }
            }
        }
    };
    let title = format!("{} {}", subscriber.org_number, subscriber.name);
    (status, page(&title, Some(session), &state.warnings().await, body)).into_response()
}

fn editor(session: &OfficerSession, f: &SubscriberForm, new: bool, error: Option<String>) -> Markup {
    html! {
        @if let Some(e) = error { (error_box(&e)) }
        form method="post" action="/subscribers" {
            (csrf_field(session))
            label for="org_number" { "Organisationsnummer" }
            @if new {
                input #org_number type="text" name="org_number" value=(f.org_number) required;
            } @else {
                input #org_number type="text" name="org_number" value=(f.org_number) readonly;
            }
            label for="name" { "Registrerat namn" }
            input #name type="text" name="name" value=(f.name) required;
            label for="other_names" { "Andra godtagna namn (skilj med |)" }
            input #other_names type="text" name="other_names" value=(f.other_names);
            label for="domains" { "E-postdomäner (skilj med mellanslag)" }
            input #domains type="text" name="domains" value=(f.domains) required;
            label for="kind" { "Slag" }
            select #kind name="kind" {
                @for k in <SubscriberKind as strum::VariantArray>::VARIANTS {
                    option value=(k.as_str()) selected[f.kind == k.as_str()] { (kind_sv(*k)) }
                }
            }
            label for="status" { "Status" }
            select #status name="status" {
                option value="active" selected[f.status != "terminated"] { "aktiv" }
                option value="terminated" selected[f.status == "terminated"] { "uppsagd" }
            }
            label for="terminated_from" { "Uppsagd från (ÅÅÅÅ-MM-DD, om uppsagd)" }
            input #terminated_from type="text" name="terminated_from" value=(f.terminated_from);
            div { button type="submit" { @if new { "Lägg till" } @else { "Spara ändringarna" } } }
        }
    }
}

/// Adds or changes a subscriber, audited as the signed-in officer.
pub async fn save(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    Form(form): Form<SubscriberForm>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    let session = &signed_in.0;
    let subscriber = match form.subscriber() {
        Ok(s) => s,
        Err(message) => {
            return match OrgNumber::parse(&form.org_number) {
                Ok(org) if state.reviewer.store.subscriber(org).await.ok().flatten().is_some() => {
                    render(&state, session, org, Some(&form), Some(message), StatusCode::UNPROCESSABLE_ENTITY).await
                }
                _ => {
                    let body = editor(session, &form, true, Some(message));
                    let page = page("Ny abonnent", Some(session), &state.warnings().await, body);
                    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
                }
            };
        }
    };
    let store = &state.reviewer.store;
    if let Err(e) = store.update_subscriber(&subscriber, &session.officer.name, chrono::Utc::now()).await {
        return super::internal_error(e);
    }
    tracing::info!(officer = %session.officer.name, org = %subscriber.org_number, "subscriber saved");
    Redirect::to(&format!("/subscribers/{}", subscriber.org_number)).into_response()
}

pub fn kind_sv(kind: SubscriberKind) -> &'static str {
    match kind {
        SubscriberKind::Authority => "myndighet",
        SubscriberKind::Insurer => "försäkringsbolag",
        SubscriberKind::Other => "annan",
    }
}

pub fn status_sv(s: &Subscriber) -> String {
    match s.terminated_from {
        Some(d) if s.status == crate::domain::SubscriberStatus::Terminated => format!("uppsagd från {d}"),
        _ => "aktiv".to_string(),
    }
}

fn column_sv(column: &str) -> &'static str {
    match column {
        "org_number" => "Organisationsnummer",
        "name" => "Namn",
        "domains" => "Domäner",
        "kind" => "Slag",
        "status" => "Status",
        _ => "Andra namn",
    }
}

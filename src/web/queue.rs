//! The quarantine queue: oldest first, filtered by reason and age.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use strum::VariantArray;

use super::AppState;
use super::layout::{local_time, page, reason_sv};
use super::session::SignedIn;
use crate::domain::{Code, Reason};
use crate::store::QuarantineStatus;

#[derive(Deserialize, Default)]
pub struct Filter {
    /// A reason code.
    #[serde(default)]
    skal: String,
    /// Only items at least this many days old.
    #[serde(default)]
    alder: String,
}

pub async fn queue(
    State(state): State<Arc<AppState>>,
    SignedIn(session): SignedIn,
    Query(filter): Query<Filter>,
) -> Response {
    let store = &state.reviewer.store;
    let items = match store.quarantine(QuarantineStatus::Open).await {
        Ok(items) => items,
        Err(e) => return super::internal_error(e),
    };
    let total = items.len();
    let reason = filter.skal.parse::<Reason>().ok();
    let min_days: i64 = filter.alder.parse().unwrap_or(0);
    let now = Utc::now();
    let mut rows = Vec::new();
    for item in items {
        if reason.is_some_and(|r| !item.reasons.contains(&r)) {
            continue;
        }
        let age_days = (now - item.created_at).num_days();
        if age_days < min_days {
            continue;
        }
        match store.message(item.message_id).await {
            Ok(Some(m)) => rows.push((item, m, age_days)),
            Ok(None) => {}
            Err(e) => return super::internal_error(e),
        }
    }
    let tz = state.reviewer.replies.timezone;
    let body = html! {
        p { (total) " ärenden väntar på beslut." @if rows.len() != total { " Filtret visar " (rows.len()) "." } }
        form.filters method="get" action="/queue" {
            div {
                label for="skal" { "Skäl" }
                select #skal name="skal" {
                    option value="" { "Alla" }
                    @for r in Reason::VARIANTS {
                        option value=(r.as_str()) selected[reason == Some(*r)] { (reason_sv(*r)) }
                    }
                }
            }
            div {
                label for="alder" { "Äldre än" }
                select #alder name="alder" {
                    @for (days, label) in [(0, "Alla"), (1, "1 dag"), (3, "3 dagar"), (7, "7 dagar"), (30, "30 dagar")] {
                        option value=(days) selected[min_days == days] { (label) }
                    }
                }
            }
            button type="submit" { "Filtrera" }
        }
        table {
            thead { tr { th { "Ärende" } th { "Mottaget" } th { "Avsändare" } th { "Ämne" } th { "Varför" } } }
            tbody {
                @for (item, message, age) in &rows {
                    tr {
                        td { a href={ "/items/" (item.id) } { "#" (item.id) } }
                        td { (local_time(message.received_at, tz)) " (" (age) " d)" }
                        td { (message.from_address.as_deref().unwrap_or("–")) }
                        td { (message.subject) }
                        td { @for r in &item.reasons { div { (reason_sv(*r)) } } }
                    }
                }
            }
        }
    };
    page("Karantänkö", Some(&session), &state.warnings().await, body).into_response()
}

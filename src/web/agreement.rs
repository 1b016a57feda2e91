//! The agreement figures for officers and their managers: how often
//! officers confirmed the intake's reading unchanged, corrected it, or
//! rejected it — shadow mode's proposals first, since they decide when the
//! intake may work on its own.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::AppState;
use super::layout::{field_sv, page, reason_sv};
use super::session::SignedIn;
use crate::review::agreement::{self, Tally};

pub async fn show(State(state): State<Arc<AppState>>, SignedIn(session): SignedIn) -> Response {
    let items = match state.reviewer.store.decided_items().await {
        Ok(items) => items,
        Err(e) => return super::internal_error(e),
    };
    let r = agreement::summarise(&items, chrono::Utc::now());
    let body = html! {
        p { "Hur ofta handläggarna bekräftade tjänstens tolkning oförändrad, rättade en uppgift eller avvisade ärendet. "
            "Förslagen i skuggläge är tjänstens egna beslut: deras samstämmighet visar när tjänsten kan få registrera själv." }
        table {
            thead { tr { th { "" } th { "Beslutade" } th { "Oförändrade" } th { "Rättade" } th { "Avvisade" } th { "Samstämmighet" } } }
            tbody {
                (row("Förslag (skuggläge)", &r.proposed))
                (row("Förslag, senaste 30 dagarna", &r.proposed_last_30_days))
                (row("Alla beslutade ärenden", &r.overall))
                (row("Alla, senaste 30 dagarna", &r.last_30_days))
            }
        }
        section {
            h2 { "Rättade uppgifter" }
            table {
                thead { tr { th { "Uppgift" } th { "Rättad i, alla" } th { "Rättad i, senaste 30 dagarna" } } }
                tbody {
                    @for (f, recent) in r.per_field.iter().zip(&r.per_field_last_30_days) {
                        tr {
                            td { (field_sv(f.field)) }
                            td { (f.corrected) " av " (f.approved) " godkännanden" }
                            td { (recent.corrected) " av " (recent.approved) " godkännanden" }
                        }
                    }
                }
            }
        }
        @if !r.per_reason.is_empty() {
            section {
                h2 { "Per skäl" }
                table {
                    thead { tr { th { "Skäl" } th { "Beslutade" } th { "Oförändrade" } th { "Rättade" } th { "Avvisade" } th { "Samstämmighet" } } }
                    tbody { @for t in &r.per_reason { (row(reason_sv(t.reason), &t.tally)) } }
                }
            }
        }
        @if !r.per_reason_last_30_days.is_empty() {
            section {
                h2 { "Per skäl, senaste 30 dagarna" }
                p { "En ny sorts brev som reglerna läser fel syns här först, som fler rättelser." }
                table {
                    thead { tr { th { "Skäl" } th { "Beslutade" } th { "Oförändrade" } th { "Rättade" } th { "Avvisade" } th { "Samstämmighet" } } }
                    tbody { @for t in &r.per_reason_last_30_days { (row(reason_sv(t.reason), &t.tally)) } }
                }
            }
        }
    };
    page("Samstämmighet med handläggarna", Some(&session), &state.warnings().await, body).into_response()
}

fn row(label: &str, t: &Tally) -> Markup {
    html! {
        tr { td { (label) } td { (t.decided) } td { (t.unchanged) } td { (t.corrected) } td { (t.rejected) } td { (t.agreement_text()) } }
    }
}

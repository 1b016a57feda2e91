//! The officers' overview (`/`): what came in over the last day and week, by
//! verdict; what waits for an officer and for how long; answers that
//! failed; and the terminations on file by the month they take effect, as a
//! bar chart drawn here as SVG (no script, within the pages' CSP: only
//! presentation attributes, no inline styles).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use maud::{Markup, html};

use super::AppState;
use super::layout::page;
use super::session::SignedIn;

fn verdict_sv(code: &str) -> &'static str {
    match code {
        "accept" => "Registrerade automatiskt",
        "incomplete" => "Ofullständiga (avsändaren tillfrågad)",
        "quarantine" => "Till handläggare",
        "ignore" => "Ignorerade (autosvar, studsar)",
        _ => "Övriga",
    }
}

/// Days and hours, for an age.
fn age_sv(secs: i64) -> String {
    let (days, hours) = (secs / 86_400, (secs % 86_400) / 3_600);
    match days {
        0 if hours == 0 => "under en timme".to_string(),
        0 if hours == 1 => "1 timme".to_string(),
        0 => format!("{hours} timmar"),
        1 => format!("1 dag {hours} timmar"),
        d => format!("{d} dagar"),
    }
}

/// Seconds and minutes too, for what a backlog being worked off is watched by.
fn recent_sv(secs: i64) -> String {
    match secs.max(0) {
        1 => "1 sekund".to_string(),
        s @ 0..60 => format!("{s} sekunder"),
        60..120 => "1 minut".to_string(),
        s @ 120..3_600 => format!("{} minuter", s / 60),
        s => age_sv(s),
    }
}

/// The overview's pace of the outbox: answers sent within this many minutes.
const SENT_LATELY_MINUTES: i64 = 10;

pub async fn show(State(state): State<Arc<AppState>>, SignedIn(session): SignedIn) -> Response {
    let store = &state.reviewer.store;
    let now = Utc::now();
    let (day, week, figures, months, sent_lately) = match tokio::try_join!(
        store.verdicts_since(now - Duration::hours(24)),
        store.verdicts_since(now - Duration::days(7)),
        store.figures(),
        store.terminations_by_month(),
        store.answers_sent_since(now - Duration::minutes(SENT_LATELY_MINUTES)),
    ) {
        Ok(all) => all,
        Err(e) => return super::internal_error(e),
    };
    let count = |rows: &[(String, i64)], verdict: &str| rows.iter().find(|(v, _)| v == verdict).map_or(0, |(_, n)| *n);
    let total = |rows: &[(String, i64)]| rows.iter().map(|(_, n)| n).sum::<i64>();
    let body = html! {
        section {
            h2 { "Inkommet" }
            table.overview {
                thead { tr { th { "" } th { "Senaste dygnet" } th { "Senaste 7 dagarna" } } }
                tbody {
                    @for verdict in ["accept", "incomplete", "quarantine", "ignore"] {
                        tr { td { (verdict_sv(verdict)) } td { (count(&day, verdict)) } td { (count(&week, verdict)) } }
                    }
                    tr { th { "Totalt" } th { (total(&day)) } th { (total(&week)) } }
                }
            }
        }
        section {
            h2 { "Väntar" }
            // The whole job: what the mailbox still holds, what the outbox still has to send.
            p.mailbox {
                @match figures.mailbox_waiting {
                    Some((waiting, at)) => {
                        (waiting) " mejl väntar i brevlådan på att läsas"
                        " (sett för " (recent_sv((now - at).num_seconds())) " sedan)."
                    }
                    None => "Brevlådan har inte lästs än.",
                }
            }
            p.answers {
                (figures.outbox_pending) " svar väntar på att skickas"
                @if let Some(t) = figures.oldest_pending_answer { "; det äldsta köades för " (recent_sv((now - t).num_seconds())) " sedan" }
                ". " (sent_lately) " svar skickades de senaste " (SENT_LATELY_MINUTES) " minuterna."
            }
            p {
                a href="/queue" { (figures.quarantine_open) " ärenden" } " väntar på beslut"
                @if let Some(t) = figures.oldest_open_item { "; det äldsta har väntat " (age_sv((now - t).num_seconds())) }
                "."
            }
            p {
                @if figures.outbox_failed > 0 {
                    strong { a href="/outbox" { (figures.outbox_failed) " svar kunde inte skickas" } }
                    " och väntar på åtgärd."
                } @else {
                    "Inga misslyckade svar."
                }
            }
        }
        section {
            h2 { "Registrerade uppsägningar per månad de börjar gälla" }
            (chart(&months))
        }
    };
    page("Översikt", Some(&session), &state.warnings().await, body).into_response()
}

const WIDTH: i64 = 720;
const HEIGHT: i64 = 220;
const BASE: i64 = 180;
/// The chart shows at most this many months, the latest ones.
const MONTHS: usize = 24;

/// One bar per month, its count above it and the month below.
fn chart(months: &[(String, i64)]) -> Markup {
    let shown = &months[months.len().saturating_sub(MONTHS)..];
    if shown.is_empty() {
        return html! { p { "Inga registrerade uppsägningar." } };
    }
    let max = shown.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let slot = WIDTH / shown.len() as i64;
    let bar = (slot * 2 / 3).clamp(4, 48);
    let label = shown.iter().map(|(m, n)| format!("{m}: {n}")).collect::<Vec<_>>().join(", ");
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(HEIGHT) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
            role="img" aria-label={ "Uppsägningar per månad: " (label) } {
            line x1="0" y1=(BASE) x2=(WIDTH) y2=(BASE) stroke="#444" stroke-width="1" {}
            @for (i, (month, n)) in shown.iter().enumerate() {
                @let h = (BASE - 20) * n / max;
                @let x = i as i64 * slot + (slot - bar) / 2;
                g {
                    title { (month) ": " (n) }
                    rect.bar x=(x) y=(BASE - h) width=(bar) height=(h) fill="#2b5c8a" {}
                    text x=(x + bar / 2) y=(BASE - h - 4) text-anchor="middle" font-size="11" { (n) }
                    text x=(x + bar / 2) y=(BASE + 14) text-anchor="middle" font-size="10" { (month) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_draws_one_bar_per_month_scaled_to_the_largest() {
        let months = vec![("2027-01".to_string(), 4), ("2027-02".to_string(), 1)];
        let svg = chart(&months).into_string();
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert!(svg.contains("height=\"160\""), "the largest month fills the chart: {svg}");
        assert!(svg.contains("height=\"40\""), "a quarter of it: {svg}");
        assert!(svg.contains("2027-02: 1"));
        assert!(!svg.contains("style="), "no inline styles (the CSP refuses them)");
        assert!(chart(&[]).into_string().contains("Inga registrerade"));
    }

    #[test]
    fn recent_ages_read_in_seconds_and_minutes() {
        assert_eq!(recent_sv(0), "0 sekunder");
        assert_eq!(recent_sv(1), "1 sekund");
        assert_eq!(recent_sv(59), "59 sekunder");
        assert_eq!(recent_sv(61), "1 minut");
        assert_eq!(recent_sv(3_599), "59 minuter");
        assert_eq!(recent_sv(7_300), "2 timmar");
    }

    #[test]
    fn ages_read_as_days_and_hours() {
        assert_eq!(age_sv(3 * 3600), "3 timmar");
        assert_eq!(age_sv(59), "under en timme");
        assert_eq!(age_sv(86_400 + 7200), "1 dag 2 timmar");
        assert_eq!(age_sv(5 * 86_400), "5 dagar");
    }
}

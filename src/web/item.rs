//! One quarantine item: why it is there, what was found and where, the mail
//! as text, its attachments; and the decisions.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{csrf_field, error_box, field_sv, local_time, page, quarantine_status_sv, reason_sv};
use super::session::{CsrfOnly, SignedIn};
use super::{AppState, Numbers};
use crate::domain::{Code, Field};
use crate::extract::Evidence;
use crate::mail::SectionKind;
use crate::review::{Corrections, IfOnFile, ItemView, ReviewError};
use crate::store::{OfficerSession, QuarantineStatus};

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    klart: String,
    /// The item just decided, when the officer was taken on to this one.
    #[serde(default)]
    forra: Option<i64>,
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    SignedIn(session): SignedIn,
    Numbers(id): Numbers<i64>,
    Query(done): Query<Done>,
) -> Response {
    let notice = match done.klart.as_str() {
        "godkant" => Some("Ärendet är godkänt: uppsägningen är registrerad och bekräftelsen köad."),
        "avvisat" => Some("Ärendet är avvisat."),
        "oppnat" => Some("Ärendet är öppnat igen."),
        "ersatt" => {
            Some("Ärendet är godkänt: den tidigare uppsägningen är ersatt och bekräftelsen av det nya datumet köad.")
        }
        "behallet" => Some("Ärendet är stängt: den registrerade uppsägningen står kvar."),
        _ => None,
    };
    let notice = match (notice, done.forra) {
        (Some(n), Some(previous)) => Some(format!("Ärende #{previous}: {n} Här är nästa ärende i kön.")),
        (n, _) => n.map(str::to_string),
    };
    render(&state, &session, id, None, notice.as_deref(), None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    session: &OfficerSession,
    id: i64,
    error: Option<String>,
    notice: Option<&str>,
    entered: Option<&Corrections>,
    status: StatusCode,
) -> Response {
    match state.reviewer.item(id).await {
        Ok(view) => {
            let body = item_body(state, session, &view, error, notice, entered);
            (status, page(&format!("Ärende #{id}"), Some(session), &state.warnings().await, body)).into_response()
        }
        Err(ReviewError::NotFound(_)) => (StatusCode::NOT_FOUND, "Ärendet finns inte.").into_response(),
        Err(e) => super::internal_error(e),
    }
}

/// The evidence line with the value marked: where the extraction found it,
/// or (extractions stored before the place was recorded) where the value
/// stands in the line.
fn evidence(ev: Option<&Evidence>, value: &str) -> Markup {
    let Some(ev) = ev else { return html! { span.kind { "–" } } };
    let line = ev.text.as_str();
    let at = if !ev.value().is_empty() {
        Some(ev.at)
    } else {
        (!value.is_empty()).then(|| line.find(value)).flatten().map(|at| (at, at + value.len()))
    };
    match at {
        Some((start, end)) => html! { (&line[..start]) mark { (&line[start..end]) } (&line[end..]) },
        None => html! { (line) },
    }
}

fn item_body(
    state: &AppState,
    session: &OfficerSession,
    view: &ItemView,
    error: Option<String>,
    notice: Option<&str>,
    entered: Option<&Corrections>,
) -> Markup {
    let tz = state.reviewer.replies.timezone;
    let ex = view.extraction.as_ref();
    let org_number = ex.and_then(|e| e.org_number()).map(|n| n.to_string()).unwrap_or_default();
    let org_name = ex.and_then(|e| e.org_name()).unwrap_or_default().to_string();
    let date = ex.and_then(|e| e.effective_date()).map(|d| d.to_string()).unwrap_or_default();
    let number_ev = ex.and_then(|e| match &e.org_number {
        crate::extract::OrgNumberFinding::Found(f) => Some(&f.evidence),
        crate::extract::OrgNumberFinding::Invalid { evidence, .. } => Some(evidence),
        _ => None,
    });
    let name_ev = ex.and_then(|e| match &e.org_name {
        crate::extract::NameFinding::Found(f) => Some(&f.evidence),
        _ => None,
    });
    let date_ev = ex.and_then(|e| match &e.effective_date {
        crate::extract::DateFinding::Found(f) => Some(&f.evidence),
        crate::extract::DateFinding::Invalid { evidence } | crate::extract::DateFinding::NotADate { evidence } => {
            Some(evidence)
        }
        _ => None,
    });
    let intent_ev = ex.and_then(|e| e.intent.evidence.as_ref());
    // The form is filled in only with values that pass the rules; what the
    // officer entered is shown again after a refusal.
    let proposal = state.reviewer.proposal(view);
    let value = |given: Option<&Option<String>>, proposed: &Option<String>| {
        given.and_then(|g| g.clone()).or_else(|| proposed.clone()).unwrap_or_default()
    };
    let item = &view.item;
    let ignored_reply_to = view.mail.as_ref().and_then(crate::reply::ignored_reply_to);
    html! {
        @if let Some(e) = error { (error_box(&e)) }
        @if let Some(n) = notice { p.notice { (n) } }
        @if let Some(at) = view.message.purged_at {
            p.notice { "Meddelandets text, ämne och fynd rensades " (local_time(at, tz))
                " enligt gallringsregeln (retention.raw_days). Beslutet, värdena och loggen finns kvar." }
        }
        @if item.reasons.contains(&crate::domain::Reason::Proposed) {
            p.notice { "Tjänsten föreslår att uppsägningen registreras med värdena nedan (skuggläge). "
                "Bekräfta dem oförändrade, rätta en uppgift eller avvisa." }
        }
        section {
            h2 { "Varför ärendet är här" }
            ul { @for r in &item.reasons { li { (reason_sv(*r)) " " span.kind { "(" (r.as_str()) ")" } } } }
            @if !view.message.missing.is_empty() {
                p { "Saknas eller är ogiltigt: " (view.message.missing.iter().map(|f| field_sv(*f)).collect::<Vec<_>>().join(", ")) }
            }
            p { "Status: " strong { (quarantine_status_sv(item.status)) }
                @if let (Some(by), Some(at)) = (&item.decided_by, &item.decided_at) { " av " (by) " " (local_time(*at, tz)) }
                @if let Some(note) = &item.decision_note { " – " (note) } }
        }
        @if let Some(ex) = ex.filter(|e| e.reading.unexplained().next().is_some()) {
            section {
                h2 { "Meningar som kan ändra innebörden" }
                p { "Tjänsten känner inte igen vad de här meningarna gör i brevet. Läs dem innan du beslutar." }
                ul.unexplained {
                    @for s in ex.reading.unexplained() {
                        li { mark { (s.evidence.text) } " " span.kind { "(" (markers_sv(&s.markers)) ")" } }
                    }
                }
            }
        }
        section {
            h2 { "Det som hittades" }
            table {
                thead { tr { th { "Uppgift" } th { "Värde" } th { "Ur texten" } } }
                tbody {
                    tr { td { "Ärendet" } td { (ex.map(|e| intent_sv(e.intent.intent)).unwrap_or("–")) } td { (evidence(intent_ev, "")) } }
                    tr { td { "Organisationsnummer" } td { (org_number) } td { (evidence(number_ev, &org_number)) } }
                    @for (value, ev) in candidates(ex, Candidate::Number) {
                        tr { td.kind { "– kandidat" } td { (value) } td { (evidence(Some(ev), &value)) } }
                    }
                    tr { td { "Organisationsnamn" } td { (org_name) } td { (evidence(name_ev, &org_name)) } }
                    @for (value, ev) in candidates(ex, Candidate::Name) {
                        tr { td.kind { "– kandidat" } td { (value) } td { (evidence(Some(ev), &value)) } }
                    }
                    tr { td { "Datum" } td { (date) } td { (evidence(date_ev, "")) } }
                    @for (value, ev) in candidates(ex, Candidate::Date) {
                        tr { td.kind { "– kandidat" } td { (value) } td { (evidence(Some(ev), "")) } }
                    }
                }
            }
        }
        @if let (Some(t), true) = (&view.on_file, item.status == QuarantineStatus::Open) {
            section.on-file {
                h2 { "Redan registrerad uppsägning" }
                table {
                    thead { tr { th { "" } th { "Registrerad" } th { "Den nya begäran" } } }
                    tbody {
                        tr { th { "Organisationsnummer" } td { (t.org_number) } td { (proposal.org_number.clone().unwrap_or_default()) } }
                        tr { th { "Organisationsnamn" } td { (t.org_name) } td { (proposal.org_name.clone().unwrap_or_default()) } }
                        tr { th { "Gäller från" } td { strong { (t.effective_date) } } td { strong { (proposal.effective_date.clone().unwrap_or_default()) } } }
                        tr { th { "Registrerad av" } td { (t.recorded_by) " " (local_time(t.recorded_at, tz)) } td { "–" } }
                    }
                }
                p { "Godkänn med ”Ersätt” nedan för att låta den nya begäran gälla, eller behåll den registrerade." }
                form method="post" action={ "/items/" (item.id) "/keep" } {
                    (csrf_field(session))
                    label { input type="checkbox" name="answer" value="yes" checked; " Svara avsändaren att uppsägningen redan är registrerad från " (t.effective_date) }
                    div { button type="submit" { "Behåll den registrerade" } }
                }
            }
        }
        @if item.status == QuarantineStatus::Open {
            div.columns {
                section {
                    h2 { "Godkänn" }
                    form method="post" action={ "/items/" (item.id) "/approve" } {
                        (csrf_field(session))
                        (field_input(Field::OrgNumber, "Organisationsnummer", &choices(ex, Candidate::Number), &value(entered.map(|c| &c.org_number), &proposal.org_number)))
                        (field_input(Field::OrgName, "Organisationsnamn", &choices(ex, Candidate::Name), &value(entered.map(|c| &c.org_name), &proposal.org_name)))
                        (field_input(Field::EffectiveDate, "Gäller från", &choices(ex, Candidate::Date), &value(entered.map(|c| &c.effective_date), &proposal.effective_date)))
                        @if let Some(t) = &view.on_file {
                            label { input type="checkbox" name="replace" value="yes"; " Ersätt den registrerade uppsägningen (från " (t.effective_date) ")" }
                        }
                        div { button type="submit" { "Godkänn och registrera" } }
                    }
                }
                section {
                    h2 { "Avvisa" }
                    form method="post" action={ "/items/" (item.id) "/reject" } {
                        (csrf_field(session))
                        label for="reason" { "Skäl (sparas i loggen; skickas till avsändaren om du väljer det)" }
                        textarea #reason name="reason" rows="4" maxlength="2000" required {}
                        label { input type="checkbox" name="answer" value="yes"; " Svara avsändaren med skälet" }
                        div { button type="submit" { "Avvisa" } }
                    }
                }
            }
        } @else {
            section {
                form method="post" action={ "/items/" (item.id) "/reopen" } {
                    (csrf_field(session))
                    button type="submit" { "Öppna ärendet igen" }
                    @if item.status == QuarantineStatus::Approved { " " span.kind { "(den registrerade uppsägningen återkallas)" } }
                }
            }
        }
        section {
            h2 { "Meddelandet" }
            table {
                tbody {
                    tr { th { "Från" } td { (view.mail.as_ref().and_then(|m| m.from.as_ref()).map(|f| f.address.as_str()).unwrap_or("–")) } }
                    tr { th { "Svara till" } td {
                        (view.mail.as_ref().and_then(|m| m.reply_to.as_ref()).map(|f| f.address.as_str()).unwrap_or("–"))
                        @if ignored_reply_to.is_some() { " " strong { "(används inte: utanför avsändarens organisation; svar går till Från-adressen)" } }
                    } }
                    tr { th { "Avsändarkontroll" } td { (view.message.sender_auth.as_deref().unwrap_or("–")) } }
                    tr { th { "I abonnentregistret" } td {
                        @match &view.subscriber {
                            Some(s) => {
                                a href={ "/subscribers/" (s.org_number) } { (s.name) }
                                " – " (s.domains.join(" ")) " – " (super::subscribers::kind_sv(s.kind)) ", " (super::subscribers::status_sv(s))
                            }
                            None => { "–" }
                        }
                    } }
                    tr { th { "Ämne" } td { (view.message.subject) } }
                    tr { th { "Datum (rubrik)" } td { (view.mail.as_ref().and_then(|m| m.date).map(|d| d.to_rfc2822()).unwrap_or_default()) } }
                    tr { th { "Mottaget" } td { (local_time(view.message.received_at, tz)) } }
                    tr { th { "Message-ID" } td { (view.message.message_id.as_deref().unwrap_or("–")) } }
                    tr { th { "Referens" } td { (crate::reply::reference(view.message.case_id))
                        @if view.message.case_id != view.message.id { " " span.kind { "(svar i ett tidigare ärende)" } } } }
                }
            }
            @if let Some(mail) = &view.mail {
                @for s in &mail.sections {
                    h3.kind { (match s.kind {
                        SectionKind::New => "Avsändarens text",
                        SectionKind::Quoted => "Citerad historik",
                        SectionKind::Forwarded => "Vidarebefordrat meddelande",
                        SectionKind::Disclaimer => "Ansvarsfriskrivning",
                    }) }
                    pre { (s.text) }
                }
                @if !mail.attachments.is_empty() {
                    h3 { "Bilagor" }
                    ul {
                        @for (n, a) in mail.attachments.iter().enumerate() {
                            li { a href={ "/items/" (item.id) "/attachments/" (n) } { (a.name) } " " span.kind { "(" (a.content_type) ", " (a.size) " byte)" } }
                        }
                    }
                }
                @if !mail.problems.is_empty() {
                    p.kind { "Avkodning: " (mail.problems.join("; ")) }
                }
            } @else if view.message.purged_at.is_none() {
                p { "Meddelandet kan inte läsas som e-post." }
            }
        }
    }
}

/// The form's name, length limit and input type for a field.
fn form_field(f: Field) -> (&'static str, u32, &'static str) {
    match f {
        Field::OrgNumber => ("org_number", 20, "text"),
        Field::OrgName => ("org_name", 200, "text"),
        // Browsers show a date picker and send YYYY-MM-DD.
        _ => ("effective_date", 10, "date"),
    }
}

/// The values offered for a field: the intake's candidates, each once.
fn choices(ex: Option<&crate::extract::Extraction>, which: Candidate) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (value, _) in candidates(ex, which) {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// One field of the approval form. Where the intake found several
/// candidates, each is a choice (no script needed), with "another value"
/// and a box to type it in; otherwise just the box, filled with `current`.
fn field_input(field: Field, label: &str, choices: &[String], current: &str) -> Markup {
    let (name, max, kind) = form_field(field);
    let other = !choices.iter().any(|c| c == current);
    html! {
        @if choices.is_empty() {
            label for=(name) { (label) }
            input id=(name) type=(kind) name=(name) maxlength=(max) value=(current) required;
        } @else {
            fieldset {
                legend { (label) " – välj en av kandidaterna eller skriv ett annat värde" }
                @for (i, c) in choices.iter().enumerate() {
                    label.choice { input id={ (name) "-" (i) } type="radio" name={ (name) "_choice" } value=(c) checked[c == current]; " " (c) }
                }
                label.choice { input id={ (name) "-other" } type="radio" name={ (name) "_choice" } value=(OTHER) checked[other]; " Annat värde:" }
                input id=(name) type=(kind) name=(name) maxlength=(max) value=(if other { current } else { "" }) aria-label={ (label) ", annat värde" };
            }
        }
    }
}

/// The choice that means "the value typed in the box".
const OTHER: &str = "other";

/// The value an approval form gives for a field: the chosen candidate, or
/// the typed value when "another value" (or no choice) was taken.
fn picked(choice: &Option<String>, typed: &str) -> String {
    match choice.as_deref().map(str::trim) {
        Some(c) if c != OTHER && !c.is_empty() => c.to_string(),
        _ => typed.trim().to_string(),
    }
}

/// What an unexplained sentence mentions, in Swedish.
fn markers_sv(markers: &[crate::extract::Marker]) -> String {
    use crate::extract::Marker;
    let words: Vec<&str> = markers
        .iter()
        .map(|m| match m {
            Marker::Service => "tjänsten",
            Marker::Unit => "en del av organisationen",
            Marker::Organisation => "en annan organisation",
            Marker::Condition => "ett villkor",
            Marker::Date => "ett datum",
            Marker::Time => "en tid",
            Marker::Person => "en person",
            Marker::Question => "en fråga",
            Marker::Restriction => "en begränsning",
        })
        .collect();
    format!("nämner {}", words.join(", "))
}

fn intent_sv(i: crate::extract::Intent) -> &'static str {
    use crate::extract::Intent;
    match i {
        Intent::Terminate => "uppsägning",
        Intent::Question => "fråga",
        Intent::Uncertain => "osäker (övervägs, planeras)",
        Intent::Withdrawal => "återkallelse",
        Intent::OtherService => "annan tjänst",
        Intent::None => "ingen uppsägning",
    }
}

#[derive(Clone, Copy)]
enum Candidate {
    Number,
    Name,
    Date,
}

/// The competing values of an ambiguous finding, each with its evidence.
fn candidates(ex: Option<&crate::extract::Extraction>, which: Candidate) -> Vec<(String, &Evidence)> {
    use crate::extract::{DateFinding, NameFinding, OrgNumberFinding};
    let Some(ex) = ex else { return Vec::new() };
    match which {
        Candidate::Number => match &ex.org_number {
            OrgNumberFinding::Ambiguous { candidates } => {
                candidates.iter().map(|c| (c.value.to_string(), &c.evidence)).collect()
            }
            _ => Vec::new(),
        },
        Candidate::Name => match &ex.org_name {
            NameFinding::Ambiguous { candidates, .. } => {
                candidates.iter().map(|c| (c.value.clone(), &c.evidence)).collect()
            }
            _ => Vec::new(),
        },
        Candidate::Date => match &ex.effective_date {
            DateFinding::Ambiguous { candidates } => {
                candidates.iter().map(|c| (c.value.to_string(), &c.evidence)).collect()
            }
            _ => Vec::new(),
        },
    }
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org_number: String,
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    effective_date: String,
    /// A candidate chosen for a field (`other`: the typed value).
    #[serde(default)]
    org_number_choice: Option<String>,
    #[serde(default)]
    org_name_choice: Option<String>,
    #[serde(default)]
    effective_date_choice: Option<String>,
    /// Present: a termination on file for the organisation is replaced.
    #[serde(default)]
    replace: Option<String>,
}

fn decision_error(e: &ReviewError) -> (StatusCode, String) {
    match e {
        ReviewError::AlreadyDecided { status, by, at, .. } => (
            StatusCode::CONFLICT,
            format!(
                "Ärendet har redan beslutats ({}) av {by} {at}. Ditt beslut sparades inte.",
                quarantine_status_sv(*status)
            ),
        ),
        ReviewError::Invalid { field, message } => (StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: {message}")),
        ReviewError::AlreadyOnFile { org_number, effective_date } => {
            let date = effective_date.map(|d| format!(" från {d}")).unwrap_or_default();
            (
                StatusCode::CONFLICT,
                format!(
                    "{org_number} har redan en registrerad uppsägning{date}. Kryssa i ”Ersätt” för att låta den nya \
                     gälla, eller behåll den registrerade."
                ),
            )
        }
        ReviewError::NotDecided(_) => (StatusCode::CONFLICT, "Ärendet är redan öppet.".into()),
        other => (StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

/// Back to the item: with a notice when the decision was taken, or with the
/// reason it was not (and what the officer entered).
async fn after_decision(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    result: Result<(), ReviewError>,
    done: &str,
    entered: Option<&Corrections>,
) -> Response {
    match result {
        // On to the next item waiting, as an officer working the queue expects.
        Ok(()) => match next_open(state, id).await {
            Some(next) => Redirect::to(&format!("/items/{next}?forra={id}&klart={done}")).into_response(),
            None => Redirect::to(&format!("/items/{id}?klart={done}")).into_response(),
        },
        Err(ReviewError::NotFound(_)) => (StatusCode::NOT_FOUND, "Ärendet finns inte.").into_response(),
        Err(e) => {
            let (status, message) = decision_error(&e);
            render(state, &signed_in.0, id, Some(message), None, entered, status).await
        }
    }
}

/// The oldest open item other than `id`.
async fn next_open(state: &AppState, id: i64) -> Option<i64> {
    let open = state.reviewer.store.quarantine(QuarantineStatus::Open).await.ok()?;
    open.into_iter().map(|item| item.id).find(|&other| other != id)
}

pub async fn approve(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    Numbers(id): Numbers<i64>,
    Form(form): Form<ApproveForm>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    let corrections = Corrections {
        // Every field is given: an empty one is refused, never filled in.
        org_number: Some(picked(&form.org_number_choice, &form.org_number)),
        org_name: Some(picked(&form.org_name_choice, &form.org_name)),
        effective_date: Some(picked(&form.effective_date_choice, &form.effective_date)),
    };
    let (if_on_file, done) = match form.replace {
        Some(_) => (IfOnFile::Replace, "ersatt"),
        None => (IfOnFile::Refuse, "godkant"),
    };
    let result = state.reviewer.approve_with(id, &signed_in.0.officer, &corrections, if_on_file).await.map(|_| ());
    after_decision(&state, &signed_in, id, result, done, Some(&corrections)).await
}

#[derive(Deserialize)]
pub struct KeepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    answer: Option<String>,
}

/// The termination on file stands; the new request is closed.
pub async fn keep(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    Numbers(id): Numbers<i64>,
    Form(form): Form<KeepForm>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    let result = state.reviewer.keep_on_file(id, &signed_in.0.officer, form.answer.is_some()).await;
    after_decision(&state, &signed_in, id, result, "behallet", None).await
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    answer: Option<String>,
}

pub async fn reject(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    Numbers(id): Numbers<i64>,
    Form(form): Form<RejectForm>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    let result = state.reviewer.reject(id, &signed_in.0.officer, &form.reason, form.answer.is_some()).await;
    after_decision(&state, &signed_in, id, result, "avvisat", None).await
}

pub async fn reopen(
    State(state): State<Arc<AppState>>,
    signed_in: SignedIn,
    Numbers(id): Numbers<i64>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refusal) = signed_in.csrf_refusal(&form.csrf) {
        return refusal;
    }
    let result = state.reviewer.reopen(id, &signed_in.0.officer).await;
    after_decision(&state, &signed_in, id, result, "oppnat", None).await
}

/// An attachment, always as a download (never shown inline by the browser).
pub async fn attachment(
    State(state): State<Arc<AppState>>,
    SignedIn(_): SignedIn,
    Numbers((id, n)): Numbers<(i64, usize)>,
) -> Response {
    let store = &state.reviewer.store;
    let raw = match store.quarantine_item(id).await {
        Ok(Some(item)) => match store.raw_message(item.message_id).await {
            Ok(raw) => raw.unwrap_or_default(),
            Err(e) => return super::internal_error(e),
        },
        Ok(None) => return (StatusCode::NOT_FOUND, "Ärendet finns inte.").into_response(),
        Err(e) => return super::internal_error(e),
    };
    let Some(message) = mail_parser::MessageParser::default().parse(&raw) else {
        return (StatusCode::NOT_FOUND, "Bilagan finns inte.").into_response();
    };
    use mail_parser::MimeHeaders;
    let Some(part) = message.attachments().nth(n) else {
        return (StatusCode::NOT_FOUND, "Bilagan finns inte.").into_response();
    };
    let name: String = part
        .attachment_name()
        .unwrap_or("bilaga")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        part.contents().to_vec(),
    )
        .into_response()
}

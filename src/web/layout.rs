//! The page shell, the style sheet and the Swedish words for codes.

use maud::{DOCTYPE, Markup, html};

use chrono::{DateTime, Utc};

use crate::domain::{Field, Reason};
use crate::store::{OfficerSession, OutboxStatus, QuarantineStatus};

pub const STYLE: &str = include_str!("style.css");

/// A whole page. `session` adds the navigation and the sign-out form;
/// `warnings` stand above the title on every page (trust checks off, an
/// empty registry).
pub fn page(title: &str, session: Option<&OfficerSession>, warnings: &[String], body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="sv" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – LEFI-uppsägningar" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header {
                    span.brand { "LEFI-uppsägningar" }
                    @if let Some(s) = session {
                        nav {
                            a href="/" { "Översikt" }
                            a href="/queue" { "Karantänkö" }
                            a href="/terminations" { "Uppsägningar" }
                            a href="/subscribers" { "Abonnenter" }
                            a href="/agreement" { "Samstämmighet" }
                            a href="/outbox" { "Utskick" }
                            a href="/officers" { "Handläggare" }
                            a href="/audit" { "Logg" }
                        }
                        form.signout method="post" action="/logout" {
                            (csrf_field(s))
                            span { (s.officer.display_name) }
                            button type="submit" { "Logga ut" }
                        }
                    }
                }
                main {
                    @for w in warnings { p.warning role="alert" { (w) } }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

pub fn csrf_field(session: &OfficerSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf_token); }
}

/// The longest search an officer may type.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The refusal of a search longer than [`MAX_SEARCH_CHARS`].
pub fn search_too_long(q: &str) -> Option<Markup> {
    (q.chars().count() > MAX_SEARCH_CHARS)
        .then(|| error_box(&format!("Sökningen får vara högst {MAX_SEARCH_CHARS} tecken.")))
}

pub fn error_box(message: &str) -> Markup {
    html! { p.error role="alert" { (message) } }
}

pub fn reason_sv(r: Reason) -> &'static str {
    match r {
        Reason::OrgNumberChecksum => "Organisationsnumrets kontrollsiffra stämmer inte",
        Reason::OrgNumberIsPersonal => "Numret som angavs är ett personnummer",
        Reason::EffectiveDateInPast => "Datumet har redan passerat",
        Reason::EffectiveDateInvalid => "Datumet finns inte eller är orimligt",
        Reason::EffectiveDateNotADate => "Inget datum, bara till exempel ”omgående”",
        Reason::EffectiveDateVague => "Ingen bestämd dag (till exempel ”vid årsskiftet” eller ”senast 1 mars”)",
        Reason::ReceivedDateUnknown => "Okänt mottagningsdatum",
        Reason::AmbiguousOrgNumber => "Flera olika organisationsnummer",
        Reason::OrgNumberUnlabelled => "Organisationsnumret står ensamt, utan etikett eller uppsägningsmening",
        Reason::AmbiguousEffectiveDate => "Flera olika datum",
        Reason::AmbiguousOrgName => "Flera olika organisationsnamn",
        Reason::SeveralOrganisations => "Flera organisationer i samma meddelande",
        Reason::NotAnAuthority => "Inte en myndighet (försäkringsbolag säger upp enligt avtal)",
        Reason::Withdrawal => "Återkallar en tidigare uppsägning",
        Reason::Question => "En fråga om hur man säger upp",
        Reason::IntentUncertain => "Uppsägningen är inte beslutad (övervägs, planeras, villkorad)",
        Reason::Forwarded => "Uppsägningen finns bara i ett vidarebefordrat meddelande",
        Reason::OtherService => "Gäller en annan tjänst eller ett nyhetsbrev",
        Reason::AttachmentOnly => "Uppgifterna finns troligen bara i en bilaga",
        Reason::NoTerminationIntent => "Ingen uppsägning uttrycks",
        Reason::AutoReply => "Automatiskt svar",
        Reason::Bounce => "Studsat meddelande",
        Reason::BulkMail => "Massutskick eller e-postlista",
        Reason::OwnMail => "Vårt eget meddelande",
        Reason::Unparseable => "Går inte att läsa som e-post",
        Reason::TooLarge => "För stort för att läsas",
        Reason::TextTruncated => "Texten är för lång och lästes bara delvis",
        Reason::UnexplainedText => "En mening i brevet har ingen känd roll och kan ändra dess innebörd",
        Reason::PartialScope => {
            "Uppsägningen gäller bara en del: en förvaltning, en del av tjänsten eller en persons behörighet"
        }
        Reason::TooManyValues => "Brevet nämner fler än hundra uppsägningar, nummer eller datum och lästes bara delvis",
        Reason::ConflictsWithRecord => "Organisationen har redan en uppsägning med annat datum",
        Reason::SenderNotAuthenticated => "Avsändaren är inte autentiserad (DMARC/DKIM)",
        Reason::SenderForged => "Förfalskad avsändare (DMARC underkänd): besvaras inte",
        Reason::UnknownSubscriber => "Organisationen finns inte i abonnentregistret",
        Reason::SenderDomainMismatch => "Avsändarens domän hör inte till abonnenten",
        Reason::NameMismatch => "Namnet stämmer inte med registrerat namn",
        Reason::Proposed => "Förslag (skuggläge): bekräfta innan något registreras",
        Reason::AlreadyRegistered => "Redan registrerad",
    }
}

pub fn field_sv(f: Field) -> &'static str {
    match f {
        Field::Intent => "att det gäller uppsägning",
        Field::OrgNumber => "organisationsnummer",
        Field::OrgName => "organisationsnamn",
        Field::EffectiveDate => "datum",
    }
}

pub fn quarantine_status_sv(status: QuarantineStatus) -> &'static str {
    match status {
        QuarantineStatus::Open => "öppet",
        QuarantineStatus::Approved => "godkänt",
        QuarantineStatus::Rejected => "avvisat",
    }
}

pub fn outbox_status_sv(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Pending => "väntar",
        OutboxStatus::Sent => "skickat",
        OutboxStatus::Failed => "misslyckat",
    }
}

/// A moment as "2026-11-16 10:14" in the given zone.
pub fn local_time(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

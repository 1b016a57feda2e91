//! The seed's own mail, in every surface form a registrar's tools give it,
//! is always accepted with its exact facts; the same mail with one sentence
//! that restricts, conditions, asks, withdraws or contradicts, placed
//! anywhere in the new text, never is.

use chrono::{Datelike, NaiveDate};
use lefi_intake::analyse::analyse;
use lefi_intake::domain::{Verdict, luhn_check_digit};
use proptest::prelude::*;

/// Organisations as (the first nine digits, the name).
const ORGANISATIONS: &[(&str, &str)] = &[
    ("212000300", "Uppsala kommun"),
    ("212000418", "Sundsvalls kommun"),
    ("232100025", "Region Skåne"),
    ("202100377", "Kriminalvården"),
    ("212000236", "Västerås stad"),
    ("222000147", "Norrbottens kommunförbund"),
];

fn org_number(body: &str) -> String {
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{}-{}{}", &body[..6], &body[6..], luhn_check_digit(&digits))
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One surface form of the canonical mail.
#[derive(Debug, Clone)]
struct Canonical {
    org: usize,
    date: NaiveDate,
    english: bool,
    greeting: usize,
    statement: usize,
    /// The facts: labelled lines in this order (a permutation of 0..3), or prose.
    order: [usize; 3],
    prose: bool,
    date_form: usize,
    courtesy: usize,
    signature: usize,
    disclaimer: usize,
    encoding: usize,
    decomposed: bool,
}

fn canonical() -> impl Strategy<Value = Canonical> {
    (
        (0..ORGANISATIONS.len(), 0u32..365, any::<bool>(), 0usize..4, 0usize..4),
        (Just([0usize, 1, 2]).prop_shuffle(), any::<bool>(), 0usize..4, 0usize..4, 0usize..3),
        (0usize..3, 0usize..7, any::<bool>()),
    )
        .prop_map(
            |(
                (org, day, english, greeting, statement),
                (order, prose, date_form, courtesy, signature),
                (disclaimer, encoding, decomposed),
            )| {
                let order = [order[0], order[1], order[2]];
                let date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Days::new(u64::from(day));
                Canonical {
                    org,
                    date,
                    english,
                    greeting,
                    statement,
                    order,
                    prose,
                    date_form,
                    courtesy,
                    signature,
                    disclaimer,
                    encoding,
                    decomposed,
                }
            },
        )
}

impl Canonical {
    fn number(&self) -> String {
        org_number(ORGANISATIONS[self.org].0)
    }

    fn name(&self) -> &'static str {
        ORGANISATIONS[self.org].1
    }

    fn written_date(&self) -> String {
        let d = self.date;
        match (self.english, self.date_form) {
            (_, 0) => d.to_string(),
            (false, 1) => format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year()),
            (false, 2) => format!("{:02}.{:02}.{}", d.day(), d.month(), d.year()),
            (false, _) => format!("den {} {} {}", d.day(), MONTHS[d.month0() as usize], d.year()),
            (true, 1) => format!("{} {} {}", d.day(), EN_MONTHS[d.month0() as usize], d.year()),
            (true, 2) => format!("{} {}, {}", EN_MONTHS[d.month0() as usize], d.day(), d.year()),
            (true, _) => format!("{} {} {}", d.day(), EN_MONTHS[d.month0() as usize], d.year()),
        }
    }

    /// The paragraphs of the new text, each a list of lines.
    fn paragraphs(&self) -> Vec<Vec<String>> {
        let (name, number, date) = (self.name(), self.number(), self.written_date());
        let mut out = Vec::new();
        let greeting = if self.english {
            ["", "Hello,", "Dear Försäkringskassan,", "Dear Sir or Madam,"][self.greeting]
        } else {
            ["", "Hej,", "Hej Försäkringskassan!", "Till Försäkringskassan"][self.greeting]
        };
        if !greeting.is_empty() {
            out.push(vec![greeting.to_string()]);
        }
        let statement = if self.english {
            [
                "This email concerns the termination of our LEFI Prenumeration subscription.".to_string(),
                format!("{name} hereby terminates the LEFI Prenumeration service."),
                "We hereby give notice of termination of LEFI Prenumeration.".to_string(),
                "This concerns the termination of LEFI Prenumeration.".to_string(),
            ][self.statement]
                .clone()
        } else {
            [
                "Ärendet gäller uppsägning av LEFI Prenumeration.".to_string(),
                format!("Härmed säger {name} upp LEFI Prenumeration."),
                "Detta är en uppsägning av LEFI Prenumeration.".to_string(),
                "Vi säger härmed upp vår prenumeration på LEFI Prenumeration.".to_string(),
            ][self.statement]
                .clone()
        };
        out.push(vec![statement]);
        let facts: [String; 3] = if self.prose {
            if self.english {
                [
                    format!("Our organisation number is {number}."),
                    format!("The organisation is {name}."),
                    format!("The termination applies from {date}."),
                ]
            } else {
                [
                    format!("Vårt organisationsnummer är {number}."),
                    format!("Organisationens namn är {name}."),
                    format!("Uppsägningen ska gälla från och med {date}."),
                ]
            }
        } else if self.english {
            [
                format!("Organisation number: {number}"),
                format!("Organisation name: {name}"),
                format!("Date from which the termination shall apply: {date}"),
            ]
        } else {
            [
                format!("Organisationsnummer: {number}"),
                format!("Organisationsnamn: {name}"),
                format!("Uppsägningen gäller från: {date}"),
            ]
        };
        out.push(self.order.iter().map(|i| facts[*i].clone()).collect());
        let courtesy = if self.english {
            [
                "",
                "Thank you in advance.",
                "Please confirm receipt of this email.",
                "Do not hesitate to contact me if you have any questions.",
            ][self.courtesy]
        } else {
            ["", "Tack på förhand!", "Vänligen bekräfta mottagandet.", "Hör gärna av er om ni har frågor."]
                [self.courtesy]
        };
        if !courtesy.is_empty() {
            out.push(vec![courtesy.to_string()]);
        }
        match self.signature {
            0 => {}
            1 => {
                let closing = if self.english { "Kind regards," } else { "Med vänlig hälsning" };
                out.push(vec![closing.to_string()]);
                out.push(vec![
                    "Anna Andersson".into(),
                    if self.english { "Systems administrator".into() } else { "Registrator".into() },
                    format!("Kommunledningskontoret, {name}"),
                    "Telefon 010-123 45 67".into(),
                    "anna.andersson@example.se".into(),
                ]);
            }
            _ => {
                out.push(vec!["Mvh".into(), "Bo Berg".into(), "IT-avdelningen".into(), name.to_string()]);
            }
        }
        match self.disclaimer {
            1 => out.push(vec![
                "När du skickar e-post till oss behandlas dina personuppgifter enligt dataskyddsförordningen (GDPR)."
                    .into(),
            ]),
            2 => out.push(vec![
                "This e-mail and any attachments may contain confidential information and are intended solely for the addressee."
                    .into(),
            ]),
            _ => {}
        }
        out
    }

    fn raw(&self, paragraphs: &[Vec<String>]) -> Vec<u8> {
        let text = paragraphs.iter().map(|p| p.join("\n")).collect::<Vec<_>>().join("\n\n");
        let text = if self.decomposed {
            use unicode_normalization::UnicodeNormalization;
            text.nfd().collect::<String>()
        } else {
            text
        };
        let subject =
            if self.english { "Termination of LEFI Prenumeration" } else { "Uppsägning av LEFI Prenumeration" };
        let head = format!(
            "From: Anna <anna@example.se>\r\nTo: registeruttag@forsakringskassan.se\r\nSubject: =?utf-8?b?{}?=\r\n\
             Date: Mon, 16 Nov 2026 10:00:00 +0100\r\nMessage-ID: <canonical@example.se>\r\nMIME-Version: 1.0\r\n",
            base64(subject.as_bytes())
        );
        let crlf = |s: &str| s.replace('\n', "\r\n");
        let html = || {
            let paras: Vec<String> = paragraphs
                .iter()
                .map(|p| {
                    format!(
                        "<p class=\"MsoNormal\">{}</p>",
                        p.iter().map(|l| html_escape(l)).collect::<Vec<_>>().join("<br>\n")
                    )
                })
                .collect();
            format!("<html><head><meta charset=\"utf-8\"></head><body>\n{}\n</body></html>", paras.join("\n"))
        };
        let body = match self.encoding {
            0 => format!(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
                crlf(&text)
            ),
            1 => format!(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
                quoted_printable(text.as_bytes())
            ),
            2 => format!(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                base64_lines(text.as_bytes())
            ),
            3 => format!(
                "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
                quoted_printable(&latin1(&text))
            ),
            4 => format!(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
                quoted_printable(html().as_bytes())
            ),
            5 => format!(
                "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; \
                 charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n--b1\r\n\
                 Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
                quoted_printable(&latin1(&text)),
                base64_lines(html().as_bytes())
            ),
            _ => format!(
                "Content-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
                crlf(&text)
            ),
        };
        format!("{head}{body}\r\n").into_bytes()
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_lines(bytes: &[u8]) -> String {
    let encoded = base64(bytes);
    encoded.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\r\n")
}

/// ISO-8859-1 (and windows-1252) bytes of text that holds only Latin-1 letters.
fn latin1(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
}

fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut line = 0;
    for &b in bytes {
        let piece = match b {
            b'\n' => {
                out.push_str("\r\n");
                line = 0;
                continue;
            }
            b'=' => "=3D".to_string(),
            33..=126 | b' ' => (b as char).to_string(),
            _ => format!("={b:02X}"),
        };
        if line + piece.len() > 73 {
            out.push_str("=\r\n");
            line = 0;
        }
        line += piece.len();
        out.push_str(&piece);
    }
    out
}

/// Sentences that change what the mail means, by what they do.
const CHANGERS: &[&str] = &[
    // restrict
    "Uppsägningen gäller endast Socialförvaltningen.",
    "Socialförvaltningen ska däremot ha kvar sin prenumeration.",
    "Utbildningsförvaltningen fortsätter att använda tjänsten som tidigare.",
    "The termination only applies to the Social Services Department.",
    // condition
    "Om budgeten för nästa år godkänns drar vi tillbaka uppsägningen.",
    "Uppsägningen gäller under förutsättning att nämnden fattar beslut den 15 december.",
    "If the price is lowered we would rather keep the service.",
    // ask
    "Kan ni svara på vad uppsägningen kostar oss?",
    "Hur lång är uppsägningstiden?",
    "Could you tell us whether the data for December will still be delivered?",
    // withdraw
    "Vi återkallar härmed vår tidigare uppsägning.",
    // contradict
    "Sista dag vi ska ha tjänsten är den 31 mars 2030.",
    "Uppsägningen ska dock gälla först från och med 2029-06-01.",
    "We still need the data for our ongoing cases until 30 June 2030.",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Whatever the surface, the seed's own mail is a termination with its facts.
    #[test]
    fn the_seeds_canonical_mail_is_always_accepted_with_its_facts(mail in canonical()) {
        let raw = mail.raw(&mail.paragraphs());
        let analysis = analyse(&raw, None, &[]);
        let ex = analysis.extraction.as_ref();
        prop_assert_eq!(analysis.decision.verdict, Verdict::Accept, "{:?}\n{}\n{:?}", mail, String::from_utf8_lossy(&raw), analysis.decision.reasons);
        prop_assert_eq!(ex.and_then(|e| e.org_number()).map(|n| n.to_string()), Some(mail.number()));
        prop_assert_eq!(ex.and_then(|e| e.org_name()), Some(mail.name()));
        prop_assert_eq!(ex.and_then(|e| e.effective_date()), Some(mail.date));
    }

    /// One sentence that restricts, conditions, asks, withdraws or
    /// contradicts, anywhere in the new text: never an automatic termination.
    #[test]
    fn one_sentence_that_changes_the_meaning_anywhere_is_never_accepted(
        mail in canonical(),
        changer in prop::sample::select(CHANGERS),
        at in any::<prop::sample::Index>(),
        own_paragraph in any::<bool>(),
    ) {
        let mut paragraphs = mail.paragraphs();
        // Not inside the disclaimer: that is boilerplate nobody reads as the matter.
        let place = at.index(paragraphs.len() - usize::from(mail.disclaimer > 0) + 1);
        if own_paragraph || place >= paragraphs.len() {
            paragraphs.insert(place.min(paragraphs.len()), vec![changer.to_string()]);
        } else {
            let lines = &mut paragraphs[place];
            lines.push(changer.to_string());
        }
        let raw = mail.raw(&paragraphs);
        let analysis = analyse(&raw, None, &[]);
        prop_assert_ne!(analysis.decision.verdict, Verdict::Accept, "{:?} with {:?}\n{}", mail, changer, String::from_utf8_lossy(&raw));
    }
}

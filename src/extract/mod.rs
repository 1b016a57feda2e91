//! Pure text -> fields. Each extractor returns what it found together with the
//! evidence (the line it came from), so officers can see why, and the decision
//! can tell "absent" from "present but unusable".

mod date;
mod gazetteer;
mod insurer;
mod intent;
mod keywords;
mod municipal;
mod org_name;
mod org_number;
mod party;
mod pattern;
mod reading;
mod termination;
mod text;

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::OrgNumber;
use crate::mail::Inbound;

pub use date::{DateConsidered, DateFinding, DateNote};
pub use insurer::is_insurer_name;
pub use intent::{Intent, IntentFinding, Sentence, SentenceClass};
use keywords::Words;
pub use org_name::NameFinding;
pub use org_number::{
    NumberConsidered, NumberFound, NumberNote, OrgNumberFinding, OrgNumberProblem, mask_personal_numbers,
    replace_personal_numbers,
};
pub use reading::{Marker, ReadSentence, Reading, Role};
use text::Text;

/// The most candidates of one kind (termination sentences, organisation
/// numbers, dates) looked at in a mail. No real mail comes near it; a mail
/// beyond it is written to cost time, and each candidate is weighed against
/// the others, so reading on would cost time growing with the square of its
/// length. What follows the limit is not read (`Extraction::overflow`), and
/// the mail goes to an officer.
pub const MAX_CANDIDATES: usize = 100;

/// Whether `word` names an organisation or a part of one ("kommun",
/// "Socialnämnden", "verket"): public, never a person's name.
pub fn is_organisation_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    gazetteer::ORG_WORDS.iter().any(|w| w.trim() == lower || lower.ends_with(w.trim()))
        || gazetteer::DEPARTMENT_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Which part of the mail a value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOrigin {
    Subject,
    Body,
    /// The forwarded mail inside a forward whose own text said nothing.
    Forwarded,
}

/// The text a value came from: the whole line, bounded, with any personal
/// identity number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub text: String,
    pub source: TextOrigin,
    /// The value's bytes within `text`, for highlighting exactly it. Empty
    /// (0, 0) in extractions stored before it was recorded, or when the value
    /// lies beyond the bounded line.
    #[serde(default)]
    pub at: (usize, usize),
}

const MAX_EVIDENCE_CHARS: usize = 240;

impl Evidence {
    /// `line` with the value at `at` (bytes within `line`).
    pub fn new(line: &str, source: TextOrigin, at: (usize, usize)) -> Self {
        let lead = line.len() - line.trim_start().len();
        let line = line.trim();
        // A line of no more bytes than the limit has no more characters either.
        let bounded = if line.len() <= MAX_EVIDENCE_CHARS {
            line
        } else {
            line.char_indices().nth(MAX_EVIDENCE_CHARS).map_or(line, |(cut, _)| &line[..cut])
        };
        let (start, end) = (at.0.saturating_sub(lead), at.1.saturating_sub(lead));
        if end > bounded.len() || start > end || !bounded.is_char_boundary(start) || !bounded.is_char_boundary(end) {
            return Evidence { text: org_number::mask_personal_numbers(bounded.to_string()), source, at: (0, 0) };
        }
        // Masked in three pieces, so that the value's place is known after the
        // masks (which are longer than the digits) are in.
        let before = org_number::mask_personal_numbers(bounded[..start].to_string());
        let value = org_number::mask_personal_numbers(bounded[start..end].to_string());
        let after = org_number::mask_personal_numbers(bounded[end..].to_string());
        let at = (before.len(), before.len() + value.len());
        Evidence { text: before + &value + &after, source, at }
    }

    /// The value as it stands in the line (empty when its place is unknown).
    pub fn value(&self) -> &str {
        self.text.get(self.at.0..self.at.1).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found<T> {
    pub value: T,
    pub evidence: Evidence,
}

/// Everything extracted from one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extraction {
    pub intent: IntentFinding,
    pub org_number: OrgNumberFinding,
    pub org_name: NameFinding,
    pub effective_date: DateFinding,
    /// Set when the facts were read from a forwarded mail.
    pub read_from: TextOrigin,
    /// The text mentions an attachment ("se bifogad fil", "attached").
    pub mentions_attachment: bool,
    /// Every number of the organisation-number shape looked at, and what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numbers_considered: Vec<NumberConsidered>,
    /// Every date looked at, and what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates_considered: Vec<DateConsidered>,
    /// Every sentence of the new text with the role it was read in.
    #[serde(default, skip_serializing_if = "reading_is_empty")]
    pub reading: Reading,
    /// More than [`MAX_CANDIDATES`] of a kind: the rest was not read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overflow: bool,
}

impl Extraction {
    pub fn org_number(&self) -> Option<OrgNumber> {
        match &self.org_number {
            OrgNumberFinding::Found(f) => Some(f.value),
            _ => None,
        }
    }

    pub fn org_name(&self) -> Option<&str> {
        match &self.org_name {
            NameFinding::Found(f) => Some(f.value.as_str()),
            _ => None,
        }
    }

    pub fn effective_date(&self) -> Option<NaiveDate> {
        match &self.effective_date {
            DateFinding::Found(f) => Some(f.value),
            _ => None,
        }
    }

    /// Fills what `self` lacks from `earlier` (a thread: the reply to our
    /// "incomplete" answer completes the first mail). Values the newer mail states
    /// win; a value that is absent in the newer mail is taken from the earlier.
    pub fn completed_by_earlier(mut self, earlier: &Extraction) -> Extraction {
        if matches!(self.intent.intent, Intent::None) {
            self.intent = earlier.intent.clone();
        }
        if matches!(self.org_number, OrgNumberFinding::None) {
            self.org_number = earlier.org_number.clone();
        }
        if matches!(self.org_name, NameFinding::None) {
            self.org_name = earlier.org_name.clone();
        }
        if matches!(self.effective_date, DateFinding::None) {
            self.effective_date = earlier.effective_date.clone();
        }
        self
    }
}

/// Extracts the four facts. `reference` is the day the mail was received; it
/// resolves dates written without a year. It is never the wall clock.
pub fn extract(mail: &Inbound, reference: Option<NaiveDate>) -> Extraction {
    let subject = mail.bare_subject();
    let own = Text::new(subject, &mail.new_text(), TextOrigin::Body);
    let mut own_extraction = extract_from(&own, reference);
    // What stands in a disclaimer's paragraph is read too: a sentence there
    // that is no boilerplate is the sender's.
    let boilerplate = mail.disclaimer_text();
    if !boilerplate.trim().is_empty() {
        let party = own_extraction.org_name().map(str::to_string);
        let text = Text::new("", &boilerplate, TextOrigin::Body);
        own_extraction.reading.sentences.extend(reading::read_boilerplate(&text, party.as_deref()).sentences);
    }
    // A forward whose own text says nothing is read from the forwarded mail.
    if own_extraction.says_nothing()
        && let Some(forwarded) = mail.forwarded_text()
    {
        let fwd = Text::new(subject, &forwarded, TextOrigin::Forwarded);
        let mut from_forward = extract_from(&fwd, reference);
        from_forward.read_from = TextOrigin::Forwarded;
        from_forward.mentions_attachment |= own_extraction.mentions_attachment;
        return from_forward;
    }
    own_extraction
}

fn extract_from(text: &Text, reference: Option<NaiveDate>) -> Extraction {
    let intent = intent::find(text);
    let mut numbers = org_number::candidates(text);
    let too_many_numbers = numbers.len() > MAX_CANDIDATES;
    numbers.truncate(MAX_CANDIDATES);
    let org_name = org_name::find(text, &intent, &numbers);
    let name = match &org_name {
        NameFinding::Found(f) => Some(f.value.as_str()),
        _ => None,
    };
    let place = org_number::Placement { stating: &intent.sentences, name };
    let (org_number, numbers_considered) = org_number::choose(text, &numbers, &place);
    let (effective_date, dates_considered) = date::find(text, &intent, reference);
    let overflow = too_many_numbers || intent.overflow || dates_considered.len() > MAX_CANDIDATES;
    // The dates read as the effective date: the day found (and the day before
    // it, the last day of service); or, for a deadline, the deadline; or the
    // impossible day written.
    let found = match &effective_date {
        DateFinding::Found(f) => Some(f.value),
        _ => None,
    };
    let vague = matches!(effective_date, DateFinding::Vague { .. });
    let invalid = matches!(effective_date, DateFinding::Invalid { .. });
    let is_the_date = |d: &DateConsidered| match found {
        Some(day) => d.value.is_some_and(|v| v == day || Some(v) == day.pred_opt()),
        None => vague && d.note == DateNote::Deadline || invalid && d.note == DateNote::Invalid,
    };
    let reading = reading::read(text, &intent, name, &dates_considered, &is_the_date);
    Extraction {
        reading,
        overflow,
        mentions_attachment: text.mentions(&ATTACHMENT_WORDS),
        intent,
        org_number,
        org_name,
        effective_date,
        read_from: TextOrigin::Body,
        numbers_considered,
        dates_considered,
    }
}

impl Extraction {
    /// The sender's own text states a termination (not the subject alone, not a forwarded mail).
    pub fn states_a_termination(&self) -> bool {
        let stated_in_the_body = self
            .intent
            .considered
            .iter()
            .any(|s| matches!(s.class, SentenceClass::Stated(_)) && s.evidence.source == TextOrigin::Body);
        self.intent.intent == Intent::Terminate && stated_in_the_body && self.read_from == TextOrigin::Body
    }
}

fn reading_is_empty(r: &Reading) -> bool {
    r.sentences.is_empty()
}

impl Extraction {
    /// The body said nothing of its own: no number, no date, and no intent
    /// beyond what the subject line carries.
    fn says_nothing(&self) -> bool {
        let intent_only_in_subject = match &self.intent.evidence {
            None => true,
            Some(e) => e.source == TextOrigin::Subject,
        };
        intent_only_in_subject
            && matches!(self.org_number, OrgNumberFinding::None)
            && matches!(self.effective_date, DateFinding::None)
    }
}

/// The text mentions an attachment ("se bifogad fil", "attached").
static ATTACHMENT_WORDS: LazyLock<Words> =
    LazyLock::new(|| Words::new(&["bifoga", "bilaga", "se fil", "attached", "attachment", "enclosed", "pdf"]));

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::analyse::analyse;
    use crate::domain::Verdict;

    /// A termination mail around `facts` (lines of the body).
    fn mail(facts: &str) -> Vec<u8> {
        format!(
            "From: Anna <anna@uppsala.se>\r\nTo: registeruttag@forsakringskassan.se\r\nSubject: LEFI\r\n\
             Date: Mon, 16 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Uppsala kommun s\u{e4}ger h\u{e4}rmed upp LEFI Prenumeration fr\u{e5}n och med 2027-01-01.\r\n{facts}\r\n"
        )
        .into_bytes()
    }

    const SEPARATORS: &[&str] = &[
        "", " ", "-", "\u{a0}", "\u{202f}", "\u{2007}", "\u{2009}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}",
        "\u{2212}", "\u{fe63}", "\u{ff0d}", " - ", "\u{ad}", "\u{200b}", "\u{feff}",
    ];

    proptest! {
        /// However a writer's tools join the groups, a labelled valid number is read as itself.
        #[test]
        fn any_separator_between_the_groups_gives_the_same_number(
            sep in prop::sample::select(SEPARATORS),
            label in prop::sample::select(&["Organisationsnummer: ", "Org.nr ", "Organisation number: "][..]),
            full_width in any::<bool>(),
        ) {
            let digits = |s: &str| if full_width {
                s.chars().map(|c| char::from_u32(u32::from(c) - u32::from('0') + 0xFF10).unwrap()).collect()
            } else {
                s.to_string()
            };
            let written = format!("{label}{}{sep}{}", digits("212000"), digits("3005"));
            let analysis = analyse(&mail(&written), None, &[]);
            let found = analysis.extraction.as_ref().and_then(|e| e.org_number()).map(|n| n.to_string());
            prop_assert_eq!(found.as_deref(), Some("212000-3005"), "{:?}", written);
            prop_assert_eq!(analysis.decision.verdict, Verdict::Accept);
        }

        /// A number under another kind's label is never the organisation's, however valid.
        #[test]
        fn a_number_under_another_kinds_label_is_never_the_organisation(
            kind in prop::sample::select(super::org_number::OTHER_KINDS),
            colon in prop::sample::select(&[": ", " ", ":\n", " nr ", "-nummer: "][..]),
            upper in any::<bool>(),
        ) {
            let label = if upper { kind.to_uppercase() } else { kind.to_string() };
            let written = format!("{label}{colon}2120003005");
            let analysis = analyse(&mail(&written), None, &[]);
            let found = analysis.extraction.as_ref().and_then(|e| e.org_number());
            prop_assert_eq!(found, None, "{:?}", written);
            prop_assert_ne!(analysis.decision.verdict, Verdict::Accept);
        }

        /// The evidence's place marks exactly the value it gives.
        #[test]
        fn the_evidence_marks_the_value(
            before in "[A-Za-zåäö ,]{0,30}",
            sep in prop::sample::select(&["-", " ", ""][..]),
        ) {
            let written = format!("{before} Organisationsnummer: 212000{sep}3005");
            let analysis = analyse(&mail(&written), None, &[]);
            if let Some(super::OrgNumberFinding::Found(f)) = analysis.extraction.as_ref().map(|e| &e.org_number) {
                let digits: String = f.evidence.value().chars().filter(char::is_ascii_digit).collect();
                prop_assert_eq!(digits, "2120003005");
            } else {
                prop_assert!(false, "not found in {:?}", written);
            }
        }
    }
}

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
mod termination;
mod text;

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::OrgNumber;
use crate::mail::Inbound;

pub use date::DateFinding;
pub use insurer::is_insurer_name;
pub use intent::{Intent, IntentFinding};
use keywords::Words;
pub use org_name::NameFinding;
pub use org_number::{OrgNumberFinding, OrgNumberProblem};
use text::Text;

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
}

const MAX_EVIDENCE_CHARS: usize = 240;

impl Evidence {
    pub fn new(line: &str, source: TextOrigin) -> Self {
        let line = line.trim();
        // A line of no more bytes than the limit has no more characters either.
        let bounded = if line.len() <= MAX_EVIDENCE_CHARS {
            line
        } else {
            line.char_indices().nth(MAX_EVIDENCE_CHARS).map_or(line, |(cut, _)| &line[..cut])
        };
        Evidence { text: org_number::mask_personal_numbers(bounded.to_string()), source }
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
    let own_extraction = extract_from(&own, reference);
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
    let org_number = org_number::find(text);
    let org_name = org_name::find(text, &intent, &org_number);
    let effective_date = date::find(text, &intent, reference);
    Extraction {
        mentions_attachment: text.mentions(&ATTACHMENT_WORDS),
        intent,
        org_number,
        org_name,
        effective_date,
        read_from: TextOrigin::Body,
    }
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

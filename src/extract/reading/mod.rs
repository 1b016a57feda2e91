//! The whole new text, read closed-world: every sentence of what the sender
//! wrote gets a role the reader knows — the subject, a greeting, the
//! statement of termination, a fact line (number, name, date, a reference),
//! courtesy, the reason for ending the service, the closing and the
//! signature, a disclaimer, the header of quoted history. A sentence with no
//! such role that mentions the service, a unit of the organisation, another
//! organisation, a condition, a time, a person or asks something could change
//! what the mail means: it is `Unexplained`, and the mail goes to an officer,
//! who sees that sentence. One with no role that mentions none of those
//! ("Vi har varit nöjda.") is `Neutral`.
//!
//! The statement itself is read for its scope too: "för
//! Arbetsmarknadsförvaltningen", "endast", "behörigheten för vår handläggare"
//! end less than the whole organisation's service.

mod lexicon;
mod words;

use serde::{Deserialize, Serialize};

use super::date::DateConsidered;
use super::intent::IntentFinding;
use super::org_name;
use super::text::{self, Text};
use super::{Evidence, TextOrigin};
use lexicon::words as words_of;

/// What a sentence does in the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The subject line.
    Subject,
    Greeting,
    /// States (or hedges, asks about, withdraws) the termination: the intent
    /// decides what it does.
    Statement,
    /// A label and its value, or values alone: the organisation number, its
    /// name, the date, a reference, a contact line.
    Fact,
    Courtesy,
    /// Why the service is ended.
    Motive,
    /// "Med vänlig hälsning", "Kind regards".
    SignOff,
    /// The short lines after the closing: name, title, unit, address, phone.
    Signature,
    Disclaimer,
    /// The header of quoted or forwarded history; a mail client's own line.
    History,
    /// No role, but nothing in it could change the meaning.
    Neutral,
    /// No role, and it could change the meaning: an officer reads it.
    Unexplained,
}

/// What a sentence mentions that could change the meaning of the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Marker {
    /// LEFI, the subscription, the agreement, the deliveries.
    Service,
    /// A part of the organisation: a förvaltning, a nämnd, a department.
    Unit,
    /// Another organisation than the party.
    Organisation,
    /// If, unless, but, however.
    Condition,
    /// A date.
    Date,
    /// A time in words: a month, a weekday, a year, "until", "still".
    Time,
    /// A person, a user, an account, an access.
    Person,
    /// A question.
    Question,
    /// Less than all of it: only, partly, except.
    Restriction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSentence {
    pub evidence: Evidence,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
}

/// Every sentence of the new text, with its role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub sentences: Vec<ReadSentence>,
}

impl Reading {
    /// The sentences an officer must read: no role explains them.
    pub fn unexplained(&self) -> impl Iterator<Item = &ReadSentence> {
        self.sentences.iter().filter(|s| s.role == Role::Unexplained)
    }

    /// A sentence that narrows the termination to a part: the statement
    /// names a unit or a restriction, or an unexplained sentence does.
    pub fn partial(&self) -> Option<&ReadSentence> {
        let has = |s: &ReadSentence, m: Marker| s.markers.contains(&m);
        self.sentences.iter().find(|s| match s.role {
            // (the statement's and the subject's markers are their scope)
            Role::Statement | Role::Subject => has(s, Marker::Restriction) || has(s, Marker::Unit),
            // "Socialförvaltningen ska däremot ha kvar sin prenumeration"; a
            // question that says "only" asks, it does not narrow.
            Role::Unexplained => {
                !has(s, Marker::Question)
                    && (has(s, Marker::Restriction) && has(s, Marker::Service)
                        || has(s, Marker::Unit) && has(s, Marker::Service))
            }
            _ => false,
        })
    }

    /// An unexplained sentence that asks something a person must answer.
    pub fn asks(&self) -> Option<&ReadSentence> {
        self.unexplained().find(|s| s.markers.contains(&Marker::Question))
    }

    /// An unexplained sentence that sets a condition.
    pub fn conditional(&self) -> Option<&ReadSentence> {
        self.unexplained().find(|s| s.markers.contains(&Marker::Condition))
    }
}

/// The longest sentence kept whole as evidence (longer ones are cut there).
const MAX_SENTENCE_CHARS: usize = 400;

/// Reads every sentence of `text` (subject and new text). `party` is the
/// organisation's name as found, so that naming it is not naming another;
/// `dates` the dates the date extractor looked at, of which those
/// `is_the_date` says it read as the effective date (or as its deadline, or
/// as an impossible one), so that a sentence repeating that day is a fact,
/// not news.
pub fn read(
    text: &Text,
    intent: &IntentFinding,
    party: Option<&str>,
    dates: &[DateConsidered],
    is_the_date: &dyn Fn(&DateConsidered) -> bool,
) -> Reading {
    let units = units(text);
    let signature_from = trailing_signature(text, &units, intent);
    // Other organisations are looked for once in the whole text, not once per
    // sentence: that would cost time growing with the square of its length.
    let others = org_name::other_bodies(text, &[(0, text.original.len())], party);
    let mut sentences = Vec::with_capacity(units.len());
    let mut in_signature = false;
    let mut body_units = 0;
    for (start, end) in units {
        let original = &text.original[start..end];
        let words = words_of(&text.lower[start..end]);
        if words.is_empty() {
            continue;
        }
        let in_subject = text.source_at(start) == TextOrigin::Subject;
        let stating = intent.sentences.iter().any(|(s, e)| *s < end && start < *e);
        let markers = || markers(text, start, end, &words, &others);
        let restates_the_date = || restates(dates, is_the_date, start, end) && only(&markers(), RESTATEMENT);
        if signature_from.is_some_and(|from| start >= from) {
            in_signature = true;
        }
        let role = if in_subject {
            Role::Subject
        } else if words::SIGN_OFF.starts(&words) && words.len() <= 6 || is_separator(original) {
            in_signature = true;
            Role::SignOff
        } else if is_history_line(original, &words)
            || words::SYSTEM_LINE.starts(&words) && words.len() <= 14
            || is_addressee(&words)
        {
            Role::History
        } else if words::DISCLAIMER.any(&words) {
            Role::Disclaimer
        } else if stating {
            Role::Statement
        } else if body_units < 2 && words::GREETING.starts(&words) && words.len() <= 6 {
            Role::Greeting
        } else if gives_a_fact(text, (start, end), &words, party, &others) || restates_the_date() {
            Role::Fact
        } else if in_signature && is_signature_line(original, &words) {
            Role::Signature
        } else if is_courtesy(&words, &markers()) {
            Role::Courtesy
        } else if words::MOTIVE.any(&words) && !markers().iter().any(|m| words::NOT_IN_MOTIVE.contains(m)) {
            Role::Motive
        } else if words::INTRODUCTION.any(&words) && !markers().iter().any(|m| words::NOT_IN_INTRODUCTION.contains(m)) {
            Role::Courtesy
        } else if markers().is_empty() {
            Role::Neutral
        } else {
            Role::Unexplained
        };
        if !in_subject {
            body_units += 1;
        }
        let markers = match role {
            Role::Unexplained => markers(),
            Role::Statement | Role::Subject => scope(text, start, end, &words, party),
            _ => Vec::new(),
        };
        // A subject that names a unit or a condition is read like a sentence with no role.
        let role = if role == Role::Subject && !markers.is_empty() { Role::Unexplained } else { role };
        sentences.push(ReadSentence { evidence: whole(text, start, end), role, markers });
    }
    Reading { sentences }
}

/// The sentences of a disclaimer's paragraph: boilerplate, unless one names
/// what boilerplate never does — a part, a restriction, a day, the service,
/// an organisation, a condition, a question — without a word of boilerplate in it ("Uppsägningen
/// gäller endast Socialförvaltningen" written on the disclaimer's last line).
pub fn read_boilerplate(text: &Text, party: Option<&str>) -> Reading {
    const NEVER_BOILERPLATE: &[Marker] = &[
        Marker::Restriction,
        Marker::Unit,
        Marker::Date,
        Marker::Service,
        Marker::Organisation,
        Marker::Question,
        Marker::Condition,
        Marker::Time,
    ];
    let mut sentences = Vec::new();
    let others = org_name::other_bodies(text, &[(0, text.original.len())], party);
    for (start, end) in units(text) {
        let words = words_of(&text.lower[start..end]);
        if words.is_empty() {
            continue;
        }
        let found: Vec<Marker> =
            markers(text, start, end, &words, &others).into_iter().filter(|m| NEVER_BOILERPLATE.contains(m)).collect();
        let boilerplate = words::DISCLAIMER.any(&words) || words::BOILERPLATE.any(&words) || found.is_empty();
        let (role, markers) = if boilerplate { (Role::Disclaimer, Vec::new()) } else { (Role::Unexplained, found) };
        sentences.push(ReadSentence { evidence: whole(text, start, end), role, markers });
    }
    Reading { sentences }
}

/// Three or more dots or underscores: a form's leaders between label and value.
static DOT_LEADERS: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"\s*(?:[.…]{3,}|_{3,})\s*:?").expect("valid"));

/// A fact line, a contact line, the lead-in to a list of facts, a note of
/// the attached copy, a decision on record.
fn gives_a_fact(
    text: &Text,
    (start, end): (usize, usize),
    words: &[&str],
    party: Option<&str>,
    others: &[(usize, usize)],
) -> bool {
    let original = &text.original[start..end];
    let marked = || markers(text, start, end, words, others);
    is_fact(text, start, end, words, party)
        || is_contact(original, words)
        || (is_lead_in(original, words) || words::ATTACHMENT.any(words)) && only(&marked(), &[Marker::Service])
        || words::DECISION.any(words) && only(&marked(), DECISION)
}

/// What a sentence that repeats the effective date may mention besides it.
const RESTATEMENT: &[Marker] = &[Marker::Service, Marker::Date, Marker::Time];
/// What a decision on record may mention: who decided (a nämnd), when, about what.
const DECISION: &[Marker] = &[Marker::Service, Marker::Date, Marker::Time, Marker::Unit];

/// Every marker is one of `allowed`.
fn only(markers: &[Marker], allowed: &[Marker]) -> bool {
    markers.iter().all(|m| allowed.contains(m))
}

/// The sentence `start..end` holds dates, and each is one the date
/// extractor read as the effective date ("vi vill ha kvar leveranserna
/// t.o.m. 31 december 2026" above an effective date of 1 January 2027).
fn restates(dates: &[DateConsidered], is_the_date: &dyn Fn(&DateConsidered) -> bool, start: usize, end: usize) -> bool {
    let inside: Vec<&DateConsidered> = dates.iter().filter(|d| start <= d.span.0 && d.span.1 <= end).collect();
    !inside.is_empty() && inside.into_iter().all(is_the_date)
}

/// "Uppgifter enligt er anvisning:", "Enligt instruktionen lämnar vi följande uppgifter:".
fn is_lead_in(original: &str, words: &[&str]) -> bool {
    original.trim_end().ends_with(':') && words::LEAD_IN.any(words) && words.len() <= 14
}

/// A short line that gives a way to reach someone: an e-mail address, a web
/// address, a phone number ("Försäkringskassan registeruttag@forsakringskassan.se").
fn is_contact(original: &str, words: &[&str]) -> bool {
    let line = original.trim();
    let reach = line.contains('@') || line.contains("www.") || line.contains("http") || has_phone_number(line);
    reach && words.len() <= 8 && !line.ends_with('?')
}

/// A phone number: a run of digits, blanks and dashes that starts with 0 or
/// +, seven digits or more ("010-123 45 67", "+46 18 727 00 00"); not an
/// organisation number, which starts with 1–9.
fn has_phone_number(line: &str) -> bool {
    let bytes = line.as_bytes();
    (0..bytes.len()).any(|i| {
        let starts = (bytes[i] == b'0' || bytes[i] == b'+') && (i == 0 || !bytes[i - 1].is_ascii_digit());
        starts && {
            let run =
                bytes[i..].iter().take_while(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'+' | b'(' | b')'));
            run.filter(|b| b.is_ascii_digit()).count() >= 7
        }
    })
}

/// Where the signature starts when no closing greeting opens it: the first
/// run of two or more short lines (name, title, unit, organisation,
/// address) after the last sentence that states the termination.
fn trailing_signature(text: &Text, units: &[(usize, usize)], intent: &IntentFinding) -> Option<usize> {
    let last_statement = intent.sentences.iter().map(|(_, e)| *e).max().unwrap_or(text.body_start());
    let short = |&(start, end): &(usize, usize)| {
        let line = text.original[start..end].trim();
        let words = words_of(&text.lower[start..end]);
        // (A label line is a fact, not a line of a signature.)
        words.len() <= 6
            && !line.ends_with(['.', '?', '!', ':'])
            && !line.contains(':')
            && is_signature_line(line, &words)
            || is_contact(line, &words)
    };
    let after: Vec<&(usize, usize)> = units.iter().filter(|(start, _)| *start >= last_statement).collect();
    after.windows(2).find(|pair| short(pair[0]) && short(pair[1])).map(|pair| pair[0].0)
}

/// The sentence as evidence: all of it (up to a bound), on one line.
fn whole(text: &Text, start: usize, end: usize) -> Evidence {
    let mut cut = end;
    if let Some((at, _)) = text.original[start..end].char_indices().nth(MAX_SENTENCE_CHARS) {
        cut = start + at;
    }
    let shown = text.original[start..cut].split_whitespace().collect::<Vec<_>>().join(" ");
    let len = shown.len();
    Evidence::new(&shown, text.source_at(start), (0, len))
}

/// The sentences of the subject and the new text: the subject whole; then a
/// line ends a sentence unless the next one goes on in lower case (a line
/// broken in the middle of a sentence), and within a line a sentence ends
/// where `text::is_sentence_end` says ("fr.o.m. 1 jan. 2027" does not).
fn units(text: &Text) -> Vec<(usize, usize)> {
    let original = &text.original;
    let bytes = original.as_bytes();
    let mut out = Vec::new();
    let subject_end = text.subject_end();
    if subject_end > 0 {
        out.push((0, subject_end));
    }
    let mut start = text.body_start();
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        let ends = match b {
            b'\n' => {
                let next = original[i + 1..].trim_start_matches([' ', '\t']);
                !next.starts_with(|c: char| c.is_lowercase())
            }
            b'.' | b'?' | b'!' => text::is_sentence_end(original, i) || i + 1 == bytes.len(),
            _ => false,
        };
        if ends {
            let end = if b == b'\n' { i } else { i + 1 };
            push_trimmed(original, start, end, &mut out);
            start = i + 1;
        }
        i += 1;
    }
    push_trimmed(original, start, bytes.len(), &mut out);
    out
}

fn push_trimmed(original: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    if start >= end {
        return;
    }
    let piece = &original[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        out.push((start + lead, start + lead + trimmed.len()));
    }
}

/// "--" or "-- " on its own line: the signature follows (RFC 3676 §4.3).
fn is_separator(line: &str) -> bool {
    matches!(line.trim(), "--" | "-- " | "___" | "____") || line.trim().starts_with("/") && line.trim().len() <= 25
}

/// "Från: …", "On … wrote:", "-----Original Message-----", "Skickat från min iPhone".
fn is_history_line(original: &str, words: &[&str]) -> bool {
    let line = original.trim();
    let header = words::HISTORY.starts(words)
        && line.split_once(':').is_some_and(|(head, _)| head.split_whitespace().count() <= 2);
    header
        || line.starts_with("---") && words::HISTORY.any(words)
        || (words.first() == Some(&"skickat") || words.first() == Some(&"sent"))
            && words::HISTORY.starts(words)
            && words.len() <= 8
        || (line.ends_with("skrev:") || line.ends_with("wrote:")) && words.len() <= 20
}

/// A line of a letter's address block naming us: "Försäkringskassan",
/// "Registeruttag", "Avdelningen för registeruttag".
fn is_addressee(words: &[&str]) -> bool {
    words.len() <= 6
        && words.iter().any(|w| matches!(*w, "registeruttag" | "försäkringskassan"))
        && !words::NOT_IN_SIGNATURE.any(words)
}

/// A line of a signature: short, or a contact line (phone, address, web).
fn is_signature_line(original: &str, words: &[&str]) -> bool {
    let line = original.trim();
    if line.starts_with(['P', 'p', 'O']) && (words.first() == Some(&"ps") || words.first() == Some(&"obs")) {
        return false;
    }
    if words::NOT_IN_SIGNATURE.any(words) || words::CONDITION.any(words) || words::RESTRICTION.any(words) {
        return false;
    }
    // A signature line names; it does not say: no sentence's end.
    is_contact(line, words) || words.len() <= 8 && !line.ends_with(['.', '?', '!'])
}

/// A fact line: a known label at the start ("Organisationsnummer:", "Dnr",
/// "Telefon"), or values alone — the organisation's number or name, a date.
fn is_fact(text: &Text, start: usize, end: usize, words: &[&str], party: Option<&str>) -> bool {
    let original = text.original[start..end].trim_start_matches(['-', '*', '•', '–', '>', ' ', '\t', '|']);
    // A form's dot or underscore leaders stand where a colon would ("Handläggare ......").
    let leaders = DOT_LEADERS.replace_all(original, ":");
    let original = leaders.as_ref();
    if words::CONTACT_LABEL.starts(words) && original.contains(':') {
        // "Handläggare: Karin Holm, Socialförvaltningen, tfn 0660-880 00"
        let value = original.split_once(':').map_or("", |(_, v)| v).to_lowercase();
        let value_words = words_of(&value);
        return !words::RESTRICTION.any(&value_words) && !words::CONDITION.any(&value_words) && !value.contains('?');
    }
    if words::FACT_LABEL.starts(words) {
        let (head, value) = match original.split_once([':', '\t', '|']) {
            Some((head, value)) => (head, value),
            None => (original, ""),
        };
        // The label is the line's head; what stands after it is its value,
        // which must itself be a fact: "Uppsägningen gäller från: 2027-01-01".
        let head_words = words_of(&head.to_lowercase()).len();
        let value_lower = value.to_lowercase();
        let value_words = words_of(&value_lower);
        // A value that names a unit or narrows ("Gäller: Socialförvaltningen")
        // says more than a fact, unless it is the organisation's own name
        // with its unit before it ("Organisationsnamn: Socialförvaltningen, X kommun").
        let names_party = party.is_some_and(|p| value_lower.contains(&p.to_lowercase()));
        let says_more = (has_unit(&value_words) && !names_party)
            || words::RESTRICTION.any(&value_words)
            || words::CONDITION.any(&value_words);
        let value_is_plain = !value.contains('?') && value_words.len() <= 12 && !says_more;
        return head_words <= 8 && value_is_plain && (original.contains([':', '\t', '|']) || words.len() <= 6);
    }
    // Values alone: what is left when numbers, dates and the name are taken out.
    let lower = text.lower[start..end].to_string();
    let mut rest = lower.clone();
    if let Some(p) = party {
        rest = rest.replace(&p.to_lowercase(), " ");
    }
    let rest_words: Vec<&str> = words_of(&rest)
        .into_iter()
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !words::TIME.any(&[w]))
        .filter(|w| !["den", "och", "the", "of", "nr", "se", "org"].contains(w))
        .collect();
    rest_words.is_empty() && !original.contains('?')
}

/// Thanks, a request to confirm, an offer to answer questions: courtesy
/// only when what it says besides the courtesy carries nothing that could
/// change the meaning.
fn is_courtesy(words: &[&str], markers: &[Marker]) -> bool {
    // A question in courtesy asks for the confirmation we send anyway; any
    // other ("let us know whether …") needs a person to answer it.
    let asks_more = markers.contains(&Marker::Question) && !words::CONFIRMATION.any(words);
    words::COURTESY.any(words) && !asks_more && !markers.iter().any(|m| words::NOT_IN_COURTESY.contains(m)) && {
        // "Om ni har frågor" is courtesy, not a condition: its own words are
        // taken out before the rest is looked at.
        let rest = words::COURTESY.without(words);
        !words::CONDITION.any(&rest) && !conditional_if(&rest) && !has_unit(&rest) && !words::RESTRICTION.any(&rest)
    }
}

/// What the sentence `start..end` mentions that could change the meaning;
/// `others` are where other organisations than the party are named.
fn markers(text: &Text, start: usize, end: usize, words: &[&str], others: &[(usize, usize)]) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut mark = |present: bool, m: Marker| {
        if present {
            out.push(m);
        }
    };
    // Courtesy's own "om ni har frågor" sets no condition.
    let without_courtesy = words::COURTESY.without(words);
    mark(words::SERVICE.any(words), Marker::Service);
    mark(has_unit(words), Marker::Unit);
    mark(others.iter().any(|(s, _)| start <= *s && *s < end), Marker::Organisation);
    mark(words::CONDITION.any(&without_courtesy) || conditional_if(&without_courtesy), Marker::Condition);
    mark(super::date::mentions_a_date(&text.lower[start..end]), Marker::Date);
    mark(words::TIME.any(words), Marker::Time);
    mark(words::PERSON.any(words), Marker::Person);
    mark(text.original[start..end].contains('?'), Marker::Question);
    mark(words::RESTRICTION.any(words), Marker::Restriction);
    out
}

/// A subject that joins another name to the party's ("Ockelbo/Sandviken",
/// "Ockelbo och Sandviken"): two organisations in one matter.
fn joined_to_another(subject: &str, party: Option<&str>) -> bool {
    let Some(party) = party else { return false };
    let own: Vec<String> =
        words_of(&party.to_lowercase()).iter().map(|w| w.trim_end_matches('s').to_string()).collect();
    let tokens: Vec<&str> = subject.split_whitespace().flat_map(|t| t.split(['/', '&', '+'])).collect();
    let joined = subject.contains(['/', '&', '+']) || subject.contains(" och ") || subject.contains(" and ");
    let names: Vec<String> = tokens
        .iter()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|t| t.starts_with(char::is_uppercase) && t.chars().count() > 2)
        .map(|t| t.to_lowercase().trim_end_matches('s').to_string())
        .collect();
    joined
        && names.iter().any(|n| own.contains(n))
        && names.iter().any(|n| {
            !own.contains(n)
                && !["uppsägning", "lefi", "prenumeration", "termination", "ärende", "re", "sv", "fw", "vb"]
                    .contains(&n.as_str())
                && !words::SERVICE.any(&[n.as_str()])
        })
}

/// "Om"/"if" that opens a condition: first in the sentence, or before the
/// subject of a clause ("om vi inte får", "if the budget"), not "beslut om
/// uppsägning" (about).
fn conditional_if(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        matches!(*w, "om" | "if")
            && (i == 0 || words.get(i + 1).is_some_and(|next| words::CLAUSE_SUBJECTS.contains(next)))
    })
}

/// A unit of the organisation named: a unit word, or a name ending like one.
fn has_unit(words: &[&str]) -> bool {
    words::UNIT.any(words)
        || words.iter().any(|w| words::UNIT_ENDINGS.iter().any(|e| w.len() > e.len() && w.ends_with(e)))
}

/// What narrows a statement: a unit it is made for ("för
/// Arbetsmarknadsförvaltningen"), a restriction ("endast", "except"), or a
/// person's access instead of the service.
fn scope(text: &Text, start: usize, end: usize, words: &[&str], party: Option<&str>) -> Vec<Marker> {
    let mut out = Vec::new();
    if words::RESTRICTION.any(words) {
        out.push(Marker::Restriction);
    }
    // "… för Arbetsmarknadsförvaltningen", "… for the IT department": a unit
    // right after "för"/"for" is what the termination is made for. (Units in
    // "Socialnämnden i X kommun säger upp" speak for the organisation.)
    let for_unit = words.windows(3).any(|w| {
        matches!(w[0], "för" | "for" | "avseende" | "gällande" | "regarding")
            && (has_unit(&w[1..2]) || matches!(w[1], "vår" | "the" | "our" | "er") && has_unit(&w[2..3]))
    });
    if for_unit {
        out.push(Marker::Unit);
    }
    // A subject that says the termination is conditional or partial, or
    // names a unit ("Uppsägning LEFI – Arbetsmarknadsförvaltningen").
    if text.source_at(start) == TextOrigin::Subject {
        if words::SUBJECT_HEDGE.any(words) {
            out.push(Marker::Condition);
        }
        if has_unit(words) && !out.contains(&Marker::Unit) {
            out.push(Marker::Unit);
        }
        if joined_to_another(&text.original[start..end], party) {
            out.push(Marker::Organisation);
        }
    }
    out
}

#[cfg(test)]
mod tests;

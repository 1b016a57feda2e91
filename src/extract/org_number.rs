//! Organisation numbers in the text: every candidate, checked, and the one that
//! is the terminating party — or the reason there is none.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::pattern;
use super::text::{self, Text};
use super::{Evidence, Found};
use crate::domain::{OrgNumber, OrgNumberError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgNumberProblem {
    /// Labeled (or written as NNNNNN-NNNN) but the check digit is wrong.
    Checksum,
    /// Labeled as the organisation number but it is a personal identity number.
    Personal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OrgNumberFinding {
    None,
    Found(Found<OrgNumber>),
    /// Several different numbers could be the party (or a labeled one is invalid
    /// while another is valid).
    Ambiguous {
        candidates: Vec<Found<OrgNumber>>,
    },
    /// Only unusable numbers.
    Invalid {
        problem: OrgNumberProblem,
        evidence: Evidence,
    },
}

impl OrgNumberFinding {
    /// Distinct valid numbers seen (for "several organisations").
    pub fn distinct_count(&self) -> usize {
        match self {
            OrgNumberFinding::Found(_) => 1,
            OrgNumberFinding::Ambiguous { candidates } => candidates.len(),
            _ => 0,
        }
    }
}

/// Ten digits with an optional separator, optionally behind a two-digit prefix
/// (16 for legal entities, 19/20 for the long form of a personnummer): where
/// they are in `text`, in order, not overlapping. ASCII digits only: other
/// scripts' digits are no number's. Written by hand because every mail is
/// searched (see `termination.rs`); the tests hold the equivalent expression
/// `(?:[0-9]{2}[ \-]?)?[0-9]{6}[ \-\u{2010}-\u{2015}\u{2212}]?[0-9]{4}`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(u8::is_ascii_digit) {
        at += offset;
        // A run of fewer than six digits holds no number's start unless its
        // last two digits are a prefix with its separator after them: most
        // dates, postcodes and phone numbers are passed over in one step.
        let run = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run < 6 && !(run >= 2 && matches!(bytes.get(at + run), Some(b' ' | b'-'))) {
            at += run;
            continue;
        }
        // The prefix is taken when it can be, with its separator when there is one.
        let end = [(2, true), (2, false), (0, false)].into_iter().find_map(|(prefix, separated)| {
            if !digits(bytes, at, prefix) {
                return None;
            }
            let mut body = at + prefix;
            if separated {
                if !matches!(bytes.get(body), Some(b' ' | b'-')) {
                    return None;
                }
                body += 1;
            }
            number_body(text, body)
        });
        match end {
            Some(end) => {
                out.push((at, end));
                at = end;
            }
            None => at += 1,
        }
    }
    out
}

/// Six digits, an optional separator and four digits at `at`: the end.
fn number_body(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !digits(bytes, at, 6) {
        return None;
    }
    let after = at + 6;
    let separator = text
        .get(after..)
        .and_then(|rest| rest.chars().next())
        .filter(|c| matches!(c, ' ' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}'));
    if let Some(sep) = separator
        && digits(bytes, after + sep.len_utf8(), 4)
    {
        return Some(after + sep.len_utf8() + 4);
    }
    digits(bytes, after, 4).then_some(after + 4)
}

/// `n` ASCII digits at `at`.
fn digits(bytes: &[u8], at: usize, n: usize) -> bool {
    bytes.get(at..at + n).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// A VAT number or Peppol id can only be where "SE" stands before a digit
/// (with at most one blank between) or "0007:" occurs; most mails have neither.
fn may_hold_vat(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.contains("0007:")
        || memchr::memchr2_iter(b's', b'S', bytes).any(|i| {
            matches!(bytes.get(i + 1), Some(b'e' | b'E')) && {
                let rest = &text[i + 2..];
                let rest = rest.strip_prefix(|c: char| c.is_whitespace()).unwrap_or(rest);
                rest.starts_with(|c: char| c.is_ascii_digit())
            }
        })
}

/// VAT numbers (SE + ten digits + 01) and Peppol ids (0007:ten digits) carry the
/// organisation number; they are the same organisation, not a second one.
static VAT_OR_PEPPOL: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"(?i)\bSE\s?([0-9]{6}[ \-]?[0-9]{4})\s?01\b|\b0007:([0-9]{10})\b"));

/// Labels that say "the next number is the organisation number", matched at the
/// end of the text before a number (lower case).
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        (?:organisations?\s*(?:nummer|nr\.?|-?nr\.?)|organisationsnumret|org\.?\s*(?:-|\s)?\s*(?:nr|nummer|no|number)\.?|orgnr\.?|orgnummer
          |organi[sz]ation\s+(?:number|no\.?|id)|corporate\s+identity\s+(?:number|no\.?)|company\s+(?:registration\s+)?(?:number|no\.?)
          |registration\s+(?:number|no\.?)|reg\.?\s*no\.?|identitetsnummer)
        \s*(?:[:=.\-–]|är|is|\s)*$",
    )
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Labeled,
    Plain,
    /// Written NNNNNN-NNNN: clearly meant as a number of this kind.
    Hyphenated,
    Vat,
}

struct Candidate {
    start: usize,
    end: usize,
    kind: Kind,
    parsed: Result<OrgNumber, OrgNumberError>,
}

pub fn find(text: &Text) -> OrgNumberFinding {
    let candidates = candidates(text);
    let mut valid: Vec<Found<OrgNumber>> = Vec::new();
    let mut labeled_valid = false;
    let mut invalid_labeled: Option<(OrgNumberProblem, &Candidate)> = None;
    let mut invalid_hyphenated: Option<&Candidate> = None;

    for c in &candidates {
        match c.parsed {
            Ok(n) if n.is_forsakringskassan() => {}
            Ok(n) => {
                labeled_valid |= c.kind == Kind::Labeled;
                match valid.iter_mut().find(|f| f.value == n) {
                    // The labeled occurrence is the better evidence.
                    Some(f) if c.kind == Kind::Labeled => f.evidence = text.evidence(c.start, c.end),
                    Some(_) => {}
                    None => valid.push(Found { value: n, evidence: text.evidence(c.start, c.end) }),
                }
            }
            Err(OrgNumberError::Personal) if c.kind == Kind::Labeled => {
                invalid_labeled = Some((OrgNumberProblem::Personal, c));
            }
            Err(OrgNumberError::Checksum) if c.kind == Kind::Labeled => {
                if invalid_labeled.is_none() {
                    invalid_labeled = Some((OrgNumberProblem::Checksum, c));
                }
            }
            Err(OrgNumberError::Checksum) if c.kind == Kind::Hyphenated => {
                invalid_hyphenated.get_or_insert(c);
            }
            Err(_) => {}
        }
    }

    match (valid.len(), invalid_labeled) {
        (0, Some((problem, c))) => OrgNumberFinding::Invalid { problem, evidence: text.evidence(c.start, c.end) },
        (0, None) => match invalid_hyphenated {
            Some(c) => OrgNumberFinding::Invalid {
                problem: OrgNumberProblem::Checksum,
                evidence: text.evidence(c.start, c.end),
            },
            None => OrgNumberFinding::None,
        },
        // A labeled number that is wrong next to a valid one from elsewhere is a
        // contradiction, not a typo we may silently correct.
        (1, Some(_)) if !labeled_valid => OrgNumberFinding::Ambiguous { candidates: valid },
        (1, _) => OrgNumberFinding::Found(valid.remove(0)),
        _ => OrgNumberFinding::Ambiguous { candidates: valid },
    }
}

fn candidates(text: &Text) -> Vec<Candidate> {
    let original = &text.original;
    let mut out = Vec::new();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let vat = may_hold_vat(original).then(|| VAT_OR_PEPPOL.captures_iter(original));
    for caps in vat.into_iter().flatten() {
        let whole = caps.get(0).expect("whole match");
        let digits = caps.get(1).or_else(|| caps.get(2)).expect("one group matches");
        taken.push((whole.start(), whole.end()));
        out.push(Candidate {
            start: whole.start(),
            end: whole.end(),
            kind: Kind::Vat,
            parsed: OrgNumber::parse(digits.as_str()),
        });
    }
    for (m_start, end) in numbers(original) {
        if taken.iter().any(|(s, e)| m_start < *e && *s < end) {
            continue;
        }
        if !standalone(original, m_start, end) {
            continue;
        }
        let written = &original[m_start..end];
        let mut start = m_start;
        let mut parsed = OrgNumber::parse(written);
        // "08 212000-0142": the scan took a phone area code as a prefix.
        if parsed == Err(OrgNumberError::Format) && written.chars().filter(char::is_ascii_digit).count() == 12 {
            let inner = written[2..].trim_start_matches([' ', '-']);
            start = end - inner.len();
            parsed = OrgNumber::parse(inner);
        }
        let kind = if is_labeled(text, start) {
            Kind::Labeled
        } else if original[start..end].contains(['-', '\u{2013}', '\u{2014}', '\u{2010}', '\u{2011}', '\u{2212}']) {
            Kind::Hyphenated
        } else {
            Kind::Plain
        };
        out.push(Candidate { start, end, kind, parsed });
    }
    out.sort_by_key(|c| c.start);
    out
}

/// Not part of a longer run of digits (account numbers, phone numbers with a
/// country code, IBANs, reference numbers).
fn standalone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let before2 = text[..start].chars().rev().nth(1);
    let after = text[end..].chars().next();
    let after2 = text[end..].chars().nth(1);
    let digitish = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c.is_alphabetic());
    if digitish(before) || digitish(after) {
        return false;
    }
    // "+46 ..." or "123-212000-0142" or "212000-0142-5".
    if matches!(before, Some('+' | '-' | '/' | '.' | ':')) && before2.is_some_and(|c| c.is_ascii_digit() || c == '+')
        || matches!(before, Some('+'))
    {
        return false;
    }
    if matches!(after, Some('-' | '/' | '.' | ':')) && after2.is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    true
}

/// A label right before the number on the same line, or a label alone on the
/// line before a number that starts its line ("Organisationsnummer\n212000-0142").
fn is_labeled(text: &Text, start: usize) -> bool {
    let lower = &text.lower;
    let line_start = text::line_start(lower, start);
    let mut from = start.saturating_sub(80).max(line_start);
    while !lower.is_char_boundary(from) {
        from += 1;
    }
    let before = &lower[from..start];
    if LABEL.is_match(before) {
        return true;
    }
    if before.trim().is_empty() && line_start > 0 {
        let prev_end = line_start - 1;
        let prev_start = text::line_start(lower, prev_end);
        return LABEL.is_match(lower[prev_start..prev_end].trim_end());
    }
    false
}

/// Replaces personal identity numbers in `text` with a mask, so that evidence
/// shown to officers and written to logs never carries one.
pub fn mask_personal_numbers(text: String) -> String {
    if text.bytes().filter(u8::is_ascii_digit).count() < 10 {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in numbers(&text) {
        if OrgNumber::parse(&text[start..end]) == Err(OrgNumberError::Personal) {
            out.push_str(&text[last..start]);
            out.push_str("ÅÅMMDD-XXXX");
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The expression [`numbers`] implements.
    fn reference(text: &str) -> Vec<(usize, usize)> {
        pattern::compile(r"(?:[0-9]{2}[ \-]?)?[0-9]{6}[ \-\u{2010}-\u{2015}\u{2212}]?[0-9]{4}")
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect()
    }

    proptest! {
        #[test]
        fn the_number_scan_agrees_with_the_expression(text in "[0-9 \\-\u{2010}\u{2013}\u{2212}a:.]{0,40}") {
            prop_assert_eq!(numbers(&text), reference(&text));
        }

        #[test]
        fn vat_numbers_are_never_missed(text in "[sSeE0-9 \u{a0}:7a]{0,30}") {
            if VAT_OR_PEPPOL.is_match(&text) {
                prop_assert!(may_hold_vat(&text), "{:?}", text);
            }
        }
    }
    use crate::extract::TextOrigin;

    fn find_in(body: &str) -> OrgNumberFinding {
        find(&Text::new("", body, TextOrigin::Body))
    }

    fn found(body: &str) -> Option<String> {
        match find_in(body) {
            OrgNumberFinding::Found(f) => Some(f.value.to_string()),
            _ => None,
        }
    }

    #[test]
    fn labeled_and_plain_numbers_are_found() {
        assert_eq!(found("Organisationsnummer: 212000-0142").as_deref(), Some("212000-0142"));
        assert_eq!(found("Org.nr 2120000142").as_deref(), Some("212000-0142"));
        assert_eq!(found("Vårt orgnr är 16212000-0142.").as_deref(), Some("212000-0142"));
        assert_eq!(found("Organisationsnummer\n212000 0142").as_deref(), Some("212000-0142"));
    }

    #[test]
    fn vat_and_peppol_forms_are_the_same_organisation() {
        let body = "Org.nr: 212000-0142\nMomsreg.nr SE212000014201\nPeppol 0007:2120000142";
        assert_eq!(found(body).as_deref(), Some("212000-0142"));
    }

    #[test]
    fn forsakringskassans_number_is_never_the_party() {
        assert_eq!(
            found("Avtal med Försäkringskassan (202100-5521). Org.nr 212000-0142").as_deref(),
            Some("212000-0142")
        );
        assert_eq!(find_in("Försäkringskassan 202100-5521"), OrgNumberFinding::None);
    }

    #[test]
    fn a_labeled_personnummer_is_reported_and_masked() {
        match find_in("Organisationsnummer: 811228-9874") {
            OrgNumberFinding::Invalid { problem, evidence } => {
                assert_eq!(problem, OrgNumberProblem::Personal);
                assert!(!evidence.text.contains("9874"), "{}", evidence.text);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn two_different_numbers_are_ambiguous() {
        assert!(matches!(find_in("Org.nr 212000-0142. Vi har även 212000-3005."), OrgNumberFinding::Ambiguous { .. }));
    }

    #[test]
    fn phone_numbers_and_longer_digit_runs_are_not_candidates() {
        assert_eq!(find_in("Tel +46 2120000142, konto 1234-212000-0142, ref 2120000142-7"), OrgNumberFinding::None);
    }
}

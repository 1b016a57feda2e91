//! Organisation numbers in the text: every candidate, checked, and the one that
//! is the terminating party — or the reason there is none.
//!
//! Positive evidence again: a number is the party's only when the mail gives
//! it as the organisation's — labelled as the organisation number, in the
//! sentence that states the termination, or on the line that names the
//! organisation. A number labelled as another kind (invoice, OCR, customer,
//! case, phone…) is never a candidate; any other lone number is for an
//! officer to look at, never to accept.

mod labels;
#[cfg(test)]
pub(crate) use labels::OTHER_KINDS;
mod scan;

use serde::{Deserialize, Serialize};

use super::text::{self, Text};
use super::{Evidence, Found};
use crate::domain::{NumberBasis, OrgNumber, OrgNumberError};
use labels::Labelled;
pub use scan::{mask_personal_numbers, replace_personal_numbers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgNumberProblem {
    /// Labeled (or written as NNNNNN-NNNN) but the check digit is wrong.
    Checksum,
    /// Labeled as the organisation number but it is a personal identity number.
    Personal,
}

/// The organisation number found, and why it is the party's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberFound {
    pub value: OrgNumber,
    pub evidence: Evidence,
    /// Absent in extractions stored before the basis was recorded.
    #[serde(default)]
    pub basis: Option<NumberBasis>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OrgNumberFinding {
    None,
    Found(NumberFound),
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
    /// Only numbers that the mail does not give as the organisation's.
    Unlabelled {
        candidates: Vec<Found<OrgNumber>>,
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

/// What became of one number the extraction looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum NumberNote {
    /// A candidate for the party, on this basis.
    Candidate(NumberBasis),
    /// Labelled as another kind of number (the label's word).
    OtherKind(String),
    /// A personal identity number (shown masked).
    Personal,
    /// The check digit does not match.
    Checksum,
    /// Försäkringskassan's own number.
    Forsakringskassan,
    /// Neither labelled, nor in the stating sentence, nor beside the name.
    Alone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberConsidered {
    /// The number as NNNNNN-NNNN, masked when it is a personal identity number.
    pub value: String,
    pub evidence: Evidence,
    #[serde(flatten)]
    pub note: NumberNote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Labeled,
    /// Under another kind's label.
    Foreign(&'static str),
    Plain,
    /// Written NNNNNN-NNNN: clearly meant as a number of this kind.
    Hyphenated,
    Vat,
}

/// A number of the organisation-number shape, where it stands and how it is labelled.
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    kind: Kind,
    parsed: Result<OrgNumber, OrgNumberError>,
}

impl Candidate {
    /// Could be the organisation's: valid, not ours, not another kind's number.
    pub fn may_be_the_party(&self) -> bool {
        !matches!(self.kind, Kind::Foreign(_)) && self.parsed.is_ok_and(|n| !n.is_forsakringskassan())
    }

    /// The same organisation number as `other` (however each is written).
    pub fn same_number(&self, other: &Candidate) -> bool {
        matches!((self.parsed, other.parsed), (Ok(a), Ok(b)) if a == b)
    }
}

/// Every number of the organisation-number shape in the text, in order.
/// The numbers of the organisation-number shape in the text, in order (at
/// most [`MAX_CANDIDATES`](super::MAX_CANDIDATES) and one of each scan beyond).
pub fn candidates(text: &Text) -> Vec<Candidate> {
    let original = &text.original;
    let mut out = Vec::new();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let vat = scan::may_hold_vat(original).then(|| scan::VAT_OR_PEPPOL.captures_iter(original));
    // One more than the limit of each kind, so the caller can tell it was reached.
    for caps in vat.into_iter().flatten().take(super::MAX_CANDIDATES + 1) {
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
    for (m_start, end) in scan::numbers(original).into_iter().take(super::MAX_CANDIDATES + 1) {
        if taken.iter().any(|(s, e)| m_start < *e && *s < end) || !scan::standalone(original, m_start, end) {
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
        let kind = match labels::label_before(text, start) {
            Labelled::OrgNumber => Kind::Labeled,
            Labelled::Other(word) => Kind::Foreign(word),
            Labelled::None if original[start..end].contains('-') => Kind::Hyphenated,
            Labelled::None => Kind::Plain,
        };
        out.push(Candidate { start, end, kind, parsed });
    }
    out.sort_by_key(|c| c.start);
    out
}

/// Where the number may be the party's besides its label.
pub struct Placement<'a> {
    /// The sentences that state the termination (or hedge it: for an officer's view).
    pub stating: &'a [(usize, usize)],
    /// The organisation's name as found, to recognise the line that names it.
    pub name: Option<&'a str>,
}

/// The party's number among `candidates`, with a note on each one looked at.
pub fn choose(
    text: &Text,
    candidates: &[Candidate],
    place: &Placement<'_>,
) -> (OrgNumberFinding, Vec<NumberConsidered>) {
    let mut notes = Vec::new();
    // (number, basis, candidate) per distinct number that may be the party.
    let mut eligible: Vec<(OrgNumber, NumberBasis, &Candidate)> = Vec::new();
    let mut alone: Vec<Found<OrgNumber>> = Vec::new();
    let mut invalid_labeled: Option<(OrgNumberProblem, &Candidate)> = None;
    let mut invalid_hyphenated: Option<&Candidate> = None;

    for c in candidates {
        let note = match (c.parsed, c.kind) {
            (_, Kind::Foreign(word)) => NumberNote::OtherKind(word.to_string()),
            (Ok(n), _) if n.is_forsakringskassan() => NumberNote::Forsakringskassan,
            (Ok(n), kind) => match basis(text, c, kind, place) {
                Some(basis) => {
                    match eligible.iter_mut().find(|(m, _, _)| *m == n) {
                        // The strongest basis is the better evidence: a label over a sentence.
                        Some(e) if rank(basis) > rank(e.1) => *e = (n, basis, c),
                        Some(_) => {}
                        None => eligible.push((n, basis, c)),
                    }
                    NumberNote::Candidate(basis)
                }
                None => {
                    if !alone.iter().any(|f| f.value == n) {
                        alone.push(Found { value: n, evidence: text.evidence(c.start, c.end) });
                    }
                    NumberNote::Alone
                }
            },
            (Err(OrgNumberError::Personal), kind) => {
                if kind == Kind::Labeled {
                    invalid_labeled = Some((OrgNumberProblem::Personal, c));
                }
                NumberNote::Personal
            }
            (Err(OrgNumberError::Checksum), kind) => {
                if kind == Kind::Labeled && invalid_labeled.is_none() {
                    invalid_labeled = Some((OrgNumberProblem::Checksum, c));
                }
                if kind == Kind::Hyphenated {
                    invalid_hyphenated.get_or_insert(c);
                }
                NumberNote::Checksum
            }
            (Err(OrgNumberError::Format), _) => continue,
        };
        notes.push(NumberConsidered { value: shown(text, c), evidence: text.evidence(c.start, c.end), note });
    }
    // Numbers that stand alone but are also given as the party's elsewhere are not alone.
    alone.retain(|f| !eligible.iter().any(|(n, _, _)| *n == f.value));

    let found = |(n, basis, c): (OrgNumber, NumberBasis, &Candidate)| {
        OrgNumberFinding::Found(NumberFound { value: n, evidence: text.evidence(c.start, c.end), basis: Some(basis) })
    };
    let as_found =
        |(n, _, c): &(OrgNumber, NumberBasis, &Candidate)| Found { value: *n, evidence: text.evidence(c.start, c.end) };
    let finding = match (eligible.len(), invalid_labeled) {
        (0, Some((problem, c))) => OrgNumberFinding::Invalid { problem, evidence: text.evidence(c.start, c.end) },
        (0, None) if !alone.is_empty() => OrgNumberFinding::Unlabelled { candidates: alone },
        (0, None) => match invalid_hyphenated {
            Some(c) => OrgNumberFinding::Invalid {
                problem: OrgNumberProblem::Checksum,
                evidence: text.evidence(c.start, c.end),
            },
            None => OrgNumberFinding::None,
        },
        // A labeled number that is wrong next to a valid one from elsewhere is a
        // contradiction, not a typo we may silently correct.
        (1, Some(_)) if eligible[0].1 != NumberBasis::Labeled => {
            OrgNumberFinding::Ambiguous { candidates: eligible.iter().map(as_found).collect() }
        }
        // Another number that may be an organisation's stands beside it.
        (1, _) if !alone.is_empty() => {
            let mut candidates: Vec<Found<OrgNumber>> = eligible.iter().map(as_found).collect();
            candidates.extend(alone);
            OrgNumberFinding::Ambiguous { candidates }
        }
        (1, _) => found(eligible.remove(0)),
        _ => OrgNumberFinding::Ambiguous { candidates: eligible.iter().map(as_found).collect() },
    };
    (finding, notes)
}

/// Why a valid number may be the party's, if it may.
fn basis(text: &Text, c: &Candidate, kind: Kind, place: &Placement<'_>) -> Option<NumberBasis> {
    if kind == Kind::Labeled {
        return Some(NumberBasis::Labeled);
    }
    if place.stating.iter().any(|(s, e)| *s <= c.start && c.start < *e)
        && text.source_at(c.start) != super::TextOrigin::Subject
    {
        return Some(NumberBasis::InStatement);
    }
    let (ls, le) = (text::line_start(&text.lower, c.start), text::line_end(&text.lower, c.end));
    let line = &text.lower[ls..le];
    let names_it = place.name.is_some_and(|name| !name.is_empty() && line.contains(&name.to_lowercase()));
    names_it.then_some(NumberBasis::BesideName)
}

fn rank(basis: NumberBasis) -> u8 {
    match basis {
        NumberBasis::Labeled => 3,
        NumberBasis::InStatement => 2,
        NumberBasis::BesideName => 1,
    }
}

/// The candidate as an officer may see it: a personal identity number masked.
fn shown(text: &Text, c: &Candidate) -> String {
    match c.parsed {
        Ok(n) => n.to_string(),
        Err(_) => mask_personal_numbers(text.original[c.start..c.end].to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::TextOrigin;

    fn find_in(body: &str) -> OrgNumberFinding {
        let text = Text::new("", body, TextOrigin::Body);
        let cands = candidates(&text);
        // The whole body counts as the stating sentence.
        let stating = [(0, text.original.len())];
        choose(&text, &cands, &Placement { stating: &stating, name: None }).0
    }

    fn labelled_only(body: &str) -> OrgNumberFinding {
        let text = Text::new("", body, TextOrigin::Body);
        choose(&text, &candidates(&text), &Placement { stating: &[], name: None }).0
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

    #[test]
    fn a_number_under_another_kinds_label_is_never_the_party() {
        assert_eq!(find_in("Fakturanummer: 2026110177"), OrgNumberFinding::None);
        assert_eq!(
            found("Fakturanummer: 2026110177\nOrganisationsnummer: 212000-0142").as_deref(),
            Some("212000-0142")
        );
    }

    #[test]
    fn a_lone_number_is_for_an_officer() {
        assert!(matches!(labelled_only("Anna\nUppsala kommun\n\n2120003005"), OrgNumberFinding::Unlabelled { .. }));
        let text = Text::new("", "Anna\nUppsala kommun 2120003005", TextOrigin::Body);
        let (finding, _) = choose(&text, &candidates(&text), &Placement { stating: &[], name: Some("Uppsala kommun") });
        assert!(matches!(finding, OrgNumberFinding::Found(NumberFound { basis: Some(NumberBasis::BesideName), .. })));
    }
}

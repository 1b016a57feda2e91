//! The organisation's name: labeled ("Organisationsnamn: …"), the subject of the
//! termination ("Härmed säger Uppsala kommun upp …"), or a public body's name
//! found in the text (kommun, stad, region, agencies).

mod clean;
mod labels;
mod public_body;

use serde::{Deserialize, Serialize};

use super::Found;
use super::gazetteer::{AGENCIES, AGENCY_SHORT_NAMES, ORG_WORDS};
use super::insurer::is_insurer_name;
use super::intent::IntentFinding;
use super::org_number::Candidate as NumberCandidate;
use super::party::PartyForm;
use super::pattern;
use super::text::{self, Text};
use clean::{clean, comparable, same_but_genitive, strip_leading_non_names};
use labels::labeled_values;
use public_body::PUBLIC_BODY;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum NameFinding {
    None,
    Found(Found<String>),
    /// Different names with equal claim; `labeled` when they were all labeled
    /// (several organisations terminating in one mail).
    Ambiguous {
        candidates: Vec<Found<String>>,
        labeled: bool,
    },
}

impl NameFinding {
    pub fn distinct_count(&self) -> usize {
        match self {
            NameFinding::None => 0,
            NameFinding::Found(_) => 1,
            NameFinding::Ambiguous { candidates, .. } => candidates.len(),
        }
    }
}

#[derive(Debug)]
struct Candidate {
    name: String,
    start: usize,
    end: usize,
    rank: u8,
}

const RANK_LABELED: u8 = 4;
const RANK_STATEMENT: u8 = 3;
const RANK_BESIDE_NUMBER: u8 = 2;
const RANK_ELSEWHERE: u8 = 1;

pub fn find(text: &Text, intent: &IntentFinding, numbers: &[NumberCandidate]) -> NameFinding {
    let mut candidates = Vec::new();
    let original = &text.original;

    for (label, start, end) in labeled_values(text) {
        let name = clean(&original[start..end]);
        if name.is_empty() || is_forsakringskassan(&name) {
            continue;
        }
        // "Namn: Anna Andersson" is the contact person, not the organisation.
        if matches!(label, "namn" | "name") && !looks_like_org(&name) {
            continue;
        }
        candidates.push(Candidate { name, start, end, rank: RANK_LABELED });
    }

    // Only the best-ranked candidates are chosen from: a labeled name makes
    // every name found in running text irrelevant — unless the sentence that
    // states the termination names another party ("Härnösands kommun säger
    // härmed upp" above "Organisationsnamn: Kramfors kommun").
    if candidates.is_empty() {
        names_in_running_text(text, intent, numbers, &mut candidates);
        return signed_by_another(text, choose(text, candidates));
    }
    let stating = |c: &Candidate| intent.stating.iter().any(|(s, e)| *s <= c.start && c.start < *e);
    let contradicting: Vec<Candidate> = stated_parties(text)
        .into_iter()
        .filter(stating)
        .chain(public_bodies_in(text, &intent.stating))
        .filter(|p| !candidates.iter().any(|l| same_name(&l.name, &p.name)))
        .collect();
    if contradicting.is_empty() {
        return signed_by_another(text, choose(text, candidates));
    }
    candidates.extend(contradicting.into_iter().map(|c| Candidate { rank: RANK_LABELED, ..c }));
    match choose(text, candidates) {
        NameFinding::Ambiguous { candidates, .. } => NameFinding::Ambiguous { candidates, labeled: false },
        other => other,
    }
}

/// A name signed for by another public body ("Bollnäs kommun säger härmed
/// upp", signed "Ovanåkers kommun") is not the party's for certain: both are
/// candidates.
fn signed_by_another(text: &Text, finding: NameFinding) -> NameFinding {
    let NameFinding::Found(found) = &finding else { return finding };
    let Some(signature) = signature_span(text) else { return finding };
    let others: Vec<Candidate> =
        public_bodies_in(text, &[signature]).into_iter().filter(|c| !same_name(&c.name, &found.value)).collect();
    let Some(other) = others.into_iter().next() else { return finding };
    let NameFinding::Found(found) = finding else { unreachable!("matched above") };
    let other = Found { evidence: text.evidence(other.start, other.end), value: other.name };
    NameFinding::Ambiguous { candidates: vec![found, other], labeled: false }
}

/// The signature: from the last closing greeting to the end of the text.
fn signature_span(text: &Text) -> Option<(usize, usize)> {
    const GREETINGS: &[&str] = &[
        "med vänlig hälsning",
        "med vänliga hälsningar",
        "vänliga hälsningar",
        "vänlig hälsning",
        "hälsningar",
        "mvh",
        "kind regards",
        "best regards",
        "regards",
        "sincerely",
    ];
    let lower = &text.lower;
    let at = GREETINGS.iter().filter_map(|g| lower.rfind(g)).max()?;
    (at >= text.body_start()).then_some((at, lower.len()))
}

/// Public bodies named inside `spans` that are not `party` (nor
/// Försäkringskassan): another organisation than the one terminating.
pub fn other_bodies(text: &Text, spans: &[(usize, usize)], party: Option<&str>) -> Vec<(usize, usize)> {
    public_bodies_in(text, spans)
        .into_iter()
        .filter(|c| party.is_none_or(|p| !same_name(&c.name, p)))
        .map(|c| (c.start, c.end))
        .collect()
}

/// The names the terminating-party forms give ("Härmed säger X upp", "X säger upp").
fn stated_parties(text: &Text) -> Vec<Candidate> {
    let original = &text.original;
    let mut out = Vec::new();
    // Separate forms, because one sentence can hold two of them.
    for form in PartyForm::ALL.into_iter().filter(|form| text.may_mention(form.key_words())) {
        for (m_start, m_end) in form.matches(original) {
            let (start, end) = party_span(form, &original[m_start..m_end]);
            let (start, end) = (m_start + start, m_start + end);
            let name = clean(&strip_leading_non_names(&original[start..end]));
            if name.is_empty() || is_forsakringskassan(&name) || name.split_whitespace().count() > 5 {
                continue;
            }
            out.push(Candidate { name, start, end, rank: RANK_STATEMENT });
        }
    }
    out
}

/// The same party, however cased or spaced, with or without a genitive -s,
/// by its short name or its full one, or one name holding the other
/// ("Region Skåne" in "Region Skåne Regionstyrelsen").
fn same_name(a: &str, b: &str) -> bool {
    same_key(&comparable(a), &comparable(b))
}

/// [`same_name`] of two comparable keys.
fn same_key(a: &str, b: &str) -> bool {
    a == b
        || same_but_genitive(a, b)
        || short_for(a, b)
        || short_for(b, a)
        || contains_words(a, b)
        || contains_words(b, a)
}

/// `short` is an agency's short name for `full`.
fn short_for(short: &str, full: &str) -> bool {
    AGENCY_SHORT_NAMES.iter().any(|(s, f)| *s == short && *f == full)
}

/// `a` is the fuller way of writing the party `b` names.
fn fuller(a: &str, b: &str) -> bool {
    short_for(b, a) || a.len() > b.len() && contains_words(a, b)
}

/// `outer` holds `inner` as whole words.
fn contains_words(outer: &str, inner: &str) -> bool {
    let (outer, inner): (Vec<&str>, Vec<&str>) = (outer.split(' ').collect(), inner.split(' ').collect());
    !inner.is_empty() && outer.windows(inner.len()).any(|w| w == inner.as_slice())
}

/// Public bodies named inside `spans` (the stating sentences).
fn public_bodies_in(text: &Text, spans: &[(usize, usize)]) -> Vec<Candidate> {
    let inside = |at: usize| spans.iter().any(|(s, e)| *s <= at && at < *e);
    PUBLIC_BODY
        .iter()
        .filter(|(keys, _)| text.mentions(keys))
        .flat_map(|(_, form)| form.matches(text))
        .filter(|(start, _)| inside(*start) && pattern::starts_word(&text.original, *start))
        .filter_map(|(start, end)| {
            let name = clean(&strip_leading_non_names(&text.original[start..end]));
            let usable = !name.is_empty() && !is_forsakringskassan(&name) && name.starts_with(char::is_uppercase);
            usable.then_some(Candidate { name, start, end, rank: RANK_STATEMENT })
        })
        .collect()
}

/// Names stated in sentences ("Härmed säger Uppsala kommun upp …") and names of
/// public bodies anywhere, ranked by where they stand.
fn names_in_running_text(
    text: &Text,
    intent: &IntentFinding,
    numbers: &[NumberCandidate],
    candidates: &mut Vec<Candidate>,
) {
    let original = &text.original;
    let in_statement = |start: usize| {
        text.source_at(start) == super::TextOrigin::Subject
            || intent.sentences.iter().any(|(s, e)| *s <= start && start < *e)
    };
    // Only asked for names outside the stating sentences.
    let number_lines = std::cell::OnceCell::new();
    let beside_number = |start: usize| {
        number_lines.get_or_init(|| number_line_spans(text, numbers)).iter().any(|(s, e)| *s <= start && start < *e)
    };

    candidates.extend(stated_parties(text));

    let forms = PUBLIC_BODY.iter().filter(|(keys, _)| text.mentions(keys));
    for (m_start, m_end) in forms.flat_map(|(_, form)| form.matches(text)) {
        if !pattern::starts_word(original, m_start) {
            continue;
        }
        // A name ranked below one already found can never be chosen.
        let best = candidates.iter().map(|c| c.rank).max().unwrap_or(0);
        let rank = if in_statement(m_start) {
            RANK_STATEMENT
        } else if best > RANK_BESIDE_NUMBER {
            continue;
        } else if beside_number(m_start) {
            RANK_BESIDE_NUMBER
        } else {
            RANK_ELSEWHERE
        };
        if rank < best {
            continue;
        }
        let name = clean(&strip_leading_non_names(&original[m_start..m_end]));
        if name.is_empty() || is_forsakringskassan(&name) || !name.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        candidates.push(Candidate { name, start: m_start, end: m_end, rank });
    }
}

/// The run of capitalised words (with the blanks after it) inside a match of
/// `form`, as a byte range of the match. The words around it are lower case
/// or fixed, so they can be cut off without capture groups.
fn party_span(form: PartyForm, matched: &str) -> (usize, usize) {
    let blank = [' ', '\t'];
    let (mut rest, verbs, fillers): (&str, &[&str], &[&str]) = match form {
        PartyForm::SaysNameUp => {
            // "säger [härmed] NAME [härmed|nu|därmed] upp"
            let after_verb = matched["säger".len()..].trim_start_matches(blank);
            let rest = match after_verb.strip_prefix("härmed") {
                Some(r) if r.starts_with(blank) => r.trim_start_matches(blank),
                _ => after_verb,
            };
            (rest, &["upp"], &["härmed", "nu", "därmed"])
        }
        // "[. ]NAME säger|avslutar " and "[. ]NAME [hereby] terminates|cancels"
        PartyForm::NameSays => (matched, &["säger", "avslutar"], &[]),
        PartyForm::NameTerminates => (matched, &["terminates", "cancels"], &["hereby"]),
    };
    if form != PartyForm::SaysNameUp {
        rest = rest.trim_start_matches(['.', '!', '?', '\n']).trim_start_matches(blank);
    }
    let start = matched.len() - rest.len();
    let mut name = rest.trim_end_matches(blank);
    if let Some(verb) = verbs.iter().find(|v| name.ends_with(*v)) {
        name = &name[..name.len() - verb.len()];
    }
    // A lower-case filler word can only stand after the name's blank.
    let core = name.trim_end_matches(blank);
    if let Some(filler) = fillers.iter().find(|f| core.ends_with(*f)) {
        let before = &core[..core.len() - filler.len()];
        if before.ends_with(blank) {
            name = before;
        }
    }
    (start, start + name.len())
}

fn choose(text: &Text, candidates: Vec<Candidate>) -> NameFinding {
    let Some(top) = candidates.iter().map(|c| c.rank).max() else { return NameFinding::None };
    // (comparable key, found) per distinct name at the top rank.
    let mut distinct: Vec<(String, Found<String>)> = Vec::new();
    for c in candidates.into_iter().filter(|c| c.rank == top) {
        let key = comparable(&c.name);
        match distinct.iter_mut().find(|(k, _)| same_key(k, &key)) {
            Some((existing_key, existing)) => {
                // Prefer the fuller form ("Region Västra Götaland" over "Region
                // Västra", "Centrala studiestödsnämnden" over "CSN").
                if fuller(&key, existing_key) {
                    existing.value = c.name;
                    *existing_key = key;
                }
            }
            None => {
                let evidence = text.evidence(c.start, c.end);
                distinct.push((key, Found { value: c.name, evidence }));
            }
        }
    }
    let mut distinct: Vec<Found<String>> = distinct.into_iter().map(|(_, f)| f).collect();
    if distinct.len() == 1 {
        NameFinding::Found(distinct.remove(0))
    } else {
        NameFinding::Ambiguous { candidates: distinct, labeled: top == RANK_LABELED }
    }
}

/// The line that carries the one number that may be the organisation's, and
/// the lines around it: a signature block puts the name just above the number.
/// None when there is no such number, or several.
fn number_line_spans(text: &Text, numbers: &[NumberCandidate]) -> Vec<(usize, usize)> {
    let mut party = numbers.iter().filter(|c| c.may_be_the_party());
    let Some(first) = party.next() else { return Vec::new() };
    if party.any(|c| !c.same_number(first)) {
        return Vec::new();
    }
    let original = &text.original;
    let at = first.start;
    let mut start = text::line_start(original, at);
    for _ in 0..3 {
        if start == 0 {
            break;
        }
        start = text::line_start(original, start - 1);
    }
    let mut end = text::line_end(original, at);
    for _ in 0..2 {
        if end == original.len() {
            break;
        }
        end = text::line_end(original, end + 1);
    }
    vec![(start, end)]
}

fn looks_like_org(name: &str) -> bool {
    let lower = format!(" {}", name.to_lowercase());
    ORG_WORDS.iter().any(|w| lower.contains(w))
        || AGENCIES.iter().any(|a| a.eq_ignore_ascii_case(name))
        || is_insurer_name(name)
}

fn is_forsakringskassan(name: &str) -> bool {
    name.contains("örsäkringskassan") || name.contains("ÖRSÄKRINGSKASSAN")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{TextOrigin, intent, org_number};

    fn name(subject: &str, body: &str) -> NameFinding {
        let t = Text::new(subject, body, TextOrigin::Body);
        let i = intent::find(&t);
        let n = org_number::candidates(&t);
        find(&t, &i, &n)
    }

    fn found(subject: &str, body: &str) -> Option<String> {
        match name(subject, body) {
            NameFinding::Found(f) => Some(f.value),
            _ => None,
        }
    }

    #[test]
    fn labeled_names_win() {
        assert_eq!(
            found("", "Organisationsnamn: \"Uppsala kommun\".\nVi samarbetar med Region Uppsala."),
            Some("Uppsala kommun".into())
        );
        assert_eq!(found("", "Namn: Anna Andersson\nOrganisation: Region Skåne"), Some("Region Skåne".into()));
    }

    #[test]
    fn the_terminating_party_is_read_from_the_statement() {
        assert_eq!(found("", "Härmed säger Uppsala kommun upp LEFI Prenumeration."), Some("Uppsala kommun".into()));
        assert_eq!(
            found("", "Härmed säger Kommunalförbundet Sydarkiv upp tjänsten."),
            Some("Kommunalförbundet Sydarkiv".into())
        );
        assert_eq!(
            found("", "Socialförvaltningen Stockholms stad säger upp tjänsten."),
            Some("Stockholms stad".into())
        );
        assert_eq!(found("", "Region Skånes prenumeration ska sägas upp."), Some("Region Skåne".into()));
    }

    #[test]
    fn the_signature_name_beside_the_number_is_used() {
        let body = "Vi säger upp tjänsten.\nVi har pratat med Skatteverket.\n\nAnna\nMalmö stad\nOrg.nr 212000-1124";
        assert_eq!(found("", body), Some("Malmö stad".into()));
    }

    #[test]
    fn forsakringskassan_is_never_the_name() {
        assert_eq!(found("", "Organisation: Försäkringskassan"), None);
    }
}

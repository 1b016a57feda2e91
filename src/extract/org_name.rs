//! The organisation's name: labeled ("Organisationsnamn: …"), the subject of the
//! termination ("Härmed säger Uppsala kommun upp …"), or a public body's name
//! found in the text (kommun, stad, region, agencies).

use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::Found;
use super::intent::IntentFinding;
use super::keywords::Words;
use super::municipal;
use super::org_number::OrgNumberFinding;
use super::party;
use super::pattern;
use super::text::{self, Text};
use crate::caseless;

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

const MAX_NAME_CHARS: usize = 120;

/// Labels before an organisation's name, lower case, in the order they are
/// tried: a label that begins another ("organisation" in "organisation name")
/// comes after it. A space stands for any run of spaces or tabs.
const LABELS: &[&str] = &[
    "organisationens namn",
    "organisationsnamn",
    "myndighetens namn",
    "myndighetsnamn",
    "myndighet",
    "namn på organisationen",
    "namn på myndigheten",
    "organisation name",
    "organization name",
    "name of the organisation",
    "name of the organization",
    "name of organisation",
    "name of organization",
    "company name",
    "organisation",
    "organization",
    "namn",
    "name",
];

/// Names of public bodies (and insurers, to recognise them) in running text,
/// one search per form. Each form is only searched for when one of its key
/// words occurs in the text (lower case). Names may start with Å, Ä or Ö,
/// so the word start is checked by the caller.
static PUBLIC_BODY: LazyLock<Vec<(Words, Form)>> = LazyLock::new(|| {
    let agencies = AGENCIES.join("|");
    // The agency and brand lists are gated by their names in lower case.
    let lower_names = |names: &[&str]| names.iter().map(|n| n.to_lowercase()).collect::<Vec<_>>();
    let expressions: Vec<(Words, String)> = vec![
        (
            Words::new(&["region"]),
            r"\bRegion[ \t]+[A-ZÅÄÖ][\w\-]+(?:[ \t]+[A-ZÅÄÖ][\w\-]+)?(?:[ \t]+län\b)?".to_string(),
        ),
        (Words::new(&["regionen"]), r"(?:[A-ZÅÄÖ]\w+[ \t]+)?[A-ZÅÄÖ]\w+regionen\b".to_string()),
        (Words::new(&["landsting"]), r"[A-ZÅÄÖ]\w+[ \t]+läns[ \t]+landsting\b".to_string()),
        (
            Words::new(&["länsstyrelsen"]),
            r"\bLänsstyrelsen[ \t]+(?:i[ \t]+[A-ZÅÄÖ]\w+(?:[ \t]+[A-ZÅÄÖ]\w+)?[ \t]+län\b|[A-ZÅÄÖ]\w+)".to_string(),
        ),
        (Words::new(&lower_names(AGENCIES)), format!(r"(?:{agencies})\b")),
        (
            Words::new(&["livförsäkring", "skadeförsäkring", " försäkring", "\tförsäkring", " pension", "\tpension"]),
            INSURER_GENERIC.to_string(),
        ),
        (Words::new(&lower_names(INSURER_BRANDS)), INSURER_BRAND.to_string()),
    ];
    let local = Words::new(&[" kommun", "\tkommun", " stad", "\tstad", " samordningsförbund", "\tsamordningsförbund"]);
    std::iter::once((local, Form::Municipal))
        .chain(expressions.into_iter().map(|(keys, p)| (keys, Form::Expression(pattern::compile(&p)))))
        .collect()
});

/// How a form of [`PUBLIC_BODY`] is searched for.
enum Form {
    /// "Uppsala kommun", "Malmö stad": [`municipal::names`].
    Municipal,
    Expression(Regex),
}

impl Form {
    /// The byte ranges of the form's matches in `text.original`, in order.
    fn matches(&self, text: &Text) -> Vec<(usize, usize)> {
        match self {
            Form::Municipal => municipal::names(&text.original, &text.lower),
            Form::Expression(re) => re.find_iter(&text.original).map(|m| (m.start(), m.end())).collect(),
        }
    }
}

/// Insurance companies by name: "<Name> Livförsäkring AB" and the known brands.
const INSURER_GENERIC: &str = r"(?:[A-ZÅÄÖ][\w&\-]*[ \t]+){1,3}(?:[Ll]ivförsäkring\w*|[Ff]örsäkring(?:ar|saktiebolag|sbolag)?|[Ss]kadeförsäkring\w*|[Pp]ension)(?:[ \t]+AB|[ \t]+ömsesidigt?)?\b";
/// The first word of each brand in [`INSURER_BRAND`], one of which it needs.
const INSURER_BRANDS: &[&str] = &[
    "Folksam",
    "Skandia",
    "Alecta",
    "Movestic",
    "Länsförsäkringar",
    "Trygg-Hansa",
    "SPP",
    "AMF",
    "Bliwa",
    "KPA",
    "Euro",
    "Afa",
];
const INSURER_BRAND: &str = r"\b(?:Folksam|Skandia|Alecta|Movestic|Länsförsäkringar|Trygg-Hansa|SPP|AMF|Bliwa|KPA|Euro[ \t]+Accident|Afa[ \t]+Försäkring)(?:[ \t]+(?:ömsesidig|ömsesidigt|sakförsäkring|livförsäkring|försäkring|liv|pension|AB))*\b";

static INSURER_RE: LazyLock<[Regex; 2]> =
    LazyLock::new(|| [pattern::compile(INSURER_GENERIC), pattern::compile(INSURER_BRAND)]);

/// State agencies that are likely LEFI subscribers or mentioned in such mails.
const AGENCIES: &[&str] = &[
    "Arbetsförmedlingen",
    "Arbetsmiljöverket",
    "Bolagsverket",
    "Boverket",
    "Centrala studiestödsnämnden",
    "CSN",
    "Domstolsverket",
    "E-hälsomyndigheten",
    "Ekobrottsmyndigheten",
    "Ekonomistyrningsverket",
    "Folkhälsomyndigheten",
    "Försvarsmakten",
    "Inspektionen för socialförsäkringen",
    "Inspektionen för vård och omsorg",
    "Kriminalvården",
    "Kronofogdemyndigheten",
    "Kronofogden",
    "Lantmäteriet",
    "Migrationsverket",
    "Myndigheten för delaktighet",
    "Myndigheten för familjerätt och föräldraskapsstöd",
    "Pensionsmyndigheten",
    "Polismyndigheten",
    "Skatteverket",
    "Skolverket",
    "Socialstyrelsen",
    "Statens institutionsstyrelse",
    "Statens servicecenter",
    "Statens tjänstepensionsverk",
    "Statistiska centralbyrån",
    "Trafikverket",
    "Transportstyrelsen",
    "Tullverket",
    "Utbetalningsmyndigheten",
    "Åklagarmyndigheten",
];

/// Words that start a capitalised run but are not part of a name.
const NOT_NAME_WORDS: &[&str] = &[
    "härmed",
    "vi",
    "jag",
    "ni",
    "hej",
    "hejsan",
    "från",
    "till",
    "avser",
    "gäller",
    "uppsägning",
    "ang",
    "angående",
    "med",
    "den",
    "det",
    "denna",
    "detta",
    "lefi",
    "prenumeration",
    "org",
    "organisation",
    "organisationen",
    "kommunen",
    "we",
    "i",
    "the",
    "dear",
    "hello",
    "subject",
    "ämne",
    "re",
    "sv",
    "vb",
    "fwd",
    "mvh",
    "hälsningar",
    "vänliga",
    "tack",
    "nu",
    "också",
    "även",
    "därför",
    "eftersom",
    "från och med",
    "per",
    "fr",
    "tjänsten",
];

const DEPARTMENT_SUFFIXES: &[&str] =
    &["nämnden", "förvaltningen", "kontoret", "avdelningen", "enheten", "sektionen", "staben", "styrelsen", "kansliet"];

/// Words that make a "Namn:" value an organisation rather than a person.
const ORG_WORDS: &[&str] = &[
    "kommun",
    "stad",
    "region",
    "landsting",
    "länsstyrelsen",
    "myndighet",
    "verket",
    "verk",
    "styrelse",
    "nämnd",
    "förbund",
    "förvaltning",
    "inspektionen",
    "aktiebolag",
    " ab",
    "försäkring",
    "pension",
    "stiftelse",
    "förening",
    "bolag",
    "universitet",
    "högskola",
    "domstol",
    "kronofogde",
    "agency",
    "authority",
    "council",
    "municipality",
];

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

pub fn find(text: &Text, intent: &IntentFinding, org_number: &OrgNumberFinding) -> NameFinding {
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
    // every name found in running text irrelevant.
    if candidates.is_empty() {
        names_in_running_text(text, intent, org_number, &mut candidates);
    }
    choose(text, candidates)
}

/// Names stated in sentences ("Härmed säger Uppsala kommun upp …") and names of
/// public bodies anywhere, ranked by where they stand.
fn names_in_running_text(
    text: &Text,
    intent: &IntentFinding,
    org_number: &OrgNumberFinding,
    candidates: &mut Vec<Candidate>,
) {
    let original = &text.original;
    let in_statement = |start: usize| {
        text.source_at(start) == super::Source::Subject
            || intent.sentences.iter().any(|(s, e)| *s <= start && start < *e)
    };
    // Only asked for names outside the stating sentences.
    let number_lines = std::cell::OnceCell::new();
    let beside_number = |start: usize| {
        number_lines.get_or_init(|| number_line_spans(text, org_number)).iter().any(|(s, e)| *s <= start && start < *e)
    };

    // Separate forms, because one sentence can hold two of them.
    for form in (0..party::FORMS).filter(|&form| text.may_mention(&party::KEY_WORDS[form])) {
        for (m_start, m_end) in party::matches(form, original) {
            let (start, end) = party_span(form, &original[m_start..m_end]);
            let (start, end) = (m_start + start, m_start + end);
            let name = clean(&strip_leading_non_names(&original[start..end]));
            if name.is_empty() || is_forsakringskassan(&name) || name.split_whitespace().count() > 5 {
                continue;
            }
            candidates.push(Candidate { name, start, end, rank: RANK_STATEMENT });
        }
    }

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

/// "Label: value" lines: the label at the start of a line (after quote marks,
/// bullets or bold stars), a colon, and the value after it on the same line or,
/// when the label stands alone, on the next line that is not blank. Returns the
/// label and the value's byte range.
fn labeled_values(text: &Text) -> Vec<(&'static str, usize, usize)> {
    let (original, lower) = (&text.original, &text.lower);
    let mut out = Vec::new();
    let mut line_start = 0;
    while line_start < lower.len() {
        let line_end = text::line_end(lower, line_start);
        let mut next = line_end + 1;
        let line = &lower[line_start..line_end];
        let indent = line.len() - line.trim_start_matches([' ', '\t', '>', '*']).len();
        if let Some((label, after_colon)) = label_at(&line[indent..]) {
            // The value may stand on a later line when the label line ends at the colon.
            let after = original[line_start + indent + after_colon..].trim_start().trim_start_matches('*').trim_start();
            let from = original.len() - after.len();
            let value_end = text::line_end(original, from);
            let value = original[from..value_end].trim_end();
            if !value.is_empty() {
                out.push((label, from, from + value.len()));
                next = value_end + 1;
            }
        }
        line_start = next;
    }
    out
}

/// The label `line` starts with, when a colon follows it, and the offset after the colon.
fn label_at(line: &str) -> Option<(&'static str, usize)> {
    // Every label starts with one of these letters, and no label without a colon.
    if !matches!(line.as_bytes().first(), Some(b'o' | b'm' | b'n' | b'c')) || !line.contains([':', '：']) {
        return None;
    }
    // Each label's words, split once.
    static LABEL_WORDS: LazyLock<Vec<Vec<&'static str>>> =
        LazyLock::new(|| LABELS.iter().map(|label| label.split(' ').collect()).collect());
    LABELS.iter().zip(LABEL_WORDS.iter()).find_map(|(label, words)| {
        let mut rest = line;
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                let trimmed = rest.trim_start_matches([' ', '\t']);
                if trimmed.len() == rest.len() {
                    return None;
                }
                rest = trimmed;
            }
            rest = rest.strip_prefix(word)?;
        }
        let rest = rest.strip_prefix('*').unwrap_or(rest).trim_start_matches([' ', '\t']);
        let after = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
        Some((*label, line.len() - after.len()))
    })
}

/// The run of capitalised words (with the blanks after it) inside a match of
/// [`party::matches`] of `form`, as a byte range of the match. The words around it
/// are lower case or fixed, so they can be cut off without capture groups.
fn party_span(form: usize, matched: &str) -> (usize, usize) {
    let blank = [' ', '\t'];
    let (mut rest, verbs, fillers): (&str, &[&str], &[&str]) = match form {
        0 => {
            // "säger [härmed] NAME [härmed|nu|därmed] upp"
            let after_verb = matched["säger".len()..].trim_start_matches(blank);
            let rest = match after_verb.strip_prefix("härmed") {
                Some(r) if r.starts_with(blank) => r.trim_start_matches(blank),
                _ => after_verb,
            };
            (rest, &["upp"], &["härmed", "nu", "därmed"])
        }
        // "[. ]NAME säger|avslutar " and "[. ]NAME [hereby] terminates|cancels"
        1 => (matched, &["säger", "avslutar"], &[]),
        _ => (matched, &["terminates", "cancels"], &["hereby"]),
    };
    if form > 0 {
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
        match distinct.iter_mut().find(|(k, _)| *k == key || same_but_genitive(k, &key)) {
            Some((existing_key, existing)) => {
                // Prefer the fuller form ("Region Västra Götaland" over "Region Västra").
                if key.len() > existing_key.len() && key.starts_with(existing_key.as_str()) {
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

/// Lines that carry a found organisation number, and the lines around them: a
/// signature block puts the name just above the number.
fn number_line_spans(text: &Text, org_number: &OrgNumberFinding) -> Vec<(usize, usize)> {
    let OrgNumberFinding::Found(found) = org_number else { return Vec::new() };
    let original = &text.original;
    // The evidence is one line of the text (unless a personal number was masked in it).
    let Some(at) = memchr::memmem::find(original.as_bytes(), found.evidence.text.as_bytes()) else { return Vec::new() };
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

/// True when `name` is an insurance company's name.
pub fn is_insurer_name(name: &str) -> bool {
    // Every generic form ends in "…försäkring…" or "…pension" and every brand
    // form starts with a brand: without one of them the expressions cannot
    // match, and most names (every authority's) have none. The searchers are
    // built once: `str::contains` builds one per call.
    static KEYS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
        ["örsäkring", "ension"].iter().chain(INSURER_BRANDS).map(|key| Finder::new(key.as_bytes())).collect()
    });
    KEYS.iter().any(|key| key.find(name.as_bytes()).is_some()) && INSURER_RE.iter().any(|re| re.is_match(name))
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

/// The run of words without the greetings, pronouns and department names
/// before the name ("Härmed", "Vi", "Socialnämnden"), joined by single spaces.
fn strip_leading_non_names(run: &str) -> String {
    let mut rest = run.split_whitespace();
    let mut first = rest.next();
    // The last word is kept whatever it is.
    while let Some(word) = first
        && rest.clone().next().is_some()
        && is_non_name(word.trim_matches(|c: char| !c.is_alphanumeric()))
    {
        first = rest.next();
    }
    // A lone stop word ("Vi") is no name.
    if let Some(word) = first
        && rest.clone().next().is_none()
        && with_lowered(word, |lower| NOT_NAME_WORDS.iter().any(|n| n.as_bytes() == lower))
    {
        return String::new();
    }
    join_words(first.into_iter().chain(rest), run.len())
}

fn is_non_name(word: &str) -> bool {
    with_lowered(word, |lower| {
        NOT_NAME_WORDS.iter().any(|n| n.as_bytes() == lower)
            || DEPARTMENT_SUFFIXES.iter().any(|s| lower.ends_with(s.as_bytes()))
    })
}

/// `test` asked of `word` in lower case, lowered on the stack when it fits.
fn with_lowered(word: &str, test: impl Fn(&[u8]) -> bool) -> bool {
    match caseless::lowered(word, &mut [0; 64]) {
        Some(lower) => test(lower),
        None => test(word.to_lowercase().as_bytes()),
    }
}

/// Words joined by single spaces.
fn join_words<'a>(words: impl Iterator<Item = &'a str>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Trims quotes, brackets and punctuation, and cuts at what follows a name
/// ("Uppsala kommun, org.nr …", "Region Skåne (Regionstyrelsen)").
fn clean(raw: &str) -> String {
    let s = cut_at_stop(raw.trim());
    let quotes = |c: char| {
        matches!(c, '"' | '\'' | '«' | '»' | '“' | '”' | '‘' | '’' | '„' | '*' | '<' | '>' | '[' | ']' | ')' | '(')
            || c.is_whitespace()
    };
    let s = s.trim_matches(quotes).trim_end_matches(['.', ',', ';', ':', '!', '?']).trim_matches(quotes);
    let mut name = join_words(s.split_whitespace(), s.len());
    if name.chars().count() > MAX_NAME_CHARS {
        name = name.chars().take(MAX_NAME_CHARS).collect();
    }
    // Genitive: "Uppsala kommuns avtal" names "Uppsala kommun".
    if ["kommuns", "Kommuns", "stads", "Stads"].iter().any(|genitive| name.ends_with(genitive)) {
        name.pop();
    }
    // No region's name ends in -s except before "län": "Region Skånes avtal".
    if name.starts_with("Region ") && name.ends_with('s') && name.len() > 9 {
        name.pop();
    }
    if !name.chars().any(char::is_alphabetic) {
        return String::new();
    }
    name
}

/// Cuts a name where the text after it begins: a comma, a bracket, a dash
/// between spaces, "org.nr", "är".
fn cut_at_stop(s: &str) -> &str {
    for (i, c) in s.char_indices() {
        match c {
            ',' | ';' | '(' | '\t' => return &s[..i],
            ' ' => {
                let rest = &s[i + 1..];
                let stop = rest.starts_with(' ')
                    || ["- ", "– ", "— ", "är ", "is "].iter().any(|p| rest.starts_with(p))
                    || rest.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("org"));
                if stop {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    s
}

fn comparable(name: &str) -> String {
    let lower = name.to_lowercase();
    // Names from `clean` have single spaces between their words already.
    let collapsed = !lower.starts_with(' ')
        && !lower.ends_with(' ')
        && !lower.contains("  ")
        && !lower.contains(|c: char| c.is_whitespace() && c != ' ');
    if collapsed { lower } else { join_words(lower.split_whitespace(), lower.len()) }
}

/// "region skånes" is "region skåne" (both already comparable keys).
fn same_but_genitive(a: &str, b: &str) -> bool {
    a.strip_suffix('s') == Some(b) || b.strip_suffix('s') == Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Source, intent, org_number};

    fn name(subject: &str, body: &str) -> NameFinding {
        let t = Text::new(subject, body, Source::Body);
        let i = intent::find(&t);
        let n = org_number::find(&t);
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
    fn label_lines_in_their_written_forms() {
        let t = Text::new(
            "",
            "> **Organisationsnamn:** Region Skåne\nOrganisation name  :\n\n  Malmö stad  \nNamnet: X\nORGANISATION：Lunds kommun",
            Source::Body,
        );
        let values: Vec<(&str, &str)> =
            labeled_values(&t).into_iter().map(|(label, s, e)| (label, &t.original[s..e])).collect();
        assert_eq!(
            values,
            [
                ("organisationsnamn", "Region Skåne"),
                ("organisation name", "Malmö stad"),
                ("organisation", "Lunds kommun")
            ]
        );
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

    proptest::proptest! {
        /// The key-word test never hides a name the expressions recognise.
        #[test]
        fn insurer_key_words_are_in_every_insurer_name(
            words in proptest::collection::vec(proptest::sample::select(&[
                "Folksam", "Skandia", "Trygg-Hansa", "Euro", "Accident", "Afa", "Försäkring", "försäkring",
                "Livförsäkring", "livförsäkringar", "Skadeförsäkring", "Pension", "pension", "AB", "ömsesidig",
                "Exempel", "Uppsala", "kommun", "liv", "sak", "Försäkringar", "Försäkringsaktiebolag",
            ][..]), 1..5),
            blanks in proptest::collection::vec(proptest::sample::select(&[" ", "\t", "  ", "-", ""][..]), 5),
        ) {
            let name: String = words.iter().zip(&blanks).flat_map(|(w, b)| [*w, *b]).collect();
            proptest::prop_assert_eq!(is_insurer_name(&name), INSURER_RE.iter().any(|re| re.is_match(&name)), "{:?}", name);
        }
    }

    #[test]
    fn insurers_are_recognised() {
        assert!(is_insurer_name("Folksam ömsesidig sakförsäkring"));
        assert!(is_insurer_name("Exempel Livförsäkring AB"));
        assert!(!is_insurer_name("Uppsala kommun"));
    }
}

//! The organisation's name: labeled ("Organisationsnamn: …"), the subject of the
//! termination ("Härmed säger Uppsala kommun upp …"), or a public body's name
//! found in the text (kommun, stad, region, agencies).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::Found;
use super::intent::IntentFinding;
use super::org_number::OrgNumberFinding;
use super::text::Text;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

static LABELED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?imx)^[\ \t>*]*
        (organisationens\s+namn|organisationsnamn|myndighetens\s+namn|myndighetsnamn|myndighet|namn\s+på\s+(?:organisationen|myndigheten)
         |organisation\s+name|organization\s+name|name\s+of\s+(?:the\s+)?organi[sz]ation|company\s+name|organisation|organization
         |namn|name)
        \*?\s*[:：]\s*\**(.+?)\s*$",
    )
    .expect("labeled name regex")
});

/// Names of public bodies (and insurers, to recognise them) in running text.
static PUBLIC_BODY: LazyLock<Regex> = LazyLock::new(|| {
    // Verbose mode ignores spaces, even in names: spell them as \x20.
    let agencies = AGENCIES.join("|").replace(' ', r"\x20");
    Regex::new(&format!(
        r"(?x)
        \b(?:[A-ZÅÄÖ][\wåäöéü]*(?:-[A-ZÅÄÖ][\wåäöéü]*)?[\ \t]+){{1,3}}(?:[Kk]ommun|[Ss]tad|kommunalförbund|kommunförbund|samordningsförbund)s?\b
        | \bRegion[\ \t]+[A-ZÅÄÖ][\wåäöé\-]+(?:[\ \t]+[A-ZÅÄÖ][\wåäöé\-]+)?(?:[\ \t]+län\b)?
        | \b(?:[A-ZÅÄÖ][\wåäö]+[\ \t]+)?[A-ZÅÄÖ][\wåäö]+regionen\b
        | \b[A-ZÅÄÖ][\wåäö]+[\ \t]+läns[\ \t]+landsting\b
        | \bLänsstyrelsen[\ \t]+i[\ \t]+[A-ZÅÄÖ][\wåäö]+(?:[\ \t]+[A-ZÅÄÖ][\wåäö]+)?[\ \t]+län\b
        | \bLänsstyrelsen[\ \t]+[A-ZÅÄÖ][\wåäö]+
        | \b(?:{agencies})\b
        | {INSURER}
        "
    ))
    .expect("public body regex")
});

/// "Härmed säger X upp", "X säger härmed upp", "X hereby terminates". Separate
/// expressions, because one sentence can hold two of the forms.
static TERMINATING_PARTY: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    [
        r"\b[Ss]äger[ \t]+(?:härmed[ \t]+)?((?:[A-ZÅÄÖ][\wåäöé\-]*[ \t]+){1,5}?)(?:härmed[ \t]+|nu[ \t]+|därmed[ \t]+)?upp\b",
        r"(?:^|[.!?][ \t]+|\n)((?:[A-ZÅÄÖ][\wåäöé\-]*[ \t]+){1,5})(?:säger|avslutar)[ \t]+",
        r"(?:^|[.!?][ \t]+|\n)((?:[A-Z][\w\-]*[ \t]+){1,5})(?:hereby[ \t]+)?(?:terminates|cancels)\b",
    ]
    .map(|p| Regex::new(p).expect("terminating party regex"))
});

/// Insurance companies by name. Spaces are `\x20` so that the pattern can be
/// embedded in a verbose-mode expression.
const INSURER: &str = r"\b(?:[A-ZÅÄÖ][\w&\-]*[\x20\t]+){1,3}(?:[Ll]ivförsäkring\w*|[Ff]örsäkring(?:ar|saktiebolag|sbolag)?|[Ss]kadeförsäkring\w*|[Pp]ension)(?:[\x20\t]+AB|[\x20\t]+ömsesidigt?)?\b|\b(?:Folksam|Skandia|Alecta|Movestic|Länsförsäkringar|Trygg-Hansa|SPP|AMF|Bliwa|KPA|Euro[\x20\t]+Accident|Afa[\x20\t]+Försäkring)(?:[\x20\t]+(?:ömsesidig|ömsesidigt|sakförsäkring|livförsäkring|försäkring|liv|pension|AB))*\b";

static INSURER_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(INSURER).expect("insurer regex"));

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

    for caps in LABELED.captures_iter(original) {
        let label = caps.get(1).expect("label").as_str().to_lowercase();
        let value = caps.get(2).expect("value");
        let name = clean(value.as_str());
        if name.is_empty() || is_forsakringskassan(&name) {
            continue;
        }
        // "Namn: Anna Andersson" is the contact person, not the organisation.
        if (label == "namn" || label == "name") && !looks_like_org(&name) {
            continue;
        }
        candidates.push(Candidate { name, start: value.start(), end: value.end(), rank: RANK_LABELED });
    }

    let in_statement = |start: usize| {
        text.source_at(start) == super::Source::Subject
            || intent.sentences.iter().any(|(s, e)| *s <= start && start < *e)
    };
    let number_lines: Vec<(usize, usize)> = number_line_spans(text, org_number);
    let beside_number = |start: usize| number_lines.iter().any(|(s, e)| *s <= start && start < *e);

    for caps in TERMINATING_PARTY.iter().flat_map(|re| re.captures_iter(original)) {
        let g = caps.get(1).expect("party group");
        let name = clean(&strip_leading_non_names(g.as_str()));
        if name.is_empty() || is_forsakringskassan(&name) || name.split_whitespace().count() > 5 {
            continue;
        }
        candidates.push(Candidate { name, start: g.start(), end: g.end(), rank: RANK_STATEMENT });
    }

    for m in PUBLIC_BODY.find_iter(original) {
        let name = clean(&strip_leading_non_names(m.as_str()));
        if name.is_empty() || is_forsakringskassan(&name) || !name.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        let rank = if in_statement(m.start()) {
            RANK_STATEMENT
        } else if beside_number(m.start()) {
            RANK_BESIDE_NUMBER
        } else {
            RANK_ELSEWHERE
        };
        candidates.push(Candidate { name, start: m.start(), end: m.end(), rank });
    }

    choose(text, candidates)
}

fn choose(text: &Text, candidates: Vec<Candidate>) -> NameFinding {
    let Some(top) = candidates.iter().map(|c| c.rank).max() else { return NameFinding::None };
    let mut distinct: Vec<Found<String>> = Vec::new();
    for c in candidates.iter().filter(|c| c.rank == top) {
        let key = comparable(&c.name);
        match distinct.iter_mut().find(|f| comparable(&f.value) == key || contains_name(&f.value, &c.name)) {
            Some(existing) => {
                // Prefer the fuller form ("Region Västra Götaland" over "Region Västra").
                if c.name.len() > existing.value.len() && comparable(&c.name).starts_with(&comparable(&existing.value))
                {
                    existing.value = c.name.clone();
                }
            }
            None => distinct.push(Found { value: c.name.clone(), evidence: text.evidence(c.start, c.end) }),
        }
    }
    if distinct.len() == 1 {
        NameFinding::Found(distinct.remove(0))
    } else {
        NameFinding::Ambiguous { candidates: distinct, labeled: top == RANK_LABELED }
    }
}

/// Lines that carry a found organisation number, and the lines around them: a
/// signature block puts the name just above the number.
fn number_line_spans(text: &Text, org_number: &OrgNumberFinding) -> Vec<(usize, usize)> {
    let evidence: Vec<&str> = match org_number {
        OrgNumberFinding::Found(f) => vec![f.evidence.text.as_str()],
        _ => Vec::new(),
    };
    let mut spans = Vec::new();
    for ev in evidence {
        let Some(at) = text.original.find(ev) else { continue };
        let mut start = at;
        for _ in 0..3 {
            start = text.original[..start.saturating_sub(1)].rfind('\n').map_or(0, |i| i + 1);
        }
        let mut end = at + ev.len();
        for _ in 0..2 {
            end = text.original[(end + 1).min(text.original.len())..]
                .find('\n')
                .map_or(text.original.len(), |i| end + 1 + i);
        }
        spans.push((start, end));
    }
    spans
}

/// True when `name` is an insurance company's name.
pub fn is_insurer_name(name: &str) -> bool {
    INSURER_RE.is_match(name)
}

fn looks_like_org(name: &str) -> bool {
    let lower = format!(" {}", name.to_lowercase());
    ORG_WORDS.iter().any(|w| lower.contains(w))
        || AGENCIES.iter().any(|a| a.eq_ignore_ascii_case(name))
        || is_insurer_name(name)
}

fn is_forsakringskassan(name: &str) -> bool {
    name.to_lowercase().contains("försäkringskassan")
}

fn strip_leading_non_names(run: &str) -> String {
    let words: Vec<&str> = run.split_whitespace().collect();
    let mut skip = 0;
    while skip + 1 < words.len() {
        let w = words[skip].trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let department = DEPARTMENT_SUFFIXES.iter().any(|s| w.ends_with(s));
        if NOT_NAME_WORDS.contains(&w.as_str()) || department {
            skip += 1;
        } else {
            break;
        }
    }
    let rest = &words[skip..];
    // A lone stop word ("Vi") is no name.
    if rest.len() == 1 && NOT_NAME_WORDS.contains(&rest[0].to_lowercase().as_str()) {
        return String::new();
    }
    rest.join(" ")
}

/// Trims quotes, brackets and punctuation, and cuts at what follows a name
/// ("Uppsala kommun, org.nr …", "Region Skåne (Regionstyrelsen)").
fn clean(raw: &str) -> String {
    let mut s = raw.trim();
    for stop in [",", ";", "(", " - ", " – ", " — ", "\t", "  ", " org", " Org", " ORG", " är ", " is "] {
        if let Some(i) = s.find(stop) {
            s = &s[..i];
        }
    }
    let quotes = |c: char| {
        matches!(c, '"' | '\'' | '«' | '»' | '“' | '”' | '‘' | '’' | '„' | '*' | '<' | '>' | '[' | ']' | ')' | '(')
            || c.is_whitespace()
    };
    let s = s.trim_matches(quotes).trim_end_matches(['.', ',', ';', ':', '!', '?']).trim_matches(quotes);
    let mut name: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > MAX_NAME_CHARS {
        name = name.chars().take(MAX_NAME_CHARS).collect();
    }
    // Genitive: "Uppsala kommuns avtal" names "Uppsala kommun".
    for (genitive, base) in [("kommuns", "kommun"), ("Kommuns", "Kommun"), ("stads", "stad"), ("Stads", "Stad")] {
        if let Some(stem) = name.strip_suffix(genitive) {
            name = format!("{stem}{base}");
        }
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

fn comparable(name: &str) -> String {
    name.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Region Skånes" is "Region Skåne"; "Västra Götalandsregionen" stays itself.
fn contains_name(a: &str, b: &str) -> bool {
    let (a, b) = (comparable(a), comparable(b));
    a.strip_suffix('s') == Some(b.as_str()) || b.strip_suffix('s') == Some(a.as_str())
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

    #[test]
    fn insurers_are_recognised() {
        assert!(is_insurer_name("Folksam ömsesidig sakförsäkring"));
        assert!(is_insurer_name("Exempel Livförsäkring AB"));
        assert!(!is_insurer_name("Uppsala kommun"));
    }
}

//! The date from which the termination applies: one specific day.
//!
//! Dates are recognised in the forms Swedish and English writers use; a date
//! counts as the effective date when a phrase such as "från och med", "per" or
//! "as of" stands right before it, or when it is the only date in the sentence
//! that states the termination. "t.o.m. D" keeps the service until D, so the
//! termination applies from the day after. Dates without a year are resolved
//! against the day the mail was received, never the wall clock. A deadline
//! ("senast 1 mars", "before 1 March") or a period ("vid årsskiftet", "i
//! januari 2027", "efter sommaren", "Q2") is not one day: the sender is asked
//! for the day.

use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::intent::IntentFinding;
use super::keywords::Words;
use super::pattern;
use super::text::Text;
use super::{Evidence, Found};
// Further ahead than the rule allows is a typing error, not a plan.
use crate::domain::latest_effective_date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DateFinding {
    None,
    Found(Found<NaiveDate>),
    Ambiguous {
        candidates: Vec<Found<NaiveDate>>,
    },
    /// A date that does not exist, or is implausibly far off.
    Invalid {
        evidence: Evidence,
    },
    /// "omgående", "snarast", "med omedelbar verkan": a wish, not a date.
    NotADate {
        evidence: Evidence,
    },
    /// A deadline or a period, not one day.
    Vague {
        evidence: Evidence,
    },
}

/// What became of one date the extraction looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateNote {
    /// After "från och med", "per", "as of" … : the effective date's place.
    Anchored,
    /// The only kind of date in the sentence that states the termination.
    InStatement,
    /// Neither anchored nor in the statement, while another date is.
    NotTheEffectiveDate,
    /// A deadline ("senast", "före", "by"): not the day it takes effect.
    Deadline,
    /// The day does not exist, or is implausibly far off.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateConsidered {
    /// As written.
    pub written: String,
    /// Where it stands in the extraction's text.
    #[serde(skip, default)]
    pub span: (usize, usize),
    /// As read (YYYY-MM-DD), when it is a day.
    pub value: Option<NaiveDate>,
    pub evidence: Evidence,
    pub note: DateNote,
}

const MONTHS: &str = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december\
|january|february|march|may|june|july|august|october\
|jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dec";

/// Every written form of a date. The match alone tells which form it is, so
/// [`read`] takes it apart without capture groups (the slowest part of a
/// regular-expression search).
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(&format!(
        r"(?x)
        \b[0-9]{{4}}[-/.][0-9]{{1,2}}[-/.][0-9]{{1,2}}\b
        | \b[0-9]{{1,2}}\.[0-9]{{1,2}}\.[0-9]{{4}}\b
        | \b[0-9]{{1,2}}/[0-9]{{1,2}}(?:(?:\s*-\s*|\s+|/)[0-9]{{4}})?\b
        | \b[0-9]{{1,2}}(?::[ae]|st|nd|rd|th)?\.?\s+(?:of\s+)?(?:{MONTHS})\.?(?:,?\s+[0-9]{{4}})?\b
        | \b(?:{MONTHS})\.?\s+[0-9]{{1,2}}(?:st|nd|rd|th)?(?:,\s*|\s+)[0-9]{{4}}\b
        | \b(?:idag|i\s+dag|today|dags\s+dato)\b
        # Ordinal words: den första juli 2027, the first of January 2027, January the first, 2027.
        | (?:{SV_ORDINALS})\s+(?:{MONTHS})\.?(?:\s+[0-9]{{4}})?\b
        | \b(?:{EN_ORDINALS})\s+(?:day\s+)?of\s+(?:{MONTHS})\.?(?:,?\s+[0-9]{{4}})?\b
        | \b(?:{MONTHS})\s+(?:the\s+)?(?:{EN_ORDINALS})(?:,\s*|\s+)[0-9]{{4}}\b
        "
    ))
});

/// Day numbers written as words, 1–31, in order (Swedish ordinals stand
/// without a word boundary: "första" starts with an ASCII letter, "åttonde" not).
const SV_ORDINAL_WORDS: [&str; 31] = [
    "första",
    "andra",
    "tredje",
    "fjärde",
    "femte",
    "sjätte",
    "sjunde",
    "åttonde",
    "nionde",
    "tionde",
    "elfte",
    "tolfte",
    "trettonde",
    "fjortonde",
    "femtonde",
    "sextonde",
    "sjuttonde",
    "artonde",
    "nittonde",
    "tjugonde",
    "tjugoförsta",
    "tjugoandra",
    "tjugotredje",
    "tjugofjärde",
    "tjugofemte",
    "tjugosjätte",
    "tjugosjunde",
    "tjugoåttonde",
    "tjugonionde",
    "trettionde",
    "trettioförsta",
];
const EN_ORDINAL_WORDS: [&str; 31] = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty-first",
    "twenty-second",
    "twenty-third",
    "twenty-fourth",
    "twenty-fifth",
    "twenty-sixth",
    "twenty-seventh",
    "twenty-eighth",
    "twenty-ninth",
    "thirtieth",
    "thirty-first",
];
/// The ordinals as alternations, longest first (so "tjugoförsta" is not read as "första").
const SV_ORDINALS: &str = "trettioförsta|trettionde|tjugoförsta|tjugoandra|tjugotredje|tjugofjärde|tjugofemte\
|tjugosjätte|tjugosjunde|tjugoåttonde|tjugonionde|tjugonde|trettonde|fjortonde|femtonde|sextonde|sjuttonde|artonde\
|nittonde|första|andra|tredje|fjärde|femte|sjätte|sjunde|åttonde|nionde|tionde|elfte|tolfte";
const EN_ORDINALS: &str = "thirty-first|thirtieth|twenty-first|twenty-second|twenty-third|twenty-fourth\
|twenty-fifth|twenty-sixth|twenty-seventh|twenty-eighth|twenty-ninth|twentieth|thirteenth|fourteenth|fifteenth\
|sixteenth|seventeenth|eighteenth|nineteenth|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth\
|eleventh|twelfth";

/// The day an ordinal word in `matched` names.
fn ordinal_day(matched: &str) -> Option<u32> {
    let words: Vec<&str> = matched.split(|c: char| !c.is_alphabetic() && c != '-').collect();
    words.iter().find_map(|w| {
        SV_ORDINAL_WORDS
            .iter()
            .position(|o| o == w)
            .or_else(|| EN_ORDINAL_WORDS.iter().position(|o| o == w))
            .map(|i| i as u32 + 1)
    })
}

/// The weekday named right before a date ("måndagen den", "Monday,"), if one is.
fn weekday_before(before: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    const NAMES: [(&str, chrono::Weekday); 14] = [
        ("måndag", Mon),
        ("tisdag", Tue),
        ("onsdag", Wed),
        ("torsdag", Thu),
        ("fredag", Fri),
        ("lördag", Sat),
        ("söndag", Sun),
        ("monday", Mon),
        ("tuesday", Tue),
        ("wednesday", Wed),
        ("thursday", Thu),
        ("friday", Fri),
        ("saturday", Sat),
        ("sunday", Sun),
    ];
    let tail = before.trim_end().trim_end_matches(',').trim_end();
    let tail = tail.strip_suffix(" den").or_else(|| tail.strip_suffix(" the")).unwrap_or(tail).trim_end();
    let tail = tail.trim_end_matches(',').trim_end();
    let last = tail.rsplit(|c: char| !c.is_alphabetic()).next()?;
    let last = last.strip_suffix("en").unwrap_or(last);
    NAMES.iter().find(|(n, _)| last == *n).map(|(_, d)| *d)
}

/// What may stand between an anchoring phrase and the date.
const ANCHOR_TAIL: &str = r"\s*(?:\.{2,}\s*)?(?:[:=\-–|]\s*)?(?:den\s+|the\s+|on\s+|at\s+|dagen\s+)?$";

/// Phrases that make the following date the effective date.
static FROM: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(&format!(
        r"(?x)
        (?:från\s+och\s+med|fr\.?\s?o\.?\s?m\.?|f\.?\s?o\.?\s?m\.?|fom|from\s+and\s+including|from|med\s+start|per|från|gäller\s+från
            |gälla\s+från|upphör\w*(?:\s+att\s+gälla)?|avslutas|sägs\s+upp|as\s+of|effective(?:\s+from|\s+as\s+of)?|with\s+effect\s+from|starting|beginning
            |uppsägningsdatum|avslutsdatum|slutdatum|från\s+datum|gäller\s+från\s+datum|effective\s+date|termination\s+date
            |datum\s+för\s+uppsägning(?:en)?|datum\s+då\s+uppsägningen\s+ska\s+gälla|ska\s+gälla
            |takes?\s+effect(?:\s+(?:on|from|as\s+of))?|in\s+effect\s+(?:from|on)|träder\s+i\s+kraft(?:\s+(?:den|från))?|uppsägningen\s+ska\s+gälla\s+från
            |från\s+vilket\s+datum(?:\s+uppsägningen\s+ska\s+gälla)?
            |date\s+from\s+which\s+the\s+termination\s+(?:shall|should|will|is\s+to)\s+apply|(?:shall|should|will)\s+apply\s+(?:from|as\s+of)
            |termination\s+(?:applies|is\s+effective|takes\s+effect)\s+(?:from|as\s+of))
        {ANCHOR_TAIL}"
    ))
});

/// Phrases naming the last day of service: the termination applies from the next day.
static UNTIL: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(&format!(
        r"(?x)
        (?:till\s+och\s+med|t\.?\s?o\.?\s?m\.?|tom|until|through|up\s+to\s+and\s+including|sista\s+dag(?:en)?(?:\s+(?:är|blir))?|last\s+day(?:\s+(?:is|will\s+be))?
        # Sista dag som vi ska ha tjänsten är den; Sista leveransdag; The last day of the service will be
            |sista\s+(?:leverans|prenumerations|avtals)?dag(?:en)?(?:\s+[^\s.]+){{0,7}}?\s+(?:är|blir|ska\s+vara|skall\s+vara|kommer\s+att\s+vara)
            |sista\s+leveransdag(?:en)?|last\s+day(?:\s+[^\s.]+){{0,6}}?\s+(?:is|will\s+be|shall\s+be))
        {ANCHOR_TAIL}"
    ))
});

/// The last day named after the date: "Den 31 januari 2027 är sista dag som
/// vi tar emot leveranser", "… is our last day".
static LAST_DAY_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"^\s*(?:är|blir|som)\s+(?:vår\s+|er\s+|den\s+)?sista\s+(?:dag|leveransdag|dagen)\b|^\s*(?:is|will\s+be|as)\s+(?:the|our)\s+last\s+day\b",
    )
});

/// Every form of [`NOT_A_DATE`] holds one of these (lower case); the blanks
/// inside its phrases may be any whitespace, so only single words stand here.
static NOT_A_DATE_WORDS: LazyLock<Words> =
    LazyLock::new(|| Words::new(&["omgående", "snar", "omedelbar", "fort", "asap", "soon", "immediate", "kort"]));

static NOT_A_DATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)\b(?:omgående|snarast(?:\s+möjligt)?|med\s+omedelbar\s+verkan|omedelbart|så\s+snart\s+som\s+möjligt|så\s+fort\s+som\s+möjligt
        |asap|as\s+soon\s+as\s+possible|immediately|with\s+immediate\s+effect|effective\s+immediately|inom\s+kort|snart)\b",
    )
});

/// Dates in words; every other form has digits.
static DATE_WORDS: LazyLock<Words> = LazyLock::new(|| Words::new(&["dag", "today", "dato"]));

/// A deadline before a date: the day is a limit, not the day it takes effect.
static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)(?:senast|före|innan|by|no\s+later\s+than|not\s+later\s+than|before|prior\s+to)\s*(?:den\s+|the\s+)?$",
    )
});

/// Periods, not days: "vid årsskiftet", "i januari 2027", "efter sommaren", "Q2".
static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(&format!(
        r"(?x)
        (?:års|halvårs|månads|kvartals)skiftet\w* | \bnyår\w* | \bnew\s+year
        | \b(?:i|från|från\s+och\s+med|fr\.?\s?o\.?\s?m\.?|per|under|efter|in|from|as\s+of|starting|during|after)\s+(?:{FULL_MONTHS})(?:\s+[0-9]{{4}})?\b
        | \b(?:{FULL_MONTHS})\s+[0-9]{{4}}\b
        | \b(?:efter|under|till|före|innan|i|inför)\s+(?:sommaren|våren|hösten|vintern|sommar|vår|höst|vinter|jul|påsk)\w*
        | \b(?:nästa|kommande)\s+(?:år|månad|kvartal|halvår)\w* | \bq[1-4]\b | \bkvartal\s*[1-4]\b
        | \b(?:första|andra|tredje|fjärde)\s+kvartalet | \b(?:första|andra)\s+halvåret
        | \bend\s+of\s+(?:the\s+)?(?:year|month|quarter|{FULL_MONTHS}) | \bnext\s+(?:year|month|quarter)
        | \b(?:first|second|third|fourth)\s+quarter | \b(?:in|during|after)\s+the\s+(?:spring|summer|autumn|fall|winter)
        "
    ))
});
static PERIOD_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&[
        "skiftet",
        "nyår",
        "new year",
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
        "january",
        "february",
        "march",
        "may",
        "june",
        "july",
        "august",
        "october",
        "sommar",
        "vår",
        "höst",
        "vinter",
        "jul",
        "påsk",
        "nästa",
        "kommande",
        "q1",
        "q2",
        "q3",
        "q4",
        "kvartal",
        "halvår",
        "end of",
        "next",
        "quarter",
        "spring",
        "summer",
        "autumn",
        "fall",
        "winter",
    ])
});

/// Month names written out (an abbreviation with a year is too rare a period to tell).
const FULL_MONTHS: &str = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december\
|january|february|march|may|june|july|august|october";

enum Parsed {
    Date(NaiveDate),
    Invalid,
}

struct Candidate {
    start: usize,
    end: usize,
    parsed: Parsed,
    anchored: bool,
    deadline: bool,
    /// A weekday written with it names another day ("måndagen den 1 april 2027" is a Thursday).
    wrong_weekday: bool,
}

pub fn find(text: &Text, intent: &IntentFinding, reference: Option<NaiveDate>) -> (DateFinding, Vec<DateConsidered>) {
    let lower = &text.lower;
    let mut candidates = Vec::new();
    let may_hold_dates = lower.bytes().any(|b| b.is_ascii_digit()) || text.mentions(&DATE_WORDS);
    // One more than the limit, so the caller can tell it was reached.
    let dates = may_hold_dates.then(|| DATE.find_iter(lower)).into_iter().flatten();
    for whole in dates.take(super::MAX_CANDIDATES + 1) {
        let written = read(whole.as_str());
        let (anchored, until) = match anchor_before(lower, whole.start()) {
            (false, _) if LAST_DAY_AFTER.is_match(&lower[whole.end()..]) => (true, true),
            found => found,
        };
        let deadline = !anchored && DEADLINE.is_match(before(lower, whole.start()));
        // "1/1" without a year is a fraction or a reference unless anchored.
        if matches!(written, Written::Numeric { form: Form::Slash, year: None, .. }) && !anchored {
            continue;
        }
        let Some(parsed) = resolve(written, reference) else { continue };
        let parsed = match parsed {
            Parsed::Date(d) if until => d.checked_add_days(Days::new(1)).map_or(Parsed::Invalid, Parsed::Date),
            other => other,
        };
        let parsed = match (parsed, reference) {
            (Parsed::Date(d), Some(r)) if d > latest_effective_date(r) || d.year() < 1990 => Parsed::Invalid,
            (p, _) => p,
        };
        // "02/01/2027": 2 January to a Swede, 1 February to an American.
        // Both readings are candidates; when they differ, the date is ambiguous.
        let other_reading = match written {
            Written::Numeric { form: Form::Slash, day, month, year: Some(y) }
                if day != month && day <= 12 && whole.as_str().matches('/').count() == 2 =>
            {
                NaiveDate::from_ymd_opt(y, day, month)
            }
            _ => None,
        };
        let weekday = weekday_before(before(lower, whole.start()));
        let wrong = |p: &Parsed| matches!((p, weekday), (Parsed::Date(d), Some(w)) if d.weekday() != w);
        let at = |parsed: Parsed| Candidate {
            start: whole.start(),
            end: whole.end(),
            wrong_weekday: wrong(&parsed),
            parsed,
            anchored,
            deadline,
        };
        if let Some(d) = other_reading {
            candidates.push(at(Parsed::Date(d)));
        }
        candidates.push(at(parsed));
    }
    joined_dates(lower, &mut candidates);

    let in_statement = |start: usize| {
        text.source_at(start) == super::TextOrigin::Subject
            || intent.sentences.iter().any(|(s, e)| *s <= start && start < *e)
    };
    // Dates after an anchoring phrase when there are any, else those in the
    // stating sentences; a deadline is never the effective date.
    let any_anchored = candidates.iter().any(|c| c.anchored);
    let note = |c: &Candidate| match c.parsed {
        Parsed::Invalid if c.anchored || in_statement(c.start) => DateNote::Invalid,
        _ if c.deadline => DateNote::Deadline,
        _ if c.anchored => DateNote::Anchored,
        _ if !any_anchored && in_statement(c.start) => DateNote::InStatement,
        _ => DateNote::NotTheEffectiveDate,
    };
    let mut notes = Vec::new();
    let mut contradicted = false;
    let mut valid: Vec<Found<NaiveDate>> = Vec::new();
    let mut invalid: Option<&Candidate> = None;
    let mut deadline: Option<&Candidate> = None;
    for c in &candidates {
        let n = note(c);
        notes.push(DateConsidered {
            written: text.original[c.start..c.end].to_string(),
            span: (c.start, c.end),
            value: match c.parsed {
                Parsed::Date(d) => Some(d),
                Parsed::Invalid => None,
            },
            evidence: text.evidence(c.start, c.end),
            note: n,
        });
        if matches!(n, DateNote::Anchored | DateNote::InStatement) && c.wrong_weekday {
            contradicted = true;
        }
        match (n, &c.parsed) {
            (DateNote::Anchored | DateNote::InStatement, Parsed::Date(d)) if !valid.iter().any(|f| f.value == *d) => {
                valid.push(Found { value: *d, evidence: text.evidence(c.start, c.end) });
            }
            (DateNote::Invalid, _) => {
                invalid.get_or_insert(c);
            }
            (DateNote::Deadline, _) => {
                deadline.get_or_insert(c);
            }
            _ => {}
        }
    }
    let finding = match (valid.len(), invalid) {
        // A date whose weekday says another day contradicts itself.
        (1.., _) if contradicted => DateFinding::Ambiguous { candidates: valid },
        (1, None) => DateFinding::Found(valid.remove(0)),
        (0, Some(c)) => DateFinding::Invalid { evidence: text.evidence(c.start, c.end) },
        // A deadline or a period says the date is not one day only in a mail
        // about a termination.
        (0, None) => match (deadline.filter(|_| !intent.sentences.is_empty()), period(text, intent, &candidates)) {
            (Some(c), _) => DateFinding::Vague { evidence: text.evidence(c.start, c.end) },
            (None, Some((s, e))) => DateFinding::Vague { evidence: text.evidence(s, e) },
            (None, None) => match text.mentions(&NOT_A_DATE_WORDS).then(|| NOT_A_DATE.find(lower)).flatten() {
                Some(m) => DateFinding::NotADate { evidence: text.evidence(m.start(), m.end()) },
                None => DateFinding::None,
            },
        },
        // An impossible date beside a valid one is still a contradiction.
        _ => DateFinding::Ambiguous { candidates: valid },
    };
    (finding, notes)
}

/// Two dates written as one: "i dag, 2026-12-01", "2026-12-01 (i dag)", a
/// struck-through old date left beside the new ("1 januari 2027 1 februari
/// 2027"). Each is anchored as the other is, so that, when they name
/// different days, the date is ambiguous (an officer decides), and when they
/// name the same, it is that day.
fn joined_dates(lower: &str, candidates: &mut [Candidate]) {
    for i in 0..candidates.len() {
        for j in 0..candidates.len() {
            let (a, b) = (&candidates[i], &candidates[j]);
            if i == j || a.start == b.start {
                continue;
            }
            let (first, second) = if a.start < b.start { (a, b) } else { (b, a) };
            let Some(between) = lower.get(first.end..second.start) else { continue };
            // Only separators and words that say "that is" stand between:
            // "i dag, den 1 december 2026", "today, i.e. 1 December".
            let rest: String = between.chars().filter(|c| !c.is_whitespace() && !",;:()–-.".contains(*c)).collect();
            let joined = between.len() <= 20
                && (rest.is_empty()
                    || ["den", "the", "dvs", "alltså", "ie", "thatis", "ellertidigare"].contains(&rest.as_str()));
            if joined && (a.anchored || b.anchored) {
                candidates[i].anchored = true;
                candidates[j].anchored = true;
            }
        }
    }
}

/// A period named in a mail about a termination: in a sentence about it, or
/// anywhere in the body ("Tjänsten ska avslutas i januari 2027").
/// A month and year inside a written date ("31 januari 2027") is no period.
fn period(text: &Text, intent: &IntentFinding, dates: &[Candidate]) -> Option<(usize, usize)> {
    if intent.sentences.is_empty() || !text.mentions(&PERIOD_WORDS) {
        return None;
    }
    let about = |at: usize| intent.sentences.iter().any(|(s, e)| *s <= at && at < *e);
    let in_a_date = |(s, e): (usize, usize)| dates.iter().any(|d| d.start <= s && e <= d.end);
    let periods: Vec<(usize, usize)> =
        PERIOD.find_iter(&text.lower).map(|m| (m.start(), m.end())).filter(|p| !in_a_date(*p)).collect();
    periods.iter().find(|(s, _)| about(*s)).or_else(|| periods.iter().find(|(s, _)| *s >= text.body_start())).copied()
}

/// Up to 60 bytes of `lower` before `start`, from a character boundary.
fn before(lower: &str, start: usize) -> &str {
    let mut from = start.saturating_sub(60);
    while !lower.is_char_boundary(from) {
        from += 1;
    }
    &lower[from..start]
}

/// Whether lower-case `text` holds something written as a date.
pub fn mentions_a_date(text: &str) -> bool {
    DATE.is_match(text)
}

/// Looks at the words right before a date for an anchoring phrase.
fn anchor_before(lower: &str, start: usize) -> (bool, bool) {
    let before = before(lower, start);
    // Both kinds may end here ("from until"? no, but "tom" ends "custom"); the
    // phrase that starts first is the one that was written.
    match (FROM.find(before), UNTIL.find(before)) {
        (Some(f), Some(u)) => (true, u.start() < f.start()),
        (Some(_), None) => (true, false),
        (None, Some(_)) => (true, true),
        (None, None) => (false, false),
    }
}

/// A date as written, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Numeric { form: Form, day: u32, month: u32, year: Option<i32> },
    Today,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// 2027-01-31, 1.1.2027, 1 januari 2027, January 1, 2027.
    Full,
    /// 1/1 or 1/1 2027.
    Slash,
}

/// Takes a match of [`DATE`] apart. The forms differ in their first characters
/// and separators, so the digit runs and the month word say which it is.
fn read(matched: &str) -> Written {
    let numbers: Vec<&str> = matched.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
    let number = |i: usize| numbers.get(i).and_then(|n| n.parse::<u32>().ok());
    let month = matched.split(|c: char| !c.is_alphabetic()).find_map(month_number);
    if let (Some(day), Some(month)) = (ordinal_day(matched), month) {
        return Written::Numeric { form: Form::Full, day, month, year: number(0).map(|y| y as i32) };
    }
    if !matched.starts_with(|c: char| c.is_ascii_digit()) {
        let Some(month) = month else { return Written::Today };
        // "January 1, 2027".
        let (day, year) = (number(0).unwrap_or(0), number(1).map(|y| y as i32));
        return Written::Numeric { form: Form::Full, day, month, year };
    }
    if numbers[0].len() == 4 {
        let year = number(0).map(|y| y as i32);
        return Written::Numeric { form: Form::Full, day: number(2).unwrap_or(0), month: number(1).unwrap_or(0), year };
    }
    let day = number(0).unwrap_or(0);
    if let Some(month) = month {
        return Written::Numeric { form: Form::Full, day, month, year: number(1).map(|y| y as i32) };
    }
    let form = if matched[numbers[0].len()..].starts_with('/') { Form::Slash } else { Form::Full };
    Written::Numeric { form, day, month: number(1).unwrap_or(0), year: number(2).map(|y| y as i32) }
}

fn resolve(written: Written, reference: Option<NaiveDate>) -> Option<Parsed> {
    let ymd = |y: i32, m: u32, d: u32| Some(NaiveDate::from_ymd_opt(y, m, d).map_or(Parsed::Invalid, Parsed::Date));
    match written {
        Written::Numeric { day, month, year: Some(y), .. } => ymd(y, month, day),
        Written::Numeric { day, month, year: None, .. } => yearless(month, day, reference),
        Written::Today => reference.map(Parsed::Date),
    }
}

/// A day and month without a year: the occurrence nearest ahead of the
/// reference day, except that a date up to two months back stays in the past
/// (it was most likely meant that way, and must not silently become next year).
fn yearless(month: u32, day: u32, reference: Option<NaiveDate>) -> Option<Parsed> {
    let r = reference?;
    let Some(this_year) = NaiveDate::from_ymd_opt(r.year(), month, day) else {
        // 29 February, or a day that never exists.
        return Some(match NaiveDate::from_ymd_opt(r.year() + 1, month, day) {
            Some(d) => Parsed::Date(d),
            None => Parsed::Invalid,
        });
    };
    if this_year >= r || (r - this_year).num_days() <= 61 {
        return Some(Parsed::Date(this_year));
    }
    Some(NaiveDate::from_ymd_opt(r.year() + 1, month, day).map_or(Parsed::Invalid, Parsed::Date))
}

fn month_number(name: &str) -> Option<u32> {
    let n = match name.get(..3)? {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "maj" | "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "okt" | "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{TextOrigin, intent};

    fn date(body: &str) -> DateFinding {
        let t = Text::new("", body, TextOrigin::Body);
        let i = intent::find(&t);
        find(&t, &i, NaiveDate::from_ymd_opt(2026, 11, 20)).0
    }

    fn found(body: &str) -> Option<String> {
        match date(body) {
            DateFinding::Found(f) => Some(f.value.to_string()),
            _ => None,
        }
    }

    #[test]
    fn ordinal_day_words_name_the_day() {
        assert_eq!(
            found("Vi säger upp LEFI Prenumeration från och med den första juli 2027."),
            Some("2027-07-01".into())
        );
        assert_eq!(found("Vi säger upp LEFI från den tjugoförsta mars 2027."), Some("2027-03-21".into()));
        assert_eq!(found("We terminate LEFI with effect from the first of January 2027."), Some("2027-01-01".into()));
        assert_eq!(found("We terminate LEFI as of January the first, 2027."), Some("2027-01-01".into()));
    }

    #[test]
    fn a_weekday_that_names_another_day_makes_the_date_ambiguous() {
        // 1 April 2027 is a Thursday.
        let wrong = date("Vi säger upp LEFI Prenumeration från och med måndagen den 1 april 2027.");
        assert!(matches!(wrong, DateFinding::Ambiguous { .. }), "{wrong:?}");
        assert_eq!(
            found("Vi säger upp LEFI Prenumeration från och med torsdagen den 1 april 2027."),
            Some("2027-04-01".into())
        );
        assert!(matches!(date("We terminate LEFI from Monday, 1 April 2027."), DateFinding::Ambiguous { .. }));
    }

    #[test]
    fn today_beside_a_written_date_is_that_date_or_a_contradiction() {
        // Received 2026-11-20.
        let other = date("Vi säger upp LEFI Prenumeration från och med i dag, 2026-12-01.");
        assert!(matches!(other, DateFinding::Ambiguous { .. }), "never the relative day alone: {other:?}");
        assert_eq!(found("Vi säger upp LEFI Prenumeration från och med i dag, 2026-11-20."), Some("2026-11-20".into()));
        assert_eq!(
            found("Vi säger upp LEFI Prenumeration från och med 2026-11-20 (i dag)."),
            Some("2026-11-20".into())
        );
    }

    #[test]
    fn the_last_day_named_in_a_sentence_of_its_own_means_the_day_after() {
        let body = "Vi säger upp LEFI Prenumeration. Sista dag som vi ska ha tjänsten är den 31 januari 2027.";
        assert_eq!(found(body), Some("2027-02-01".into()));
        assert_eq!(found("Vi säger upp LEFI. Sista leveransdag 2027-01-31."), Some("2027-02-01".into()));
    }

    #[test]
    fn every_written_form_is_read() {
        for body in [
            "Vi säger upp tjänsten från och med 2027-01-01.",
            "Vi säger upp tjänsten fr.o.m. 1 januari 2027.",
            "Vi säger upp tjänsten fr o m 1 jan 2027.",
            "Vi säger upp tjänsten per 1/1 2027.",
            "Vi säger upp tjänsten från 01.01.2027.",
            "Vi säger upp tjänsten from den 1:a januari 2027.",
            "We terminate the service as of 1 January 2027.",
            "We terminate the service effective January 1, 2027.",
            "Vi säger upp tjänsten t.o.m. 31 december 2026.",
            "Vi säger upp tjänsten från 1 januari.",
        ] {
            assert_eq!(found(body).as_deref(), Some("2027-01-01"), "{body}");
        }
    }

    #[test]
    fn words_and_impossible_dates_are_reported() {
        assert!(matches!(date("Vi säger upp tjänsten omgående."), DateFinding::NotADate { .. }));
        assert!(matches!(date("Vi säger upp tjänsten från 31 april 2027."), DateFinding::Invalid { .. }));
        assert!(matches!(date("Vi säger upp tjänsten från 2207-01-01."), DateFinding::Invalid { .. }));
    }

    #[test]
    fn a_last_day_named_after_the_date_ends_the_service_that_day() {
        assert_eq!(
            found("Vi säger upp LEFI Prenumeration. Den 31 januari 2027 är sista dag som vi tar emot leveranser."),
            Some("2027-02-01".into())
        );
    }

    #[test]
    fn deadlines_and_periods_are_not_one_day() {
        for body in [
            "Vi säger upp tjänsten vid årsskiftet.",
            "Vi säger upp tjänsten, senast 1 mars 2027.",
            "Vi säger upp tjänsten i januari 2027.",
            "Vi säger upp tjänsten från och med januari 2027.",
            "Vi säger upp tjänsten efter sommaren.",
            "We hereby terminate the service in Q2.",
            "We hereby terminate the service by 1 March 2027.",
        ] {
            assert!(matches!(date(body), DateFinding::Vague { .. }), "{body}: {:?}", date(body));
        }
        assert_eq!(
            found("Vi säger upp tjänsten från 1 mars 2027, senast vid årsskiftet.").as_deref(),
            Some("2027-03-01")
        );
        assert!(matches!(date("Vi säger upp tjänsten. Den ska avslutas i januari 2027."), DateFinding::Vague { .. }));
    }

    #[test]
    fn a_slashed_date_that_reads_two_ways_is_ambiguous() {
        assert!(matches!(date("We terminate LEFI effective 02/01/2027."), DateFinding::Ambiguous { .. }));
        assert_eq!(found("We terminate LEFI effective 13/01/2027.").as_deref(), Some("2027-01-13"));
        assert_eq!(found("Vi säger upp tjänsten per 1/2 2027.").as_deref(), Some("2027-02-01"));
    }

    #[test]
    fn two_different_dates_are_ambiguous() {
        assert!(matches!(
            date("Vi säger upp fr.o.m. 2027-01-01. Tjänsten ska gälla t.o.m. 2027-02-28."),
            DateFinding::Ambiguous { .. }
        ));
    }

    #[test]
    fn a_letter_date_outside_the_statement_is_not_the_effective_date() {
        assert_eq!(date("Uppsala 2026-11-20\n\nVi säger upp LEFI Prenumeration."), DateFinding::None);
    }

    #[test]
    fn a_yearless_date_shortly_before_receipt_stays_in_the_past() {
        assert_eq!(found("Vi säger upp tjänsten från 1 november.").as_deref(), Some("2026-11-01"));
    }
}

//! Does the mail terminate LEFI Prenumeration? Or does it ask how to, withdraw
//! an earlier termination, or terminate something else?

use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::Evidence;
use super::keywords::Words;
use super::pattern;
use super::termination;
use super::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A termination stated as such (LEFI Prenumeration named or implied).
    Terminate,
    /// Termination is only mentioned inside questions.
    Question,
    /// An earlier termination is withdrawn.
    Withdrawal,
    /// A termination of another service or of a newsletter.
    OtherService,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentFinding {
    pub intent: Intent,
    pub evidence: Option<Evidence>,
    /// Byte ranges (in the extraction text) of the sentences stating the
    /// termination; other extractors prefer values found inside them.
    #[serde(skip, default)]
    pub sentences: Vec<(usize, usize)>,
}

/// "tillbaka" must occur for [`TAKE_BACK`] to match: the expression has no
/// literal at its start, so the search is only run when it does.
static TAKE_BACK_WORDS: LazyLock<Words> = LazyLock::new(|| Words::new(&["tillbaka"]));

/// The service's names, searched for in every mail.
static LEFI: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("lefi"));
static LONG_NAME: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("leverera förmånsinformation"));

/// Every form of [`WITHDRAWAL`] holds one of these (lower case); most mails
/// hold none, and the expression is only run when one occurs.
static WITHDRAWAL_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&[
        "återkalla",
        "återta",
        "ångra",
        "annuller",
        "makuler",
        "withdraw",
        "retract",
        "revoke",
        "revocation",
        "rescind",
        "disregard",
        "bortse",
    ])
});

/// Withdrawing an earlier termination.
static WITHDRAWAL: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        återkalla\w*
        | återtag\w* | återta\b
        | ångra\w*
        | \bannuller\w*
        | \bmakuler\w*
        | \bwithdraw\w*
        | \bretract\w*
        | \brevoke\w* | \brevocation
        | \brescind\w*
        | \bdisregard\s+(?:our|the|my)\s+(?:previous|earlier)
        | \bbortse\s+från\s+(?:\S+\s+){0,2}?(?:tidigare|förra)
        ",
    )
});

static TAKE_BACK: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"\b(?:ta|tar|tog|dra|drar|drog)\s+(?:\S+\s+){0,3}?tillbaka\b"));

/// A question about terminating (in the sentence that mentions it), told by
/// how the sentence starts. Anchored, so the search stops within a few words.
static QUESTION_START: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        ^(?:\S+\s+){0,2}?(?:hur|vad|vilka|vilken|vilket|när|var|varför|kan\s+vi|kan\s+man|går\s+det|måste\s+vi|behöver\s+vi|ska\s+vi|bör\s+vi|får\s+vi|gäller\s+det
          |how|what|which|when|where|why|can\s+we|do\s+we|should\s+we|is\s+it|are\s+we|must\s+we)\b
        ",
    )
});

/// A question about terminating, told by words anywhere in the sentence.
static QUESTION_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \b(?:undrar|funderar|fråga\s+om|frågor\s+om|fråga\s+kring|frågor\s+kring|information\s+om|wonder\w*|question\s+about|questions\s+about)\b
        | \bhur\s+(?:\S+\s+){0,4}?(?:säg|avslut|gör)
        ",
    )
});

/// Every form of [`QUESTION_WORDS`] holds one of these, searched for once in
/// the whole text: most mails hold none, and then no sentence is scanned.
static QUESTION_KEYS: LazyLock<Words> =
    LazyLock::new(|| Words::new(&["undrar", "funderar", "fråg", "information", "wonder", "question", "hur"]));

/// Every form of [`REQUEST`], searched for once in the whole text before the
/// expression is run on each sentence.
static REQUEST_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&["kan ni", "skulle ni", "vill ni", "vänligen", "could you", "can you", "would you", "please"])
});

/// A question that is a polite request ("Kan ni avsluta ...?") still terminates.
static REQUEST: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"\b(?:kan ni|skulle ni|vill ni|vänligen|could you|can you|would you|please)\b"));

/// Other services whose termination is not ours to record.
static OTHER_SERVICE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \bnyhetsbrev\w* | \bnewsletter\w* | \bunsubscribe\b | \bavprenumerer\w* | \bklicka\s+här\b
        | \bssbtek\b | \bmina\s+sidor\b | \be-tjänst\w* | \bnavet\b
        ",
    )
});

/// Every form of [`OTHER_SERVICE`] holds one of these.
static OTHER_SERVICE_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&[
        "nyhetsbrev",
        "newsletter",
        "unsubscribe",
        "avprenumerer",
        "klicka",
        "ssbtek",
        "sidor",
        "e-tjänst",
        "navet",
    ])
});

/// A subscription to something of the sender's own, searched for after the
/// forms of [`OTHER_SERVICE`] as if it were their last alternative:
/// `\bprenumeration\s+på\s+(?:vårt|vår|våra|ert|er|era|nyhet\w*|pressmeddelande\w*|tidning\w*)`
/// (the first object that fits is taken, as the expression would: "våra" gives
/// "vår"). By hand, because nearly every mail says "prenumeration" and the
/// expression then ran over every text; the tests hold it for comparison.
fn subscription_to_own(lower: &str, from: usize) -> Option<(usize, usize)> {
    static WORD: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("prenumeration"));
    const OBJECTS: [(&str, bool); 9] = [
        ("vårt", false),
        ("vår", false),
        ("våra", false),
        ("ert", false),
        ("er", false),
        ("era", false),
        ("nyhet", true),
        ("pressmeddelande", true),
        ("tidning", true),
    ];
    let bytes = lower.as_bytes();
    for start in WORD.find_iter(&bytes[from..]).map(|i| from + i) {
        if !pattern::ascii_boundary(bytes, start) {
            continue;
        }
        let Some(pa) = pattern::after_whitespace(lower, start + WORD.needle().len()) else { continue };
        if !lower[pa..].starts_with("på") {
            continue;
        }
        let Some(object) = pattern::after_whitespace(lower, pa + "på".len()) else { continue };
        let rest = &lower[object..];
        if let Some((word, open)) = OBJECTS.iter().find(|(word, _)| rest.starts_with(word)) {
            let mut end = object + word.len();
            if *open {
                end +=
                    lower[end..].chars().take_while(|c| pattern::is_word_char(*c)).map(char::len_utf8).sum::<usize>();
            }
            return Some((start, end));
        }
    }
    None
}

pub fn find(text: &Text) -> IntentFinding {
    let lower = &text.lower;
    let mut stated = Vec::new();
    let mut asked = Vec::new();
    // Several termination words often share a sentence: judge each sentence once.
    let mut last_sentence: Option<((usize, usize), bool)> = None;
    let may_request = text.mentions(&REQUEST_WORDS);
    let may_ask = text.mentions(&QUESTION_KEYS);
    for (start, end) in termination::phrases(lower) {
        let bounds = text.sentence_bounds(start, end);
        let question = match last_sentence {
            Some((b, q)) if b == bounds => q,
            _ => {
                let q = is_question(&lower[bounds.0..bounds.1], may_request, may_ask);
                last_sentence = Some((bounds, q));
                q
            }
        };
        if question {
            asked.push((start, end));
        } else {
            stated.push((start, end, bounds));
        }
    }

    if let Some((s, e)) = withdrawal(text) {
        return finding(text, Intent::Withdrawal, s, e, Vec::new());
    }
    let other_service = pattern::search_with(&OTHER_SERVICE);
    let parts: [Option<pattern::Search<'_>>; 2] = [
        text.mentions(&OTHER_SERVICE_WORDS).then_some(&other_service),
        // Its own search for "prenumeration" is the gate.
        Some(&subscription_to_own),
    ];
    let others = pattern::matches_of_any(&parts, lower);
    let Some(&(first_start, first_end, _)) = stated.first() else {
        return match (asked.first(), others.first()) {
            // "Vill du avsluta prenumerationen på nyhetsbrevet?" is a newsletter.
            (Some(_), Some(&(s, e))) => finding(text, Intent::OtherService, s, e, Vec::new()),
            (Some(&(s, e)), None) => finding(text, Intent::Question, s, e, Vec::new()),
            (None, _) => IntentFinding { intent: Intent::None, evidence: None, sentences: Vec::new() },
        };
    };
    let mut sentences: Vec<(usize, usize)> = stated.iter().map(|(_, _, bounds)| *bounds).collect();
    sentences.dedup();
    let in_statement = |at: usize| sentences.iter().any(|(s, e)| *s <= at && at < *e);

    // Which service is being terminated: named in a stating sentence, or (for
    // newsletter footers, far from the word "avsluta") anywhere in the text.
    // "prenumerationen" alone names no service.
    let mut names_lefi = false;
    let mut other: Option<(usize, usize)> = None;
    for (start, end, online) in lefi_named(lower).into_iter().filter(|(start, _, _)| in_statement(*start)) {
        if online {
            other.get_or_insert((start, end));
        } else {
            names_lefi = true;
        }
    }
    if let Some(&found) = others.iter().find(|(s, _)| in_statement(*s)) {
        other.get_or_insert(found);
    }
    if other.is_none() && !names_lefi {
        other = others.first().copied();
    }
    if let Some((s, e)) = other {
        return finding(text, Intent::OtherService, s, e, sentences);
    }
    finding(text, Intent::Terminate, first_start, first_end, sentences)
}

/// Where the service is named: "LEFI" (with `true` when it is "LEFI Online",
/// another service) and "Leverera förmånsinformation", as whole words.
fn lefi_named(lower: &str) -> Vec<(usize, usize, bool)> {
    let bytes = lower.as_bytes();
    let whole_word =
        |start: usize, end: usize| pattern::ascii_boundary(bytes, start) && pattern::ascii_boundary(bytes, end);
    let mut out = Vec::new();
    for start in LEFI.find_iter(bytes) {
        if !whole_word(start, start + 4) {
            continue;
        }
        let after = lower[start + 4..].trim_start_matches(|c: char| c.is_whitespace() || c == '-');
        let online = after.starts_with("online");
        let end = lower.len() - after.len() + if online { "online".len() } else { 0 };
        out.push((start, end, online));
    }
    for start in LONG_NAME.find_iter(bytes) {
        if whole_word(start, start + LONG_NAME.needle().len()) {
            out.push((start, start + LONG_NAME.needle().len(), false));
        }
    }
    out.sort_unstable();
    out
}

/// The first phrase withdrawing a termination.
fn withdrawal(text: &Text) -> Option<(usize, usize)> {
    let lower = &text.lower;
    let word = text.mentions(&WITHDRAWAL_WORDS).then(|| WITHDRAWAL.find(lower)).flatten().map(|m| (m.start(), m.end()));
    let take_back =
        text.mentions(&TAKE_BACK_WORDS).then(|| TAKE_BACK.find(lower)).flatten().map(|m| (m.start(), m.end()));
    match (word, take_back) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `may_request` and `may_ask` are false when no sentence of the text can hold
/// a request or a question word.
fn is_question(sentence: &str, may_request: bool, may_ask: bool) -> bool {
    let trimmed = sentence.trim();
    if may_request && REQUEST.is_match(trimmed) {
        return false;
    }
    QUESTION_START.is_match(trimmed)
        || may_ask && QUESTION_WORDS.is_match(trimmed)
        || (trimmed.ends_with('?') && !trimmed.starts_with("vi "))
}

fn finding(text: &Text, intent: Intent, start: usize, end: usize, sentences: Vec<(usize, usize)>) -> IntentFinding {
    IntentFinding { intent, evidence: Some(text.evidence(start, end)), sentences }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::extract::TextOrigin;

    fn intent(subject: &str, body: &str) -> Intent {
        find(&Text::new(subject, body, TextOrigin::Body)).intent
    }

    #[test]
    fn swedish_and_english_terminations() {
        assert_eq!(intent("Uppsägning", "Hej"), Intent::Terminate);
        assert_eq!(intent("", "Härmed säger Uppsala kommun upp LEFI Prenumeration."), Intent::Terminate);
        assert_eq!(intent("", "Vi vill avsluta vår prenumeration av LEFI."), Intent::Terminate);
        assert_eq!(intent("", "We hereby terminate the LEFI subscription."), Intent::Terminate);
        assert_eq!(intent("", "Kan ni avsluta vår prenumeration från 1 januari?"), Intent::Terminate);
    }

    #[test]
    fn questions_withdrawals_and_other_services_are_not_terminations() {
        assert_eq!(intent("Fråga om uppsägning", "Hur gör vi för att säga upp LEFI?"), Intent::Question);
        assert_eq!(intent("", "Kan vi säga upp tjänsten via e-post?"), Intent::Question);
        assert_eq!(intent("", "Vi återkallar vår uppsägning av LEFI Prenumeration."), Intent::Withdrawal);
        assert_eq!(intent("", "Vi säger upp LEFI Online från 1 januari."), Intent::OtherService);
        assert_eq!(intent("", "Vill du avsluta prenumerationen på nyhetsbrevet? Klicka här."), Intent::OtherService);
        assert_eq!(intent("Möte", "Vi ses på tisdag."), Intent::None);
    }

    #[test]
    fn a_statement_beside_a_question_is_still_a_termination() {
        assert_eq!(intent("", "Vi säger upp LEFI Prenumeration. Hur lång är uppsägningstiden?"), Intent::Terminate);
    }

    /// The expression the hand-written search stands for.
    static SUBSCRIPTION_TO_OWN: LazyLock<Regex> = LazyLock::new(|| {
        pattern::compile(r"\bprenumeration\s+på\s+(?:vårt|vår|våra|ert|er|era|nyhet\w*|pressmeddelande\w*|tidning\w*)")
    });

    const PIECES: &[&str] = &[
        "prenumeration",
        "prenumerationen",
        " ",
        "  ",
        "\n",
        "\u{a0}",
        "på",
        "vårt",
        "vår",
        "våra",
        "ert",
        "er",
        "era",
        "nyhet",
        "nyhetsbrev",
        "pressmeddelande",
        "tidning",
        "x",
        "_",
        "ö",
        "\u{308}",
        ".",
    ];

    proptest! {
        #[test]
        fn subscription_search_agrees_with_its_expression(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..12),
            from in 0usize..40,
        ) {
            let text = pieces.concat();
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let want = SUBSCRIPTION_TO_OWN.find_at(&text, from).map(|m| (m.start(), m.end()));
            prop_assert_eq!(subscription_to_own(&text, from), want, "{:?} from {}", text, from);
        }
    }
}

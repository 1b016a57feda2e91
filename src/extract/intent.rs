//! Does the mail terminate LEFI Prenumeration? Or does it ask how to, withdraw
//! an earlier termination, or terminate something else?

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::Evidence;
use super::pattern;
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

/// Words that terminate, in Swedish and English, on lower-case text.
static TERMINATION: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \buppsägning\w*
        | \buppsäg\w*
        | \bsäg(?:a|er|s|as|)\s+(?:\S+\s+){0,5}?upp\b
        | \bsagt\s+(?:\S+\s+){0,3}?upp\b
        | \bavsluta\w*\s+(?:\S+\s+){0,4}?(?:prenumeration\w*|tjänst\w*|avtal\w*|abonnemang\w*|anslutning\w*|lefi)
        | \bavslut\s+av\b
        | \bavanmä\w*
        | \bavregistrer\w*
        | \bupphör\w*
        | \bterminat\w*
        | \bcancel\w*
        | \bdiscontinu\w*
        | \bend\s+(?:our|the)\s+(?:subscription|agreement|service)
        ",
    )
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

/// A question about terminating (in the sentence that mentions it).
static QUESTION_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        ^(?:\S+\s+){0,2}?(?:hur|vad|vilka|vilken|vilket|när|var|varför|kan\s+vi|kan\s+man|går\s+det|måste\s+vi|behöver\s+vi|ska\s+vi|bör\s+vi|får\s+vi|gäller\s+det
          |how|what|which|when|where|why|can\s+we|do\s+we|should\s+we|is\s+it|are\s+we|must\s+we)\b
        | \b(?:undrar|funderar|fråga\s+om|frågor\s+om|fråga\s+kring|frågor\s+kring|information\s+om|wonder\w*|question\s+about|questions\s+about)\b
        | \bhur\s+(?:\S+\s+){0,4}?(?:säg|avslut|gör)
        ",
    )
});

/// A question that is a polite request ("Kan ni avsluta ...?") still terminates.
static REQUEST: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"\b(?:kan ni|skulle ni|vill ni|vänligen|could you|can you|would you|please)\b"));

/// LEFI Prenumeration, named.
static LEFI: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"\blefi\b[\s\-]*(online|prenumeration\w*)?|\bleverera förmånsinformation\b|\bprenumeration(?:en|er)?\b",
    )
});

/// Other services whose termination is not ours to record.
static OTHER_SERVICE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \bnyhetsbrev\w* | \bnewsletter\w* | \bunsubscribe\b | \bavprenumerer\w* | \bklicka\s+här\b
        | \bssbtek\b | \bmina\s+sidor\b | \be-tjänst\w* | \bnavet\b
        | \bprenumeration\s+på\s+(?:vårt|vår|våra|ert|er|era|nyhet\w*|pressmeddelande\w*|tidning\w*)
        ",
    )
});

pub fn find(text: &Text) -> IntentFinding {
    let lower = &text.lower;
    let mut stated = Vec::new();
    let mut asked = Vec::new();
    // Several termination words often share a sentence: judge each sentence once.
    let mut last_sentence: Option<((usize, usize), bool)> = None;
    for m in TERMINATION.find_iter(lower) {
        let bounds = text.sentence_bounds(m.start(), m.end());
        let question = match last_sentence {
            Some((b, q)) if b == bounds => q,
            _ => {
                let q = is_question(&lower[bounds.0..bounds.1]);
                last_sentence = Some((bounds, q));
                q
            }
        };
        if question {
            asked.push((m.start(), m.end()));
        } else {
            stated.push((m.start(), m.end()));
        }
    }

    if let Some((s, e)) = withdrawal(lower) {
        return finding(text, Intent::Withdrawal, s, e, Vec::new());
    }
    let others: Vec<(usize, usize)> = OTHER_SERVICE.find_iter(lower).map(|m| (m.start(), m.end())).collect();
    let Some(&(first_start, first_end)) = stated.first() else {
        return match (asked.first(), others.first()) {
            // "Vill du avsluta prenumerationen på nyhetsbrevet?" is a newsletter.
            (Some(_), Some(&(s, e))) => finding(text, Intent::OtherService, s, e, Vec::new()),
            (Some(&(s, e)), None) => finding(text, Intent::Question, s, e, Vec::new()),
            (None, _) => IntentFinding { intent: Intent::None, evidence: None, sentences: Vec::new() },
        };
    };
    let mut sentences: Vec<(usize, usize)> = stated.iter().map(|(s, e)| text.sentence_bounds(*s, *e)).collect();
    sentences.dedup();
    let in_statement = |at: usize| sentences.iter().any(|(s, e)| *s <= at && at < *e);

    // Which service is being terminated: named in a stating sentence, or (for
    // newsletter footers, far from the word "avsluta") anywhere in the text.
    // "prenumerationen" alone names no service.
    let mut names_lefi = false;
    let mut other: Option<(usize, usize)> = None;
    for m in LEFI.find_iter(lower).filter(|m| in_statement(m.start())) {
        if m.as_str().ends_with("online") {
            other.get_or_insert((m.start(), m.end()));
        } else if !m.as_str().starts_with("prenumeration") {
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

/// The first phrase withdrawing a termination. "ta/dra tillbaka" has no useful
/// literal at its start, so it is only looked for when "tillbaka" occurs.
fn withdrawal(lower: &str) -> Option<(usize, usize)> {
    let word = WITHDRAWAL.find(lower).map(|m| (m.start(), m.end()));
    let take_back = if lower.contains("tillbaka") { TAKE_BACK.find(lower).map(|m| (m.start(), m.end())) } else { None };
    match (word, take_back) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn is_question(sentence: &str) -> bool {
    let trimmed = sentence.trim();
    if REQUEST.is_match(trimmed) {
        return false;
    }
    QUESTION_WORDS.is_match(trimmed) || (trimmed.ends_with('?') && !trimmed.starts_with("vi "))
}

fn finding(text: &Text, intent: Intent, start: usize, end: usize, sentences: Vec<(usize, usize)>) -> IntentFinding {
    IntentFinding { intent, evidence: Some(text.evidence(start, end)), sentences }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Source;

    fn intent(subject: &str, body: &str) -> Intent {
        find(&Text::new(subject, body, Source::Body)).intent
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
}

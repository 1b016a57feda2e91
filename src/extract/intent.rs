//! Does the mail terminate LEFI Prenumeration? Or does it ask how to, withdraw
//! an earlier termination, or terminate something else?

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::Evidence;
use super::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntentFinding {
    pub intent: Intent,
    pub evidence: Option<Evidence>,
    /// Byte ranges (in the extraction text) of the sentences stating the
    /// termination; other extractors prefer values found inside them.
    #[serde(skip)]
    pub sentences: Vec<(usize, usize)>,
}

/// Words that terminate, in Swedish and English, on lower-case text.
static TERMINATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
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
    .expect("termination regex")
});

/// Withdrawing an earlier termination.
static WITHDRAWAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \båterkalla\w*
        | \båtertag\w* | \båterta\b
        | \b(?:ta|tar|tog|dra|drar|drog)\s+(?:\S+\s+){0,3}?tillbaka\b
        | \bångra\w*
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
    .expect("withdrawal regex")
});

/// A question about terminating (in the sentence that mentions it).
static QUESTION_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ^(?:\S+\s+){0,2}?(?:hur|vad|vilka|vilken|vilket|när|var|varför|kan\s+vi|kan\s+man|går\s+det|måste\s+vi|behöver\s+vi|ska\s+vi|bör\s+vi|får\s+vi|gäller\s+det
          |how|what|which|when|where|why|can\s+we|do\s+we|should\s+we|is\s+it|are\s+we|must\s+we)\b
        | \b(?:undrar|funderar|fråga\s+om|frågor\s+om|fråga\s+kring|frågor\s+kring|information\s+om|wonder\w*|question\s+about|questions\s+about)\b
        | \bhur\s+(?:\S+\s+){0,4}?(?:säg|avslut|gör)
        ",
    )
    .expect("question regex")
});

/// A question that is a polite request ("Kan ni avsluta ...?") still terminates.
static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:kan ni|skulle ni|vill ni|vänligen|could you|can you|would you|please)\b").expect("request regex")
});

/// LEFI Prenumeration, named.
static LEFI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\blefi\b[\s\-]*(online|prenumeration\w*)?|\bleverera förmånsinformation\b|\bprenumeration(?:en|er)?\b")
        .expect("lefi regex")
});

/// Other services whose termination is not ours to record.
static OTHER_SERVICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \bnyhetsbrev\w* | \bnewsletter\w* | \bunsubscribe\b | \bavprenumerer\w* | \bklicka\s+här\b
        | \bssbtek\b | \bmina\s+sidor\b | \be-tjänst\w* | \bnavet\b
        | \bprenumeration\s+på\s+(?:vårt|vår|våra|ert|er|era|nyhet\w*|pressmeddelande\w*|tidning\w*)
        ",
    )
    .expect("other service regex")
});

pub fn find(text: &Text) -> IntentFinding {
    let lower = &text.lower;
    let mut stated = Vec::new();
    let mut asked = Vec::new();
    for m in TERMINATION.find_iter(lower) {
        let (sentence, start) = text.sentence_lower(m.start(), m.end());
        let before = &sentence[..m.start() - start];
        if is_question(sentence, before) {
            asked.push((m.start(), m.end()));
        } else {
            stated.push((m.start(), m.end()));
        }
    }

    if let Some(w) = WITHDRAWAL.find(lower) {
        return finding(text, Intent::Withdrawal, w.start(), w.end(), Vec::new());
    }
    let Some(&(first_start, first_end)) = stated.first() else {
        return match (asked.first(), OTHER_SERVICE.find(lower)) {
            // "Vill du avsluta prenumerationen på nyhetsbrevet?" is a newsletter.
            (Some(_), Some(m)) => finding(text, Intent::OtherService, m.start(), m.end(), Vec::new()),
            (Some(&(s, e)), None) => finding(text, Intent::Question, s, e, Vec::new()),
            (None, _) => IntentFinding { intent: Intent::None, evidence: None, sentences: Vec::new() },
        };
    };
    let sentences: Vec<(usize, usize)> = stated.iter().map(|(s, e)| text.sentence_bounds(*s, *e)).collect();

    // Which service is being terminated: look in the stating sentences first,
    // then anywhere in the text. "prenumerationen" alone names no service.
    let mut names_lefi = false;
    let mut other: Option<(usize, usize)> = None;
    for &(s, e) in &sentences {
        for m in LEFI.captures_iter(&lower[s..e]) {
            if m.get(1).is_some_and(|g| g.as_str() == "online") {
                let g = m.get(0).expect("whole match");
                other.get_or_insert((s + g.start(), s + g.end()));
            } else if !m.get(0).expect("whole match").as_str().starts_with("prenumeration") {
                names_lefi = true;
            }
        }
        if let Some(m) = OTHER_SERVICE.find(&lower[s..e]) {
            other.get_or_insert((s + m.start(), s + m.end()));
        }
    }
    // Newsletter footers put the unsubscribe link far from the word "avsluta".
    if other.is_none()
        && !names_lefi
        && let Some(m) = OTHER_SERVICE.find(lower)
    {
        other = Some((m.start(), m.end()));
    }
    if let Some((s, e)) = other {
        return finding(text, Intent::OtherService, s, e, sentences);
    }
    finding(text, Intent::Terminate, first_start, first_end, sentences)
}

fn is_question(sentence: &str, before_match: &str) -> bool {
    let trimmed = sentence.trim_start();
    if REQUEST.is_match(trimmed) {
        return false;
    }
    let ends_with_question = sentence.trim_end().ends_with('?');
    let asks = QUESTION_WORDS.is_match(trimmed) || QUESTION_WORDS.is_match(before_match.trim_start());
    asks || (ends_with_question && !trimmed.starts_with("vi "))
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

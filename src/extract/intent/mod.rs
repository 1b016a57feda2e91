//! Does the mail terminate LEFI Prenumeration? Each sentence that mentions a
//! termination is classified (`statement.rs`); the mail terminates only when
//! one states it positively and none hedges it. Otherwise it asks how to,
//! plans or conditions it, withdraws an earlier termination, terminates
//! something else (`service.rs`), or only mentions one.

mod service;
mod statement;

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::keywords::Words;
use super::pattern;
use super::termination;
use super::text::Text;
use super::{Evidence, TextOrigin};
use crate::domain::StatementRule;
pub use statement::SentenceClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A termination stated positively (LEFI Prenumeration named or implied).
    Terminate,
    /// Termination is only mentioned inside questions.
    Question,
    /// A termination considered, planned, expected or conditioned, not decided.
    Uncertain,
    /// An earlier termination is withdrawn.
    Withdrawal,
    /// A termination of another service or of a newsletter.
    OtherService,
    None,
}

/// One sentence that mentions a termination, and what it does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    pub evidence: Evidence,
    #[serde(flatten)]
    pub class: SentenceClass,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentFinding {
    pub intent: Intent,
    pub evidence: Option<Evidence>,
    /// For `Terminate`: the positive rule the statement met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<StatementRule>,
    /// Every sentence that mentions a termination, as classified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub considered: Vec<Sentence>,
    /// Byte ranges (in the extraction text) of the sentences about the
    /// termination (stating or hedging it); other extractors prefer values
    /// found inside them.
    #[serde(skip, default)]
    pub sentences: Vec<(usize, usize)>,
    /// The sentences that state it positively: a number there is the party's.
    #[serde(skip, default)]
    pub stating: Vec<(usize, usize)>,
    /// The writer terminates for another organisation ("på uppdrag av …",
    /// "on behalf of …"): two organisations in one statement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_behalf: bool,
    /// More sentences mention a termination than are read ([`MAX_CANDIDATES`](super::MAX_CANDIDATES)).
    #[serde(skip, default)]
    pub overflow: bool,
}

/// Every form of [`REQUEST`](statement) holds one of these; searched once in
/// the whole text before any sentence is tested for a request.
static REQUEST_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&["kan ni", "skulle ni", "vill ni", "vänligen", "could you", "can you", "would you", "please"])
});

/// A decision said to be pending anywhere in the text ("vi återkommer med
/// besked", "no decision has been taken"): whatever a sentence states, the
/// termination is not decided.
static PENDING: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)(?:återkommer\s+(?:med\s+(?:besked|beslut)|när\s+(?:beslut|frågan|ärendet|nämnden|styrelsen))
          |\b(?:ska|skall)\s+(?:behandlas|beslutas|tas\s+upp)\b|\binget\s+beslut\s+(?:är|har)|\bbeslut(?:et)?\s+(?:är|har)\s+(?:ännu\s+)?inte
          |ännu\s+inte\s+(?:beslutat|bestämt|fattat|tagit)|\bnot\s+yet\s+(?:been\s+)?decided|\bno\s+decision\s+has
          |\bwill\s+(?:get\s+back|revert)\s+(?:to\s+you\s+)?(?:with|once)|\bpending\s+(?:a\s+)?decision)\b",
    )
});
/// Terminating for someone else.
static ON_BEHALF: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)\b(?:på\s+uppdrag\s+av|för\s+(?:\S+\s+){1,4}?\S+s\s+räkning|som\s+ombud\s+för|on\s+behalf\s+of|acting\s+for)\b
        | (?:^|\s)å\s+(?:\S+\s+){1,4}?\S+s\s+vägnar\b",
    )
});

/// The writer acts for another organisation: "på uppdrag av Region X", not
/// for a body of its own ("på uppdrag av socialnämnden", "å kommunens vägnar").
fn for_another(text: &str) -> bool {
    ON_BEHALF.find_iter(text).any(|m| {
        let principal = text[m.end()..].split_whitespace().next().unwrap_or("");
        let principal = principal.trim_matches(|c: char| !c.is_alphanumeric());
        let within = m.as_str().split_whitespace().rev().nth(1).unwrap_or("");
        !(is_own_body(principal) || m.as_str().contains(" vägnar") && is_own_body(within.trim_end_matches('s')))
    })
}

/// A committee, board, department or the organisation itself, in the definite form.
fn is_own_body(word: &str) -> bool {
    const OWN: &[&str] =
        &["kommunen", "regionen", "myndigheten", "förbundet", "kommunens", "regionens", "myndighetens"];
    OWN.contains(&word)
        || crate::extract::gazetteer::DEPARTMENT_SUFFIXES
            .iter()
            .any(|s| word.ends_with(s) || word.ends_with(&format!("{s}s")))
}

static PENDING_WORDS: LazyLock<Words> = LazyLock::new(|| {
    Words::new(&[
        "återkommer",
        "beslut",
        "behandlas",
        "tas upp",
        "not yet",
        "no decision",
        "get back",
        "revert",
        "pending",
    ])
});

struct Classified {
    start: usize,
    end: usize,
    bounds: (usize, usize),
    class: SentenceClass,
}

pub fn find(text: &Text) -> IntentFinding {
    let lower = &text.lower;
    let may_request = text.mentions(&REQUEST_WORDS);
    let mut classified: Vec<Classified> = Vec::new();
    let mut overflow = false;
    for (start, end) in termination::phrases(lower) {
        // Several termination words often share a sentence: its first decides
        // (and the sentence is found once, not once per word).
        if classified.last().is_some_and(|c| start < c.bounds.1) {
            continue;
        }
        if classified.len() == super::MAX_CANDIDATES {
            overflow = true;
            break;
        }
        let bounds = text.sentence_bounds(start, end);
        if classified.last().is_some_and(|c| c.bounds == bounds) {
            continue;
        }
        let in_subject = text.source_at(start) == TextOrigin::Subject;
        let class = statement::classify(
            &lower[bounds.0..bounds.1],
            (start - bounds.0, end - bounds.0),
            in_subject,
            may_request,
        );
        classified.push(Classified { start, end, bounds, class });
    }
    let considered =
        classified.iter().map(|c| Sentence { evidence: text.evidence(c.start, c.end), class: c.class }).collect();
    let mut finding = decide_intent(text, &classified);
    finding.considered = considered;
    finding.overflow = overflow;
    finding
}

fn decide_intent(text: &Text, classified: &[Classified]) -> IntentFinding {
    let in_body = |c: &&Classified| text.source_at(c.start) != TextOrigin::Subject;
    let of = |class: fn(&SentenceClass) -> bool| classified.iter().filter(move |c| class(&c.class));
    let stating: Vec<&Classified> =
        of(|c| matches!(c, SentenceClass::Stated(rule) if *rule != StatementRule::SubjectNotice)).collect();
    let subject_notice = of(|c| matches!(c, SentenceClass::Stated(StatementRule::SubjectNotice))).next();
    let hedged = of(|c| *c == SentenceClass::Hedged).next();
    let asked = of(|c| *c == SentenceClass::Asked).next();
    // A subject "Uppsägning" counts only when the body does not talk about the
    // termination in another way (a reminder, a question, a reference).
    let body_speaks_otherwise =
        classified.iter().filter(in_body).any(|c| !matches!(c.class, SentenceClass::Stated(_) | SentenceClass::Label));

    if let Some((s, e)) = service::withdrawal(text) {
        return finding(text, Intent::Withdrawal, s, e, None, Vec::new(), Vec::new());
    }
    let about: Vec<(usize, usize)> = classified
        .iter()
        .filter(|c| matches!(c.class, SentenceClass::Stated(_) | SentenceClass::Hedged))
        .map(|c| c.bounds)
        .collect();
    let others = service::other_services(text);

    let positive = match (stating.first(), subject_notice) {
        (Some(first), _) => Some((*first, first.class)),
        (None, Some(notice)) if !body_speaks_otherwise => Some((notice, notice.class)),
        _ => None,
    };
    let pending = text.mentions(&PENDING_WORDS).then(|| PENDING.find(&text.lower)).flatten();
    if let Some(h) = hedged {
        return finding(text, Intent::Uncertain, h.start, h.end, None, about, Vec::new());
    }
    let Some((first, SentenceClass::Stated(rule))) = positive else {
        let none = |at: Option<&Classified>| match at {
            Some(c) => finding(text, Intent::None, c.start, c.end, None, Vec::new(), Vec::new()),
            None => IntentFinding {
                intent: Intent::None,
                evidence: None,
                rule: None,
                considered: Vec::new(),
                sentences: Vec::new(),
                stating: Vec::new(),
                on_behalf: false,
                overflow: false,
            },
        };
        // "Frågan om att avsluta … ska behandlas i nämnden. Vi återkommer när
        // beslutet är fattat": considered, not decided.
        if let (Some(m), false) = (pending, classified.is_empty()) {
            return finding(text, Intent::Uncertain, m.start(), m.end(), None, about, Vec::new());
        }
        return match (others.first(), asked) {
            // "Vill du avsluta prenumerationen på nyhetsbrevet?", "Avsluta
            // prenumerationen här": a newsletter's footer.
            (Some(&(s, e)), _) if !classified.is_empty() => {
                finding(text, Intent::OtherService, s, e, None, Vec::new(), Vec::new())
            }
            (_, Some(q)) => finding(text, Intent::Question, q.start, q.end, None, Vec::new(), Vec::new()),
            _ => none(classified.first()),
        };
    };
    if let Some(m) = pending {
        return finding(text, Intent::Uncertain, m.start(), m.end(), None, about, Vec::new());
    }
    let mut stating_bounds: Vec<(usize, usize)> = stating.iter().map(|c| c.bounds).collect();
    stating_bounds.dedup();
    let in_statement = |at: usize| about.iter().any(|(s, e)| *s <= at && at < *e);

    // Which service is being terminated: named in a sentence about it, or (for
    // newsletter footers, far from the word "avsluta") anywhere in the text.
    // "prenumerationen" alone names no service.
    let mut names_lefi = false;
    let mut other: Option<(usize, usize)> = None;
    for (start, end, online) in
        service::lefi_named(&text.lower).into_iter().filter(|(start, _, _)| in_statement(*start))
    {
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
        return finding(text, Intent::OtherService, s, e, None, about, stating_bounds);
    }
    // The evidence is the first positive phrase (the subject's, when the body
    // states nothing of its own).
    let evidence_at = classified.iter().find(|c| matches!(c.class, SentenceClass::Stated(_))).unwrap_or(first);
    // In a stating sentence; or, when only the subject states it, anywhere in
    // the body ("… säger på uppdrag av Bodens kommun (…) upp …" is too long
    // for the phrase scan).
    let on_behalf = stating_bounds.iter().any(|(s, e)| for_another(&text.lower[*s..*e]))
        || rule == StatementRule::SubjectNotice && for_another(&text.lower[text.body_start()..]);
    let mut found =
        finding(text, Intent::Terminate, evidence_at.start, evidence_at.end, Some(rule), about, stating_bounds);
    found.on_behalf = on_behalf;
    found
}

fn finding(
    text: &Text,
    intent: Intent,
    start: usize,
    end: usize,
    rule: Option<StatementRule>,
    sentences: Vec<(usize, usize)>,
    stating: Vec<(usize, usize)>,
) -> IntentFinding {
    IntentFinding {
        intent,
        evidence: Some(text.evidence(start, end)),
        rule,
        considered: Vec::new(),
        sentences,
        stating,
        on_behalf: false,
        overflow: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_hedge_anywhere_beside_a_statement_makes_it_uncertain() {
        assert_eq!(
            intent(
                "",
                "Vi överväger att säga upp LEFI Prenumeration från och med 2027-07-01. Vi återkommer med besked."
            ),
            Intent::Uncertain
        );
        assert_eq!(
            intent("Uppsägning", "Vi säger upp LEFI. Beslutet är ännu inte fattat i nämnden."),
            Intent::Uncertain
        );
    }

    #[test]
    fn a_subject_notice_counts_only_when_the_body_says_nothing_else_about_it() {
        let reminder = find(&Text::new(
            "Uppsägning LEFI",
            "Vi skickade en uppsägning förra veckan. Org.nr 212000-3005.",
            TextOrigin::Body,
        ));
        assert_eq!(reminder.intent, Intent::None);
        let notice = find(&Text::new("Uppsägning LEFI", "Org.nr 212000-3005, fr.o.m. 2027-01-01.", TextOrigin::Body));
        assert_eq!((notice.intent, notice.rule), (Intent::Terminate, Some(StatementRule::SubjectNotice)));
    }
}

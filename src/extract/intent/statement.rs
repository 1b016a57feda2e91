//! What one sentence that mentions a termination does with it. An automatic
//! accept needs positive evidence: a sentence that states, in the present
//! and without condition, that the writer terminates (a declaration, a
//! decision taken, a wish or polite request, a termination notice). A
//! sentence that only mentions a termination — a question, a plan, a
//! condition, a reminder of an earlier mail, a negation — states none,
//! whether or not its wording is listed here: it is simply not positive.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::StatementRule;
use crate::extract::pattern;

/// What a sentence does with the termination it mentions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "class", content = "rule")]
pub enum SentenceClass {
    /// States it (positive evidence), by the rule named.
    Stated(StatementRule),
    /// Considers, plans, expects or conditions it; or says a decision is pending.
    Hedged,
    /// Asks about it.
    Asked,
    /// Denies it ("vi säger inte upp", "we do not wish to cancel").
    Negated,
    /// Mentions it without stating it: a reminder of an earlier mail, a
    /// reference ("angående uppsägning"), a past tense, a bare infinitive.
    Mentioned,
    /// A form's label ("Datum från vilket uppsägningen ska gälla: 2027-01-01"):
    /// says what the value beside it is, states nothing either way.
    Label,
}

/// Classifies the sentence `sentence` (lower case) that holds the
/// termination phrase at `phrase` (byte range within `sentence`).
/// `in_subject`: the sentence is the mail's subject line.
pub fn classify(sentence: &str, phrase: (usize, usize), in_subject: bool, may_request: bool) -> SentenceClass {
    let trimmed = sentence.trim();
    let lead = sentence.len() - sentence.trim_start().len();
    let phrase = (phrase.0.saturating_sub(lead), phrase.1.saturating_sub(lead).min(trimmed.len()));
    let before = &trimmed[..phrase.0.min(trimmed.len())];
    let words = &trimmed[phrase.0..phrase.1];

    if is_label(trimmed, phrase.1) {
        // "Att ärendet gäller uppsägning: Ja": the seed's list filled in.
        return if label_affirms(trimmed, phrase.1) {
            SentenceClass::Stated(StatementRule::Notice)
        } else {
            SentenceClass::Label
        };
    }
    let after = &trimmed[phrase.1..];
    if HEDGE.is_match(trimmed)
        || FUTURE.is_match(trimmed)
        || CONDITION_BEFORE.is_match(before)
        || CONDITION_AFTER.is_match(after)
    {
        return SentenceClass::Hedged;
    }
    if is_negated(before, words) {
        return SentenceClass::Negated;
    }
    if may_request && is_request(before) {
        return SentenceClass::Stated(StatementRule::Request);
    }
    if is_question(trimmed) {
        return SentenceClass::Asked;
    }
    let hereby = HEREBY.is_match(trimmed);
    // "Mejlet ska innehålla att ärendet gäller uppsägning", "så säger ni upp
    // tjänsten": what a termination must say, or how one is made, told to
    // others — no one's own.
    if REPORTED.is_match(before) || INSTRUCTION.is_match(trimmed) {
        return SentenceClass::Mentioned;
    }
    match form(words) {
        Form::Present => SentenceClass::Stated(StatementRule::Declaration),
        Form::Noun if hereby || NOTICE_FRAME.is_match(before) || NOUN_IN_FORCE.is_match(&trimmed[phrase.0..]) => {
            SentenceClass::Stated(StatementRule::Notice)
        }
        Form::Noun if is_heading(trimmed, phrase.0) => {
            if in_subject {
                SentenceClass::Stated(StatementRule::SubjectNotice)
            } else {
                SentenceClass::Stated(StatementRule::Notice)
            }
        }
        Form::Noun => SentenceClass::Mentioned,
        // Infinitives and participles state nothing by themselves: "vill säga
        // upp" does, "att säga upp är enkelt" and "vi har sagt upp" do not.
        Form::Other if DECIDED.is_match(before) => SentenceClass::Stated(StatementRule::Decision),
        Form::Other if WISH.is_match(before) => SentenceClass::Stated(StatementRule::Request),
        Form::Other if hereby || WE_BEFORE.is_match(before) => SentenceClass::Stated(StatementRule::Declaration),
        Form::Other => SentenceClass::Mentioned,
    }
}

/// A phrase's grammatical form, from its first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A finite verb in the present: "säger … upp", "avslutar", "avslutas", "terminates".
    Present,
    /// A noun: "uppsägning", "avslut av", "termination", "cancellation".
    Noun,
    /// An infinitive or a participle: "säga upp", "sagt upp", "avsluta", "terminate", "cancelled".
    Other,
}

fn form(phrase: &str) -> Form {
    let first = phrase.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    const PRESENT: &[&str] = &[
        "säger",
        "sägs",
        "avslutar",
        "avslutas",
        "avanmäler",
        "avanmäls",
        "avregistrerar",
        "avregistreras",
        "upphör",
        "terminates",
        "cancels",
        "discontinues",
    ];
    const NOUN_STARTS: &[&str] =
        &["uppsägning", "avanmälan", "avregistrering", "termination", "cancellation", "discontinuation"];
    if PRESENT.contains(&first) {
        Form::Present
    } else if first == "avslut" || NOUN_STARTS.iter().any(|n| first.starts_with(n)) {
        Form::Noun
    } else {
        Form::Other
    }
}

/// A heading: the noun opens a short line ("Uppsägning av LEFI Prenumeration",
/// "Termination of LEFI Prenumeration – Region Skåne"), with no verb in the
/// past ("Uppsägningen gällde från och med …" recalls an earlier one).
fn is_heading(sentence: &str, phrase_start: usize) -> bool {
    let opens = sentence[..phrase_start].trim().is_empty();
    opens && !sentence.contains('\n') && sentence.split_whitespace().count() <= 10 && !PAST.is_match(sentence)
}

/// A polite request right before the termination: "Kan ni avsluta …?",
/// "please cancel" — not "Kan ni bekräfta att vi kan säga upp …?", which asks.
fn is_request(before: &str) -> bool {
    let Some(m) = REQUEST.find_iter(before).last() else { return false };
    let between: Vec<&str> = before[m.end()..].split_whitespace().collect();
    between.len() <= 2
        && !between.iter().any(|w| {
            matches!(
                w.trim_matches(|c: char| !c.is_alphanumeric()),
                "att"
                    | "om"
                    | "hur"
                    | "när"
                    | "vi"
                    | "bekräfta"
                    | "meddela"
                    | "whether"
                    | "if"
                    | "how"
                    | "when"
                    | "that"
                    | "to"
                    | "we"
                    | "confirm"
                    | "tell"
                    | "let"
            )
        })
}

/// "Label: value": the phrase stands in a short line's part before a colon,
/// and something follows the colon.
fn is_label(sentence: &str, phrase_end: usize) -> bool {
    let line_end = sentence[phrase_end..].find('\n').map_or(sentence.len(), |i| phrase_end + i);
    let line_start = sentence[..phrase_end].rfind('\n').map_or(0, |i| i + 1);
    let line = &sentence[line_start..line_end];
    match line.find(':') {
        Some(colon) => {
            line_start + colon >= phrase_end
                && !line[..colon].contains('?')
                && line[..colon].split_whitespace().count() <= 8
                && !line[colon + 1..].trim().is_empty()
        }
        None => false,
    }
}

/// A label naming the matter ("Att ärendet gäller uppsägning:") whose value
/// says yes to it ("Ja", "Uppsägning av LEFI Prenumeration", "Yes").
fn label_affirms(sentence: &str, phrase_end: usize) -> bool {
    let Some(colon) = sentence[phrase_end..].find(':').map(|i| phrase_end + i) else { return false };
    let label = &sentence[..colon];
    let value = sentence[colon + 1..].trim_start().trim_start_matches(['*', '[', '(']);
    let names_the_matter =
        ["gäller", "avser", "ärende", "concerns", "matter", "regarding"].iter().any(|w| label.contains(w));
    let yes = ["ja", "yes", "x]", "x)", "uppsägning", "termination"]
        .iter()
        .any(|w| value.starts_with(w) && value[w.len()..].starts_with(|c: char| !c.is_alphanumeric() || w.len() > 3));
    names_the_matter && yes
}

fn is_negated(before: &str, phrase: &str) -> bool {
    // The negation stands in the phrase ("säger inte upp") or in the three
    // words before it ("vill inte säga upp", "do not wish to cancel").
    let tail: Vec<&str> = before.split_whitespace().rev().take(3).collect();
    phrase.split_whitespace().chain(tail).any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
        matches!(w, "inte" | "ej" | "icke" | "aldrig" | "not" | "never" | "don't" | "won't" | "doesn't")
    })
}

/// A question about terminating (in the sentence that mentions it), told by
/// how the sentence starts, words anywhere in it, or its question mark.
fn is_question(sentence: &str) -> bool {
    QUESTION_START.is_match(sentence)
        || QUESTION_WORDS.is_match(sentence)
        || (sentence.ends_with('?') && !sentence.starts_with("vi "))
}

/// Considering, planning, expecting, conditioning, or a decision pending.
/// Tense matters: "överväger" hedges, "efter att ha övervägt" does not.
static HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \b(?:funderar|planerar|planeras|kan\s+komma\s+att|avser\s+att|har\s+för\s+avsikt
          |tänker\s+(?:\S+\s+){0,2}?(?:säga|avsluta)|möjligen|möjligtvis|troligen|troligtvis|sannolikt
          |förmodligen|kanske|eventuellt|eventuell\s+uppsägning|vad\s+händer\s+om|vad\s+skulle\s+hända
          |inför\s+en\s+(?:eventuell|möjlig|kommande)|preliminärt?|under\s+förutsättning|ta\s+ställning|tar\s+ställning
          |utreder|undersöker\s+(?:om|möjligheten)|ser\s+över|se\s+över|inget\s+beslut
          |inte\s+(?:ännu|än)\s+(?:beslutat|bestämt|fattat)|(?:ta|fatta)\s+(?:ett\s+)?beslut)\b
        # No ASCII boundary can stand before å, ä, ö: these start where they start.
        | (?:överväger|övervägs|överväga|ämnar|återkommer|ännu\s+inte\s+(?:beslutat|bestämt|fattat|tagit\s+ställning))\b
        | \b(?:om|ifall|i\s+fall)\s+vi\s+(?:\S+\s+){0,3}?(?:säg|avslut|avanmäl)
        | \b(?:considering|consider|contemplating|plan\s+to|plans\s+to|planning|intend\s+to|intends\s+to|intending
          |possibly|perhaps|probably|likely|potentially|what\s+happens\s+if|what\s+would\s+happen|whether\s+to
          |not\s+yet\s+decided|no\s+decision|get\s+back\s+to\s+you|evaluating|thinking\s+(?:about|of))\b
        | \b(?:we|i|they|you|it)\s+(?:may|might)\b | \b(?:may|might)\s+(?:\S+\s+){0,2}?(?:terminat|cancel|discontinu|end\s)
        | \bif\s+we\s+(?:\S+\s+){0,3}?(?:terminat|cancel|end|discontinu|decide)
        ",
    )
});

/// A condition in the clause before the termination: "Om vi inte får ett
/// bättre pris säger vi upp …", "If the price rises, we cancel …".
static CONDITION_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)(?:^|[\s,;(])(?:ifall|i\s+fall|såvida|förutsatt\s+att|under\s+förutsättning\s+att|if|unless|provided\s+that|in\s+case)\s
        # om is if before a clause's subject, about before a noun (fråga om uppsägning).
        | (?:^|[\s,;(])om\s+(?:vi|ni|det|man|inte|kommunen|regionen|myndigheten|förbundet|priset|avgiften|kostnaden
          |kostnaderna|nämnden|styrelsen|beslutet|den|de|du|jag)\b
        # Om Försäkringskassan inte kan leverera: om, a definite subject, a verb.
        | (?:^|[\s,;(])om\s+\S+(?:en|et|na|an)\s+(?:inte|ej|kan|har|är|blir|skulle|ska|skall|vill|godkänn\S*|beslutar|beslutat|höjer|sänker|ändrar)\b",
    )
});

/// A condition after the termination that makes it one: "… upp om priset
/// höjs", "… unless the price is lowered".
static CONDITION_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)(?:^|[\s,;(])(?:om\s+(?:vi\s+inte|inte|priset|avgiften|kostnaden|kostnaderna|beslutet|nämnden|styrelsen)|ifall|såvida
          |förutsatt\s+att|under\s+förutsättning|unless|provided\s+that|on\s+condition|if\s+the\s+(?:price|fee|cost))\b",
    )
});

/// The future, of the writer's own act: "vi kommer att säga upp", "vi ska
/// avsluta", "we will cancel". (A passive "tjänsten ska avslutas" is a notice.)
static FUTURE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \b(?:kommer\s+att|ska|skall)\s+(?:\S+\s+){0,2}?(?:säga\s|avsluta\b|avanmäla)
        | \b(?:will|are\s+going\s+to|is\s+going\s+to|am\s+going\s+to)\s+(?:\S+\s+){0,2}?(?:terminat|cancel|discontinu|end\s)
        ",
    )
});

/// A wish or request before an infinitive: "vi vill säga upp", "önskar
/// avsluta", "we would like to terminate".
static WISH: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)\b(?:vill|ber\s+(?:att\s+få|er|om\s+att)|begär|would\s+like|wish|wishes|want|wants|request|requests
          |ask\s+you\s+to|please)\b | önskar\b",
    )
});

/// A decision taken before an infinitive: "har beslutat att säga upp".
static DECIDED: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"\b(?:beslutat|beslutade|beslutar|bestämt|bestämde|decided|decides)\b"));

/// A verb in the past: the sentence recalls an earlier termination.
static PAST: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"\b(?:gällde|gällt|skickade|skickades|skickats|lämnade|lämnades|lämnats|inkom|var|blev|sent|was|were)\b",
    )
});

/// What a termination must hold, reported: "ska innehålla att", "ange att", "must state that".
static REPORTED: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"\b(?:innehålla|innehåller|ange|anges|anger|framgå|framgår|skriva|skriv|include|includes|state|states)\s+(?:att\s+|that\s+)(?:\S+\s+){0,4}$",
    )
});

/// How one terminates, told to others: "så säger ni upp", "så avslutar du", "this is how you cancel".
static INSTRUCTION: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"\bså\s+(?:säger|avslutar|avanmäler)\s+(?:ni|man|du)\b|\bhow\s+(?:to|you)\s+(?:terminat|cancel)|\bthis\s+is\s+how\s+(?:you|to)\b",
    )
});

/// The performative word: "härmed", "hereby".
static HEREBY: LazyLock<Regex> = LazyLock::new(|| pattern::compile(r"\b(?:härmed|hereby)\b"));

/// "we" right before an English verb: "we terminate", "we cancel".
static WE_BEFORE: LazyLock<Regex> = LazyLock::new(|| pattern::compile(r"\b(?:we|i)\s+$"));

/// A polite request: "Kan ni avsluta …?", "please cancel".
static REQUEST: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"\b(?:kan ni|skulle ni|vill ni|vänligen|could you|can you|would you|please)\b"));

/// Words that hand over a notice, before the noun: "lämnar (härmed) uppsägning",
/// "här kommer vår uppsägning", "se bifogad uppsägning", "notice of termination".
static NOTICE_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)(?:\b(?:lämnar|lämnas|skickar|meddelar|här\s+(?:kommer|är|följer)|bifogad|bifogat|bifogar|bifogas
          |notice\s+of|give\s+notice|giving\s+notice|submit|submits|attached|enclosed|find)|översänder)\s+(?:\S+\s+){0,3}?$
        # A form's field naming the matter: Ärendet gäller: Uppsägning av LEFI Prenumeration.
        | (?:\b(?:gäller|avser|ämne|subject|matter|regarding|re)|ärende|ärendet)\s*:\s*$
        # The seed's own statement of the matter: Ärendet gäller uppsägning av; Detta är en
        # uppsägning av; This email concerns the termination of.
        | (?:^|[\s,;(*•-])(?:ärendet|ärende|detta|det\s+här|denna|this|it|the\s+matter|the\s+case)
          (?:\s+(?:e-?post|e-?postmeddelande|mejl|mail|meddelande|brev|skrivelse|ärende|e-?mail|message|letter|request|notice))?
          \s+(?:gäller|avser|rör|är|utgör|concerns|regards|is\s+regarding|is\s+about|relates\s+to|is|constitutes|serves\s+as)
          \s+(?:(?:en|ett|the|a|an|our|vår|formal|formell)\s+)*$",
    )
});

/// The noun with its date in force: "uppsägningen gäller från …", "uppsägning
/// av LEFI Prenumeration ska gälla per …".
static NOUN_IN_FORCE: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"^\S+\s+(?:(?:av|avseende)\s+(?:\S+\s+){0,4}?)?(?:gäller|ska\s+gälla|skall\s+gälla|träder|sker)\b",
    )
});

/// A question, told by how the sentence starts. Anchored, so the search stops
/// within a few words.
static QUESTION_START: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        ^(?:\S+\s+){0,2}?(?:hur|vad|vilka|vilken|vilket|när|var|varför|kan\s+vi|kan\s+man|går\s+det|måste\s+vi|behöver\s+vi|ska\s+vi|bör\s+vi|får\s+vi|gäller\s+det
          |how|what|which|when|where|why|can\s+we|do\s+we|should\s+we|is\s+it|are\s+we|must\s+we|har\s+ni|have\s+you|did\s+you)\b
        ",
    )
});

/// A question, told by words anywhere in the sentence.
static QUESTION_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    pattern::compile(
        r"(?x)
        \b(?:undrar|fråga\s+om|frågor\s+om|fråga\s+kring|frågor\s+kring|information\s+om|wonder\w*|question\s+about|questions\s+about)\b
        | \bhur\s+(?:\S+\s+){0,4}?(?:säg|avslut|gör)
        ",
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    /// The class of `sentence`, whose termination phrase is found by the scan.
    fn class(sentence: &str) -> SentenceClass {
        let lower = sentence.to_lowercase();
        let phrase = crate::extract::termination::phrases(&lower)[0];
        classify(&lower, phrase, false, true)
    }

    fn stated(rule: StatementRule) -> SentenceClass {
        SentenceClass::Stated(rule)
    }

    #[test]
    fn present_decided_and_wished_terminations_are_stated() {
        assert_eq!(class("Härmed säger Uppsala kommun upp LEFI Prenumeration."), stated(StatementRule::Declaration));
        assert_eq!(class("Vi säger upp tjänsten."), stated(StatementRule::Declaration));
        assert_eq!(class("Kommunstyrelsen har beslutat att säga upp LEFI."), stated(StatementRule::Decision));
        assert_eq!(class("Vi vill säga upp vår prenumeration på LEFI."), stated(StatementRule::Request));
        assert_eq!(class("Kan ni avsluta vår prenumeration från 1 januari?"), stated(StatementRule::Request));
        assert_eq!(class("We hereby terminate the LEFI subscription."), stated(StatementRule::Declaration));
        assert_eq!(class("We would like to cancel LEFI."), stated(StatementRule::Request));
        assert_eq!(class("Uppsägningen gäller från och med 2027-01-01."), stated(StatementRule::Notice));
        assert_eq!(class("Härmed lämnas uppsägning av LEFI Prenumeration."), stated(StatementRule::Notice));
        assert_eq!(class("Uppsägning av LEFI Prenumeration"), stated(StatementRule::Notice));
    }

    #[test]
    fn the_seeds_statement_of_the_matter_states_it() {
        for s in [
            "Ärendet gäller uppsägning av LEFI Prenumeration.",
            "Ärendet avser uppsägning av LEFI Prenumeration för Uppsala kommun.",
            "Detta är en uppsägning av LEFI Prenumeration.",
            "Detta mejl gäller uppsägning av vår anslutning till LEFI Prenumeration.",
            "This email concerns the termination of our LEFI Prenumeration subscription.",
            "This concerns the termination of LEFI Prenumeration for Region Kronoberg.",
            "Att ärendet gäller uppsägning: Ja, uppsägning av LEFI Prenumeration",
        ] {
            assert_eq!(class(s), stated(StatementRule::Notice), "{s}");
        }
        assert_eq!(class("Att ärendet gäller uppsägning: Nej"), SentenceClass::Label);
    }

    #[test]
    fn a_condition_on_another_party_before_the_statement_hedges_it() {
        assert_eq!(
            class("Om Försäkringskassan inte kan leverera före årsskiftet säger Kumla kommun upp LEFI Prenumeration."),
            SentenceClass::Hedged
        );
    }

    #[test]
    fn plans_conditions_and_the_future_are_hedged() {
        for s in [
            "Vi överväger att säga upp LEFI Prenumeration från och med 2027-07-01.",
            "Vi funderar på att säga upp tjänsten.",
            "Kommunen kan komma att säga upp LEFI.",
            "Om vi säger upp LEFI, vad händer då?",
            "Inför en eventuell uppsägning vill vi veta mer.",
            "Vi avser att ta beslut om uppsägning i december.",
            "Vi kommer att säga upp tjänsten nästa år.",
            "We are considering cancelling LEFI.",
            "We may terminate the subscription.",
            "We plan to terminate the service.",
            "If we were to cancel, what happens?",
            "Om vi inte får ett bättre pris säger Kungsbacka kommun upp LEFI Prenumeration.",
            "Vi säger upp LEFI Prenumeration om priset höjs.",
        ] {
            assert_eq!(class(s), SentenceClass::Hedged, "{s}");
        }
        for s in ["Fråga om uppsägning av LEFI Prenumeration", "Beslut om uppsägning av LEFI Prenumeration"] {
            assert_ne!(class(s), SentenceClass::Hedged, "{s}: om is about, not if");
        }
        assert_eq!(
            class("Efter att ha övervägt saken säger vi härmed upp LEFI."),
            stated(StatementRule::Declaration),
            "a past consideration hedges nothing"
        );
    }

    #[test]
    fn mentions_questions_and_negations_state_nothing() {
        assert_eq!(class("Vi skickade vår uppsägning förra veckan."), SentenceClass::Mentioned);
        assert_eq!(class("Vi har sagt upp tjänsten tidigare."), SentenceClass::Mentioned);
        assert_eq!(class("Angående uppsägning av LEFI och era villkor för detta år."), SentenceClass::Mentioned);
        assert_eq!(class("Hur gör vi för att säga upp LEFI?"), SentenceClass::Asked);
        assert_eq!(class("Har ni fått vår uppsägning?"), SentenceClass::Asked);
        assert_eq!(class("Vi säger inte upp LEFI."), SentenceClass::Negated);
        assert_eq!(class("We do not wish to cancel LEFI."), SentenceClass::Negated);
        assert_eq!(class("Datum från vilket uppsägningen ska gälla: 2027-01-01"), SentenceClass::Label);
    }

    #[test]
    fn a_word_starting_with_a_swedish_letter_is_read() {
        assert_eq!(class("Vi önskar avsluta vår anslutning till LEFI Prenumeration."), stated(StatementRule::Request));
        assert_eq!(class("Härmed översänder vi vår uppsägning av LEFI."), stated(StatementRule::Notice));
        assert_eq!(class("Ärendet gäller: Uppsägning av LEFI Prenumeration"), stated(StatementRule::Notice));
    }

    #[test]
    fn asking_to_confirm_that_one_may_terminate_is_a_question_not_a_request() {
        assert_eq!(
            class("Kan ni bekräfta att vi kan säga upp LEFI Prenumeration från och med 2027-01-01?"),
            SentenceClass::Asked
        );
        assert_eq!(class("Kan ni vänligen avsluta LEFI Prenumeration?"), stated(StatementRule::Request));
        assert_eq!(class("Uppsägningen gällde från och med 2027-01-01."), SentenceClass::Mentioned);
    }

    #[test]
    fn questions_after_the_statement_do_not_hedge_it() {
        assert_eq!(
            class("Vi säger upp LEFI från 2027-01-01 och ber er höra av er om ni har frågor."),
            stated(StatementRule::Declaration)
        );
    }

    #[test]
    fn a_month_called_may_is_no_hedge() {
        assert_eq!(class("Vi säger upp LEFI from 1 May 2027."), stated(StatementRule::Declaration));
    }
}

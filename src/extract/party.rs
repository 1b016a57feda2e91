//! Where a text names who terminates: "Härmed säger X upp", "X säger härmed
//! upp", "X avslutar …", "X hereby terminates". The name is a run of one to five
//! capitalised words; [`super::org_name`] cuts it from the match.
//!
//! Written by hand for the reason [`super::termination`] is: these searches run
//! on most mails, and a regular expression without a literal to start from
//! costs a forward and a reverse automaton pass over the whole text, plus the
//! cache misses of three more automata per mail. Here each form starts from its
//! verb, found by a substring search, and walks the few words around it. The
//! tests hold the three expressions and check that the walks find the same
//! matches on generated text.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::keywords::Words;
use super::pattern::{ascii_boundary, is_word_char};

/// The ways a sentence names who terminates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyForm {
    /// "[Härmed] säger [härmed] NAME [härmed|nu|därmed] upp": the match runs
    /// from "säger" to "upp".
    SaysNameUp,
    /// "NAME säger …", "NAME avslutar …": from the sentence's start to the verb.
    NameSays,
    /// "NAME [hereby] terminates|cancels": from the sentence's start to the verb.
    NameTerminates,
}

impl PartyForm {
    pub const ALL: [PartyForm; 3] = [PartyForm::SaysNameUp, PartyForm::NameSays, PartyForm::NameTerminates];

    /// The matches of this form in `text` (the original text, not lowered), as
    /// byte ranges in order, not overlapping.
    pub fn matches(self, text: &str) -> Vec<(usize, usize)> {
        match self {
            PartyForm::SaysNameUp => says_name_up(text),
            PartyForm::NameSays => name_then_verb(text, &*SWEDISH_VERBS, swedish_capital, None, Tail::Blanks),
            PartyForm::NameTerminates => {
                name_then_verb(text, &*ENGLISH_VERBS, english_capital, Some("hereby"), Tail::WordEnd)
            }
        }
    }

    /// Every match of this form holds one of these words (lower case): a text
    /// that cannot hold them need not be searched.
    pub fn key_words(self) -> &'static Words {
        static KEY_WORDS: LazyLock<[Words; 3]> = LazyLock::new(|| {
            [Words::new(&["äger"]), Words::new(&["säger", "avslutar"]), Words::new(&["terminates", "cancels"])]
        });
        &KEY_WORDS[self as usize]
    }
}

/// The verbs, or the part of it that is written alike ("[Ss]äger"), each
/// searched with a finder built once.
static SAYS_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("äger"));
static SWEDISH_VERBS: LazyLock<[Finder<'static>; 2]> = LazyLock::new(|| ["säger", "avslutar"].map(Finder::new));
static ENGLISH_VERBS: LazyLock<[Finder<'static>; 2]> = LazyLock::new(|| ["terminates", "cancels"].map(Finder::new));

/// `[Ss]äger [härmed] NAME [härmed|nu|därmed] upp`, the name's words taken
/// as few as will do.
fn says_name_up(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut free_from = 0;
    for at in SAYS_END.find_iter(bytes) {
        let Some(start) = at.checked_sub(1) else { continue };
        if start < free_from || !matches!(bytes[start], b'S' | b's') || !ascii_boundary(bytes, start) {
            continue;
        }
        if let Some(end) = name_up_after(text, at + "äger".len()) {
            out.push((start, end));
            free_from = end;
        }
    }
    out
}

/// The end of "NAME … upp" after the verb, when the words there take that form.
fn name_up_after(text: &str, verb_end: usize) -> Option<usize> {
    let mut at = blanks_after(text, verb_end)?;
    if text[at..].starts_with("härmed")
        && let Some(after) = blanks_after(text, at + "härmed".len())
    {
        at = after;
    }
    for _ in 0..5 {
        at = blanks_after(text, word_after(text, at, swedish_capital)?)?;
        for filler in ["härmed", "nu", "därmed"] {
            if text[at..].starts_with(filler)
                && let Some(end) = blanks_after(text, at + filler.len()).and_then(|p| upp_at(text, p))
            {
                return Some(end);
            }
        }
        if let Some(end) = upp_at(text, at) {
            return Some(end);
        }
    }
    None
}

fn upp_at(text: &str, at: usize) -> Option<usize> {
    (text[at..].starts_with("upp") && ascii_boundary(text.as_bytes(), at + 3)).then_some(at + 3)
}

/// What must follow the verb of [`name_then_verb`].
#[derive(Clone, Copy)]
enum Tail {
    /// One or more blanks, all part of the match.
    Blanks,
    /// An ASCII word boundary.
    WordEnd,
}

/// `(start of text | [.!?] blanks | line break) NAME [filler blanks] VERB tail`.
fn name_then_verb(
    text: &str,
    verbs: &[Finder<'static>],
    capital: fn(char) -> bool,
    filler: Option<&str>,
    tail: Tail,
) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found: Vec<(usize, usize)> =
        verbs.iter().flat_map(|verb| verb.find_iter(bytes).map(move |at| (at, at + verb.needle().len()))).collect();
    found.sort_unstable();
    let mut out = Vec::new();
    let mut free_from = 0;
    for (verb_start, verb_end) in found {
        let end = match tail {
            Tail::Blanks => blanks_after(text, verb_end),
            Tail::WordEnd => ascii_boundary(bytes, verb_end).then_some(verb_end),
        };
        let Some(end) = end else { continue };
        if let Some(start) = sentence_start_of_name(text, verb_start, capital, filler)
            && start >= free_from
        {
            out.push((start, end));
            free_from = end;
        }
    }
    out
}

/// Walks back from a verb over the blanks, the filler word and one to five
/// capitalised words to what must stand before the name: the start of the
/// text, a line break, or `.`, `!` or `?` and blanks. Returns where the match
/// starts.
fn sentence_start_of_name(
    text: &str,
    verb_start: usize,
    capital: fn(char) -> bool,
    filler: Option<&str>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut word_end = blanks_before(bytes, verb_start)?;
    if let Some(filler) = filler
        && word_start_before(text, word_end) + filler.len() == word_end
        && text[..word_end].ends_with(filler)
    {
        word_end = blanks_before(bytes, word_end - filler.len())?;
    }
    for _ in 0..5 {
        let start = word_start_before(text, word_end);
        if !text[start..word_end].starts_with(capital) {
            return None;
        }
        if start == 0 {
            return Some(0);
        }
        match bytes[start - 1] {
            b'\n' => return Some(start - 1),
            b' ' | b'\t' => {
                let blanks = blanks_before(bytes, start)?;
                if blanks > 0 && matches!(bytes[blanks - 1], b'.' | b'!' | b'?') {
                    return Some(blanks - 1);
                }
                word_end = blanks;
            }
            _ => return None,
        }
    }
    None
}

/// The end of the capitalised word starting at `at`.
fn word_after(text: &str, at: usize, capital: fn(char) -> bool) -> Option<usize> {
    let mut chars = text[at..].char_indices();
    let (_, first) = chars.next()?;
    if !capital(first) {
        return None;
    }
    Some(chars.find(|(_, c)| !is_name_char(*c)).map_or(text.len(), |(i, _)| at + i))
}

/// The start of the run of name characters that ends at `end`.
fn word_start_before(text: &str, end: usize) -> usize {
    text[..end].char_indices().rev().find(|(_, c)| !is_name_char(*c)).map_or(0, |(i, c)| i + c.len_utf8())
}

/// The end of one or more blanks at `at`, or `None` when there are none.
fn blanks_after(text: &str, at: usize) -> Option<usize> {
    let n = text.as_bytes()[at..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    (n > 0).then_some(at + n)
}

/// The start of one or more blanks ending at `end`, or `None` when there are none.
fn blanks_before(bytes: &[u8], end: usize) -> Option<usize> {
    let n = bytes[..end].iter().rev().take_while(|b| matches!(b, b' ' | b'\t')).count();
    (n > 0).then_some(end - n)
}

fn swedish_capital(c: char) -> bool {
    c.is_ascii_uppercase() || matches!(c, 'Å' | 'Ä' | 'Ö')
}

fn english_capital(c: char) -> bool {
    c.is_ascii_uppercase()
}

/// A character of a name's word: `\w` (Unicode) or a hyphen.
fn is_name_char(c: char) -> bool {
    c == '-' || is_word_char(c)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::extract::pattern;

    /// The expressions the forms implement.
    const REFERENCE: [&str; 3] = [
        r"\b[Ss]äger[ \t]+(?:härmed[ \t]+)?((?:[A-ZÅÄÖ][\wåäöé\-]*[ \t]+){1,5}?)(?:härmed[ \t]+|nu[ \t]+|därmed[ \t]+)?upp\b",
        r"(?:^|[.!?][ \t]+|\n)((?:[A-ZÅÄÖ][\wåäöé\-]*[ \t]+){1,5})(?:säger|avslutar)[ \t]+",
        r"(?:^|[.!?][ \t]+|\n)((?:[A-Z][\w\-]*[ \t]+){1,5})(?:hereby[ \t]+)?(?:terminates|cancels)\b",
    ];

    fn reference(form: PartyForm, text: &str) -> Vec<(usize, usize)> {
        pattern::compile(REFERENCE[form as usize]).find_iter(text).map(|m| (m.start(), m.end())).collect()
    }

    #[test]
    fn the_forms_are_found() {
        let text = "Härmed säger Region Skåne nu upp LEFI. Region Skåne säger härmed upp avtalet.\n\
                    Kalmar Läns Museum avslutar tjänsten. The City Council hereby terminates it.";
        for form in PartyForm::ALL {
            assert_eq!(form.matches(text), reference(form, text), "{form:?}");
        }
        assert_eq!(PartyForm::SaysNameUp.matches(text).len(), 1);
        assert_eq!(PartyForm::NameSays.matches(text).len(), 3);
        assert_eq!(PartyForm::NameTerminates.matches(text).len(), 1);
    }

    const WORDS: &[&str] = &[
        "säger",
        "Säger",
        "ösäger",
        "avslutar",
        "upp",
        "uppå",
        "uppsägning",
        "härmed",
        "Härmed",
        "nu",
        "därmed",
        "hereby",
        "Xhereby",
        "terminates",
        "cancels",
        "cancelsx",
        "Uppsala",
        "kommun",
        "Region",
        "Skåne",
        "Östra",
        "Éa",
        "Malmo\u{308}",
        "Västra-Götaland",
        "AB",
        "X1",
        "A_b",
        "x²",
        "vi",
        "The",
        "City",
        "(Staden)",
        ".",
        "!",
        "?",
        ",",
    ];

    proptest! {
        #[test]
        fn agrees_with_the_expressions(words in prop::collection::vec(0..WORDS.len(), 0..16),
                                       gaps in prop::collection::vec(prop::sample::select(vec![" ", "  ", "\t", "\n", "", ". ", "\u{a0}"]), 16)) {
            let mut text = String::new();
            for (i, w) in words.iter().enumerate() {
                text.push_str(WORDS[*w]);
                text.push_str(gaps[i]);
            }
            for form in PartyForm::ALL {
                prop_assert_eq!(form.matches(&text), reference(form, &text), "{:?} in {:?}", form, text);
            }
        }
    }
}

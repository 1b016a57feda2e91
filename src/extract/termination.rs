//! Where a text says that something is terminated: "uppsägning", "säger … upp",
//! "avslutar … prenumerationen", "terminate", "cancel".
//!
//! This is the hottest search of the extraction (every mail, most sentences), so
//! it is written by hand rather than as a regular expression: a regex search
//! costs a forward and a reverse automaton pass per match, this costs one walk
//! over the word starts. The tests hold the equivalent expression and check the
//! two agree on generated text.

use super::pattern::{after_whitespace, ascii_boundary};

/// Byte ranges of the termination phrases in `lower` (lower-case text), in
/// order, not overlapping.
pub fn phrases(lower: &str) -> Vec<(usize, usize)> {
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    // Phrases do not overlap: none starts before the end of the last one.
    let mut free_from = 0;
    for block in (0..bytes.len()).step_by(64) {
        let mut starts = possible_starts(bytes, block);
        while starts != 0 {
            let at = block + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if at >= free_from
                && let Some(end) = phrase_at(lower, at)
            {
                out.push((at, end));
                free_from = end;
            }
        }
    }
    out
}

/// The first two bytes of every phrase [`phrase_at`] recognises ("sä" is
/// `s` and the lead byte of "ä"). The tables below are derived from it.
const PHRASE_STARTS: &[[u8; 2]] = &[*b"up", [b's', 0xC3], *b"sa", *b"av", *b"te", *b"ca", *b"di", *b"en"];

/// One bit per distinct first byte of [`PHRASE_STARTS`]: `FIRST[b]` has the
/// bit of `b`, `SECOND[b]` the bits of the first bytes that `b` may follow.
const FIRST: [u8; 256] = start_tables().0;
const SECOND: [u8; 256] = start_tables().1;

const fn start_tables() -> ([u8; 256], [u8; 256]) {
    let (mut first, mut second) = ([0u8; 256], [0u8; 256]);
    let mut bits_used = 0u32;
    let mut i = 0;
    while i < PHRASE_STARTS.len() {
        let [a, b] = PHRASE_STARTS[i];
        if first[a as usize] == 0 {
            assert!(bits_used < 8, "at most eight distinct first letters fit the tables");
            first[a as usize] = 1 << bits_used;
            bits_used += 1;
        }
        second[b as usize] |= first[a as usize];
        i += 1;
    }
    (first, second)
}

/// All bits for the bytes that do not continue an ASCII word (`\b` before a letter).
const NOT_WORD: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_alphanumeric() || b == b'_' as usize {
            table[b] = 0;
        }
        b += 1;
    }
    table
};

/// Bit `i` set when a phrase may start at `block + i`: a word start whose
/// first two bytes begin some phrase. Computed from tables, without a branch
/// per byte: which letter comes next in natural text cannot be predicted, and
/// testing byte by byte cost a mispredicted branch every few words.
fn possible_starts(bytes: &[u8], block: usize) -> u64 {
    let end = (block + 64).min(bytes.len());
    let mut prev = if block == 0 { b' ' } else { bytes[block - 1] };
    let mut starts = 0u64;
    for i in block..end {
        let (b, next) = (bytes[i], bytes.get(i + 1).copied().unwrap_or(0));
        let hit = FIRST[usize::from(b)] & SECOND[usize::from(next)] & NOT_WORD[usize::from(prev)];
        starts |= u64::from(hit != 0) << (i - block);
        prev = b;
    }
    starts
}

/// The end of the phrase starting at `at`, trying the forms in order. Each
/// form starts with its own letter, so the first one picks the forms to try.
fn phrase_at(lower: &str, at: usize) -> Option<usize> {
    let rest = &lower[at..];
    let word = |prefix: &str| rest.starts_with(prefix).then(|| at + prefix.len() + word_len(&rest[prefix.len()..]));
    match rest.as_bytes()[0] {
        b'u' => word("uppsäg").or_else(|| word("upphör")),
        b's' => {
            if rest.starts_with("säg") {
                for inflection in ["säga", "säger", "sägs", "sägas", "säg"] {
                    if rest.starts_with(inflection)
                        && let Some(end) = then_word(lower, at + inflection.len(), 5, |w| whole_word(w, "upp"))
                    {
                        return Some(end);
                    }
                }
            }
            if rest.starts_with("sagt") {
                return then_word(lower, at + 4, 3, |w| whole_word(w, "upp"));
            }
            None
        }
        b'a' => {
            if let Some(inflection) = rest.strip_prefix("avsluta") {
                let verb_end = at + 7 + word_len(inflection);
                if let Some(end) = then_word(lower, verb_end, 4, service_at) {
                    return Some(end);
                }
            }
            if rest.starts_with("avslut")
                && let Some(end) = then_word(lower, at + 6, 0, |w| whole_word(w, "av"))
            {
                return Some(end);
            }
            word("avanmä").or_else(|| word("avregistrer"))
        }
        b't' => word("terminat"),
        b'c' => word("cancel"),
        b'd' => word("discontinu"),
        b'e' if rest.starts_with("end") => then_word(lower, at + 3, 0, |w| {
            let after = w.strip_prefix("our").or_else(|| w.strip_prefix("the"))?;
            let spaced = after.trim_start();
            if spaced.len() == after.len() {
                return None;
            }
            let noun = ["subscription", "agreement", "service"].into_iter().find(|n| spaced.starts_with(n))?;
            Some(w.len() - spaced.len() + noun.len())
        }),
        _ => None,
    }
}

/// After `from`: blanks, then up to `skip` words each followed by blanks, then a
/// word that `target` accepts (returning its length). The fewest skipped words
/// win. Returns the end of the target.
fn then_word(lower: &str, from: usize, skip: usize, target: impl Fn(&str) -> Option<usize>) -> Option<usize> {
    let mut at = after_whitespace(lower, from)?;
    for skipped in 0..=skip {
        if let Some(len) = target(&lower[at..]) {
            return Some(at + len);
        }
        if skipped == skip {
            break;
        }
        let word_end = at + lower[at..].find(char::is_whitespace)?;
        at = after_whitespace(lower, word_end)?;
    }
    None
}

/// `word` at the start of `w` as a whole word (an ASCII boundary after it): its length.
fn whole_word(w: &str, word: &str) -> Option<usize> {
    (w.starts_with(word) && ascii_boundary(w.as_bytes(), word.len())).then_some(word.len())
}

/// What "avsluta" may end: the subscription, the service, the agreement.
fn service_at(w: &str) -> Option<usize> {
    if w.starts_with("lefi") {
        return Some(4);
    }
    ["prenumeration", "tjänst", "avtal", "abonnemang", "anslutning"]
        .into_iter()
        .find(|n| w.starts_with(n))
        .map(|n| n.len() + word_len(&w[n.len()..]))
}

/// Length in bytes of the run of word characters at the start of `s`: letters,
/// digits and `_` (the expression's `\w` also takes combining marks, which
/// Swedish text written with precomposed å, ä and ö does not use).
fn word_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::extract::pattern;

    /// The expression [`phrases`] implements.
    const REFERENCE: &str = r"(?x)
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
        ";

    fn reference(lower: &str) -> Vec<(usize, usize)> {
        pattern::compile(REFERENCE).find_iter(lower).map(|m| (m.start(), m.end())).collect()
    }

    /// Each alternative of the expression, from its first letter.
    fn alternatives() -> Vec<&'static str> {
        REFERENCE.lines().filter_map(|l| l.trim().trim_start_matches('|').trim().strip_prefix(r"\b")).collect()
    }

    #[test]
    fn the_start_tables_cover_every_phrase_and_nothing_else() {
        let starts: Vec<[u8; 2]> = alternatives().iter().map(|a| [a.as_bytes()[0], a.as_bytes()[1]]).collect();
        assert_eq!(starts.len(), 13, "every alternative read");
        for start in &starts {
            assert!(
                PHRASE_STARTS.contains(start),
                "{:?} is missing from PHRASE_STARTS",
                String::from_utf8_lossy(start)
            );
        }
        for start in PHRASE_STARTS {
            assert!(starts.contains(start), "{:?} starts no phrase", String::from_utf8_lossy(start));
            assert_ne!(FIRST[usize::from(start[0])] & SECOND[usize::from(start[1])], 0);
        }
    }

    #[test]
    fn the_forms_are_found() {
        let text = "härmed säger vi upp lefi. uppsägningen gäller. vi vill avsluta vår prenumeration. \
                    we hereby terminate and end the service. avslut av tjänsten. sagt  upp.";
        assert_eq!(phrases(text), reference(text));
        assert_eq!(phrases(text).len(), 7);
    }

    #[test]
    fn words_inside_other_words_are_not_phrases() {
        for text in ["försäger upp", "vi säger inte att vi ska ta upp det här med er upp", "uppsala", "sägeruppdrag"]
        {
            assert_eq!(phrases(text), reference(text), "{text}");
        }
    }

    const WORDS: &[&str] = &[
        "säger",
        "säga",
        "sägs",
        "sägas",
        "säg",
        "sagt",
        "upp",
        "uppå",
        "uppsala",
        "härmed",
        "vi",
        "LEFI",
        "lefi",
        "avsluta",
        "avslutar",
        "avslut",
        "av",
        "prenumerationen",
        "tjänsten",
        "avtalet",
        "end",
        "our",
        "the",
        "service",
        "terminate",
        "cancellation",
        "uppsägning",
        "upphör",
        "ösäger",
        "x",
        "1",
        "_",
        // Phrase letters alone and in pairs, also at the text's end.
        "s",
        "u",
        "sa",
        "en",
        ",",
        ".",
        "?",
    ];

    proptest! {
        #[test]
        fn agrees_with_the_expression(words in prop::collection::vec(0..WORDS.len(), 0..14),
                                      gaps in prop::collection::vec(prop::sample::select(vec![" ", "  ", "\n", "\t", "", "\u{a0}"]), 14)) {
            let mut text = String::new();
            for (i, w) in words.iter().enumerate() {
                text.push_str(WORDS[*w]);
                text.push_str(gaps[i]);
            }
            let lower = text.to_lowercase();
            prop_assert_eq!(phrases(&lower), reference(&lower), "{:?}", lower);
        }
    }
}

//! How the extractors compile their regular expressions.
//!
//! A Unicode word boundary (`\b`) stops the regex crate's fast automata as soon
//! as the text holds a non-ASCII character, which every Swedish mail does; the
//! search then falls back to a backtracking engine some ten times slower. So
//! every `\b` here is an ASCII boundary. Where a word starts or ends with å, ä or
//! ö, an ASCII boundary cannot stand beside that letter: such patterns leave the
//! boundary out, and callers that care check the neighbouring character with
//! [`starts_word`].

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

/// Compiles `pattern` with every `\b` taken as an ASCII word boundary.
pub fn compile(pattern: &str) -> Regex {
    let ascii = pattern.replace(r"\b", r"(?-u:\b)");
    RegexBuilder::new(&ascii)
        // Patterns with Unicode classes build many lazy-DFA states; a cache that
        // holds them all avoids rebuilding states for every mail.
        .dfa_size_limit(32 << 20)
        .build()
        .unwrap_or_else(|e| panic!("invalid built-in pattern: {e}"))
}

/// True at an ASCII word boundary, as `\b` means in these patterns: the bytes
/// on either side of `at` differ in being ASCII letters, digits or `_`.
pub fn ascii_boundary(bytes: &[u8], at: usize) -> bool {
    let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    word(at.checked_sub(1).and_then(|i| bytes.get(i))) != word(bytes.get(at))
}

/// True for a character of `\w` as the regex crate reads it (Unicode), for the
/// scans that are written by hand.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    // Letters are the common case; marks (decomposed å, ä, ö), connector
    // punctuation and digits of other scripts are asked of the regex crate.
    static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\A\w\z").expect("valid"));
    c.is_alphabetic() || WORD.is_match(c.encode_utf8(&mut [0; 4]))
}

/// True when a match starting at `start` begins a word (the character before it
/// is not a letter or digit).
pub fn starts_word(text: &str, start: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(char::is_alphanumeric)
}

/// A search for the first match that starts at or after a byte offset, as
/// `Regex::find_at` does (what stands before the offset still counts for `\b`).
pub type Search<'a> = &'a dyn Fn(&str, usize) -> Option<(usize, usize)>;

/// [`Search`] with an expression.
pub fn search_with(re: &Regex) -> impl Fn(&str, usize) -> Option<(usize, usize)> + '_ {
    move |text, from| re.find_at(text, from).map(|m| (m.start(), m.end()))
}

/// The matches `A|B|…` would give, from the searches for `A`, `B`, … run
/// separately: leftmost first, the earlier part on a tie, never overlapping.
/// Splitting one expression this way lets each part skip texts that cannot
/// hold it (`None` stands for a part whose key words are absent), and lets a
/// part be searched for by hand. The parts must not match the empty string.
pub fn matches_of_any(parts: &[Option<Search<'_>>], text: &str) -> Vec<(usize, usize)> {
    let mut next: Vec<Option<(usize, usize)>> = parts.iter().map(|p| p.and_then(|find| find(text, 0))).collect();
    let mut out = Vec::new();
    // Leftmost start, the first part on a tie.
    while let Some((start, end)) = next.iter().flatten().min_by_key(|m| m.0).copied() {
        debug_assert!(start < end, "an empty match would not advance");
        out.push((start, end));
        let resume = if start < end { end } else { end + text[end..].chars().next().map_or(1, char::len_utf8) };
        for (slot, part) in next.iter_mut().zip(parts) {
            // A later match found from an earlier point is the one a search from
            // `resume` finds too: no match of that part starts in between.
            if slot.is_some_and(|(s, _)| s < resume) {
                *slot = match part {
                    Some(find) if resume <= text.len() => find(text, resume),
                    _ => None,
                };
            }
        }
    }
    out
}

/// The offset after one or more whitespace characters (`\s+`: Unicode's
/// White_Space, as in the expressions) at `from`, or `None` when there are none.
pub fn after_whitespace(text: &str, from: usize) -> Option<usize> {
    let rest = &text[from..];
    let trimmed = rest.trim_start();
    (trimmed.len() < rest.len()).then_some(from + rest.len() - trimmed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_boundaries_still_separate_ascii_words() {
        let re = compile(r"\bupp\b");
        assert!(re.is_match("säger upp tjänsten"));
        assert!(!re.is_match("uppsägning"));
    }

    #[test]
    fn ascii_boundaries_by_hand_match_the_patterns() {
        let text = "upp uppå_x";
        let boundaries: Vec<usize> = (0..=text.len()).filter(|i| ascii_boundary(text.as_bytes(), *i)).collect();
        // Beside å (two bytes, neither ASCII) a boundary falls as it does for `(?-u:\b)`.
        assert_eq!(boundaries, [0, 3, 4, 7, 9, 11]);
        let by_pattern: Vec<usize> =
            regex::bytes::Regex::new(r"(?-u:\b)").unwrap().find_iter(text.as_bytes()).map(|m| m.start()).collect();
        assert_eq!(boundaries, by_pattern);
    }

    #[test]
    fn word_characters_are_those_of_the_expressions() {
        let word = Regex::new(r"\A\w\z").unwrap();
        for c in ['a', 'Z', '0', '_', 'å', 'É', '\u{308}', '\u{203f}', '٣', '²', '-', ' ', '.', '\u{a0}', '€'] {
            assert_eq!(is_word_char(c), word.is_match(c.encode_utf8(&mut [0; 4])), "{c:?}");
        }
    }

    proptest::proptest! {
        /// Searching the alternatives of one expression separately finds what
        /// the expression finds, including where alternatives overlap or tie.
        #[test]
        fn separate_parts_match_like_their_alternation(text in "[ab1 ]{0,24}") {
            let parts = [r"\ba+b?", r"b1|a\s", r"\b1+b?|ab"];
            let whole = compile(&parts.join("|"));
            let compiled: Vec<Regex> = parts.iter().map(|p| compile(p)).collect();
            let searches: Vec<_> = compiled.iter().map(search_with).collect();
            let refs: Vec<Option<Search<'_>>> = searches.iter().map(|s| Some(s as Search<'_>)).collect();
            let got = matches_of_any(&refs, &text);
            let want: Vec<(usize, usize)> = whole.find_iter(&text).map(|m| (m.start(), m.end())).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn whitespace_is_that_of_the_expressions() {
        let space = Regex::new(r"\A\s\z").unwrap();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(c.is_whitespace(), space.is_match(c.encode_utf8(&mut [0; 4])), "{c:?}");
        }
        assert_eq!(after_whitespace("a \u{a0}\n b", 1), Some(6));
        assert_eq!(after_whitespace("a b", 0), None);
    }

    #[test]
    fn word_starts_are_checked_on_characters() {
        assert!(starts_word("i Örebro", 2));
        assert!(!starts_word("xÖrebro", 1));
        assert!(starts_word("Örebro", 0));
    }
}

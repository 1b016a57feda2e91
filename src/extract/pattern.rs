//! How the extractors compile their regular expressions.
//!
//! A Unicode word boundary (`\b`) stops the regex crate's fast automata as soon
//! as the text holds a non-ASCII character, which every Swedish mail does; the
//! search then falls back to a backtracking engine some ten times slower. So
//! every `\b` here is an ASCII boundary. Where a word starts or ends with å, ä or
//! ö, an ASCII boundary cannot stand beside that letter: such patterns leave the
//! boundary out, and callers that care check the neighbouring character with
//! [`starts_word`].

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

/// True when a match starting at `start` begins a word (the character before it
/// is not a letter or digit).
pub fn starts_word(text: &str, start: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(char::is_alphanumeric)
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
    fn word_starts_are_checked_on_characters() {
        assert!(starts_word("i Örebro", 2));
        assert!(!starts_word("xÖrebro", 1));
        assert!(starts_word("Örebro", 0));
    }
}

//! Key words looked for as plain substrings of the lower-case text.
//!
//! Their main use is as a gate: several expressions have no literal at their
//! start ("Uppsala kommun" is found from "kommun" backwards), so the regex
//! engine must run its automaton over the whole text even when the word is
//! absent, which it is in most mails. A substring search is far cheaper, so such
//! an expression is only run when one of its words occurs. Before an expression
//! that starts with a literal a gate is rarely worth it: the engine's own
//! prefilter beats several substring searches (measured with cachegrind; the
//! agency and insurer-brand lists lost with a gate, the one-word gates before
//! "Region …" and "Länsstyrelsen …" gain a little and stay).

use memchr::memmem::Finder;

/// Words to look for in lower-case text, each with a searcher built once.
pub struct Words(Vec<Finder<'static>>);

impl Words {
    pub fn new(words: &[&'static str]) -> Words {
        Words(words.iter().map(|w| Finder::new(w.as_bytes())).collect())
    }

    /// True when any of the words occurs in `lower`.
    pub fn any_in(&self, lower: &str) -> bool {
        self.0.iter().any(|f| f.find(lower.as_bytes()).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_word_is_enough() {
        let words = Words::new(&["säger", "avslutar"]);
        assert!(words.any_in("härmed avslutar vi"));
        assert!(!words.any_in("vi säg"));
    }
}

//! Key words looked for as plain substrings of the lower-case text.
//!
//! Their main use is as a gate: several expressions have no literal at their
//! start ("Uppsala kommun" is found from "kommun" backwards), so the regex
//! engine must run its automaton over the whole text even when the word is
//! absent, which it is in most mails. A substring search is far cheaper, so such
//! an expression is only run when one of its words occurs. Before an expression
//! that starts with a literal, plain substring searches lost to the engine's
//! own prefilter (measured with cachegrind); with the byte-pair test below they
//! cost less, and the agency and insurer-brand lists are gated too.
//!
//! A mail's new text is short (150 bytes on average) and some thirty words are
//! asked about, nearly all absent. [`Pairs`] records which pairs of adjacent
//! bytes the text holds, in one pass; a word with a pair the text lacks cannot
//! occur, and only the words that pass that test are searched for.

use memchr::memmem::Finder;

/// Words to look for in lower-case text, each with a searcher built once.
///
/// The test runs over every word of a list while the text's own data is hot,
/// so the words' byte-pair slots lie in one array: with a separate allocation
/// per word, each word asked about cost a cache miss or two, and those misses
/// were a tenth of the extraction's time (cachegrind's D1 read misses).
pub struct Words {
    /// Every word's slots, one word after another.
    slots: Vec<u16>,
    /// Where each word's slots end in `slots`.
    ends: Vec<usize>,
    /// Only reached for the words whose pairs the text holds.
    finders: Vec<Finder<'static>>,
}

impl Words {
    pub fn new<W: AsRef<[u8]>>(words: &[W]) -> Words {
        let mut slots = Vec::new();
        let mut ends = Vec::with_capacity(words.len());
        for word in words {
            slots.extend(pair_slots(word.as_ref()));
            ends.push(slots.len());
        }
        let finders = words.iter().map(|w| Finder::new(w.as_ref()).into_owned()).collect();
        Words { slots, ends, finders }
    }

    /// False when none of the words can occur in a text with these byte pairs;
    /// true when one may (without searching for it).
    pub fn may_be_in(&self, pairs: &Pairs) -> bool {
        self.slots_per_word().any(|slots| pairs.may_hold(slots))
    }

    /// True when any of the words occurs in `lower`, whose byte pairs are `pairs`.
    pub fn any_in(&self, lower: &str, pairs: &Pairs) -> bool {
        self.slots_per_word()
            .zip(&self.finders)
            .any(|(slots, finder)| pairs.may_hold(slots) && finder.find(lower.as_bytes()).is_some())
    }

    /// Each word's byte-pair slots, in the order of the words.
    fn slots_per_word(&self) -> impl Iterator<Item = &[u16]> {
        self.ends.iter().scan(0, |start, &end| {
            let slots = &self.slots[*start..end];
            *start = end;
            Some(slots)
        })
    }
}

const SLOTS: usize = 4096;

/// The pairs of adjacent bytes in a text, hashed into a bit set: a pair that is
/// absent is surely absent, one that is present may be a collision.
pub struct Pairs([u64; SLOTS / 64]);

impl Pairs {
    pub fn of(text: &str) -> Pairs {
        let mut bits = [0u64; SLOTS / 64];
        for slot in pair_slots(text.as_bytes()) {
            bits[usize::from(slot) / 64] |= 1 << (slot % 64);
        }
        Pairs(bits)
    }

    fn may_hold(&self, slots: &[u16]) -> bool {
        slots.iter().all(|&slot| self.0[usize::from(slot) / 64] & (1 << (slot % 64)) != 0)
    }
}

fn pair_slots(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes.windows(2).map(|w| {
        let pair = u32::from(w[0]) << 8 | u32::from(w[1]);
        // Multiplicative hashing: the top 12 bits of the product.
        (pair.wrapping_mul(0x9E37_79B1) >> 20) as u16
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn any_in(words: &Words, text: &str) -> bool {
        words.any_in(text, &Pairs::of(text))
    }

    #[test]
    fn any_word_is_enough() {
        let words = Words::new(&["säger", "avslutar"]);
        assert!(any_in(&words, "härmed avslutar vi"));
        assert!(!any_in(&words, "vi säg"));
    }

    proptest! {
        /// The pair test never hides a word that occurs.
        #[test]
        fn pairs_agree_with_a_plain_search(text in "[a-zåäö \\n]{0,300}", word in "[a-zåäö ]{1,8}") {
            let words = Words::new(&[word.as_str()]);
            prop_assert_eq!(any_in(&words, &text), text.contains(&word));
            prop_assert!(!text.contains(&word) || words.may_be_in(&Pairs::of(&text)));
        }

        /// Lists of several words, short ones among them (no pair to test).
        #[test]
        fn any_word_of_a_list_is_found(text in "[abcå \n]{0,40}", list in prop::collection::vec("[abcå ]{1,4}", 1..6)) {
            let words = Words::new(&list);
            let occurs = list.iter().any(|w| text.contains(w.as_str()));
            prop_assert_eq!(any_in(&words, &text), occurs);
            prop_assert!(!occurs || words.may_be_in(&Pairs::of(&text)));
        }
    }
}

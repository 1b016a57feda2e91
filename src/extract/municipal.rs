//! Names of local public bodies in running text: "Uppsala kommun", "Malmö
//! stad", "Gävle-Dala samordningsförbund": one to three capitalised words
//! before the body's kind.
//!
//! Written by hand because it is the most frequent of the public-body forms
//! (four mails in ten say "kommun" or "stad") and, as an expression, it has no
//! literal to start from: the automaton walked every byte of those texts and
//! then walked back from each match to find its start. Here the kinds are
//! found as substrings and only the few words before each are looked at. The
//! tests hold the expression ([`REFERENCE`] in the tests) and check that the
//! two agree on generated text, including the quirks of leftmost-first
//! matching: a name may start inside a word ("xUppsala kommun"; the caller
//! rejects what does not start a word) and a capitalised kind may itself be
//! one of the words ("Malmö Stad Kommun").

use memchr::memmem::Finder;

use super::pattern::{ascii_boundary, is_word_char};

/// How many capitalised words may stand before the kind.
const MAX_WORDS: usize = 3;

/// The kinds, in the order the expression tries them. A kind's first letter
/// may be upper case where the flag says so; `s?` may follow every kind.
const KINDS: [(&str, bool); 5] = [
    ("kommun", true),
    ("stad", true),
    ("kommunalförbund", false),
    ("kommunförbund", false),
    ("samordningsförbund", false),
];

/// The matches of the expression
/// `(?:C[ \t]+){1,3}(?:[Kk]ommun|[Ss]tad|kommunalförbund|kommunförbund|samordningsförbund)s?\b`
/// where `C` is a capitalised word, `[A-ZÅÄÖ][\wéü]*(?:-[A-ZÅÄÖ][\wéü]*)?`,
/// and `\b` an ASCII word boundary: leftmost first, not overlapping, as
/// `Regex::find_iter` gives them. `lower` is `text` in lower case with the
/// same byte layout.
pub fn names(text: &str, lower: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let kinds = kind_positions(lower);
    // Matches found so far end before `from`; every start before `tried` has
    // been tried and fails (whether a start matches does not depend on where
    // the search resumed).
    let (mut from, mut tried) = (0, 0);
    for &kind_at in &kinds {
        if kind_at < from {
            continue;
        }
        let first = window_start(text, kind_at).max(from).max(tried);
        let found = text[first..kind_at]
            .char_indices()
            .filter(|(_, c)| is_capital(*c))
            .find_map(|(i, _)| match_at(text, first + i).map(|end| (first + i, end)));
        match found {
            Some((start, end)) => {
                out.push((start, end));
                from = end;
                tried = end;
            }
            None => tried = kind_at,
        }
    }
    out
}

/// Where a kind's word may begin (in lower case), in order: after a blank,
/// which the last capitalised word needs after it.
fn kind_positions(lower: &str) -> Vec<usize> {
    use std::sync::LazyLock;
    // Every kind begins with "kommun", "stad" or "samordningsförbund".
    static STEMS: LazyLock<[Finder<'static>; 3]> =
        LazyLock::new(|| [Finder::new("kommun"), Finder::new("stad"), Finder::new("samordningsförbund")]);
    let bytes = lower.as_bytes();
    let mut at: Vec<usize> = STEMS
        .iter()
        .flat_map(|stem| stem.find_iter(bytes))
        .filter(|&i| i > 0 && matches!(bytes[i - 1], b' ' | b'\t'))
        .collect();
    at.sort_unstable();
    at
}

/// The earliest offset a name ending before the kind at `kind_at` can start
/// at: back over blanks and up to three runs of other characters, not past a
/// line break (blanks between the words are spaces and tabs only).
fn window_start(text: &str, kind_at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = kind_at;
    for _ in 0..MAX_WORDS {
        while at > 0 && matches!(bytes[at - 1], b' ' | b'\t') {
            at -= 1;
        }
        while at > 0 && !matches!(bytes[at - 1], b' ' | b'\t' | b'\n') {
            at -= 1;
        }
        if at == 0 || bytes[at - 1] == b'\n' {
            break;
        }
    }
    at
}

/// The end of the match starting at `start`, as the expression prefers it:
/// as many capitalised words as possible (each followed by blanks) before a
/// kind, then the kinds in their order, then with an "s" before without.
fn match_at(text: &str, start: usize) -> Option<usize> {
    // After each capitalised word and its blanks.
    let mut after = [0; MAX_WORDS];
    let mut words = 0;
    let mut at = start;
    while words < MAX_WORDS {
        let Some(word_end) = capitalised_word(text, at) else { break };
        let blanks = text.as_bytes()[word_end..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        if blanks == 0 {
            break;
        }
        at = word_end + blanks;
        after[words] = at;
        words += 1;
    }
    after[..words].iter().rev().find_map(|&at| kind_at(text, at))
}

/// The end of a capitalised word at `at`: a capital, word characters, and
/// optionally a hyphen, a capital and word characters.
fn capitalised_word(text: &str, at: usize) -> Option<usize> {
    let word_end =
        |from: usize| from + text[from..].chars().take_while(|c| is_word_char(*c)).map(char::len_utf8).sum::<usize>();
    let first = text[at..].chars().next().filter(|c| is_capital(*c))?;
    let end = word_end(at + first.len_utf8());
    let mut rest = text[end..].chars();
    match (rest.next(), rest.next()) {
        (Some('-'), Some(c)) if is_capital(c) => Some(word_end(end + 1 + c.len_utf8())),
        _ => Some(end),
    }
}

/// The end of a kind (with an optional "s") at `at`, followed by an ASCII
/// word boundary.
fn kind_at(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let rest = &text[at..];
    KINDS.iter().find_map(|&(kind, capital)| {
        let (first, tail) = kind.split_at(1);
        let starts = rest.starts_with(kind)
            || capital
                && rest.as_bytes().first() == Some(&first.as_bytes()[0].to_ascii_uppercase())
                && rest[1..].starts_with(tail);
        if !starts {
            return None;
        }
        let end = at + kind.len();
        [end + 1, end]
            .into_iter()
            .filter(|&e| e == end || bytes.get(end) == Some(&b's'))
            .find(|&e| ascii_boundary(bytes, e))
    })
}

fn is_capital(c: char) -> bool {
    c.is_ascii_uppercase() || matches!(c, 'Å' | 'Ä' | 'Ö')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::extract::pattern;

    /// The expression [`names`] implements.
    const REFERENCE: &str = r"(?:[A-ZÅÄÖ][\wéü]*(?:-[A-ZÅÄÖ][\wéü]*)?[ \t]+){1,3}(?:[Kk]ommun|[Ss]tad|kommunalförbund|kommunförbund|samordningsförbund)s?\b";

    fn reference(text: &str) -> Vec<(usize, usize)> {
        static COMPILED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| pattern::compile(REFERENCE));
        COMPILED.find_iter(text).map(|m| (m.start(), m.end())).collect()
    }

    fn scan(text: &str) -> Vec<(usize, usize)> {
        names(text, &text.to_lowercase())
    }

    #[test]
    fn names_in_their_forms() {
        let text = "Hej, vi på Uppsala kommun och Malmö Stad, Gävle-Dala samordningsförbund och \
                    Stora Lilla Mellan Byns kommunalförbund. Uppsala kommuns avtal; xLund stad.";
        let found: Vec<&str> = scan(text).into_iter().map(|(s, e)| &text[s..e]).collect();
        assert_eq!(
            found,
            [
                "Uppsala kommun",
                "Malmö Stad",
                "Gävle-Dala samordningsförbund",
                "Lilla Mellan Byns kommunalförbund",
                "Uppsala kommuns",
                "Lund stad"
            ]
        );
        assert_eq!(scan(text), reference(text));
    }

    #[test]
    fn a_capitalised_kind_may_be_a_word_of_the_name() {
        for text in ["Malmö Stad Kommun", "Gävle Kommun Stad stad", "A B C D kommun", "Uppsala\nkommun", "kommun"] {
            assert_eq!(scan(text), reference(text), "{text:?}");
        }
    }

    const PIECES: &[&str] = &[
        "Uppsala",
        "Malmö",
        "Örebro",
        "Ås",
        "Gävle-Dala",
        "Ab-cd",
        "Ab-",
        "xY",
        "kommun",
        "Kommun",
        "kommuns",
        "KOMMUN",
        "kommunen",
        "kommunå",
        "kommunalförbund",
        "kommunförbund",
        "samordningsförbund",
        "Samordningsförbund",
        "stad",
        "Stad",
        "stads",
        "Stadx",
        "é",
        "ü",
        "\u{308}",
        "1",
        "_",
        "-",
        ",",
        "s",
        " ",
        " ",
        " ",
        "\t",
        "  ",
        "\n",
        "\u{a0}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn agrees_with_the_expression(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..16)) {
            let text = pieces.concat();
            prop_assert_eq!(scan(&text), reference(&text), "{:?}", text);
        }
    }
}

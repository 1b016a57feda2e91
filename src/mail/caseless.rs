//! Comparisons with lower-case words that ignore the case of the text, without
//! allocating its lower-case form. Each character is lowered on its own, which
//! differs from `str::to_lowercase` only for a Greek capital sigma at a word's
//! end; no word compared against here holds a sigma.

/// `text` equals the lower-case `lower`, ignoring case.
pub fn eq_lower(text: &str, lower: &str) -> bool {
    text.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

/// `text` starts with the lower-case `prefix`, ignoring case.
pub fn starts_with_lower(text: &str, prefix: &str) -> bool {
    let mut t = text.chars().flat_map(char::to_lowercase);
    prefix.chars().all(|p| t.next() == Some(p))
}

/// `word` in lower case, written into `buf`, or `None` when it does not fit:
/// for comparing one word with many without allocating.
pub fn lowered<'b>(word: &str, buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let mut len = 0;
    for c in word.chars().flat_map(char::to_lowercase) {
        let end = len + c.len_utf8();
        c.encode_utf8(buf.get_mut(len..end)?);
        len = end;
    }
    Some(&buf[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// As the comparisons with `str::to_lowercase` would say.
        #[test]
        fn agree_with_lowering_the_text(text in "[a-zA-ZåäöÅÄÖİẞ ]{0,12}", word in "[a-zåäöi\u{307} ]{0,6}") {
            let lower = text.to_lowercase();
            proptest::prop_assert_eq!(eq_lower(&text, &word), lower == word);
            proptest::prop_assert_eq!(starts_with_lower(&text, &word), lower.starts_with(&word));
            let mut buf = [0; 64];
            proptest::prop_assert_eq!(lowered(&text, &mut buf), Some(lower.as_bytes()));
        }
    }

    #[test]
    fn swedish_words_in_any_case() {
        assert!(eq_lower("HÄRMED", "härmed"));
        assert_eq!(lowered("Socialnämnden", &mut [0; 64]), Some("socialnämnden".as_bytes()));
        assert_eq!(lowered(&"Å".repeat(33), &mut [0; 64]), None);
        assert!(starts_with_lower("Ämne: x", "ämne"));
    }
}

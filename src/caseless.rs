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

/// `text` ends with the lower-case `suffix`, ignoring case.
pub fn ends_with_lower(text: &str, suffix: &str) -> bool {
    let mut t = text.chars().rev().flat_map(|c| c.to_lowercase().rev());
    suffix.chars().rev().all(|s| t.next() == Some(s))
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
            proptest::prop_assert_eq!(ends_with_lower(&text, &word), lower.ends_with(&word));
        }
    }

    #[test]
    fn swedish_words_in_any_case() {
        assert!(eq_lower("HÄRMED", "härmed"));
        assert!(ends_with_lower("Socialnämnden", "nämnden"));
        assert!(!ends_with_lower("den", "nämnden"));
        assert!(starts_with_lower("Ämne: x", "ämne"));
    }
}

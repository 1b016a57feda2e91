//! Insurance companies by name: they terminate per their written agreement,
//! not through this mailbox, so a mail from one goes to an officer.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::Regex;

use super::gazetteer::INSURER_BRANDS;
use super::pattern;

/// Insurance companies by name: "<Name> Livförsäkring AB" and the known brands.
pub(super) const INSURER_GENERIC: &str = r"(?:[A-ZÅÄÖ][\w&\-]*[ \t]+){1,3}(?:[Ll]ivförsäkring\w*|[Ff]örsäkring(?:ar|saktiebolag|sbolag)?|[Ss]kadeförsäkring\w*|[Pp]ension)(?:[ \t]+AB|[ \t]+ömsesidigt?)?\b";
pub(super) const INSURER_BRAND: &str = r"\b(?:Folksam|Skandia|Alecta|Movestic|Länsförsäkringar|Trygg-Hansa|SPP|AMF|Bliwa|KPA|Euro[ \t]+Accident|Afa[ \t]+Försäkring)(?:[ \t]+(?:ömsesidig|ömsesidigt|sakförsäkring|livförsäkring|försäkring|liv|pension|AB))*\b";

static INSURER_RE: LazyLock<[Regex; 2]> =
    LazyLock::new(|| [pattern::compile(INSURER_GENERIC), pattern::compile(INSURER_BRAND)]);

/// True when `name` is an insurance company's name.
pub fn is_insurer_name(name: &str) -> bool {
    // Every generic form ends in "…försäkring…" or "…pension" and every brand
    // form starts with a brand: without one of them the expressions cannot
    // match, and most names (every authority's) have none. The searchers are
    // built once: `str::contains` builds one per call.
    static KEYS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
        ["örsäkring", "ension"].iter().chain(INSURER_BRANDS).map(|key| Finder::new(key.as_bytes())).collect()
    });
    KEYS.iter().any(|key| key.find(name.as_bytes()).is_some()) && INSURER_RE.iter().any(|re| re.is_match(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The key-word test never hides a name the expressions recognise.
        #[test]
        fn insurer_key_words_are_in_every_insurer_name(
            words in proptest::collection::vec(proptest::sample::select(&[
                "Folksam", "Skandia", "Trygg-Hansa", "Euro", "Accident", "Afa", "Försäkring", "försäkring",
                "Livförsäkring", "livförsäkringar", "Skadeförsäkring", "Pension", "pension", "AB", "ömsesidig",
                "Exempel", "Uppsala", "kommun", "liv", "sak", "Försäkringar", "Försäkringsaktiebolag",
            ][..]), 1..5),
            blanks in proptest::collection::vec(proptest::sample::select(&[" ", "\t", "  ", "-", ""][..]), 5),
        ) {
            let name: String = words.iter().zip(&blanks).flat_map(|(w, b)| [*w, *b]).collect();
            proptest::prop_assert_eq!(is_insurer_name(&name), INSURER_RE.iter().any(|re| re.is_match(&name)), "{:?}", name);
        }
    }

    #[test]
    fn insurers_are_recognised() {
        assert!(is_insurer_name("Folksam ömsesidig sakförsäkring"));
        assert!(is_insurer_name("Exempel Livförsäkring AB"));
        assert!(!is_insurer_name("Uppsala kommun"));
    }
}

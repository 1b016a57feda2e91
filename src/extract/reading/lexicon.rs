//! Word lists matched against the words of a sentence, whatever letters they
//! start or end with (a regular expression's ASCII word boundary cannot stand
//! beside å, ä or ö). An entry is a word or a phrase of words; a word ending
//! in `*` matches every word that starts with it.

/// The words of lower-case `text`: runs of letters and digits.
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect()
}

pub struct Lexicon {
    /// Entries whose first word is whole, by that word: a sentence's word
    /// is looked up once instead of compared with every entry.
    by_first: std::collections::HashMap<String, Vec<Entry>>,
    /// Entries whose first word is a prefix ("tack*").
    by_prefix: Vec<Entry>,
}

type Entry = Vec<(String, bool)>;

impl Lexicon {
    pub fn new(entries: &[&str]) -> Lexicon {
        let mut lexicon = Lexicon { by_first: std::collections::HashMap::new(), by_prefix: Vec::new() };
        for e in entries {
            let entry: Entry = e
                .split_whitespace()
                .map(|w| match w.strip_suffix('*') {
                    Some(prefix) => (prefix.to_string(), true),
                    None => (w.to_string(), false),
                })
                .collect();
            match entry.first() {
                Some((first, false)) => lexicon.by_first.entry(first.clone()).or_default().push(entry),
                Some((_, true)) => lexicon.by_prefix.push(entry),
                None => {}
            }
        }
        lexicon
    }

    /// The first entry found in `words`: where it starts and how many words it covers.
    pub fn find(&self, words: &[&str]) -> Option<(usize, usize)> {
        let fits = |entry: &Entry, at: usize| {
            entry.len() <= words.len() - at
                && entry.iter().zip(&words[at..]).all(
                    |((w, prefix), word)| {
                        if *prefix { word.starts_with(w.as_str()) } else { word == w }
                    },
                )
        };
        (0..words.len()).find_map(|at| {
            let whole = self.by_first.get(words[at]).into_iter().flatten();
            whole.chain(&self.by_prefix).find(|entry| fits(entry, at)).map(|entry| (at, entry.len()))
        })
    }

    pub fn any(&self, words: &[&str]) -> bool {
        self.find(words).is_some()
    }

    /// Whether `words` begin with an entry.
    pub fn starts(&self, words: &[&str]) -> bool {
        self.find(words).is_some_and(|(at, _)| at == 0)
    }

    /// `words` with every entry found taken out.
    pub fn without<'a>(&self, words: &[&'a str]) -> Vec<&'a str> {
        let mut rest = words.to_vec();
        while let Some((at, len)) = self.find(&rest) {
            rest.drain(at..at + len);
        }
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_prefixes() {
        let l = Lexicon::new(&["fram till", "behörighet*", "år"]);
        assert_eq!(l.find(&words("vi behöver dock fram till juni")), Some((3, 2)));
        assert!(l.any(&words("behörigheten till lefi")));
        assert!(l.any(&words("under ett år")));
        assert!(!l.any(&words("åren som gått")), "a whole word unless marked as a prefix");
        assert_eq!(l.without(&words("fram till år 2027")), ["2027"]);
        assert!(l.starts(&words("år 2027")) && !l.starts(&words("ett år")));
    }
}

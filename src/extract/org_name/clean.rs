//! Cutting a name out of the text around it: leading greetings and
//! department names, trailing punctuation and what follows a name, the
//! genitive; and the key two spellings of one name share.

use crate::extract::gazetteer::{DEPARTMENT_SUFFIXES, NOT_NAME_WORDS};
use crate::mail::caseless;

const MAX_NAME_CHARS: usize = 120;

/// The run of words without the greetings, pronouns and department names
/// before the name ("Härmed", "Vi", "Socialnämnden"), joined by single spaces.
pub(super) fn strip_leading_non_names(run: &str) -> String {
    let mut rest = run.split_whitespace();
    let mut first = rest.next();
    // The last word is kept whatever it is.
    while let Some(word) = first
        && rest.clone().next().is_some()
        && is_non_name(word.trim_matches(|c: char| !c.is_alphanumeric()))
    {
        first = rest.next();
    }
    // A lone stop word ("Vi") is no name.
    if let Some(word) = first
        && rest.clone().next().is_none()
        && with_lowered(word, |lower| NOT_NAME_WORDS.iter().any(|n| n.as_bytes() == lower))
    {
        return String::new();
    }
    join_words(first.into_iter().chain(rest), run.len())
}

fn is_non_name(word: &str) -> bool {
    with_lowered(word, |lower| {
        NOT_NAME_WORDS.iter().any(|n| n.as_bytes() == lower)
            // "Socialnämnden" is a department; "Länsstyrelsen" is the authority.
            || DEPARTMENT_SUFFIXES.iter().any(|s| lower.ends_with(s.as_bytes())) && !AUTHORITY_HEADS.contains(&lower)
    })
}

/// Words that end like a department but name an authority of their own.
const AUTHORITY_HEADS: &[&[u8]] = &["länsstyrelsen".as_bytes()];

/// `test` asked of `word` in lower case, lowered on the stack when it fits.
fn with_lowered(word: &str, test: impl Fn(&[u8]) -> bool) -> bool {
    match caseless::lowered(word, &mut [0; 64]) {
        Some(lower) => test(lower),
        None => test(word.to_lowercase().as_bytes()),
    }
}

/// Words joined by single spaces.
pub(super) fn join_words<'a>(words: impl Iterator<Item = &'a str>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Trims quotes, brackets and punctuation, and cuts at what follows a name
/// ("Uppsala kommun, org.nr …", "Region Skåne (Regionstyrelsen)").
pub(super) fn clean(raw: &str) -> String {
    let s = cut_at_stop(without_leading_unit(raw.trim()));
    let quotes = |c: char| {
        matches!(c, '"' | '\'' | '«' | '»' | '“' | '”' | '‘' | '’' | '„' | '*' | '<' | '>' | '[' | ']' | ')' | '(')
            || c.is_whitespace()
    };
    let s = s.trim_matches(quotes).trim_end_matches(['.', ',', ';', ':', '!', '?']).trim_matches(quotes);
    let mut name = join_words(s.split_whitespace(), s.len());
    if name.chars().count() > MAX_NAME_CHARS {
        name = name.chars().take(MAX_NAME_CHARS).collect();
    }
    // Genitive: "Uppsala kommuns avtal" names "Uppsala kommun".
    if ["kommuns", "Kommuns", "stads", "Stads"].iter().any(|genitive| name.ends_with(genitive)) {
        name.pop();
    }
    // No region's name ends in -s except before "län": "Region Skånes avtal".
    if name.starts_with("Region ") && name.ends_with('s') && name.len() > 9 {
        name.pop();
    }
    if !name.chars().any(char::is_alphabetic) {
        return String::new();
    }
    name
}

/// A unit of the organisation written before its name ("Socialförvaltningen,
/// Uppsala kommun", "Socialnämnden i Ale kommun"): the organisation is what follows.
fn without_leading_unit(s: &str) -> &str {
    let (head, rest) = match s.split_once(',') {
        Some((head, rest)) => (head, rest.trim_start()),
        None => match s.find(" i ").or_else(|| s.find(" vid ")).or_else(|| s.find(" inom ")) {
            Some(at) => (&s[..at], s[at..].trim_start().split_once(' ').map_or("", |(_, r)| r)),
            None => return s,
        },
    };
    let unit = head.split_whitespace().count() <= 3
        && head
            .split_whitespace()
            .last()
            .is_some_and(|w| with_lowered(w, |l| DEPARTMENT_SUFFIXES.iter().any(|d| l.ends_with(d.as_bytes()))))
        && !with_lowered(head.trim(), |l| AUTHORITY_HEADS.contains(&l));
    if unit && rest.starts_with(char::is_uppercase) { rest } else { s }
}

/// Cuts a name where the text after it begins: a comma, a bracket, a dash
/// between spaces, "org.nr", "är".
fn cut_at_stop(s: &str) -> &str {
    for (i, c) in s.char_indices() {
        match c {
            ',' | ';' | '(' | '\t' => return &s[..i],
            ' ' => {
                let rest = &s[i + 1..];
                let stop = rest.starts_with(' ')
                    || ["- ", "– ", "— ", "är ", "is "].iter().any(|p| rest.starts_with(p))
                    || rest.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("org"));
                if stop {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    s
}

pub(super) fn comparable(name: &str) -> String {
    let lower = county_board(&name.to_lowercase());
    // Names from `clean` have single spaces between their words already.
    let collapsed = !lower.starts_with(' ')
        && !lower.ends_with(' ')
        && !lower.contains("  ")
        && !lower.contains(|c: char| c.is_whitespace() && c != ' ');
    if collapsed { lower } else { join_words(lower.split_whitespace(), lower.len()) }
}

/// "Länsstyrelsen i Dalarnas län" and "Länsstyrelsen Dalarna" are one
/// authority: both become "länsstyrelsen dalarna".
fn county_board(lower: &str) -> String {
    let Some(rest) = lower.strip_prefix("länsstyrelsen i ") else { return lower.to_string() };
    let county = rest.trim().strip_suffix(" län").unwrap_or(rest.trim());
    let county = county.strip_suffix('s').filter(|c| !c.ends_with('s')).unwrap_or(county);
    format!("länsstyrelsen {county}")
}

/// "region skånes" is "region skåne" (both already comparable keys).
pub(super) fn same_but_genitive(a: &str, b: &str) -> bool {
    a.strip_suffix('s') == Some(b) || b.strip_suffix('s') == Some(a)
}

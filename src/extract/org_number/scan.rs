//! Where numbers of the organisation-number shape stand in a text: ten
//! digits (with a separator, optionally behind a two-digit prefix), VAT
//! numbers and Peppol ids that carry one, and which runs are parts of longer
//! numbers. And the mask that keeps personal identity numbers out of evidence.

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::{OrgNumber, OrgNumberError};
use crate::extract::pattern;

/// Ten digits with an optional separator, optionally behind a two-digit prefix
/// (16 for legal entities, 19/20 for the long form of a personnummer): where
/// they are in `text`, in order, not overlapping. ASCII digits only: other
/// scripts' digits are no number's. Written by hand because every mail is
/// searched (see `termination.rs`); the tests hold the equivalent expression
/// `(?:[0-9]{2}[ \-]?)?[0-9]{6}[ \-\u{2010}-\u{2015}\u{2212}]?[0-9]{4}`.
pub(super) fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(u8::is_ascii_digit) {
        at += offset;
        // A run of fewer than six digits holds no number's start unless its
        // last two digits are a prefix with its separator after them: most
        // dates, postcodes and phone numbers are passed over in one step.
        let run = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run < 6 && !(run >= 2 && matches!(bytes.get(at + run), Some(b' ' | b'-'))) {
            at += run;
            continue;
        }
        // The prefix is taken when it can be, with its separator when there is one.
        let end = [(2, true), (2, false), (0, false)].into_iter().find_map(|(prefix, separated)| {
            if !digits(bytes, at, prefix) {
                return None;
            }
            let mut body = at + prefix;
            if separated {
                if !matches!(bytes.get(body), Some(b' ' | b'-')) {
                    return None;
                }
                body += 1;
            }
            number_body(text, body)
        });
        match end {
            Some(end) => {
                out.push((at, end));
                at = end;
            }
            None => at += 1,
        }
    }
    out
}

/// Six digits, an optional separator and four digits at `at`: the end.
fn number_body(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !digits(bytes, at, 6) {
        return None;
    }
    let after = at + 6;
    let separator = text
        .get(after..)
        .and_then(|rest| rest.chars().next())
        .filter(|c| matches!(c, ' ' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}'));
    if let Some(sep) = separator
        && digits(bytes, after + sep.len_utf8(), 4)
    {
        return Some(after + sep.len_utf8() + 4);
    }
    digits(bytes, after, 4).then_some(after + 4)
}

/// `n` ASCII digits at `at`.
fn digits(bytes: &[u8], at: usize, n: usize) -> bool {
    bytes.get(at..at + n).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// A VAT number or Peppol id can only be where "SE" stands before a digit
/// (with at most one blank between) or "0007:" occurs; most mails have neither.
pub(super) fn may_hold_vat(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.contains("0007:")
        || memchr::memchr2_iter(b's', b'S', bytes).any(|i| {
            matches!(bytes.get(i + 1), Some(b'e' | b'E')) && {
                let rest = &text[i + 2..];
                let rest = rest.strip_prefix(|c: char| c.is_whitespace()).unwrap_or(rest);
                rest.starts_with(|c: char| c.is_ascii_digit())
            }
        })
}

/// VAT numbers (SE + ten digits + 01) and Peppol ids (0007:ten digits) carry the
/// organisation number; they are the same organisation, not a second one.
pub(super) static VAT_OR_PEPPOL: LazyLock<Regex> =
    LazyLock::new(|| pattern::compile(r"(?i)\bSE\s?([0-9]{6}[ \-]?[0-9]{4})\s?01\b|\b0007:([0-9]{10})\b"));

/// Not part of a longer run of digits (account numbers, phone numbers with a
/// country code, IBANs, reference numbers).
pub(super) fn standalone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let before2 = text[..start].chars().rev().nth(1);
    let after = text[end..].chars().next();
    let after2 = text[end..].chars().nth(1);
    let digitish = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c.is_alphabetic());
    if digitish(before) || digitish(after) {
        return false;
    }
    // "+46 ..." or "123-212000-0142" or "212000-0142-5".
    if matches!(before, Some('+' | '-' | '/' | '.' | ':')) && before2.is_some_and(|c| c.is_ascii_digit() || c == '+')
        || matches!(before, Some('+'))
    {
        return false;
    }
    if matches!(after, Some('-' | '/' | '.' | ':')) && after2.is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    true
}

/// Replaces personal identity numbers (personnummer, samordningsnummer) in
/// `text` with their date part and a mask, `YYMMDD-****`, so that evidence
/// shown to officers, stored extractions and logs never carry one. Any number
/// of the shape whose "month" says a person counts, whatever its check digit.
pub fn mask_personal_numbers(text: String) -> String {
    let masked =
        replace_personal_numbers(text, |digits| format!("{}-****", &digits[digits.len() - 10..digits.len() - 4]));
    mask_centenarians(masked)
}

/// Replaces every personal identity number of the ten- or twelve-digit
/// shape in `text` with what `with` makes of its digits.
pub fn replace_personal_numbers(text: String, mut with: impl FnMut(&str) -> String) -> String {
    if text.bytes().filter(u8::is_ascii_digit).count() < 10 {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in numbers(&text) {
        if OrgNumber::parse(&text[start..end]) == Err(OrgNumberError::Personal) {
            let digits: String = text[start..end].chars().filter(char::is_ascii_digit).collect();
            out.push_str(&text[last..start]);
            out.push_str(&with(&digits));
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// "121212+1212": the form of a person over a hundred, which no organisation
/// number takes (and the number scan does not read).
fn mask_centenarians(text: String) -> String {
    if !text.contains('+') {
        return text;
    }
    static OVER_A_HUNDRED: LazyLock<Regex> =
        LazyLock::new(|| pattern::compile(r"(^|[^0-9])([0-9]{2}[01][0-9][0-9]{2})\+[0-9]{4}($|[^0-9])"));
    OVER_A_HUNDRED.replace_all(&text, "$1$2-****$3").into_owned()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The expression [`numbers`] implements.
    fn reference(text: &str) -> Vec<(usize, usize)> {
        pattern::compile(r"(?:[0-9]{2}[ \-]?)?[0-9]{6}[ \-\u{2010}-\u{2015}\u{2212}]?[0-9]{4}")
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect()
    }

    proptest! {
        #[test]
        fn the_number_scan_agrees_with_the_expression(text in "[0-9 \\-\u{2010}\u{2013}\u{2212}a:.]{0,40}") {
            prop_assert_eq!(numbers(&text), reference(&text));
        }

        #[test]
        fn vat_numbers_are_never_missed(text in "[sSeE0-9 \u{a0}:7a]{0,30}") {
            if VAT_OR_PEPPOL.is_match(&text) {
                prop_assert!(may_hold_vat(&text), "{:?}", text);
            }
        }
    }
}

//! The characters writers and mail clients put where a reader sees a space, a
//! hyphen or a digit, made plain before anything is read: word processors
//! write NO-BREAK SPACE between the groups of a number and NON-BREAKING
//! HYPHEN in dates, Outlook puts soft hyphens inside words, web forms paste
//! zero-width spaces and full-width digits. And `format=flowed` text (RFC
//! 3676), whose lines a client broke where the writer did not.

/// `text` in Unicode's composed form (NFC).
fn composed(text: String) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

/// Removed: they are invisible and never part of a word's spelling.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // SOFT HYPHEN
            | '\u{200B}' // ZERO WIDTH SPACE
            | '\u{200C}' // ZERO WIDTH NON-JOINER
            | '\u{200D}' // ZERO WIDTH JOINER
            | '\u{2060}' // WORD JOINER
            | '\u{FEFF}' // ZERO WIDTH NO-BREAK SPACE (a stray byte-order mark)
    )
}

/// Read as a plain space.
fn is_space_like(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' // NO-BREAK SPACE
            | '\u{2000}'
            ..='\u{200A}' // EN QUAD .. HAIR SPACE (FIGURE SPACE U+2007, THIN SPACE U+2009)
            | '\u{202F}' // NARROW NO-BREAK SPACE
            | '\u{205F}' // MEDIUM MATHEMATICAL SPACE
            | '\u{3000}' // IDEOGRAPHIC SPACE
    )
}

/// Read as `-` where it stands between digits ("212000–0530", "2027‑01‑01");
/// elsewhere a dash is punctuation and is kept.
fn is_dash_like(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}' // HYPHEN, NON-BREAKING HYPHEN, FIGURE DASH, EN DASH, EM DASH, HORIZONTAL BAR
            | '\u{2212}' // MINUS SIGN
            | '\u{FE58}' // SMALL EM DASH
            | '\u{FE63}' // SMALL HYPHEN-MINUS
            | '\u{FF0D}' // FULLWIDTH HYPHEN-MINUS
    )
}

/// FULLWIDTH DIGIT ZERO .. NINE as ASCII digits.
fn ascii_digit(c: char) -> Option<char> {
    match c {
        '\u{FF10}'..='\u{FF19}' => char::from_u32(u32::from(c) - 0xFF10 + u32::from(b'0')),
        _ => None,
    }
}

/// Plain characters for the look-alikes above, and a dash between two digits
/// written with spaces around it ("212000 – 3005") closed up. Text without
/// either is returned as it is.
pub fn characters(text: String) -> String {
    if text.is_ascii() && !text.contains(" - ") {
        return text;
    }
    // Composed first: text pasted from a PDF or written in Apple Mail spells
    // "ä" as "a" and a combining diaeresis (NFD), which no word list matches.
    let text = composed(text);
    let chars: Vec<char> = text.chars().collect();
    let is_digit = |c: char| c.is_ascii_digit() || ascii_digit(c).is_some();
    let digit_at = |i: usize| chars.get(i).is_some_and(|c| is_digit(*c));
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if is_invisible(c) {
            continue;
        }
        if is_dash_like(c) || c == '-' {
            // A digit before (perhaps with one space), a digit after (perhaps
            // after one space): the dash joins two groups of one number or date.
            let spaced_before = out.ends_with(' ') && out[..out.len() - 1].ends_with(|p: char| p.is_ascii_digit());
            let digit_before = out.ends_with(|p: char| p.is_ascii_digit()) || spaced_before;
            let next = next_visible(&chars, i);
            let (digit_after, skip) = if digit_at(next) {
                (true, next)
            } else if chars.get(next).is_some_and(|c| *c == ' ' || is_space_like(*c))
                && digit_at(next_visible(&chars, next + 1))
            {
                (true, next_visible(&chars, next + 1))
            } else {
                (false, i)
            };
            if digit_before && digit_after && (c != '-' || spaced_before || skip > i) {
                if spaced_before {
                    out.pop();
                }
                out.push('-');
                i = skip;
                continue;
            }
        }
        if let Some(d) = ascii_digit(c) {
            out.push(d);
        } else if is_space_like(c) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// The index of the first character at or after `i` that is not invisible.
fn next_visible(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| is_invisible(*c)) {
        i += 1;
    }
    i
}

/// RFC 3676 §4.2: a line that ends in a space is continued by the next one
/// (the client broke it, not the writer), within the same quote depth; the
/// signature separator `-- ` is never continued. With `delsp=yes` the space
/// before the break was added by the client and goes; a leading space that
/// only protects the line (space-stuffing, §4.4) goes too.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // The quote depth of the paragraph being continued, if one is.
    let mut continuing: Option<usize> = None;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\r', '\n']);
        let depth = line.bytes().take_while(|b| *b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        match continuing {
            Some(d) if d == depth => {}
            other => {
                if other.is_some() {
                    out.push('\n');
                }
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
        }
        if content.ends_with(' ') && content != "-- " {
            out.push_str(if delsp { &content[..content.len() - 1] } else { content });
            continuing = Some(depth);
        } else {
            out.push_str(content);
            out.push('\n');
            continuing = None;
        }
    }
    if continuing.is_some() || (!text.is_empty() && !text.ends_with('\n')) {
        // The last line had no line end of its own.
        if out.ends_with('\n') {
            out.pop();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn look_alikes_become_plain() {
        assert_eq!(characters("212000\u{a0}0530".into()), "212000 0530");
        assert_eq!(characters("2027\u{2011}01\u{2011}01".into()), "2027-01-01");
        assert_eq!(characters("２１２０００－３００５".into()), "212000-3005");
        assert_eq!(characters("Lule\u{ad}å kom\u{200b}mun".into()), "Luleå kommun");
        assert_eq!(characters("212000\u{2013}\u{ad}0530".into()), "212000-0530");
        assert_eq!(characters("\u{feff}2027-01-01".into()), "2027-01-01");
    }

    #[test]
    fn decomposed_letters_are_composed() {
        assert_eq!(characters("A\u{308}rendet avser uppsa\u{308}gning".into()), "Ärendet avser uppsägning");
        assert_eq!(characters("fra\u{30a}n och med".into()), "från och med");
    }

    #[test]
    fn a_spaced_dash_between_digits_is_closed_up() {
        assert_eq!(characters("212000 \u{2013} 3005".into()), "212000-3005");
        assert_eq!(characters("212000 - 3005".into()), "212000-3005");
        assert_eq!(characters("212000-3005".into()), "212000-3005");
    }

    #[test]
    fn prose_dashes_stay() {
        assert_eq!(characters("Uppsala \u{2013} en stad".into()), "Uppsala \u{2013} en stad");
        assert_eq!(characters("2027 \u{2013} året".into()), "2027 \u{2013} året");
    }

    #[test]
    fn flowed_lines_are_joined_where_the_client_broke_them() {
        let text = "Organisationsnummer: \r\n212000-3005\r\nLink\u{f6}pings \r\nkommun\r\n-- \r\nEva\r\n";
        assert_eq!(unflow(text, false), "Organisationsnummer: 212000-3005\nLinköpings kommun\n-- \nEva\n");
        assert_eq!(unflow("fr\u{e5}n och med 2027- \n01-01\n", true), "från och med 2027-01-01\n");
        assert_eq!(unflow("> citat \n> forts\nny\n", false), "> citat forts\nny\n");
        assert_eq!(unflow(" From here\n", false), "From here\n");
    }

    const SEPARATORS: &[char] = &[
        '\u{00A0}', '\u{202F}', '\u{2007}', '\u{2009}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2212}',
        '\u{FE63}', '\u{FF0D}', ' ', '-',
    ];

    proptest! {
        /// Any separator a writer's tools produce between the groups of a valid
        /// number gives the same number.
        #[test]
        fn any_separator_between_the_groups_gives_the_same_number(
            sep in proptest::sample::select(SEPARATORS),
            invisible in proptest::sample::select(&['\u{00AD}', '\u{200B}', '\u{FEFF}', '\u{2060}'][..]),
            invisible_at in 0usize..11,
        ) {
            let mut written: Vec<char> = format!("212000{sep}3005").chars().collect();
            written.insert(invisible_at.min(written.len()), invisible);
            let written: String = written.into_iter().collect();
            let plain = characters(written.clone());
            let parsed = crate::domain::OrgNumber::parse(&plain);
            prop_assert_eq!(parsed.map(|n| n.to_string()), Ok("212000-3005".to_string()), "{:?} -> {:?}", written, plain);
        }
    }
}

//! The text an extractor reads, with a lower-case twin of identical byte layout
//! so that a match found in one can be cut from the other.

use super::keywords;
use super::{Evidence, TextOrigin};

pub struct Text {
    pub original: String,
    /// Same byte offsets as `original`; only characters whose lower case has the
    /// same UTF-8 length are lowered (all Swedish and English letters do).
    pub lower: String,
    /// The byte pairs of `lower`, for [`Text::mentions`].
    pairs: keywords::Pairs,
    /// Bytes before this offset are the subject line.
    subject_end: usize,
    source: TextOrigin,
}

impl Text {
    pub fn new(subject: &str, body: &str, source: TextOrigin) -> Self {
        let mut original = String::with_capacity(subject.len() + body.len() + 2);
        original.push_str(subject);
        let subject_end = original.len();
        original.push_str("\n\n");
        original.push_str(body);
        let lower = lower_same_layout(&original);
        let pairs = keywords::Pairs::of(&lower);
        Text { original, lower, pairs, subject_end, source }
    }

    /// True when any of `words` occurs in the text (lower case).
    pub fn mentions(&self, words: &keywords::Words) -> bool {
        words.any_in(&self.lower, &self.pairs)
    }

    /// False when none of `words` occurs in the text (lower case); true when
    /// one may. Cheaper than [`Text::mentions`] where a search follows anyway.
    pub fn may_mention(&self, words: &keywords::Words) -> bool {
        words.may_be_in(&self.pairs)
    }

    /// Where the subject line ends.
    pub fn subject_end(&self) -> usize {
        self.subject_end
    }

    /// Where the body starts (after the subject and its blank line).
    pub fn body_start(&self) -> usize {
        (self.subject_end + 2).min(self.original.len())
    }

    pub fn source_at(&self, offset: usize) -> TextOrigin {
        if offset < self.subject_end { TextOrigin::Subject } else { self.source }
    }

    /// The line around `start..end`, as evidence.
    pub fn evidence(&self, start: usize, end: usize) -> Evidence {
        let (ls, le) = self.line_bounds(start, end);
        let at = (start - ls, end.min(le) - ls);
        Evidence::new(&self.original[ls..le], self.source_at(start), at)
    }

    pub fn line_bounds(&self, start: usize, end: usize) -> (usize, usize) {
        (line_start(&self.original, start), line_end(&self.original, end))
    }

    /// The sentence around `start..end`: bounded by blank lines, the subject's
    /// end, `?`/`!`, and `.` followed by whitespace and a capital letter or a
    /// line break. Dots inside "fr.o.m." or "1 jan. 2027" do not end a sentence.
    pub fn sentence_bounds(&self, start: usize, end: usize) -> (usize, usize) {
        let bytes = self.original.as_bytes();
        // Only these bytes can end a sentence or break a paragraph; the full
        // checks run on them alone.
        let may_end = |b: u8| matches!(b, b'?' | b'!' | b'.' | b'\n');
        let mut s = start;
        while s > 0 {
            if s == self.subject_end + 2
                || (may_end(bytes[s - 1]) || bytes.get(s) == Some(&b'\n'))
                    && (is_sentence_end(&self.original, s - 1) || is_paragraph_break(bytes, s))
            {
                break;
            }
            s -= 1;
        }
        let mut e = end;
        while e < bytes.len() {
            if e == self.subject_end
                || may_end(bytes[e]) && (is_sentence_end(&self.original, e) || is_paragraph_break(bytes, e))
            {
                if e < bytes.len() && matches!(bytes[e], b'.' | b'?' | b'!') {
                    e += 1;
                }
                break;
            }
            e += 1;
        }
        while s < e && (!self.original.is_char_boundary(s) || bytes[s].is_ascii_whitespace()) {
            s += 1;
        }
        while e > s && !self.original.is_char_boundary(e) {
            e -= 1;
        }
        (s, e)
    }
}

/// The start of the line that holds byte `at` (or that `at` ends).
pub fn line_start(text: &str, at: usize) -> usize {
    // memchr's search, not `str::rfind`: the standard library's byte loop for
    // short texts mispredicts a branch every few bytes.
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1)
}

/// The end of the line that holds byte `at`: the offset of its line feed, or
/// the end of the text.
pub fn line_end(text: &str, at: usize) -> usize {
    memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i)
}

fn is_paragraph_break(bytes: &[u8], i: usize) -> bool {
    bytes.get(i) == Some(&b'\n') && bytes.get(i + 1) == Some(&b'\n')
        || i > 0 && bytes.get(i - 1) == Some(&b'\n') && bytes.get(i) == Some(&b'\n')
}

/// True when the byte at `i` ends a sentence.
pub fn is_sentence_end(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    match bytes[i] {
        b'?' | b'!' => true,
        // A new line that starts with a capital starts a new statement: label
        // lines and signature lines carry no full stop.
        b'\n' => text[i + 1..].chars().next().is_some_and(char::is_uppercase),
        b'.' => {
            let rest = &text[i + 1..];
            let mut chars = rest.chars();
            match chars.next() {
                None | Some('\n') => true,
                Some(c) if c.is_whitespace() => chars.next().is_some_and(|n| n.is_uppercase() || n == '\n'),
                _ => false,
            }
        }
        _ => false,
    }
}

fn lower_same_layout(text: &str) -> String {
    let mut out = text.to_ascii_lowercase();
    // Most text has no capital outside ASCII: then the ASCII sweep is all.
    if text.is_ascii() || !non_ascii_chars(text).any(|(_, c)| c.is_uppercase()) {
        return out;
    }
    for (at, c) in non_ascii_chars(text) {
        let mut lower = c.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next())
            && l != c
            && l.len_utf8() == c.len_utf8()
        {
            out.replace_range(at..at + c.len_utf8(), l.encode_utf8(&mut [0; 4]));
        }
    }
    debug_assert_eq!(out.len(), text.len());
    out
}

/// The characters outside ASCII with their offsets, found by their lead bytes
/// without decoding the ASCII in between.
fn non_ascii_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        at += bytes.get(at..)?.iter().position(|b| !b.is_ascii())?;
        let c = text[at..].chars().next()?;
        let found = (at, c);
        at += c.len_utf8();
        Some(found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_keeps_byte_offsets() {
        let t = Text::new("ÅÄÖ İx", "Ärende", TextOrigin::Body);
        assert_eq!(t.lower.len(), t.original.len());
        assert!(t.lower.starts_with("åäö"));
    }

    proptest::proptest! {
        /// Lowered character by character where the length allows, as long as
        /// a capital outside ASCII is present; ASCII alone otherwise.
        #[test]
        fn lowering_keeps_the_layout(text in "[a-zA-Z åäöÅÄÖéÉİǅß\\n]{0,30}") {
            let reference: String = if text.chars().any(|c| !c.is_ascii() && c.is_uppercase()) {
                text.chars()
                    .map(|c| {
                        let mut l = c.to_lowercase();
                        match (l.next(), l.next()) {
                            (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
                            _ => c,
                        }
                    })
                    .collect()
            } else {
                text.to_ascii_lowercase()
            };
            proptest::prop_assert_eq!(lower_same_layout(&text), reference);
        }
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let t = Text::new("", "Hej. Vi säger upp fr.o.m. 1 jan. 2027 tjänsten. Tack!", TextOrigin::Body);
        let at = t.original.find("säger").unwrap();
        let (s, e) = t.sentence_bounds(at, at + 5);
        assert_eq!(&t.original[s..e], "Vi säger upp fr.o.m. 1 jan. 2027 tjänsten.");
    }
}

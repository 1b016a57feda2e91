//! Splits a body's text into what the sender wrote now and what came before.
//!
//! Officers see everything; extraction reads only the new text, because quoted
//! history (our own earlier answer, the authority's earlier mail, a colleague's
//! question) carries numbers and dates that are not this mail's statement.

use serde::Serialize;

use crate::mail::caseless::{eq_lower, starts_with_lower};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// Written by the sender of this mail (signature included).
    New,
    /// Quoted history of a reply.
    Quoted,
    /// A forwarded mail, from its header block on.
    Forwarded,
    /// Legal or environmental boilerplate.
    Disclaimer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub kind: SectionKind,
    pub text: String,
}

/// Splits `text` into consecutive sections. `is_forward` says whether the mail's
/// subject marks it as a forward, which decides how an Outlook header block
/// ("Från: … Skickat: …") is read: Outlook writes replies and forwards alike.
/// `text` has LF line ends only (the mail layer normalises them).
pub fn split(text: &str, is_forward: bool) -> Vec<Section> {
    debug_assert!(!text.contains('\r'), "line ends are normalised before splitting");
    let lines = lines(text);
    let mut kinds = vec![SectionKind::New; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(kind) = history_marker(&lines, i, is_forward) {
            // Everything from a history marker on is history: Outlook and forwards
            // do not prefix the old text.
            for k in &mut kinds[i..] {
                *k = kind;
            }
            break;
        }
        if line.starts_with('>') {
            kinds[i] = SectionKind::Quoted;
        } else if let Some(len) = attribution_len(&lines, i) {
            for k in &mut kinds[i..i + len] {
                *k = SectionKind::Quoted;
            }
            i += len;
            continue;
        } else if is_disclaimer_start(line) {
            // The disclaimer runs to the end of its paragraph.
            while i < lines.len() && !lines[i].trim().is_empty() {
                if history_marker(&lines, i, is_forward).is_some() {
                    break;
                }
                kinds[i] = SectionKind::Disclaimer;
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    group(text, &lines, &kinds)
}

/// The lines of `text` (LF line ends only), as `str::lines` gives them, found
/// with memchr: the standard library's search for each line end goes byte by
/// byte on short lines and was a third of the splitting.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        out.push(&text[start..end]);
        start = end + 1;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Consecutive lines of one kind become one section. `lines` are slices of
/// `text`, which has LF line ends only, so a run of lines is one slice of it.
fn group(text: &str, lines: &[&str], kinds: &[SectionKind]) -> Vec<Section> {
    let offset = |line: &str| line.as_ptr() as usize - text.as_ptr() as usize;
    // (kind, start of the first line, end of the last line)
    let mut runs: Vec<(SectionKind, usize, usize)> = Vec::new();
    for (line, kind) in lines.iter().zip(kinds) {
        // Blank lines belong to the section around them.
        let kind = if line.trim().is_empty() { runs.last().map_or(*kind, |r| r.0) } else { *kind };
        let (start, end) = (offset(line), offset(line) + line.len());
        match runs.last_mut() {
            Some(run) if run.0 == kind => run.2 = end,
            _ => runs.push((kind, start, end)),
        }
    }
    runs.into_iter()
        .map(|(kind, start, end)| (kind, text[start..end].trim_matches('\n')))
        .filter(|(_, t)| !t.trim().is_empty())
        .map(|(kind, t)| Section { kind, text: t.to_string() })
        .collect()
}

/// Separator lines that begin quoted or forwarded history.
fn history_marker(lines: &[&str], i: usize, is_forward: bool) -> Option<SectionKind> {
    let line = lines[i].trim().trim_matches('*').trim();
    // Every marker starts with a dash, an underscore or one of a few letters;
    // checking that first keeps the common line free of allocations.
    let first = line.chars().next()?;
    if !matches!(first.to_ascii_lowercase(), '-' | '_' | 'b' | 'v' | 'f') {
        return None;
    }
    if line.starts_with("---") || line.starts_with("___") {
        let lower = line.to_lowercase();
        let dashed = lower.trim_matches(|c: char| c == '-' || c == '_' || c == ' ');
        if FORWARD_SEPARATORS.contains(&dashed) {
            return Some(SectionKind::Forwarded);
        }
        if REPLY_SEPARATORS.contains(&dashed) {
            return Some(SectionKind::Quoted);
        }
        // Outlook's line of underscores before a header block.
        if dashed.is_empty() && line.len() >= 10 && header_block_at(lines, i + 1) {
            return Some(block_kind(is_forward));
        }
        return None;
    }
    if line.ends_with(':') && FORWARD_INTRO.iter().any(|m| eq_lower(line, m)) {
        return Some(SectionKind::Forwarded);
    }
    if header_block_at(lines, i) {
        return Some(block_kind(is_forward));
    }
    None
}

fn block_kind(is_forward: bool) -> SectionKind {
    if is_forward { SectionKind::Forwarded } else { SectionKind::Quoted }
}

const FORWARD_SEPARATORS: &[&str] = &[
    "forwarded message",
    "forwarded message follows",
    "vidarebefordrat meddelande",
    "vidarebefordrat brev",
    "videresendt meddelelse",
];
const REPLY_SEPARATORS: &[&str] = &["ursprungligt meddelande", "original message", "originalmeddelande"];
const FORWARD_INTRO: &[&str] =
    &["begin forwarded message:", "början av vidarebefordrat meddelande:", "vidarebefordrat meddelande:"];

/// An Outlook/Exchange header block: "Från:" followed within a few lines by at
/// least two of "Skickat:", "Datum:", "Till:", "Ämne:" (or the English names).
fn header_block_at(lines: &[&str], i: usize) -> bool {
    let Some(first) = lines.get(i) else { return false };
    if !has_label(first, &["från", "from", "fra"]) {
        return false;
    }
    let following = lines[i + 1..]
        .iter()
        .take(6)
        .filter(|l| has_label(l, &["skickat", "sent", "datum", "date", "till", "to", "kopia", "cc", "ämne", "subject"]))
        .count();
    following >= 2
}

fn has_label(line: &str, labels: &[&str]) -> bool {
    let line = line.trim().trim_start_matches('*').trim_start();
    let Some((label, value)) = line.split_once(':') else { return false };
    let label = label.trim().trim_end_matches('*').trim();
    label.len() <= 8 && labels.iter().any(|l| eq_lower(label, l)) && !value.trim().is_empty()
}

/// "Den 26 nov. 2026 kl. 10:02 skrev Anna <anna@example.se>:" and "On Thu, 26 Nov
/// 2026, Anna wrote:", possibly wrapped over two lines. Returns the lines it spans.
fn attribution_len(lines: &[&str], i: usize) -> Option<usize> {
    let first = lines[i].trim();
    let next_ends_colon = lines.get(i + 1).is_some_and(|n| n.trim_end().ends_with(':'));
    if first.len() > 300 || !(first.ends_with(':') || next_ends_colon) {
        return None;
    }
    let single = first.to_lowercase();
    if is_attribution(&single) {
        return Some(1);
    }
    let next = lines.get(i + 1)?.trim();
    if next.is_empty() || next.len() > 200 {
        return None;
    }
    let joined = format!("{single} {}", next.to_lowercase());
    is_attribution(&joined).then_some(2)
}

fn is_attribution(lower: &str) -> bool {
    if !lower.ends_with(':') {
        return false;
    }
    let writes = lower.contains(" skrev ") || lower.ends_with(" skrev:") || lower.contains(" wrote");
    let starts = lower.starts_with("den ")
        || lower.starts_with("on ")
        || lower.starts_with(|c: char| c.is_ascii_digit())
        || ["mån", "tis", "ons", "tor", "fre", "lör", "sön", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .any(|d| lower.starts_with(d));
    writes && starts
}

const DISCLAIMER_STARTS: &[&str] = &[
    "detta e-postmeddelande",
    "detta e-post",
    "detta e-brev",
    "detta mejl",
    "detta mail",
    "detta meddelande",
    "det här e-postmeddelandet",
    "det här mejlet",
    "det här meddelandet",
    "informationen i detta",
    "innehållet i detta",
    "när du skickar e-post",
    "när du skickar mejl",
    "när du mejlar",
    "när du har kontakt med",
    "när du kontaktar",
    "om du har fått detta",
    "om du fått detta",
    "vi behandlar dina personuppgifter",
    "läs mer om hur",
    "sekretess",
    "konfidentiell",
    "tänk på miljön",
    "this e-mail",
    "this email",
    "this message",
    "the information contained",
    "the information in this",
    "confidentiality notice",
    "confidential:",
    "disclaimer",
    "if you have received this",
    "if you are not the intended",
    "please consider the environment",
    "please note that",
];

const DISCLAIMER_WORDS: &[&str] = &[
    "konfidentiell",
    "sekretess",
    "personuppgift",
    "avsedd",
    "mottagare",
    "dataskydd",
    "gdpr",
    "miljön",
    "skriv inte ut",
    "confidential",
    "intended",
    "recipient",
    "privileged",
    "environment",
    "personal data",
    "data protection",
];

/// The first letters of [`DISCLAIMER_STARTS`]: a line that starts with any
/// other ASCII character is not a disclaimer, whatever follows.
static START_LETTERS: Letters = Letters::of(DISCLAIMER_STARTS);

/// A set of ASCII lower-case letters.
struct Letters(u32);

impl Letters {
    const fn of(words: &[&str]) -> Letters {
        let mut bits = 0;
        let mut i = 0;
        while i < words.len() {
            let first = words[i].as_bytes()[0];
            assert!(first.is_ascii_lowercase(), "every start begins with a lower-case ASCII letter");
            bits |= 1 << (first - b'a');
            i += 1;
        }
        Letters(bits)
    }

    fn contains(&self, b: u8) -> bool {
        b.is_ascii_lowercase() && self.0 & (1 << (b - b'a')) != 0
    }
}

fn is_disclaimer_start(line: &str) -> bool {
    if line.len() < 20 {
        return false;
    }
    // Only the opening words decide whether the whole line is worth lowering.
    // Every start begins with an ASCII letter, so most lines fail on their
    // first two bytes; a character that is not ASCII gets the full comparison
    // (some lower-case to ASCII letters).
    let (first, second) = (line.as_bytes()[0], line.as_bytes()[1]);
    if first.is_ascii() && !START_LETTERS.contains(first.to_ascii_lowercase()) {
        return false;
    }
    let may_start = |start: &&&str| {
        let start = start.as_bytes();
        !first.is_ascii()
            || start[0] == first.to_ascii_lowercase() && (!second.is_ascii() || start[1] == second.to_ascii_lowercase())
    };
    if !DISCLAIMER_STARTS.iter().filter(may_start).any(|s| starts_with_lower(line, s)) {
        return false;
    }
    let lower = line.to_lowercase();
    DISCLAIMER_WORDS.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn lines_are_those_of_the_standard_library(text in "[a\nå ]{0,20}") {
            proptest::prop_assert_eq!(lines(&text), text.lines().collect::<Vec<_>>());
        }
    }

    fn kinds(text: &str, fwd: bool) -> Vec<(SectionKind, String)> {
        split(text, fwd).into_iter().map(|s| (s.kind, s.text)).collect()
    }

    #[test]
    fn outlook_header_block_starts_the_history() {
        let text = "Vi säger upp.\n\nFrån: Anna <a@x.se>\nSkickat: den 2 nov\nTill: oss\nÄmne: Fråga\n\nGammalt";
        let k = kinds(text, false);
        assert_eq!(k[0], (SectionKind::New, "Vi säger upp.".into()));
        assert_eq!(k[1].0, SectionKind::Quoted);
        assert!(k[1].1.ends_with("Gammalt"));
        assert_eq!(kinds(text, true)[1].0, SectionKind::Forwarded);
    }

    #[test]
    fn a_label_line_alone_is_not_a_header_block() {
        let k = kinds("Från: 1 januari 2027\nOrganisationsnummer: 212000-0142", false);
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].0, SectionKind::New);
    }

    #[test]
    fn replies_below_quotes_are_new_text() {
        let text = "Den 2 nov. 2026 kl. 10:00 skrev Registeruttag\n<registeruttag@fk.se>:\n> Vilket datum?\n\nFrån 1 januari 2027.";
        let k = kinds(text, false);
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].0, SectionKind::Quoted);
        assert_eq!(k[1], (SectionKind::New, "Från 1 januari 2027.".into()));
    }

    #[test]
    fn disclaimers_need_both_a_start_and_a_keyword() {
        let text = "Detta e-postmeddelande gäller uppsägning.\n\nDetta e-postmeddelande kan innehålla konfidentiell information.";
        let k = kinds(text, false);
        assert_eq!(k[0].0, SectionKind::New);
        assert_eq!(k[1].0, SectionKind::Disclaimer);
    }

    #[test]
    fn disclaimer_starts_begin_with_an_ascii_lower_case_letter() {
        assert!(DISCLAIMER_STARTS.iter().all(|s| s.as_bytes()[0].is_ascii_lowercase() && s.len() >= 2));
        assert!(is_disclaimer_start("TÄNK PÅ MILJÖN innan du skriver ut detta"));
        assert!(is_disclaimer_start("Sekretess: mottagare som inte är avsedd"));
        assert!(!is_disclaimer_start("Sedan säger vi upp avtalet med mottagare X"));
    }

    #[test]
    fn forward_separator_marks_the_rest_forwarded() {
        let k = kinds("FYI\n\n---------- Forwarded message ---------\nFrom: X\nText", false);
        assert_eq!(k[1].0, SectionKind::Forwarded);
    }
}

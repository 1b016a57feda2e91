//! "Label: value" lines that name the organisation ("Organisationsnamn:
//! Uppsala kommun", "**Organisation:** Region Skåne").

use std::sync::LazyLock;

use crate::extract::gazetteer::NAME_LABELS;
use crate::extract::text::{self, Text};

/// "Label: value" lines: the label at the start of a line (after quote marks,
/// bullets or bold stars), a colon, and the value after it on the same line or,
/// when the label stands alone, on the next line that is not blank. Returns the
/// label and the value's byte range.
pub(super) fn labeled_values(text: &Text) -> Vec<(&'static str, usize, usize)> {
    let (original, lower) = (&text.original, &text.lower);
    let mut out = Vec::new();
    let mut line_start = 0;
    while line_start < lower.len() {
        let line_end = text::line_end(lower, line_start);
        let mut next = line_end + 1;
        let line = &lower[line_start..line_end];
        let indent = line.len() - line.trim_start_matches([' ', '\t', '>', '*']).len();
        if let Some((label, after_colon)) = label_at(&line[indent..]) {
            // The value may stand on a later line when the label line ends at the colon.
            let after = original[line_start + indent + after_colon..].trim_start().trim_start_matches('*').trim_start();
            let from = original.len() - after.len();
            let value_end = text::line_end(original, from);
            let value = original[from..value_end].trim_end();
            if !value.is_empty() {
                out.push((label, from, from + value.len()));
                next = value_end + 1;
            }
        }
        line_start = next;
    }
    out
}

/// The first bytes of the labels: a line that starts with none of them holds
/// no label (most lines). Derived from the list, so a new label is never
/// missed.
const FIRST_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < NAME_LABELS.len() {
        table[NAME_LABELS[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    table
};

/// The label `line` starts with, when a colon follows it, and the offset after the colon.
fn label_at(line: &str) -> Option<(&'static str, usize)> {
    let starts_a_label = line.as_bytes().first().is_some_and(|b| FIRST_BYTES[usize::from(*b)]);
    if !starts_a_label || !line.contains([':', '：']) {
        return None;
    }
    // Each label's words, split once.
    static LABEL_WORDS: LazyLock<Vec<Vec<&'static str>>> =
        LazyLock::new(|| NAME_LABELS.iter().map(|label| label.split(' ').collect()).collect());
    NAME_LABELS.iter().zip(LABEL_WORDS.iter()).find_map(|(label, words)| {
        let mut rest = line;
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                let trimmed = rest.trim_start_matches([' ', '\t']);
                if trimmed.len() == rest.len() {
                    return None;
                }
                rest = trimmed;
            }
            rest = rest.strip_prefix(word)?;
        }
        let rest = rest.strip_prefix('*').unwrap_or(rest).trim_start_matches([' ', '\t']);
        let after = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
        Some((*label, line.len() - after.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::TextOrigin;

    #[test]
    fn label_lines_in_their_written_forms() {
        let t = Text::new(
            "",
            "> **Organisationsnamn:** Region Skåne\nOrganisation name  :\n\n  Malmö stad  \nNamnet: X\nORGANISATION：Lunds kommun",
            TextOrigin::Body,
        );
        let values: Vec<(&str, &str)> =
            labeled_values(&t).into_iter().map(|(label, s, e)| (label, &t.original[s..e])).collect();
        assert_eq!(
            values,
            [
                ("organisationsnamn", "Region Skåne"),
                ("organisation name", "Malmö stad"),
                ("organisation", "Lunds kommun")
            ]
        );
    }
}

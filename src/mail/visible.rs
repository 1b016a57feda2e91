//! Text from a mail shown to a person: whatever the sender wrote, it must not
//! act on the screen it is shown on. A terminal obeys escape sequences (ESC,
//! the C1 controls: set a window's title, recolour, move the cursor, hide what
//! follows); and bidirectional controls reorder what follows them on screen in
//! terminals and browsers alike, so "…kommun" may read as another name than
//! the one stored. Each is shown as its escape, `\u{1b}`, where it stood.

use std::borrow::Cow;

pub use crate::domain::is_bidi_control;

/// Text for a terminal: control characters (C0 but tab and line feed, DEL,
/// C1) and bidirectional controls shown as escapes; lines kept.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c.is_control() && !matches!(c, '\n' | '\t') || is_bidi_control(c))
}

/// As [`for_terminal`], and line breaks and tabs shown too: for a cell of a
/// table or a field of a list, which must stay on its line.
pub fn on_one_line(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c.is_control() || is_bidi_control(c))
}

/// Text for a page (whose markup escaping takes care of the rest): only
/// bidirectional controls shown as escapes.
pub fn for_page(text: &str) -> Cow<'_, str> {
    escaped(text, is_bidi_control)
}

fn escaped(text: &str, shown: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&shown) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if shown(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn escapes_and_reordering_are_shown_not_obeyed() {
        assert_eq!(for_terminal("\u{1b}]0;PWNED\u{7}Uppsala\u{1b}[31m"), "\\u{1b}]0;PWNED\\u{7}Uppsala\\u{1b}[31m");
        assert_eq!(for_terminal("a\u{9b}2Jb\u{202e}c"), "a\\u{9b}2Jb\\u{202e}c");
        assert_eq!(for_terminal("rad 1\nrad\t2"), "rad 1\nrad\t2");
        assert_eq!(on_one_line("rad 1\r\nrad 2"), "rad 1\\u{d}\\u{a}rad 2");
        assert_eq!(for_page("Region \u{2066}X\u{2069} <b>"), "Region \\u{2066}X\\u{2069} <b>");
        assert!(matches!(for_terminal("Uppsägning av LEFI"), Cow::Borrowed(_)));
    }

    proptest! {
        /// Whatever the text, nothing a terminal or a browser acts on is left.
        #[test]
        fn nothing_that_acts_survives(text in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}a]{0,40}") {
            let shown = on_one_line(&text);
            prop_assert!(!shown.chars().any(|c| c.is_control() || is_bidi_control(c)), "{:?}", shown);
            let page = for_page(&text);
            prop_assert!(!page.chars().any(is_bidi_control));
        }
    }
}

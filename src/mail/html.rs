//! HTML bodies turned into readable text for extraction and for officers.
//!
//! Mail HTML (Outlook's Word-generated markup above all) is not a document to
//! render: we only need the words in reading order, with line breaks where the
//! sender saw them, table rows as `cell: cell` lines and quoted blocks marked with
//! `> ` so that quote detection works the same as for plain text. The scanner is
//! linear, never recurses and never fails: hostile or broken markup degrades to text.

use mail_parser::decoders::html::add_html_token;

/// Converts an HTML body to plain text.
pub fn html_to_text(html: &str) -> String {
    let mut w = Writer::new(html.len());
    let bytes = html.as_bytes();
    let mut pos = 0;
    // Content of these elements is never text: skipped up to the closing tag.
    let mut skip_until: Option<&'static str> = None;

    while pos < bytes.len() {
        if bytes[pos] == b'<' {
            if html[pos..].starts_with("<!--") {
                pos = html[pos + 4..].find("-->").map_or(bytes.len(), |i| pos + 4 + i + 3);
                continue;
            }
            match parse_tag(html, pos) {
                Some(tag) => {
                    pos = tag.end;
                    if let Some(name) = skip_until {
                        if tag.closing && tag.name.eq_ignore_ascii_case(name) {
                            skip_until = None;
                        }
                        continue;
                    }
                    if tag.name.starts_with('!') || tag.name.starts_with('?') {
                        continue;
                    }
                    let mut buf = [0; NAME_BUF];
                    let name = lower_case_name(tag.name, &mut buf);
                    if !tag.closing
                        && !tag.self_closing
                        && let Some(raw) = RAW_TEXT.iter().find(|n| **n == name)
                    {
                        skip_until = Some(raw);
                        continue;
                    }
                    w.tag(name, tag.closing);
                }
                None => {
                    if skip_until.is_none() {
                        w.text("<");
                    }
                    pos += 1;
                }
            }
        } else {
            let end = html[pos..].find('<').map_or(bytes.len(), |i| pos + i);
            if skip_until.is_none() {
                w.text_with_entities(&html[pos..end]);
            }
            pos = end;
        }
    }
    w.finish()
}

/// Longer than any tag name this module knows.
const NAME_BUF: usize = 16;

/// A tag name in lower case, written into `buf` rather than a new String (an
/// Outlook mail has hundreds of tags). A name too long for `buf` is returned
/// as it is: it is none of the names looked for, in any case.
fn lower_case_name<'a>(name: &'a str, buf: &'a mut [u8; NAME_BUF]) -> &'a str {
    let Some(lower) = buf.get_mut(..name.len()) else { return name };
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    // Lowering ASCII letters keeps UTF-8 valid (tag names are ASCII anyway).
    std::str::from_utf8(lower).unwrap_or(name)
}

const RAW_TEXT: &[&str] = &["script", "style", "head", "title", "template", "noscript", "xml", "svg", "object"];

struct Tag<'a> {
    name: &'a str,
    closing: bool,
    self_closing: bool,
    /// Byte index just after the tag's `>`.
    end: usize,
}

/// Reads the tag starting at `start` (which holds `<`). Returns `None` when the
/// `<` does not open a tag (as in "a < b"), so it is kept as text.
fn parse_tag(html: &str, start: usize) -> Option<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    let first = *bytes.get(i)?;
    if !(first.is_ascii_alphabetic() || (!closing && (first == b'!' || first == b'?'))) {
        return None;
    }
    i += 1;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b':' | b'-' | b'_')) {
        i += 1;
    }
    let name = &html[name_start..i];
    // Attributes: skip to the closing '>', honouring quotes so that a '>' inside
    // an attribute value does not end the tag early. Jumps with memchr: mail
    // clients write long style attributes.
    while let Some(found) = memchr::memchr3(b'"', b'\'', b'>', &bytes[i..]) {
        i += found;
        if bytes[i] == b'>' {
            let self_closing = i > start + 1 && bytes[i - 1] == b'/';
            return Some(Tag { name, closing, self_closing, end: i + 1 });
        }
        let quote = bytes[i];
        match memchr::memchr(quote, &bytes[i + 1..]) {
            Some(closing_quote) => i += 1 + closing_quote + 1,
            None => break,
        }
    }
    // Unterminated tag: the rest of the document is swallowed, as a browser does.
    Some(Tag { name, closing, self_closing: false, end: bytes.len() })
}

/// Accumulates text with lazy line breaks: block boundaries are counted and only
/// become a newline when more text follows, so empty paragraphs and layout cells
/// do not produce runs of blank lines.
///
/// Each block element boundary (opening or closing `<p>`, `<div>`, `<tr>`...)
/// counts one unit and a `<br>` two. One unit or more between two pieces of text
/// is a line break, four or more a blank line: `<p>A</p><p>B</p>` (2) is two
/// lines, `A<br><br>B` (4) and `<p>A</p><p>&nbsp;</p><p>B</p>` (4) are two
/// paragraphs.
struct Writer {
    out: String,
    break_units: u8,
    pending_space: bool,
    at_line_start: bool,
    quote_depth: usize,
    pre_depth: usize,
    rows: Vec<Row>,
}

#[derive(Default)]
struct Row {
    has_content: bool,
    cell_needs_separator: bool,
    /// Between a cell's opening tag and its first text: breaks here are layout.
    cell_leading: bool,
    cell_has_text: bool,
    /// Break units pending when the cell opened (the row's own line break).
    units_at_cell_open: u8,
}

const MAX_NESTING: usize = 64;

impl Writer {
    fn new(capacity: usize) -> Self {
        Writer {
            out: String::with_capacity(capacity / 2),
            break_units: 0,
            pending_space: false,
            at_line_start: true,
            quote_depth: 0,
            pre_depth: 0,
            rows: Vec::new(),
        }
    }

    fn add_break(&mut self, units: u8) {
        if self.rows.last().is_some_and(|r| r.cell_leading) {
            return;
        }
        self.break_units = self.break_units.saturating_add(units);
        self.pending_space = false;
    }

    fn tag(&mut self, name: &str, closing: bool) {
        match name {
            "br" => self.add_break(2),
            "p" | "div" | "li" | "dt" | "dd" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "dl" | "hr"
            | "section" | "article" | "header" | "footer" | "address" | "center" | "table" | "caption" | "form"
            | "fieldset" => self.add_break(1),
            "pre" => {
                self.add_break(1);
                self.pre_depth = nest(self.pre_depth, closing);
            }
            "blockquote" => {
                self.add_break(1);
                self.quote_depth = nest(self.quote_depth, closing);
            }
            "tr" => {
                self.add_break(1);
                if closing {
                    self.rows.pop();
                } else if self.rows.len() < MAX_NESTING {
                    self.rows.push(Row::default());
                }
            }
            "td" | "th" => {
                // Breaks at the edges of a cell are layout, not content.
                let units = self.break_units;
                if let Some(row) = self.rows.last_mut() {
                    if closing {
                        self.break_units = if row.cell_has_text { 0 } else { row.units_at_cell_open };
                        row.cell_leading = false;
                    } else {
                        row.cell_needs_separator = row.has_content;
                        row.cell_leading = true;
                        row.cell_has_text = false;
                        row.units_at_cell_open = units;
                    }
                }
            }
            _ => {}
        }
    }

    fn text_with_entities(&mut self, raw: &str) {
        if !raw.contains('&') {
            self.text(raw);
            return;
        }
        let mut decoded = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(amp) = rest.find('&') {
            decoded.push_str(&rest[..amp]);
            let after = &rest[amp..];
            // Entities are short; a bounded look-ahead keeps this linear.
            let semi = after.as_bytes().iter().take(34).position(|b| *b == b';');
            match semi {
                Some(end) if end > 1 && after[1..end].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#') => {
                    add_html_token(&mut decoded, &after.as_bytes()[..=end], false);
                    rest = &after[end + 1..];
                }
                _ => {
                    decoded.push('&');
                    rest = &after[1..];
                }
            }
        }
        decoded.push_str(rest);
        self.text(&decoded);
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if self.pre_depth > 0 && c == '\n' {
                self.add_break(2);
                continue;
            }
            if c.is_whitespace() || c.is_control() {
                if !self.at_line_start {
                    self.pending_space = true;
                }
                continue;
            }
            if matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{00ad}') {
                continue;
            }
            self.before_text();
            if self.pending_space {
                self.out.push(' ');
                self.pending_space = false;
            }
            self.out.push(c);
        }
    }

    /// Materialises pending breaks, the quote prefix and cell separators.
    fn before_text(&mut self) {
        if self.break_units > 0 && !self.out.is_empty() {
            if self.break_units >= 4 {
                self.out.push('\n');
                self.push_quote_prefix();
            }
            self.out.push('\n');
            self.at_line_start = true;
        }
        self.break_units = 0;
        if self.at_line_start {
            self.push_quote_prefix();
            self.at_line_start = false;
            self.pending_space = false;
        }
        if let Some(row) = self.rows.last_mut() {
            if row.cell_needs_separator {
                row.cell_needs_separator = false;
                let kept = self.out.trim_end_matches(' ').len();
                self.out.truncate(kept);
                self.out.push_str(if self.out.ends_with(':') { " " } else { ": " });
                self.pending_space = false;
            }
            row.has_content = true;
            row.cell_has_text = true;
            row.cell_leading = false;
        }
    }

    fn push_quote_prefix(&mut self) {
        for _ in 0..self.quote_depth.min(MAX_NESTING) {
            self.out.push_str("> ");
        }
    }

    fn finish(self) -> String {
        let mut result = String::with_capacity(self.out.len());
        for line in self.out.lines() {
            result.push_str(line.trim_end());
            result.push('\n');
        }
        result.truncate(result.trim_end().len());
        result
    }
}

fn nest(depth: usize, closing: bool) -> usize {
    if closing { depth.saturating_sub(1) } else { (depth + 1).min(MAX_NESTING) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a tag ends, scanned byte by byte from `i`: what [`parse_tag`]'s
    /// jumps stand for.
    fn tag_end_by_bytes(html: &str, mut i: usize) -> usize {
        let bytes = html.as_bytes();
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => return i + 1,
                None => {}
            }
            i += 1;
        }
        bytes.len()
    }

    proptest::proptest! {
        #[test]
        fn tags_end_where_a_byte_scan_ends_them(rest in "[a \"'=/>x]{0,24}") {
            let html = format!("<p{rest}");
            let tag = parse_tag(&html, 0).expect("a tag");
            // The scan starts after the name, as parse_tag's does.
            let name_end = 2 + rest.bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
            proptest::prop_assert_eq!(tag.end, tag_end_by_bytes(&html, name_end), "{:?}", html);
        }
    }

    #[test]
    fn tag_names_are_read_in_any_case() {
        let t = html_to_text(
            "<P>Hej!</P><DIV>Vi s\u{e4}ger upp<BR>tj\u{e4}nsten.</Div><SCRIPT>x()</SCRIPT><Averyveryverylongtagname>slut",
        );
        assert_eq!(t, "Hej!\nVi s\u{e4}ger upp\ntj\u{e4}nsten.\nslut");
        let mut buf = [0; NAME_BUF];
        assert_eq!(lower_case_name("BlockQuote", &mut buf), "blockquote");
        assert!(RAW_TEXT.iter().all(|n| n.len() <= NAME_BUF));
    }

    #[test]
    fn paragraphs_and_line_breaks_become_lines() {
        let t = html_to_text("<p>Hej!</p><p>Vi säger upp<br>tjänsten.</p>");
        assert_eq!(t, "Hej!\nVi säger upp\ntjänsten.");
    }

    #[test]
    fn table_rows_become_cell_colon_cell_lines() {
        let t = html_to_text(
            "<table><tr><td><p class=MsoNormal>Organisationsnummer</p></td><td><p>212000-0142</p></td></tr>\
             <tr><td>Namn:</td><td></td><td>Stockholms stad</td></tr></table>",
        );
        assert_eq!(t, "Organisationsnummer: 212000-0142\nNamn: Stockholms stad");
    }

    #[test]
    fn empty_paragraphs_and_double_breaks_make_blank_lines() {
        assert_eq!(html_to_text("<p>A</p><p>&nbsp;</p><p>B</p>"), "A\n\nB");
        assert_eq!(html_to_text("A<br><br>B<br>C"), "A\n\nB\nC");
        assert_eq!(html_to_text("<div>A</div><div><br></div><div>B</div>"), "A\n\nB");
    }

    #[test]
    fn entities_and_nbsp_are_decoded() {
        let t = html_to_text("Uppsägning&nbsp;fr&aring;n 1&nbsp;januari &amp; &#246;vrigt &#x2013; klart &bogus; a&b");
        assert_eq!(t, "Uppsägning från 1 januari & övrigt – klart &bogus; a&b");
    }

    #[test]
    fn scripts_styles_and_comments_are_not_text() {
        let t = html_to_text(
            "<head><style>p{color:red}</style></head><!--[if mso]>x<![endif]--><script>alert(1)</script><p>Text</p>",
        );
        assert_eq!(t, "Text");
    }

    #[test]
    fn blockquotes_are_marked_as_quotes() {
        let t = html_to_text("<div>Ny text</div><blockquote type=cite><div>Gammal</div><div>rad</div></blockquote>");
        assert_eq!(t, "Ny text\n> Gammal\n> rad");
    }

    #[test]
    fn broken_markup_degrades_to_text() {
        assert_eq!(html_to_text("a < b and <p title='>'>c"), "a < b and\nc");
        assert_eq!(html_to_text("<p>unterminated <b"), "unterminated");
        assert_eq!(html_to_text("<!-- never closed"), "");
    }
}

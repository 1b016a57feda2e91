//! Records as rows, for people and for spreadsheets: an aligned text table at
//! the terminal, CSV (RFC 4180, through the `csv` crate) for export. The CLI's
//! listings and the officers' CSV export all go through here.

use crate::domain::Code;
use crate::domain::{Subscriber, SubscriberStatus};
use crate::mail::visible::{for_terminal, on_one_line};
use crate::store::{self, OutboxItem, TerminationRecord};

/// Named columns and their rows. Column names are the CSV header (and the
/// JSON keys of the same records); tables show them in capitals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Listing {
    pub fn new(columns: &[&'static str]) -> Listing {
        Listing { columns: columns.to_vec(), rows: Vec::new() }
    }

    /// Adds a row; it must have one cell per column.
    pub fn push(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(cells);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Aligned columns under a header line. A cell shows any control or
    /// bidirectional character as its escape (see `mail::visible`), so a
    /// sender's text can neither act on the terminal nor break the lines.
    pub fn to_table(&self) -> String {
        let header: Vec<String> = self.columns.iter().map(|c| c.replace('_', " ").to_uppercase()).collect();
        let rows: Vec<Vec<String>> =
            self.rows.iter().map(|row| row.iter().map(|c| on_one_line(c).into_owned()).collect()).collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(&header);
        for row in &rows {
            out += &line(row);
        }
        out
    }

    /// CSV (RFC 4180) with a header row and CRLF line ends, for any
    /// spreadsheet: a cell holding `,` or `;` (a Swedish Excel splits on `;`),
    /// a quote or a line break is quoted; a part of a cell that a spreadsheet
    /// would take for a formula — a leading `=`, `+`, `-` or `@`, at the start
    /// or after a separator — gets a leading `'`, so an exported
    /// sender-controlled name cannot run as one; control and bidirectional
    /// characters but line breaks are shown as escapes.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let mut record = |cells: &mut dyn Iterator<Item = String>| {
            let fields: Vec<String> = cells.map(|c| csv_field(&c)).collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        };
        record(&mut self.columns.iter().map(|c| c.to_string()));
        for row in &self.rows {
            record(&mut row.iter().map(|c| neutralise_formulas(&for_terminal(c))));
        }
        out
    }
}

/// One field, quoted when it holds a separator, a quote or a line break.
fn csv_field(cell: &str) -> String {
    if cell.contains([',', ';', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// A `'` before every start of a formula: at the start of the cell and after
/// each separator a spreadsheet may split on (blanks between are skipped).
fn neutralise_formulas(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len() + 2);
    let mut at_start = true;
    for c in cell.chars() {
        if at_start && matches!(c, '=' | '+' | '-' | '@') {
            out.push('\'');
        }
        out.push(c);
        at_start = matches!(c, ',' | ';' | '\t' | '\n') || at_start && c == ' ';
    }
    out
}

/// Terminations on file, as the CLI and the officers' export list them.
pub fn terminations(rows: &[TerminationRecord]) -> Listing {
    let mut listing = Listing::new(&[
        "org_number",
        "org_name",
        "effective_date",
        "received_at",
        "message_id",
        "recorded_at",
        "recorded_by",
    ]);
    for r in rows {
        listing.push(vec![
            r.org_number.to_string(),
            r.org_name.clone(),
            r.effective_date.to_string(),
            store::timestamp(r.received_at),
            r.message_id.clone().unwrap_or_default(),
            store::timestamp(r.recorded_at),
            r.recorded_by.clone(),
        ]);
    }
    listing
}

/// Answers in the outbox.
pub fn outbox(rows: &[OutboxItem]) -> Listing {
    let mut listing = Listing::new(&["id", "kind", "recipient", "status", "attempts", "last_error"]);
    for r in rows {
        listing.push(vec![
            r.id.to_string(),
            r.kind.as_str().to_string(),
            r.recipient.clone(),
            r.status.as_str().to_string(),
            r.attempts.to_string(),
            r.last_error.clone().unwrap_or_default(),
        ]);
    }
    listing
}

/// The subscriber registry, in the columns `subscribers import` reads: an
/// export can be edited in a spreadsheet and imported again.
pub fn subscribers(rows: &[Subscriber]) -> Listing {
    let mut listing = Listing::new(&["org_number", "name", "domains", "kind", "status", "other_names"]);
    for s in rows {
        listing.push(vec![
            s.org_number.to_string(),
            s.name.clone(),
            s.domains.join(" "),
            s.kind.as_str().to_string(),
            subscriber_status(s),
            s.other_names.join("|"),
        ]);
    }
    listing
}

/// "active", or "terminated YYYY-MM-DD" as the import reads it.
pub fn subscriber_status(s: &Subscriber) -> String {
    match (s.status, s.terminated_from) {
        (SubscriberStatus::Terminated, Some(d)) => format!("terminated {d}"),
        (status, _) => status.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_as_rfc_4180_and_neutralises_formulas() {
        let mut l = Listing::new(&["a", "b"]);
        l.push(vec!["=HYPERLINK(\"x\")".into(), "Kommun, \"Norra\"\nrad".into()]);
        l.push(vec!["-1".into(), "plain".into()]);
        assert_eq!(l.to_csv(), "a,b\r\n\"'=HYPERLINK(\"\"x\"\")\",\"Kommun, \"\"Norra\"\"\nrad\"\r\n'-1,plain\r\n");
    }

    #[test]
    fn csv_quotes_semicolons_and_guards_a_formula_after_any_separator() {
        let mut l = Listing::new(&["name"]);
        l.push(vec!["Region X;=HYPERLINK(\"http://x\")".into()]);
        l.push(vec!["a, +1;  @SUM(A1)".into()]);
        l.push(vec!["2027-01-01 \u{1b}[31m".into()]);
        assert_eq!(
            l.to_csv(),
            "name\r\n\"Region X;'=HYPERLINK(\"\"http://x\"\")\"\r\n\"a, '+1;  '@SUM(A1)\"\r\n2027-01-01 \\u{1b}[31m\r\n"
        );
    }

    #[test]
    fn a_table_shows_escapes_and_keeps_each_row_on_its_line() {
        let mut l = Listing::new(&["from"]);
        l.push(vec!["x\u{1b}[31m@evil.example\nFAKE ROW".into()]);
        assert_eq!(l.to_table(), "FROM\nx\\u{1b}[31m@evil.example\\u{a}FAKE ROW\n");
    }

    #[test]
    fn tables_align_columns_under_capital_headers() {
        let mut l = Listing::new(&["org_number", "name"]);
        l.push(vec!["212000-3005".into(), "Uppsala kommun".into()]);
        assert_eq!(l.to_table(), "ORG NUMBER   NAME\n212000-3005  Uppsala kommun\n");
    }
}

//! The registry as a spreadsheet exports it: CSV with a header row
//! `org_number,name,domains,kind,status` (and optionally `other_names`),
//! UTF-8 with or without a byte-order mark, `,` or `;` between fields (Swedish
//! Excel writes `;`). Domains are separated by spaces, other names by `|`;
//! status is `active` or `terminated YYYY-MM-DD`. A file is read whole or not
//! at all: the first bad row is reported with its line and column.

use chrono::NaiveDate;

use crate::domain::{OrgNumber, Subscriber, SubscriberKind, SubscriberStatus, check_org_name, parse_code};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("line 1: the header row must name the columns org_number, name, domains, kind and status (missing {0})")]
    Header(&'static str),
    #[error("line {line}, column {column}: {message}")]
    Row { line: u64, column: &'static str, message: String },
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
}

const COLUMNS: [&str; 5] = ["org_number", "name", "domains", "kind", "status"];

/// Every subscriber in the file, in its order.
pub fn parse(bytes: &[u8]) -> Result<Vec<Subscriber>, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Csv { line: 1, message: e.to_string() })?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let index = |name: &'static str| header.iter().position(|h| h == name);
    let mut at = [0usize; 5];
    for (i, column) in COLUMNS.iter().enumerate() {
        at[i] = index(column).ok_or(ImportError::Header(column))?;
    }
    let other_names_at = index("other_names");

    let mut out: Vec<Subscriber> = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| ImportError::Csv { line: e.position().map_or(0, |p| p.line()), message: e.to_string() })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let row = Row {
            org_number: field(at[0]),
            name: field(at[1]),
            domains: field(at[2]),
            kind: field(at[3]),
            status: field(at[4]),
            other_names: other_names_at.map(field).unwrap_or(""),
        };
        let subscriber = row.subscriber().map_err(|(column, message)| ImportError::Row { line, column, message })?;
        if out.iter().any(|s| s.org_number == subscriber.org_number) {
            let message = format!("{} appears twice in the file", subscriber.org_number);
            return Err(ImportError::Row { line, column: "org_number", message });
        }
        out.push(subscriber);
    }
    Ok(out)
}

/// One subscriber as written in the file's columns (or an officer's form).
#[derive(Debug, Clone, Copy, Default)]
pub struct Row<'a> {
    pub org_number: &'a str,
    pub name: &'a str,
    /// Separated by spaces.
    pub domains: &'a str,
    pub kind: &'a str,
    /// `active` or `terminated YYYY-MM-DD`.
    pub status: &'a str,
    /// Separated by `|`.
    pub other_names: &'a str,
}

impl Row<'_> {
    /// The subscriber, or the column that is wrong and why.
    pub fn subscriber(&self) -> Result<Subscriber, (&'static str, String)> {
        let org_number = OrgNumber::parse(self.org_number.trim())
            .map_err(|e| ("org_number", format!("{:?}: {e}", self.org_number.trim())))?;
        let name = check_org_name(self.name).map_err(|e| ("name", e.to_string()))?;
        let domains: Vec<String> = self.domains.split_whitespace().map(str::to_ascii_lowercase).collect();
        if domains.is_empty() {
            return Err(("domains", "at least one mail domain (separated by spaces)".into()));
        }
        if let Some(d) = domains.iter().find(|d| !is_domain(d)) {
            return Err(("domains", format!("{d:?} is not a domain name")));
        }
        let kind: SubscriberKind =
            parse_code(&self.kind.trim().to_ascii_lowercase()).map_err(|e| ("kind", e.to_string()))?;
        let (status, terminated_from) = status(self.status.trim()).map_err(|m| ("status", m))?;
        let other_names: Vec<String> =
            self.other_names.split('|').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect();
        if let Some(e) = other_names.iter().find_map(|n| check_org_name(n).err()) {
            return Err(("other_names", format!("{e} (names are separated by |)")));
        }
        Ok(Subscriber { org_number, name, other_names, domains, kind, status, terminated_from })
    }
}

fn status(text: &str) -> Result<(SubscriberStatus, Option<NaiveDate>), String> {
    let lower = text.to_ascii_lowercase();
    if lower == "active" || lower.is_empty() {
        return Ok((SubscriberStatus::Active, None));
    }
    let date = lower
        .strip_prefix("terminated")
        .map(|rest| rest.trim_start_matches([' ', ':']))
        .ok_or_else(|| format!("{text:?}: expected active or terminated YYYY-MM-DD"))?;
    let date =
        NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| format!("{text:?}: expected terminated YYYY-MM-DD"))?;
    Ok((SubscriberStatus::Terminated, Some(date)))
}

fn is_domain(d: &str) -> bool {
    d.contains('.')
        && d.len() <= 253
        && d.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_semicolons_a_bom_and_other_names_are_read() {
        let file = "\u{feff}org_number;name;domains;kind;status;other_names\r\n\
                    212000-3005;Uppsala kommun;uppsala.se mail.uppsala.se;authority;active;Uppsala\r\n\
                    232100-0255;Region Skåne;skane.se;authority;terminated 2027-01-01;Skåne läns landsting\r\n";
        let subs = parse(file.as_bytes()).unwrap();
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].domains, ["uppsala.se", "mail.uppsala.se"]);
        assert_eq!(subs[1].status, SubscriberStatus::Terminated);
        assert_eq!(subs[1].terminated_from, NaiveDate::from_ymd_opt(2027, 1, 1));
        assert_eq!(subs[1].other_names, ["Skåne läns landsting"]);
    }

    #[test]
    fn a_bad_row_names_its_line_and_column() {
        let file = "org_number,name,domains,kind,status\n212000-3005,Uppsala kommun,uppsala.se,authority,active\n\
                    212000-3006,Fel,fel.se,authority,active\n";
        assert_eq!(
            parse(file.as_bytes()).unwrap_err().to_string(),
            "line 3, column org_number: \"212000-3006\": the check digit does not match (Luhn over the first nine digits)"
        );
        let file = "org_number,name,domains,kind,status\n212000-3005,Uppsala kommun,uppsala.se,kommun,active\n";
        let e = parse(file.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("line 2, column kind:") && e.contains("authority, insurer, other"), "{e}");
        assert!(matches!(parse(b"org,name\n"), Err(ImportError::Header("org_number"))));
    }
}

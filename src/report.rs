//! The per-file result of `lefi-intake extract`, as JSON and as a table.

use serde::Serialize;

use crate::analyse::Analysis;
use crate::domain::{Field, Reason, Verdict};

/// One line of `extract --json`. The keys are a contract with scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub file: String,
    pub verdict: Option<Verdict>,
    pub org_number: Option<String>,
    pub org_name: Option<String>,
    pub effective_date: Option<String>,
    pub missing: Vec<Field>,
    pub reasons: Vec<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Report {
    pub fn from_analysis(file: &str, analysis: &Analysis) -> Self {
        let ex = analysis.extraction.as_ref();
        Report {
            file: file.to_string(),
            verdict: Some(analysis.decision.verdict),
            org_number: ex.and_then(|e| e.org_number()).map(|n| n.to_string()),
            org_name: ex.and_then(|e| e.org_name()).map(str::to_string),
            effective_date: ex.and_then(|e| e.effective_date()).map(|d| d.to_string()),
            missing: analysis.decision.missing.clone(),
            reasons: analysis.decision.reasons.clone(),
            error: None,
        }
    }

    pub fn unreadable(file: &str, error: String) -> Self {
        Report {
            file: file.to_string(),
            verdict: None,
            org_number: None,
            org_name: None,
            effective_date: None,
            missing: Vec::new(),
            reasons: Vec::new(),
            error: Some(error),
        }
    }

    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }
}

/// Renders reports as an aligned table for people.
pub fn table(reports: &[Report]) -> String {
    let header = ["FILE", "VERDICT", "ORG NUMBER", "ORG NAME", "EFFECTIVE", "MISSING", "REASONS"];
    let rows: Vec<[String; 7]> = reports
        .iter()
        .map(|r| {
            let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
            let list = |items: Vec<&str>| if items.is_empty() { "-".to_string() } else { items.join(",") };
            [
                r.file.clone(),
                r.verdict.map_or("ERROR".into(), |v| v.as_str().to_string()),
                opt(&r.org_number),
                opt(&r.org_name),
                opt(&r.effective_date),
                list(r.missing.iter().map(|f| f.as_str()).collect()),
                match &r.error {
                    Some(e) => e.clone(),
                    None => list(r.reasons.iter().map(|x| x.as_str()).collect()),
                },
            ]
        })
        .collect();
    text_table(&header, &rows)
}

/// Rows as aligned columns under a header line, for people at a terminal.
pub fn text_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells.zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out += &line(&mut row.iter().map(String::as_str));
    }
    out
}

/// A readable account of how a mail was read: sections, attachments and the
/// evidence behind each value. For developers and officers checking a case.
pub fn explain(analysis: &Analysis) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let Some(mail) = &analysis.mail else {
        return "  (not a readable mail)\n".to_string();
    };
    let _ = writeln!(out, "  subject: {}", mail.subject);
    let _ = writeln!(out, "  reference date: {}", analysis.reference_date.map_or("-".into(), |d| d.to_string()));
    for s in &mail.sections {
        let _ = writeln!(out, "  [{:?}]", s.kind);
        for line in s.text.lines().take(40) {
            let _ = writeln!(out, "    | {line}");
        }
    }
    for a in &mail.attachments {
        let _ = writeln!(
            out,
            "  attachment: {} ({}, {} bytes{})",
            a.name,
            a.content_type,
            a.size,
            if a.inline { ", inline" } else { "" }
        );
    }
    for p in &mail.problems {
        let _ = writeln!(out, "  problem: {p}");
    }
    if let Some(ex) = &analysis.extraction {
        let _ = writeln!(
            out,
            "  intent: {:?} {}",
            ex.intent.intent,
            ex.intent.evidence.as_ref().map_or("", |e| e.text.as_str())
        );
        let _ = writeln!(out, "  org_number: {}", serde_json::to_string(&ex.org_number).unwrap_or_default());
        let _ = writeln!(out, "  org_name: {}", serde_json::to_string(&ex.org_name).unwrap_or_default());
        let _ = writeln!(out, "  effective_date: {}", serde_json::to_string(&ex.effective_date).unwrap_or_default());
        let _ = writeln!(out, "  read from: {:?}", ex.read_from);
    }
    out
}

/// Terminations as CSV (RFC 4180 quoting), for spreadsheets: the CLI's
/// `terminations list --format csv` and the officers' export.
pub fn terminations_csv(rows: &[crate::store::TerminationRecord]) -> String {
    let mut out = String::from("org_number,org_name,effective_date,received_at,message_id,recorded_at,recorded_by\r\n");
    for r in rows {
        let fields = [
            r.org_number.as_str(),
            r.org_name.as_str(),
            r.effective_date.as_str(),
            r.received_at.as_str(),
            r.message_id.as_deref().unwrap_or(""),
            r.recorded_at.as_str(),
            r.recorded_by.as_str(),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(s: &str) -> String {
    // A leading = + - @ would be a formula to a spreadsheet: neutralised.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

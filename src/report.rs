//! The per-file result of `lefi-intake extract`, as JSON and as a table.

use serde::Serialize;

use crate::analyse::Analysis;
use crate::domain::{Code, Field, Reason, Verdict};
use crate::listing::Listing;

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
    let mut listing =
        Listing::new(&["file", "verdict", "org_number", "org_name", "effective_date", "missing", "reasons"]);
    for r in reports {
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        let list = |items: Vec<&str>| if items.is_empty() { "-".to_string() } else { items.join(",") };
        listing.push(vec![
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
        ]);
    }
    listing.to_table()
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

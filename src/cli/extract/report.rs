//! The per-file result of `lefi-intake extract`, as JSON and as a table.

use serde::Serialize;

use crate::analyse::Analysis;
use crate::domain::{Code, Field, Reason, Verdict};
use crate::extract::{DateFinding, DateNote, Extraction, NameFinding, NumberNote, OrgNumberFinding, SentenceClass};
use crate::store::listing::Listing;

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

/// A readable account of how a mail was read: sections, attachments, every
/// candidate each extractor considered and what became of it, and the
/// positive rules an accept met. For developers and officers checking a case.
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
        explain_extraction(&mut out, ex);
    }
    let d = &analysis.decision;
    let _ = write!(out, "  decision: {}", d.verdict.as_str());
    if !d.reasons.is_empty() {
        let _ = write!(out, " ({})", d.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "));
    }
    match &d.grounds {
        Some(g) => {
            let _ = writeln!(out, "; allowed by: statement {}, organisation number {}", g.statement, g.org_number);
        }
        None => out.push('\n'),
    }
    out
}

/// Who vouches for the sender, under the trust settings: which
/// `Authentication-Results` header counted, and which claimed our server's
/// name where it cannot have written them (planted by the sender).
pub fn explain_sender(mail: &crate::mail::Inbound, trust: &crate::config::TrustSettings) -> String {
    use crate::trust::{domain_of, sender};
    use std::fmt::Write;
    let mut out = String::new();
    let from = mail.from.as_ref().and_then(|f| domain_of(&f.address));
    let sender_domain = mail.sender.as_ref().and_then(|s| domain_of(&s.address));
    if let Some(why) = sender::several_authors(mail.from_mailboxes, from.as_deref(), sender_domain.as_deref()) {
        let _ = writeln!(out, "  sender: not authenticated: {why}");
        return out;
    }
    let assessment = sender::assess(&mail.trace, from.as_deref(), trust);
    let outcome = match &assessment.sender {
        sender::SenderAuth::Authenticated { method, domain } => format!("authenticated ({method:?} pass for {domain})"),
        sender::SenderAuth::NotAuthenticated { why } => format!("not authenticated: {why}"),
        sender::SenderAuth::Forged { why } => format!("forged: {why}"),
    };
    let _ = writeln!(out, "  sender: {outcome}");
    if let Some(used) = &assessment.used {
        let _ = writeln!(out, "    used: Authentication-Results: {used}");
    }
    for planted in &assessment.planted {
        let _ = writeln!(out, "    ignored as planted: Authentication-Results: {planted}");
    }
    out
}

fn explain_extraction(out: &mut String, ex: &Extraction) {
    use std::fmt::Write;
    if !ex.reading.sentences.is_empty() {
        let _ = writeln!(out, "  every sentence, by role (an unexplained one goes to an officer):");
        for s in &ex.reading.sentences {
            let role = format!("{:?}", s.role).to_lowercase();
            let marks = if s.markers.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = s.markers.iter().map(|m| format!("{m:?}").to_lowercase()).collect();
                format!(" [{}]", names.join(", "))
            };
            let flag = if s.role == crate::extract::Role::Unexplained { ">>" } else { "  " };
            let _ = writeln!(out, "  {flag} {role:<11}{marks} {:?}", s.evidence.text);
        }
    }
    let rule = ex.intent.rule.map(|r| format!(" by rule {r}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  intent: {:?}{rule}{}",
        ex.intent.intent,
        if ex.intent.on_behalf { ", on behalf of another" } else { "" }
    );
    for s in &ex.intent.considered {
        let class = match s.class {
            SentenceClass::Stated(rule) => format!("states it ({rule})"),
            SentenceClass::Hedged => "hedges it (considered, planned, future or conditional)".into(),
            SentenceClass::Asked => "asks about it".into(),
            SentenceClass::Negated => "denies it".into(),
            SentenceClass::Mentioned => "only mentions it (no present statement)".into(),
            SentenceClass::Label => "a form's label".into(),
        };
        let _ = writeln!(out, "    sentence {:?}: {class}", s.evidence.text);
    }
    let number = match &ex.org_number {
        OrgNumberFinding::Found(f) => {
            format!("{} ({})", f.value, f.basis.map_or("basis not recorded".into(), |b| b.to_string()))
        }
        OrgNumberFinding::None => "none".into(),
        OrgNumberFinding::Ambiguous { candidates } => {
            format!("ambiguous: {}", candidates.iter().map(|c| c.value.to_string()).collect::<Vec<_>>().join(", "))
        }
        OrgNumberFinding::Invalid { problem, .. } => format!("invalid ({problem:?})"),
        OrgNumberFinding::Unlabelled { candidates } => {
            format!("only alone: {}", candidates.iter().map(|c| c.value.to_string()).collect::<Vec<_>>().join(", "))
        }
    };
    let _ = writeln!(out, "  org_number: {number}");
    for n in &ex.numbers_considered {
        let why = match &n.note {
            NumberNote::Candidate(basis) => format!("a candidate ({basis})"),
            NumberNote::OtherKind(label) => format!("rejected: labelled as another kind of number ({label})"),
            NumberNote::Personal => "rejected: a personal identity number".into(),
            NumberNote::Checksum => "rejected: the check digit does not match".into(),
            NumberNote::Forsakringskassan => "rejected: Försäkringskassan's own number".into(),
            NumberNote::Alone => "not taken: not labelled, not in the stating sentence, not beside the name".into(),
        };
        let _ = writeln!(out, "    number {} in {:?}: {why}", n.value, n.evidence.text);
    }
    let name = match &ex.org_name {
        NameFinding::Found(f) => f.value.clone(),
        NameFinding::None => "none".into(),
        NameFinding::Ambiguous { candidates, .. } => {
            format!("ambiguous: {}", candidates.iter().map(|c| c.value.as_str()).collect::<Vec<_>>().join(", "))
        }
    };
    let _ = writeln!(out, "  org_name: {name}");
    let date = match &ex.effective_date {
        DateFinding::Found(f) => f.value.to_string(),
        DateFinding::None => "none".into(),
        DateFinding::Ambiguous { candidates } => {
            format!("ambiguous: {}", candidates.iter().map(|c| c.value.to_string()).collect::<Vec<_>>().join(", "))
        }
        DateFinding::Invalid { evidence } => format!("invalid in {:?}", evidence.text),
        DateFinding::NotADate { evidence } => format!("not a date: {:?}", evidence.value()),
        DateFinding::Vague { evidence } => format!("not one day: {:?}", evidence.value()),
    };
    let _ = writeln!(out, "  effective_date: {date}");
    for d in &ex.dates_considered {
        let why = match d.note {
            DateNote::Anchored => "after a phrase that gives the effective date",
            DateNote::InStatement => "in the stating sentence",
            DateNote::NotTheEffectiveDate => "not taken: neither after such a phrase nor in the statement",
            DateNote::Deadline => "not taken: a deadline, not the day it takes effect",
            DateNote::Invalid => "rejected: no such day, or too far ahead",
        };
        let read = d.value.map(|v| format!(" = {v}")).unwrap_or_default();
        let _ = writeln!(out, "    date {:?}{read}: {why}", d.written);
    }
    let _ = writeln!(out, "  read from: {:?}", ex.read_from);
}

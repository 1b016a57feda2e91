//! One answer, composed at decision time. Its Message-ID quotes the mail's
//! row id and its text the case's reference (the first mail's row id), which
//! exist only once the mail is inserted; so a decision yields a [`ReplyDraft`], and the
//! store renders it with the row id inside the transaction that records the
//! mail.

use std::collections::HashMap;
use std::sync::Arc;

use super::templates::{Templates, render};
use super::{ReplyKind, answer_key, our_message_id, reference, reply_subject};
use crate::domain::{Decision, Field, Reason};
use crate::extract::Extraction;
use crate::mail::Inbound;

/// A reply as queued in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReply {
    pub kind: ReplyKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub our_message_id: String,
    /// Answers with the same key are sent at most once per period.
    pub answer_key: String,
}

/// What an answer is composed from.
pub struct DraftInput<'a> {
    pub kind: ReplyKind,
    pub mail: &'a Inbound,
    pub decision: &'a Decision,
    pub extraction: Option<&'a Extraction>,
    /// For "already registered": the date on file.
    pub on_file_date: Option<String>,
    pub recipient: String,
    /// Our address: the Message-ID's domain.
    pub from: &'a str,
    /// For "rejected": the officer's words to the sender.
    pub note: Option<&'a str>,
}

/// An answer waiting for its mail's row id.
#[derive(Debug, Clone)]
pub struct ReplyDraft {
    pub kind: ReplyKind,
    pub recipient: String,
    pub answer_key: String,
    subject: String,
    template: Arc<str>,
    values: HashMap<&'static str, String>,
    in_reply_to: Option<String>,
    references: Vec<String>,
    from: String,
}

impl ReplyDraft {
    pub fn new(templates: &Templates, d: DraftInput<'_>) -> ReplyDraft {
        let termination = d.decision.termination.as_ref();
        let mut values: HashMap<&'static str, String> = HashMap::new();
        values.insert(
            "org_number",
            termination
                .map(|t| t.org_number.to_string())
                .or_else(|| d.extraction.and_then(|e| e.org_number()).map(|n| n.to_string()))
                .unwrap_or_default(),
        );
        values.insert(
            "org_name",
            termination
                .map(|t| t.org_name.clone())
                .or_else(|| d.extraction.and_then(|e| e.org_name()).map(str::to_string))
                .unwrap_or_default(),
        );
        values.insert(
            "effective_date",
            d.on_file_date.clone().or_else(|| termination.map(|t| t.effective_date.to_string())).unwrap_or_default(),
        );
        values.insert(
            "missing_list",
            d.decision.missing.iter().map(|f| missing_line(*f, &d.decision.reasons)).collect::<Vec<_>>().join("\n"),
        );
        values.insert("note", d.note.unwrap_or_default().to_string());

        // Thread it: In-Reply-To the mail, References = its references + the mail.
        let in_reply_to = d.mail.message_id.clone();
        let mut references: Vec<String> = d.mail.references.iter().take(20).cloned().collect();
        if let Some(id) = &in_reply_to
            && !references.contains(id)
        {
            references.push(id.clone());
        }
        let org = termination.map(|t| t.org_number.to_string()).unwrap_or_default();
        ReplyDraft {
            kind: d.kind,
            answer_key: answer_key(&d.recipient, d.kind, &org),
            recipient: d.recipient,
            subject: reply_subject(&d.mail.subject),
            template: templates.text(d.kind),
            values,
            in_reply_to,
            references,
            from: d.from.to_string(),
        }
    }

    /// The answer to the mail recorded as `message_row`, quoting the
    /// reference of its case (`case_row`: the first mail of its thread).
    pub fn render(&self, message_row: i64, case_row: i64) -> NewReply {
        let mut values = self.values.clone();
        values.insert("reference", reference(case_row));
        NewReply {
            kind: self.kind,
            recipient: self.recipient.clone(),
            subject: self.subject.clone(),
            body: render(&self.template, &values),
            in_reply_to: self.in_reply_to.clone(),
            references: self.references.clone(),
            our_message_id: our_message_id(message_row, self.kind, &self.from),
            answer_key: self.answer_key.clone(),
        }
    }
}

/// What one missing or invalid field needs, in plain Swedish.
fn missing_line(field: Field, reasons: &[Reason]) -> String {
    let has = |r| reasons.contains(&r);
    match field {
        Field::Intent => "- att ärendet gäller uppsägning av tjänsten LEFI Prenumeration".to_string(),
        Field::OrgNumber => {
            let mut line = "- organisationsnummer (tio siffror, till exempel 212000-0142)".to_string();
            if has(Reason::OrgNumberChecksum) {
                line.push_str(
                    ": det nummer som angavs är inte ett giltigt organisationsnummer (kontrollsiffran stämmer inte)",
                );
            } else if has(Reason::OrgNumberIsPersonal) {
                line.push_str(": det nummer som angavs är ett personnummer, inte ett organisationsnummer");
            }
            line
        }
        Field::OrgName => "- organisationens namn".to_string(),
        Field::EffectiveDate => {
            let mut line = "- från vilket datum uppsägningen ska gälla (till exempel 2027-01-01)".to_string();
            if has(Reason::EffectiveDateInPast) {
                line.push_str(": det datum som angavs har redan passerat, ange ett datum från och med i dag");
            } else if has(Reason::EffectiveDateInvalid) {
                line.push_str(": det datum som angavs finns inte");
            } else if has(Reason::EffectiveDateNotADate) {
                line.push_str(": ange ett datum i stället för till exempel ”omgående”");
            }
            line
        }
    }
}

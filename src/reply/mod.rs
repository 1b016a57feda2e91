//! Answers to senders: which answer a decision gets, to whom, with what text.
//! Composed at decision time and queued in the outbox in the same transaction;
//! the outbox worker sends them.

pub mod message;
pub mod outbox;
pub mod templates;
pub mod transport;

use std::collections::HashMap;

use crate::domain::{Decision, Field, Reason, Verdict};
use crate::extract::Extraction;
use crate::mail::Inbound;
use crate::store::NewReply;
use templates::Templates;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyKind {
    Confirmation,
    Incomplete,
    AlreadyRegistered,
    ManualReview,
    /// An officer rejected the mail and chose to tell the sender why.
    Rejected,
}

impl ReplyKind {
    pub const ALL: &'static [ReplyKind] = &[
        ReplyKind::Confirmation,
        ReplyKind::Incomplete,
        ReplyKind::AlreadyRegistered,
        ReplyKind::ManualReview,
        ReplyKind::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Confirmation => "confirmation",
            ReplyKind::Incomplete => "incomplete",
            ReplyKind::AlreadyRegistered => "already_registered",
            ReplyKind::ManualReview => "manual_review",
            ReplyKind::Rejected => "rejected",
        }
    }

    /// The answer a decision gets; `None` for mails that get none.
    pub fn for_decision(decision: &Decision, answer_quarantine: bool) -> Option<ReplyKind> {
        match decision.verdict {
            Verdict::Accept if decision.reasons.contains(&Reason::AlreadyRegistered) => {
                Some(ReplyKind::AlreadyRegistered)
            }
            Verdict::Accept => Some(ReplyKind::Confirmation),
            Verdict::Incomplete => Some(ReplyKind::Incomplete),
            Verdict::Quarantine if answer_quarantine => Some(ReplyKind::ManualReview),
            Verdict::Quarantine | Verdict::Ignore => None,
        }
    }
}

/// The reference officers and senders quote: derived from the mail's row id.
pub fn reference(message_row: i64) -> String {
    format!("LEFI-{message_row:06}")
}

/// Our deterministic Message-ID for the reply of `kind` to mail `message_row`.
pub fn our_message_id(message_row: i64, kind: ReplyKind, from: &str) -> String {
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    format!("lefi-intake.{message_row}.{}@{domain}", kind.as_str())
}

/// Who gets the answer: Reply-To, else From — never a robot, a list, an empty
/// or invalid address, or ourselves (RFC 3834 §2).
pub fn recipient(mail: &Inbound, own_addresses: &[String]) -> Option<String> {
    let address = mail.reply_to.as_ref().or(mail.from.as_ref())?.address.trim().to_string();
    let parsed: lettre::Address = address.parse().ok()?;
    let user = parsed.user().to_ascii_lowercase();
    let robot = ["mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply"]
        .iter()
        .any(|r| user == *r || user.starts_with(&format!("{r}+")) || user.starts_with(&format!("{r}-")));
    if robot || own_addresses.iter().any(|own| own.eq_ignore_ascii_case(&address)) {
        return None;
    }
    Some(address)
}

/// What "the same answer to the same sender" means for the answer limit: the
/// recipient and the kind, and for confirmations and "already registered" also
/// the organisation (a registrar terminating for several organisations gets a
/// confirmation for each).
pub fn answer_key(recipient: &str, kind: ReplyKind, org_number: &str) -> String {
    let recipient = recipient.trim().to_lowercase();
    match kind {
        ReplyKind::Confirmation | ReplyKind::AlreadyRegistered => format!("{recipient}|{}|{org_number}", kind.as_str()),
        ReplyKind::Incomplete | ReplyKind::ManualReview | ReplyKind::Rejected => {
            format!("{recipient}|{}", kind.as_str())
        }
    }
}

/// "Re: " + the original subject, on one line, bounded.
pub fn reply_subject(original: &str) -> String {
    const MAX_CHARS: usize = 200;
    let clean: String = original.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    let (bare, _) = crate::mail::strip_subject_prefixes(&clean);
    let bare = if bare.is_empty() { "LEFI Prenumeration" } else { bare };
    let subject = format!("Re: {bare}");
    if subject.chars().count() > MAX_CHARS {
        let mut cut: String = subject.chars().take(MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        subject
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

/// Everything needed to compose one answer.
pub struct Compose<'a> {
    pub kind: ReplyKind,
    pub message_row: i64,
    pub mail: &'a Inbound,
    pub decision: &'a Decision,
    pub extraction: Option<&'a Extraction>,
    /// For "already registered": the date on file.
    pub on_file_date: Option<String>,
    pub recipient: String,
    pub from: &'a str,
    /// For "rejected": the officer's words to the sender.
    pub note: Option<&'a str>,
}

pub fn compose(templates: &Templates, c: Compose<'_>) -> NewReply {
    let termination = c.decision.termination.as_ref();
    let mut values: HashMap<&str, String> = HashMap::new();
    values.insert("reference", reference(c.message_row));
    values.insert(
        "org_number",
        termination
            .map(|t| t.org_number.to_string())
            .or_else(|| c.extraction.and_then(|e| e.org_number()).map(|n| n.to_string()))
            .unwrap_or_default(),
    );
    values.insert(
        "org_name",
        termination
            .map(|t| t.org_name.clone())
            .or_else(|| c.extraction.and_then(|e| e.org_name()).map(str::to_string))
            .unwrap_or_default(),
    );
    values.insert(
        "effective_date",
        c.on_file_date.clone().or_else(|| termination.map(|t| t.effective_date.to_string())).unwrap_or_default(),
    );
    values.insert(
        "missing_list",
        c.decision.missing.iter().map(|f| missing_line(*f, &c.decision.reasons)).collect::<Vec<_>>().join("\n"),
    );
    values.insert("note", c.note.unwrap_or_default().to_string());
    let body = templates.render(c.kind, &values);

    // Thread it: In-Reply-To the mail, References = its references + the mail.
    let in_reply_to = c.mail.message_id.clone();
    let mut references: Vec<String> = c.mail.references.iter().take(20).cloned().collect();
    if let Some(id) = &in_reply_to
        && !references.contains(id)
    {
        references.push(id.clone());
    }
    let org = termination.map(|t| t.org_number.to_string()).unwrap_or_default();
    NewReply {
        answer_key: answer_key(&c.recipient, c.kind, &org),
        kind: c.kind.as_str(),
        recipient: c.recipient,
        subject: reply_subject(&c.mail.subject),
        body,
        in_reply_to,
        references,
        our_message_id: our_message_id(c.message_row, c.kind, c.from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mailbox;

    #[test]
    fn subjects_are_one_bounded_line_with_one_re() {
        assert_eq!(reply_subject("SV: Uppsägning\r\nBcc: x@y.se"), "Re: Uppsägning Bcc: x@y.se");
        assert_eq!(reply_subject(""), "Re: LEFI Prenumeration");
        assert_eq!(reply_subject(&"x".repeat(500)).chars().count(), 200);
    }

    #[test]
    fn robots_and_we_ourselves_get_no_answer() {
        let mail = |a: &str| Inbound { from: Some(Mailbox { name: None, address: a.into() }), ..Inbound::default() };
        let own = vec!["registeruttag@forsakringskassan.se".to_string()];
        assert_eq!(recipient(&mail("anna@uppsala.se"), &own).as_deref(), Some("anna@uppsala.se"));
        for robot in [
            "noreply@x.se",
            "no-reply@x.se",
            "MAILER-DAEMON@x.se",
            "postmaster@x.se",
            "Registeruttag@Forsakringskassan.se",
            "not an address",
        ] {
            assert_eq!(recipient(&mail(robot), &own), None, "{robot}");
        }
    }

    #[test]
    fn reply_to_wins_over_from() {
        let mail = Inbound {
            from: Some(Mailbox { name: None, address: "anna@uppsala.se".into() }),
            reply_to: Some(Mailbox { name: None, address: "registrator@uppsala.se".into() }),
            ..Inbound::default()
        };
        assert_eq!(recipient(&mail, &[]).as_deref(), Some("registrator@uppsala.se"));
    }
}

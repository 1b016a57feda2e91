//! Answers to senders: which answer a decision gets, to whom, with what text.
//! Composed at decision time and queued in the outbox in the same transaction;
//! the outbox worker sends them.

mod context;
mod draft;
pub mod templates;

use strum::{Display, EnumString, IntoStaticStr, VariantArray};

pub use context::ReplyContext;
pub use draft::{DraftInput, NewReply, ReplyDraft};

use crate::domain::{Code, Decision, Reason, Verdict};
use crate::mail::Inbound;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumString, VariantArray, Display, serde::Serialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Confirmation,
    Incomplete,
    AlreadyRegistered,
    ManualReview,
    /// An officer rejected the mail and chose to tell the sender why.
    Rejected,
}

impl ReplyKind {
    /// The answer a decision gets; `None` for mails that get none.
    pub fn for_decision(decision: &Decision, answer_quarantine: bool) -> Option<ReplyKind> {
        match decision.verdict {
            Verdict::Accept if decision.reasons.contains(&Reason::AlreadyRegistered) => {
                Some(ReplyKind::AlreadyRegistered)
            }
            Verdict::Accept => Some(ReplyKind::Confirmation),
            Verdict::Incomplete => Some(ReplyKind::Incomplete),
            // A robot's mail held for an officer is not answered either (RFC 3834).
            Verdict::Quarantine if decision.reasons.iter().any(|r| r.is_automated_sender()) => None,
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

/// Who gets the answer: the From address — or its Reply-To when that is in
/// the same organisational domain, since a Reply-To elsewhere would let a
/// mail aim our answers at a third party (RFC 3834 §4) — never a robot, a
/// list, an empty or invalid address, or ourselves (RFC 3834 §2).
pub fn recipient(mail: &Inbound, own_addresses: &[String]) -> Option<String> {
    let from = mail.from.as_ref()?.address.trim();
    let reply_to = mail.reply_to.as_ref().map(|r| r.address.trim()).filter(|r| same_organisation(r, from));
    let address = reply_to.unwrap_or(from).to_string();
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

/// Two addresses in the same organisational domain ("registrator@uppsala.se"
/// and "anna@socialtjanst.uppsala.se").
pub fn same_organisation(a: &str, b: &str) -> bool {
    use crate::trust::{domain_of, org_domain};
    matches!((domain_of(a), domain_of(b)), (Some(x), Some(y)) if org_domain(&x) == org_domain(&y))
}

/// The Reply-To that answers will not go to (outside the From's organisation).
pub fn ignored_reply_to(mail: &Inbound) -> Option<&str> {
    let (from, reply_to) = (mail.from.as_ref()?.address.trim(), mail.reply_to.as_ref()?.address.trim());
    (!same_organisation(reply_to, from)).then_some(reply_to)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::MailAddress;

    #[test]
    fn a_robots_mail_held_for_an_officer_is_not_answered() {
        let held = Decision::quarantine(Vec::new(), vec![Reason::AutoReply]);
        assert_eq!(ReplyKind::for_decision(&held, true), None);
        let person = Decision::quarantine(Vec::new(), vec![Reason::Question]);
        assert_eq!(ReplyKind::for_decision(&person, true), Some(ReplyKind::ManualReview));
    }

    #[test]
    fn subjects_are_one_bounded_line_with_one_re() {
        assert_eq!(reply_subject("SV: Uppsägning\r\nBcc: x@y.se"), "Re: Uppsägning Bcc: x@y.se");
        assert_eq!(reply_subject(""), "Re: LEFI Prenumeration");
        assert_eq!(reply_subject(&"x".repeat(500)).chars().count(), 200);
    }

    #[test]
    fn robots_and_we_ourselves_get_no_answer() {
        let mail =
            |a: &str| Inbound { from: Some(MailAddress { name: None, address: a.into() }), ..Inbound::default() };
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
    fn a_reply_to_in_the_senders_organisation_wins_over_from() {
        let mail = |reply_to: &str| Inbound {
            from: Some(MailAddress { name: None, address: "anna@uppsala.se".into() }),
            reply_to: Some(MailAddress { name: None, address: reply_to.into() }),
            ..Inbound::default()
        };
        assert_eq!(recipient(&mail("registrator@uppsala.se"), &[]).as_deref(), Some("registrator@uppsala.se"));
        assert_eq!(recipient(&mail("it@mail.uppsala.se"), &[]).as_deref(), Some("it@mail.uppsala.se"));
        // Elsewhere: the answer goes to the From address, never to the third party.
        assert_eq!(recipient(&mail("victim@example.com"), &[]).as_deref(), Some("anna@uppsala.se"));
        assert_eq!(ignored_reply_to(&mail("victim@example.com")), Some("victim@example.com"));
    }
}

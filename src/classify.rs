//! Mails that must never get an automatic answer, whatever they quote
//! (RFC 3834): auto-replies, delivery reports, list and bulk mail, our own mails.

use crate::domain::Reason;
use crate::mail::Inbound;

/// The ignore reasons that apply to `mail`, empty when none does.
pub fn ignore_reasons(mail: &Inbound, own_addresses: &[String]) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if is_own(mail, own_addresses) {
        reasons.push(Reason::OwnMail);
    }
    if is_bounce(mail) {
        reasons.push(Reason::Bounce);
    }
    if is_auto_reply(mail) {
        reasons.push(Reason::AutoReply);
    }
    if is_bulk(mail) {
        reasons.push(Reason::BulkMail);
    }
    reasons
}

fn is_own(mail: &Inbound, own_addresses: &[String]) -> bool {
    mail.own_marker.is_some()
        || mail.from.as_ref().is_some_and(|f| own_addresses.iter().any(|own| own.eq_ignore_ascii_case(&f.address)))
}

/// Delivery status notifications (RFC 3464 multipart/report), the null
/// reverse-path, and the conventional daemon senders.
fn is_bounce(mail: &Inbound) -> bool {
    if mail.is_report || mail.return_path.as_deref() == Some("") {
        return true;
    }
    mail.from.as_ref().is_some_and(|f| {
        let local = f.address.split('@').next().unwrap_or("").to_ascii_lowercase();
        matches!(local.as_str(), "mailer-daemon" | "postmaster" | "mail-daemon" | "maildaemon")
    })
}

/// RFC 3834 §5: Auto-Submitted other than "no"; the older X-Autoreply family;
/// Precedence: auto_reply; an out-of-office subject together with Exchange's
/// X-Auto-Response-Suppress (a subject alone proves nothing).
fn is_auto_reply(mail: &Inbound) -> bool {
    if mail.auto_submitted.as_deref().is_some_and(|v| v != "no") {
        return true;
    }
    if !mail.autoreply_headers.is_empty() || mail.precedence.as_deref() == Some("auto_reply") {
        return true;
    }
    mail.auto_response_suppress && has_out_of_office_subject(&mail.subject)
}

fn has_out_of_office_subject(subject: &str) -> bool {
    let s = subject.to_lowercase();
    [
        "automatiskt svar",
        "autosvar",
        "frånvaromeddelande",
        "frånvaro",
        "out of office",
        "out of the office",
        "automatic reply",
        "auto reply",
        "autoreply",
        "abwesenheit",
        "fraværsmelding",
        "poissa",
    ]
    .iter()
    .any(|p| s.contains(p))
}

/// List-Id (RFC 2919) and Precedence: bulk, list or junk.
fn is_bulk(mail: &Inbound) -> bool {
    mail.list_id.is_some() || matches!(mail.precedence.as_deref(), Some("bulk" | "list" | "junk"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::MailAddress;

    fn mail() -> Inbound {
        Inbound {
            from: Some(MailAddress { name: None, address: "registrator@uppsala.se".into() }),
            subject: "Uppsägning".into(),
            ..Inbound::default()
        }
    }

    #[test]
    fn an_ordinary_mail_is_not_ignored() {
        assert!(ignore_reasons(&mail(), &[]).is_empty());
    }

    #[test]
    fn auto_submitted_no_is_a_person() {
        let m = Inbound { auto_submitted: Some("no".into()), ..mail() };
        assert!(ignore_reasons(&m, &[]).is_empty());
        let m = Inbound { auto_submitted: Some("auto-replied".into()), ..mail() };
        assert_eq!(ignore_reasons(&m, &[]), vec![Reason::AutoReply]);
    }

    #[test]
    fn an_out_of_office_subject_alone_is_not_enough() {
        let m = Inbound { subject: "Automatiskt svar: Uppsägning".into(), ..mail() };
        assert!(ignore_reasons(&m, &[]).is_empty());
        let m = Inbound { auto_response_suppress: true, ..m };
        assert_eq!(ignore_reasons(&m, &[]), vec![Reason::AutoReply]);
    }

    #[test]
    fn our_own_address_is_ignored() {
        let m = Inbound {
            from: Some(MailAddress { name: None, address: "Registeruttag@Forsakringskassan.se".into() }),
            ..mail()
        };
        assert_eq!(ignore_reasons(&m, &["registeruttag@forsakringskassan.se".into()]), vec![Reason::OwnMail]);
    }
}

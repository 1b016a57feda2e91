//! Trust before action: who sent a mail (`sender.rs`, from the receiving
//! server's `Authentication-Results`, or `dkim.rs`, our own check) and whether
//! the organisation is a registered subscriber writing from its own domain
//! (`registry.rs`). `apply` turns both into the decision: a termination is
//! taken automatically only from an authenticated sender, for a registered
//! subscriber, from one of its domains, under its name. Pure, except `dkim.rs`.

pub mod auth_results;
pub mod dkim;
pub mod registry;
pub mod sender;

pub use sender::{AuthMethod, SenderAuth};

/// The organisational domain (the registrable part, by the Public Suffix
/// List): "mail.uppsala.se" -> "uppsala.se", "x.example.co.uk" -> "example.co.uk".
pub fn org_domain(domain: &str) -> String {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    match psl::domain_str(&domain) {
        Some(registrable) => registrable.to_string(),
        None => domain,
    }
}

/// The domain of a mail address, lower case.
pub fn domain_of(address: &str) -> Option<String> {
    address.rsplit_once('@').map(|(_, d)| d.trim().trim_end_matches('>').to_ascii_lowercase()).filter(|d| !d.is_empty())
}

use crate::config::{RegistryMode, SenderAuthentication};
use crate::domain::{Decision, Reason, Subscriber, Verdict};

/// What the trust checks know of one mail.
#[derive(Debug, Clone, Copy)]
pub struct Checks<'a> {
    pub sender: &'a SenderAuth,
    pub authentication: SenderAuthentication,
    pub registry: RegistryMode,
    /// The registered subscriber with the decision's organisation number.
    pub subscriber: Option<&'a Subscriber>,
    /// The From address's domain.
    pub from_domain: Option<&'a str>,
}

/// The decision with the trust checks applied: an unauthenticated or forged
/// sender, or a registry mismatch, sends the mail to an officer (robots'
/// mails stay ignored). Never turns a doubtful mail into an accept.
pub fn apply(decision: Decision, checks: &Checks<'_>) -> Decision {
    if decision.verdict == Verdict::Ignore {
        return decision;
    }
    let Decision { mut verdict, missing, mut reasons, termination, grounds } = decision;
    if checks.authentication == SenderAuthentication::Required {
        match checks.sender {
            SenderAuth::Authenticated { .. } => {}
            SenderAuth::Forged { .. } => {
                reasons.extend([Reason::SenderForged, Reason::SenderNotAuthenticated]);
                verdict = Verdict::Quarantine;
            }
            SenderAuth::NotAuthenticated { .. } => {
                reasons.push(Reason::SenderNotAuthenticated);
                verdict = Verdict::Quarantine;
            }
        }
    }
    if let (Some(t), true) = (&termination, checks.registry != RegistryMode::Off) {
        let found = registry::check(t, checks.from_domain, checks.subscriber);
        let blocks = match checks.registry {
            RegistryMode::Required => !found.is_empty(),
            RegistryMode::Advisory => found.contains(&Reason::UnknownSubscriber),
            RegistryMode::Off => false,
        };
        reasons.extend(found);
        if blocks {
            verdict = Verdict::Quarantine;
        }
    }
    let accepted = verdict == Verdict::Accept;
    let mut out = Decision::new(verdict, missing, reasons, termination.filter(|_| accepted));
    out.grounds = grounds.filter(|_| accepted);
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{OrgNumber, SubscriberKind, SubscriberStatus, Termination};

    fn accept() -> Decision {
        let t = Termination {
            org_number: OrgNumber::parse("212000-3005").unwrap(),
            org_name: "Uppsala kommun".into(),
            effective_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        };
        Decision::new(Verdict::Accept, vec![], vec![], Some(t))
    }

    fn uppsala() -> Subscriber {
        Subscriber {
            org_number: OrgNumber::parse("212000-3005").unwrap(),
            name: "Uppsala kommun".into(),
            other_names: vec![],
            domains: vec!["uppsala.se".into()],
            kind: SubscriberKind::Authority,
            status: SubscriberStatus::Active,
            terminated_from: None,
        }
    }

    fn checks<'a>(sender: &'a SenderAuth, registry: RegistryMode, subscriber: Option<&'a Subscriber>) -> Checks<'a> {
        Checks {
            sender,
            authentication: SenderAuthentication::Required,
            registry,
            subscriber,
            from_domain: Some("uppsala.se"),
        }
    }

    #[test]
    fn an_authenticated_subscriber_is_accepted_and_anything_else_goes_to_an_officer() {
        let ok = SenderAuth::Authenticated { method: AuthMethod::Dmarc, domain: "uppsala.se".into() };
        let sub = uppsala();
        assert_eq!(apply(accept(), &checks(&ok, RegistryMode::Required, Some(&sub))).verdict, Verdict::Accept);
        let unknown = apply(accept(), &checks(&ok, RegistryMode::Required, None));
        assert_eq!((unknown.verdict, unknown.reasons), (Verdict::Quarantine, vec![Reason::UnknownSubscriber]));
        let not = SenderAuth::NotAuthenticated { why: "none".into() };
        let d = apply(accept(), &checks(&not, RegistryMode::Required, Some(&sub)));
        assert_eq!(
            (d.verdict, d.reasons, d.termination),
            (Verdict::Quarantine, vec![Reason::SenderNotAuthenticated], None)
        );
        let forged = SenderAuth::Forged { why: "dmarc fail".into() };
        let d = apply(accept(), &checks(&forged, RegistryMode::Required, Some(&sub)));
        assert!(d.reasons.contains(&Reason::SenderForged));
    }

    #[test]
    fn advisory_mode_notes_mismatches_and_stops_only_the_unknown() {
        let ok = SenderAuth::Authenticated { method: AuthMethod::Dmarc, domain: "uppsala.se".into() };
        let other_name = Subscriber { name: "Knivsta kommun".into(), ..uppsala() };
        let d = apply(accept(), &checks(&ok, RegistryMode::Advisory, Some(&other_name)));
        assert_eq!((d.verdict, d.reasons), (Verdict::Accept, vec![Reason::NameMismatch]));
        assert_eq!(apply(accept(), &checks(&ok, RegistryMode::Advisory, None)).verdict, Verdict::Quarantine);
        assert_eq!(apply(accept(), &checks(&ok, RegistryMode::Off, None)).verdict, Verdict::Accept);
    }

    #[test]
    fn an_incomplete_mail_from_an_unauthenticated_sender_is_not_answered_with_what_was_found() {
        let not = SenderAuth::NotAuthenticated { why: "none".into() };
        let incomplete = Decision::new(Verdict::Incomplete, vec![crate::domain::Field::EffectiveDate], vec![], None);
        let d = apply(incomplete, &checks(&not, RegistryMode::Required, None));
        assert_eq!(d.verdict, Verdict::Quarantine);
    }
}

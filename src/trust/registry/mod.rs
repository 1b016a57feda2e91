//! The subscriber registry's checks on a termination: the organisation must
//! be a registered subscriber (not an insurer: their agreement governs),
//! writing from one of its domains, under its registered name or one of its
//! other names. Pure; the store looks the subscriber up, `import.rs` reads
//! the registry's CSV.

pub mod import;

use crate::domain::{Reason, Subscriber, SubscriberKind, Termination};
use crate::trust::org_domain;

/// What the registry says against a termination (empty: nothing).
pub fn check(termination: &Termination, from_domain: Option<&str>, subscriber: Option<&Subscriber>) -> Vec<Reason> {
    let Some(subscriber) = subscriber else { return vec![Reason::UnknownSubscriber] };
    let mut reasons = Vec::new();
    if subscriber.kind == SubscriberKind::Insurer {
        reasons.push(Reason::NotAnAuthority);
    }
    let from_org = from_domain.map(org_domain);
    let own_domain = from_org.is_some_and(|from| subscriber.domains.iter().any(|d| org_domain(d) == from));
    if !own_domain {
        reasons.push(Reason::SenderDomainMismatch);
    }
    let names = std::iter::once(&subscriber.name).chain(&subscriber.other_names);
    if !names.into_iter().any(|n| same_name(n, &termination.org_name)) {
        reasons.push(Reason::NameMismatch);
    }
    reasons
}

/// Two ways of writing one subscriber's name: case, spacing, the kind's word
/// ("Uppsala kommun", "Uppsala"; "Malmö stad"; "Sydarkiv kommunalförbund"),
/// "Region Skåne" and "Skåne läns landsting", a genitive -s ("Stockholms stad").
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (core(a), core(b));
    !a.is_empty() && (a == b || strip_genitive(&a) == strip_genitive(&b))
}

/// The name's distinctive part, lower case, single-spaced.
fn core(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    const KIND_WORDS: &[&str] = &["kommun", "stad", "kommunförbund", "kommunalförbund", "landsting", "läns", "län"];
    const LEADING_KIND_WORDS: &[&str] =
        &["region", "kommunalförbundet", "samordningsförbundet", "räddningstjänstförbundet"];
    if words.len() > 1 && words.first().is_some_and(|w| LEADING_KIND_WORDS.contains(w)) {
        words.remove(0);
    }
    while words.len() > 1 && words.last().is_some_and(|w| KIND_WORDS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

fn strip_genitive(s: &str) -> String {
    s.split(' ')
        .map(|w| w.strip_suffix('s').filter(|r| r.chars().count() >= 3).unwrap_or(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{OrgNumber, SubscriberStatus};

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

    fn termination(name: &str) -> Termination {
        Termination {
            org_number: OrgNumber::parse("212000-3005").unwrap(),
            org_name: name.into(),
            effective_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        }
    }

    #[test]
    fn a_registered_subscriber_writing_from_its_domain_passes() {
        assert!(check(&termination("Uppsala kommun"), Some("mail.uppsala.se"), Some(&uppsala())).is_empty());
        assert!(check(&termination("Uppsala"), Some("uppsala.se"), Some(&uppsala())).is_empty());
    }

    #[test]
    fn every_registry_reason() {
        assert_eq!(check(&termination("Uppsala kommun"), Some("uppsala.se"), None), [Reason::UnknownSubscriber]);
        assert_eq!(
            check(&termination("Uppsala kommun"), Some("gmail.com"), Some(&uppsala())),
            [Reason::SenderDomainMismatch]
        );
        assert_eq!(check(&termination("Knivsta kommun"), Some("uppsala.se"), Some(&uppsala())), [Reason::NameMismatch]);
        let insurer = Subscriber { kind: SubscriberKind::Insurer, ..uppsala() };
        assert_eq!(check(&termination("Uppsala kommun"), Some("uppsala.se"), Some(&insurer)), [Reason::NotAnAuthority]);
    }

    #[test]
    fn names_are_compared_as_writers_vary_them() {
        assert!(same_name("Stockholms stad", "stockholms  STAD"));
        assert!(same_name("Stockholms stad", "Stockholm"));
        assert!(same_name("Region Skåne", "Skåne läns landsting"));
        assert!(same_name("Sydarkiv", "Kommunalförbundet Sydarkiv"));
        assert!(same_name("Sydarkiv kommunalförbund", "Sydarkiv"));
        assert!(!same_name("Uppsala kommun", "Knivsta kommun"));
    }
}

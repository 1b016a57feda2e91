//! Who sent the mail, as far as our own receiving server can vouch for it.
//! Only `Authentication-Results` written by a server named in
//! `trust.authserv_ids` count — the topmost such header, which our server
//! added on receipt; anything below it was in the mail already and may be
//! written by anyone. With `trust.exchange_online`, Exchange Online's header
//! (which carries no authserv-id) counts when it is the topmost header of
//! all: Exchange adds it last, so only that one can be Exchange's own.
//!
//! Authenticated means DMARC passed for the From domain (RFC 7489), or DKIM
//! passed for a domain aligned with it (the same organisational domain).

use serde::{Deserialize, Serialize};

use super::auth_results::{self, AuthResults};
use super::org_domain;
use crate::config::TrustSettings;

/// What the trusted header (or our own check) says of the sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum SenderAuth {
    /// DMARC or aligned DKIM passed for the From domain.
    Authenticated { method: AuthMethod, domain: String },
    /// Nothing vouches for the sender (no trusted header, or no pass in it).
    NotAuthenticated { why: String },
    /// DMARC failed for the From domain, or a header claims to be our
    /// server's where our server's cannot be.
    Forged { why: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// `dmarc=pass` in the trusted header.
    Dmarc,
    /// `dkim=pass` aligned with From, in the trusted header.
    Dkim,
    /// DKIM verified by lefi-intake itself (`trust.verify_dkim`).
    OwnDkim,
}

impl SenderAuth {
    pub fn is_authenticated(&self) -> bool {
        matches!(self, SenderAuth::Authenticated { .. })
    }
}

/// The assessment, and whether a trusted header was there at all (without
/// one, `trust.verify_dkim` may check the signature itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub sender: SenderAuth,
    pub trusted_header: bool,
}

/// Assesses the mail's `Authentication-Results` headers (topmost first) for
/// the From domain.
pub fn assess(headers: &[String], from_domain: Option<&str>, settings: &TrustSettings) -> Assessment {
    let parsed: Vec<AuthResults> = headers.iter().map(|h| auth_results::parse(h)).collect();
    let trusted_id = |r: &AuthResults| {
        r.authserv_id.as_deref().is_some_and(|id| settings.authserv_ids.iter().any(|t| t.eq_ignore_ascii_case(id)))
    };
    let exchange = |i: usize, r: &AuthResults| settings.exchange_online && i == 0 && r.authserv_id.is_none();
    let Some(top) = parsed.iter().enumerate().position(|(i, r)| trusted_id(r) || exchange(i, r)) else {
        return Assessment {
            sender: SenderAuth::NotAuthenticated { why: "no Authentication-Results from a trusted server".into() },
            trusted_header: false,
        };
    };
    // Our server removes (RFC 8601 §5) or sits above headers that claim its name:
    // one further down was written before the mail reached it.
    if parsed[top + 1..].iter().any(trusted_id) {
        return Assessment {
            sender: SenderAuth::Forged {
                why: "an Authentication-Results header claims our server's name below ours".into(),
            },
            trusted_header: true,
        };
    }
    let Some(from) = from_domain.map(str::to_ascii_lowercase) else {
        return Assessment {
            sender: SenderAuth::NotAuthenticated { why: "the mail has no From domain".into() },
            trusted_header: true,
        };
    };
    Assessment { sender: judge(&parsed[top], &from), trusted_header: true }
}

/// What one trusted header says of the From domain.
fn judge(header: &AuthResults, from: &str) -> SenderAuth {
    let for_from = |d: Option<&str>| d.is_some_and(|d| d.trim_start_matches('@').eq_ignore_ascii_case(from));
    // A header.from that is not the From domain says nothing of this mail's sender.
    let dmarc: Vec<_> =
        header.of("dmarc").filter(|r| r.prop("header.from").is_none_or(|d| for_from(Some(d)))).collect();
    if dmarc.iter().any(|r| r.result == "fail") {
        return SenderAuth::Forged { why: format!("DMARC failed for {from}") };
    }
    if dmarc.iter().any(|r| r.result == "pass") {
        return SenderAuth::Authenticated { method: AuthMethod::Dmarc, domain: from.to_string() };
    }
    let aligned = header
        .of("dkim")
        .filter(|r| r.result == "pass")
        .find_map(|r| r.prop("header.d").or(r.prop("header.i")).filter(|d| aligned(d, from)));
    match aligned {
        Some(d) => SenderAuth::Authenticated { method: AuthMethod::Dkim, domain: d.to_ascii_lowercase() },
        None => SenderAuth::NotAuthenticated { why: format!("neither DMARC nor DKIM aligned with {from} passed") },
    }
}

/// DKIM's domain is aligned with From's: the same organisational domain
/// (relaxed alignment, RFC 7489 §3.1.1).
pub fn aligned(dkim_domain: &str, from: &str) -> bool {
    let d = dkim_domain.rsplit('@').next().unwrap_or(dkim_domain);
    org_domain(d) == org_domain(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SenderAuthentication;

    fn settings(exchange_online: bool) -> TrustSettings {
        TrustSettings {
            sender_authentication: SenderAuthentication::Required,
            authserv_ids: vec!["mx.forsakringskassan.se".into()],
            exchange_online,
            verify_dkim: false,
            dns_servers: vec![],
        }
    }

    fn sender(headers: &[&str], exchange: bool) -> SenderAuth {
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        assess(&headers, Some("uppsala.se"), &settings(exchange)).sender
    }

    const OURS_PASS: &str = "mx.forsakringskassan.se; dkim=pass header.d=uppsala.se; dmarc=pass header.from=uppsala.se";

    #[test]
    fn our_servers_pass_authenticates() {
        assert!(sender(&[OURS_PASS], false).is_authenticated());
        let dkim_only = "mx.forsakringskassan.se; dkim=pass header.d=mail.uppsala.se; spf=fail smtp.mailfrom=x.se";
        assert!(matches!(sender(&[dkim_only], false), SenderAuth::Authenticated { method: AuthMethod::Dkim, .. }));
    }

    #[test]
    fn dmarc_fail_is_forged_and_others_are_not_authenticated() {
        let fail = "mx.forsakringskassan.se; dkim=none; dmarc=fail header.from=uppsala.se";
        assert!(matches!(sender(&[fail], false), SenderAuth::Forged { .. }));
        let unaligned = "mx.forsakringskassan.se; dkim=pass header.d=gmail.com; dmarc=none header.from=uppsala.se";
        assert!(matches!(sender(&[unaligned], false), SenderAuth::NotAuthenticated { .. }));
        assert!(matches!(sender(&[], false), SenderAuth::NotAuthenticated { .. }));
    }

    #[test]
    fn a_header_the_sender_wrote_counts_for_nothing() {
        let theirs = "mx.attacker.example; dkim=pass header.d=uppsala.se; dmarc=pass header.from=uppsala.se";
        assert!(matches!(sender(&[theirs], false), SenderAuth::NotAuthenticated { .. }));
        // Below ours, claiming our name: a forgery our server let through.
        let ours_none = "mx.forsakringskassan.se; dkim=none; dmarc=none header.from=uppsala.se";
        assert!(matches!(sender(&[ours_none, OURS_PASS], false), SenderAuth::Forged { .. }));
    }

    #[test]
    fn exchange_onlines_header_counts_only_on_top() {
        let exo = "spf=pass smtp.mailfrom=uppsala.se; dkim=pass header.d=uppsala.se;dmarc=pass action=none \
                   header.from=uppsala.se;compauth=pass reason=100";
        assert!(sender(&[exo], true).is_authenticated());
        assert!(!sender(&[exo], false).is_authenticated(), "off unless configured");
        let other_on_top = "relay.example; spf=none";
        assert!(!sender(&[other_on_top, exo], true).is_authenticated(), "not the topmost header");
    }

    #[test]
    fn alignment_is_by_organisational_domain() {
        assert!(aligned("mail.uppsala.se", "uppsala.se"));
        assert!(aligned("uppsala.se", "kommun.uppsala.se"));
        assert!(!aligned("uppsala.se.evil.example", "uppsala.se"));
        assert!(!aligned("example.co.uk", "other.co.uk"));
    }
}

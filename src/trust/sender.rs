//! Who sent the mail, as far as our own receiving server can vouch for it.
//!
//! Only `Authentication-Results` written by a server named in
//! `trust.authserv_ids` count, and only where our border server put them when
//! it received the mail: above the topmost `Received` header it wrote (its
//! host named in `trust.border_hosts`, by default the authserv-ids) — where a
//! server that prepends its results puts them (Exchange, Gmail, rspamd,
//! Stalwart) — or, with `trust.results_below_received`, right below it, where
//! a Postfix milter such as OpenDMARC or OpenDKIM inserts them (at header
//! index 1, after Postfix's own `Received`). Anything further down was in the
//! mail when our border received it, written by whoever sent it: a header
//! there that claims our name is planted, and the mail is forged. With
//! `trust.exchange_online`, Exchange Online's header (which carries no
//! authserv-id) counts when it is the topmost `Authentication-Results`:
//! Exchange adds it last, so only that one can be Exchange's own.
//!
//! Authenticated means DMARC passed for the From domain (RFC 7489), or DKIM
//! passed for a domain aligned with it (the same organisational domain); and
//! the mail has one author: a From with several mailboxes, or a Sender of
//! another domain, leaves the choice of whose authentication counts to the
//! receiver (RFC 7489 §6.6.1), and ours refuses.

use serde::{Deserialize, Serialize};

use super::auth_results::{self, AuthResults};
use super::org_domain;
use crate::config::TrustSettings;
use crate::mail::TraceField;

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
    /// The header whose results counted.
    pub used: Option<String>,
    /// Headers claiming our server's name where it cannot have written them.
    pub planted: Vec<String>,
}

impl Assessment {
    fn without_header(why: &str) -> Assessment {
        Assessment {
            sender: SenderAuth::NotAuthenticated { why: why.into() },
            trusted_header: false,
            used: None,
            planted: Vec::new(),
        }
    }
}

/// The mail's author, as far as it has one: `None` when it has exactly one,
/// else why it has not (several From mailboxes, or a Sender whose domain
/// is not the From domain's).
pub fn several_authors(
    from_mailboxes: usize,
    from_domain: Option<&str>,
    sender_domain: Option<&str>,
) -> Option<String> {
    if from_mailboxes > 1 {
        return Some(format!("the From header names {from_mailboxes} mailboxes"));
    }
    match (from_domain, sender_domain) {
        (Some(from), Some(sender))
            if org_domain(&from.to_ascii_lowercase()) != org_domain(&sender.to_ascii_lowercase()) =>
        {
            Some(format!("the Sender header's domain {sender} is not the From domain {from}"))
        }
        _ => None,
    }
}

/// An `Authentication-Results` header, parsed, at its place among the trace headers.
struct Placed<'a> {
    at: usize,
    results: AuthResults,
    value: &'a str,
}

/// Assesses the mail's trace headers (topmost first) for the From domain.
pub fn assess(trace: &[TraceField], from_domain: Option<&str>, settings: &TrustSettings) -> Assessment {
    let results: Vec<Placed<'_>> = trace
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            TraceField::AuthResults(v) => Some(Placed { at: i, results: auth_results::parse(v), value: v }),
            TraceField::Received { .. } => None,
        })
        .collect();
    let trusted_id = |r: &AuthResults| {
        r.authserv_id.as_deref().is_some_and(|id| settings.authserv_ids.iter().any(|t| t.eq_ignore_ascii_case(id)))
    };
    let claiming: Vec<&Placed> = results.iter().filter(|p| trusted_id(&p.results)).collect();
    let exchange = results.first().filter(|p| settings.exchange_online && p.results.authserv_id.is_none());

    let (top, planted): (Option<&Placed>, Vec<&Placed>) = if let Some(exo) = exchange {
        (Some(exo), claiming.clone())
    } else {
        let border: &[String] =
            if settings.border_hosts.is_empty() { &settings.authserv_ids } else { &settings.border_hosts };
        let received = trace.iter().position(|t| {
                matches!(t, TraceField::Received { by: Some(host) } if border.iter().any(|b| b.eq_ignore_ascii_case(host)))
            });
        let Some(received) = received else {
            return Assessment {
                planted: claiming.iter().map(|p| p.value.to_string()).collect(),
                ..Assessment::without_header(if claiming.is_empty() {
                    "no Authentication-Results from a trusted server"
                } else {
                    "no Received header written by our border server (trust.border_hosts): an \
                         Authentication-Results header with our name cannot be told from one the sender wrote"
                })
            };
        };
        // Right below our Received line, before any header of the sender's.
        let below_run = trace[received + 1..].iter().take_while(|t| matches!(t, TraceField::AuthResults(_))).count();
        let ours =
            |i: usize| i < received || settings.results_below_received && i > received && i <= received + below_run;
        let mut in_place = claiming.iter().copied().filter(|p| ours(p.at));
        let top = in_place.next();
        // Our server writes one; any other claiming its name is the sender's.
        let planted = claiming.iter().copied().filter(|c| top.is_none_or(|t| t.at != c.at)).collect();
        (top, planted)
    };
    let planted_text: Vec<String> = planted.iter().map(|p| p.value.to_string()).collect();
    let Some(Placed { results: header, value, .. }) = top else {
        if planted.is_empty() {
            return Assessment::without_header("no Authentication-Results from a trusted server");
        }
        return Assessment {
            sender: SenderAuth::Forged {
                why: "an Authentication-Results header with our server's name was in the mail before our server \
                      received it"
                    .into(),
            },
            trusted_header: true,
            used: None,
            planted: planted_text,
        };
    };
    let used = Some(value.to_string());
    if !planted.is_empty() {
        return Assessment {
            sender: SenderAuth::Forged {
                why: "an Authentication-Results header claims our server's name below ours".into(),
            },
            trusted_header: true,
            used,
            planted: planted_text,
        };
    }
    let Some(from) = from_domain.map(str::to_ascii_lowercase) else {
        return Assessment {
            sender: SenderAuth::NotAuthenticated { why: "the mail has no From domain".into() },
            trusted_header: true,
            used,
            planted: planted_text,
        };
    };
    Assessment { sender: judge(header, &from), trusted_header: true, used, planted: planted_text }
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
            border_hosts: vec![],
            results_below_received: false,
            exchange_online,
            verify_dkim: false,
            dns_servers: vec![],
        }
    }

    const BORDER: &str =
        "from mx.uppsala.se (mx.uppsala.se [192.0.2.10]) by mx.forsakringskassan.se (Postfix) with ESMTPS";
    const SENDERS: &str = "from [10.0.0.5] by mx.uppsala.se (Postfix) with ESMTP";

    /// Headers written as `A:` (Authentication-Results) or `R:` (Received), topmost first.
    fn trace(headers: &[&str]) -> Vec<TraceField> {
        headers
            .iter()
            .map(|h| match h.split_once(':') {
                Some(("A", v)) => TraceField::AuthResults(v.trim().to_string()),
                Some(("R", v)) => TraceField::received(v),
                _ => panic!("A: or R: {h}"),
            })
            .collect()
    }

    fn judged(headers: &[&str], settings: &TrustSettings) -> Assessment {
        assess(&trace(headers), Some("uppsala.se"), settings)
    }

    fn sender(headers: &[&str], exchange: bool) -> SenderAuth {
        judged(headers, &settings(exchange)).sender
    }

    const OURS_PASS: &str =
        "A: mx.forsakringskassan.se; dkim=pass header.d=uppsala.se; dmarc=pass header.from=uppsala.se";

    #[test]
    fn our_servers_pass_above_its_received_line_authenticates() {
        assert!(sender(&[OURS_PASS, &format!("R: {BORDER}")], false).is_authenticated());
        let dkim_only = "A: mx.forsakringskassan.se; dkim=pass header.d=mail.uppsala.se; spf=fail smtp.mailfrom=x.se";
        assert!(matches!(
            sender(&[dkim_only, &format!("R: {BORDER}")], false),
            SenderAuth::Authenticated { method: AuthMethod::Dkim, .. }
        ));
    }

    #[test]
    fn dmarc_fail_is_forged_and_others_are_not_authenticated() {
        let border = format!("R: {BORDER}");
        let fail = "A: mx.forsakringskassan.se; dkim=none; dmarc=fail header.from=uppsala.se";
        assert!(matches!(sender(&[fail, &border], false), SenderAuth::Forged { .. }));
        let unaligned = "A: mx.forsakringskassan.se; dkim=pass header.d=gmail.com; dmarc=none header.from=uppsala.se";
        assert!(matches!(sender(&[unaligned, &border], false), SenderAuth::NotAuthenticated { .. }));
        assert!(matches!(sender(&[], false), SenderAuth::NotAuthenticated { .. }));
    }

    #[test]
    fn a_header_the_sender_wrote_counts_for_nothing() {
        let border = format!("R: {BORDER}");
        let theirs = "A: mx.attacker.example; dkim=pass header.d=uppsala.se; dmarc=pass header.from=uppsala.se";
        assert!(matches!(sender(&[theirs, &border], false), SenderAuth::NotAuthenticated { .. }));
        // Below ours, claiming our name: a forgery our server let through.
        let ours_none = "A: mx.forsakringskassan.se; dkim=none; dmarc=none header.from=uppsala.se";
        assert!(matches!(sender(&[ours_none, OURS_PASS, &border], false), SenderAuth::Forged { .. }));
    }

    #[test]
    fn our_name_below_our_received_line_was_planted_by_the_sender() {
        // Our border added no results of its own: the only pass claiming our
        // name stands below our Received line, in what the sender sent.
        let planted = judged(&[&format!("R: {BORDER}"), OURS_PASS, &format!("R: {SENDERS}")], &settings(false));
        assert!(matches!(planted.sender, SenderAuth::Forged { .. }), "{planted:?}");
        assert_eq!(planted.planted.len(), 1);
        assert_eq!(planted.used, None);
        // Without any Received of ours nothing can be placed: not authenticated.
        assert!(!sender(&[OURS_PASS, &format!("R: {SENDERS}")], false).is_authenticated());
    }

    #[test]
    fn a_postfix_milters_results_right_below_its_received_line_count_when_configured() {
        let milter = TrustSettings { results_below_received: true, ..settings(false) };
        let headers = [&format!("R: {BORDER}") as &str, OURS_PASS, &format!("R: {SENDERS}")];
        let judged_below = judged(&headers, &milter);
        assert!(judged_below.sender.is_authenticated(), "{judged_below:?}");
        assert!(judged_below.used.is_some());
        // A second one of our name in the run (the sender's topmost) is planted.
        let ours_none = "A: mx.forsakringskassan.se; dkim=none; dmarc=none header.from=uppsala.se";
        let doubled = [&format!("R: {BORDER}") as &str, OURS_PASS, ours_none, &format!("R: {SENDERS}")];
        assert!(matches!(judged(&doubled, &milter).sender, SenderAuth::Forged { .. }));
        // Further down, after a header of the sender's, it is never ours.
        let deeper = [&format!("R: {BORDER}") as &str, &format!("R: {SENDERS}"), OURS_PASS];
        assert!(matches!(judged(&deeper, &milter).sender, SenderAuth::Forged { .. }));
    }

    #[test]
    fn the_border_may_be_named_apart_from_the_authserv_id() {
        let named = TrustSettings { border_hosts: vec!["mx.forsakringskassan.se".into()], ..settings(false) };
        let authserv = TrustSettings { authserv_ids: vec!["fk-filter".into()], ..named };
        let pass = "A: fk-filter; dkim=pass header.d=uppsala.se; dmarc=pass header.from=uppsala.se";
        assert!(judged(&[pass, &format!("R: {BORDER}")], &authserv).sender.is_authenticated());
    }

    #[test]
    fn one_author_only() {
        assert_eq!(several_authors(1, Some("uppsala.se"), None), None);
        assert_eq!(several_authors(1, Some("uppsala.se"), Some("mail.uppsala.se")), None);
        assert!(several_authors(2, Some("uppsala.se"), None).is_some());
        assert!(several_authors(1, Some("uppsala.se"), Some("evil.example")).is_some());
    }

    #[test]
    fn exchange_onlines_header_counts_only_on_top() {
        let exo = "A: spf=pass smtp.mailfrom=uppsala.se; dkim=pass header.d=uppsala.se;dmarc=pass action=none \
                   header.from=uppsala.se;compauth=pass reason=100";
        assert!(sender(&[exo], true).is_authenticated());
        assert!(!sender(&[exo], false).is_authenticated(), "off unless configured");
        let other_on_top = "A: relay.example; spf=none";
        assert!(!sender(&[other_on_top, exo], true).is_authenticated(), "not the topmost header");
    }

    #[test]
    fn the_by_host_is_read_past_comments() {
        assert_eq!(
            TraceField::received("from x (helo by evil) by MX.Example.se (Postfix) with ESMTPS id 1;"),
            TraceField::Received { by: Some("mx.example.se".into()) }
        );
        assert_eq!(TraceField::received("from x with local"), TraceField::Received { by: None });
    }

    #[test]
    fn alignment_is_by_organisational_domain() {
        assert!(aligned("mail.uppsala.se", "uppsala.se"));
        assert!(aligned("uppsala.se", "kommun.uppsala.se"));
        assert!(!aligned("uppsala.se.evil.example", "uppsala.se"));
        assert!(!aligned("example.co.uk", "other.co.uk"));
    }
}

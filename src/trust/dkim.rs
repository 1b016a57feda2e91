//! Our own DKIM check (`trust.verify_dkim`), for a receiving server that adds
//! no `Authentication-Results`: the signatures are verified with mail-auth
//! against the signers' keys in DNS, and a pass for a domain aligned with the
//! From domain authenticates the sender. SPF cannot be checked here (only the
//! receiving server knows the connecting address), so a mail without a
//! valid aligned signature stays unauthenticated.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::hickory_resolver::proto::op::ResponseCode;
use mail_auth::{AuthenticatedMessage, DkimResult, DnsError, MessageAuthenticator, Parameters, ResolverCache, Txt};

use super::SenderAuth;
use super::sender::{AuthMethod, aligned};

#[derive(Debug, thiserror::Error)]
pub enum DkimSetupError {
    #[error("setting up the DNS resolver for DKIM (trust.dns_servers): {0}")]
    Resolver(String),
}

/// DNS answers given beforehand, for tests: names not among them do not exist.
/// No query leaves the process.
#[derive(Default)]
pub struct DnsAnswers(Mutex<HashMap<String, Txt>>);

impl DnsAnswers {
    pub fn new() -> DnsAnswers {
        DnsAnswers::default()
    }

    /// A DKIM key record ("v=DKIM1; k=ed25519; p=…") for `selector._domainkey.domain`.
    pub fn dkim_key(self, selector: &str, domain: &str, record: &str) -> Result<DnsAnswers, mail_auth::Error> {
        let key = DomainKey::parse(record.as_bytes())?;
        self.0.lock().expect("not poisoned").insert(format!("{selector}._domainkey.{domain}."), key.into());
        Ok(self)
    }
}

impl ResolverCache<Box<str>, Txt> for DnsAnswers {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        // The map's keys are Strings; the caller's key is a str.
        let map = self.0.lock().expect("not poisoned");
        let found = map.iter().find(|(k, _)| {
            let k: Box<str> = k.as_str().into();
            std::borrow::Borrow::<Q>::borrow(&k) == name
        });
        Some(match found {
            Some((_, txt)) => txt.clone(),
            None => Txt::Error(mail_auth::Error::Dns(DnsError::RecordNotFound(ResponseCode::NXDomain))),
        })
    }

    fn remove<Q>(&self, _: &Q) -> Option<Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _: Box<str>, _: Txt, _: std::time::Instant) {}
}

pub struct DkimVerifier {
    authenticator: MessageAuthenticator,
    answers: Option<DnsAnswers>,
}

impl DkimVerifier {
    /// With the system's resolver, or the servers in `trust.dns_servers`.
    pub fn new(dns_servers: &[String]) -> Result<DkimVerifier, DkimSetupError> {
        let authenticator = if dns_servers.is_empty() {
            MessageAuthenticator::new_system_conf()
        } else {
            let servers = dns_servers
                .iter()
                .filter_map(|ip| ip.parse::<IpAddr>().ok())
                .map(NameServerConfig::udp_and_tcp)
                .collect();
            MessageAuthenticator::new(ResolverConfig::from_name_servers(servers), ResolverOpts::default())
        }
        .map_err(|e| DkimSetupError::Resolver(e.to_string()))?;
        Ok(DkimVerifier { authenticator, answers: None })
    }

    /// With the DNS answers given (tests): nothing is asked of a server.
    pub fn with_answers(answers: DnsAnswers) -> Result<DkimVerifier, DkimSetupError> {
        Ok(DkimVerifier { answers: Some(answers), ..DkimVerifier::new(&[])? })
    }

    /// Verifies the mail's DKIM signatures for the From domain.
    pub async fn verify(&self, raw: &[u8], from_domain: &str) -> SenderAuth {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return SenderAuth::NotAuthenticated { why: "the mail cannot be read for DKIM".into() };
        };
        let outputs = match &self.answers {
            Some(answers) => self.authenticator.verify_dkim(Parameters::new(&message).with_txt_cache(answers)).await,
            None => self.authenticator.verify_dkim(&message).await,
        };
        let passed = outputs
            .iter()
            .filter(|o| o.result() == &DkimResult::Pass)
            .filter_map(|o| o.signature().map(|s| s.d.clone()))
            .find(|d| aligned(d, from_domain));
        match passed {
            Some(domain) => {
                SenderAuth::Authenticated { method: AuthMethod::OwnDkim, domain: domain.to_ascii_lowercase() }
            }
            None if outputs.is_empty() => {
                SenderAuth::NotAuthenticated { why: "the mail carries no DKIM signature".into() }
            }
            None => {
                SenderAuth::NotAuthenticated { why: format!("no DKIM signature aligned with {from_domain} verified") }
            }
        }
    }
}

//! What the intake applies besides the extraction: the sender's
//! authentication (`trust.*`), the registry (`registry.mode`) and the mode
//! (`intake.mode`: automatic, or shadow while the agency builds trust).

use crate::config::{IntakeMode, RegistryMode, SenderAuthentication, Settings, TrustSettings};
use crate::mail::Inbound;
use crate::trust::dkim::DkimVerifier;
use crate::trust::{SenderAuth, domain_of, sender};

pub struct Policy {
    pub trust: TrustSettings,
    pub registry: RegistryMode,
    pub mode: IntakeMode,
    /// Set with `trust.verify_dkim`.
    pub dkim: Option<DkimVerifier>,
}

impl Policy {
    pub fn from_settings(settings: &Settings, dkim: Option<DkimVerifier>) -> Policy {
        Policy { trust: settings.trust.clone(), registry: settings.registry.mode, mode: settings.intake.mode, dkim }
    }

    /// The sender's authentication: the trusted receiving server's
    /// `Authentication-Results`, or (with `trust.verify_dkim`, when none is
    /// there) our own check of the DKIM signatures.
    pub async fn sender_auth(&self, raw: &[u8], mail: Option<&Inbound>) -> SenderAuth {
        let Some(mail) = mail else {
            return SenderAuth::NotAuthenticated { why: "the bytes are not a mail".into() };
        };
        if self.trust.sender_authentication == SenderAuthentication::Off {
            return SenderAuth::NotAuthenticated { why: "not checked (trust.sender_authentication = off)".into() };
        }
        let from_domain = mail.from.as_ref().and_then(|f| domain_of(&f.address));
        let sender_domain = mail.sender.as_ref().and_then(|s| domain_of(&s.address));
        if let Some(why) =
            sender::several_authors(mail.from_mailboxes, from_domain.as_deref(), sender_domain.as_deref())
        {
            return SenderAuth::NotAuthenticated { why };
        }
        let assessment = sender::assess(&mail.trace, from_domain.as_deref(), &self.trust);
        match (&self.dkim, assessment.trusted_header, &from_domain) {
            (Some(dkim), false, Some(domain)) => dkim.verify(raw, domain).await,
            _ => assessment.sender,
        }
    }
}

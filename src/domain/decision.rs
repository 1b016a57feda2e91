//! What happens to a mail: the verdict, the fields still missing, and why.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumMessage, EnumString, IntoStaticStr, VariantArray};

use super::{Grounds, Termination};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Verdict {
    /// A valid termination: record it and confirm.
    Accept,
    /// The intent is clear but facts are missing or invalid: ask the sender.
    Incomplete,
    /// Doubtful: an officer decides.
    Quarantine,
    /// Not for us to answer (auto-replies, bounces, bulk mail, our own mails).
    Ignore,
}

/// The four facts a termination must carry (the seed text's list).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantArray,
    Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Field {
    Intent,
    OrgNumber,
    OrgName,
    EffectiveDate,
}

/// Why a mail got its verdict. The codes are stable: they are stored, shown
/// to officers, printed by the CLI and documented in the README; each
/// variant's doc comment is its one line for officers and the README.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantArray,
    Display,
    EnumMessage,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Reason {
    /// The labeled organisation number fails the Luhn check.
    OrgNumberChecksum,
    /// The number given as organisation number is a personal identity number.
    OrgNumberIsPersonal,
    /// The effective date is before the day the mail was received.
    EffectiveDateInPast,
    /// The effective date does not exist in the calendar (31 april) or is implausibly far off.
    EffectiveDateInvalid,
    /// The date is given as words such as "omgående" or "med omedelbar verkan".
    EffectiveDateNotADate,
    /// The date is not one specific day: a deadline ("senast 1 mars"), a period ("vid årsskiftet", "i januari 2027").
    EffectiveDateVague,
    /// The day the mail was received is unknown, so the effective date cannot be checked.
    ReceivedDateUnknown,
    /// Two different organisation numbers could be the terminating party.
    AmbiguousOrgNumber,
    /// The only organisation number stands alone: not labelled as one, not in the stating sentence, not beside the name.
    OrgNumberUnlabelled,
    /// Two different effective dates are given.
    AmbiguousEffectiveDate,
    /// Two different organisation names are given as the terminating party.
    AmbiguousOrgName,
    /// The mail names several organisations, each with its own number.
    SeveralOrganisations,
    /// The organisation is not a public body (insurance companies terminate per their agreement).
    NotAnAuthority,
    /// The mail withdraws (återkallar) an earlier termination.
    Withdrawal,
    /// The mail asks how to terminate rather than terminating.
    Question,
    /// The termination is hedged, planned or conditional ("vi överväger att säga upp", "we may cancel"), not decided.
    IntentUncertain,
    /// The termination is stated only in a mail forwarded from someone else; the sender states nothing of their own.
    Forwarded,
    /// The mail terminates another service than LEFI Prenumeration, or a newsletter.
    OtherService,
    /// The facts appear to be only in an attachment, which is not read.
    AttachmentOnly,
    /// No termination is stated in the mail.
    NoTerminationIntent,
    /// An automatic reply (RFC 3834 Auto-Submitted, X-Autoreply, out-of-office).
    AutoReply,
    /// A delivery status notification or a mail from MAILER-DAEMON or postmaster.
    Bounce,
    /// A mailing list or bulk mail (List-Id, Precedence bulk/list/junk).
    BulkMail,
    /// One of our own replies came back.
    OwnMail,
    /// The bytes are not a readable mail.
    Unparseable,
    /// The mail is larger than the configured maximum and was not read whole.
    TooLarge,
    /// The mail's text is longer than the text limit and was cut: what follows was not read.
    TextTruncated,
    /// A sentence of the mail has no role the reader knows and could change what it means: an officer reads it.
    UnexplainedText,
    /// The termination covers only a part: one unit of the organisation, some of the service, a person's access.
    PartialScope,
    /// The mail names more than a hundred terminations, numbers or dates, as no real mail does: the rest was not read.
    TooManyValues,
    /// The organisation's termination is already on file with another effective date.
    ConflictsWithRecord,
    /// Nothing vouches for the sender: no DMARC or aligned DKIM pass from our receiving server.
    SenderNotAuthenticated,
    /// DMARC failed for the From domain, or an authentication header was forged: never answered.
    SenderForged,
    /// The organisation is not in the subscriber registry.
    UnknownSubscriber,
    /// The sender's domain is not one of the subscriber's.
    SenderDomainMismatch,
    /// The name given is not the subscriber's registered name or one of its other names.
    NameMismatch,
    /// Shadow mode: the intake would accept; an officer confirms before anything is recorded or answered.
    Proposed,
    /// The organisation's termination is already on file with the same date.
    AlreadyRegistered,
}

impl Reason {
    /// The mail comes from a robot, a list or ourselves: never answered (RFC 3834).
    pub fn is_automated_sender(self) -> bool {
        matches!(self, Reason::AutoReply | Reason::Bounce | Reason::BulkMail | Reason::OwnMail)
    }

    /// One line for officers and the README (the variant's doc comment).
    pub fn description(self) -> &'static str {
        self.get_documentation().unwrap_or_default().trim()
    }
}

/// The outcome for one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// Fields that are absent or unusable, in declaration order of [`Field`].
    pub missing: Vec<Field>,
    /// Sorted, without duplicates.
    pub reasons: Vec<Reason>,
    /// Set when the verdict is `Accept`.
    pub termination: Option<Termination>,
    /// The positive rules an automatic accept met (none for an officer's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounds: Option<Grounds>,
}

impl Decision {
    pub fn ignore(reasons: Vec<Reason>) -> Self {
        Self::new(Verdict::Ignore, Vec::new(), reasons, None)
    }

    pub fn quarantine(missing: Vec<Field>, reasons: Vec<Reason>) -> Self {
        Self::new(Verdict::Quarantine, missing, reasons, None)
    }

    pub fn new(
        verdict: Verdict,
        mut missing: Vec<Field>,
        mut reasons: Vec<Reason>,
        termination: Option<Termination>,
    ) -> Self {
        missing.sort();
        missing.dedup();
        reasons.sort();
        reasons.dedup();
        Decision { verdict, missing, reasons, termination, grounds: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    #[test]
    fn every_reason_round_trips_through_its_code() {
        for r in Reason::VARIANTS {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(*r));
            assert_eq!(serde_json::to_string(r).unwrap(), format!("\"{}\"", r.as_str()));
            assert!(!r.description().is_empty());
        }
    }
}

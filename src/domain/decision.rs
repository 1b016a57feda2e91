//! What happens to a mail: the verdict, the fields still missing, and why.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::OrgNumber;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Incomplete => "incomplete",
            Verdict::Quarantine => "quarantine",
            Verdict::Ignore => "ignore",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Verdict::Accept, Verdict::Incomplete, Verdict::Quarantine, Verdict::Ignore]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The four facts a termination must carry (the seed text's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Intent,
    OrgNumber,
    OrgName,
    EffectiveDate,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::Intent, Field::OrgNumber, Field::OrgName, Field::EffectiveDate];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Intent => "intent",
            Field::OrgNumber => "org_number",
            Field::OrgName => "org_name",
            Field::EffectiveDate => "effective_date",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

macro_rules! reasons {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal ),+ $(,)?) => {
        /// Why a mail got its verdict. The codes are stable: they are stored, shown
        /// to officers, printed by the CLI and documented in the README.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Reason {
            $( $(#[doc = $doc])* #[serde(rename = $code)] $variant, )+
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $code,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some(Reason::$variant),)+ _ => None }
            }

            /// One line for officers and the README.
            pub fn description(self) -> &'static str {
                match self { $(Reason::$variant => concat!($($doc),*).trim_ascii(),)+ }
            }
        }
    };
}

reasons! {
    /// The labeled organisation number fails the Luhn check.
    OrgNumberChecksum = "org_number_checksum",
    /// The number given as organisation number is a personal identity number.
    OrgNumberIsPersonal = "org_number_is_personal",
    /// The effective date is before the day the mail was received.
    EffectiveDateInPast = "effective_date_in_past",
    /// The effective date does not exist in the calendar (31 april) or is implausibly far off.
    EffectiveDateInvalid = "effective_date_invalid",
    /// The date is given as words such as "omgående" or "med omedelbar verkan".
    EffectiveDateNotADate = "effective_date_not_a_date",
    /// The day the mail was received is unknown, so the effective date cannot be checked.
    ReceivedDateUnknown = "received_date_unknown",
    /// Two different organisation numbers could be the terminating party.
    AmbiguousOrgNumber = "ambiguous_org_number",
    /// Two different effective dates are given.
    AmbiguousEffectiveDate = "ambiguous_effective_date",
    /// Two different organisation names are given as the terminating party.
    AmbiguousOrgName = "ambiguous_org_name",
    /// The mail names several organisations, each with its own number.
    SeveralOrganisations = "several_organisations",
    /// The organisation is not a public body (insurance companies terminate per their agreement).
    NotAnAuthority = "not_an_authority",
    /// The mail withdraws (återkallar) an earlier termination.
    Withdrawal = "withdrawal",
    /// The mail asks how to terminate rather than terminating.
    Question = "question",
    /// The mail terminates another service than LEFI Prenumeration, or a newsletter.
    OtherService = "other_service",
    /// The facts appear to be only in an attachment, which is not read.
    AttachmentOnly = "attachment_only",
    /// No termination is stated in the mail.
    NoTerminationIntent = "no_termination_intent",
    /// An automatic reply (RFC 3834 Auto-Submitted, X-Autoreply, out-of-office).
    AutoReply = "auto_reply",
    /// A delivery status notification or a mail from MAILER-DAEMON or postmaster.
    Bounce = "bounce",
    /// A mailing list or bulk mail (List-Id, Precedence bulk/list/junk).
    BulkMail = "bulk_mail",
    /// One of our own replies came back.
    OwnMail = "own_mail",
    /// The bytes are not a readable mail.
    Unparseable = "unparseable",
    /// The mail is larger than the configured maximum and was not read whole.
    TooLarge = "too_large",
    /// The organisation's termination is already on file with another effective date.
    ConflictsWithRecord = "conflicts_with_record",
    /// The organisation's termination is already on file with the same date.
    AlreadyRegistered = "already_registered",
}

/// The facts of an accepted termination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Termination {
    pub org_number: OrgNumber,
    pub org_name: String,
    pub effective_date: NaiveDate,
}

/// The outcome for one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// Fields that are absent or unusable, in the order of [`Field::ALL`].
    pub missing: Vec<Field>,
    /// Sorted, without duplicates.
    pub reasons: Vec<Reason>,
    /// Set when the verdict is `Accept`.
    pub termination: Option<Termination>,
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
        Decision { verdict, missing, reasons, termination }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips_through_its_code() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(*r));
            assert_eq!(serde_json::to_string(r).unwrap(), format!("\"{}\"", r.as_str()));
            assert!(!r.description().is_empty());
        }
    }
}

//! Extraction + context -> Decision. No I/O, no clock: the receipt day is a parameter.

use chrono::NaiveDate;

use crate::classify;
use crate::domain::{Decision, Field, Grounds, Reason, StatementRule, Termination, Verdict};
use crate::extract::{
    DateFinding, Extraction, Intent, NameFinding, NumberFound, OrgNumberFinding, OrgNumberProblem, TextOrigin,
    is_insurer_name,
};
use crate::mail::Inbound;

/// What the decision knows beyond the mail's content.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The day the mail was received (Swedish time where known). Dates before it
    /// cannot be honoured automatically.
    pub received: Option<NaiveDate>,
    /// Our own addresses: mails from them are our replies coming back.
    pub own_addresses: &'a [String],
}

/// Mails that get no answer and no extraction (see [`classify`]).
pub fn ignore(mail: &Inbound, ctx: &Context<'_>) -> Option<Decision> {
    let reasons = classify::ignore_reasons(mail, ctx.own_addresses);
    (!reasons.is_empty()).then(|| Decision::ignore(reasons))
}

/// Decides on what was extracted. Also used when a thread's earlier mail has
/// been merged in. An accept needs positive evidence for each fact (see
/// [`Grounds`]); anything short of it asks the sender or an officer.
pub fn decide(mail: &Inbound, extraction: &Extraction, ctx: &Context<'_>) -> Decision {
    let mut missing = Vec::new();
    let mut reasons = Vec::new();
    let mut doubtful = Vec::new();

    // A subject "Uppsägning" says what the mail is about only when the mail
    // also gives the facts; a "Tack!" under it states nothing.
    let states_a_fact = !matches!(extraction.org_number, OrgNumberFinding::None)
        || !matches!(extraction.effective_date, DateFinding::None);
    let subject_only = extraction.intent.rule == Some(StatementRule::SubjectNotice) && !states_a_fact;
    match extraction.intent.intent {
        Intent::Terminate if subject_only => {
            missing.push(Field::Intent);
            doubtful.push(Reason::NoTerminationIntent);
        }
        Intent::Terminate => {}
        Intent::Uncertain => doubtful.push(Reason::IntentUncertain),
        Intent::Question => doubtful.push(Reason::Question),
        Intent::Withdrawal => doubtful.push(Reason::Withdrawal),
        Intent::OtherService => doubtful.push(Reason::OtherService),
        Intent::None => {
            missing.push(Field::Intent);
            doubtful.push(Reason::NoTerminationIntent);
        }
    }

    // Several organisations: several numbers and names, or one terminating
    // for another. Their names' ambiguity then says nothing more.
    let several = extraction.intent.on_behalf
        || extraction.org_number.distinct_count() >= 2 && extraction.org_name.distinct_count() >= 2;
    if extraction.intent.on_behalf {
        doubtful.push(Reason::SeveralOrganisations);
    }

    // What came after the cut was not read: nothing may be concluded from
    // what seems missing, nor from what seems complete.
    if mail.text_truncated {
        doubtful.push(Reason::TextTruncated);
    }
    if extraction.overflow {
        doubtful.push(Reason::TooManyValues);
    }
    // Closed world: where the mail states a termination, a sentence no role
    // explains, a part instead of the whole, or a condition outside the
    // statement sends it to an officer. (A question, a withdrawal, a plan has
    // its own reason: the sentence that makes it one is the unexplained one.)
    let states_it = extraction.intent.intent == Intent::Terminate && !subject_only;
    if states_it && extraction.read_from != TextOrigin::Forwarded {
        let reading = &extraction.reading;
        if reading.unexplained().next().is_some() {
            doubtful.push(Reason::UnexplainedText);
        }
        if reading.partial().is_some() {
            doubtful.push(Reason::PartialScope);
        }
        if reading.conditional().is_some() {
            doubtful.push(Reason::IntentUncertain);
        }
        if reading.asks().is_some() {
            doubtful.push(Reason::Question);
        }
    }

    // The sender's own text states nothing: the statement is someone else's.
    if extraction.read_from == TextOrigin::Forwarded {
        doubtful.push(Reason::Forwarded);
    }

    let org_number = match &extraction.org_number {
        OrgNumberFinding::Found(NumberFound { value, basis: Some(_), .. }) => Some(*value),
        // Stored before the basis was recorded: an officer looks at it.
        OrgNumberFinding::Found(NumberFound { basis: None, .. }) | OrgNumberFinding::Unlabelled { .. } => {
            missing.push(Field::OrgNumber);
            doubtful.push(Reason::OrgNumberUnlabelled);
            None
        }
        OrgNumberFinding::None => {
            missing.push(Field::OrgNumber);
            None
        }
        OrgNumberFinding::Invalid { problem, .. } => {
            missing.push(Field::OrgNumber);
            reasons.push(match problem {
                OrgNumberProblem::Checksum => Reason::OrgNumberChecksum,
                OrgNumberProblem::Personal => Reason::OrgNumberIsPersonal,
            });
            None
        }
        OrgNumberFinding::Ambiguous { .. } => {
            missing.push(Field::OrgNumber);
            doubtful.push(if several { Reason::SeveralOrganisations } else { Reason::AmbiguousOrgNumber });
            None
        }
    };
    if org_number.is_some_and(|n| !n.is_public_body()) {
        doubtful.push(Reason::NotAnAuthority);
    }

    let org_name = match &extraction.org_name {
        NameFinding::Found(f) => Some(f.value.clone()),
        NameFinding::None => {
            missing.push(Field::OrgName);
            None
        }
        NameFinding::Ambiguous { labeled, .. } => {
            missing.push(Field::OrgName);
            doubtful.push(if *labeled || several { Reason::SeveralOrganisations } else { Reason::AmbiguousOrgName });
            None
        }
    };
    // Insurance companies terminate per their written agreement, not by mail.
    if org_name.as_deref().is_some_and(is_insurer_name) {
        doubtful.push(Reason::NotAnAuthority);
    }

    let effective_date = match &extraction.effective_date {
        DateFinding::Found(f) => match ctx.received {
            Some(received) if f.value < received => {
                missing.push(Field::EffectiveDate);
                reasons.push(Reason::EffectiveDateInPast);
                None
            }
            Some(_) => Some(f.value),
            None => {
                doubtful.push(Reason::ReceivedDateUnknown);
                None
            }
        },
        DateFinding::None => {
            missing.push(Field::EffectiveDate);
            None
        }
        DateFinding::Invalid { .. } => {
            missing.push(Field::EffectiveDate);
            reasons.push(Reason::EffectiveDateInvalid);
            None
        }
        DateFinding::NotADate { .. } => {
            missing.push(Field::EffectiveDate);
            reasons.push(Reason::EffectiveDateNotADate);
            None
        }
        DateFinding::Vague { .. } => {
            missing.push(Field::EffectiveDate);
            reasons.push(Reason::EffectiveDateVague);
            None
        }
        DateFinding::Ambiguous { .. } => {
            missing.push(Field::EffectiveDate);
            doubtful.push(Reason::AmbiguousEffectiveDate);
            None
        }
    };

    // Facts we could not find, with a document attached that may hold them:
    // we do not read attachments, so an officer must.
    let has_document = mail.attachments_with_content().next().is_some();
    let fields_missing = missing.iter().filter(|f| **f != Field::Intent).count();
    if has_document && fields_missing > 0 && (extraction.mentions_attachment || missing.len() >= 2) {
        doubtful.push(Reason::AttachmentOnly);
    }

    if !doubtful.is_empty() {
        reasons.extend(doubtful);
        return Decision::new(Verdict::Quarantine, missing, reasons, None);
    }
    if !missing.is_empty() {
        return Decision::new(Verdict::Incomplete, missing, reasons, None);
    }
    let statement = extraction.intent.rule;
    let basis = match &extraction.org_number {
        OrgNumberFinding::Found(f) => f.basis,
        _ => None,
    };
    match (org_number, org_name, effective_date, statement, basis) {
        (Some(org_number), Some(org_name), Some(effective_date), Some(statement), Some(org_number_basis)) => {
            // The rules an officer's approval meets too; the extraction has
            // checked each fact already, so a failure here is a bug to quarantine.
            let received = ctx.received.unwrap_or(effective_date);
            let Ok(termination) = Termination::checked(org_number, &org_name, effective_date, received) else {
                return Decision::quarantine(missing, reasons);
            };
            let mut decision = Decision::new(Verdict::Accept, missing, reasons, Some(termination));
            decision.grounds = Some(Grounds { statement, org_number: org_number_basis });
            decision
        }
        // Unreachable by construction; quarantine rather than trust it.
        _ => Decision::quarantine(missing, reasons),
    }
}

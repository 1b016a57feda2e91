//! How often officers agree with the intake: the evidence an agency needs
//! before it lets the intake terminate subscriptions on its own. Every
//! decided quarantine item counts once, with its outcome (values confirmed
//! unchanged, a field corrected, or rejected). Proposals (shadow mode's held
//! accepts, reason `proposed`) are counted apart: they are the intake's own
//! decisions, and their agreement is the figure to switch on.
//!
//! Pure: the store reads the decided items, the CLI and the officer pages
//! show the summary.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use strum::VariantArray;

use crate::domain::{Field, Reason, ReviewOutcome};
use crate::store::DecidedItem;

/// Decided items by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub decided: u64,
    pub unchanged: u64,
    pub corrected: u64,
    pub rejected: u64,
}

impl Tally {
    fn add(&mut self, outcome: ReviewOutcome) {
        self.decided += 1;
        match outcome {
            ReviewOutcome::Unchanged => self.unchanged += 1,
            ReviewOutcome::Corrected => self.corrected += 1,
            ReviewOutcome::Rejected => self.rejected += 1,
        }
    }

    /// The share confirmed unchanged, in per cent (none decided: `None`).
    pub fn agreement(&self) -> Option<f64> {
        (self.decided > 0).then(|| 100.0 * self.unchanged as f64 / self.decided as f64)
    }

    /// "87.5 % (7 of 8)", or "-" when nothing is decided.
    pub fn agreement_text(&self) -> String {
        match self.agreement() {
            Some(p) => format!("{p:.1} % ({} of {})", self.unchanged, self.decided),
            None => "-".into(),
        }
    }
}

/// How often officers changed one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldCorrections {
    pub field: Field,
    /// Approvals that changed or supplied it.
    pub corrected: u64,
    /// Approvals in all.
    pub approved: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonTally {
    pub reason: Reason,
    #[serde(flatten)]
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementReport {
    /// Every decided item.
    pub overall: Tally,
    /// Decided in the 30 days before the report.
    pub last_30_days: Tally,
    /// Shadow mode's proposals among them.
    pub proposed: Tally,
    pub proposed_last_30_days: Tally,
    pub per_field: Vec<FieldCorrections>,
    /// Per reason the item was quarantined for (an item with two reasons
    /// counts under both); reasons without decided items are left out.
    pub per_reason: Vec<ReasonTally>,
    /// The same two, over the last 30 days: a kind of mail the rules begin to
    /// misread shows here first, as a rising share of corrections.
    pub per_field_last_30_days: Vec<FieldCorrections>,
    pub per_reason_last_30_days: Vec<ReasonTally>,
}

/// The figures over `items`, as of `now`.
pub fn summarise(items: &[DecidedItem], now: DateTime<Utc>) -> AgreementReport {
    let since = now - Duration::days(30);
    let mut overall = Tally::default();
    let mut last_30_days = Tally::default();
    let mut proposed = Tally::default();
    let mut proposed_last_30_days = Tally::default();
    for item in items {
        let recent = item.decided_at >= since;
        let is_proposal = item.reasons.contains(&Reason::Proposed);
        overall.add(item.outcome);
        if recent {
            last_30_days.add(item.outcome);
        }
        if is_proposal {
            proposed.add(item.outcome);
            if recent {
                proposed_last_30_days.add(item.outcome);
            }
        }
    }
    let recent: Vec<&DecidedItem> = items.iter().filter(|i| i.decided_at >= since).collect();
    AgreementReport {
        overall,
        last_30_days,
        proposed,
        proposed_last_30_days,
        per_field: per_field(items.iter()),
        per_reason: per_reason(items.iter()),
        per_field_last_30_days: per_field(recent.iter().copied()),
        per_reason_last_30_days: per_reason(recent.iter().copied()),
    }
}

/// Corrections per field among the approvals of `items`.
fn per_field<'a>(items: impl Iterator<Item = &'a DecidedItem>) -> Vec<FieldCorrections> {
    let mut out: Vec<FieldCorrections> =
        Field::VARIANTS.iter().map(|&field| FieldCorrections { field, corrected: 0, approved: 0 }).collect();
    for item in items.filter(|i| i.outcome != ReviewOutcome::Rejected) {
        for f in &mut out {
            f.approved += 1;
            if item.corrected_fields.contains(&f.field) {
                f.corrected += 1;
            }
        }
    }
    out
}

/// Outcomes per reason of `items` (an item with two reasons counts under
/// both); reasons without decided items are left out.
fn per_reason<'a>(items: impl Iterator<Item = &'a DecidedItem>) -> Vec<ReasonTally> {
    let mut out: Vec<ReasonTally> =
        Reason::VARIANTS.iter().map(|&reason| ReasonTally { reason, tally: Tally::default() }).collect();
    for item in items {
        for r in out.iter_mut().filter(|r| item.reasons.contains(&r.reason)) {
            r.tally.add(item.outcome);
        }
    }
    out.retain(|r| r.tally.decided > 0);
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn item(reasons: &[Reason], outcome: ReviewOutcome, corrected: &[Field], days_ago: i64) -> DecidedItem {
        DecidedItem {
            reasons: reasons.to_vec(),
            outcome,
            corrected_fields: corrected.to_vec(),
            decided_at: now() - Duration::days(days_ago),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn outcomes_are_counted_overall_recently_per_field_and_per_reason() {
        use ReviewOutcome::*;
        let items = [
            item(&[Reason::Proposed], Unchanged, &[], 1),
            item(&[Reason::Proposed], Corrected, &[Field::EffectiveDate], 2),
            item(&[Reason::Proposed], Rejected, &[], 40),
            item(&[Reason::AmbiguousOrgName], Corrected, &[Field::OrgName], 3),
            item(&[Reason::AmbiguousOrgName, Reason::Forwarded], Unchanged, &[], 50),
        ];
        let r = summarise(&items, now());
        assert_eq!(r.overall, Tally { decided: 5, unchanged: 2, corrected: 2, rejected: 1 });
        assert_eq!(r.last_30_days, Tally { decided: 3, unchanged: 1, corrected: 2, rejected: 0 });
        assert_eq!(r.proposed, Tally { decided: 3, unchanged: 1, corrected: 1, rejected: 1 });
        assert_eq!(r.proposed_last_30_days.decided, 2);
        assert_eq!(r.proposed.agreement_text(), "33.3 % (1 of 3)");
        let date = r.per_field.iter().find(|f| f.field == Field::EffectiveDate).unwrap();
        assert_eq!((date.corrected, date.approved), (1, 4));
        let reasons: Vec<(Reason, u64)> = r.per_reason.iter().map(|t| (t.reason, t.tally.decided)).collect();
        assert_eq!(reasons, [(Reason::AmbiguousOrgName, 2), (Reason::Forwarded, 1), (Reason::Proposed, 3)]);
        let recent: Vec<(Reason, u64)> =
            r.per_reason_last_30_days.iter().map(|t| (t.reason, t.tally.decided)).collect();
        assert_eq!(recent, [(Reason::AmbiguousOrgName, 1), (Reason::Proposed, 2)]);
        let name = r.per_field_last_30_days.iter().find(|f| f.field == Field::OrgName).unwrap();
        assert_eq!((name.corrected, name.approved), (1, 3));
    }

    #[test]
    fn nothing_decided_has_no_agreement_figure() {
        let r = summarise(&[], now());
        assert_eq!(r.overall.agreement(), None);
        assert_eq!(r.overall.agreement_text(), "-");
        assert!(r.per_reason.is_empty());
    }
}

//! The Prometheus metrics: their names, what they mean, and the recorder.
//! Counters are bumped where things happen (`metrics::counter!`); the queue
//! figures are read from the database at each scrape, so every instance
//! reports the same truth about the shared queues.

use std::sync::OnceLock;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::store::Figures;

pub const MAILS: &str = "lefi_intake_mails_total";
pub const REASONS: &str = "lefi_intake_quarantine_reasons_total";
pub const DUPLICATES: &str = "lefi_intake_duplicates_total";
pub const BATCH_SECONDS: &str = "lefi_intake_batch_seconds";
pub const PASS_FAILURES: &str = "lefi_intake_pass_failures_total";
// Named where they are counted (a layer below does not reach up to this one).
pub use crate::outbox::ANSWERS;
pub use crate::source::imap::IMAP_RECONNECTS;
pub const LAST_POLL: &str = "lefi_intake_last_successful_poll_timestamp_seconds";
pub const MAILBOX_FAILING: &str = "lefi_intake_mailbox_failing_seconds";
pub const LEASE: &str = "lefi_intake_mailbox_lease";
pub const MAILBOX_WAITING: &str = "lefi_intake_mailbox_waiting";
pub const OUTBOX_PENDING: &str = "lefi_intake_outbox_pending";
pub const OUTBOX_FAILED: &str = "lefi_intake_outbox_failed";
pub const OUTBOX_OLDEST: &str = "lefi_intake_outbox_oldest_pending_age_seconds";
pub const QUARANTINE_OPEN: &str = "lefi_intake_quarantine_open";
pub const QUARANTINE_OLDEST: &str = "lefi_intake_quarantine_oldest_open_age_seconds";
pub const DATABASE_UP: &str = "lefi_intake_database_up";
pub const BUILD_INFO: &str = "lefi_intake_build_info";
pub const DECISIONS_30D: &str = "lefi_intake_officer_decisions_30d";
pub const DECISIONS_BY_REASON_30D: &str = "lefi_intake_officer_decisions_by_reason_30d";
pub const APPROVALS_30D: &str = "lefi_intake_officer_approvals_30d";
pub const CORRECTIONS_30D: &str = "lefi_intake_officer_corrections_30d";

/// The process's recorder, installed on first use (the `metrics` macros
/// record nothing before it is installed).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            // A batch takes milliseconds to a few seconds.
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(BATCH_SECONDS.to_string()),
                &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
            )
            .expect("static buckets")
            .install_recorder()
            .expect("the only metrics recorder of the process");
        describe();
        metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        // Exported from the start at zero, so that rates and alerts see the
        // first failure as a change rather than as a new series.
        for counter in [DUPLICATES, PASS_FAILURES, IMAP_RECONNECTS] {
            metrics::counter!(counter).increment(0);
        }
        for result in ["sent", "retrying", "failed"] {
            metrics::counter!(ANSWERS, "result" => result).increment(0);
        }
        metrics::gauge!(LEASE).set(0.0);
        metrics::gauge!(MAILBOX_FAILING).set(0.0);
        handle
    })
}

fn describe() {
    describe_counter!(MAILS, "Mails recorded, by verdict (accept, incomplete, quarantine, ignore).");
    describe_counter!(REASONS, "Reasons given to quarantined mails, one count per reason.");
    describe_counter!(DUPLICATES, "Mails seen again that were already recorded.");
    describe_histogram!(BATCH_SECONDS, Unit::Seconds, "Time to decide and record one batch of mails.");
    describe_counter!(PASS_FAILURES, "Intake passes that failed (mail server or database); the daemon retries.");
    describe_counter!(ANSWERS, "Answers handed to the SMTP server, by result (sent, retrying, failed).");
    describe_counter!(IMAP_RECONNECTS, "IMAP sessions opened after the first.");
    describe_gauge!(LAST_POLL, Unit::Seconds, "When a pass over the mailbox last succeeded (Unix time).");
    describe_gauge!(LEASE, "1 where this instance reads the mailbox.");
    describe_gauge!(
        MAILBOX_WAITING,
        "Mails this instance saw waiting in the inbox at its last look, not yet recorded."
    );
    describe_gauge!(
        MAILBOX_FAILING,
        Unit::Seconds,
        "How long every pass over the mailbox has failed (0: the last pass succeeded, or not reading)."
    );
    describe_gauge!(OUTBOX_PENDING, "Answers waiting to be sent.");
    describe_gauge!(OUTBOX_FAILED, "Answers that failed for good and wait for an operator.");
    describe_gauge!(OUTBOX_OLDEST, Unit::Seconds, "Age of the oldest answer waiting to be sent (0: none).");
    describe_gauge!(QUARANTINE_OPEN, "Quarantine items waiting for an officer.");
    describe_gauge!(QUARANTINE_OLDEST, Unit::Seconds, "Age of the oldest open quarantine item (0: none).");
    describe_gauge!(DATABASE_UP, "1 when the last scrape could read the database.");
    describe_gauge!(BUILD_INFO, "The running version (the value is always 1).");
    describe_gauge!(DECISIONS_30D, "Officers' decisions of the last 30 days, by outcome against the intake's reading.");
    describe_gauge!(
        DECISIONS_BY_REASON_30D,
        "Officers' decisions of the last 30 days, by quarantine reason and outcome."
    );
    describe_gauge!(APPROVALS_30D, "Officers' approvals of the last 30 days.");
    describe_gauge!(CORRECTIONS_30D, "Officers' approvals of the last 30 days that corrected a field, by field.");
}

/// The queue figures as gauges (`None`: the database could not be read).
/// How officers decided over the last 30 days, from the agreement report.
pub fn set_agreement(report: &crate::review::agreement::AgreementReport) {
    use crate::domain::Code;
    let t = &report.last_30_days;
    for (outcome, n) in [("unchanged", t.unchanged), ("corrected", t.corrected), ("rejected", t.rejected)] {
        metrics::gauge!(DECISIONS_30D, "outcome" => outcome).set(n as f64);
    }
    let approvals = report.per_field_last_30_days.first().map_or(0, |f| f.approved);
    metrics::gauge!(APPROVALS_30D).set(approvals as f64);
    for f in &report.per_field_last_30_days {
        metrics::gauge!(CORRECTIONS_30D, "field" => f.field.as_str()).set(f.corrected as f64);
    }
    for r in &report.per_reason_last_30_days {
        let t = &r.tally;
        for (outcome, n) in [("unchanged", t.unchanged), ("corrected", t.corrected), ("rejected", t.rejected)] {
            metrics::gauge!(DECISIONS_BY_REASON_30D, "reason" => r.reason.as_str(), "outcome" => outcome).set(n as f64);
        }
    }
}

pub fn set_figures(figures: Option<&Figures>, now: chrono::DateTime<chrono::Utc>) {
    let Some(f) = figures else {
        metrics::gauge!(DATABASE_UP).set(0.0);
        return;
    };
    let age = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
    };
    metrics::gauge!(DATABASE_UP).set(1.0);
    metrics::gauge!(OUTBOX_PENDING).set(f.outbox_pending as f64);
    metrics::gauge!(OUTBOX_FAILED).set(f.outbox_failed as f64);
    metrics::gauge!(OUTBOX_OLDEST).set(age(f.oldest_pending_answer));
    metrics::gauge!(QUARANTINE_OPEN).set(f.quarantine_open as f64);
    metrics::gauge!(QUARANTINE_OLDEST).set(age(f.oldest_open_item));
}

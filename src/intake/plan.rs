//! What recording one analysed mail writes, computed without I/O from the
//! analysis, what is on file and the reply context: a [`RecordPlan`] that
//! `store::record` applies in one transaction.

use chrono::{DateTime, NaiveDate, Utc};

use super::Policy;
use crate::analyse::Analysis;
use crate::config::IntakeMode;
use crate::domain::{Code, Decision, Reason, Verdict};
use crate::privacy::mask_personal_numbers;
use crate::reply::{self, DraftInput, ReplyContext, ReplyDraft, ReplyKind};
use crate::source::SourceMail;
use crate::store::{MessageStatus, NewMessage, OnFile, QuarantineStep, RecordPlan, ReplyStep, TerminationStep};
use crate::trust::{AuthMethod, SenderAuth};

/// The mail's hashes, for recognising it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    /// Of the raw bytes.
    pub sha256: String,
    /// Of the bytes after the header block (a re-delivery with other trace headers).
    pub body_sha256: String,
}

/// What the database said about this mail before it is recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OnRecord {
    /// The earlier mail of the thread that this one completes.
    pub completes: Option<i64>,
    /// The effective date of the organisation's termination already on file.
    pub on_file: Option<NaiveDate>,
}

#[allow(clippy::too_many_arguments)]
pub fn plan<'a>(
    mail: &'a SourceMail,
    analysis: &Analysis,
    hashes: Hashes,
    record: OnRecord,
    sender: &SenderAuth,
    replies: &ReplyContext,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<RecordPlan<'a>, serde_json::Error> {
    let decision = against_record(&analysis.decision, record.on_file);
    let decision = match policy.mode {
        IntakeMode::Shadow => proposed(decision),
        IntakeMode::Automatic => decision,
    };
    let inbound = analysis.mail.as_ref();
    let extraction = analysis.extraction.as_ref();
    let already = decision.reasons.contains(&Reason::AlreadyRegistered);
    let on_file_date = record.on_file.map(|d| d.to_string());

    let message = NewMessage {
        source_key: mail.key.clone(),
        message_id: inbound.and_then(|m| m.message_id.clone()),
        sha256: hashes.sha256,
        body_sha256: hashes.body_sha256,
        received_at: mail.received_at,
        from_address: inbound.and_then(|m| m.from.as_ref()).map(|f| f.address.clone()),
        // Where answers go: From, or a Reply-To in From's own organisation.
        reply_address: inbound.and_then(|m| {
            let from = m.from.as_ref()?;
            let kept = m.reply_to.as_ref().filter(|r| reply::same_organisation(&r.address, &from.address));
            Some(kept.unwrap_or(from).address.clone())
        }),
        // The raw mail keeps a personal identity number for the audit; the
        // subject shown in every listing does not.
        subject: inbound.map(|m| mask_personal_numbers(m.subject.clone())).unwrap_or_default(),
        raw: &mail.raw,
        verdict: decision.verdict,
        reasons: decision.reasons.clone(),
        missing: decision.missing.clone(),
        org_number: extraction.and_then(|e| e.org_number()),
        org_name: extraction.and_then(|e| e.org_name()).map(str::to_string),
        effective_date: extraction.and_then(|e| e.effective_date()),
        extraction: extraction.map(serde_json::to_string).transpose()?,
        in_reply_to: inbound.map(|m| m.in_reply_to.clone()).unwrap_or_default(),
        references: inbound.map(|m| m.references.clone()).unwrap_or_default(),
        thread_parent_id: record.completes,
        status: MessageStatus::for_verdict(decision.verdict),
        sender_auth: Some(describe(sender)),
    };

    let reply_to =
        |decision: &Decision, on_file_date: Option<String>| reply_step(analysis, decision, on_file_date, replies, now);
    let termination = match (&decision.termination, decision.verdict, already) {
        (Some(t), Verdict::Accept, false) => {
            // If another mail's termination of the same organisation is
            // recorded first, this one is answered "already registered".
            let mut reasons = decision.reasons.clone();
            reasons.push(Reason::AlreadyRegistered);
            let raced = Decision::new(Verdict::Accept, Vec::new(), reasons, Some(t.clone()));
            let reply = reply_to(&raced, Some(t.effective_date.to_string()));
            Some(TerminationStep { termination: t.clone(), if_on_file: OnFile { reasons: raced.reasons, reply } })
        }
        _ => None,
    };
    let quarantine =
        (decision.verdict == Verdict::Quarantine).then(|| QuarantineStep { reasons: decision.reasons.clone() });
    Ok(RecordPlan {
        message,
        decision_note: decision_note(&decision),
        termination,
        quarantine,
        completes: record.completes,
        reply: reply_to(&decision, on_file_date),
    })
}

/// Shadow mode: an accept is held for an officer as a proposal, with its
/// values on the mail's row; nothing is recorded or answered until the
/// officer confirms it.
pub fn proposed(decision: Decision) -> Decision {
    if decision.verdict != Verdict::Accept {
        return decision;
    }
    let mut reasons = decision.reasons;
    reasons.push(Reason::Proposed);
    Decision::new(Verdict::Quarantine, decision.missing, reasons, None)
}

/// What vouched for the sender, in a line for officers.
fn describe(sender: &SenderAuth) -> String {
    match sender {
        SenderAuth::Authenticated { method: AuthMethod::Dmarc, domain } => format!("dmarc pass {domain}"),
        SenderAuth::Authenticated { method: AuthMethod::Dkim, domain } => format!("dkim pass {domain}"),
        SenderAuth::Authenticated { method: AuthMethod::OwnDkim, domain } => {
            format!("dkim pass {domain} (verified by lefi-intake)")
        }
        SenderAuth::NotAuthenticated { why } => format!("not authenticated: {why}"),
        SenderAuth::Forged { why } => format!("forged: {why}"),
    }
}

/// A termination already on file: the same date is answered "already
/// registered"; another date is an officer's call.
pub fn against_record(decision: &Decision, on_file: Option<NaiveDate>) -> Decision {
    let (Some(t), Some(on_file)) = (&decision.termination, on_file) else { return decision.clone() };
    if decision.verdict != Verdict::Accept {
        return decision.clone();
    }
    let mut reasons = decision.reasons.clone();
    if on_file == t.effective_date {
        reasons.push(Reason::AlreadyRegistered);
        Decision::new(Verdict::Accept, Vec::new(), reasons, Some(t.clone()))
    } else {
        reasons.push(Reason::ConflictsWithRecord);
        Decision::new(Verdict::Quarantine, Vec::new(), reasons, None)
    }
}

fn reply_step(
    analysis: &Analysis,
    decision: &Decision,
    on_file_date: Option<String>,
    replies: &ReplyContext,
    now: DateTime<Utc>,
) -> ReplyStep {
    // A forged sender gets no answer (backscatter tells a forger what to
    // fix); a proposal waits for the officer's confirmation.
    if decision.reasons.iter().any(|r| matches!(r, Reason::SenderForged | Reason::Proposed)) {
        return ReplyStep::None;
    }
    let (Some(kind), Some(inbound)) =
        (ReplyKind::for_decision(decision, replies.answer_quarantine), analysis.mail.as_ref())
    else {
        return ReplyStep::None;
    };
    let Some(recipient) = reply::recipient(inbound, &replies.own_addresses) else { return ReplyStep::NotAnswerable };
    let from = replies.from_address();
    let draft = ReplyDraft::new(
        &replies.templates,
        DraftInput {
            kind,
            mail: inbound,
            decision,
            extraction: analysis.extraction.as_ref(),
            on_file_date,
            recipient,
            from: &from,
            note: None,
        },
    );
    ReplyStep::Queue { draft: Box::new(draft), unless_answered_since: now - replies.answer_period }
}

/// The audit log's line for a decision.
fn decision_note(d: &Decision) -> String {
    let reasons: Vec<&str> = d.reasons.iter().map(|r| r.as_str()).collect();
    let missing: Vec<&str> = d.missing.iter().map(|f| f.as_str()).collect();
    format!("verdict={} reasons={} missing={}", d.verdict.as_str(), reasons.join(","), missing.join(","))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::SourceKey;

    const MAIL: &[u8] = b"From: Anna <anna@uppsala.se>\r\nTo: registeruttag@forsakringskassan.se\r\n\
Subject: =?utf-8?Q?Upps=C3=A4gning?= LEFI Prenumeration\r\nDate: Mon, 16 Nov 2026 09:00:00 +0100\r\n\
Message-ID: <plan-1@uppsala.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Uppsala kommun s\xc3\xa4ger h\xc3\xa4rmed upp LEFI Prenumeration fr\xc3\xa5n och med 2027-01-01.\r\n\
Organisationsnummer: 212000-3005\r\n";

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn planned(raw: &[u8], record: OnRecord) -> RecordPlan<'static> {
        planned_with(raw, record, IntakeMode::Automatic)
    }

    fn planned_with(raw: &[u8], record: OnRecord, mode: IntakeMode) -> RecordPlan<'static> {
        let settings = crate::config::Settings::load_with_env(None, Vec::new()).unwrap();
        let policy = Policy { mode, ..Policy::from_settings(&settings, None) };
        let sender = SenderAuth::Authenticated { method: AuthMethod::Dmarc, domain: "uppsala.se".into() };
        let replies = crate::app::reply_context(&settings).unwrap();
        // The plan borrows the mail's bytes; a test's mail may live as long as the tests.
        let mail = Box::leak(Box::new(SourceMail {
            key: SourceKey::Maildir("1.test".into()),
            raw: raw.to_vec(),
            received_at: Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap(),
            truncated_from: None,
        }));
        let analysis = crate::analyse::analyse(&mail.raw, Some(day(2026, 11, 16)), &replies.own_addresses);
        let hashes = Hashes { sha256: "a".into(), body_sha256: "b".into() };
        plan(mail, &analysis, hashes, record, &sender, &replies, &policy, Utc::now()).unwrap()
    }

    fn reply_kind(step: &ReplyStep) -> Option<ReplyKind> {
        match step {
            ReplyStep::Queue { draft, .. } => Some(draft.kind),
            _ => None,
        }
    }

    #[test]
    fn an_accept_records_the_termination_and_falls_back_to_already_registered_if_it_loses_the_race() {
        let plan = planned(MAIL, OnRecord::default());
        assert_eq!(plan.message.verdict, Verdict::Accept);
        assert_eq!(plan.message.status, MessageStatus::Done);
        let step = plan.termination.as_ref().expect("a termination to record");
        assert_eq!(step.termination.effective_date, day(2027, 1, 1));
        assert_eq!(step.if_on_file.reasons, [Reason::AlreadyRegistered]);
        assert_eq!(reply_kind(&step.if_on_file.reply), Some(ReplyKind::AlreadyRegistered));
        assert_eq!(reply_kind(&plan.reply), Some(ReplyKind::Confirmation));
        assert!(plan.quarantine.is_none());
    }

    #[test]
    fn the_same_date_on_file_is_answered_already_registered_without_a_second_record() {
        let plan = planned(MAIL, OnRecord { completes: None, on_file: Some(day(2027, 1, 1)) });
        assert!(plan.termination.is_none());
        assert_eq!(plan.message.reasons, [Reason::AlreadyRegistered]);
        assert_eq!(reply_kind(&plan.reply), Some(ReplyKind::AlreadyRegistered));
    }

    #[test]
    fn another_date_on_file_goes_to_an_officer() {
        let plan = planned(MAIL, OnRecord { completes: None, on_file: Some(day(2027, 6, 1)) });
        assert!(plan.termination.is_none());
        assert_eq!(plan.message.verdict, Verdict::Quarantine);
        assert_eq!(plan.message.status, MessageStatus::InReview);
        assert_eq!(plan.quarantine.as_ref().map(|q| q.reasons.clone()), Some(vec![Reason::ConflictsWithRecord]));
    }

    #[test]
    fn in_shadow_mode_an_accept_is_proposed_to_an_officer_and_not_answered() {
        let plan = planned_with(MAIL, OnRecord::default(), IntakeMode::Shadow);
        assert_eq!(plan.message.verdict, Verdict::Quarantine);
        assert!(plan.termination.is_none());
        assert_eq!(plan.quarantine.as_ref().map(|q| q.reasons.clone()), Some(vec![Reason::Proposed]));
        assert!(matches!(plan.reply, ReplyStep::None));
        // The proposed values stay on the mail's row for the officer.
        assert_eq!(plan.message.effective_date, Some(day(2027, 1, 1)));
        assert_eq!(plan.message.sender_auth.as_deref(), Some("dmarc pass uppsala.se"));
    }

    #[test]
    fn a_reply_that_completes_a_thread_names_its_parent() {
        let plan = planned(MAIL, OnRecord { completes: Some(7), on_file: None });
        assert_eq!((plan.completes, plan.message.thread_parent_id), (Some(7), Some(7)));
    }

    #[test]
    fn robots_get_no_answer_and_ignored_mails_none_at_all() {
        let from_robot = String::from_utf8_lossy(MAIL).replace("anna@uppsala.se", "noreply@uppsala.se");
        assert!(matches!(planned(from_robot.as_bytes(), OnRecord::default()).reply, ReplyStep::NotAnswerable));
        // An auto-reply whose own text states the termination goes to an
        // officer, unanswered; one that states nothing is filed away.
        let auto_reply = String::from_utf8_lossy(MAIL).replace("Date:", "Auto-Submitted: auto-replied\r\nDate:");
        let plan = planned(auto_reply.as_bytes(), OnRecord::default());
        assert_eq!(plan.message.verdict, Verdict::Quarantine);
        assert!(matches!(plan.reply, ReplyStep::None));
        let out_of_office = "From: anna@uppsala.se\r\nSubject: Automatiskt svar\r\nAuto-Submitted: auto-replied\r\n\
                             Date: Mon, 16 Nov 2026 10:00:00 +0100\r\n\r\nJag är ledig.\r\n";
        let plan = planned(out_of_office.as_bytes(), OnRecord::default());
        assert_eq!(plan.message.verdict, Verdict::Ignore);
        assert!(matches!(plan.reply, ReplyStep::None));
    }
}

//! What officers do with the quarantine queue: look at an item, approve it
//! (with corrected values), reject it (with or without an answer to the
//! sender), reopen it. The web pages and the CLI both call these, so every
//! decision is taken the same way and lands in the audit log with the
//! officer's name. Each decision is one transaction that only succeeds on an
//! item in the expected state: of two officers acting at once, one wins and
//! the other is told who decided first.

pub mod agreement;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{self, Code, Decision, Field, OrgNumber, OrgNumberError, ReviewOutcome, Termination, Verdict};
use crate::extract::{Extraction, Intent};
use crate::mail::{self, Inbound};
use crate::reply::{self, DraftInput, ReplyContext, ReplyDraft, ReplyKind};
use crate::store::{
    self, MessageStatus, Officer, QuarantineItem, QuarantineStatus, RecordedMessage, Ruling, Store, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("quarantine item {0} does not exist")]
    NotFound(i64),
    #[error("item {id} was already {status} by {by} at {at}")]
    AlreadyDecided { id: i64, status: QuarantineStatus, by: String, at: String },
    #[error("item {0} is open: there is nothing to reopen")]
    NotDecided(i64),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{org_number} already has a termination on file, effective {}", effective_date.map(|d| d.to_string()).unwrap_or_default())]
    AlreadyOnFile { org_number: OrgNumber, effective_date: Option<NaiveDate> },
    #[error("no active termination {0}")]
    NoSuchTermination(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Store(e.into())
    }
}

/// Everything an officer sees of one item.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: QuarantineItem,
    pub message: RecordedMessage,
    /// The mail parsed again from its stored bytes (`None` when unparseable).
    pub mail: Option<Inbound>,
    pub extraction: Option<Extraction>,
    /// The day the mail was received, in the configured time zone.
    pub received_day: NaiveDate,
    pub raw: Vec<u8>,
    /// The registry's entry for the organisation number read, if any.
    pub subscriber: Option<crate::domain::Subscriber>,
    /// The organisation's termination on file, when another mail recorded
    /// it (what a `conflicts_with_record` item is about).
    pub on_file: Option<store::TerminationRecord>,
}

/// What an approval does with a termination already on file for the
/// organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfOnFile {
    /// Refuse the approval (the officer decides to replace or keep).
    Refuse,
    /// The new request supersedes it: it is revoked, the new one recorded.
    Replace,
}

/// What the decisions need: the store, and how answers are written.
#[derive(Clone)]
pub struct Reviewer {
    pub store: Store,
    pub replies: Arc<ReplyContext>,
}

/// The longest value an officer may enter in any field of a decision.
pub const MAX_FIELD_CHARS: usize = 2_000;

/// Values an officer enters when approving. `None`: not given (the command
/// line's omitted option), taken from the proposal; `Some("")` is refused.
#[derive(Debug, Clone, Default)]
pub struct Corrections {
    pub org_number: Option<String>,
    pub org_name: Option<String>,
    pub effective_date: Option<String>,
}

impl Reviewer {
    pub fn new(store: Store, replies: Arc<ReplyContext>) -> Reviewer {
        Reviewer { store, replies }
    }

    pub async fn item(&self, id: i64) -> Result<ItemView, ReviewError> {
        let item = self.store.quarantine_item(id).await?.ok_or(ReviewError::NotFound(id))?;
        let message = self.store.message(item.message_id).await?.ok_or(ReviewError::NotFound(id))?;
        let raw = self.store.raw_message(item.message_id).await?.unwrap_or_default();
        let extraction = self
            .store
            .extraction(item.message_id)
            .await?
            .and_then(|json| serde_json::from_str::<Extraction>(&json).ok());
        let received_day = message.received_at.with_timezone(&self.replies.timezone).date_naive();
        let subscriber = match message.org_number {
            Some(org) => self.store.subscriber(org).await?,
            None => None,
        };
        let on_file = match message.org_number {
            Some(org) => self.store.active_termination(org).await?.filter(|t| t.source_message != message.id),
            None => None,
        };
        // A purged mail has no bytes left to parse.
        let mail = (!raw.is_empty()).then(|| mail::parse(&raw).ok()).flatten();
        Ok(ItemView { mail, item, message, extraction, received_day, raw, subscriber, on_file })
    }

    /// The values the intake read that pass the rules of a termination —
    /// what the approval form is filled in with, and what an approval from
    /// the command line takes for a value it is not given.
    pub fn proposal(&self, view: &ItemView) -> Corrections {
        let ex = view.extraction.as_ref();
        Corrections {
            org_number: ex
                .and_then(|e| e.org_number())
                .filter(|n| domain::check_org_number(*n).is_ok())
                .map(|n| n.to_string()),
            org_name: ex.and_then(|e| e.org_name()).and_then(|n| domain::check_org_name(n).ok()),
            effective_date: ex
                .and_then(|e| e.effective_date())
                .filter(|d| domain::check_effective_date(*d, view.received_day).is_ok())
                .map(|d| d.to_string()),
        }
    }

    /// The termination an approval records, checked by the same rules as the
    /// intake's (`Termination::checked`). A value given empty is refused, never
    /// filled in; a value not given at all (`None`) is the proposal's.
    pub fn validate(&self, view: &ItemView, c: &Corrections) -> Result<Termination, ReviewError> {
        corrected(&self.proposal(view), c, view.received_day)
    }

    async fn already_decided(&self, id: i64) -> ReviewError {
        match self.store.quarantine_item(id).await {
            Ok(Some(item)) => ReviewError::AlreadyDecided {
                id,
                status: item.status,
                by: item.decided_by.unwrap_or_else(|| "someone".into()),
                at: item.decided_at.map(store::timestamp).unwrap_or_default(),
            },
            Ok(None) => ReviewError::NotFound(id),
            Err(e) => e.into(),
        }
    }

    /// Records the termination and queues the confirmation; refused when the
    /// organisation already has one on file.
    pub async fn approve(&self, id: i64, officer: &Officer, c: &Corrections) -> Result<Termination, ReviewError> {
        self.approve_with(id, officer, c, IfOnFile::Refuse).await
    }

    /// As [`Reviewer::approve`]; with [`IfOnFile::Replace`] a termination on
    /// file for the organisation is revoked first (audited as superseded),
    /// and the sender is confirmed the new date.
    pub async fn approve_with(
        &self,
        id: i64,
        officer: &Officer,
        c: &Corrections,
        if_on_file: IfOnFile,
    ) -> Result<Termination, ReviewError> {
        let view = self.item(id).await?;
        if view.item.status != QuarantineStatus::Open {
            return Err(self.already_decided(id).await);
        }
        let termination = self.validate(&view, c)?;
        let corrected = corrected_fields(view.extraction.as_ref(), &termination);
        let outcome = if corrected.is_empty() { ReviewOutcome::Unchanged } else { ReviewOutcome::Corrected };
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await?;
        let note = format!("{} {} {}", termination.org_number, termination.org_name, termination.effective_date);
        let ruling = Ruling { status: QuarantineStatus::Approved, outcome, corrected: &corrected, note: Some(&note) };
        if !store::quarantine::decide(&mut tx, id, &ruling, &officer.name, now).await? {
            tx.rollback().await?;
            return Err(self.already_decided(id).await);
        }
        let replaced = match if_on_file {
            IfOnFile::Replace => store::terminations::revoke_active_for_org(&mut tx, termination.org_number).await?,
            IfOnFile::Refuse => None,
        };
        if let Some(old) = &replaced {
            let details = format!(
                "effective {} superseded by item {id}, effective {}",
                old.effective_date, termination.effective_date
            );
            store::audit::record(&mut tx, now, &officer.name, "superseded", ("termination", old.id), Some(&details))
                .await?;
        }
        if !store::terminations::insert(&mut tx, &termination, view.message.id, &officer.name, now).await? {
            tx.rollback().await?;
            let on_file = self.store.active_termination(termination.org_number).await?;
            return Err(ReviewError::AlreadyOnFile {
                org_number: termination.org_number,
                effective_date: on_file.map(|t| t.effective_date),
            });
        }
        let (org, from) = (termination.org_number, termination.effective_date);
        store::subscribers::set_terminated(&mut tx, org, from, &officer.name, now).await?;
        store::messages::set_status(&mut tx, view.message.id, MessageStatus::Done).await?;
        let decision = Decision::new(Verdict::Accept, vec![], vec![], Some(termination.clone()));
        self.queue_answer(&mut tx, &view, ReplyKind::Confirmation, &decision, None, now).await?;
        let mut details = match corrected.is_empty() {
            true => note,
            false => {
                format!("{note} (corrected {})", corrected.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","))
            }
        };
        if let Some(old) = &replaced {
            details.push_str(&format!("; replaces the termination effective {}", old.effective_date));
        }
        store::audit::record(&mut tx, now, &officer.name, "approved", ("quarantine", id), Some(&details)).await?;
        tx.commit().await?;
        tracing::info!(item = id, officer = %officer.name, org = %termination.org_number, "quarantine item approved");
        Ok(termination)
    }

    /// Closes a request about an organisation whose termination on file
    /// stands: nothing is recorded; with `answer`, the sender is told the
    /// termination on file and its date.
    pub async fn keep_on_file(&self, id: i64, officer: &Officer, answer: bool) -> Result<(), ReviewError> {
        let view = self.item(id).await?;
        if view.item.status != QuarantineStatus::Open {
            return Err(self.already_decided(id).await);
        }
        let Some(on_file) = view.on_file.clone() else {
            return Err(ReviewError::Invalid {
                field: "org_number",
                message: "the organisation has no other termination on file to keep".into(),
            });
        };
        let now = Utc::now();
        let note = format!("the termination on file, effective {}, stands", on_file.effective_date);
        let ruling = Ruling {
            status: QuarantineStatus::Rejected,
            outcome: ReviewOutcome::Rejected,
            corrected: &[],
            note: Some(&note),
        };
        let mut tx = self.store.pool().begin().await?;
        if !store::quarantine::decide(&mut tx, id, &ruling, &officer.name, now).await? {
            tx.rollback().await?;
            return Err(self.already_decided(id).await);
        }
        store::messages::set_status(&mut tx, view.message.id, MessageStatus::Done).await?;
        if answer {
            let kept = Termination {
                org_number: on_file.org_number,
                org_name: on_file.org_name.clone(),
                effective_date: on_file.effective_date,
            };
            let decision = Decision::new(Verdict::Accept, vec![], vec![domain::Reason::AlreadyRegistered], Some(kept));
            self.queue_answer(&mut tx, &view, ReplyKind::AlreadyRegistered, &decision, None, now).await?;
        }
        let details = format!("{note}{}", if answer { " (answered)" } else { "" });
        store::audit::record(&mut tx, now, &officer.name, "kept_on_file", ("quarantine", id), Some(&details)).await?;
        tx.commit().await?;
        tracing::info!(item = id, officer = %officer.name, "quarantine item closed: the termination on file stands");
        Ok(())
    }

    /// Revokes a termination on file, whoever recorded it, with the reason
    /// (audited; the feed reports it; the subscriber is active again).
    pub async fn revoke_termination(
        &self,
        termination: i64,
        officer: &Officer,
        reason: &str,
    ) -> Result<(), ReviewError> {
        let reason = checked_reason(reason)?;
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await?;
        let Some(revoked) = store::terminations::revoke_by_id(&mut tx, termination).await? else {
            tx.rollback().await?;
            return Err(ReviewError::NoSuchTermination(termination));
        };
        store::subscribers::restore(&mut tx, revoked.org_number, revoked.effective_date, &officer.name, now).await?;
        let details = format!("{} effective {}: {reason}", revoked.org_number, revoked.effective_date);
        store::audit::record(
            &mut tx,
            now,
            &officer.name,
            "termination_revoked",
            ("termination", termination),
            Some(&details),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(termination, officer = %officer.name, "termination revoked");
        Ok(())
    }

    /// Closes the item; with `answer`, tells the sender `reason`.
    pub async fn reject(&self, id: i64, officer: &Officer, reason: &str, answer: bool) -> Result<(), ReviewError> {
        let reason = checked_reason(reason)?;
        let view = self.item(id).await?;
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await?;
        let ruling = Ruling {
            status: QuarantineStatus::Rejected,
            outcome: ReviewOutcome::Rejected,
            corrected: &[],
            note: Some(reason),
        };
        if !store::quarantine::decide(&mut tx, id, &ruling, &officer.name, now).await? {
            tx.rollback().await?;
            return Err(self.already_decided(id).await);
        }
        store::messages::set_status(&mut tx, view.message.id, MessageStatus::Done).await?;
        if answer {
            let decision = Decision::quarantine(vec![], vec![]);
            self.queue_answer(&mut tx, &view, ReplyKind::Rejected, &decision, Some(reason), now).await?;
        }
        let details = format!("{reason}{}", if answer { " (answered)" } else { "" });
        store::audit::record(&mut tx, now, &officer.name, "rejected", ("quarantine", id), Some(&details)).await?;
        tx.commit().await?;
        tracing::info!(item = id, officer = %officer.name, "quarantine item rejected");
        Ok(())
    }

    /// Opens a decided item again; an approval's termination is revoked.
    pub async fn reopen(&self, id: i64, officer: &Officer) -> Result<(), ReviewError> {
        let view = self.item(id).await?;
        if view.item.status == QuarantineStatus::Open {
            return Err(ReviewError::NotDecided(id));
        }
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await?;
        if !store::quarantine::reopen(&mut tx, id, view.item.status).await? {
            tx.rollback().await?;
            return Err(self.already_decided(id).await);
        }
        let revoked = match view.item.status {
            QuarantineStatus::Approved => store::terminations::revoke_for_message(&mut tx, view.message.id).await?,
            _ => Vec::new(),
        };
        for (org, from) in &revoked {
            store::subscribers::restore(&mut tx, *org, *from, &officer.name, now).await?;
        }
        store::messages::set_status(&mut tx, view.message.id, MessageStatus::InReview).await?;
        let details =
            format!("was {}{}", view.item.status, if revoked.is_empty() { "" } else { "; termination revoked" });
        store::audit::record(&mut tx, now, &officer.name, "reopened", ("quarantine", id), Some(&details)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn queue_answer(
        &self,
        tx: &mut sqlx::AnyConnection,
        view: &ItemView,
        kind: ReplyKind,
        decision: &Decision,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        let Some(mail) = &view.mail else { return Ok(()) };
        let Some(recipient) = reply::recipient(mail, &self.replies.own_addresses) else { return Ok(()) };
        let from = self.replies.from_address();
        let draft = ReplyDraft::new(
            &self.replies.templates,
            DraftInput {
                kind,
                mail,
                decision,
                extraction: view.extraction.as_ref(),
                on_file_date: None,
                recipient,
                from: &from,
                note,
            },
        );
        let mut answer = draft.render(view.message.id, view.message.case_id);
        // A reopened and decided-again item answers again: a fresh Message-ID.
        let previous = store::outbox::count_for_message(tx, view.message.id).await?;
        if previous > 0 {
            answer.our_message_id = answer.our_message_id.replacen('@', &format!(".{previous}@"), 1);
        }
        let id = store::outbox::insert(tx, view.message.id, &answer, now).await?;
        store::audit::record(tx, now, store::audit::INTAKE, "reply_queued", ("outbox", id), Some(kind.as_str()))
            .await?;
        Ok(())
    }
}

/// An officer's reason (for a rejection, a revocation): given, and bounded.
fn checked_reason(reason: &str) -> Result<&str, ReviewError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ReviewError::Invalid { field: "reason", message: "a reason is required".into() });
    }
    if reason.chars().count() > MAX_FIELD_CHARS {
        let message = format!("at most {MAX_FIELD_CHARS} characters");
        return Err(ReviewError::Invalid { field: "reason", message });
    }
    Ok(reason)
}

/// The termination an officer's corrections come to: each value given, or
/// else the proposal's, parsed and checked by the intake's rules.
pub fn corrected(proposal: &Corrections, c: &Corrections, received_day: NaiveDate) -> Result<Termination, ReviewError> {
    let invalid = |field, message: &str| ReviewError::Invalid { field, message: message.to_string() };
    let value = |field: &'static str, given: &Option<String>, proposed: &Option<String>, what: &str| {
        let v = match given {
            Some(g) => g.trim().to_string(),
            None => proposed.clone().unwrap_or_default(),
        };
        if v.is_empty() {
            return Err(invalid(field, &format!("{what} is required")));
        }
        if v.chars().count() > MAX_FIELD_CHARS {
            return Err(invalid(field, &format!("at most {MAX_FIELD_CHARS} characters")));
        }
        Ok(v)
    };
    let number = value("org_number", &c.org_number, &proposal.org_number, "an organisation number")?;
    let org_number = OrgNumber::parse(&number).map_err(|e| {
        let message = match e {
            OrgNumberError::Format => "expected ten digits, NNNNNN-NNNN",
            OrgNumberError::Personal => "this is a personal identity number, not an organisation number",
            OrgNumberError::Checksum => "the check digit does not match",
        };
        invalid("org_number", message)
    })?;
    let org_name = value("org_name", &c.org_name, &proposal.org_name, "the organisation's name")?;
    let date = value("effective_date", &c.effective_date, &proposal.effective_date, "the effective date")?;
    let effective_date = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| invalid("effective_date", "expected a date as YYYY-MM-DD"))?;
    Termination::checked(org_number, &org_name, effective_date, received_day)
        .map_err(|e| ReviewError::Invalid { field: e.field().as_str(), message: e.to_string() })
}

/// The fields an approval changed or supplied against what the intake read
/// (the intent, when the intake did not read a termination).
pub fn corrected_fields(extraction: Option<&Extraction>, approved: &Termination) -> Vec<Field> {
    let Some(e) = extraction else {
        return vec![Field::Intent, Field::OrgNumber, Field::OrgName, Field::EffectiveDate];
    };
    let mut out = Vec::new();
    if e.intent.intent != Intent::Terminate {
        out.push(Field::Intent);
    }
    if e.org_number() != Some(approved.org_number) {
        out.push(Field::OrgNumber);
    }
    if e.org_name() != Some(approved.org_name.as_str()) {
        out.push(Field::OrgName);
    }
    if e.effective_date() != Some(approved.effective_date) {
        out.push(Field::EffectiveDate);
    }
    out
}

//! One mail from the source to the database: analysed (pure), checked against
//! what is on file, and recorded — the mail, its decision, the termination or
//! quarantine item, and the reply — in one transaction. The source files the
//! mail away only after that commit (see `daemon`), so a crash at any point
//! leaves the mail in the inbox, and the next pass recognises what is already
//! recorded.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::analyse::{self, Analysis};
use crate::decide::{self, Context};
use crate::domain::{Decision, Field, Reason, Verdict};
use crate::extract::Extraction;
use crate::mail::Inbound;
use crate::reply::templates::Templates;
use crate::reply::{self, ReplyKind};
use crate::store::{self, MessageStatus, NewMessage, Store, StoreError};

/// A raw mail as a source hands it over.
#[derive(Debug, Clone)]
pub struct SourceMail {
    /// Identifies the mail in its source (`maildir:<name>`, `imap:<uidvalidity>:<uid>`).
    pub key: String,
    pub raw: Vec<u8>,
    pub received_at: DateTime<Utc>,
    /// Set when the mail was larger than the limit and `raw` holds only its
    /// header block; the value is the full size.
    pub truncated_from: Option<usize>,
}

/// The folder a handled mail is filed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Processed,
    Quarantine,
    Ignored,
}

impl Folder {
    pub fn for_verdict(v: Verdict) -> Folder {
        match v {
            Verdict::Accept | Verdict::Incomplete => Folder::Processed,
            Verdict::Quarantine => Folder::Quarantine,
            Verdict::Ignore => Folder::Ignored,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Folder::Processed => "Processed",
            Folder::Quarantine => "Quarantine",
            Folder::Ignored => "Ignored",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub message_row: i64,
    pub verdict: Verdict,
    pub folder: Folder,
    /// The mail was already recorded (a second delivery, or a restart after a
    /// crash between commit and filing).
    pub duplicate: bool,
}

impl Outcome {
    fn already_recorded(existing: &store::RecordedMessage) -> Outcome {
        Outcome {
            message_row: existing.id,
            verdict: existing.verdict,
            folder: Folder::for_verdict(existing.verdict),
            duplicate: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("encoding the extraction: {0}")]
    Json(#[from] serde_json::Error),
}

/// The intake: what it needs to decide and record one mail.
pub struct Intake {
    store: Store,
    templates: Templates,
    own_addresses: Vec<String>,
    reply_from: String,
    timezone: Tz,
    answer_quarantine: bool,
    answer_period_hours: u64,
}

impl Intake {
    pub fn new(
        store: Store,
        templates: Templates,
        own_addresses: Vec<String>,
        reply_from: String,
        timezone: Tz,
        answer_quarantine: bool,
        answer_period_hours: u64,
    ) -> Intake {
        Intake { store, templates, own_addresses, reply_from, timezone, answer_quarantine, answer_period_hours }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn process(&self, mail: &SourceMail) -> Result<Outcome, IntakeError> {
        let sha256 = hex::encode(Sha256::digest(&mail.raw));
        let body_sha256 = hex::encode(Sha256::digest(body_of(&mail.raw)));
        let received_day = mail.received_at.with_timezone(&self.timezone).date_naive();
        let mut analysis = analyse_guarded(&mail.raw, received_day, &self.own_addresses);
        if let Some(size) = mail.truncated_from {
            analysis.extraction = None;
            analysis.decision = Decision::quarantine(Vec::new(), vec![Reason::TooLarge]);
            tracing::warn!(key = %mail.key, size, "mail over the size limit: quarantined from its headers");
        }
        let message_id = analysis.mail.as_ref().and_then(|m| m.message_id.clone());

        if let Some(existing) =
            self.store.find_duplicate(&mail.key, &sha256, message_id.as_deref(), &body_sha256).await?
        {
            tracing::info!(key = %mail.key, message = existing.id, "mail already recorded");
            return Ok(Outcome::already_recorded(&existing));
        }

        let ctx = Context { received: Some(received_day), own_addresses: &self.own_addresses };
        let thread = self.merge_thread(&mut analysis, &ctx).await?;
        let on_file = self.check_record(&mut analysis.decision).await?;
        self.record(mail, &analysis, &sha256, &body_sha256, thread, on_file).await
    }

    /// A reply to our "incomplete" answer completes the earlier mail: the facts
    /// are merged (the newer mail's win) and decided again.
    async fn merge_thread(&self, analysis: &mut Analysis, ctx: &Context<'_>) -> Result<Option<i64>, IntakeError> {
        let (Some(inbound), Some(extraction)) = (&analysis.mail, &analysis.extraction) else { return Ok(None) };
        let ids: Vec<String> = inbound.in_reply_to.iter().chain(inbound.references.iter().rev()).cloned().collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let Some(parent) = self.store.thread_parent(&ids).await? else { return Ok(None) };
        if parent.status != MessageStatus::AwaitingReply.as_str()
            || !same_sender(inbound, parent.reply_address.as_deref())
        {
            return Ok(None);
        }
        let Some(earlier) = parent.extraction.as_deref().and_then(|j| serde_json::from_str::<Extraction>(j).ok())
        else {
            return Ok(None);
        };
        let merged = extraction.clone().completed_by_earlier(&earlier);
        analysis.decision = decide::decide(inbound, &merged, ctx);
        analysis.extraction = Some(merged);
        tracing::info!(parent = parent.id, "reply completes an earlier mail");
        Ok(Some(parent.id))
    }

    /// Terminations already on file: the same date is answered "already
    /// registered"; another date is an officer's call.
    async fn check_record(&self, decision: &mut Decision) -> Result<Option<String>, IntakeError> {
        let Some(t) = decision.termination.clone().filter(|_| decision.verdict == Verdict::Accept) else {
            return Ok(None);
        };
        let Some(on_file) = self.store.active_termination(t.org_number).await? else { return Ok(None) };
        if on_file.effective_date == t.effective_date.to_string() {
            let mut reasons = decision.reasons.clone();
            reasons.push(Reason::AlreadyRegistered);
            *decision = Decision::new(Verdict::Accept, Vec::new(), reasons, Some(t));
        } else {
            let mut reasons = decision.reasons.clone();
            reasons.push(Reason::ConflictsWithRecord);
            *decision = Decision::new(Verdict::Quarantine, Vec::new(), reasons, None);
        }
        Ok(Some(on_file.effective_date))
    }

    async fn record(
        &self,
        mail: &SourceMail,
        analysis: &Analysis,
        sha256: &str,
        body_sha256: &str,
        thread_parent: Option<i64>,
        on_file_date: Option<String>,
    ) -> Result<Outcome, IntakeError> {
        let decision = &analysis.decision;
        let inbound = analysis.mail.as_ref();
        let extraction = analysis.extraction.as_ref();
        let already = decision.reasons.contains(&Reason::AlreadyRegistered);
        let status = match decision.verdict {
            Verdict::Incomplete => MessageStatus::AwaitingReply,
            Verdict::Quarantine => MessageStatus::InReview,
            Verdict::Accept | Verdict::Ignore => MessageStatus::Done,
        };
        let new = NewMessage {
            source_key: mail.key.clone(),
            message_id: inbound.and_then(|m| m.message_id.clone()),
            sha256: sha256.to_string(),
            body_sha256: body_sha256.to_string(),
            received_at: mail.received_at,
            from_address: inbound.and_then(|m| m.from.as_ref()).map(|f| f.address.clone()),
            reply_address: inbound.and_then(|m| m.reply_to.as_ref().or(m.from.as_ref())).map(|f| f.address.clone()),
            subject: inbound.map(|m| m.subject.clone()).unwrap_or_default(),
            raw: mail.raw.clone(),
            verdict: decision.verdict,
            reasons: decision.reasons.clone(),
            missing: decision.missing.clone(),
            org_number: extraction.and_then(|e| e.org_number()).map(|n| n.to_string()),
            org_name: extraction.and_then(|e| e.org_name()).map(str::to_string),
            effective_date: extraction.and_then(|e| e.effective_date()),
            extraction: extraction.map(serde_json::to_string).transpose()?,
            in_reply_to: inbound.map(|m| m.in_reply_to.clone()).unwrap_or_default(),
            references: inbound.map(|m| m.references.clone()).unwrap_or_default(),
            thread_parent_id: thread_parent,
            status,
        };

        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(StoreError::from)?;
        let Some(row) = store::messages::insert(&mut tx, &new, now).await? else {
            // Recorded meanwhile by a concurrent intake: theirs stands.
            tx.rollback().await.map_err(StoreError::from)?;
            let existing = self
                .store
                .find_duplicate(&mail.key, sha256, new.message_id.as_deref(), body_sha256)
                .await?
                .ok_or_else(|| StoreError::Corrupt("a conflicting mail vanished".into()))?;
            return Ok(Outcome::already_recorded(&existing));
        };
        let actor = "intake";
        store::audit::record(&mut tx, now, actor, "recorded", ("message", row), Some(&audit_details(decision))).await?;

        let mut decision = decision.clone();
        let mut on_file_date = on_file_date;
        if let (Verdict::Accept, false, Some(t)) = (decision.verdict, already, decision.termination.clone()) {
            if store::terminations::insert(&mut tx, &t, row, actor, now).await? {
                store::audit::record(
                    &mut tx,
                    now,
                    actor,
                    "termination_recorded",
                    ("message", row),
                    Some(&t.org_number.to_string()),
                )
                .await?;
            } else {
                // Another mail for the same organisation won the race.
                on_file_date = Some(t.effective_date.to_string());
                let mut reasons = decision.reasons.clone();
                reasons.push(Reason::AlreadyRegistered);
                decision = Decision::new(Verdict::Accept, Vec::new(), reasons, Some(t));
                sqlx::query("UPDATE messages SET reasons = $1 WHERE id = $2")
                    .bind(decision.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))
                    .bind(row)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
            }
        }
        if decision.verdict == Verdict::Quarantine {
            let item = store::quarantine::insert(&mut tx, row, &decision.reasons, now).await?;
            store::audit::record(
                &mut tx,
                now,
                actor,
                "quarantined",
                ("quarantine", item),
                Some(&audit_details(&decision)),
            )
            .await?;
        }
        if let Some(parent) = thread_parent {
            store::messages::set_status(&mut tx, parent, MessageStatus::CompletedByReply).await?;
            store::audit::record(
                &mut tx,
                now,
                actor,
                "completed_by_reply",
                ("message", parent),
                Some(&format!("reply {row}")),
            )
            .await?;
        }
        if let (Some(kind), Some(inbound)) = (ReplyKind::for_decision(&decision, self.answer_quarantine), inbound) {
            match reply::recipient(inbound, &self.own_addresses) {
                Some(recipient) => {
                    let reply = reply::compose(
                        &self.templates,
                        reply::Compose {
                            kind,
                            message_row: row,
                            mail: inbound,
                            decision: &decision,
                            extraction,
                            on_file_date,
                            recipient,
                            from: &self.reply_from,
                            note: None,
                        },
                    );
                    let since = now - chrono::Duration::hours(self.answer_period_hours as i64);
                    if store::outbox::answered_since(&mut tx, &reply.answer_key, since).await? {
                        // RFC 3834 §2: one automatic answer per sender and reason per period.
                        store::audit::record(
                            &mut tx,
                            now,
                            actor,
                            "reply_suppressed",
                            ("message", row),
                            Some(kind.as_str()),
                        )
                        .await?;
                        tracing::info!(
                            message = row,
                            kind = kind.as_str(),
                            "answer already sent to this sender recently"
                        );
                    } else {
                        let id = store::outbox::insert(&mut tx, row, &reply, now).await?;
                        store::audit::record(&mut tx, now, actor, "reply_queued", ("outbox", id), Some(kind.as_str()))
                            .await?;
                    }
                }
                None => tracing::info!(message = row, "no answer: the sender is not one we answer"),
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        tracing::info!(
            message = row,
            key = %mail.key,
            verdict = decision.verdict.as_str(),
            reasons = %decision.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
            "mail recorded"
        );
        Ok(Outcome {
            message_row: row,
            verdict: decision.verdict,
            folder: Folder::for_verdict(decision.verdict),
            duplicate: false,
        })
    }
}

/// The pure analysis, with a last line of defence: a panic in it (a bug) turns
/// into a quarantined mail instead of a daemon that crashes on every restart.
fn analyse_guarded(raw: &[u8], received: chrono::NaiveDate, own: &[String]) -> Analysis {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyse::analyse(raw, Some(received), own))) {
        Ok(a) => a,
        Err(_) => {
            tracing::error!("analysis panicked; the mail is quarantined as unparseable");
            Analysis {
                mail: None,
                extraction: None,
                decision: Decision::quarantine(vec![], vec![Reason::Unparseable]),
                reference_date: Some(received),
            }
        }
    }
}

fn audit_details(d: &Decision) -> String {
    let reasons: Vec<&str> = d.reasons.iter().map(|r| r.as_str()).collect();
    let missing: Vec<&str> = d.missing.iter().map(|f: &Field| f.as_str()).collect();
    format!("verdict={} reasons={} missing={}", d.verdict.as_str(), reasons.join(","), missing.join(","))
}

/// A reply completes the earlier mail only from the same organisation: the
/// same address, or the same domain.
fn same_sender(mail: &Inbound, earlier: Option<&str>) -> bool {
    let Some(earlier) = earlier else { return false };
    let now = mail.reply_to.as_ref().or(mail.from.as_ref()).map(|m| m.address.as_str()).unwrap_or("");
    let domain = |a: &str| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
    now.eq_ignore_ascii_case(earlier) || (domain(now).is_some() && domain(now) == domain(earlier))
}

/// The bytes after the header block: the same for two deliveries of one mail
/// that differ only in trace headers.
fn body_of(raw: &[u8]) -> &[u8] {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => &raw[a.min(b)..],
        (Some(a), None) | (None, Some(a)) => &raw[a..],
        (None, None) => raw,
    }
}

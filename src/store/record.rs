//! Recording one decided mail: a [`RecordPlan`] says which rows to write (the
//! intake computes it, purely, from the analysis and what is on file); this
//! module writes them. What the plan cannot know in advance is decided here,
//! by the database, inside the same transaction: whether another intake
//! recorded the same mail or a termination of the same organisation first,
//! and whether the sender had the same answer recently.
//!
//! [`apply`] works on any connection, so several mails' plans can share one
//! transaction with a savepoint each; [`Store::record`] is one mail, one
//! transaction.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::audit::{self, INTAKE};
use super::{MessageStatus, NewMessage, Result, Store, messages, outbox, quarantine, subscribers, terminations};
use crate::domain::{Code, Reason, Termination, Verdict};
use crate::reply::{ReplyDraft, ReplyKind};

/// The rows one mail's decision writes.
#[derive(Debug, Clone)]
pub struct RecordPlan<'a> {
    pub message: NewMessage<'a>,
    /// The audit log's line for the decision ("verdict=… reasons=… missing=…").
    pub decision_note: String,
    pub termination: Option<TerminationStep>,
    pub quarantine: Option<QuarantineStep>,
    /// The earlier mail of the thread that this one completes.
    pub completes: Option<i64>,
    pub reply: ReplyStep,
}

/// A termination to record.
#[derive(Debug, Clone)]
pub struct TerminationStep {
    pub termination: Termination,
    /// When the organisation turns out to have a termination already (another
    /// mail won the race since we looked): the mail's reasons and answer then.
    pub if_on_file: OnFile,
}

#[derive(Debug, Clone)]
pub struct OnFile {
    pub reasons: Vec<Reason>,
    pub reply: ReplyStep,
}

#[derive(Debug, Clone)]
pub struct QuarantineStep {
    pub reasons: Vec<Reason>,
}

/// The answer a decision gets.
#[derive(Debug, Clone)]
pub enum ReplyStep {
    /// The verdict gets no answer (ignored mails; quarantine when not answered).
    None,
    /// The verdict has an answer, but the sender is not one we answer (a
    /// robot, an invalid address, ourselves).
    NotAnswerable,
    /// Queue it, unless the same answer went to the same sender after `unless_answered_since`.
    Queue { draft: Box<ReplyDraft>, unless_answered_since: DateTime<Utc> },
}

/// What applying a plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Recorded(Recorded),
    /// The same mail was recorded meanwhile by another intake: nothing was
    /// written, theirs stands.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub message_row: i64,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub reply: ReplyOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOutcome {
    None,
    NotAnswerable,
    Queued {
        outbox_row: i64,
        kind: ReplyKind,
    },
    /// RFC 3834 §2: one automatic answer per sender and reason per period.
    Suppressed {
        kind: ReplyKind,
    },
}

impl Store {
    /// Records one mail in a transaction of its own.
    pub async fn record(&self, plan: &RecordPlan<'_>, now: DateTime<Utc>) -> Result<Applied> {
        let mut tx = self.pool.begin().await?;
        let applied = apply(&mut tx, plan, now).await?;
        tx.commit().await?;
        Ok(applied)
    }
}

impl Store {
    /// Records several mails in one transaction: one durable commit for the
    /// batch. The batch is first written straight through (a savepoint per
    /// mail costs two round trips to a server); if any mail fails, that
    /// transaction is rolled back and the batch written again with a
    /// savepoint per mail, so one mail's failure undoes only that mail. The
    /// mails' results, in order.
    pub async fn record_batch(&self, plans: &[&RecordPlan<'_>], now: DateTime<Utc>) -> Result<Vec<Result<Applied>>> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(plans.len());
        let mut log = audit::Pending::default();
        let mut failed = None;
        for plan in plans {
            match apply_logged(&mut tx, plan, now, &mut log).await {
                Ok(applied) => out.push(Ok(applied)),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // The whole batch's audit entries in one statement.
        if failed.is_none() {
            failed = log.write(&mut tx, now, INTAKE).await.err();
        }
        if let Some(e) = failed {
            tracing::warn!(error = %e, "a mail of the batch failed; writing the batch again mail by mail");
            tx.rollback().await?;
            return self.record_batch_with_savepoints(plans, now).await;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// As [`Store::record_batch`], each mail in a savepoint of its own.
    pub async fn record_batch_with_savepoints(
        &self,
        plans: &[&RecordPlan<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Applied>>> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(plans.len());
        for plan in plans {
            let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
            match apply(&mut savepoint, plan, now).await {
                Ok(applied) => {
                    savepoint.commit().await?;
                    out.push(Ok(applied));
                }
                Err(e) => {
                    savepoint.rollback().await?;
                    out.push(Err(e));
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// Writes a plan's rows on `conn` (a transaction, or a savepoint in one).
/// Its audit entries are written together at the end, in one statement.
pub async fn apply(conn: &mut AnyConnection, plan: &RecordPlan<'_>, now: DateTime<Utc>) -> Result<Applied> {
    let mut log = audit::Pending::default();
    let applied = apply_logged(conn, plan, now, &mut log).await?;
    log.write(conn, now, INTAKE).await?;
    Ok(applied)
}

/// As [`apply`], the audit entries added to `log` for the caller to write.
async fn apply_logged(
    conn: &mut AnyConnection,
    plan: &RecordPlan<'_>,
    now: DateTime<Utc>,
    log: &mut audit::Pending,
) -> Result<Applied> {
    let Some(row) = messages::insert(conn, &plan.message, now).await? else { return Ok(Applied::Duplicate) };
    log.push("recorded", ("message", row), Some(&plan.decision_note));

    let mut reasons = plan.message.reasons.clone();
    let mut reply = &plan.reply;
    if let Some(step) = &plan.termination {
        if terminations::insert(conn, &step.termination, row, INTAKE, now).await? {
            let t = &step.termination;
            log.push("termination_recorded", ("message", row), Some(&t.org_number.to_string()));
            subscribers::mark_terminated(conn, t.org_number, t.effective_date, INTAKE, now, log).await?;
        } else {
            reasons = step.if_on_file.reasons.clone();
            messages::set_reasons(conn, row, &reasons).await?;
            reply = &step.if_on_file.reply;
        }
    }
    if let Some(step) = &plan.quarantine {
        let item = quarantine::insert(conn, row, &step.reasons, now).await?;
        log.push("quarantined", ("quarantine", item), Some(&plan.decision_note));
    }
    if let Some(parent) = plan.completes {
        messages::set_status(conn, parent, MessageStatus::CompletedByReply).await?;
        log.push("completed_by_reply", ("message", parent), Some(&format!("reply {row}")));
    }
    let reply = queue_reply(conn, reply, row, now, log).await?;
    Ok(Applied::Recorded(Recorded { message_row: row, verdict: plan.message.verdict, reasons, reply }))
}

async fn queue_reply(
    conn: &mut AnyConnection,
    step: &ReplyStep,
    row: i64,
    now: DateTime<Utc>,
    log: &mut audit::Pending,
) -> Result<ReplyOutcome> {
    let ReplyStep::Queue { draft, unless_answered_since } = step else {
        return Ok(match step {
            ReplyStep::NotAnswerable => ReplyOutcome::NotAnswerable,
            _ => ReplyOutcome::None,
        });
    };
    let kind = draft.kind;
    match outbox::insert_unless_answered_since(conn, row, &draft.render(row), *unless_answered_since, now).await? {
        Some(id) => {
            log.push("reply_queued", ("outbox", id), Some(kind.as_str()));
            Ok(ReplyOutcome::Queued { outbox_row: id, kind })
        }
        None => {
            log.push("reply_suppressed", ("message", row), Some(kind.as_str()));
            Ok(ReplyOutcome::Suppressed { kind })
        }
    }
}

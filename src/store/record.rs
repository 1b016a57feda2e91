//! Recording one decided mail: a [`RecordPlan`] says which rows to write (the
//! intake computes it, purely, from the analysis and what is on file); this
//! module writes them. What the plan cannot know in advance is decided here,
//! by the database, inside the same transaction: whether another intake
//! recorded the same mail or a termination of the same organisation first,
//! and whether the sender had the same answer recently.
//!
//! A batch of plans is written table by table, one statement per table for
//! the whole batch ([`Store::record_batch`]); [`apply`] is one mail's plan on
//! any connection (a savepoint in a batch's transaction when a batch must be
//! written mail by mail), and [`Store::record`] one mail, one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::audit::{self, INTAKE};
use super::{
    MessageStatus, NewMessage, Result, Store, StoreError, messages, outbox, quarantine, subscribers, terminations,
};
use crate::domain::{Code, Reason, Termination, Verdict};
use crate::reply::{NewReply, ReplyDraft, ReplyKind};

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
    /// batch, each table's rows in one statement. If any mail fails, that
    /// transaction is rolled back and the batch written again with a
    /// savepoint per mail, so one mail's failure undoes only that mail. The
    /// mails' results, in order.
    pub async fn record_batch(&self, plans: &[&RecordPlan<'_>], now: DateTime<Utc>) -> Result<Vec<Result<Applied>>> {
        let mut tx = self.pool.begin().await?;
        match apply_all(&mut tx, plans, now).await {
            Ok(applied) => {
                tx.commit().await?;
                Ok(applied.into_iter().map(Ok).collect())
            }
            Err(e) => {
                tracing::warn!(error = %e, "a mail of the batch failed; writing the batch again mail by mail");
                tx.rollback().await?;
                self.record_batch_with_savepoints(plans, now).await
            }
        }
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
pub async fn apply(conn: &mut AnyConnection, plan: &RecordPlan<'_>, now: DateTime<Utc>) -> Result<Applied> {
    Ok(apply_all(conn, &[plan], now).await?.remove(0))
}

/// What a recorded mail of a batch comes to, as the steps go.
struct Written<'p> {
    row: i64,
    plan: &'p RecordPlan<'p>,
    reasons: Vec<Reason>,
    reply: &'p ReplyStep,
}

/// Writes the plans' rows on `conn`, each table's rows for all of them in one
/// statement (a round trip to a server per table, not per mail and table),
/// and their audit entries last, in one statement. The steps run in the
/// order a single mail's would, so each object's audit entries keep theirs.
async fn apply_all<'p>(
    conn: &mut AnyConnection,
    plans: &[&'p RecordPlan<'p>],
    now: DateTime<Utc>,
) -> Result<Vec<Applied>> {
    let mut log = audit::Pending::default();
    let new: Vec<&NewMessage<'_>> = plans.iter().map(|p| &p.message).collect();
    let rows = messages::insert_many(conn, &new, now).await?;
    let mut written: Vec<Option<Written<'p>>> = Vec::with_capacity(plans.len());
    for (plan, row) in plans.iter().zip(rows) {
        written.push(row.map(|row| {
            log.push("recorded", ("message", row), Some(&plan.decision_note));
            Written { row, plan, reasons: plan.message.reasons.clone(), reply: &plan.reply }
        }));
    }

    let wanted: Vec<(&Termination, i64)> = written
        .iter()
        .flatten()
        .filter_map(|w| w.plan.termination.as_ref().map(|step| (&step.termination, w.row)))
        .collect();
    let recorded = terminations::insert_many(conn, &wanted, INTAKE, now).await?;
    let mut terminated = Vec::new();
    for w in written.iter_mut().flatten() {
        let Some(step) = &w.plan.termination else { continue };
        let t = &step.termination;
        if recorded.contains(&w.row) {
            log.push("termination_recorded", ("message", w.row), Some(&t.org_number.to_string()));
            terminated.push((t.org_number, t.effective_date));
        } else {
            // Another mail's termination of the organisation won the race.
            w.reasons = step.if_on_file.reasons.clone();
            messages::set_reasons(conn, w.row, &w.reasons).await?;
            w.reply = &step.if_on_file.reply;
        }
    }
    subscribers::mark_terminated_many(conn, &terminated, INTAKE, now, &mut log).await?;

    let items: Vec<(i64, &[Reason])> = written
        .iter()
        .flatten()
        .filter_map(|w| w.plan.quarantine.as_ref().map(|q| (w.row, q.reasons.as_slice())))
        .collect();
    let opened = quarantine::insert_many(conn, &items, now).await?;
    for w in written.iter().flatten().filter(|w| w.plan.quarantine.is_some()) {
        let item =
            opened.get(&w.row).copied().ok_or_else(|| StoreError::Corrupt("quarantine item not returned".into()))?;
        log.push("quarantined", ("quarantine", item), Some(&w.plan.decision_note));
    }

    // A reply that completes an earlier mail joins its case: the sender and
    // the officers see one case under one reference.
    let mut cases: HashMap<i64, i64> = HashMap::new();
    for w in written.iter().flatten() {
        if let Some(parent) = w.plan.completes {
            messages::set_status(conn, parent, MessageStatus::CompletedByReply).await?;
            log.push("completed_by_reply", ("message", parent), Some(&format!("reply {}", w.row)));
            cases.insert(w.row, messages::join_case(conn, w.row, parent).await?);
        }
    }

    let drafts: Vec<(i64, NewReply, DateTime<Utc>)> = written
        .iter()
        .flatten()
        .filter_map(|w| match w.reply {
            ReplyStep::Queue { draft, unless_answered_since } => {
                let case = cases.get(&w.row).copied().unwrap_or(w.row);
                Some((w.row, draft.render(w.row, case), *unless_answered_since))
            }
            _ => None,
        })
        .collect();
    let replies: Vec<(i64, &NewReply, DateTime<Utc>)> =
        drafts.iter().map(|(row, r, since)| (*row, r, *since)).collect();
    let queued = outbox::insert_many_unless_answered_since(conn, &replies, now).await?;

    let mut out = Vec::with_capacity(written.len());
    for w in written {
        let Some(w) = w else {
            out.push(Applied::Duplicate);
            continue;
        };
        let reply = match w.reply {
            ReplyStep::None => ReplyOutcome::None,
            ReplyStep::NotAnswerable => ReplyOutcome::NotAnswerable,
            ReplyStep::Queue { draft, .. } => match queued.get(&w.row) {
                Some(&id) => {
                    log.push("reply_queued", ("outbox", id), Some(draft.kind.as_str()));
                    ReplyOutcome::Queued { outbox_row: id, kind: draft.kind }
                }
                None => {
                    log.push("reply_suppressed", ("message", w.row), Some(draft.kind.as_str()));
                    ReplyOutcome::Suppressed { kind: draft.kind }
                }
            },
        };
        let verdict = w.plan.message.verdict;
        out.push(Applied::Recorded(Recorded { message_row: w.row, verdict, reasons: w.reasons, reply }));
    }
    log.write(conn, now, INTAKE).await?;
    Ok(out)
}

//! The outbox: replies are queued in the same transaction as the decision that
//! causes them, and sent afterwards by the outbox worker.
//!
//! A worker claims one reply at a time with a lease (a single UPDATE, atomic on
//! both backends, with the conditions re-checked in the outer WHERE so that two
//! PostgreSQL workers never claim the same row). No transaction is held open
//! while the reply is being sent. If a worker dies after sending but before
//! marking the reply sent, the lease expires and the reply is sent again: the
//! outbox delivers at least once. The file transport makes that exactly once
//! (the file is named by the reply's Message-ID); for SMTP the recipient sees
//! the same Message-ID twice, which mail clients treat as one message.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use super::{
    Result, Store, read_code, read_optional_timestamp, read_timestamp, serialize_optional_timestamp,
    serialize_timestamp, timestamp,
};
use crate::domain::Code;
use crate::reply::{NewReply, ReplyKind};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, IntoStaticStr, EnumString, VariantArray, Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting to be sent, or for its next attempt.
    Pending,
    Sent,
    /// Refused for good, or out of attempts: never tried again by itself.
    Failed,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxItem {
    pub id: i64,
    pub message_id: i64,
    pub kind: ReplyKind,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub our_message_id: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    #[serde(serialize_with = "serialize_timestamp")]
    pub next_attempt_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_optional_timestamp")]
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "serialize_timestamp")]
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, message_id, kind, recipient, subject, body, in_reply_to, refs, our_message_id, status, \
                       attempts, next_attempt_at, sent_at, last_error, created_at";

fn read(row: &sqlx::any::AnyRow) -> Result<OutboxItem> {
    Ok(OutboxItem {
        id: row.try_get("id")?,
        message_id: row.try_get("message_id")?,
        kind: read_code(row, "kind")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        in_reply_to: row.try_get("in_reply_to")?,
        references: row.try_get("refs")?,
        our_message_id: row.try_get("our_message_id")?,
        status: read_code(row, "status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: read_timestamp(row, "next_attempt_at")?,
        sent_at: read_optional_timestamp(row, "sent_at")?,
        last_error: row.try_get("last_error")?,
        created_at: read_timestamp(row, "created_at")?,
    })
}

/// The columns a queued answer sets; [`VALUES`] are [`bind_reply`]'s eight, the time and the answer's key.
const INSERT_INTO: &str = "INSERT INTO outbox (message_id, kind, recipient, subject, body, in_reply_to, refs, \
     our_message_id, status, attempts, next_attempt_at, created_at, answer_key)";
const VALUES: &str = "$1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9, $10";

/// Binds a new answer's first eight columns, `message_id` … `our_message_id`.
fn bind_reply<'q>(query: super::AnyQuery<'q>, message: i64, reply: &'q NewReply) -> super::AnyQuery<'q> {
    query
        .bind(message)
        .bind(reply.kind.as_str())
        .bind(&reply.recipient)
        .bind(&reply.subject)
        .bind(&reply.body)
        .bind(&reply.in_reply_to)
        .bind((!reply.references.is_empty()).then(|| reply.references.join(" ")))
        .bind(&reply.our_message_id)
}

pub async fn insert(conn: &mut AnyConnection, message: i64, reply: &NewReply, now: DateTime<Utc>) -> Result<i64> {
    static SQL: LazyLock<String> = LazyLock::new(|| format!("{INSERT_INTO} VALUES ({VALUES}) RETURNING id"));
    let query = bind_reply(sqlx::query(sqlx::AssertSqlSafe(SQL.as_str())), message, reply);
    let row = query.bind(timestamp(now)).bind(&reply.answer_key).fetch_one(conn).await?;
    Ok(row.try_get("id")?)
}

/// An answer with this key (bind 1) queued since (bind 2) that did not fail:
/// the sender has had this answer recently.
pub const ANSWERED_SINCE_SQL: &str =
    "SELECT 1 FROM outbox WHERE answer_key = $1 AND created_at > $2 AND status <> 'failed'";

/// Queues `reply` unless the same answer (its key) was queued after `since`
/// — one statement, so the check and the insert are one round trip.
/// Returns the new row, or `None` when the answer was suppressed.
pub async fn insert_unless_answered_since(
    conn: &mut AnyConnection,
    message: i64,
    reply: &NewReply,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    Ok(insert_many_unless_answered_since(conn, &[(message, reply, since)], now).await?.get(&message).copied())
}

/// As [`insert_unless_answered_since`] for the answers to several mails, one
/// statement per [`super::rows_per_statement`]: the new rows by mail. Of
/// answers with the same key, only the first is queued, as if they had been
/// queued one after the other (the statement's own rows are not visible to
/// its check).
pub async fn insert_many_unless_answered_since(
    conn: &mut AnyConnection,
    replies: &[(i64, &NewReply, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, i64>> {
    const COLS: usize = 10;
    static RECENT: LazyLock<String> =
        LazyLock::new(|| ANSWERED_SINCE_SQL.replace("$1", "v.column9").replace("$2", "v.column10"));
    let mut keys = HashSet::new();
    let first_of_key: Vec<_> = replies.iter().filter(|(_, reply, _)| keys.insert(reply.answer_key.as_str())).collect();
    let mut ids = HashMap::new();
    for chunk in first_of_key.chunks(super::rows_per_statement(COLS)) {
        // Bind 1, the time, is shared; each answer's ten follow, its
        // columns named column1… by both backends.
        let values = super::placeholders(chunk.len(), COLS, 2);
        let sql = format!(
            "{INSERT_INTO} SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, \
             v.column8, 'pending', 0, $1, $1, v.column9 FROM (VALUES {values}) AS v WHERE NOT EXISTS ({}) \
             RETURNING id, message_id",
            *RECENT
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(timestamp(now));
        for (message, reply, since) in chunk {
            query = bind_reply(query, *message, reply).bind(&reply.answer_key).bind(timestamp(*since));
        }
        for row in query.fetch_all(&mut *conn).await? {
            ids.insert(row.try_get::<i64, _>("message_id")?, row.try_get::<i64, _>("id")?);
        }
    }
    Ok(ids)
}

/// How many answers a mail has had (a re-decided item answers again, under a
/// Message-ID of its own).
pub async fn count_for_message(conn: &mut AnyConnection, message: i64) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE message_id = $1").bind(message).fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

impl Store {
    /// Claims the oldest reply that is due, for `lease` seconds.
    pub async fn claim_due_reply(&self, now: DateTime<Utc>, lease: chrono::Duration) -> Result<Option<OutboxItem>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET lease_until = $1, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                         AND (lease_until IS NULL OR lease_until < $2) ORDER BY id LIMIT 1) \
               AND status = 'pending' AND (lease_until IS NULL OR lease_until < $2) \
             RETURNING {COLUMNS}"
        )))
        .bind(timestamp(now + lease))
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(read).transpose()
    }

    pub async fn mark_reply_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2",
        )
        .bind(timestamp(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A temporary failure: try again at `next`.
    pub async fn retry_reply_later(&self, id: i64, next: DateTime<Utc>, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET next_attempt_at = $1, lease_until = NULL, last_error = $2 WHERE id = $3")
            .bind(timestamp(next))
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A permanent failure (or too many attempts): never tried again by itself.
    pub async fn mark_reply_failed(&self, id: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replies in a status (all when `None`), oldest first.
    pub async fn outbox(&self, status: Option<OutboxStatus>) -> Result<Vec<OutboxItem>> {
        let rows = match status {
            Some(s) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM outbox WHERE status = $1 ORDER BY id")))
                    .bind(s.as_str())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM outbox ORDER BY id")))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(read).collect()
    }

    /// When the earliest reply that is due but leased by a worker becomes
    /// claimable again (a worker that died mid-send leaves such a lease).
    pub async fn earliest_lease_expiry(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(lease_until) AS t FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND lease_until IS NOT NULL AND lease_until >= $1",
        )
        .bind(timestamp(now))
        .fetch_one(&self.pool)
        .await?;
        row.try_get::<Option<String>, _>("t")?.map(|t| super::parse_timestamp(&t)).transpose()
    }

    /// How many replies are waiting (pending), for `run --once` and health.
    pub async fn pending_replies(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }
}

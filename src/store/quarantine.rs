//! The quarantine queue that officers work through.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use std::collections::HashMap;

use super::messages::{self, RecordedMessage};
use super::{Result, Store, codes, join_codes, read_code, read_optional_timestamp, read_timestamp, timestamp};
use crate::domain::{Code, Field, Reason, ReviewOutcome};

/// Where a quarantine item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumString, VariantArray, Display)]
#[strum(serialize_all = "snake_case")]
pub enum QuarantineStatus {
    /// Waiting for an officer.
    Open,
    /// An officer recorded the termination.
    Approved,
    /// An officer closed it without a termination.
    Rejected,
}

#[derive(Debug, Clone)]
pub struct QuarantineItem {
    pub id: i64,
    pub message_id: i64,
    pub reasons: Vec<Reason>,
    pub status: QuarantineStatus,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// The decision against the intake's reading (`None` while open).
    pub outcome: Option<ReviewOutcome>,
    /// The fields an approval changed or supplied.
    pub corrected_fields: Vec<Field>,
}

/// An officer's decision on an item.
#[derive(Debug, Clone, Copy)]
pub struct Ruling<'a> {
    pub status: QuarantineStatus,
    pub outcome: ReviewOutcome,
    pub corrected: &'a [Field],
    pub note: Option<&'a str>,
}

/// A decided item, as the agreement figures count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedItem {
    pub reasons: Vec<Reason>,
    pub outcome: ReviewOutcome,
    pub corrected_fields: Vec<Field>,
    pub decided_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, message_id, reasons, status, created_at, decided_by, decided_at, decision_note, outcome, corrected_fields";

pub async fn insert(conn: &mut AnyConnection, message: i64, reasons: &[Reason], now: DateTime<Utc>) -> Result<i64> {
    let items = insert_many(conn, &[(message, reasons)], now).await?;
    items.get(&message).copied().ok_or_else(|| super::StoreError::Corrupt("quarantine insert returned no row".into()))
}

/// Opens an item for each mail, one statement per [`super::rows_per_statement`];
/// the new items' ids by mail.
pub async fn insert_many(
    conn: &mut AnyConnection,
    items: &[(i64, &[Reason])],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, i64>> {
    let mut ids = HashMap::new();
    // Bind 1, the time, is shared by every row.
    for chunk in items.chunks(super::rows_per_statement(2)) {
        let values = super::placeholders(chunk.len(), 2, 2).replace(')', ", 'open', $1)");
        let sql = format!(
            "INSERT INTO quarantine (message_id, reasons, status, created_at) VALUES {values} RETURNING id, message_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(timestamp(now));
        for (message, reasons) in chunk {
            query = query.bind(*message).bind(join_codes(reasons));
        }
        for row in query.fetch_all(&mut *conn).await? {
            ids.insert(row.try_get::<i64, _>("message_id")?, row.try_get::<i64, _>("id")?);
        }
    }
    Ok(ids)
}

fn read(row: &sqlx::any::AnyRow) -> Result<QuarantineItem> {
    Ok(QuarantineItem {
        id: row.try_get("id")?,
        message_id: row.try_get("message_id")?,
        reasons: codes(row, "reasons")?,
        status: read_code(row, "status")?,
        created_at: read_timestamp(row, "created_at")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: read_optional_timestamp(row, "decided_at")?,
        decision_note: row.try_get("decision_note")?,
        outcome: match row.try_get::<Option<String>, _>("outcome")? {
            Some(_) => Some(read_code(row, "outcome")?),
            None => None,
        },
        corrected_fields: corrected(row)?,
    })
}

fn corrected(row: &sqlx::any::AnyRow) -> Result<Vec<Field>> {
    match row.try_get::<Option<String>, _>("corrected_fields")? {
        Some(_) => codes(row, "corrected_fields"),
        None => Ok(Vec::new()),
    }
}

/// Records an officer's decision on an open item. Returns `false` when the
/// item is no longer open (another officer decided first).
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    ruling: &Ruling<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE quarantine SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, outcome = $5, \
         corrected_fields = $6 WHERE id = $7 AND status = 'open'",
    )
    .bind(ruling.status.as_str())
    .bind(by)
    .bind(timestamp(now))
    .bind(ruling.note)
    .bind(ruling.outcome.as_str())
    .bind(join_codes(ruling.corrected))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Opens a decided item again. Returns `false` when it was not in
/// `expected_status` any more (another officer acted first).
pub async fn reopen(conn: &mut AnyConnection, id: i64, expected_status: QuarantineStatus) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE quarantine SET status = 'open', decided_by = NULL, decided_at = NULL, decision_note = NULL, \
         outcome = NULL, corrected_fields = NULL WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(expected_status.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Quarantine items in a status, oldest first.
    pub async fn quarantine(&self, status: QuarantineStatus) -> Result<Vec<QuarantineItem>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM quarantine WHERE status = $1 ORDER BY created_at, id"
        )))
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read).collect()
    }

    /// Items in a status with their mails, oldest first (two queries, however
    /// long the queue).
    pub async fn queue(&self, status: QuarantineStatus) -> Result<Vec<(QuarantineItem, RecordedMessage)>> {
        let items = self.quarantine(status).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM messages WHERE id IN (SELECT message_id FROM quarantine WHERE status = $1)",
            messages::COLUMNS
        )))
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut by_id: HashMap<i64, RecordedMessage> =
            rows.iter().map(messages::read_message).map(|m| m.map(|m| (m.id, m))).collect::<Result<_>>()?;
        items
            .into_iter()
            // An item decided between the two queries is left out: it is not in this status any more.
            .filter_map(|item| by_id.remove(&item.message_id).map(|m| Ok((item, m))))
            .collect()
    }

    /// Every decided item with its outcome, for the agreement figures.
    pub async fn decided_items(&self) -> Result<Vec<DecidedItem>> {
        let rows = sqlx::query(
            "SELECT reasons, outcome, corrected_fields, decided_at FROM quarantine \
             WHERE status <> 'open' AND outcome IS NOT NULL ORDER BY decided_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DecidedItem {
                    reasons: codes(row, "reasons")?,
                    outcome: read_code(row, "outcome")?,
                    corrected_fields: corrected(row)?,
                    decided_at: read_timestamp(row, "decided_at")?,
                })
            })
            .collect()
    }

    pub async fn quarantine_item(&self, id: i64) -> Result<Option<QuarantineItem>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM quarantine WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(read).transpose()
    }
}

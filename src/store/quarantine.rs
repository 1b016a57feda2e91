//! The quarantine queue that officers work through.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{Result, Store, join_codes, split_codes, timestamp};
use crate::domain::Reason;

#[derive(Debug, Clone)]
pub struct QuarantineItem {
    pub id: i64,
    pub message_id: i64,
    pub reasons: Vec<Reason>,
    pub status: String,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, message: i64, reasons: &[Reason], now: DateTime<Utc>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO quarantine (message_id, reasons, status, created_at) VALUES ($1, $2, 'open', $3) RETURNING id",
    )
    .bind(message)
    .bind(join_codes(reasons, |r| r.as_str()))
    .bind(timestamp(now))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

fn read(row: &sqlx::any::AnyRow) -> Result<QuarantineItem> {
    Ok(QuarantineItem {
        id: row.try_get("id")?,
        message_id: row.try_get("message_id")?,
        reasons: split_codes(&row.try_get::<String, _>("reasons")?).filter_map(Reason::parse).collect(),
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        decision_note: row.try_get("decision_note")?,
    })
}

impl Store {
    /// Quarantine items in a status, oldest first.
    pub async fn quarantine(&self, status: &str) -> Result<Vec<QuarantineItem>> {
        let rows = sqlx::query(
            "SELECT id, message_id, reasons, status, created_at, decided_by, decided_at, decision_note \
             FROM quarantine WHERE status = $1 ORDER BY created_at, id",
        )
        .bind(status)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read).collect()
    }
}

/// Records an officer's decision on an open item. Returns `false` when the
/// item is no longer open (another officer decided first).
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    by: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE quarantine SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
         WHERE id = $5 AND status = 'open'",
    )
    .bind(status)
    .bind(by)
    .bind(timestamp(now))
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Opens a decided item again. Returns `false` when it was open already.
pub async fn reopen(conn: &mut AnyConnection, id: i64, expected_status: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE quarantine SET status = 'open', decided_by = NULL, decided_at = NULL, decision_note = NULL \
         WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(expected_status)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    pub async fn quarantine_item(&self, id: i64) -> Result<Option<QuarantineItem>> {
        let row = sqlx::query(
            "SELECT id, message_id, reasons, status, created_at, decided_by, decided_at, decision_note \
             FROM quarantine WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(read).transpose()
    }
}

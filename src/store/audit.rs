//! Who did what, when: every change to a termination, quarantine item or
//! reply leaves a row here.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{Result, Store, read_timestamp, serialize_timestamp, timestamp};

/// Who acts when the intake itself decides.
pub const INTAKE: &str = "intake";

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(serialize_with = "serialize_timestamp")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub details: Option<String>,
}

/// Appends an entry. `details` is free text or JSON; never a mail body or a
/// personal identity number.
pub async fn record(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    actor: &str,
    action: &str,
    object: (&str, i64),
    details: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, object_type, object_id, details) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(timestamp(now))
    .bind(actor)
    .bind(action)
    .bind(object.0)
    .bind(object.1)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// Audit entries gathered while one mail is recorded and written together,
/// one statement for them all (a round trip saved per entry on a server).
#[derive(Debug, Default)]
pub struct Pending {
    rows: Vec<(&'static str, &'static str, i64, Option<String>)>,
}

impl Pending {
    pub fn push(&mut self, action: &'static str, object: (&'static str, i64), details: Option<&str>) {
        self.rows.push((action, object.0, object.1, details.map(str::to_string)));
    }

    /// Writes the entries, all by `actor` at `now`: one statement per
    /// [`ROWS_PER_STATEMENT`] entries.
    pub async fn write(self, conn: &mut AnyConnection, now: DateTime<Utc>, actor: &str) -> Result<()> {
        for rows in self.rows.chunks(ROWS_PER_STATEMENT) {
            insert(conn, rows, now, actor).await?;
        }
        Ok(())
    }
}

/// Entries per statement: four parameters each, well within SQLite's and
/// PostgreSQL's limits on parameters (32,766 and 65,535).
const ROWS_PER_STATEMENT: usize = 500;

async fn insert(
    conn: &mut AnyConnection,
    rows: &[(&'static str, &'static str, i64, Option<String>)],
    now: DateTime<Utc>,
    actor: &str,
) -> Result<()> {
    // The time and actor are binds 1 and 2 of every row.
    let values = super::placeholders(rows.len(), 4, 3).replace('(', "($1, $2, ");
    let sql = format!("INSERT INTO audit_log (at, actor, action, object_type, object_id, details) VALUES {values}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(timestamp(now)).bind(actor);
    for (action, object_type, object_id, details) in rows {
        query = query.bind(*action).bind(*object_type).bind(*object_id).bind(details.as_deref());
    }
    query.execute(conn).await?;
    Ok(())
}

impl Store {
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object_type, object_id, details FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read).collect()
    }

    /// A page of the log, newest first: the `limit` entries before entry
    /// `before` (from the newest when `None`). Keyed by id, so paging stays
    /// an index lookup however long the log.
    pub async fn audit_page(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object_type, object_id, details FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read).collect()
    }

    /// Everything done to one object, oldest first.
    pub async fn audit_of(&self, object: (&str, i64)) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object_type, object_id, details FROM audit_log \
             WHERE object_type = $1 AND object_id = $2 ORDER BY id",
        )
        .bind(object.0)
        .bind(object.1)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read).collect()
    }
}

fn read(row: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: read_timestamp(row, "at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        details: row.try_get("details")?,
    })
}

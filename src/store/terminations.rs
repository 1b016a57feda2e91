//! Terminations on file.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, Row};

use super::{Result, Store, read_date, read_org_number, read_timestamp, serialize_timestamp, timestamp};
use crate::domain::{OrgNumber, Termination};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TerminationRecord {
    pub id: i64,
    pub org_number: OrgNumber,
    pub org_name: String,
    pub effective_date: NaiveDate,
    #[serde(serialize_with = "serialize_timestamp")]
    pub received_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_timestamp")]
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// The Message-ID of the mail that terminated.
    pub message_id: Option<String>,
    pub source_message: i64,
}

/// Records an active termination. Returns `false` when the organisation
/// already has one (the unique index decides, so concurrent intakes agree).
pub async fn insert(
    conn: &mut AnyConnection,
    t: &Termination,
    message: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(!insert_many(conn, &[(t, message)], by, now).await?.is_empty())
}

/// Records the terminations, each with the mail it came from, one statement
/// per [`super::rows_per_statement`]. Returns the mails whose termination was
/// recorded; the others' organisations already have one.
pub async fn insert_many(
    conn: &mut AnyConnection,
    terminations: &[(&Termination, i64)],
    by: &str,
    now: DateTime<Utc>,
) -> Result<HashSet<i64>> {
    let mut recorded = HashSet::new();
    // Binds 1 and 2 (the time and who records) are shared by every row.
    for chunk in terminations.chunks(super::rows_per_statement(4)) {
        let values = super::placeholders(chunk.len(), 4, 3).replace(')', ", $1, $2, 'active')");
        let sql = format!(
            "INSERT INTO terminations (org_number, org_name, effective_date, message_id, recorded_at, recorded_by, \
             status) VALUES {values} ON CONFLICT DO NOTHING RETURNING id, message_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(timestamp(now)).bind(by);
        for (t, message) in chunk {
            query = query
                .bind(t.org_number.to_string())
                .bind(&t.org_name)
                .bind(t.effective_date.to_string())
                .bind(*message);
        }
        let mut ids = Vec::new();
        for row in query.fetch_all(&mut *conn).await? {
            recorded.insert(row.try_get::<i64, _>("message_id")?);
            ids.push(row.try_get::<i64, _>("id")?);
        }
        record_events(conn, &ids, "recorded", now).await?;
    }
    Ok(recorded)
}

/// The feed's entries for changed terminations, in the same transaction as
/// the change. On PostgreSQL the table is locked first, until the commit:
/// so a later sequence number is never committed before an earlier one, and
/// a reader that has seen `seq` has seen everything before it.
async fn record_events(conn: &mut AnyConnection, ids: &[i64], event: &str, now: DateTime<Utc>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("LOCK TABLE termination_events IN EXCLUSIVE MODE").execute(&mut *conn).await?;
    }
    for chunk in ids.chunks(super::rows_per_statement(1)) {
        let values = super::placeholders(chunk.len(), 1, 3).replace(')', ", $1, $2)");
        let sql = format!("INSERT INTO termination_events (termination_id, event, at) VALUES {values}");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(event).bind(timestamp(now));
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The active terminations of `n` organisations (binds: their numbers).
pub fn active_among_sql(n: usize) -> String {
    format!("{SELECT} WHERE t.org_number IN ({}) AND t.status = 'active'", super::bind_list(n, 1))
}

pub const SELECT: &str = "SELECT t.id, t.org_number, t.org_name, t.effective_date, t.recorded_at, t.recorded_by, \
                      t.message_id AS source_message, m.message_id, m.received_at \
                      FROM terminations t JOIN messages m ON m.id = t.message_id";

fn read(row: &sqlx::any::AnyRow) -> Result<TerminationRecord> {
    Ok(TerminationRecord {
        id: row.try_get("id")?,
        org_number: read_org_number(&row.try_get::<String, _>("org_number")?)?,
        org_name: row.try_get("org_name")?,
        effective_date: read_date(&row.try_get::<String, _>("effective_date")?)?,
        received_at: read_timestamp(row, "received_at")?,
        recorded_at: read_timestamp(row, "recorded_at")?,
        recorded_by: row.try_get("recorded_by")?,
        message_id: row.try_get("message_id")?,
        source_message: row.try_get("source_message")?,
    })
}

impl Store {
    /// The active termination of an organisation, if one is on file.
    pub async fn active_termination(&self, org: OrgNumber) -> Result<Option<TerminationRecord>> {
        Ok(self.active_terminations_among(&[org]).await?.remove(&org))
    }

    /// The active terminations of these organisations, one query for them all.
    pub async fn active_terminations_among(&self, orgs: &[OrgNumber]) -> Result<HashMap<OrgNumber, TerminationRecord>> {
        super::by_org_number(&self.pool, orgs, active_among_sql, |row| read(row).map(|t| (t.org_number, t))).await
    }

    /// Active terminations, by organisation number.
    /// The termination recorded from mail `message` (the newest, active or
    /// revoked since): what an approval of that mail recorded.
    pub async fn termination_from(&self, message: i64) -> Result<Option<TerminationRecord>> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE t.message_id = $1 ORDER BY t.id DESC LIMIT 1")))
                .bind(message)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(read).transpose()
    }

    pub async fn terminations(&self) -> Result<Vec<TerminationRecord>> {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE t.status = 'active' ORDER BY t.org_number")))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(read).collect()
    }
}

/// Revokes the active termination recorded from a mail (a reopened
/// approval). Returns what was revoked: the organisation and its date.
pub async fn revoke_for_message(conn: &mut AnyConnection, message: i64) -> Result<Vec<(OrgNumber, NaiveDate)>> {
    let revoked = revoke_where(conn, "message_id = $1", message).await?;
    Ok(revoked.into_iter().map(|r| (r.org_number, r.effective_date)).collect())
}

/// Revokes the organisation's active termination, if it has one (an
/// officer replaces it with a newer request).
pub async fn revoke_active_for_org(conn: &mut AnyConnection, org: OrgNumber) -> Result<Option<Revoked>> {
    Ok(revoke_where(conn, "org_number = $1", org.to_string()).await?.pop())
}

/// Revokes the active termination with this id (an officer's revocation).
pub async fn revoke_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<Revoked>> {
    Ok(revoke_where(conn, "id = $1", id).await?.pop())
}

/// A termination that was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub id: i64,
    pub org_number: OrgNumber,
    pub effective_date: NaiveDate,
}

async fn revoke_where<'q, T>(conn: &mut AnyConnection, condition: &'static str, bind: T) -> Result<Vec<Revoked>>
where
    T: 'q + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let sql = format!(
        "UPDATE terminations SET status = 'revoked' WHERE {condition} AND status = 'active' \
         RETURNING id, org_number, effective_date"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bind).fetch_all(&mut *conn).await?;
    let revoked = rows
        .iter()
        .map(|row| {
            Ok(Revoked {
                id: row.try_get("id")?,
                org_number: read_org_number(&row.try_get::<String, _>("org_number")?)?,
                effective_date: read_date(&row.try_get::<String, _>("effective_date")?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let ids: Vec<i64> = revoked.iter().map(|r| r.id).collect();
    record_events(conn, &ids, "revoked", Utc::now()).await?;
    Ok(revoked)
}

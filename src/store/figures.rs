//! The figures operators watch (metrics, readiness): queue depths and the age
//! of the oldest thing waiting, read in one query so a scrape costs the
//! database one round trip.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, read_optional_timestamp};

/// What waits, as of one query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub outbox_pending: i64,
    pub outbox_failed: i64,
    /// When the oldest answer still waiting to be sent was queued.
    pub oldest_pending_answer: Option<DateTime<Utc>>,
    pub quarantine_open: i64,
    /// When the oldest item still waiting for an officer was opened.
    pub oldest_open_item: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn figures(&self) -> Result<Figures> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS outbox_pending, \
               (SELECT COUNT(*) FROM outbox WHERE status = 'failed') AS outbox_failed, \
               (SELECT MIN(created_at) FROM outbox WHERE status = 'pending') AS oldest_pending, \
               (SELECT COUNT(*) FROM quarantine WHERE status = 'open') AS quarantine_open, \
               (SELECT MIN(created_at) FROM quarantine WHERE status = 'open') AS oldest_open",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Figures {
            outbox_pending: row.try_get("outbox_pending")?,
            outbox_failed: row.try_get("outbox_failed")?,
            oldest_pending_answer: read_optional_timestamp(&row, "oldest_pending")?,
            quarantine_open: row.try_get("quarantine_open")?,
            oldest_open_item: read_optional_timestamp(&row, "oldest_open")?,
        })
    }

    /// Mails received since `since`, by verdict code.
    pub async fn verdicts_since(&self, since: DateTime<Utc>) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT verdict, COUNT(*) AS n FROM messages WHERE received_at >= $1 GROUP BY verdict ORDER BY verdict",
        )
        .bind(super::timestamp(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("verdict")?, r.try_get("n")?))).collect()
    }

    /// Active terminations by the month they take effect (`YYYY-MM`), in order.
    pub async fn terminations_by_month(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT substr(effective_date, 1, 7) AS month, COUNT(*) AS n FROM terminations \
             WHERE status = 'active' GROUP BY substr(effective_date, 1, 7) ORDER BY month",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("month")?, r.try_get("n")?))).collect()
    }
}

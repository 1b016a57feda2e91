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
    /// The mails the mailbox reader last saw waiting in the inbox, and when
    /// (`None` before any instance has read the mailbox).
    pub mailbox_waiting: Option<(i64, DateTime<Utc>)>,
}

impl Store {
    pub async fn figures(&self) -> Result<Figures> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM outbox WHERE status = 'pending') AS outbox_pending, \
               (SELECT COUNT(*) FROM outbox WHERE status = 'failed') AS outbox_failed, \
               (SELECT MIN(created_at) FROM outbox WHERE status = 'pending') AS oldest_pending, \
               (SELECT COUNT(*) FROM quarantine WHERE status = 'open') AS quarantine_open, \
               (SELECT MIN(created_at) FROM quarantine WHERE status = 'open') AS oldest_open, \
               (SELECT waiting FROM mailbox_status WHERE id = 1) AS mailbox_waiting, \
               (SELECT checked_at FROM mailbox_status WHERE id = 1) AS mailbox_checked",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Figures {
            outbox_pending: row.try_get("outbox_pending")?,
            outbox_failed: row.try_get("outbox_failed")?,
            oldest_pending_answer: read_optional_timestamp(&row, "oldest_pending")?,
            quarantine_open: row.try_get("quarantine_open")?,
            oldest_open_item: read_optional_timestamp(&row, "oldest_open")?,
            mailbox_waiting: match (
                row.try_get::<Option<i64>, _>("mailbox_waiting")?,
                read_optional_timestamp(&row, "mailbox_checked")?,
            ) {
                (Some(n), Some(at)) => Some((n, at)),
                _ => None,
            },
        })
    }

    /// Notes how many mails the mailbox reader sees waiting in the inbox
    /// (one row, for the overview page of every instance).
    pub async fn note_mailbox_waiting(&self, waiting: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO mailbox_status (id, waiting, checked_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET waiting = excluded.waiting, checked_at = excluded.checked_at",
        )
        .bind(waiting)
        .bind(super::timestamp(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Answers sent since `since` (the overview's pace of the outbox).
    pub async fn answers_sent_since(&self, since: DateTime<Utc>) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE sent_at >= $1")
            .bind(super::timestamp(since))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
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

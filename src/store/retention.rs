//! Retention: a mail's raw bytes, its subject, its extraction (which quotes
//! the body) and the bodies of the answers sent to it are purged
//! `retention.raw_days` after the mail was decided — when it was recorded, or
//! when an officer decided its quarantine item. What stays is what the
//! audit needs: the decision, the values, the termination, the audit log and
//! the mail's hashes. An open quarantine item is never purged, nor a mail
//! whose answer has not gone out yet.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::audit::{self, INTAKE};
use super::{Result, Store, timestamp};

/// How many mails one transaction purges.
const BATCH: usize = 200;

impl Store {
    /// The mails decided before `cutoff` and not yet purged, oldest first.
    pub async fn purgeable(&self, cutoff: DateTime<Utc>) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT m.id FROM messages m LEFT JOIN quarantine q ON q.message_id = m.id \
             WHERE m.purged_at IS NULL AND (q.id IS NULL OR q.status <> 'open') \
             AND COALESCE(q.decided_at, m.recorded_at) < $1 \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id AND o.status = 'pending') \
             ORDER BY m.id",
        )
        .bind(timestamp(cutoff))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Purges every mail decided more than `raw_days` days before `now`.
    pub async fn purge_expired(&self, raw_days: u32, now: DateTime<Utc>) -> Result<u64> {
        let ids = self.purgeable(retention_cutoff(raw_days, now)).await?;
        self.purge(&ids, now).await
    }

    /// Purges the mails `ids`, a batch per transaction, each audited.
    /// Returns how many were purged (a mail purged meanwhile is skipped).
    pub async fn purge(&self, ids: &[i64], now: DateTime<Utc>) -> Result<u64> {
        let mut purged = 0;
        for batch in ids.chunks(BATCH) {
            let mut tx = self.pool.begin().await?;
            for &id in batch {
                // The same conditions as `purgeable`: an item reopened or an
                // answer queued since it was listed keeps the mail.
                let done = sqlx::query(
                    "UPDATE messages SET raw = $1, subject = '', extraction = NULL, purged_at = $2 \
                     WHERE id = $3 AND purged_at IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.message_id = $3 AND q.status = 'open') \
                     AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = $3 AND o.status = 'pending')",
                )
                .bind(Vec::<u8>::new())
                .bind(timestamp(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    continue;
                }
                sqlx::query("UPDATE outbox SET subject = '', body = '' WHERE message_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                audit::record(&mut tx, now, INTAKE, "purged", ("message", id), None).await?;
                purged += 1;
            }
            tx.commit().await?;
        }
        Ok(purged)
    }
}

/// Mails decided before this are purged.
pub fn retention_cutoff(raw_days: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(i64::from(raw_days))
}

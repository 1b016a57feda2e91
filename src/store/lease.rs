//! The mailbox lease on PostgreSQL: one row, taken when free or expired,
//! renewed by its holder, released on a clean stop. Times are the database
//! server's (`now()`), so the instances' clocks need not agree.

use sqlx::Row;

use super::{Backend, Result, Store, StoreError};

const NAME: &str = "mailbox";

/// Who holds the lease, as the database sees it now.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseHolder {
    pub holder: String,
    pub epoch: i64,
    /// Seconds until it expires (negative: expired).
    pub remaining_secs: f64,
}

impl Store {
    fn postgres_only(&self) -> Result<()> {
        match self.backend {
            Backend::Postgres => Ok(()),
            Backend::Sqlite => Err(StoreError::Corrupt("the mailbox lease is kept on PostgreSQL only".into())),
        }
    }

    /// Takes the lease for `holder` when it is free, expired, or held by
    /// `may_replace` (a holder known to be dead); the new epoch, or `None`
    /// when another holds it.
    pub async fn take_lease(&self, holder: &str, may_replace: &str, ttl_secs: f64) -> Result<Option<i64>> {
        self.postgres_only()?;
        let row = sqlx::query(
            "INSERT INTO mailbox_lease (name, holder, epoch, acquired_at, expires_at) \
             VALUES ($1, $2, 1, now(), now() + make_interval(secs => $3)) \
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = mailbox_lease.epoch + 1, \
               acquired_at = now(), expires_at = EXCLUDED.expires_at \
             WHERE mailbox_lease.expires_at < now() OR mailbox_lease.holder = $4 \
             RETURNING epoch",
        )
        .bind(NAME)
        .bind(holder)
        .bind(ttl_secs)
        .bind(may_replace)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("epoch")).transpose()?)
    }

    /// Extends the lease held by `holder` in `epoch`; false when it is no
    /// longer theirs (expired, or taken over).
    pub async fn renew_lease(&self, holder: &str, epoch: i64, ttl_secs: f64) -> Result<bool> {
        self.postgres_only()?;
        let done = sqlx::query(
            "UPDATE mailbox_lease SET expires_at = now() + make_interval(secs => $4) \
             WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()",
        )
        .bind(NAME)
        .bind(holder)
        .bind(epoch)
        .bind(ttl_secs)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Lets the lease go at once (a clean stop): a standby need not wait.
    pub async fn release_lease(&self, holder: &str, epoch: i64) -> Result<()> {
        self.postgres_only()?;
        sqlx::query(
            "UPDATE mailbox_lease SET expires_at = now() - interval '1 second' \
             WHERE name = $1 AND holder = $2 AND epoch = $3",
        )
        .bind(NAME)
        .bind(holder)
        .bind(epoch)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn lease_holder(&self) -> Result<Option<LeaseHolder>> {
        self.postgres_only()?;
        let row = sqlx::query(
            "SELECT holder, epoch, EXTRACT(EPOCH FROM expires_at - now())::float8 AS remaining \
             FROM mailbox_lease WHERE name = $1",
        )
        .bind(NAME)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LeaseHolder {
                holder: r.try_get("holder")?,
                epoch: r.try_get("epoch")?,
                remaining_secs: r.try_get("remaining")?,
            })
        })
        .transpose()
    }
}

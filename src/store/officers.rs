//! Officers and their sessions.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::audit;
use super::{Result, Store, read_timestamp, serialize_timestamp, timestamp};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Officer {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub active: bool,
    #[serde(serialize_with = "serialize_timestamp")]
    pub created_at: DateTime<Utc>,
    /// Failed sign-ins in a row, and when the last one was.
    pub failed_signins: u32,
    #[serde(serialize_with = "super::serialize_optional_timestamp")]
    pub last_failed_at: Option<DateTime<Utc>>,
    /// Locked after too many failed sign-ins, until then.
    #[serde(serialize_with = "super::serialize_optional_timestamp")]
    pub locked_until: Option<DateTime<Utc>>,
}

impl Officer {
    pub fn locked_at(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }
}

/// A signed-in officer's web session, as a request sees it.
#[derive(Debug, Clone)]
pub struct OfficerSession {
    pub officer: Officer,
    pub csrf_token: String,
}

fn read(row: &sqlx::any::AnyRow) -> Result<Officer> {
    Ok(Officer {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: read_timestamp(row, "created_at")?,
        failed_signins: u32::try_from(row.try_get::<i64, _>("failed_signins")?).unwrap_or(u32::MAX),
        last_failed_at: super::read_optional_timestamp(row, "last_failed_at")?,
        locked_until: super::read_optional_timestamp(row, "locked_until")?,
    })
}

const COLUMNS: &str =
    "id, name, display_name, password_hash, active, created_at, failed_signins, last_failed_at, locked_until";

impl Store {
    /// A failed sign-in of `officer`: counted (a lock that has run out starts
    /// the count again) and audited; the failure that makes `lock_after` in a
    /// row locks the account until `lock_until`. Decided in one statement, so
    /// concurrent failures count one by one. Returns the failures in a row and
    /// the lock, if this failure set one.
    pub async fn record_failed_signin(
        &self,
        officer: &Officer,
        lock_after: u32,
        lock_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(u32, Option<DateTime<Utc>>)> {
        let mut tx = self.pool.begin().await?;
        let now_text = timestamp(now);
        let row = sqlx::query(
            "UPDATE officers SET \
               failed_signins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 THEN 1 \
                                     ELSE failed_signins + 1 END, \
               locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until > $1 THEN locked_until \
                                   WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 THEN 1 \
                                              ELSE failed_signins + 1 END) >= $2 THEN $3 \
                                   ELSE NULL END, \
               last_failed_at = $1 \
             WHERE id = $4 RETURNING failed_signins, locked_until",
        )
        .bind(&now_text)
        .bind(i64::from(lock_after))
        .bind(timestamp(lock_until))
        .bind(officer.id)
        .fetch_one(&mut *tx)
        .await?;
        let failures = u32::try_from(row.try_get::<i64, _>("failed_signins")?).unwrap_or(u32::MAX);
        let locked = super::read_optional_timestamp(&row, "locked_until")?;
        let newly_locked = locked.filter(|_| failures == lock_after);
        let count = failures.to_string();
        audit::record(&mut tx, now, &officer.name, "signin_failed", ("officer", officer.id), Some(&count)).await?;
        if let Some(until) = newly_locked {
            let note = format!("locked until {} after {count} failed sign-ins", timestamp(until));
            audit::record(&mut tx, now, &officer.name, "signin_locked", ("officer", officer.id), Some(&note)).await?;
        }
        tx.commit().await?;
        Ok((failures, newly_locked))
    }

    /// A failed sign-in under a name no officer has, audited.
    pub async fn record_unknown_signin(&self, name: &str, now: DateTime<Utc>) -> Result<()> {
        let shown: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        let mut conn = self.pool.acquire().await?;
        audit::record(&mut conn, now, &shown, "signin_failed", ("officer", 0), Some("no such officer")).await
    }

    /// A successful sign-in: the count of failures starts again.
    pub async fn reset_signin_failures(&self, officer_id: i64) -> Result<()> {
        sqlx::query("UPDATE officers SET failed_signins = 0, last_failed_at = NULL, locked_until = NULL WHERE id = $1")
            .bind(officer_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Unlocks an officer's account (by another officer or the command line),
    /// audited. Returns `false` when there is no such officer.
    pub async fn unlock_officer(&self, name: &str, by: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE officers SET failed_signins = 0, last_failed_at = NULL, locked_until = NULL WHERE name = $1 \
             RETURNING id",
        )
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = row.try_get("id")?;
        audit::record(&mut tx, now, by, "officer_unlocked", ("officer", id), Some(name)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A key the service keeps for itself (made once, on first use, by
    /// whichever instance asks first).
    pub async fn server_key(&self, name: &str) -> Result<String> {
        sqlx::query("INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(crate::auth::random_token())
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM server_keys WHERE name = $1").bind(name).fetch_one(&self.pool).await?;
        Ok(row.try_get("value")?)
    }

    /// Adds an officer, or returns `false` when the name is taken.
    pub async fn add_officer(&self, name: &str, display_name: &str, password_hash: Option<&str>) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO officers (name, display_name, password_hash, active, created_at) \
             VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(display_name)
        .bind(password_hash)
        .bind(timestamp(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_officer_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE officers SET password_hash = $1, active = 1 WHERE name = $2")
            .bind(password_hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disables an officer and ends their sessions.
    pub async fn disable_officer(&self, name: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE officers SET active = 0 WHERE name = $1").bind(name).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM sessions WHERE officer_id IN (SELECT id FROM officers WHERE name = $1)")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn officer(&self, name: &str) -> Result<Option<Officer>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM officers WHERE name = $1")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(read).transpose()
    }

    pub async fn officers(&self) -> Result<Vec<Officer>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM officers ORDER BY name")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(read).collect()
    }

    pub async fn create_session(
        &self,
        token_sha256: &str,
        officer_id: i64,
        csrf_token: &str,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_sha256, officer_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_sha256)
        .bind(officer_id)
        .bind(csrf_token)
        .bind(timestamp(Utc::now()))
        .bind(timestamp(expires))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session of this token: not expired, officer still active.
    pub async fn session(&self, token_sha256: &str, now: DateTime<Utc>) -> Result<Option<OfficerSession>> {
        let row = sqlx::query(
            "SELECT o.id, o.name, o.display_name, o.password_hash, o.active, o.created_at, o.failed_signins, \
             o.last_failed_at, o.locked_until, s.csrf_token FROM sessions s JOIN officers o ON o.id = s.officer_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND o.active = 1",
        )
        .bind(token_sha256)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(OfficerSession { officer: read(&row)?, csrf_token: row.try_get("csrf_token")? })),
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, token_sha256: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1").bind(token_sha256).execute(&self.pool).await?;
        Ok(())
    }
}

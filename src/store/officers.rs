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
    /// The officer a sign-in name means: the one of exactly that name, else
    /// the only one whose name differs from it in case alone (sign-in names
    /// are compared without case, as the throttle compares them).
    pub async fn officer_signing_in(&self, name: &str) -> Result<Option<Officer>> {
        if let Some(exact) = self.officer(name).await? {
            return Ok(Some(exact));
        }
        let key = crate::domain::name_key(name);
        let mut alike = self.officers().await?.into_iter().filter(|o| crate::domain::name_key(&o.name) == key);
        Ok(match (alike.next(), alike.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        })
    }

    /// Reserves a sign-in attempt of `officer` as read (`seen`): counts it as
    /// a failure now, before its password is checked (a lock that has run out
    /// starts the count again), unless the row changed since it was read — then
    /// another attempt, on this instance or another, came first, and `None`
    /// says so. Returns this attempt's number among the failures in a row.
    /// Without `exclusive` (no waits between tries are configured) attempts
    /// need not come one at a time: only a lock refuses one then.
    pub async fn reserve_signin(&self, seen: &Officer, now: DateTime<Utc>, exclusive: bool) -> Result<Option<u32>> {
        const SET: &str = "UPDATE officers SET \
               failed_signins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 THEN 1 \
                                     ELSE failed_signins + 1 END, \
               locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 THEN NULL \
                                   ELSE locked_until END, \
               last_failed_at = $1 WHERE id = $2 AND ";
        let query = if exclusive {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SET} failed_signins = $3 AND last_failed_at IS NOT DISTINCT FROM $4 \
                 AND locked_until IS NOT DISTINCT FROM $5 RETURNING failed_signins"
            )))
            .bind(timestamp(now))
            .bind(seen.id)
            .bind(i64::from(seen.failed_signins))
            .bind(seen.last_failed_at.map(timestamp))
            .bind(seen.locked_until.map(timestamp))
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SET} (locked_until IS NULL OR locked_until <= $1) RETURNING failed_signins"
            )))
            .bind(timestamp(now))
            .bind(seen.id)
        };
        let row = query.fetch_optional(&self.pool).await?;
        row.map(|r| Ok(u32::try_from(r.try_get::<i64, _>("failed_signins")?).unwrap_or(u32::MAX))).transpose()
    }

    /// The reserved attempt number `attempt` of `officer` failed: audited; the
    /// failure that makes `lock_after` in a row locks the account until
    /// `lock_until`. Returns the lock, if this failure set one.
    pub async fn record_failed_signin(
        &self,
        officer: &Officer,
        attempt: u32,
        lock_after: u32,
        lock_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut tx = self.pool.begin().await?;
        let count = attempt.to_string();
        audit::record(&mut tx, now, &officer.name, "signin_failed", ("officer", officer.id), Some(&count)).await?;
        let mut locked = None;
        if attempt >= lock_after {
            let done = sqlx::query(
                "UPDATE officers SET locked_until = $1 WHERE id = $2 AND (locked_until IS NULL OR locked_until <= $3)",
            )
            .bind(timestamp(lock_until))
            .bind(officer.id)
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                let note = format!("locked until {} after {count} failed sign-ins", timestamp(lock_until));
                audit::record(&mut tx, now, &officer.name, "signin_locked", ("officer", officer.id), Some(&note))
                    .await?;
                locked = Some(lock_until);
            }
        }
        tx.commit().await?;
        Ok(locked)
    }

    /// A failed sign-in under a name no officer has, audited.
    pub async fn record_unknown_signin(&self, name: &str, now: DateTime<Utc>) -> Result<()> {
        let shown: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        let mut conn = self.pool.acquire().await?;
        audit::record(&mut conn, now, &shown, "signin_failed", ("officer", 0), Some("no such officer")).await
    }

    /// A successful sign-in: the count of failures starts again — unless a
    /// lock was set while the password was being checked (by a failure that
    /// came first), which a success never lifts. Returns `false` then.
    pub async fn signin_succeeded(&self, officer_id: i64, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE officers SET failed_signins = 0, last_failed_at = NULL, locked_until = NULL \
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(officer_id)
        .bind(timestamp(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
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

    /// A key the service keeps for itself: `fresh` is kept when none of
    /// that name exists yet (made once, on first use, by whichever instance
    /// asks first), else the one kept is returned.
    pub async fn server_key(&self, name: &str, fresh: &str) -> Result<String> {
        sqlx::query("INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM server_keys WHERE name = $1").bind(name).fetch_one(&self.pool).await?;
        Ok(row.try_get("value")?)
    }

    /// Adds an officer, or returns `false` when the name is taken.
    /// Adds an officer; `false` when one of that name exists already, also in
    /// another case (sign-in names are compared without case).
    pub async fn add_officer(&self, name: &str, display_name: &str, password_hash: Option<&str>) -> Result<bool> {
        if self.officer_signing_in(name).await?.is_some() {
            return Ok(false);
        }
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

    /// Sets an officer's password (and makes the account active again); every
    /// session of the officer ends, so a password changed because it leaked
    /// also shuts out whoever used it.
    pub async fn set_officer_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE officers SET password_hash = $1, active = 1 WHERE name = $2")
            .bind(password_hash)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE officer_id IN (SELECT id FROM officers WHERE name = $1)")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

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

    /// Opens a session; sessions that have ended (expired or idle past
    /// `idle`) are deleted on the way.
    pub async fn create_session(
        &self,
        token_sha256: &str,
        officer_id: i64,
        csrf_token: &str,
        expires: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR COALESCE(last_seen_at, created_at) <= $2")
            .bind(timestamp(now))
            .bind(timestamp(now - idle))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_sha256, officer_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_sha256)
        .bind(officer_id)
        .bind(csrf_token)
        .bind(timestamp(now))
        .bind(timestamp(expires))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session of this token: not expired, used within `idle`, the
    /// officer still active. Using it keeps it alive (noted at most once a
    /// minute, so that reading pages does not write on every request).
    pub async fn session(
        &self,
        token_sha256: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<OfficerSession>> {
        let row = sqlx::query(
            "SELECT o.id, o.name, o.display_name, o.password_hash, o.active, o.created_at, o.failed_signins, \
             o.last_failed_at, o.locked_until, s.csrf_token FROM sessions s JOIN officers o ON o.id = s.officer_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND COALESCE(s.last_seen_at, s.created_at) > $3 \
             AND o.active = 1",
        )
        .bind(token_sha256)
        .bind(timestamp(now))
        .bind(timestamp(now - idle))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_sha256 = $1 \
             AND COALESCE(last_seen_at, created_at) < $3",
        )
        .bind(token_sha256)
        .bind(timestamp(now))
        .bind(timestamp(now - chrono::Duration::minutes(1)))
        .execute(&self.pool)
        .await?;
        Ok(Some(OfficerSession { officer: read(&row)?, csrf_token: row.try_get("csrf_token")? }))
    }

    /// Sessions on file, ended or not (the daily purge and each sign-in delete ended ones).
    pub async fn session_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM sessions").fetch_one(&self.pool).await?.try_get("n")?)
    }

    pub async fn end_session(&self, token_sha256: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1").bind(token_sha256).execute(&self.pool).await?;
        Ok(())
    }
}

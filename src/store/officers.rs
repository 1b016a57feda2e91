//! Officers and their sessions.

use chrono::{DateTime, Utc};
use sqlx::Row;

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
    })
}

const COLUMNS: &str = "id, name, display_name, password_hash, active, created_at";

impl Store {
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
            "SELECT o.id, o.name, o.display_name, o.password_hash, o.active, o.created_at, s.csrf_token \
             FROM sessions s JOIN officers o ON o.id = s.officer_id \
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

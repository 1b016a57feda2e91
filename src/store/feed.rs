//! The delivery system's feed: changes to terminations in commit order, and
//! the bearer tokens that may read them (stored as `auth::token_digest`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{Result, Store, read_date, read_optional_timestamp, read_org_number, read_timestamp, timestamp};
use crate::domain::OrgNumber;

/// One change: a termination recorded, or revoked (a reopened approval, a
/// replacement by a newer request, an officer's revocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub seq: i64,
    pub event: String,
    pub at: DateTime<Utc>,
    pub termination_id: i64,
    pub org_number: OrgNumber,
    pub org_name: String,
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// The termination's status now (a recorded one may since be revoked).
    pub status: String,
    /// The case's reference (the one the sender's answers quote).
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What `token add` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAdded {
    Added(i64),
    /// A token of that name is in use: revoke it first.
    Exists,
}

impl Store {
    /// Changes after `since`, oldest first, at most `limit`.
    pub async fn feed(&self, since: i64, limit: i64) -> Result<Vec<FeedEvent>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.event, e.at, t.id, t.org_number, t.org_name, t.effective_date, t.recorded_at, \
             t.recorded_by, t.status, COALESCE(m.case_id, m.id) AS case_ref \
             FROM termination_events e JOIN terminations t ON t.id = e.termination_id \
             JOIN messages m ON m.id = t.message_id WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FeedEvent {
                    seq: r.try_get("seq")?,
                    event: r.try_get("event")?,
                    at: read_timestamp(r, "at")?,
                    termination_id: r.try_get("id")?,
                    org_number: read_org_number(&r.try_get::<String, _>("org_number")?)?,
                    org_name: r.try_get("org_name")?,
                    effective_date: read_date(&r.try_get::<String, _>("effective_date")?)?,
                    recorded_at: read_timestamp(r, "recorded_at")?,
                    recorded_by: r.try_get("recorded_by")?,
                    status: r.try_get("status")?,
                    reference: crate::reply::reference(r.try_get("case_ref")?),
                })
            })
            .collect()
    }

    /// Stores a new token's hash under `name` (again, if the old one was
    /// revoked), audited as `actor`.
    pub async fn add_token(&self, name: &str, sha256: &str, actor: &str, now: DateTime<Utc>) -> Result<TokenAdded> {
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query("SELECT id, revoked_at FROM api_tokens WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(row) if row.try_get::<Option<String>, _>("revoked_at")?.is_none() => return Ok(TokenAdded::Exists),
            Some(row) => {
                let id: i64 = row.try_get("id")?;
                sqlx::query(
                    "UPDATE api_tokens SET token_sha256 = $1, created_at = $2, revoked_at = NULL, last_used_at = NULL \
                     WHERE id = $3",
                )
                .bind(sha256)
                .bind(timestamp(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                sqlx::query("INSERT INTO api_tokens (name, token_sha256, created_at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(name)
                    .bind(sha256)
                    .bind(timestamp(now))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?
            }
        };
        super::audit::record(&mut tx, now, actor, "token_added", ("api_token", id), Some(name)).await?;
        tx.commit().await?;
        Ok(TokenAdded::Added(id))
    }

    /// Revokes the token `name`; false when there is no such token in use.
    pub async fn revoke_token(&self, name: &str, actor: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL RETURNING id")
                .bind(timestamp(now))
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else { return Ok(false) };
        super::audit::record(&mut tx, now, actor, "token_revoked", ("api_token", row.try_get("id")?), Some(name))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT id, name, created_at, revoked_at, last_used_at FROM api_tokens ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: read_timestamp(r, "created_at")?,
                    revoked_at: read_optional_timestamp(r, "revoked_at")?,
                    last_used_at: read_optional_timestamp(r, "last_used_at")?,
                })
            })
            .collect()
    }

    /// The name of the token in use with this hash, noting its use.
    pub async fn use_token(&self, sha256: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL RETURNING name",
        )
        .bind(timestamp(now))
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("name")).transpose()?)
    }
}

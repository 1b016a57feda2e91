//! The database: one repository over SQLite (the embedded default) and
//! PostgreSQL (production), chosen by the URL.
//!
//! Queries go through sqlx's `Any` driver with `$N` placeholders, which both
//! backends accept, so each query is written once. Timestamps are stored as
//! RFC 3339 UTC text with milliseconds (fixed width, so text order is time
//! order) and dates as `YYYY-MM-DD`, because `Any` carries no date types.

pub mod audit;
mod feed;
mod figures;
mod lease;
pub mod listing;
pub mod messages;
mod migrations;
pub mod officers;
pub mod outbox;
pub mod quarantine;
mod record;
mod retention;
pub mod subscribers;
pub mod terminations;

use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, ConnectOptions, Connection, Row};

use crate::domain::{Code, OrgNumber};

pub use audit::AuditEntry;
pub use feed::{ApiToken, FeedEvent, TokenAdded};
pub use figures::Figures;
pub use lease::LeaseHolder;
pub use messages::{MessageStatus, NewMessage, RecordedMessage, ThreadParent};
pub use officers::{Officer, OfficerSession};
pub use outbox::{OutboxItem, OutboxStatus};
pub use quarantine::{DecidedItem, QuarantineItem, QuarantineStatus, Ruling};
pub use record::{Applied, OnFile, QuarantineStep, RecordPlan, Recorded, ReplyOutcome, ReplyStep, TerminationStep};
pub use retention::retention_cutoff;
pub use subscribers::Change;
pub use terminations::TerminationRecord;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("connecting to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("applying migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("stored data is not what this version expects: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The repository. Cheap to clone (a pool handle).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static DRIVERS: Once = Once::new();

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). A SQLite file and
    /// its directory are created when missing; the database is put in WAL mode.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl {
                url: redact(url), reason: "expected sqlite://… or postgres://…".into()
            });
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::BadUrl { url: redact(&url), reason: e.to_string() })?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
        // One direct connection first: a pool reports a refused or rejected
        // connection only as a timeout, long after the real cause.
        let probe = options.connect().await.map_err(StoreError::Connect)?;
        probe.close().await.map_err(StoreError::Connect)?;
        let pool = AnyPoolOptions::new()
            // SQLite serialises writers anyway; a few readers are enough.
            .max_connections(if backend == Backend::Sqlite { max_connections.min(4) } else { max_connections })
            .acquire_timeout(Duration::from_secs(30))
            // sqlx's own liveness check drops a dead connection and opens a
            // new one without a word at the levels we log; a database that
            // restarted or a cut network must show in the log, so the check
            // is ours.
            .test_before_acquire(false)
            .before_acquire(|conn, _| {
                Box::pin(async move {
                    if let Err(error) = conn.ping().await {
                        tracing::error!(%error, "lost the connection to the database; opening a new one");
                        return Err(error);
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        if backend == Backend::Sqlite {
            // WAL lets readers (officers, the outbox) work while intake writes;
            // the setting is stored in the database file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        Ok(Store { pool, backend })
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        migrations::migrator(self.backend).run(&self.pool).await?;
        Ok(())
    }

    /// How many of this backend's migrations are not applied, and how many
    /// there are (`check-config`; a database never migrated has none applied).
    pub async fn pending_migrations(&self) -> Result<(usize, usize)> {
        let migrator = migrations::migrator(self.backend);
        let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        let applied: Vec<i64> =
            match sqlx::query("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&self.pool).await {
                Ok(rows) => rows.iter().map(|r| r.try_get("version")).collect::<std::result::Result<_, _>>()?,
                // No table: nothing was ever applied.
                Err(sqlx::Error::Database(_)) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
        Ok((known.iter().filter(|v| !applied.contains(v)).count(), known.len()))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Adds `mode=rwc` (create when missing) and creates the file's directory.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let (path, query) = sqlite_parts(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::BadUrl {
            url: url.to_string(),
            reason: format!("creating directory {}: {e}", dir.display()),
        })?;
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The file a `sqlite://` URL names (`None` for another backend or an
/// in-memory database).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let (path, _) = sqlite_parts(url.starts_with("sqlite:").then_some(url)?);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// A `sqlite:` URL's path and query.
fn sqlite_parts(url: &str) -> (&str, &str) {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split_once('?').unwrap_or((rest, ""))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only a URL with a host can carry a password, so this cannot fail.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// The lookups made for a batch of mails, as their SQL for a batch of two
/// (with `$n` binds): each must be an index lookup, whatever the size of
/// the tables (`tests/it/store.rs` asks both backends' planners).
pub fn per_mail_lookups() -> Vec<(&'static str, String)> {
    vec![
        ("duplicate", messages::duplicates_sql(2)),
        ("thread parent", messages::THREAD_PARENT_SQL.to_string()),
        ("active termination", terminations::active_among_sql(2)),
        ("subscriber", subscribers::among_sql(2)),
        ("answer sent recently", outbox::ANSWERED_SINCE_SQL.to_string()),
    ]
}

/// How timestamps are written: fixed-width RFC 3339 UTC with milliseconds.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

/// A statement with its binds, on either backend.
type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Placeholders for a multi-row statement: `rows` groups of `cols` binds,
/// numbered from `first` — `placeholders(2, 2, 1)` is `($1, $2), ($3, $4)`.
fn placeholders(rows: usize, cols: usize, first: usize) -> String {
    let row = |r: usize| {
        let binds: Vec<String> = (0..cols).map(|c| format!("${}", first + r * cols + c)).collect();
        format!("({})", binds.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// `$first, $first+1, …` for an `IN (…)` list of `n` binds.
fn bind_list(n: usize, first: usize) -> String {
    (first..first + n).map(|b| format!("${b}")).collect::<Vec<_>>().join(", ")
}

/// The rows of `orgs` (one query per [`rows_per_statement`] numbers, bound
/// in the `IN` list `sql(n)` builds), each read and keyed by `read`.
async fn by_org_number<T>(
    pool: &AnyPool,
    orgs: &[OrgNumber],
    sql: fn(usize) -> String,
    read: impl Fn(&AnyRow) -> Result<(OrgNumber, T)>,
) -> Result<std::collections::HashMap<OrgNumber, T>> {
    let mut found = std::collections::HashMap::new();
    for chunk in orgs.chunks(rows_per_statement(1)) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql(chunk.len())));
        for org in chunk {
            query = query.bind(org.to_string());
        }
        for row in query.fetch_all(pool).await? {
            let (org, value) = read(&row)?;
            found.insert(org, value);
        }
    }
    Ok(found)
}

/// Rows per multi-row statement of `cols` binds each: within SQLite's limit
/// of 32,766 parameters (PostgreSQL's is 65,535), and at most 500.
fn rows_per_statement(cols: usize) -> usize {
    (30_000 / cols).clamp(1, 500)
}

/// Codes as stored: comma-separated.
fn join_codes<T: Code>(items: &[T]) -> String {
    items.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

/// A column of comma-separated codes, as the domain's values.
fn codes<T: Code>(row: &AnyRow, column: &str) -> Result<Vec<T>> {
    let text: String = row.try_get(column)?;
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| crate::domain::parse_code(c).map_err(|e| corrupt(column, e)))
        .collect()
}

/// A column holding one code.
fn read_code<T: Code>(row: &AnyRow, column: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    crate::domain::parse_code(&text).map_err(|e| corrupt(column, e))
}

fn read_timestamp(row: &AnyRow, column: &str) -> Result<DateTime<Utc>> {
    parse_timestamp(&row.try_get::<String, _>(column)?)
}

fn read_optional_timestamp(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    row.try_get::<Option<String>, _>(column)?.map(|t| parse_timestamp(&t)).transpose()
}

fn read_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| corrupt("date", format!("{text:?}: {e}")))
}

fn read_org_number(text: &str) -> Result<OrgNumber> {
    OrgNumber::parse(text).map_err(|e| corrupt("org_number", format!("{text:?}: {e}")))
}

/// Timestamps in JSON output as they are stored (fixed-width RFC 3339 UTC).
pub fn serialize_timestamp<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&timestamp(*t))
}

pub fn serialize_optional_timestamp<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&timestamp(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_the_binds_row_by_row() {
        assert_eq!(placeholders(2, 2, 1), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(1, 3, 4), "($4, $5, $6)");
        assert!(rows_per_statement(23) * 23 <= 32_766 && rows_per_statement(1) == 500);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/lefi"), "postgres://app:***@db:5432/lefi");
        assert_eq!(
            redact("postgres://app:p%40ss@db/lefi?sslmode=require"),
            "postgres://app:***@db/lefi?sslmode=require"
        );
        assert_eq!(redact("postgres://app@db/lefi"), "postgres://app@db/lefi");
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn timestamps_sort_as_text() {
        let a = timestamp(DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z").unwrap().with_timezone(&Utc));
        let b = timestamp(DateTime::parse_from_rfc3339("2026-11-28T10:00:00.5Z").unwrap().with_timezone(&Utc));
        assert_eq!(a, "2026-11-28T09:00:00.000Z");
        assert!(a < b);
        assert_eq!(parse_timestamp(&a).unwrap().to_rfc3339(), "2026-11-28T09:00:00+00:00");
    }
}

//! A fresh, empty, migrated store per test: SQLite in a temporary directory,
//! and PostgreSQL in a schema of its own on the server at
//! `LEFI_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! so tests run in parallel without seeing each other's rows.
//!
//! Without a PostgreSQL server the PostgreSQL half is skipped with a warning on
//! a developer machine, and fails under CI (`CI=true`): a missing server must
//! never turn into a green run.

use super::in_ci;
use std::sync::atomic::{AtomicU32, Ordering};

use lefi_intake::store::Store;
use sqlx::{Connection, Executor};

pub fn postgres_url() -> String {
    std::env::var("LEFI_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// One test database. The SQLite directory is removed when dropped; the
/// PostgreSQL schema by [`TestDb::drop_schema`] (tests call it at the end).
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    pub store: Store,
    /// Keeps the SQLite directory alive as long as the database.
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/lefi-intake.db", dir.path().display());
        let store = Store::connect(&url, 4).await.expect("sqlite store");
        store.migrate().await.expect("sqlite migrations");
        TestDb { name: "sqlite", url, store, _dir: Some(dir), schema: None }
    }

    /// `None` when no server answers and we are not in CI.
    pub async fn postgres() -> Option<TestDb> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin_url = postgres_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if !in_ci() => {
                eprintln!("WARNING: PostgreSQL at {admin_url} unavailable ({e}); PostgreSQL half of this test skipped");
                return None;
            }
            Err(e) => panic!("PostgreSQL at {admin_url} is required in CI: {e}"),
        };
        let schema = format!(
            "lefi_it_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).await.expect("create schema");
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options[search_path]={schema}");
        let store = Store::connect(&url, 5).await.expect("postgres store");
        store.migrate().await.expect("postgres migrations");
        Some(TestDb { name: "postgres", url, store, _dir: None, schema: Some(schema) })
    }

    /// Both backends (PostgreSQL when available, see above).
    pub async fn both() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        dbs.extend(TestDb::postgres().await);
        dbs
    }

    pub async fn drop_schema(self) {
        self.store.close().await;
        if let Some(schema) = &self.schema
            && let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_url()).await
        {
            let _ = admin.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).await;
        }
    }
}

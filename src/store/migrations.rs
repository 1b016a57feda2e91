//! The schema's migrations, compiled into the binary: each file of
//! `migrations/sqlite/` and `migrations/postgres/` (the same names in both),
//! applied by sqlx's migrator as `sqlx::migrate!` would apply them (the same
//! versions, descriptions and checksums, so a database migrated by an older
//! build is recognised). Listed by hand rather than by the macro: the macro
//! builds a second copy of sqlx, SQLite's C code included, for the compiler
//! to run, which costs every fresh build about half a minute on two cores.
//! A test checks this list against the folders and against sqlx's own
//! reading of them.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use super::Backend;

/// One migration's file name (without `.sql`) and its text on each backend.
struct Step {
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! m {
    ($name:literal) => {
        Step {
            name: $name,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", $name, ".sql")),
        }
    };
}

const STEPS: &[Step] = &[
    m!("0001_init"),
    m!("0002_answer_key"),
    m!("0003_officers"),
    m!("0004_trust"),
    m!("0005_signin"),
    m!("0006_mailbox_lease"),
    m!("0007_feed"),
    m!("0008_overview"),
    m!("0009_case"),
    m!("0010_session_idle"),
    m!("0011_mailbox_waiting"),
];

/// The migrator of `backend`, as `sqlx::migrate!("migrations/<backend>")`
/// would build it.
pub fn migrator(backend: Backend) -> Migrator {
    let migrations = STEPS
        .iter()
        .map(|step| {
            let (version, description) = step.name.split_once('_').expect("named NNNN_description");
            let sql = match backend {
                Backend::Sqlite => step.sqlite,
                Backend::Postgres => step.postgres,
            };
            Migration::new(
                version.parse().expect("a numbered migration"),
                Cow::Owned(description.replace('_', " ")),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                sql.starts_with("-- no-transaction"),
            )
        })
        .collect();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_every_file_of_both_folders() {
        for folder in ["sqlite", "postgres"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .map(|n| n.trim_end_matches(".sql").to_string())
                .collect();
            files.sort();
            let listed: Vec<String> = STEPS.iter().map(|s| s.name.to_string()).collect();
            assert_eq!(listed, files, "src/store/migrations.rs lists every file of migrations/{folder}/");
        }
    }

    #[tokio::test]
    async fn the_migrations_are_what_sqlx_reads_from_the_folders() {
        for (backend, folder) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
            let read = Migrator::new(dir).await.unwrap();
            let ours = migrator(backend);
            let fields = |m: &Migrator| {
                m.iter()
                    .map(|s| (s.version, s.description.to_string(), s.checksum.to_vec(), s.no_tx, s.migration_type))
                    .collect::<Vec<_>>()
            };
            assert_eq!(fields(&ours), fields(&read), "{folder}");
        }
    }
}

//! The crash-loop harness: the daemon killed with SIGKILL at random moments
//! while it drains a mailbox over IMAP and answers over SMTP, then left to
//! finish; the report says whether anything was lost or doubled.
//!
//! ```sh
//! cargo build --release && cargo run --release --example crash_loop -- [--kills 50] [--mails 1000] [--db sqlite,postgres] [--seed N] [--max-delay-ms 800]
//! ```
//!
//! It runs the release binary `target/release/lefi-intake` (build it first),
//! a private Dovecot and a private Postfix that delivers the answers back
//! into Dovecot, where they are counted by Message-ID. PostgreSQL is the
//! server at `LEFI_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), a schema of its own per run.
//! `tests/it/crash.rs` runs the same loop, shorter, in CI.

#[allow(dead_code)]
#[path = "../tests/it/support/mod.rs"]
mod support;

use support::db::TestDb;

struct Args {
    kills: usize,
    mails: usize,
    backends: Vec<String>,
    seed: u64,
    max_delay_ms: u64,
}

fn args() -> Args {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64);
    let mut out = Args {
        kills: 50,
        mails: 1000,
        backends: vec!["sqlite".into(), "postgres".into()],
        seed: seed.unwrap_or(1),
        max_delay_ms: 800,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--kills" => out.kills = value.parse().expect("--kills N"),
            "--mails" => out.mails = value.parse().expect("--mails N"),
            "--db" => out.backends = value.split(',').map(|b| b.trim().to_string()).collect(),
            "--seed" => out.seed = value.parse().expect("--seed N"),
            "--max-delay-ms" => out.max_delay_ms = value.parse().expect("--max-delay-ms N"),
            other => panic!("unknown option {other}; see the file's header for usage"),
        }
    }
    out
}

#[tokio::main]
async fn main() {
    let a = args();
    println!(
        "lefi-intake crash loop: {} kills, {} mails, delays 20-{} ms, seed {}, binary {}",
        a.kills,
        a.mails,
        a.max_delay_ms,
        a.seed,
        support::intake::binary().display()
    );
    let mut failed = false;
    for backend in &a.backends {
        let db = match backend.as_str() {
            "postgres" => TestDb::postgres().await.expect("PostgreSQL at LEFI_TEST_POSTGRES_URL"),
            _ => TestDb::sqlite().await,
        };
        let report = support::crash_loop::run(db, a.mails, a.kills, a.max_delay_ms, a.seed)
            .await
            .expect("dovecot and postfix installed, and run as root");
        let holds = report.holds(support::crash_loop::SMTP_POOL);
        println!("{} — {}", report.line(), if holds { "every promise holds" } else { "BROKEN" });
        failed |= !holds;
    }
    if failed {
        std::process::exit(1);
    }
}

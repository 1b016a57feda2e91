//! Set-up shared by the integration tests.

pub mod crash_loop;
pub mod db;
pub mod dovecot;
pub mod http;
pub mod intake;
pub mod mails;
pub mod postfix;
pub mod postgres;

/// Most tests are about the pipeline's other steps: their mails carry no
/// `Authentication-Results` and their organisations are in no registry, so
/// they run with the trust checks off (as `trust.sender_authentication =
/// "off"` and `registry.mode = "off"` configure it). `trust.rs` runs with them on.
pub const WITHOUT_TRUST: [(&str, &str); 2] =
    [("LEFI_INTAKE__TRUST__SENDER_AUTHENTICATION", "off"), ("LEFI_INTAKE__REGISTRY__MODE", "off")];

/// [`WITHOUT_TRUST`] on settings already loaded.
pub fn without_trust(settings: &mut lefi_intake::config::Settings) {
    settings.trust.sender_authentication = lefi_intake::config::SenderAuthentication::Off;
    settings.registry.mode = lefi_intake::config::RegistryMode::Off;
}

/// Whether the tests run as root (Postfix's master, a tmpfs mount and a
/// private PostgreSQL cluster need it).
pub fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The mails waiting in a Maildir's inbox (`new/` and `cur/`).
pub fn maildir_inbox(maildir: &std::path::Path) -> usize {
    ["new", "cur"].iter().map(|d| std::fs::read_dir(maildir.join(d)).map(|e| e.count()).unwrap_or(0)).sum()
}

/// Under CI, or under `scripts/test` (LEFI_TEST_REQUIRE_SERVERS=1), a missing
/// server fails the test; in a plain `cargo test` on a developer machine the
/// test is skipped with a warning.
pub fn in_ci() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| v == "true" || v == "1");
    set("CI") || set("LEFI_TEST_REQUIRE_SERVERS")
}

/// Starts a test server with `try_start`, which picks its ports anew each
/// time: a port picked free is only free when picked, and a concurrent test
/// may take it before the server binds it. Each failed start is printed; when
/// three fail, the test panics with every reason.
pub fn start_on_fresh_ports(server: &str, mut try_start: impl FnMut() -> Result<(), String>) {
    let mut failures = Vec::new();
    for _ in 0..3 {
        match try_start() {
            Ok(()) => return,
            Err(why) => {
                eprintln!("WARNING: {server} did not start, retrying on other ports: {why}");
                failures.push(why);
            }
        }
    }
    panic!("{server} did not start in three tries:\n{}", failures.join("\n"));
}

/// The daemon as `lefi-intake run` builds it, on the test's own store, source
/// and transport.
pub async fn run_daemon<S, D>(
    settings: &lefi_intake::config::Settings,
    store: lefi_intake::store::Store,
    source: S,
    deliver: D,
    once: bool,
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<lefi_intake::daemon::RunSummary, lefi_intake::daemon::DaemonError>
where
    S: lefi_intake::source::MailSource,
    D: lefi_intake::outbox::transport::Deliver + 'static,
{
    let app = lefi_intake::app::App::with_store(settings.clone(), store).expect("the application builds");
    app.daemon(source, deliver).run(once, shutdown).await
}

/// [`run_daemon`] once, as `run --once` does; the run must succeed.
pub async fn run_once<S, D>(
    settings: &lefi_intake::config::Settings,
    store: lefi_intake::store::Store,
    source: S,
    deliver: D,
) -> lefi_intake::daemon::RunSummary
where
    S: lefi_intake::source::MailSource,
    D: lefi_intake::outbox::transport::Deliver + 'static,
{
    let token = tokio_util::sync::CancellationToken::new();
    run_daemon(settings, store, source, deliver, true, token).await.expect("run once")
}

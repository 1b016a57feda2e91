//! Set-up shared by the integration tests.

pub mod db;
pub mod dovecot;
pub mod intake;
pub mod mails;
pub mod postfix;

/// Under CI a missing server fails the test; on a developer machine the test
/// is skipped with a warning.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

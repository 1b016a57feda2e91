//! Set-up shared by the integration tests.

pub mod db;
pub mod dovecot;
pub mod intake;
pub mod mails;
pub mod postfix;

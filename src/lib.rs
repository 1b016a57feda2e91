//! lefi-intake: reads the mails in which Swedish authorities terminate LEFI
//! Prenumeration, decides what each one says, records valid terminations and
//! answers the sender.
//!
//! The core is pure: [`mail`] turns bytes into an [`mail::Inbound`], [`extract`]
//! finds the four facts with their evidence, [`decide`] gives the verdict.
//! [`analyse::analyse`] runs the three in order. Around it the shell:
//! [`intake`] plans how one mail is recorded and [`store`] writes it;
//! [`source`] brings the mail, [`reply`] answers, [`review`] and [`web`] are
//! the officers' side; [`app`] builds all of it from the configuration and
//! [`daemon`] runs the loop. See `docs/architecture.md`.

// The pure core.
pub mod analyse;
mod caseless;
pub mod classify;
pub mod decide;
pub mod domain;
pub mod extract;
pub mod mail;
pub mod privacy;
pub mod report;

// The shell.
pub mod agreement;
pub mod app;
pub mod auth;
pub mod backoff;
pub mod check;
pub mod config;
pub mod daemon;
pub mod intake;
pub mod lease;
pub mod listing;
pub mod oauth2;
pub mod ops;
pub mod reply;
pub mod review;
pub mod signin;
pub mod source;
pub mod store;
pub mod telemetry;
pub mod trust;
pub mod web;

/// The mailbox authorities write to; replies come from it.
pub const MAILBOX_ADDRESS: &str = "registeruttag@forsakringskassan.se";

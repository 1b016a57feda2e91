//! lefi-intake: reads the mails in which Swedish authorities terminate LEFI
//! Prenumeration, decides what each one says, records valid terminations and
//! answers the sender.
//!
//! The core is pure: [`mail`] turns bytes into an [`mail::Inbound`], [`extract`]
//! finds the four facts with their evidence, [`decide`] gives the verdict.
//! [`analyse::analyse`] runs the three in order. Around it the shell:
//! [`intake`] plans how one mail is recorded and [`store`] writes it;
//! [`source`] brings the mail, [`reply`] writes the answers and [`outbox`]
//! sends them, [`review`] and [`web`] are the officers' side; [`app`] builds all of it from the configuration and
//! [`daemon`] runs the loop. See `docs/architecture.md`.

// The layers, bottom to top (docs/architecture.md; `tests/it/layers.rs`
// checks that no module imports from a layer above its own).
pub mod domain;
// The pure core: bytes and a receipt day in, a decision out.
pub mod analyse;
pub mod classify;
pub mod decide;
pub mod extract;
pub mod mail;
pub mod privacy;
// The shell.
pub mod app;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod intake;
pub mod ops;
pub mod outbox;
pub mod reply;
pub mod review;
pub mod source;
pub mod store;
pub mod trust;
pub mod web;

/// The mailbox authorities write to; replies come from it.
pub const MAILBOX_ADDRESS: &str = "registeruttag@forsakringskassan.se";

//! lefi-intake: reads the mails in which Swedish authorities terminate LEFI
//! Prenumeration, decides what each one says, records valid terminations and
//! answers the sender.
//!
//! The core is pure: [`mail`] turns bytes into an [`mail::Inbound`], [`extract`]
//! finds the four facts with their evidence, [`decide`] gives the verdict.
//! [`analyse::analyse`] runs the three in order.

pub mod analyse;
mod caseless;
pub mod classify;
pub mod decide;
pub mod domain;
pub mod extract;
pub mod mail;
pub mod report;

/// The mailbox authorities write to; replies come from it.
pub const MAILBOX_ADDRESS: &str = "registeruttag@forsakringskassan.se";
pub mod auth;
pub mod config;
pub mod daemon;
pub mod intake;
pub mod reply;
pub mod review;
pub mod source;
pub mod store;
pub mod telemetry;
pub mod web;

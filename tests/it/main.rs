//! The one integration-test binary (one link step on a small machine); each
//! module is one area.

mod api;
mod browser;
mod canonical;
mod cli;
mod conflicts;
mod corpus;
mod crash;
mod faults;
mod fixtures;
mod ha;
mod hardening;
mod hostile;
mod imap;
mod layers;
mod ops;
mod pipeline;
mod properties;
mod readme;
mod security;
mod served;
mod smtp;
mod store;
mod support;
mod trust;
mod web;

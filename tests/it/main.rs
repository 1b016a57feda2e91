//! The one integration-test binary (one link step on a small machine); each
//! module is one area.

mod cli;
mod fixtures;
mod properties;
mod readme;

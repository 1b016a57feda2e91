//! How listings are printed: a table for people, CSV for spreadsheets, JSON
//! for scripts. Every listing command takes `--format` and prints through here.

use std::io::Write;

use crate::domain::{Code, parse_code};
use crate::store::listing::Listing;
use anyhow::{Context as _, Result};
use clap::ValueEnum;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// RFC 4180, with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
}

/// Prints `records` in `format`: the table and the CSV from `listing`, the
/// JSON from the records themselves.
pub fn print<T: Serialize>(format: Format, listing: &Listing, records: &[T]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Table => write!(out, "{}", listing.to_table()),
        Format::Csv => write!(out, "{}", listing.to_csv()),
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(records)?),
    }
    .context("writing to standard output")
}

/// An argument that takes one of a stored enum's codes (`--status pending`):
/// clap lists the codes in the help and refuses any other word.
pub fn code<T: Code + Clone + Send + Sync + 'static>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::codes()).map(|word| parse_code::<T>(&word).expect("clap allows only the codes"))
}

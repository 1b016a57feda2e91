//! `lefi-intake extract`: reads .eml files without recording anything.

use crate::mail::visible::for_terminal;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::analyse::analyse;
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
pub mod report;

use self::report::Report;

#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per file and line.
    #[arg(long)]
    json: bool,
    /// The day the mails were received (YYYY-MM-DD); default: each mail's Date header.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    received: Option<NaiveDate>,
    /// After each table row, show how the mail was read (sections, evidence).
    #[arg(long, conflicts_with = "json")]
    explain: bool,
    /// The .eml files to read.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}

pub fn run(args: Args, config: Option<&std::path::Path>) -> Result<ExitCode> {
    let own = vec![crate::MAILBOX_ADDRESS.to_string()];
    // The sender is judged by the trust settings of the configuration in use.
    let trust = if args.explain { Some(super::load(config).map(|s| s.trust)) } else { None };
    let mut all_read = true;
    let mut reports = Vec::with_capacity(args.files.len());
    let mut out = std::io::stdout().lock();
    for path in &args.files {
        let name = path.display().to_string();
        let report = match std::fs::read(path) {
            Ok(raw) => {
                let analysis = analyse(&raw, args.received, &own);
                let report = Report::from_analysis(&name, &analysis);
                if args.explain {
                    write!(out, "{}", report::table(std::slice::from_ref(&report)))?;
                    // Everything in it comes from the mail: shown, never obeyed.
                    write!(out, "{}", for_terminal(&report::explain(&analysis)))?;
                    match (&trust, &analysis.mail) {
                        (Some(Ok(trust)), Some(mail)) => {
                            write!(out, "{}", for_terminal(&report::explain_sender(mail, trust)))?
                        }
                        (Some(Err(e)), Some(_)) => writeln!(out, "  sender: not judged ({e:#})")?,
                        _ => {}
                    }
                }
                report
            }
            Err(e) => {
                all_read = false;
                Report::unreadable(&name, format!("reading {name}: {e}"))
            }
        };
        if args.json {
            writeln!(out, "{}", report.to_json_line()).context("writing to standard output")?;
        } else {
            reports.push(report);
        }
    }
    if !args.json && !args.explain {
        write!(out, "{}", report::table(&reports)).context("writing to standard output")?;
    }
    Ok(if all_read { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

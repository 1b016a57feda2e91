//! The command line: parse arguments and hand them to `cli`; report errors
//! with their causes on one line.

use std::process::ExitCode;

use clap::Parser;
use lefi_intake::cli;

fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lefi-intake: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line. Library errors often repeat their
/// cause in their own message; a cause already shown is not shown again.
fn error_chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !parts.last().is_some_and(|prev| prev.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

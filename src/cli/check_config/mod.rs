//! `lefi-intake check-config`: the configuration loaded and every connection
//! tried, one line per check; exits non-zero at the first failure, naming
//! the keys to fix.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
pub mod checks;

use self::checks::Check;

pub async fn run(config: Option<&Path>) -> Result<ExitCode> {
    let settings = match super::load(config) {
        Ok(settings) => settings,
        Err(e) => {
            println!(
                "{}",
                line(&Check { name: "configuration", detail: format!("{e:#}"), fix: Some("the key named") })
            );
            return Ok(ExitCode::from(2));
        }
    };
    let source = match config {
        Some(f) => f.display().to_string(),
        None if Path::new("config/local.toml").exists() => "config/local.toml".to_string(),
        None => "built-in defaults".to_string(),
    };
    println!("{}", line(&Check { name: "configuration", detail: format!("{source}, and the environment"), fix: None }));
    let passed = checks::run(&settings, |c| println!("{}", line(c))).await;
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn line(c: &Check) -> String {
    match c.fix {
        None => format!("ok    {:<18} {}", c.name, c.detail),
        Some(fix) => format!("FAIL  {:<18} {}\n      fix: {fix}", c.name, c.detail),
    }
}

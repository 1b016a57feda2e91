//! `lefi-intake officer`: accounts for the review pages and commands.

use std::process::ExitCode;

use crate::app::App;
use crate::store::listing::Listing;
use crate::web::auth;
use anyhow::{Context as _, Result};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add an officer. The password is read from standard input (one line).
    Add {
        /// The sign-in name (letters, digits and . - _ @), as the audit log shows it.
        name: String,
        /// The name shown on the pages (default: the sign-in name).
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// Read the password from standard input.
        #[arg(long, conflicts_with = "sso_only")]
        password_stdin: bool,
        /// No password: the officer signs in through the SSO header only.
        #[arg(long)]
        sso_only: bool,
    },
    /// Set a new password (read from standard input) and enable the officer.
    Password {
        /// The officer's sign-in name.
        name: String,
    },
    /// Disable an officer and end their sessions.
    Disable {
        /// The officer's sign-in name.
        name: String,
    },
    /// Unlock an account locked after failed sign-ins.
    Unlock {
        /// The officer's sign-in name.
        name: String,
        /// Who unlocks (for the audit log).
        #[arg(long = "as", value_name = "NAME", default_value = "command line")]
        by: String,
    },
    /// List officers.
    List,
}

fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    let store = &app.store;
    match command {
        Command::Add { name, display_name, password_stdin, sso_only } => {
            anyhow::ensure!(
                password_stdin || sso_only,
                "give the password on standard input with --password-stdin (or --sso-only for SSO sign-in)"
            );
            auth::check_officer_name(&name)?;
            let hash = if password_stdin { Some(auth::hash_password(&password_from_stdin()?)?) } else { None };
            let display = display_name.unwrap_or_else(|| name.clone());
            anyhow::ensure!(
                store.add_officer(&name, &display, hash.as_deref()).await?,
                "an officer named {name} exists already"
            );
            println!("officer {name} added");
        }
        Command::Password { name } => {
            let hash = auth::hash_password(&password_from_stdin()?)?;
            anyhow::ensure!(store.set_officer_password(&name, &hash).await?, "no officer named {name}");
            println!("password of {name} set");
        }
        Command::Disable { name } => {
            anyhow::ensure!(store.disable_officer(&name).await?, "no officer named {name}");
            println!("officer {name} disabled");
        }
        Command::Unlock { name, by } => {
            anyhow::ensure!(store.unlock_officer(&name, &by, chrono::Utc::now()).await?, "no officer named {name}");
            println!("officer {name} unlocked");
        }
        Command::List => {
            let now = chrono::Utc::now();
            let mut listing = Listing::new(&["name", "display_name", "status", "sign_in"]);
            for o in store.officers().await? {
                let status = match (o.active, o.locked_until.filter(|t| *t > now)) {
                    (false, _) => "disabled".to_string(),
                    (true, Some(until)) => format!("locked until {}", crate::store::timestamp(until)),
                    (true, None) => "active".to_string(),
                };
                listing.push(vec![
                    o.name,
                    o.display_name,
                    status,
                    if o.password_hash.is_some() { "password".into() } else { "sso".into() },
                ]);
            }
            print!("{}", listing.to_table());
        }
    }
    Ok(ExitCode::SUCCESS)
}

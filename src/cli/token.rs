//! `lefi-intake token`: bearer tokens for the delivery system's feed
//! (`GET /api/v1/terminations`). A token is shown once, when added; only its
//! hash is stored. Adding and revoking are audited.

use std::process::ExitCode;

use crate::app::App;
use crate::store::TokenAdded;
use crate::store::listing::Listing;
use anyhow::Result;
use base64::Engine as _;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Make a token for a client of the feed and print it (once).
    Add {
        /// The client's name (letters, digits and . - _), e.g. leveranssystemet.
        name: String,
        /// Who adds it (for the audit log).
        #[arg(long = "as", value_name = "NAME", default_value = "command line")]
        by: String,
    },
    /// Revoke a client's token: it is refused from the next request on.
    Revoke {
        name: String,
        /// Who revokes it (for the audit log).
        #[arg(long = "as", value_name = "NAME", default_value = "command line")]
        by: String,
    },
    /// The tokens: names, when added, last used, revoked.
    List,
}

pub async fn run(app: &App, command: Command) -> Result<ExitCode> {
    let store = &app.store;
    let now = chrono::Utc::now();
    match command {
        Command::Add { name, by } => {
            anyhow::ensure!(
                !name.is_empty()
                    && name.len() <= 64
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "a token name is 1–64 letters, digits, '.', '_' or '-'"
            );
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let token = format!("lefi_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret));
            match store.add_token(&name, &crate::web::auth::token_digest(&token), &by, now).await? {
                TokenAdded::Added(_) => {
                    println!("{token}");
                    eprintln!(
                        "token {name} added; it is shown only now: give it to the client as 'Authorization: Bearer <token>'"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                TokenAdded::Exists => {
                    anyhow::bail!("a token named {name} is in use; revoke it first (lefi-intake token revoke {name})")
                }
            }
        }
        Command::Revoke { name, by } => {
            anyhow::ensure!(store.revoke_token(&name, &by, now).await?, "no token named {name} in use");
            println!("token {name} revoked");
            Ok(ExitCode::SUCCESS)
        }
        Command::List => {
            let mut listing = Listing::new(&["name", "added", "last_used", "status"]);
            let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into())
            };
            for t in store.tokens().await? {
                let status =
                    if t.revoked_at.is_some() { format!("revoked {}", day(t.revoked_at)) } else { "in use".into() };
                listing.push(vec![t.name, day(Some(t.created_at)), day(t.last_used_at), status]);
            }
            print!("{}", listing.to_table());
            Ok(ExitCode::SUCCESS)
        }
    }
}

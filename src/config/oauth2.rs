//! OAuth2 access tokens for XOAUTH2 (Exchange Online, Gmail): printed by a
//! command the operator provides (which asks the identity provider, e.g. a
//! client-credentials grant), or read from a file something else keeps
//! fresh. Asked anew whenever a connection needs one: tokens expire within
//! the hour.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("running {key}_command: {reason}")]
    Command { key: &'static str, reason: String },
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("the token is empty")]
    Empty,
    #[error("no token source: set {0}_command or {0}_file")]
    NoSource(&'static str),
}

/// Where a token comes from; `keys` names the settings for messages
/// (`imap.oauth2_token` or `smtp.oauth2_token`).
#[derive(Debug, Clone)]
pub struct TokenSource {
    pub command: String,
    pub file: PathBuf,
    pub keys: &'static str,
}

impl TokenSource {
    /// No command and no file.
    pub fn is_unset(&self) -> bool {
        self.command.trim().is_empty() && self.file.as_os_str().is_empty()
    }

    pub async fn token(&self, timeout: Duration) -> Result<String, TokenError> {
        let token = if !self.command.trim().is_empty() {
            let key = self.keys;
            let run = tokio::process::Command::new("sh").arg("-c").arg(&self.command).kill_on_drop(true).output();
            let out = tokio::time::timeout(timeout, run)
                .await
                .map_err(|_| TokenError::Command { key, reason: format!("no answer within {} s", timeout.as_secs()) })?
                .map_err(|e| TokenError::Command { key, reason: e.to_string() })?;
            if !out.status.success() {
                return Err(TokenError::Command { key, reason: format!("exited with {}", out.status) });
            }
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        } else if !self.file.as_os_str().is_empty() {
            tokio::fs::read_to_string(&self.file)
                .await
                .map_err(|e| TokenError::File { path: self.file.display().to_string(), reason: e.to_string() })?
                .trim()
                .to_string()
        } else {
            return Err(TokenError::NoSource(self.keys));
        };
        if token.is_empty() {
            return Err(TokenError::Empty);
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_comes_from_the_command_or_the_file_and_never_empty() {
        let source =
            |command: &str| TokenSource { command: command.into(), file: PathBuf::new(), keys: "smtp.oauth2_token" };
        let t = Duration::from_secs(5);
        assert_eq!(source("printf 'tok\\n'").token(t).await.unwrap(), "tok");
        assert!(matches!(source("exit 3").token(t).await, Err(TokenError::Command { .. })));
        assert!(matches!(source("true").token(t).await, Err(TokenError::Empty)));
        assert!(matches!(source("").token(t).await, Err(TokenError::NoSource(_))));
        let timed_out = source("sleep 5").token(Duration::from_millis(100)).await;
        assert!(matches!(timed_out, Err(TokenError::Command { .. })), "{timed_out:?}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "from-file\n").unwrap();
        let from_file = TokenSource { command: String::new(), file, keys: "smtp.oauth2_token" };
        assert_eq!(from_file.token(t).await.unwrap(), "from-file");
    }
}

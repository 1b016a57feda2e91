//! Officers' passwords (argon2) and the random tokens of sessions and forms.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use sha2::{Digest, Sha256};

pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("an officer name is letters, digits and . - _ @ (the sign-in name, also written in the audit log)")]
    BadName,
    #[error("hashing the password: {0}")]
    Hash(String),
}

/// An officer's sign-in name: what the audit log records, and what an SSO
/// proxy sends, so no spaces or punctuation that would read ambiguously.
pub fn check_officer_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.trim().is_empty() && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if ok { Ok(()) } else { Err(AuthError::BadName) }
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::TooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// True when `password` matches the stored PHC string. Always does the work of
/// a verification, so that a wrong name and a wrong password take as long.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0pHe2G5QUdfNRX0K4b6tYQkM2T8o/tpRmFX5qjnYzq0";
    let parsed = PasswordHash::new(stored.unwrap_or(DUMMY)).or_else(|_| PasswordHash::new(DUMMY));
    let Ok(hash) = parsed else { return false };
    Argon2::default().verify_password(password.as_bytes(), &hash).is_ok() && stored.is_some()
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a session token: its SHA-256, so a leaked database does
/// not hand out sessions.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_short_ones_are_refused() {
        let hash = hash_password("korrekt hästbatteri").unwrap();
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password("korrekt hästbatteri", Some(&hash)));
        assert!(!verify_password("fel lösenord här", Some(&hash)));
        assert!(!verify_password("korrekt hästbatteri", None));
        assert!(matches!(hash_password("kort"), Err(AuthError::TooShort)));
    }

    #[test]
    fn tokens_are_random_and_compared_fully() {
        assert_ne!(random_token(), random_token());
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}

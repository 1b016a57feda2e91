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

/// What an unknown name is checked against, so it takes as long as a known one.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0pHe2G5QUdfNRX0K4b6tYQkM2T8o/tpRmFX5qjnYzq0";

/// True when `password` matches the stored PHC string. Always does the work of
/// a verification, so that a wrong name and a wrong password take as long.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let parsed = PasswordHash::new(stored.unwrap_or(DUMMY)).or_else(|_| PasswordHash::new(DUMMY));
    let Ok(hash) = parsed else { return false };
    Argon2::default().verify_password(password.as_bytes(), &hash).is_ok() && stored.is_some()
}

/// Verifies passwords in memory of its own, allocated once and used again:
/// argon2 needs ~19 MiB per check, and memory the allocator got back from
/// one check is not reliably given back to the system — a checker that keeps
/// its blocks keeps the process's memory flat however many checks it does.
#[derive(Default)]
pub struct PasswordChecker {
    blocks: Vec<argon2::Block>,
}

impl PasswordChecker {
    /// As [`verify_password`], in this checker's memory.
    pub fn verify(&mut self, password: &str, stored: Option<&str>) -> bool {
        let parsed = PasswordHash::new(stored.unwrap_or(DUMMY)).or_else(|_| PasswordHash::new(DUMMY));
        let Ok(hash) = parsed else { return false };
        let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
        let Ok(params) = argon2::Params::try_from(&hash) else { return false };
        let Ok(algorithm) = argon2::Algorithm::try_from(hash.algorithm.as_str()) else { return false };
        let version = match hash.version.map(argon2::Version::try_from).transpose() {
            Ok(v) => v.unwrap_or_default(),
            Err(_) => return false,
        };
        let blocks = params.block_count();
        if self.blocks.len() < blocks {
            self.blocks.resize(blocks, argon2::Block::default());
        }
        let mut out = vec![0u8; expected.len()];
        let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            &mut self.blocks[..blocks],
        );
        // Output's equality is constant-time.
        let same = hashed.is_ok() && argon2::password_hash::phc::Output::new(&out).is_ok_and(|o| o == *expected);
        same && stored.is_some()
    }
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a session token or a feed token: its SHA-256, so a
/// leaked database hands out neither. (A token is 256 random bits, so a fast
/// hash suffices where a password needs a slow one.)
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
    fn the_checker_agrees_with_the_library_and_keeps_its_memory() {
        let hash = hash_password("korrekt hästbatteri").unwrap();
        let mut checker = PasswordChecker::default();
        assert!(checker.verify("korrekt hästbatteri", Some(&hash)));
        let blocks = checker.blocks.len();
        assert!(!checker.verify("fel lösenord här", Some(&hash)));
        assert!(!checker.verify("korrekt hästbatteri", None));
        assert!(!checker.verify("x", Some("not a phc string")));
        assert_eq!(checker.blocks.len(), blocks, "the same memory, used again");
    }

    #[test]
    fn tokens_are_random_and_compared_fully() {
        assert_ne!(random_token(), random_token());
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}

//! What makes two sign-in names one officer's.

/// The key a sign-in name is throttled by: the same for every way of writing
/// it (case, surrounding blanks, composed or decomposed letters), whether an
/// officer has the name or not — otherwise the answers would tell which
/// names exist.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.trim().nfc().collect::<String>().to_lowercase()
}

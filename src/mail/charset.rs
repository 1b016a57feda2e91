//! A second chance for text whose charset was missing, wrong or unknown.
//!
//! mail-parser decodes every charset it knows; for an unknown or missing one it
//! falls back to lossy UTF-8, which turns every å, ä and ö of a Swedish mail from
//! an old Outlook or a mainframe into U+FFFD. Swedish mail without a usable
//! charset is in practice windows-1252 (a superset of ISO-8859-1), so that is the
//! fallback here.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, MessagePart, MimeHeaders};

const REPLACEMENT: &str = "\u{fffd}";

/// True when lossy decoding left a replacement character in `text`. Searched
/// with memchr's finder: `str::contains` with a char looks byte by byte.
pub fn has_replacement(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(REPLACEMENT));
    FINDER.find(text.as_bytes()).is_some()
}

/// True when `text` was decoded lossily and a windows-1252 reading may be better.
pub fn needs_fallback(part: &MessagePart<'_>, text: &str) -> bool {
    if !has_replacement(text) {
        return false;
    }
    let declared = part.content_type().and_then(|ct| ct.attribute("charset")).map(|c| c.trim().to_ascii_lowercase());
    match declared {
        None => true,
        Some(c) if c == "utf-8" || c == "utf8" || c == "us-ascii" || c == "ascii" => true,
        Some(c) => charset_decoder(c.as_bytes()).is_none(),
    }
}

/// Re-reads a part's body from the raw bytes of `raw_message`: transfer
/// decoding that skips what is not base64 (senders that break a line or add
/// junk), then the declared charset, then windows-1252 when that was lossy.
/// Returns `None` when the body cannot be located or decoded.
pub fn redecode(raw_message: &[u8], part: &MessagePart<'_>) -> Option<String> {
    let raw = raw_message.get(part.offset_body as usize..part.offset_end as usize)?;
    // mail-parser leaves `encoding` unset when decoding failed, so the header decides.
    let declared_cte = part.content_transfer_encoding().map(|c| c.trim().to_ascii_lowercase());
    let bytes = match (part.encoding, declared_cte.as_deref()) {
        (Encoding::Base64, _) | (_, Some("base64")) => lenient_base64(raw)?,
        (Encoding::QuotedPrintable, _) | (_, Some("quoted-printable")) => quoted_printable_decode(raw)?,
        _ => raw.to_vec(),
    };
    let declared =
        part.content_type().and_then(|ct| ct.attribute("charset")).and_then(|c| charset_decoder(c.trim().as_bytes()));
    let text = match declared {
        Some(decode) => decode(&bytes),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Some(if has_replacement(&text) { cp1252(&bytes) } else { text })
}

/// Base64 with everything outside the alphabet dropped.
fn lenient_base64(raw: &[u8]) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> =
        raw.iter().copied().filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/')).collect();
    clean.truncate(clean.len() / 4 * 4);
    if clean.is_empty() {
        return None;
    }
    base64_decode(&clean)
}

/// Reads bytes that should be text in whatever way loses least.
pub fn best_effort_text(bytes: &[u8]) -> String {
    cp1252(bytes)
}

/// Decodes header bytes that carry raw 8-bit text (not RFC 2047), unfolding lines.
pub fn header_cp1252(raw: &[u8]) -> String {
    let text = if let Ok(s) = std::str::from_utf8(raw) { s.to_string() } else { cp1252(raw) };
    text.split(['\r', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

fn cp1252(bytes: &[u8]) -> String {
    // If the bytes are valid UTF-8 after all (a wrong label), keep that reading.
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let decode = charset_decoder(b"windows-1252").expect("mail-parser knows windows-1252");
    decode(bytes)
}

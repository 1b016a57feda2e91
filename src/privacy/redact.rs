//! Mails made fit to leave the agency's systems (`corpus export`): personal
//! identity numbers, e-mail addresses' local parts, personal names and phone
//! numbers replaced by placeholders — the same person by the same
//! placeholder across everything one [`Redactor`] sees — while organisation
//! numbers and names (public), dates and the trust headers stay, so that the
//! mail still reads as it did.
//!
//! A mail is rebuilt from its parsed parts rather than edited as bytes: its
//! text is often base64 or quoted-printable, where no pattern can find a
//! name. The rebuilt mail keeps the headers that matter to the intake, the
//! tree of parts (text and HTML as UTF-8 quoted-printable; attachments kept
//! by type and name, their content replaced), and forwarded mails, redacted
//! in turn.

use std::collections::HashMap;
use std::sync::LazyLock;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use regex::Regex;

use crate::extract::replace_personal_numbers;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedactError {
    #[error("the bytes are not a mail")]
    NotAMail,
}

/// Placeholders handed out so far, so that one person keeps one placeholder.
#[derive(Debug, Default)]
pub struct Redactor {
    numbers: HashMap<String, String>,
    addresses: HashMap<String, String>,
    names: HashMap<String, String>,
    phones: HashMap<String, String>,
}

/// The headers kept as written (their e-mail addresses redacted): what the
/// intake reads besides the sender and the subject.
const KEPT: &[&str] = &[
    "authentication-results",
    "received",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "precedence",
    "list-id",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "mime-version",
];

/// Headers naming a person: rebuilt from their redacted mailboxes.
const MAILBOXES: &[&str] = &["from", "to", "cc", "reply-to", "sender", "return-path"];

/// Forwarded mails inside forwarded mails, read this deep at most.
const MAX_NESTING: usize = 8;

/// What is always ours to keep: our own mailbox.
const OURS: &[&str] = &["registeruttag@forsakringskassan.se"];

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[\p{L}\p{N}._%+\-]+@([a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,})\b").expect("valid")
});
/// A phone number: 0 or +46 first, seven digits or more with blanks and dashes between.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\+46|\b0)[ \-]?\(?[0-9]{1,4}\)?(?:[ \-]?[0-9]{2,4}){2,4}\b").expect("valid"));
/// A personal identity number of a person over a hundred ("121212+1212").
static CENTENARIAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[0-9]{6}\+[0-9]{4}\b").expect("valid"));
/// A name: two or three capitalised words (a signature's name line, a contact's value).
static NAME_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\p{Lu}[\p{Ll}\-]+(?: \p{Lu}[\p{Ll}\-]+){1,2}$").expect("valid"));

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Learns the names of the people a mail names: its senders' display
    /// names, the line after its closing greeting, the values of its
    /// contact lines. Call before [`Redactor::text`] for that mail.
    pub fn learn_names(&mut self, raw: &[u8]) {
        let Some(message) = MessageParser::default().parse(raw) else { return };
        let mut candidates = Vec::new();
        for header in message.root_part().headers() {
            if MAILBOXES.contains(&header.name.as_str().to_ascii_lowercase().as_str())
                && let Some(addresses) = header.value.as_address()
            {
                candidates.extend(addresses.iter().filter_map(|a| a.name.as_deref().map(str::to_string)));
            }
        }
        let text: String = message
            .text_bodies()
            .filter_map(|p| p.text_contents())
            .chain(message.html_bodies().filter_map(|p| p.text_contents()))
            .collect::<Vec<_>>()
            .join("\n");
        candidates.extend(names_in_text(&text));
        for name in candidates {
            for word in name.split(|c: char| !c.is_alphabetic() && c != '-') {
                if is_personal_word(word) {
                    self.name_placeholder(word);
                }
            }
        }
    }

    /// `text` without personal data.
    pub fn text(&mut self, text: &str) -> String {
        let text = replace_personal_numbers(text.to_string(), |digits| self.number_placeholder(digits));
        let text =
            CENTENARIAN.replace_all(&text, |c: &regex::Captures<'_>| self.number_placeholder(&c[0])).into_owned();
        let text = EMAIL.replace_all(&text, |c: &regex::Captures<'_>| self.address(&c[0])).into_owned();
        let text = PHONE.replace_all(&text, |c: &regex::Captures<'_>| self.phone_placeholder(&c[0])).into_owned();
        self.names_replaced(&text)
    }

    /// The mail rebuilt without personal data.
    pub fn mail(&mut self, raw: &[u8]) -> Result<Vec<u8>, RedactError> {
        self.mail_at(raw, 0)
    }

    fn nested(&mut self, raw: &[u8], depth: usize) -> Vec<u8> {
        self.mail_at(raw, depth).unwrap_or_default()
    }

    fn mail_at(&mut self, raw: &[u8], depth: usize) -> Result<Vec<u8>, RedactError> {
        self.learn_names(raw);
        let message = MessageParser::default().parse(raw).ok_or(RedactError::NotAMail)?;
        let mut out = String::new();
        for header in message.root_part().headers() {
            let name = header.name.as_str();
            let lower = name.to_ascii_lowercase();
            let value = raw_value(&message.raw_message, header.offset_start, header.offset_end);
            if KEPT.contains(&lower.as_str()) {
                out.push_str(&format!("{name}: {}\r\n", self.email_addresses(value.trim())));
            } else if MAILBOXES.contains(&lower.as_str()) {
                out.push_str(&format!("{name}: {}\r\n", self.mailboxes(&header.value, value.trim())));
            } else if lower == "subject" {
                let subject = header.value.as_text().unwrap_or("");
                out.push_str(&format!("Subject: {}\r\n", encoded_word(&self.text(subject))));
            }
        }
        if !out.to_ascii_lowercase().contains("mime-version:") {
            out.push_str("MIME-Version: 1.0\r\n");
        }
        self.part(&message, 0, &mut out, depth);
        Ok(out.into_bytes())
    }

    /// Part `index` of `message`, its headers and its body, onto `out`.
    fn part(&mut self, message: &mail_parser::Message<'_>, index: usize, out: &mut String, depth: usize) {
        let Some(part) = message.parts.get(index) else { return };
        let disposition = part
            .content_disposition()
            .map(|d| {
                let name = part.attachment_name().map(|n| format!("; filename=\"{}\"", self.text(n).replace('"', "")));
                format!("Content-Disposition: {}{}\r\n", d.ctype(), name.unwrap_or_default())
            })
            .unwrap_or_default();
        let content_id = part.content_id().map(|id| format!("Content-ID: <{id}>\r\n")).unwrap_or_default();
        match &part.body {
            PartType::Multipart(children) => {
                let subtype = part.content_type().and_then(|c| c.subtype()).unwrap_or("mixed");
                let boundary = format!("=_lefi_redacted_{depth}_{index}");
                out.push_str(&format!("Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n"));
                for child in children {
                    out.push_str(&format!("--{boundary}\r\n"));
                    self.part(message, *child as usize, out, depth + 1);
                    out.push_str("\r\n");
                }
                out.push_str(&format!("--{boundary}--\r\n"));
            }
            PartType::Text(text) | PartType::Html(text) => {
                let subtype = part.content_type().and_then(|c| c.subtype()).unwrap_or("plain").to_ascii_lowercase();
                let subtype = if matches!(part.body, PartType::Html(_)) { "html".to_string() } else { subtype };
                out.push_str(&format!(
                    "Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\
                     {disposition}{content_id}\r\n{}\r\n",
                    quoted_printable(self.text(text).as_bytes())
                ));
            }
            PartType::Binary(_) | PartType::InlineBinary(_) => {
                let ctype = part
                    .content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream")))
                    .unwrap_or_else(|| "application/octet-stream".into());
                out.push_str(&format!(
                    "Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n{disposition}{content_id}\r\n\
                     {}\r\n",
                    base64_of(b"[redacted: the attachment is not exported]")
                ));
            }
            PartType::Message(_) => {
                // The forwarded mail's own bytes, redacted in turn (a mail
                // nested past a few levels is written as a placeholder).
                let bytes =
                    message.raw_message.get(part.offset_body as usize..part.offset_end as usize).unwrap_or_default();
                let inner = if depth < MAX_NESTING {
                    self.nested(bytes, depth + 1)
                } else {
                    b"Subject: [redacted: nested too deep]\r\n\r\n".to_vec()
                };
                out.push_str(&format!(
                    "Content-Type: message/rfc822\r\n{disposition}\r\n{}\r\n",
                    String::from_utf8_lossy(&inner)
                ));
            }
        }
    }

    /// A header's mailboxes, each with its display name and local part replaced.
    fn mailboxes(&mut self, value: &mail_parser::HeaderValue<'_>, raw: &str) -> String {
        let Some(addresses) = value.as_address() else { return self.email_addresses(raw) };
        let shown: Vec<String> = addresses
            .iter()
            .filter_map(|a| {
                let address = self.address(a.address.as_deref()?);
                Some(match a.name.as_deref().map(|n| self.text(n)) {
                    Some(name) if !name.trim().is_empty() => format!("{} <{address}>", encoded_word(&name)),
                    _ => format!("<{address}>"),
                })
            })
            .collect();
        if shown.is_empty() { "<>".to_string() } else { shown.join(", ") }
    }

    fn email_addresses(&mut self, text: &str) -> String {
        EMAIL.replace_all(text, |c: &regex::Captures<'_>| self.address(&c[0])).into_owned()
    }

    /// The address with its local part replaced (the domain is the
    /// organisation's, public, and the trust checks need it).
    fn address(&mut self, address: &str) -> String {
        let lower = address.to_ascii_lowercase();
        if OURS.contains(&lower.as_str()) {
            return address.to_string();
        }
        let Some((local, domain)) = lower.rsplit_once('@') else { return address.to_string() };
        let next = self.addresses.len() + 1;
        let placeholder = self.addresses.entry(local.to_string()).or_insert_with(|| format!("adress-{next}")).clone();
        format!("{placeholder}@{domain}")
    }

    fn number_placeholder(&mut self, digits: &str) -> String {
        let key: String = digits.chars().filter(char::is_ascii_digit).collect();
        let next = self.numbers.len() + 1;
        self.numbers.entry(key).or_insert_with(|| format!("[personnummer {next}]")).clone()
    }

    fn phone_placeholder(&mut self, phone: &str) -> String {
        let key: String = phone.chars().filter(char::is_ascii_digit).collect();
        let next = self.phones.len() + 1;
        self.phones.entry(key).or_insert_with(|| format!("[telefon {next}]")).clone()
    }

    fn name_placeholder(&mut self, word: &str) -> String {
        let next = self.names.len() + 1;
        self.names.entry(word.to_string()).or_insert_with(|| format!("Namn{next}")).clone()
    }

    /// Every learned name word, as a whole capitalised word, replaced.
    fn names_replaced(&self, text: &str) -> String {
        if self.names.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            match self.names.get(word.as_str()) {
                Some(p) => out.push_str(p),
                None => out.push_str(word),
            }
            word.clear();
        };
        for c in text.chars() {
            if c.is_alphabetic() || c == '-' && !word.is_empty() {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }
}

/// Names a text gives: the line after a closing greeting, and the values of
/// "Kontaktperson:", "Handläggare:", "Namn:", "Inskickat av:" lines.
fn names_in_text(text: &str) -> Vec<String> {
    const CLOSINGS: &[&str] =
        &["med vänlig hälsning", "vänliga hälsningar", "hälsningar", "mvh", "kind regards", "best regards", "regards"];
    const LABELS: &[&str] =
        &["kontaktperson", "kontakt", "handläggare", "namn", "inskickat av", "signerad av", "name", "contact"];
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let lower = line.to_lowercase();
        if CLOSINGS.iter().any(|c| lower.trim_end_matches([',', '.', '!']) == *c)
            && let Some(next) = lines[i + 1..].iter().find(|l| !l.is_empty())
            && NAME_LINE.is_match(next)
        {
            out.push(next.to_string());
        }
        if let Some((label, value)) = line.split_once(':')
            && LABELS.contains(&label.trim().to_lowercase().as_str())
        {
            let value = value.split(',').next().unwrap_or("").trim();
            if NAME_LINE.is_match(value) {
                out.push(value.to_string());
            }
        }
    }
    out
}

/// A word of a person's name: capitalised, and not a word that names an
/// organisation or its parts, which are public.
fn is_personal_word(word: &str) -> bool {
    const NOT_PERSONAL: &[&str] = &[
        "kommun",
        "region",
        "regionen",
        "stad",
        "landsting",
        "myndighet",
        "registrator",
        "registratur",
        "diariet",
        "kansli",
        "support",
        "servicedesk",
        "it",
        "lefi",
        "försäkringskassan",
        "registeruttag",
        "info",
        "noreply",
    ];
    word.chars().count() >= 2
        && word.starts_with(char::is_uppercase)
        && !NOT_PERSONAL.contains(&word.to_lowercase().as_str())
        && !crate::extract::is_organisation_word(word)
}

fn raw_value(raw: &[u8], start: u32, end: u32) -> String {
    String::from_utf8_lossy(raw.get(start as usize..end as usize).unwrap_or_default()).into_owned()
}

/// A header value as an RFC 2047 encoded word when it is not plain ASCII.
fn encoded_word(text: &str) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.is_ascii() { one_line } else { format!("=?utf-8?b?{}?=", base64_of(one_line.as_bytes())) }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\r\n")
}

/// Quoted-printable (RFC 2045 §6.7), lines of at most 76 characters.
fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut line = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            out.push_str("\r\n");
            line = 0;
            continue;
        }
        if b == b'\r' {
            continue;
        }
        let at_line_end = bytes.get(i + 1).is_none_or(|n| matches!(n, b'\n' | b'\r'));
        let piece = match b {
            b'=' => "=3D".to_string(),
            b' ' | b'\t' if at_line_end => format!("={b:02X}"),
            33..=126 | b' ' | b'\t' => (b as char).to_string(),
            _ => format!("={b:02X}"),
        };
        if line + piece.len() > 75 {
            out.push_str("=\r\n");
            line = 0;
        }
        line += piece.len();
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests;

//! From raw bytes to [`Inbound`]: the headers that matter, the body as text split
//! into new text and history, and the list of attachments. The rest of the crate
//! never touches MIME.

use std::borrow::Cow;

pub(crate) mod caseless;
mod charset;
pub mod html;
mod normalise;
pub mod raw;
pub mod sections;
pub mod visible;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::Serialize;

pub use sections::{Section, SectionKind};

/// Bodies longer than this are cut: no real termination is longer, and a bound
/// keeps hostile mails from costing unbounded memory and time.
pub const MAX_TEXT_CHARS: usize = 512 * 1024;

/// The problem noted when the text was cut at [`MAX_TEXT_CHARS`].
const TEXT_CUT: &str = "body text cut at the text limit (512 KiB): what follows was not read";
/// The longest subject read, in characters: RFC 5322 lines stop at 998, and
/// a subject is one line; anything longer is cut there.
pub const MAX_SUBJECT_CHARS: usize = 1_000;
const SUBJECT_CUT: &str = "subject cut at 1,000 characters: what follows was not read";
/// The longest value of any other header read (trace headers, robots'
/// markers), in bytes; the rest is not read.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// The most trace headers (Received, Authentication-Results) read, topmost first.
const MAX_TRACE_HEADERS: usize = 100;
/// The most message ids read from In-Reply-To and References.
const MAX_REFERENCES: usize = 100;

/// The header that marks our own replies, so that they are ignored if they come back.
pub const OWN_MARKER_HEADER: &str = "X-Lefi-Intake";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailAddress {
    pub name: Option<String>,
    pub address: String,
}

/// One trace header (see [`Inbound::trace`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TraceField {
    /// A `Received` header, with the host named in its `by` clause.
    Received { by: Option<String> },
    /// An `Authentication-Results` header's value.
    AuthResults(String),
}

impl TraceField {
    /// The host in a `Received` header's `by` clause ("… by mx.example.se
    /// (Postfix) with ESMTPS …"), lower case; comments are skipped.
    pub fn received(value: &str) -> TraceField {
        let mut depth = 0usize;
        let plain: String = value
            .chars()
            .map(|c| match c {
                '(' => {
                    depth += 1;
                    ' '
                }
                ')' => {
                    depth = depth.saturating_sub(1);
                    ' '
                }
                _ if depth > 0 => ' ',
                c => c,
            })
            .collect();
        let mut words = plain.split_whitespace();
        let by = words.by_ref().find(|w| w.eq_ignore_ascii_case("by")).and_then(|_| words.next());
        TraceField::Received { by: by.map(|h| h.trim_end_matches(';').to_ascii_lowercase()) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// Inline images (signature logos) are part of the layout, not content.
    pub inline: bool,
}

/// One mail, reduced to what intake needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inbound {
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<MailAddress>,
    /// How many mailboxes the From header names (RFC 5322 allows several,
    /// with a Sender; we act on none of those).
    pub from_mailboxes: usize,
    /// The Sender header's mailbox, when there is one.
    pub sender: Option<MailAddress>,
    pub reply_to: Option<MailAddress>,
    /// `Some("")` for the null reverse-path `<>` of delivery reports.
    pub return_path: Option<String>,
    pub subject: String,
    pub date: Option<DateTime<FixedOffset>>,
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list_id: Option<String>,
    /// Names of non-standard auto-reply headers present (X-Autoreply, X-Autorespond...).
    pub autoreply_headers: Vec<String>,
    pub auto_response_suppress: bool,
    /// Value of our own marker header, when present.
    pub own_marker: Option<String>,
    /// The trace headers — `Received` (RFC 5321 §4.4) and
    /// `Authentication-Results` (RFC 8601) — in the order they stand, topmost
    /// first: each server that handles the mail adds its own at or near the
    /// top, so where a header stands tells who can have written it.
    pub trace: Vec<TraceField>,
    /// The top-level type is multipart/report (a delivery or disposition report).
    pub is_report: bool,
    /// The text came from an HTML body (no usable text/plain).
    pub from_html: bool,
    pub sections: Vec<Section>,
    pub attachments: Vec<Attachment>,
    /// Things that went wrong while decoding, for officers (never mail content).
    pub problems: Vec<String>,
    /// The text was cut at [`MAX_TEXT_CHARS`]: what follows the cut was not
    /// read, so nothing may be concluded from what is missing.
    pub text_truncated: bool,
}

impl Inbound {
    /// The text the sender wrote in this mail: new sections, signature included.
    pub fn new_text(&self) -> String {
        self.text_of(SectionKind::New)
    }

    /// The boilerplate the sender's client or organisation added (disclaimers).
    pub fn disclaimer_text(&self) -> String {
        self.text_of(SectionKind::Disclaimer)
    }

    /// The first forwarded mail's text, when there is one.
    pub fn forwarded_text(&self) -> Option<String> {
        let text = self.text_of(SectionKind::Forwarded);
        (!text.trim().is_empty()).then_some(text)
    }

    /// Everything, as officers read it.
    pub fn full_text(&self) -> String {
        joined(self.sections.iter())
    }

    fn text_of(&self, kind: SectionKind) -> String {
        joined(self.sections.iter().filter(|s| s.kind == kind))
    }

    /// Subject without reply and forward prefixes ("SV: VB: Re: ...").
    pub fn bare_subject(&self) -> &str {
        strip_subject_prefixes(&self.subject).0
    }

    /// The date the mail says it was written, in its own time zone.
    pub fn date_written(&self) -> Option<NaiveDate> {
        self.date.map(|d| d.date_naive())
    }

    /// Attachments that may hold facts we do not read: not layout images, and
    /// not forwarded mails (those are read as text).
    pub fn attachments_with_content(&self) -> impl Iterator<Item = &Attachment> {
        // A calendar invitation or a contact card is not a letter.
        const NOT_LETTERS: &[&str] =
            &["message/rfc822", "text/calendar", "application/ics", "text/vcard", "text/x-vcard"];
        self.attachments.iter().filter(|a| !a.inline && !NOT_LETTERS.contains(&a.content_type.as_str()))
    }
}

/// Sections' texts with a blank line between them.
fn joined<'a>(sections: impl Iterator<Item = &'a Section> + Clone) -> String {
    let mut out = String::with_capacity(sections.clone().map(|s| s.text.len() + 2).sum());
    for (i, section) in sections.enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&section.text);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the data is empty")]
    Empty,
    #[error("no mail headers found")]
    NoHeaders,
    #[error("the MIME parser gave up on the mail's structure")]
    ParserGaveUp,
}

/// A parser that structures only the headers we read (MIME, date, sender,
/// message ids, subject); the rest stay raw. The default parses every known
/// header, and trace headers (`Received:`, often a dozen) cost a tenth of the
/// parse for nothing; the recipients' address lists, which nothing here
/// reads, cost another few per cent.
static PARSER: std::sync::LazyLock<MessageParser> = std::sync::LazyLock::new(|| {
    use mail_parser::HeaderName;
    MessageParser::new()
        .with_minimal_headers()
        .header_address(HeaderName::Sender)
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .without_header(HeaderName::To)
        .without_header(HeaderName::Cc)
        .without_header(HeaderName::Bcc)
        .without_header(HeaderName::ResentMessageId)
        .without_header(HeaderName::ContentDescription)
        .without_header(HeaderName::ContentLocation)
});

/// Parses a raw mail. Never panics; a mail that has headers always gives an
/// [`Inbound`], however broken its body.
pub fn parse(raw: &[u8]) -> Result<Inbound, ParseError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    // mail-parser 0.11 checks its own state with `debug_assert!`, which
    // hostile structure can trip (a fuzz finding, fuzz/regressions/): in a
    // build with debug assertions that is a panic, caught here so no caller
    // (intake, review pages, CLI) ever sees one.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| PARSER.parse(raw)));
    let message = parsed.map_err(|_| ParseError::ParserGaveUp)?.ok_or(ParseError::NoHeaders)?;
    if message.parts.is_empty() || !has_mail_headers(&message) {
        return Err(ParseError::NoHeaders);
    }
    let mut inbound = Inbound::default();
    read_headers(&message, &mut inbound);
    let (_, is_forward) = strip_subject_prefixes(&inbound.subject);
    let (text, from_html) = body_text(&message, &mut inbound.problems);
    let text = normalise::characters(text);
    inbound.from_html = from_html;
    inbound.sections = sections::split(&text, is_forward);
    for part in message.attachments() {
        if let PartType::Message(nested) = &part.body {
            let forwarded = normalise::characters(nested_as_text(nested, &mut inbound.problems));
            if !forwarded.trim().is_empty() {
                inbound.sections.push(Section { kind: SectionKind::Forwarded, text: forwarded });
            }
        }
        // A multipart body cut off (a mail over the size limit, read from its
        // headers) leaves an empty, nameless part: no attachment.
        if part.contents().is_empty() && part.attachment_name().is_none() {
            continue;
        }
        inbound.attachments.push(describe_attachment(part));
    }
    inbound.text_truncated = inbound.problems.iter().any(|p| p == TEXT_CUT || p == SUBJECT_CUT);
    Ok(inbound)
}

/// Arbitrary bytes can look like a header line to a lenient parser; a mail has
/// at least one of the fields every mail system writes.
fn has_mail_headers(message: &Message<'_>) -> bool {
    use mail_parser::HeaderName::*;
    // mail-parser names these fields by their variants whatever their case.
    message.root_part().headers().iter().any(|h| {
        matches!(
            h.name,
            From | To | Subject | Date | MessageId | Received | ContentType | ReturnPath | Sender | MimeVersion
        )
    })
}

/// One pass over the top-level headers. Where a field occurs twice the last
/// one counts, as mail-parser's own accessors take it.
fn read_headers(message: &Message<'_>, inbound: &mut Inbound) {
    use mail_parser::HeaderName;
    let empty = HeaderValue::Empty;
    let (mut message_id, mut in_reply_to, mut references) = (None, &empty, &empty);
    let (mut from, mut reply_to, mut subject_header, mut date, mut content_type) = (None, None, None, None, None);
    let mut sender = None;
    for header in message.root_part().headers() {
        let value = &header.value;
        match header.name {
            HeaderName::MessageId => message_id = value.as_text(),
            HeaderName::InReplyTo => in_reply_to = value,
            HeaderName::References => references = value,
            HeaderName::From => from = value.as_address(),
            HeaderName::Sender => sender = value.as_address(),
            HeaderName::ReplyTo => reply_to = value.as_address(),
            HeaderName::Subject => subject_header = Some(header),
            HeaderName::Date => date = value.as_datetime(),
            HeaderName::ContentType => content_type = value.as_content_type(),
            _ => {}
        }
        read_flag_header(message, header, inbound);
    }
    inbound.message_id = message_id.map(clean_id).filter(|s| !s.is_empty());
    inbound.in_reply_to = id_list(in_reply_to);
    inbound.references = id_list(references);
    inbound.from = from.and_then(|a| a.first()).and_then(mailbox);
    inbound.from_mailboxes = from.map_or(0, |a| a.iter().count());
    inbound.sender = sender.and_then(|a| a.first()).and_then(mailbox);
    inbound.reply_to = reply_to.and_then(|a| a.first()).and_then(mailbox);
    let subject = normalise::characters(subject(message, subject_header));
    inbound.subject = match subject.char_indices().nth(MAX_SUBJECT_CHARS) {
        Some((cut, _)) => {
            inbound.problems.push(SUBJECT_CUT.to_string());
            subject[..cut].to_string()
        }
        None => subject,
    };
    inbound.date = date.and_then(to_chrono);
    inbound.is_report = content_type.is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
}

/// The headers that mark robots' mails and our own replies.
fn read_flag_header(message: &Message<'_>, header: &mail_parser::Header<'_>, inbound: &mut Inbound) {
    let name = header.name();
    let text = || raw_header_text(message, header.offset_start, header.offset_end);
    if name.eq_ignore_ascii_case("Return-Path") {
        let value = text();
        let addr = value.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string();
        inbound.return_path = Some(addr);
    } else if name.eq_ignore_ascii_case("Auto-Submitted") {
        inbound.auto_submitted = Some(first_token(&text()));
    } else if name.eq_ignore_ascii_case("Precedence") {
        inbound.precedence = Some(first_token(&text()));
    } else if name.eq_ignore_ascii_case("List-Id") {
        inbound.list_id = Some(text().trim().to_string());
    } else if [
        "X-Autoreply",
        "X-Autorespond",
        "X-Autoresponder",
        "X-Autogenerated",
        "X-AutoReply-From",
        "X-Mail-Autoreply",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
    {
        inbound.autoreply_headers.push(name.to_string());
    } else if name.eq_ignore_ascii_case("X-Auto-Response-Suppress") {
        inbound.auto_response_suppress = true;
    } else if name.eq_ignore_ascii_case(OWN_MARKER_HEADER) {
        inbound.own_marker = Some(text().trim().to_string());
    } else if name.eq_ignore_ascii_case("Authentication-Results") && inbound.trace.len() < MAX_TRACE_HEADERS {
        inbound.trace.push(TraceField::AuthResults(text().trim().to_string()));
    } else if name.eq_ignore_ascii_case("Received") && inbound.trace.len() < MAX_TRACE_HEADERS {
        inbound.trace.push(TraceField::received(&text()));
    }
}

/// A header's value as written, at most [`MAX_HEADER_BYTES`] of it.
fn raw_header_text(message: &Message<'_>, start: u32, end: u32) -> String {
    let end = (end as usize).min(start as usize + MAX_HEADER_BYTES);
    message.raw_message.get(start as usize..end).map(charset::header_cp1252).unwrap_or_default()
}

fn first_token(value: &str) -> String {
    value.split([';', ' ', '\t']).find(|s| !s.is_empty()).unwrap_or("").trim().to_ascii_lowercase()
}

/// The decoded subject; read again from the raw header when decoding left
/// replacement characters (an undeclared 8-bit charset).
fn subject(message: &Message<'_>, header: Option<&mail_parser::Header<'_>>) -> String {
    let decoded = header.and_then(|h| h.value.as_text()).unwrap_or("").to_string();
    let decoded = match header {
        Some(h) if charset::has_replacement(&decoded) => raw_header_text(message, h.offset_start, h.offset_end),
        _ => decoded,
    };
    // Control characters (an encoded CR/LF, say) never survive into our values.
    let decoded = if decoded.contains(char::is_control) {
        decoded.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>()
    } else {
        decoded
    };
    let trimmed = decoded.trim();
    if trimmed.len() == decoded.len() { decoded } else { trimmed.to_string() }
}

fn mailbox(addr: &mail_parser::Addr<'_>) -> Option<MailAddress> {
    let address = addr.address.as_deref()?.trim().to_string();
    if address.is_empty() {
        return None;
    }
    let name = addr.name.as_deref().map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    Some(MailAddress { name, address })
}

fn clean_id(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![clean_id(t)],
        // The newest ids stand last (RFC 5322 §3.6.4): those are kept.
        HeaderValue::TextList(list) => {
            list.iter().skip(list.len().saturating_sub(MAX_REFERENCES)).map(|t| clean_id(t)).collect()
        }
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn to_chrono(d: &mail_parser::DateTime) -> Option<DateTime<FixedOffset>> {
    let offset_secs =
        (i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60) * if d.tz_before_gmt { -1 } else { 1 };
    let tz = FixedOffset::east_opt(offset_secs)?;
    tz.with_ymd_and_hms(
        i32::from(d.year),
        u32::from(d.month),
        u32::from(d.day),
        u32::from(d.hour),
        u32::from(d.minute),
        u32::from(d.second),
    )
    .single()
}

/// Returns (subject without prefixes, whether a forward prefix was among them).
pub fn strip_subject_prefixes(subject: &str) -> (&str, bool) {
    const REPLY: &[&str] = &["re", "sv", "aw", "ang", "ang.", "antw", "réf", "odp"];
    const FORWARD: &[&str] = &["fwd", "fw", "vb", "vs", "wg", "tr", "vidarebefordra", "doorst", "rv", "i"];
    let mut rest = subject.trim();
    let mut forward = false;
    while let Some((prefix, after)) = rest.split_once(':') {
        let p = prefix.trim().to_lowercase();
        let p = p.trim_end_matches(|c: char| c == ']' || c.is_ascii_digit() || c == '[').to_string();
        if REPLY.contains(&p.as_str()) {
            rest = after.trim_start();
        } else if FORWARD.contains(&p.as_str()) && p != "i" {
            forward = true;
            rest = after.trim_start();
        } else {
            break;
        }
    }
    (rest, forward)
}

/// The body as text: text/plain parts when they say anything, else the HTML
/// parts converted, else (broken MIME) text parts filed as attachments, else the
/// raw body read as text. Returns the text and whether it came from HTML.
fn body_text(message: &Message<'_>, problems: &mut Vec<String>) -> (String, bool) {
    let plain = collect_text(message, &message.text_body, false, problems);
    if !plain.trim().is_empty() {
        return (plain, false);
    }
    let html = collect_text(message, &message.html_body, true, problems);
    if !html.trim().is_empty() {
        return (html, true);
    }
    // An unterminated multipart makes mail-parser file its text as an attachment.
    let unnamed_text: Vec<u32> = message
        .attachments
        .iter()
        .copied()
        .filter(|id| {
            message.parts.get(*id as usize).is_some_and(|p| {
                matches!(p.body, PartType::Text(_) | PartType::Html(_)) && p.attachment_name().is_none()
            })
        })
        .collect();
    let mut salvaged = collect_text(message, &unnamed_text, false, problems);
    if salvaged.trim().is_empty() {
        salvaged = collect_text(message, &unnamed_text, true, problems);
    }
    if !salvaged.trim().is_empty() {
        problems.push("broken MIME structure: text read from a part filed as attachment".to_string());
        return (salvaged, false);
    }
    if let Some(raw) = raw_body_as_text(message, problems) {
        problems.push("broken MIME structure: no readable part, the raw body was read as text".to_string());
        return (raw, false);
    }
    (String::new(), false)
}

/// The root part's raw body, when it is text (no NUL bytes, mostly printable).
fn raw_body_as_text(message: &Message<'_>, problems: &mut Vec<String>) -> Option<String> {
    let root = message.root_part();
    let raw = message.raw_message.get(root.offset_body as usize..root.offset_end as usize)?;
    if raw.is_empty() || raw.contains(&0) {
        return None;
    }
    let printable = raw.iter().filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80).count();
    if printable * 100 < raw.len() * 95 {
        return None;
    }
    if raw.len() > MAX_TEXT_CHARS {
        problems.push(TEXT_CUT.to_string());
    }
    let text = normalise_newlines(charset::best_effort_text(&raw[..raw.len().min(MAX_TEXT_CHARS)]));
    (!text.trim().is_empty()).then_some(text)
}

fn collect_text(message: &Message<'_>, ids: &[u32], want_html: bool, problems: &mut Vec<String>) -> String {
    let mut out = String::new();
    for id in ids {
        let Some(part) = message.parts.get(*id as usize) else { continue };
        let text = match &part.body {
            PartType::Text(t) if !want_html => unflowed(part, decoded(message, part, t, problems)),
            PartType::Html(h) if want_html => Cow::Owned(html::html_to_text(&decoded(message, part, h, problems))),
            // A text/plain body listed among html bodies (no HTML alternative).
            PartType::Text(t) if want_html && message.text_body.is_empty() => {
                unflowed(part, decoded(message, part, t, problems))
            }
            _ => continue,
        };
        if out.is_empty() {
            out = text.into_owned();
        } else {
            out.push_str("\n\n");
            out.push_str(&text);
        }
        if out.len() > MAX_TEXT_CHARS {
            let mut cut = MAX_TEXT_CHARS;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            problems.push(TEXT_CUT.to_string());
            break;
        }
    }
    normalise_newlines(out)
}

/// A `format=flowed` text part with the client's line breaks taken out.
fn unflowed<'a>(part: &MessagePart<'_>, text: Cow<'a, str>) -> Cow<'a, str> {
    let Some(ct) = part.content_type() else { return text };
    if !ct.attribute("format").is_some_and(|f| f.eq_ignore_ascii_case("flowed")) {
        return text;
    }
    let delsp = ct.attribute("delsp").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
    Cow::Owned(normalise::unflow(&text, delsp))
}

fn decoded<'a>(
    message: &Message<'_>,
    part: &MessagePart<'_>,
    text: &'a str,
    problems: &mut Vec<String>,
) -> Cow<'a, str> {
    if part.is_encoding_problem {
        problems.push("a body part has a transfer-encoding problem: decoded leniently".to_string());
        if let Some(again) = charset::redecode(&message.raw_message, part) {
            return Cow::Owned(again);
        }
    }
    if charset::needs_fallback(part, text)
        && let Some(again) = charset::redecode(&message.raw_message, part)
    {
        problems.push("body charset missing or unknown: read as windows-1252".to_string());
        return Cow::Owned(again);
    }
    Cow::Borrowed(text)
}

/// CRLF and a lone CR both become LF. Built from the pieces between CRs, which
/// are whole characters, so the result needs no second UTF-8 check.
fn normalise_newlines(text: String) -> String {
    let Some(first) = memchr::memchr(b'\r', text.as_bytes()) else { return text };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    while let Some(cr) = memchr::memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..cr]);
        rest = &rest[cr + 1..];
        if !rest.starts_with('\n') {
            out.push('\n');
        }
    }
    out.push_str(rest);
    out
}

/// A message/rfc822 part (a forward as attachment) as text with a header block,
/// so that it reads like an inline forward.
fn nested_as_text(nested: &Message<'_>, problems: &mut Vec<String>) -> String {
    let mut out = String::new();
    if let Some(from) = nested.from().and_then(|a| a.first()).and_then(mailbox) {
        out.push_str(&format!("Från: {}\n", from.address));
    }
    if let Some(subject) = nested.subject() {
        out.push_str(&format!("Ämne: {subject}\n"));
    }
    if let Some(date) = nested.date() {
        out.push_str(&format!("Datum: {}\n", date.to_rfc3339()));
    }
    let (body, _) = body_text(nested, problems);
    // Quotes inside the forwarded mail stay out of its readable text.
    let sections = sections::split(&body, false);
    out.push('\n');
    out.push_str(&joined(sections.iter().filter(|s| s.kind == SectionKind::New)));
    out
}

fn describe_attachment(part: &MessagePart<'_>) -> Attachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".to_string())
        .to_ascii_lowercase();
    let name = part
        .attachment_name()
        .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "(namnlös)".to_string());
    let disposition_inline = part.content_disposition().is_some_and(|d| d.is_inline());
    let inline = content_type.starts_with("image/") && (disposition_inline || part.content_id().is_some());
    Attachment { name, content_type, size: part.len(), inline }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_past_the_limit_is_cut_and_the_cut_is_said() {
        let raw = format!("From: a@b.se\r\nSubject: {}\r\n\r\nHej\r\n", "Uppsägning ".repeat(300));
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(mail.subject.chars().count(), MAX_SUBJECT_CHARS);
        assert!(mail.text_truncated);
        assert!(mail.problems.iter().any(|p| p == SUBJECT_CUT), "{:?}", mail.problems);
    }

    #[test]
    fn subject_prefixes_are_stripped_and_forwards_noticed() {
        assert_eq!(strip_subject_prefixes("SV: VB: Uppsägning"), ("Uppsägning", true));
        assert_eq!(strip_subject_prefixes("Re: Re[2]: Uppsägning"), ("Uppsägning", false));
        assert_eq!(strip_subject_prefixes("Uppsägning: LEFI"), ("Uppsägning: LEFI", false));
    }

    #[test]
    fn empty_and_headerless_input_is_an_error() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b" \r\n "), Err(ParseError::Empty));
    }

    #[test]
    fn crlf_and_lone_cr_become_lf() {
        for (text, want) in [("a\r\nb\rc\n\rd\r", "a\nb\nc\n\nd\n"), ("\r\r\n", "\n\n"), ("å\r\nä", "å\nä"), ("x", "x")]
        {
            assert_eq!(normalise_newlines(text.to_string()), want, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn newlines_normalise_as_two_replacements(text in "[a\r\nå]{0,40}") {
            let want = text.replace("\r\n", "\n").replace('\r', "\n");
            proptest::prop_assert_eq!(normalise_newlines(text), want);
        }
    }

    #[test]
    fn latin1_body_without_charset_is_read_as_windows_1252() {
        let raw = b"From: a@b.se\r\nSubject: Upps\xe4gning\r\nContent-Type: text/plain\r\n\r\nVi s\xe4ger upp fr\xe5n 1 januari.\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.subject, "Uppsägning");
        assert_eq!(m.new_text(), "Vi säger upp från 1 januari.");
    }
}

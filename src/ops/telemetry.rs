//! The tracing subscriber, set up once: text for people or JSON for log
//! collectors, on stderr, filtered by `log.level` (or `RUST_LOG` when set).
//! Nothing logs a mail body, a subject or a personal identity number at info;
//! and every line written has its personal identity numbers masked
//! (`privacy::Redacting`), whatever a dependency logs at debug.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};
use crate::privacy::Redacting;

pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(&settings.level))
        // sqlx logs every statement at debug: too much even when debugging us.
        .add_directive("sqlx=warn".parse().expect("static directive"));
    // Colour codes only for a person at a terminal: a log file or journal
    // would keep them as noise.
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(|| Redacting::new(std::io::stderr()));
    let result = match settings.format {
        // The mail's span (row id, source key) on each of its lines.
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Already set (tests, or a second call): keep the first.
    let _ = result;
}

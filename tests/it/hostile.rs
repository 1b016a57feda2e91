//! Hostile bytes: mails built to exhaust a parser — huge, deeply nested,
//! with a part or header count no real mail has. Each goes through the real
//! daemon (`lefi-intake run --once` as a child process, on a Maildir and
//! SQLite) and must end in a clear outcome: recorded once, filed out of the
//! inbox, no panic, within a time and a memory bound. The
//! bounds are wide (a hang or a runaway allocation is what they catch, not a
//! slowdown); the daemon's peak resident memory is read from
//! `/proc/<pid>/status` while it runs.

use std::path::Path;
use std::time::{Duration, Instant};

use lefi_intake::domain::{Code, Verdict};
use lefi_intake::source::maildir::Maildir;
use tokio::io::AsyncReadExt;

use crate::support::db::TestDb;
use crate::support::intake::daemon_command;
use crate::support::maildir_inbox as inbox;

const MB: usize = 1024 * 1024;
/// Builds one hostile mail.
type Build = fn() -> Vec<u8>;
/// Longer than any of these takes on a loaded 2-core machine, shorter than a hang.
const TIME_BOUND: Duration = Duration::from_secs(120);
const MEMORY_BOUND_MIB: u64 = 1024;

fn headers(extra: &str, content_type: &str) -> String {
    format!(
        "From: registrator@kommun1.se\r\nTo: registeruttag@forsakringskassan.se\r\nSubject: Uppsägning\r\n\
         Message-ID: <hostile-{}@kommun1.se>\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         {extra}Content-Type: {content_type}\r\n\r\n",
        extra.len() + content_type.len()
    )
}

/// A complete termination (intent, number, name, date): wherever the parser
/// finds it, only the mail's shape can make it doubtful.
const TERMINATION: &str =
    "Testby1 kommun säger upp LEFI Prenumeration från och med 2027-01-01.\r\nOrganisationsnummer: 212000-0019\r\n";

fn fifty_megabytes() -> Vec<u8> {
    let mut raw = headers("", "text/plain; charset=utf-8").into_bytes();
    while raw.len() < 50 * MB {
        raw.extend_from_slice(TERMINATION.as_bytes());
    }
    raw
}

fn ten_thousand_parts() -> Vec<u8> {
    let mut raw = headers("", "multipart/mixed; boundary=\"p\"");
    raw += &format!("--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{TERMINATION}");
    for i in 1..10_000 {
        raw += &format!("--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ndel {i}\r\n");
    }
    raw += "--p--\r\n";
    raw.into_bytes()
}

fn nested_multipart(depth: usize) -> Vec<u8> {
    let mut raw = headers("", "multipart/mixed; boundary=\"b0\"");
    for level in 1..depth {
        raw += &format!("--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n", level - 1);
    }
    raw += &format!("--b{}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{TERMINATION}", depth - 1);
    for level in (0..depth).rev() {
        raw += &format!("--b{level}--\r\n");
    }
    raw.into_bytes()
}

fn nested_rfc822(depth: usize) -> Vec<u8> {
    let mut inner = format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{TERMINATION}");
    for level in 0..depth {
        inner = format!(
            "From: level{level}@kommun1.se\r\nSubject: Fwd {level}\r\nMIME-Version: 1.0\r\n\
             Content-Type: message/rfc822\r\n\r\n{inner}"
        );
    }
    let mut raw = headers("", "message/rfc822");
    raw += &inner;
    raw.into_bytes()
}

fn nested_html(bytes: usize) -> Vec<u8> {
    let depth = bytes / "<div></div>".len();
    let mut raw = headers("", "text/html; charset=utf-8");
    raw += &"<div>".repeat(depth);
    raw += TERMINATION;
    raw += &"</div>".repeat(depth);
    raw.into_bytes()
}

fn long_header_line() -> Vec<u8> {
    let mut raw = headers(&format!("X-Long: {}\r\n", "x".repeat(MB)), "text/plain; charset=utf-8");
    raw += TERMINATION;
    raw.into_bytes()
}

fn many_header_lines() -> Vec<u8> {
    let filler: String = (0..100_000).map(|i| format!("X-Filler-{i}: {i}\r\n")).collect();
    let mut raw = headers(&filler, "text/plain; charset=utf-8");
    raw += TERMINATION;
    raw.into_bytes()
}

fn peak_rss_mib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Runs the daemon once over `raw`; returns the verdict recorded, the
/// reasons and the organisation number read.
async fn survive(name: &str, raw: Vec<u8>) -> (Verdict, Vec<String>, Option<String>) {
    let db = TestDb::sqlite().await;
    let root = tempfile::tempdir().unwrap();
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    Maildir::deliver(&maildir, "1795000000.M1P1.hostile", &raw).unwrap();
    drop(raw);

    let started = Instant::now();
    let mut child = daemon_command(&db.url, root.path(), true).spawn().expect("spawn daemon");
    let pid = child.id().expect("running");
    let mut stderr = child.stderr.take().expect("stderr piped");
    let reading = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        peak = peak.max(peak_rss_mib(pid).unwrap_or(0));
        assert!(started.elapsed() < TIME_BOUND, "{name}: still running after {TIME_BOUND:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let took = started.elapsed();
    let stderr = reading.await.unwrap();
    eprintln!("{name}: {took:.1?}, peak RSS {peak} MiB");
    assert!(status.success(), "{name}: the daemon failed: {status}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{name}: a panic:\n{stderr}");
    assert!(peak < MEMORY_BOUND_MIB, "{name}: peak RSS {peak} MiB");

    let messages = db.store.messages().await.unwrap();
    assert_eq!(messages.len(), 1, "{name}: recorded once");
    assert_eq!(inbox(&maildir), 0, "{name}: left in the inbox");
    let m = &messages[0];
    let reasons = m.reasons.iter().map(|r| r.as_str().to_string()).collect();
    (m.verdict, reasons, m.org_number.map(|n| n.to_string()))
}

/// Over the size limit (25 MiB by default): quarantined from its headers.
#[tokio::test]
async fn a_fifty_megabyte_mail_is_quarantined_as_too_large() {
    let (verdict, reasons, _) = survive("50 MB mail", fifty_megabytes()).await;
    assert_eq!((verdict, reasons), (Verdict::Quarantine, vec!["too_large".to_string()]));
}

/// Ten thousand parts, two hundred nested multiparts, a hundred forwarded
/// layers, 5 MB of nested HTML, a megabyte-long header line, a hundred
/// thousand headers — each with a complete termination somewhere inside.
/// The outcome is decided on what the parser can read, as for any mail
/// (`fixtures/broken/deeply_nested_multipart` is a 40-deep termination an
/// officer accepts); what matters here is that there is one, in bounds. A
/// termination is accepted only with every field read.
#[tokio::test]
async fn mails_built_to_exhaust_the_parser_each_end_in_a_clear_outcome() {
    let cases: [(&str, Build); 6] = [
        ("10,000 MIME parts", ten_thousand_parts),
        ("200-deep multipart", || nested_multipart(200)),
        ("100-deep message/rfc822", || nested_rfc822(100)),
        ("5 MB of nested HTML", || nested_html(5 * MB)),
        ("1 MB header line", long_header_line),
        ("100,000 header lines", many_header_lines),
    ];
    let mut outcomes = Vec::new();
    for (name, build) in cases {
        let (verdict, reasons, org) = survive(name, build()).await;
        outcomes.push(format!("{name}: {} {}", verdict.as_str(), reasons.join(",")));
        if verdict == Verdict::Accept {
            assert_eq!(org.as_deref(), Some("212000-0019"), "{name}: accepted without the number");
        } else {
            assert!(!reasons.is_empty() || verdict == Verdict::Incomplete, "{name}: {verdict:?} without a reason");
        }
    }
    eprintln!("{}", outcomes.join("\n"));
}

/// Every input a fuzz target ever crashed on (`fuzz/regressions/<target>/`)
/// now ends in a clear outcome. This build has debug assertions, as the
/// fuzzer's had: the first finding was mail-parser's own `debug_assert!`.
#[test]
fn every_fuzz_finding_ends_in_a_clear_outcome() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/analyse");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let raw = std::fs::read(entry.path()).unwrap();
        let received = chrono::NaiveDate::from_ymd_opt(2026, 11, 16);
        let analysis = lefi_intake::analyse::analyse(&raw, received, &[]);
        let d = &analysis.decision;
        assert!(d.verdict != Verdict::Accept || d.termination.is_some(), "{}: {d:?}", entry.path().display());
        seen += 1;
    }
    assert!(seen > 0, "no findings under {}", dir.display());
}

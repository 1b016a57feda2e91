//! What an operator's monitoring sees: `/healthz`, `/readyz` and `/metrics`
//! on `ops.listen`, from the real daemon process over a real Maildir, SQLite
//! and (for the failures) servers that are not there; and log lines without
//! colour codes, each mail's lines carrying its row and key.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lefi_intake::domain::Code;
use lefi_intake::source::maildir::Maildir;
use lefi_intake::store::{QuarantineStatus, Store};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::dovecot::free_port;
use crate::support::http::get;
use crate::support::intake::daemon_command;
use crate::support::maildir_inbox;
use crate::support::mails::drill_mail;

/// The log lines of a child, collected until it exits.
fn collect_lines(child: &mut tokio::process::Child) -> tokio::task::JoinHandle<Vec<String>> {
    let mut lines = BufReader::new(child.stderr.take().expect("stderr piped")).lines();
    tokio::spawn(async move {
        let mut all = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            all.push(line);
        }
        all
    })
}

/// Asks `path` until `until` holds for the answer, or panics after 30 s.
async fn poll(port: u16, path: &str, until: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let asked = path.to_string();
        if let Some((status, body)) = tokio::task::spawn_blocking(move || get(port, &asked)).await.unwrap()
            && until(status, &body)
        {
            return (status, body);
        }
        assert!(Instant::now() < deadline, "{path} never answered as expected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A sample's value from the Prometheus text: `name{labels} value`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_metrics_tell_an_operator_what_the_daemon_did_and_logs_carry_no_colour_codes() {
    let root = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/lefi.db", root.path().display());
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    const MAILS: u32 = 20;
    for i in 0..MAILS {
        Maildir::deliver(&maildir, &format!("{}.M{i}P1.ops", 1_795_000_000 + i), &drill_mail(i)).unwrap();
    }
    let port = free_port();
    let mut daemon = daemon_command(&url, root.path(), false);
    daemon
        .env("LEFI_INTAKE__OPS__LISTEN", format!("127.0.0.1:{port}"))
        .env("LEFI_INTAKE__LOG__FORMAT", "json")
        .env("LEFI_INTAKE__LOG__LEVEL", "info")
        .env("LEFI_INTAKE__SOURCE__POLL_INTERVAL_SECS", "1");
    let mut child = daemon.spawn().expect("spawn daemon");
    let lines = collect_lines(&mut child);

    let (status, body) = poll(port, "/healthz", |s, _| s == 200).await;
    assert_eq!((status, body.as_str()), (200, "{\"alive\":true}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while maildir_inbox(&maildir) > 0 {
        assert!(Instant::now() < deadline, "the daemon did not drain the inbox");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, ready) = poll(port, "/readyz", |s, b| s == 200 && b.contains("\"outbox\":\"empty\"")).await;
    let ready: serde_json::Value = serde_json::from_str(&ready).expect("readiness is JSON");
    assert_eq!(ready["ready"], true, "{ready}");
    assert_eq!(ready["database"], "ok", "{ready}");
    assert!(ready["mailbox"].as_str().unwrap().starts_with("ok, last pass "), "{ready}");
    assert!(ready.get("reason").is_none(), "{ready}");

    // What the metrics say is what the database holds.
    let store = Store::connect(&url, 1).await.unwrap();
    let mut by_verdict: BTreeMap<&str, f64> = BTreeMap::new();
    for m in store.messages().await.unwrap() {
        *by_verdict.entry(m.verdict.as_str()).or_default() += 1.0;
    }
    assert!(by_verdict.len() >= 3, "the drill mails give several verdicts: {by_verdict:?}");
    let open = store.quarantine(QuarantineStatus::Open).await.unwrap().len() as f64;
    let sent = store.outbox(Some(lefi_intake::store::OutboxStatus::Sent)).await.unwrap().len() as f64;
    assert!(sent > 0.0);
    // An answer is counted just after it is marked sent: ask until the two agree.
    let answered = |text: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with("lefi_intake_answers_total{result=\"sent\"}"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let (status, text) = poll(port, "/metrics", |s, t| s == 200 && answered(t) == sent).await;
    assert_eq!(status, 200);
    for (verdict, n) in &by_verdict {
        let series = format!("lefi_intake_mails_total{{verdict=\"{verdict}\"}}");
        assert_eq!(sample(&text, &series), Some(*n), "{series} in\n{text}");
    }
    assert_eq!(sample(&text, "lefi_intake_quarantine_open"), Some(open), "{text}");
    assert!(open > 0.0, "the drill has quarantined mails");
    assert!(sample(&text, "lefi_intake_quarantine_oldest_open_age_seconds").unwrap() >= 0.0);
    assert_eq!(sample(&text, "lefi_intake_outbox_pending"), Some(0.0), "{text}");
    assert_eq!(sample(&text, "lefi_intake_database_up"), Some(1.0));
    assert_eq!(sample(&text, "lefi_intake_mailbox_lease"), Some(1.0));
    assert_eq!(sample(&text, "lefi_intake_mailbox_failing_seconds"), Some(0.0));
    assert!(text.contains("lefi_intake_build_info{version=\""), "{text}");
    assert!(text.contains("# TYPE lefi_intake_batch_seconds histogram"), "{text}");
    assert!(sample(&text, "lefi_intake_batch_seconds_count").unwrap() >= 1.0, "{text}");
    let last_poll = sample(&text, "lefi_intake_last_successful_poll_timestamp_seconds").unwrap();
    assert!((chrono::Utc::now().timestamp() as f64 - last_poll).abs() < 60.0, "{last_poll}");
    assert!(!text.contains('@'), "nothing personal in the metrics: {text}");
    promtool_accepts_the_metrics_and_the_alerts(&text);

    child.kill().await.unwrap();
    let lines = lines.await.unwrap();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| !l.contains('\x1b')),
        "colour codes in a piped log: {:?}",
        &lines[..3.min(lines.len())]
    );
    let recorded: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "mail recorded")
        .collect();
    assert_eq!(recorded.len(), MAILS as usize, "one 'mail recorded' line per mail");
    for line in &recorded {
        assert_eq!(line["span"]["name"], "mail", "{line}");
        assert!(line["span"]["message_row"].as_i64().is_some_and(|n| n > 0), "{line}");
        assert!(line["span"]["key"].as_str().is_some_and(|k| k.starts_with("maildir:")), "{line}");
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_says_503_and_why_when_the_mailbox_is_down_or_the_answers_are_stuck() {
    // A mailbox server that is not there: not ready once passes have failed
    // for ops.mailbox_down_secs, though the process is alive.
    let root = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/lefi.db", root.path().display());
    let port = free_port();
    let mut daemon = daemon_command(&url, root.path(), false);
    daemon
        .env("LEFI_INTAKE__OPS__LISTEN", format!("127.0.0.1:{port}"))
        .env("LEFI_INTAKE__OPS__MAILBOX_DOWN_SECS", "1")
        .env("LEFI_INTAKE__SOURCE__KIND", "imap")
        .env("LEFI_INTAKE__IMAP__HOST", "127.0.0.1")
        .env("LEFI_INTAKE__IMAP__PORT", free_port().to_string())
        .env("LEFI_INTAKE__IMAP__SECURITY", "plain")
        .env("LEFI_INTAKE__IMAP__USERNAME", "registeruttag")
        .env("LEFI_INTAKE__IMAP__PASSWORD", "secret");
    let mut child = daemon.spawn().expect("spawn daemon");
    let _lines = collect_lines(&mut child);
    let (_, body) = poll(port, "/readyz", |s, _| s == 503).await;
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["ready"], false);
    assert!(r["reason"].as_str().unwrap().starts_with("mailbox passes failing for "), "{r}");
    assert!(r["mailbox"].as_str().unwrap().starts_with("down for "), "{r}");
    assert_eq!(r["database"], "ok", "{r}");
    assert_eq!(poll(port, "/healthz", |s, _| s == 200).await.0, 200, "alive all the same");
    let (_, text) = poll(port, "/metrics", |s, _| s == 200).await;
    assert!(sample(&text, "lefi_intake_pass_failures_total").unwrap() >= 1.0, "{text}");
    assert!(sample(&text, "lefi_intake_mailbox_failing_seconds").unwrap() >= 1.0, "failing since the start: {text}");
    child.kill().await.unwrap();

    // An SMTP server that is not there: the answers wait, and once the oldest
    // has waited ops.outbox_stuck_secs the instance is not ready.
    let root = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/lefi.db", root.path().display());
    let maildir = root.path().join("maildir");
    Maildir::open(&maildir, 1 << 20).unwrap();
    Maildir::deliver(&maildir, "1795000000.M0P1.ops", &drill_mail(0)).unwrap();
    let port = free_port();
    let mut daemon = daemon_command(&url, root.path(), false);
    daemon
        .env("LEFI_INTAKE__OPS__LISTEN", format!("127.0.0.1:{port}"))
        .env("LEFI_INTAKE__OPS__OUTBOX_STUCK_SECS", "1")
        .env("LEFI_INTAKE__REPLY__TRANSPORT", "smtp")
        .env("LEFI_INTAKE__SMTP__HOST", "127.0.0.1")
        .env("LEFI_INTAKE__SMTP__PORT", free_port().to_string())
        .env("LEFI_INTAKE__SMTP__SECURITY", "plain");
    let mut child = daemon.spawn().expect("spawn daemon");
    let lines = collect_lines(&mut child);
    let (_, body) = poll(port, "/readyz", |s, _| s == 503).await;
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(r["reason"].as_str().unwrap().starts_with("the oldest answer has waited "), "{r}");
    assert!(r["outbox"].as_str().unwrap().starts_with("stuck: 1 waiting"), "{r}");
    assert!(r["mailbox"].as_str().unwrap().starts_with("ok"), "{r}");
    let (_, text) = poll(port, "/metrics", |s, _| s == 200).await;
    assert_eq!(sample(&text, "lefi_intake_outbox_pending"), Some(1.0), "{text}");
    assert!(sample(&text, "lefi_intake_outbox_oldest_pending_age_seconds").unwrap() >= 1.0, "{text}");
    assert!(sample(&text, "lefi_intake_answers_total{result=\"retrying\"}").unwrap() >= 1.0, "{text}");
    child.kill().await.unwrap();
    // The text format, piped: words only, no colour codes.
    let lines = lines.await.unwrap();
    assert!(lines.iter().any(|l| l.contains("reply will be retried")), "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains('\x1b')), "colour codes in a piped log: {lines:?}");
}

/// `promtool` (Debian's prometheus package) lints the exposition and checks
/// and unit-tests docs/alerts.yml; every metric an alert names must be one
/// the daemon exports.
fn promtool_accepts_the_metrics_and_the_alerts(metrics: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if Command::new("promtool").arg("--version").output().is_err() {
        assert!(!crate::support::in_ci(), "promtool is required in CI (apt-get install prometheus)");
        eprintln!("WARNING: promtool not installed; the alert rules are not checked");
        return;
    }
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    lint.stdin.take().unwrap().write_all(metrics.as_bytes()).unwrap();
    let out = lint.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for args in [["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]] {
        let out = Command::new("promtool").args(args).current_dir(&docs).output().unwrap();
        assert!(out.status.success(), "promtool {args:?}: {}", String::from_utf8_lossy(&out.stdout));
    }
    let rules = std::fs::read_to_string(docs.join("alerts.yml")).unwrap();
    let named = regex::Regex::new(r"lefi_intake_[a-z0-9_]+").unwrap();
    for name in named.find_iter(&rules).map(|m| m.as_str()) {
        let exported = metrics.lines().any(|l| l.starts_with(&format!("# TYPE {name} ")));
        assert!(exported, "docs/alerts.yml names {name}, which /metrics does not export");
    }
}

/// `check-config` against a real Dovecot (STARTTLS, a password login) and a
/// real Postfix (STARTTLS, SASL AUTH through that Dovecot): every check
/// passes with the right settings; a wrong one stops at its step, says what
/// the server said and names the keys to fix.
#[tokio::test(flavor = "multi_thread")]
async fn check_config_tries_each_connection_and_names_the_key_to_fix() {
    use crate::support::dovecot::{Dovecot, Options, PASSWORD, USER};
    use crate::support::postfix::{Extras, Postfix};
    let Some(dovecot) = Dovecot::start(Options { lmtp: true, ..Options::default() }) else { return };
    let (cert, key) = dovecot.server_certificate();
    let extras = Extras { tls: Some((&cert, &key)), sasl_port: Some(dovecot.auth_port), sink: false };
    let Some(postfix) = Postfix::start_with(dovecot.lmtp_port, extras) else { return };
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("empty.toml"), "").unwrap();
    let check = |extra: &[(&str, String)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"));
        cmd.arg("--config").arg(root.path().join("empty.toml")).arg("check-config");
        cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        let settings = [
            ("DATABASE__URL", format!("sqlite://{}/lefi.db", root.path().display())),
            ("SOURCE__KIND", "imap".into()),
            ("IMAP__HOST", "localhost".into()),
            ("IMAP__PORT", dovecot.imap_port.to_string()),
            ("IMAP__SECURITY", "starttls".into()),
            ("IMAP__TLS_CA_FILE", dovecot.ca_file.display().to_string()),
            ("IMAP__USERNAME", USER.into()),
            ("IMAP__PASSWORD", PASSWORD.into()),
            ("REPLY__TRANSPORT", "smtp".into()),
            ("SMTP__HOST", "localhost".into()),
            ("SMTP__PORT", postfix.port.to_string()),
            ("SMTP__SECURITY", "starttls".into()),
            ("SMTP__TLS_CA_FILE", dovecot.ca_file.display().to_string()),
            ("SMTP__USERNAME", USER.into()),
            ("SMTP__PASSWORD", PASSWORD.into()),
        ];
        for (k, v) in settings.iter().filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)).chain(extra) {
            cmd.env(format!("LEFI_INTAKE__{k}"), v);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let names = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| !l.starts_with(' '))
            .map(|l| l[6..].split("  ").next().unwrap().trim().to_string())
            .collect()
    };

    let (code, out) = check(&[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.lines().filter(|l| !l.starts_with(' ')).all(|l| l.starts_with("ok ")), "{out}");
    assert_eq!(
        names(&out),
        [
            "configuration",
            "database",
            "database schema",
            "reply templates",
            "imap connect",
            "imap tls",
            "imap login",
            "imap mailbox",
            "smtp"
        ],
        "{out}"
    );
    assert!(out.contains("INBOX selected (UIDVALIDITY "), "{out}");
    assert!(out.contains(&format!("EHLO and AUTH as {USER} accepted")), "{out}");

    let (code, out) = check(&[("IMAP__PASSWORD", "wrong".into())]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL  imap login"), "{out}");
    assert!(out.contains("fix: imap.username, imap.password"), "{out}");
    assert!(!out.contains("smtp"), "the checks stop at the first failure: {out}");

    let (code, out) = check(&[("IMAP__SECURITY", "tls".into())]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL  imap tls") && out.contains("fix: imap.security"), "{out}");

    let (code, out) = check(&[("SMTP__PASSWORD", "wrong".into())]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("ok    imap mailbox"), "{out}");
    assert!(out.contains("FAIL  smtp") && out.contains(" 535"), "the server's answer is shown: {out}");
    assert!(out.contains("fix: smtp.username, smtp.password"), "{out}");

    let (code, out) = check(&[("SMTP__PORT", free_port().to_string())]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL  smtp") && out.contains("fix: smtp.host, smtp.port"), "{out}");

    let (code, out) = check(&[("SOURCE__BATCH_SIZE", "0".into())]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.starts_with("FAIL  configuration") && out.contains("source.batch_size"), "{out}");
}

/// deploy/lefi-intake.service passes `systemd-analyze verify` (with our
/// binary where the unit expects it) and its sandbox scores "OK" or better
/// in `systemd-analyze security`.
#[test]
fn the_systemd_unit_verifies_and_is_sandboxed() {
    use std::process::Command;
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        assert!(!crate::support::in_ci(), "systemd-analyze is required in CI (Debian's systemd package)");
        eprintln!("WARNING: systemd-analyze not installed; the unit is not checked");
        return;
    }
    let unit =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/lefi-intake.service"))
            .expect("deploy/lefi-intake.service");
    for key in ["NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=", "User=lefi-intake"] {
        assert!(unit.lines().any(|l| l.starts_with(key)), "the unit sets {key}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lefi-intake.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/lefi-intake", env!("CARGO_BIN_EXE_lefi-intake"))).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
    let out = Command::new("systemd-analyze").args(["security", "--offline=yes"]).arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let level: f64 = text
        .lines()
        .find_map(|l| l.split("Overall exposure level for lefi-intake.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in: {text}"));
    assert!(level <= 2.0, "exposure {level} (0 is best, 10 worst): {text}");
}

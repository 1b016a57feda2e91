//! The `extract` command as scripts use it.

use std::process::Command;

use serde_json::Value;

use crate::fixtures::fixture_dir;

fn lefi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
}

#[test]
fn extract_json_prints_one_object_per_file_with_exactly_the_documented_keys() {
    let file = fixture_dir().join("accept/plain_utf8_qp_all_labeled.eml");
    let out = lefi().args(["extract", "--json"]).arg(&file).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let v: Value = serde_json::from_str(lines[0]).expect("json");
    let mut keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["effective_date", "file", "missing", "org_name", "org_number", "reasons", "verdict"]);
    assert_eq!(v["file"], file.display().to_string());
    assert_eq!(v["verdict"], "accept");
}

#[test]
fn an_unreadable_file_gets_a_null_verdict_an_error_and_exit_status_1() {
    let good = fixture_dir().join("accept/plain_utf8_qp_all_labeled.eml");
    let out = lefi().args(["extract", "--json", "/nonexistent/mail.eml"]).arg(&good).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let first: Value = serde_json::from_str(stdout.lines().next().expect("line")).expect("json");
    assert_eq!(first["verdict"], Value::Null);
    assert!(first["error"].as_str().is_some_and(|e| e.contains("/nonexistent/mail.eml")));
    assert_eq!(stdout.lines().count(), 2, "the readable file is still reported");
}

#[test]
fn received_overrides_the_date_header() {
    // Sent in November 2026 for 2027-01-01; read as if received in February 2027
    // the date is in the past.
    let file = fixture_dir().join("accept/plain_utf8_qp_all_labeled.eml");
    let out = lefi().args(["extract", "--json", "--received", "2027-02-01"]).arg(&file).output().expect("run");
    let v: Value = serde_json::from_str(String::from_utf8(out.stdout).expect("utf-8").trim()).expect("json");
    assert_eq!(v["verdict"], "incomplete");
    assert_eq!(v["reasons"], serde_json::json!(["effective_date_in_past"]));
}

#[test]
fn the_table_names_every_file_and_verdict() {
    let a = fixture_dir().join("accept/plain_utf8_qp_all_labeled.eml");
    let b = fixture_dir().join("ignore/x_autoreply_header.eml");
    let out = lefi().arg("extract").arg(&a).arg(&b).output().expect("run");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.starts_with("FILE"));
    assert!(stdout.lines().any(|l| l.contains("plain_utf8_qp_all_labeled.eml") && l.contains("accept")));
    assert!(stdout.lines().any(|l| l.contains("x_autoreply_header.eml") && l.contains("ignore")));
}

#[test]
fn a_bad_received_date_is_a_clear_usage_error() {
    let out = lefi().args(["extract", "--received", "2027-13-01", "x.eml"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}

/// The daemon commands, configured by environment variables alone.
mod daemon_commands {
    use std::process::Command;

    use serde_json::Value;

    use crate::support::intake::env_for;
    use crate::support::mails::{org_number, termination};
    use lefi_intake::source::maildir::Maildir;

    fn lefi(root: &std::path::Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lefi-intake"));
        cmd.current_dir(root).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        let url = format!("sqlite://{}/lefi.db", root.display());
        for (k, v) in env_for(&url, root) {
            cmd.env(k, v);
        }
        cmd
    }

    #[test]
    fn run_once_then_list_terminations_as_json_and_csv() {
        let root = tempfile::tempdir().unwrap();
        let maildir = root.path().join("maildir");
        Maildir::open(&maildir, 1 << 20).unwrap();
        Maildir::deliver(&maildir, "1795000000.M1P1.cli", &termination(11, "2027-01-01", "cli-11@kommun11.se"))
            .unwrap();
        Maildir::deliver(&maildir, "1795000001.M2P1.cli", &termination(12, "2027-02-01", "cli-12@kommun12.se"))
            .unwrap();

        let run = lefi(root.path()).args(["run", "--once"]).output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        assert!(String::from_utf8_lossy(&run.stdout).contains("recorded 2 mails"));

        let json = lefi(root.path()).args(["terminations", "list", "--format", "json"]).output().unwrap();
        assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
        let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for key in ["org_number", "org_name", "effective_date", "received_at", "message_id"] {
            assert!(rows[0].get(key).is_some(), "missing {key}");
        }
        assert_eq!(rows[0]["org_number"], org_number(11));
        assert_eq!(rows[0]["message_id"], "cli-11@kommun11.se");

        let csv = lefi(root.path()).args(["terminations", "list", "--format", "csv"]).output().unwrap();
        let csv = String::from_utf8(csv.stdout).unwrap();
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("org_number,org_name,effective_date,received_at,message_id"));
        assert!(lines.next().unwrap().starts_with(&format!("{},Testby11 kommun,2027-01-01,", org_number(11))));

        let outbox = lefi(root.path()).args(["outbox", "list", "--format", "json"]).output().unwrap();
        let items: Value = serde_json::from_slice(&outbox.stdout).unwrap();
        assert_eq!(items.as_array().unwrap().len(), 2);
        assert!(items.as_array().unwrap().iter().all(|i| i["status"] == "sent"));
    }

    #[test]
    fn migrate_creates_the_database_and_bad_configuration_names_the_key() {
        let root = tempfile::tempdir().unwrap();
        let ok = lefi(root.path()).arg("migrate").output().unwrap();
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        assert!(root.path().join("lefi.db").exists());

        let bad =
            lefi(root.path()).arg("migrate").env("LEFI_INTAKE__DATABASE__MAX_CONNECTIONS", "many").output().unwrap();
        assert_eq!(bad.status.code(), Some(2));
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(err.contains("max_connections"), "{err}");

        let unknown = lefi(root.path()).arg("migrate").env("LEFI_INTAKE__SOURCE__KIND", "pop3").output().unwrap();
        assert_eq!(unknown.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("pop3"));
    }

    #[test]
    fn the_demo_runs_the_main_job_in_a_scratch_directory() {
        let root = tempfile::tempdir().unwrap();
        let fixtures = crate::fixtures::fixture_dir();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
        let out = lefi(root.path())
            .args(["demo", "--dir", "scratch", "--fixtures"])
            .arg(&fixtures)
            .arg("--registry")
            .arg(demo.join("registry.csv"))
            .arg("--forged")
            .arg(demo.join("forged"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Terminations on file"), "{stdout}");
        assert!(stdout.contains("In quarantine for an officer"));
        // The forged mails are held back, and a forger gets no answer.
        let forged = stdout.lines().find(|l| l.trim_start().starts_with("sender_forged")).expect("the trust checks");
        assert!(forged.split_whitespace().nth(1).is_some_and(|n| n.parse::<u32>().unwrap() >= 2), "{stdout}");
        let outbox = std::fs::read_dir(root.path().join("scratch/outbox")).unwrap();
        let answered_forger = outbox.flatten().any(|e| {
            std::fs::read_to_string(e.path()).is_ok_and(|r| r.contains("In-Reply-To: <forged-1@bulk-sender.example>"))
        });
        assert!(!answered_forger, "no answer to a mail whose DMARC failed");
        let replies = std::fs::read_dir(root.path().join("scratch/outbox")).unwrap().count();
        assert!(replies > 50, "{replies} reply files");
        assert_eq!(std::fs::read_dir(root.path().join("scratch/maildir/new")).unwrap().count(), 0);

        // The demo explains its figures, and they add up.
        let numbers = |line: &str| -> Vec<usize> {
            line.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty()).filter_map(|w| w.parse().ok()).collect()
        };
        let accepts = stdout.lines().find(|l| l.contains("accepted mails recorded")).expect("the accepts explained");
        let [accepted, recorded, already, ..] = numbers(accepts)[..] else { panic!("{accepts}") };
        assert_eq!(accepted, recorded + already, "{accepts}");
        let answers = stdout.lines().find(|l| l.contains("mails gave")).expect("the answers explained");
        let [mails, answered, none, held, ..] = numbers(answers)[..] else { panic!("{answers}") };
        assert_eq!(mails, answered + none + held, "{answers}");
        assert_eq!(answered, replies, "answers as written to the outbox directory");
        assert!(held > 0, "the example mails show the per-sender limit: {answers}");
        assert!(
            stdout.contains("LEFI_INTAKE__DATABASE__URL=sqlite://scratch/lefi-intake.db lefi-intake quarantine list"),
            "{stdout}"
        );
    }
}

mod officer_and_web_commands {
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    fn lefi(dir: &std::path::Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lefi-intake"));
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEFI_INTAKE__DATABASE__URL", format!("sqlite://{}/lefi.db", dir.display()))
            .env("LEFI_INTAKE__OPS__LISTEN", "");
        cmd
    }

    #[test]
    fn officers_are_added_with_a_password_on_stdin_listed_and_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let mut add = lefi(dir.path())
            .args(["officer", "add", "anna", "--display-name", "Anna Andersson", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        add.stdin.take().unwrap().write_all("ett långt lösenord\n".as_bytes()).unwrap();
        let out = add.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

        let short =
            lefi(dir.path()).args(["officer", "add", "bo", "--password-stdin"]).stdin(Stdio::piped()).output().unwrap();
        assert!(!short.status.success(), "an empty password is refused");
        assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
        let twice = lefi(dir.path()).args(["officer", "add", "anna", "--sso-only"]).output().unwrap();
        assert!(String::from_utf8_lossy(&twice.stderr).contains("exists already"));

        let list = String::from_utf8(lefi(dir.path()).args(["officer", "list"]).output().unwrap().stdout).unwrap();
        assert!(list.lines().any(|l| l.starts_with("anna") && l.contains("Anna Andersson") && l.contains("active")));
        assert!(lefi(dir.path()).args(["officer", "disable", "anna"]).output().unwrap().status.success());
        let list = String::from_utf8(lefi(dir.path()).args(["officer", "list"]).output().unwrap().stdout).unwrap();
        assert!(list.lines().any(|l| l.starts_with("anna") && l.contains("disabled")));
    }

    #[test]
    fn the_web_command_serves_the_sign_in_page_and_stops_on_sigterm() {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::support::dovecot::free_port();
        let mut child = lefi(dir.path())
            .arg("web")
            .env("LEFI_INTAKE__WEB__LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let page = loop {
            // Until the server is up a connection may be refused or reset.
            let attempt = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
                use std::io::Read;
                s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
                let mut page = String::new();
                s.read_to_string(&mut page)?;
                Ok(page)
            });
            if let Ok(page) = attempt
                && !page.is_empty()
            {
                break page;
            }
            assert!(Instant::now() < deadline, "the review pages were not served");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("Logga in"));
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success());
    }
}

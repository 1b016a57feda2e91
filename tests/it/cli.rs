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

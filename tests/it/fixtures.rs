//! Every fixture mail against the result written beside it.

use std::path::{Path, PathBuf};

use lefi_intake::analyse::analyse;
use lefi_intake::cli::extract::report::Report;
use serde_json::Value;

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn all_fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "eml") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&fixture_dir(), &mut out);
    out.sort();
    out
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<String> = items.iter().map(|i| i.to_string()).collect();
            items.sort();
            Value::Array(items.into_iter().map(|s| serde_json::from_str(&s).expect("json")).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn every_fixture_gives_its_expected_result() {
    let own = vec![lefi_intake::MAILBOX_ADDRESS.to_string()];
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 80, "only {} fixtures", fixtures.len());
    let mut mismatches = Vec::new();
    for eml in &fixtures {
        let name = eml.strip_prefix(fixture_dir()).expect("inside").display().to_string();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(eml.with_extension("json"))
                .unwrap_or_else(|e| panic!("{name}: expected json: {e}")),
        )
        .expect("valid expected json");
        let raw = std::fs::read(eml).expect("read fixture");
        let report = Report::from_analysis(&name, &analyse(&raw, None, &own));
        let actual = serde_json::to_value(&report).expect("report json");
        for key in ["verdict", "org_number", "org_name", "effective_date", "missing", "reasons"] {
            let (want, got) = (sorted(&expected[key]), sorted(&actual[key]));
            if want != got {
                mismatches.push(format!("{name}: {key}: expected {want}, got {got}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn every_reason_code_is_shown_by_some_fixture() {
    let mut seen = std::collections::BTreeSet::new();
    for eml in all_fixtures() {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(eml.with_extension("json")).expect("json")).expect("json");
        for r in expected["reasons"].as_array().expect("reasons array") {
            seen.insert(r.as_str().expect("string").to_string());
        }
    }
    // Reasons that only the pipeline (with its database, the sender's
    // authentication, the registry, the mode) or the IMAP source can give;
    // `trust.rs` shows each trust reason on the real pipeline.
    let needs_context = [
        "too_large",
        "text_truncated",
        "conflicts_with_record",
        "already_registered",
        "own_mail",
        "auto_reply",
        "bounce",
        "bulk_mail",
        "sender_not_authenticated",
        "sender_forged",
        "unknown_subscriber",
        "sender_domain_mismatch",
        "name_mismatch",
        "proposed",
    ];
    use lefi_intake::domain::Code;
    use strum::VariantArray;
    let missing: Vec<&str> = lefi_intake::domain::Reason::VARIANTS
        .iter()
        .map(|r| r.as_str())
        .filter(|r| !seen.contains(*r) && !needs_context.contains(r))
        .collect();
    assert!(missing.is_empty(), "reason codes without a fixture: {missing:?}");
}

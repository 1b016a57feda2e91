//! Officers' decisions become the intake's regression tests: the real
//! pipeline quarantines mails, officers decide them through the pages and the
//! command line (with corrections), `corpus export` writes them redacted, and
//! the export carries exactly the officers' outcomes, scores with `corpus
//! check`, and holds no personal data.

use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use lefi_intake::store::QuarantineStatus;
use regex::Regex;
use serde_json::Value;

use crate::fixtures::{all_fixtures, fixture_dir};
use crate::support::db::TestDb;
use crate::support::intake::TestIntake;
use crate::support::mails::Mail;
use crate::web::{PASSWORD, Review};

fn lefi(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lefi-intake")).args(args).env("LEFI_INTAKE__DATABASE__URL", url).output().unwrap()
}

/// A mail an officer must read, full of a person's data.
fn personal_mail() -> Vec<u8> {
    let body = format!(
        "Hej,\n\nÄrendet gäller uppsägning av LEFI Prenumeration.\n\nOrganisationsnummer: {}\n\
         Organisationsnamn: Testby77 kommun\nUppsägningen gäller från: 2027-01-01\n\n\
         Socialförvaltningen ska däremot ha kvar sin prenumeration för klienten 19121212-1212.\n\n\
         Kontaktperson: Karin Öberg, tfn 070-123 45 67, karin.oberg@kommun77.se\n\n\
         Med vänlig hälsning\n\nKarin Öberg\nRegistrator\nTestby77 kommun\n",
        crate::support::mails::org_number(77)
    );
    Mail {
        from: "=?utf-8?q?Karin_=C3=96berg?= <karin.oberg@kommun77.se>",
        subject: "Uppsägning av LEFI Prenumeration",
        body: &body,
        message_id: "personal@kommun77.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    }
    .raw()
}

#[tokio::test]
async fn officers_decisions_export_as_a_redacted_corpus_that_scores_as_they_decided() {
    let db = TestDb::sqlite().await;
    let url = db.url.clone();
    let mut intake = TestIntake::on(db).await;
    for eml in all_fixtures().iter().filter(|p| p.starts_with(fixture_dir().join("quarantine"))) {
        intake.deliver(&std::fs::read(eml).unwrap(), "2026-11-16");
    }
    intake.deliver(&personal_mail(), "2026-11-16");
    intake.run_once().await;
    let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
    intake.db.store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
    let r = Review::over(intake);
    let store = r.intake.db.store.clone();
    let open = store.queue(QuarantineStatus::Open).await.unwrap();
    assert!(open.len() >= 10, "{} items", open.len());
    let personal = open.iter().find(|(_, m)| m.message_id.as_deref() == Some("personal@kommun77.se")).unwrap().0.id;

    // Through the pages: the personal mail approved with a corrected date.
    let (cookie, csrf) = r.sign_in("anna").await;
    let number = crate::support::mails::org_number(77);
    let form = [
        ("csrf", csrf.as_str()),
        ("org_number", number.as_str()),
        ("org_name", "Testby77 kommun"),
        ("effective_date", "2027-02-01"),
    ];
    let (status, _, _) = r.post(&format!("/items/{personal}/approve"), Some(&cookie), &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // From the command line: two approved with the facts given, three rejected.
    let others: Vec<i64> = open.iter().map(|(i, _)| i.id).filter(|id| *id != personal).collect();
    for (n, id) in others.iter().take(2).enumerate() {
        let org = crate::support::mails::org_number(900 + n as u32);
        let out = lefi(
            &url,
            &[
                "quarantine",
                "approve",
                &id.to_string(),
                "--org-number",
                &org,
                "--org-name",
                &format!("Testby{n} kommun"),
                "--effective-date",
                "2027-03-01",
                "--as",
                "anna",
            ],
        );
        assert!(out.status.success(), "approve {id}: {}", String::from_utf8_lossy(&out.stderr));
    }
    for id in others.iter().skip(2).take(3) {
        let out =
            lefi(&url, &["quarantine", "reject", &id.to_string(), "--reason", "Ingen uppsägning", "--as", "anna"]);
        assert!(out.status.success(), "reject {id}: {}", String::from_utf8_lossy(&out.stderr));
    }

    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let out = lefi(&url, &["corpus", "export", export.to_str().unwrap(), "--all-decided"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("exported 6 decided mails"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Exactly the officers' outcomes.
    let decided: Vec<_> =
        [QuarantineStatus::Approved, QuarantineStatus::Rejected].into_iter().map(|s| store.quarantine(s)).collect();
    let mut items = Vec::new();
    for d in decided {
        items.extend(d.await.unwrap());
    }
    assert_eq!(items.len(), 6);
    for item in &items {
        let approved = item.status == QuarantineStatus::Approved;
        let folder = if approved { "accept" } else { "quarantine" };
        let path = export.join(folder).join(format!("item-{:06}.json", item.id));
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if approved {
            let t = store.termination_from(item.message_id).await.unwrap().unwrap();
            assert_eq!(json["verdict"], "accept");
            assert_eq!(json["org_number"], t.org_number.to_string());
            assert_eq!(json["org_name"], t.org_name);
            assert_eq!(json["effective_date"], t.effective_date.to_string());
        } else {
            assert_eq!(json["verdict"], "quarantine");
            assert_eq!(json["officer"]["outcome"], "rejected");
        }
    }
    let corrected: Value = serde_json::from_str(
        &std::fs::read_to_string(export.join("accept").join(format!("item-{personal:06}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(corrected["effective_date"], "2027-02-01", "the officer's date, not the intake's");
    assert_eq!(corrected["officer"]["corrected_fields"], serde_json::json!(["effective_date"]));

    // It scores: no wrong termination (the intake held every one of these
    // back), every rejection read as the officers decided.
    let check = lefi(&url, &["corpus", "check", export.to_str().unwrap(), "--json"]);
    let score: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    assert_eq!(score["wrong_terminations"].as_array().unwrap().len(), 0);
    assert_eq!(score["mails"], 6);
    assert_eq!(score["ordinary"], 3);

    // No personal data: the privacy module's detector, and independent ones.
    let personnummer =
        Regex::new(r"\b(?:19|20)?[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[-+]?[0-9]{4}\b").unwrap();
    let address = Regex::new(r"(?i)[\p{L}\p{N}._%+\-]+@[a-z0-9.\-]+").unwrap();
    for eml in eml_files(&export) {
        let raw = std::fs::read(&eml).unwrap();
        let mail = lefi_intake::mail::parse(&raw).expect("the exported mail parses");
        let head = String::from_utf8_lossy(&raw).split("\r\n\r\n").next().unwrap_or("").to_string();
        let from = mail.from.as_ref().map(|f| format!("{} {}", f.name.clone().unwrap_or_default(), f.address));
        let shown = format!("{head}\n{}\n{}\n{}", from.unwrap_or_default(), mail.subject, mail.full_text());
        let name = eml.display();
        assert_eq!(lefi_intake::privacy::mask_personal_numbers(shown.clone()), shown, "{name}");
        assert!(!personnummer.is_match(&shown), "{name}: {shown}");
        for a in address.find_iter(&shown) {
            let a = a.as_str().to_lowercase();
            assert!(a.starts_with("adress-") || a == "registeruttag@forsakringskassan.se", "{name}: {a}");
        }
        for personal in ["Karin", "Öberg", "070-123 45 67", "karin.oberg"] {
            assert!(!shown.contains(personal), "{name}: {personal} survived");
        }
    }
    let personal_eml = std::fs::read(export.join("accept").join(format!("item-{personal:06}.eml"))).unwrap();
    let text = lefi_intake::mail::parse(&personal_eml).unwrap().full_text();
    assert!(text.contains(&number) && text.contains("Testby77 kommun"), "public facts stay: {text}");
}

fn eml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(eml_files(&path));
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
    out
}

#[test]
fn corpus_check_fails_on_a_wrong_termination_and_shows_how_the_mail_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let source = fixture_dir().join("accept").join("english_termination");
    std::fs::create_dir_all(dir.path().join("quarantine")).unwrap();
    std::fs::copy(source.with_extension("eml"), dir.path().join("quarantine/judged_otherwise.eml")).unwrap();
    // An officer held this one back: for the intake to accept it is a wrong termination.
    std::fs::write(
        dir.path().join("quarantine/judged_otherwise.json"),
        r#"{"verdict": "quarantine", "org_number": "202100-2114", "org_name": "Arbetsförmedlingen",
            "effective_date": "2027-03-01", "missing": [], "reasons": ["unexplained_text"]}"#,
    )
    .unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_lefi-intake")).args(["corpus", "check"]).arg(dir.path()).output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("wrong automatic terminations: 1"), "{shown}");
    assert!(shown.contains("WRONG TERMINATION quarantine/judged_otherwise.eml"), "{shown}");
    assert!(shown.contains("decision: accept; allowed by"), "how the mail was read: {shown}");
    // The fixtures themselves: every verdict right, no wrong termination.
    let fixtures = Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["corpus", "check", "--min-verdicts", "100"])
        .arg(fixture_dir())
        .output()
        .unwrap();
    assert!(fixtures.status.success(), "{}", String::from_utf8_lossy(&fixtures.stdout));
}

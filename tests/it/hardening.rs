//! What probing as an attacker found, each as a test that failed before its
//! fix: sign-in that cannot exhaust memory or be guessed, officer decisions
//! as strict as the intake, answers within the mail standards, truncated text
//! never answered automatically, bounded input, a demo that deletes only its
//! own directory.

use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use lefi_intake::store::QuarantineStatus;

use crate::served::{Served, login_post};
use crate::support::db::TestDb;
use crate::support::http::request as http;
use crate::support::intake::TestIntake;
use crate::support::mails::{Mail, org_number, termination};
use crate::web::{PASSWORD, Review, csrf_of, item_of, set_cookie, url_encode};

// ---------------------------------------------------------------- sign-in

/// Held by the test that keeps every core busy with password checks, and by
/// the tests that time a request, so that they do not run at once.
pub static SATURATES_THE_MACHINE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[test]
fn three_hundred_parallel_failed_sign_ins_keep_memory_flat_and_the_intake_recording() {
    let _alone = SATURATES_THE_MACHINE.blocking_lock();
    // No waits: every one of the guesses reaches the password check.
    let served = Served::start(
        &[("LEFI_INTAKE__WEB__SIGNIN_DELAY_SECS", "0"), ("LEFI_INTAKE__WEB__SIGNIN_LOCK_AFTER", "100000")],
        &["anna"],
        PASSWORD,
        false,
    );
    let port = served.port;
    let (cookie, csrf) = served.sign_in_form();
    let (before, _) = served.memory_kib();

    let started = Instant::now();
    let guesses: Vec<_> = (0..300)
        .map(|i| {
            let request = login_post(port, &cookie, &csrf, if i % 2 == 0 { "anna" } else { "nobody" }, "wrong guess");
            std::thread::spawn(move || http(port, &request).0)
        })
        .collect();
    // Mail keeps coming in meanwhile.
    for n in 1..=5 {
        let raw = termination(n, "2027-01-01", &format!("during-{n}@kommun{n}.se"));
        lefi_intake::source::maildir::Maildir::deliver(
            &served.maildir,
            &format!("{}.M{n}P1.x", 1_795_000_000 + n),
            &raw,
        )
        .unwrap();
    }
    let statuses: Vec<u16> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
    let elapsed = started.elapsed();
    let (peak, now) = served.memory_kib();
    let (before, peak, now) = (before / 1024, peak / 1024, now / 1024);

    let recorded = || {
        let out = served.command().args(["terminations", "list", "--format", "json"]).output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).map(|v| v.as_array().map_or(0, Vec::len)).unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while recorded() < 5 {
        assert!(Instant::now() < deadline, "the intake stopped recording during the sign-in flood");
        std::thread::sleep(Duration::from_millis(200));
    }

    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    eprintln!(
        "300 parallel failed sign-ins in {elapsed:?}: {} refused as wrong, {} as busy (503), other {:?}; \
         resident memory {before} MiB before, peak {peak} MiB, {now} MiB after",
        count(401),
        count(503),
        statuses.iter().filter(|s| !matches!(s, 401 | 503)).collect::<Vec<_>>()
    );
    assert!(statuses.iter().all(|s| matches!(s, 401 | 503)), "only wrong or busy: {statuses:?}");
    assert!(count(401) > 0, "some guesses were checked");
    assert!(peak < 300, "peak resident memory {peak} MiB under 300 parallel failed sign-ins");
}

#[tokio::test]
async fn guessing_waits_longer_after_each_failure_then_locks_the_account_until_unlocked() {
    // It times a refused guess: not while every core checks passwords.
    let _alone = SATURATES_THE_MACHINE.lock().await;
    let r = Review::new(TestDb::sqlite().await, "").await.with_settings(|s| {
        s.web.signin_delay_secs = 1;
        s.web.signin_lock_after = 3;
    });
    let login = |name: &'static str, password: &'static str| {
        let r = &r;
        async move {
            let (_, headers, page) = r.get("/login", None).await;
            let cookie = format!("lefi_login={}", set_cookie(&headers, "lefi_login").unwrap());
            let csrf = csrf_of(&page);
            let started = Instant::now();
            let (status, _, page) =
                r.post("/login", Some(&cookie), &[("name", name), ("password", password), ("csrf", &csrf)]).await;
            (status, page, started.elapsed())
        }
    };
    for name in ["anna", "nobody"] {
        // The same answers for a name that exists and one that does not.
        assert_eq!(login(name, "fel lösenord 1").await.0, StatusCode::UNAUTHORIZED, "{name}");
        let (status, page, took) = login(name, "fel lösenord 2").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{name}: the next guess must wait");
        assert!(page.contains("Vänta"), "{page}");
        assert!(took < Duration::from_millis(300), "{name}: a refused guess costs no password check ({took:?})");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(login(name, "fel lösenord 3").await.0, StatusCode::UNAUTHORIZED, "{name}");
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (status, page, _) = login(name, "fel lösenord 4").await;
        assert_eq!(status, StatusCode::LOCKED, "{name}: the third failure locks");
        assert!(page.contains("Kontot är låst"), "{page}");
    }
    // Locked: the right password does not open it.
    let (status, page, _) = login("anna", PASSWORD).await;
    assert_eq!(status, StatusCode::LOCKED, "{page}");
    let store = &r.intake.db.store;
    let audit = store.audit_log(100).await.unwrap();
    let actions: Vec<&str> = audit.iter().filter(|e| e.actor == "anna").map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "signin_failed").count(), 3, "{actions:?}");
    assert!(actions.contains(&"signin_locked"), "{actions:?}");

    // Another officer unlocks it on the officers' page.
    let (cookie, csrf) = r.sign_in("bo").await;
    let (_, _, officers) = r.get("/officers", Some(&cookie)).await;
    assert!(officers.contains("låst till"), "{officers}");
    let (status, _, _) = r.post("/officers/anna/unlock", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(login("anna", PASSWORD).await.0, StatusCode::SEE_OTHER, "unlocked, the right password works");
    assert!(store.audit_log(100).await.unwrap().iter().any(|e| e.action == "officer_unlocked" && e.actor == "bo"));
}

#[tokio::test]
async fn the_command_line_unlocks_an_account() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let store = &r.intake.db.store;
    let anna = store.officer("anna").await.unwrap().unwrap();
    let until = chrono::Utc::now() + chrono::Duration::minutes(15);
    store.record_failed_signin(&anna, 1, 1, until, chrono::Utc::now()).await.unwrap();
    assert!(store.officer("anna").await.unwrap().unwrap().locked_at(chrono::Utc::now()));
    let list = Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["officer", "list"])
        .env("LEFI_INTAKE__DATABASE__URL", &r.intake.db.url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("locked until"));
    let out = Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["officer", "unlock", "anna", "--as", "registrator"])
        .env("LEFI_INTAKE__DATABASE__URL", &r.intake.db.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!store.officer("anna").await.unwrap().unwrap().locked_at(chrono::Utc::now()));
}

#[tokio::test]
async fn a_planted_or_cross_site_sign_in_form_is_refused() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    // A cookie and field someone else chose: equal, but not signed by us.
    let (status, _, _) = r
        .post(
            "/login",
            Some("lefi_login=planted-token"),
            &[("name", "anna"), ("password", PASSWORD), ("csrf", "planted-token")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Our token, posted from another site.
    let (_, headers, page) = r.get("/login", None).await;
    let cookie = format!("lefi_login={}", set_cookie(&headers, "lefi_login").unwrap());
    let csrf = csrf_of(&page);
    let body = format!("name=anna&password={}&csrf={}", url_encode(PASSWORD), url_encode(&csrf));
    let request = |site: &str| {
        axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .header("sec-fetch-site", site)
            .body(axum::body::Body::from(body.clone()))
            .unwrap()
    };
    assert_eq!(r.send(request("cross-site")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(r.send(request("same-origin")).await.0, StatusCode::SEE_OTHER);
}

// ---------------------------------------------------------------- decisions

async fn approve_with(r: &Review, id: i64, number: &str, name: &str, date: &str) -> (StatusCode, String) {
    let (cookie, csrf) = r.sign_in("anna").await;
    let form = [("csrf", csrf.as_str()), ("org_number", number), ("org_name", name), ("effective_date", date)];
    let (status, _, page) = r.post(&format!("/items/{id}/approve"), Some(&cookie), &form).await;
    (status, page)
}

#[tokio::test]
async fn an_officer_cannot_approve_what_the_intake_would_refuse() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let id = item_of(&r, "two-dates@uppsala.se").await;
    for (number, name, date, expected) in [
        ("212000-3005", "Uppsala kommun", "9999-12-31", "more than 5 years"),
        ("212000-3005", "Uppsala kommun", "2031-11-17", "more than 5 years"),
        ("202100-5521", "Uppsala kommun", "2027-01-01", "Försäkringskassan"),
        ("212000-3005", "", "2027-01-01", "name is required"),
        ("212000-3005", "Uppsala\u{7}kommun", "2027-01-01", "control character"),
        ("", "Uppsala kommun", "2027-01-01", "organisation number is required"),
        ("212000-3005", "Uppsala kommun", "", "effective date is required"),
        ("212000-3005", &"x".repeat(201), "2027-01-01", "longer than 200"),
    ] {
        let (status, page) = approve_with(&r, id, number, name, date).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{number} {name:.20} {date}");
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert!(r.intake.db.store.terminations().await.unwrap().is_empty(), "nothing was recorded");
    let (status, _) = approve_with(&r, id, "212000-3005", "Uppsala kommun", "2031-11-16").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "five years after receipt is the last day allowed");
}

#[tokio::test]
async fn the_approval_form_is_filled_in_only_with_values_that_pass() {
    let mut intake = TestIntake::on(TestDb::sqlite().await).await;
    // Two names (quarantine) and a date before the receipt day.
    let raw = Mail {
        from: "registrator@uppsala.se",
        subject: "Uppsägning LEFI Prenumeration",
        body: "Uppsala kommun säger upp LEFI Prenumeration från och med 2026-01-01.\nOrganisationsnummer: 212000-3005\n\
               Organisationsnamn: Knivsta kommun",
        message_id: "past@uppsala.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    }
    .raw();
    intake.deliver(&raw, "2026-11-16");
    let r = reviewed_by_anna(intake).await;
    let id = item_of(&r, "past@uppsala.se").await;
    let (cookie, _) = r.sign_in("anna").await;
    let (_, _, page) = r.get(&format!("/items/{id}"), Some(&cookie)).await;
    assert!(page.contains(r#"name="org_number" maxlength="20" value="212000-3005""#), "{page}");
    assert!(
        page.contains(r#"name="effective_date" maxlength="10" value="""#),
        "a date before receipt is not offered: {page}"
    );
}

#[tokio::test]
async fn a_reject_reason_and_a_search_have_bounds() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let id = item_of(&r, "two-dates@uppsala.se").await;
    let (cookie, csrf) = r.sign_in("anna").await;
    let long = "a".repeat(2_001);
    let (status, _, page) =
        r.post(&format!("/items/{id}/reject"), Some(&cookie), &[("csrf", &csrf), ("reason", &long)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at most 2000 characters"), "{page}");
    let huge = "a".repeat(2 * 1024 * 1024);
    let (status, _, _) =
        r.post(&format!("/items/{id}/reject"), Some(&cookie), &[("csrf", &csrf), ("reason", &huge)]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "a 2 MB form is refused before it is read");
    let store = &r.intake.db.store;
    assert_eq!(store.quarantine_item(id).await.unwrap().unwrap().status, QuarantineStatus::Open);
    assert!(store.audit_log(500).await.unwrap().iter().all(|e| e.details.as_deref().unwrap_or("").len() < 10_000));
    let (_, _, page) = r.get(&format!("/terminations?q={}", "u".repeat(300)), Some(&cookie)).await;
    assert!(page.contains("högst 200 tecken"), "{page}");
    let (status, _, page) = r.get("/items/abc", Some(&cookie)).await;
    assert_eq!((status, page.as_str()), (StatusCode::NOT_FOUND, "Sidan finns inte."));
}

// ---------------------------------------------------------------- answers

/// Every header line of a written answer, with the answer's name.
fn header_lines(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let raw = std::fs::read(e.path()).unwrap();
        let text = String::from_utf8_lossy(&raw);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        out.extend(head.split("\r\n").map(|l| (e.file_name().to_string_lossy().into_owned(), l.to_string())));
    }
    out
}

#[tokio::test]
async fn every_answer_fits_the_line_limit_and_says_it_is_mime() {
    let mut t = TestIntake::on(TestDb::sqlite().await).await;
    for (i, eml) in crate::fixtures::all_fixtures().iter().enumerate() {
        let raw = std::fs::read(eml).unwrap();
        let day = format!("2026-11-{:02}", 10 + i % 15);
        t.deliver(&raw, &day);
    }
    // Hostile: a 10,000-character Message-ID, 500 references with a huge one among them, a long subject without spaces.
    let huge_id = format!("{}@kommun1.se", "x".repeat(10_000));
    let refs: String =
        (0..500).map(|i| format!("<r{i}@x.se> ")).collect::<String>() + &format!("<{}@x.se>", "y".repeat(5_000));
    let subject = format!("Uppsägning{}", "A".repeat(5_000));
    let hostile = String::from_utf8(termination(1, "2027-01-01", &huge_id)).unwrap().replace(
        "Subject: Uppsägning av LEFI Prenumeration",
        &format!("Subject: {subject}\r\nReferences: {refs}\r\nIn-Reply-To: <{huge_id}>"),
    );
    t.deliver(hostile.as_bytes(), "2026-11-16");
    t.run_once().await;

    let lines = header_lines(&t.outbox_dir());
    assert!(lines.len() > 1_000, "answers were written: {} header lines", lines.len());
    let over: Vec<_> = lines.iter().filter(|(_, l)| l.len() > 998).map(|(f, l)| (f, l.len())).collect();
    assert!(over.is_empty(), "header lines over 998 octets: {over:?}");
    let answers: std::collections::BTreeSet<&String> = lines.iter().map(|(f, _)| f).collect();
    for answer in answers {
        assert!(
            lines.iter().any(|(f, l)| f == answer && l.eq_ignore_ascii_case("MIME-Version: 1.0")),
            "{answer} has no MIME-Version"
        );
    }
    let kinds: std::collections::BTreeSet<String> = t.replies().into_iter().map(|r| r.kind).collect();
    assert!(kinds.len() >= 4, "every kind of answer was checked: {kinds:?}");
    // Its subject is cut at 1,000 characters, so an officer decides: it is
    // answered as received for review, and that answer too keeps the limit.
    let answered = t.replies().into_iter().any(|r| r.to == "registrator@kommun1.se" && r.kind == "manual_review");
    assert!(answered, "the hostile mail was answered");
}

#[tokio::test]
async fn a_mail_cut_at_the_text_limit_goes_to_an_officer_not_to_an_automatic_answer() {
    for db in TestDb::both().await {
        let mut t = TestIntake::on(db).await;
        // The date stands after the cut: read as it is, the mail would look incomplete.
        let filler = "Bakgrund och historik om vårt avtal med Försäkringskassan.\n".repeat(12_000);
        let body = format!(
            "Testby1 kommun säger härmed upp LEFI Prenumeration.\nOrganisationsnummer: {}\n\n{filler}\n\
             Uppsägningen gäller från och med 2027-01-01.",
            org_number(1)
        );
        let raw = Mail {
            from: "registrator@kommun1.se",
            subject: "Uppsägning av LEFI Prenumeration",
            body: &body,
            message_id: "long@kommun1.se",
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "",
        };
        t.deliver(&raw.raw(), "2026-11-16");
        t.run_once().await;
        let m = t.db.store.messages().await.unwrap().remove(0);
        assert_eq!(m.verdict, lefi_intake::domain::Verdict::Quarantine, "{}", t.db.name);
        assert!(m.reasons.contains(&lefi_intake::domain::Reason::TextTruncated), "{}: {:?}", t.db.name, m.reasons);
        let kinds: Vec<String> = t.replies().into_iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["manual_review"], "{}: only the neutral receipt, no list of what is missing", t.db.name);
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn a_mail_over_the_size_limit_lists_no_empty_attachment() {
    let mut t =
        TestIntake::with_env(TestDb::sqlite().await, &[("LEFI_INTAKE__SOURCE__MAX_MESSAGE_BYTES", "4096")]).await;
    let mut raw = b"From: registrator@uppsala.se\r\nSubject: Uppsagning\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\n\
Message-ID: <big@uppsala.se>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n"
        .to_vec();
    raw.extend(std::iter::repeat_n(b'x', 20_000));
    raw.extend_from_slice(b"\r\n--b--\r\n");
    t.deliver(&raw, "2026-11-16");
    let r = reviewed_by_anna(t).await;
    let id = item_of(&r, "big@uppsala.se").await;
    let (cookie, _) = r.sign_in("anna").await;
    let (_, _, page) = r.get(&format!("/items/{id}"), Some(&cookie)).await;
    assert!(page.contains("too_large"), "{page}");
    assert!(!page.contains("Bilagor") && !page.contains("(namnlös)"), "{page}");
}

// ---------------------------------------------------------------- the demo

#[test]
fn the_demo_empties_only_a_directory_it_made() {
    let root = tempfile::tempdir().unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let run = |dir: &str| {
        Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
            .args(["demo", "--dir", dir, "--fixtures"])
            .arg(crate::fixtures::fixture_dir().join("accept"))
            .arg("--registry")
            .arg(demo.join("registry.csv"))
            .arg("--forged")
            .arg(demo.join("forged"))
            .current_dir(root.path())
            .output()
            .unwrap()
    };
    std::fs::create_dir(root.path().join("data")).unwrap();
    std::fs::write(root.path().join("data/lefi-intake.db"), b"production").unwrap();
    let refused = run("data");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to empty it"));
    assert_eq!(std::fs::read(root.path().join("data/lefi-intake.db")).unwrap(), b"production");
    assert!(run("scratch").status.success());
    assert!(run("scratch").status.success(), "its own directory is emptied and used again");
}

/// The pages over what the intake records in one run, with the officer anna.
async fn reviewed_by_anna(intake: TestIntake) -> Review {
    intake.run_once().await;
    let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
    intake.db.store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
    Review::over(intake)
}

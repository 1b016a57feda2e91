//! The review pages at the HTTP level (the real router, requests sent to it
//! in-process), and the quarantine commands.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use lefi_intake::app::App;
use lefi_intake::reply::ReplyKind;
use lefi_intake::store::OutboxStatus;
use lefi_intake::store::QuarantineStatus;
use lefi_intake::web::router;
use tower::ServiceExt;

use crate::support::db::TestDb;
use crate::support::intake::TestIntake;
use crate::support::mails::Mail;

pub const PASSWORD: &str = "ett långt lösenord";

/// An intake that has put three mails in quarantine, and two officers.
pub struct Review {
    pub intake: TestIntake,
    pub app: Router,
}

/// Uppsala's termination naming two dates: quarantined for an officer to pick one.
pub fn two_dates_mail() -> Vec<u8> {
    Mail {
        from: "registrator@uppsala.se",
        subject: "Uppsägning LEFI Prenumeration",
        body: "Uppsala kommun säger upp LEFI Prenumeration från och med 2027-01-01.\n\
               Uppsägningen ska gälla från 2027-02-01 för socialtjänsten.\nOrganisationsnummer: 212000-3005",
        message_id: "two-dates@uppsala.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    }
    .raw()
}

pub fn hostile_mail() -> Vec<u8> {
    Mail {
        from: "lefi@uppsala.se",
        subject: "<script>alert('ämne')</script> Uppsägning",
        body: "Vi återkallar vår uppsägning av LEFI Prenumeration. <img src=x onerror=alert(1)> Uppsala kommun 212000-3005",
        message_id: "xss@uppsala.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    }
    .raw()
}

impl Review {
    pub async fn new(db: TestDb, trusted_header: &str) -> Review {
        let mut intake = TestIntake::on(db).await;
        // 1: a termination whose date is contested (two dates), for approval.
        intake.deliver(&two_dates_mail(), "2026-11-16");
        // 2: hostile markup in subject and body.
        intake.deliver(&hostile_mail(), "2026-11-16");
        // 3: facts only in an attachment.
        let with_attachment = b"From: lefi@malmo.se\r\nSubject: Uppsagning\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\n\
Message-ID: <att@malmo.se>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nSe bifogad fil.\r\n--b\r\nContent-Type: application/pdf; name=\"brev.pdf\"\r\n\
Content-Disposition: attachment; filename=\"brev.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
        intake.deliver(with_attachment, "2026-11-16");
        intake.run_once().await;
        let store = &intake.db.store;
        for (name, display) in [("anna", "Anna Andersson"), ("bo", "Bo Berg")] {
            let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
            assert!(store.add_officer(name, display, Some(&hash)).await.unwrap());
        }
        let mut settings = intake.settings.clone();
        settings.web.trusted_user_header = trusted_header.into();
        let state = App::with_store(settings, store.clone()).unwrap().web_state();
        Review { app: router(state), intake }
    }

    /// The pages over an intake's store, on its settings.
    pub fn over(intake: TestIntake) -> Review {
        let state = App::with_store(intake.settings.clone(), intake.db.store.clone()).unwrap().web_state();
        Review { app: router(state), intake }
    }

    /// The same review, its pages built on settings changed by `change`.
    pub fn with_settings(mut self, change: impl FnOnce(&mut lefi_intake::config::Settings)) -> Review {
        change(&mut self.intake.settings);
        Review::over(self.intake)
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut r = Request::get(path);
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }

    pub async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let body =
            form.iter().map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v))).collect::<Vec<_>>().join("&");
        let mut r = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::from(body)).unwrap()).await
    }

    /// Signs in; returns the session cookie and the page's CSRF token.
    pub async fn sign_in(&self, name: &str) -> (String, String) {
        let (_, headers, page) = self.get("/login", None).await;
        let login_cookie = set_cookie(&headers, "lefi_login").expect("login cookie");
        let csrf = csrf_of(&page);
        let (status, headers, _) = self
            .post(
                "/login",
                Some(&format!("lefi_login={login_cookie}")),
                &[("name", name), ("password", PASSWORD), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let session = format!("lefi_session={}", set_cookie(&headers, "lefi_session").expect("session cookie"));
        let (_, _, queue) = self.get("/queue", Some(&session)).await;
        (session, csrf_of(&queue))
    }
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn set_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
        .filter(|v| !v.is_empty())
}

pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

pub async fn item_of(review: &Review, message_id: &str) -> i64 {
    let store = &review.intake.db.store;
    let messages = store.messages().await.unwrap();
    let m = messages.iter().find(|m| m.message_id.as_deref() == Some(message_id)).expect("mail");
    store
        .quarantine(QuarantineStatus::Open)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.message_id == m.id)
        .expect("quarantined")
        .id
}

#[tokio::test]
async fn every_page_but_sign_in_refuses_without_a_session() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    for path in
        ["/", "/queue", "/items/1", "/items/1/attachments/0", "/terminations", "/terminations.csv", "/outbox", "/audit"]
    {
        let (status, headers, body) = r.get(path, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        let to = headers.get(header::LOCATION).unwrap().to_str().unwrap();
        assert_eq!(to, "/login", "{path}");
        assert!(body.is_empty(), "{path} leaked content");
    }
    for path in
        ["/items/1/approve", "/items/1/reject", "/items/1/reopen", "/items/1/keep", "/terminations/1/revoke", "/logout"]
    {
        let (status, headers, _) = r.post(path, None, &[("csrf", "x")]).await;
        assert_eq!(
            (status, headers.get(header::LOCATION).unwrap().to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/login"),
            "{path}"
        );
    }
    // A forged cookie is no session either.
    let (status, _, _) = r.get("/queue", Some("lefi_session=forged")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(r.get("/login", None).await.0, StatusCode::OK);
    assert_eq!(r.get("/static/style.css", None).await.0, StatusCode::OK);
    let (_, headers, _) = r.get("/login", None).await;
    let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn sign_in_needs_the_right_password_an_active_account_and_the_form_token() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let (_, headers, page) = r.get("/login", None).await;
    let cookie = format!("lefi_login={}", set_cookie(&headers, "lefi_login").unwrap());
    let csrf = csrf_of(&page);
    let (status, _, body) =
        r.post("/login", Some(&cookie), &[("name", "anna"), ("password", "fel lösenord!"), ("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Fel användarnamn eller lösenord"));
    let (status, _, _) =
        r.post("/login", Some(&cookie), &[("name", "anna"), ("password", PASSWORD), ("csrf", "other")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a sign-in without its form token");
    let (session, _) = r.sign_in("anna").await;
    assert_eq!(r.get("/queue", Some(&session)).await.0, StatusCode::OK);
    // Disabling an officer ends their sessions and their sign-in.
    assert!(r.intake.db.store.disable_officer("anna").await.unwrap());
    assert_eq!(r.get("/queue", Some(&session)).await.0, StatusCode::SEE_OTHER);
    let (status, _, _) =
        r.post("/login", Some(&cookie), &[("name", "anna"), ("password", PASSWORD), ("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let (session, _) = r.sign_in("anna").await;
    let id = item_of(&r, "two-dates@uppsala.se").await;
    let path = format!("/items/{id}/approve");
    let (status, _, _) = r.post(&path, Some(&session), &[("effective_date", "2027-01-01")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = r.post(&path, Some(&session), &[("csrf", "guessed"), ("effective_date", "2027-01-01")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(r.intake.db.store.quarantine_item(id).await.unwrap().unwrap().status, QuarantineStatus::Open);
    assert!(r.intake.db.store.terminations().await.unwrap().is_empty());
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn mail_content_is_shown_as_text_never_as_markup() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let (session, _) = r.sign_in("anna").await;
    let id = item_of(&r, "xss@uppsala.se").await;
    for page in [r.get(&format!("/items/{id}"), Some(&session)).await.2, r.get("/queue", Some(&session)).await.2] {
        assert!(!page.contains("<script>alert"), "a script tag from the mail reached the page");
        assert!(!page.contains("<img src=x"), "an img tag from the mail reached the page");
        assert!(page.contains("&lt;script&gt;alert"));
    }
    let item = r.get(&format!("/items/{id}"), Some(&session)).await.2;
    assert!(item.contains("&lt;img src=x onerror=alert(1)&gt;"));
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn approving_with_a_correction_records_the_termination_queues_the_confirmation_and_is_audited() {
    for db in TestDb::both().await {
        let r = Review::new(db, "").await;
        let (session, csrf) = r.sign_in("anna").await;
        let id = item_of(&r, "two-dates@uppsala.se").await;
        let page = r.get(&format!("/items/{id}"), Some(&session)).await.2;
        assert!(page.contains("Flera olika datum"), "why it is there");
        assert!(page.contains("<mark>212000-3005</mark>"), "the number highlighted in its evidence");

        // A date before receipt is refused as strictly as extraction would.
        let form = [
            ("csrf", csrf.as_str()),
            ("org_number", "212000-3005"),
            ("org_name", "Uppsala kommun"),
            ("effective_date", "2026-10-01"),
        ];
        let (status, _, body) = r.post(&format!("/items/{id}/approve"), Some(&session), &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("before the mail was received"), "{body}");
        let form = [
            ("csrf", csrf.as_str()),
            ("org_number", "212000-3006"),
            ("org_name", "Uppsala kommun"),
            ("effective_date", "2027-02-01"),
        ];
        let (status, _, _) = r.post(&format!("/items/{id}/approve"), Some(&session), &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a bad check digit");

        let form = [
            ("csrf", csrf.as_str()),
            ("org_number", "212000-3005"),
            ("org_name", "Uppsala kommun"),
            ("effective_date", "2027-02-01"),
        ];
        let (status, headers, _) = r.post(&format!("/items/{id}/approve"), Some(&session), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", r.intake.db.name);
        assert!(headers.get(header::LOCATION).unwrap().to_str().unwrap().contains("klart=godkant"));
        let store = &r.intake.db.store;
        let on_file = store.terminations().await.unwrap();
        assert_eq!(on_file.len(), 1);
        assert_eq!(
            (on_file[0].effective_date.to_string(), on_file[0].recorded_by.as_str()),
            ("2027-02-01".into(), "anna")
        );
        let confirmation = store
            .outbox(Some(OutboxStatus::Pending))
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.kind == ReplyKind::Confirmation);
        let confirmation = confirmation.expect("a confirmation is queued");
        assert!(confirmation.body.contains("2027-02-01"));
        let audit = store.audit_log(50).await.unwrap();
        assert!(audit.iter().any(|a| a.actor == "anna" && a.action == "approved" && a.object_id == Some(id)));

        // Bo acts on the same item a moment later: told plainly, nothing changes.
        let (bo, bo_csrf) = r.sign_in("bo").await;
        let form = [
            ("csrf", bo_csrf.as_str()),
            ("org_number", "212000-3005"),
            ("org_name", "Uppsala kommun"),
            ("effective_date", "2027-01-01"),
        ];
        let (status, _, body) = r.post(&format!("/items/{id}/approve"), Some(&bo), &form).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body.contains("redan beslutats") && body.contains("anna"), "{body}");
        let (status, _, _) =
            r.post(&format!("/items/{id}/reject"), Some(&bo), &[("csrf", &bo_csrf), ("reason", "fel")]).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(store.terminations().await.unwrap()[0].effective_date.to_string(), "2027-02-01");

        // The termination is found by search and in the CSV export.
        let list = r.get("/terminations?q=uppsala", Some(&session)).await.2;
        assert!(list.contains("212000-3005"));
        let (_, headers, csv) = r.get("/terminations.csv?q=2120003005", Some(&session)).await;
        assert!(headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().starts_with("attachment"));
        assert!(csv.contains("212000-3005,Uppsala kommun,2027-02-01"));
        r.intake.db.drop_schema().await;
    }
}

#[tokio::test]
async fn rejecting_with_an_answer_reopening_and_the_audit_page() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let (session, csrf) = r.sign_in("bo").await;
    let id = item_of(&r, "xss@uppsala.se").await;
    let (status, _, _) = r
        .post(
            &format!("/items/{id}/reject"),
            Some(&session),
            &[("csrf", &csrf), ("reason", "Skriv till oss med uppgifterna."), ("answer", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let store = &r.intake.db.store;
    let rejected =
        store.outbox(None).await.unwrap().into_iter().find(|o| o.kind == ReplyKind::Rejected).expect("answer queued");
    assert!(rejected.body.contains("Skriv till oss med uppgifterna."));
    assert_eq!(store.quarantine_item(id).await.unwrap().unwrap().decided_by.as_deref(), Some("bo"));
    let (status, _, _) = r.post(&format!("/items/{id}/reopen"), Some(&session), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(store.quarantine_item(id).await.unwrap().unwrap().status, QuarantineStatus::Open);
    let audit = r.get("/audit", Some(&session)).await.2;
    assert!(audit.contains("rejected") && audit.contains("reopened") && audit.contains("bo"));
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn attachments_download_as_files_and_sso_signs_in_by_header() {
    let r = Review::new(TestDb::sqlite().await, "X-Remote-User").await;
    // No header, no cookie: refused. With the header: the named officer.
    assert_eq!(r.get("/queue", None).await.0, StatusCode::SEE_OTHER);
    let request = Request::get("/queue").header("X-Remote-User", "bo").body(Body::empty()).unwrap();
    let (status, headers, page) = r.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Bo Berg"));
    assert!(set_cookie(&headers, "lefi_session").is_some());
    let request = Request::get("/queue").header("X-Remote-User", "nobody").body(Body::empty()).unwrap();
    assert_eq!(r.send(request).await.0, StatusCode::FORBIDDEN);

    let id = item_of(&r, "att@malmo.se").await;
    let request =
        Request::get(format!("/items/{id}/attachments/0")).header("X-Remote-User", "bo").body(Body::empty()).unwrap();
    let (status, headers, body) = r.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), "application/octet-stream");
    assert_eq!(headers.get(header::CONTENT_DISPOSITION).unwrap(), "attachment; filename=\"brev.pdf\"");
    assert!(body.starts_with("%PDF"));
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn the_quarantine_commands_act_as_a_named_officer() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let id = item_of(&r, "two-dates@uppsala.se").await;
    let dir = tempfile::tempdir().unwrap();
    let lefi = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
            .args(args)
            .current_dir(dir.path())
            .env("LEFI_INTAKE__DATABASE__URL", &r.intake.db.url)
            .output()
            .unwrap()
    };
    let list = lefi(&["quarantine", "list", "--format", "json"]);
    let items: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 3);
    let show = String::from_utf8(lefi(&["quarantine", "show", &id.to_string()]).stdout).unwrap();
    assert!(show.contains("ambiguous_effective_date") && show.contains("212000-3005"));

    let nobody = lefi(&["quarantine", "approve", &id.to_string(), "--effective-date", "2027-01-01", "--as", "cecilia"]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no officer named cecilia"));

    let ok = lefi(&["quarantine", "approve", &id.to_string(), "--effective-date", "2027-01-01", "--as", "anna"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let again = lefi(&["quarantine", "reject", &id.to_string(), "--reason", "dubbel", "--as", "bo"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already approved by anna"));
    let audit = r.intake.db.store.audit_log(20).await.unwrap();
    assert!(audit.iter().any(|a| a.actor == "anna" && a.action == "approved"));
    assert_eq!(r.intake.db.store.terminations().await.unwrap()[0].recorded_by, "anna");
    r.intake.db.drop_schema().await;
}

#[tokio::test]
async fn the_overview_counts_what_came_in_and_what_waits() {
    use crate::support::mails::drill_mail;
    use lefi_intake::domain::Code;
    let mut intake = TestIntake::on(TestDb::sqlite().await).await;
    let today = chrono::Utc::now().date_naive();
    let days_ago = |n: i64| (today - chrono::Duration::days(n)).to_string();
    // Today: mails 0..10 (accepts, an incomplete, an auto-reply, a question);
    // three days ago two more accepts; a month ago one, in neither column.
    for i in 0..10 {
        intake.deliver(&drill_mail(i), &today.to_string());
    }
    intake.deliver(&drill_mail(10), &days_ago(3));
    intake.deliver(&drill_mail(11), &days_ago(3));
    intake.deliver(&drill_mail(12), &days_ago(30));
    intake.run_once().await;
    let store = intake.db.store.clone();
    let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
    assert!(store.add_officer("anna", "Anna Andersson", Some(&hash)).await.unwrap());
    let review = Review::over(intake);
    let (session, _) = review.sign_in("anna").await;
    let (status, _, page) = review.get("/", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    let messages = store.messages().await.unwrap();
    let since = |days: i64| chrono::Utc::now() - chrono::Duration::days(days);
    for (verdict, label) in [("accept", "Registrerade automatiskt"), ("quarantine", "Till handläggare")] {
        let count =
            |days| messages.iter().filter(|m| m.verdict.as_str() == verdict && m.received_at >= since(days)).count();
        let row = format!("<tr><td>{label}</td><td>{}</td><td>{}</td></tr>", count(1), count(7));
        assert!(page.contains(&row), "{row} in {page}");
    }
    let accepted_this_week =
        messages.iter().filter(|m| m.verdict.as_str() == "accept" && m.received_at >= since(7)).count();
    assert!(accepted_this_week >= 9, "the week column holds today's and three days ago: {accepted_this_week}");
    let open = store.quarantine(QuarantineStatus::Open).await.unwrap().len();
    assert!(page.contains(&format!("{open} ärenden</a> väntar på beslut")), "{page}");
    // The whole job: the run emptied the inbox and sent every answer.
    assert!(page.contains("0 mejl väntar i brevlådan på att läsas"), "{page}");
    let sent = store.outbox(Some(lefi_intake::store::OutboxStatus::Sent)).await.unwrap().len();
    assert!(sent > 0);
    assert!(
        page.contains(&format!("0 svar väntar på att skickas. {sent} svar skickades de senaste 10 minuterna.")),
        "{page}"
    );
    // A backlog as the reader last saw it, and answers still queued.
    store.note_mailbox_waiting(4_321, chrono::Utc::now() - chrono::Duration::seconds(150)).await.unwrap();
    let (_, _, page) = review.get("/", Some(&session)).await;
    assert!(page.contains("4321 mejl väntar i brevlådan på att läsas (sett för 2 minuter sedan)."), "{page}");
    // One bar per month of the active terminations' dates.
    let months: std::collections::BTreeSet<String> =
        store.terminations().await.unwrap().iter().map(|t| t.effective_date.format("%Y-%m").to_string()).collect();
    assert_eq!(page.matches("<rect class=\"bar\"").count(), months.len(), "{page}");
    review.intake.db.drop_schema().await;
}

#[tokio::test]
async fn the_item_page_shows_the_sentences_that_could_change_the_meaning() {
    let mut intake = TestIntake::on(TestDb::sqlite().await).await;
    let body = format!(
        "Hej,\n\nÄrendet gäller uppsägning av LEFI Prenumeration.\n\nOrganisationsnummer: {}\n\
         Organisationsnamn: Testby5 kommun\nUppsägningen gäller från: 2027-01-01\n\n\
         Socialförvaltningen ska däremot ha kvar sin prenumeration.\n\nMed vänlig hälsning\nAnna",
        crate::support::mails::org_number(5)
    );
    let mail = Mail {
        from: "registrator@kommun5.se",
        subject: "Uppsägning av LEFI Prenumeration",
        body: &body,
        message_id: "scope@kommun5.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    };
    intake.deliver(&mail.raw(), "2026-11-16");
    intake.run_once().await;
    let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
    intake.db.store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
    let r = Review::over(intake);
    let (cookie, _) = r.sign_in("anna").await;
    let id = item_of(&r, "scope@kommun5.se").await;
    let (_, _, page) = r.get(&format!("/items/{id}"), Some(&cookie)).await;
    assert!(page.contains("Meningar som kan ändra innebörden"), "{page}");
    assert!(page.contains("<mark>Socialförvaltningen ska däremot ha kvar sin prenumeration.</mark>"), "{page}");
    assert!(page.contains("partial_scope") && page.contains("unexplained_text"), "{page}");
}

//! What a probe of the running service found, each as a test on real
//! sockets and real processes that failed before its fix: a burst of
//! sign-ins, slow and idle clients, a mail that costs quadratic time, terminal
//! escapes, and forged senders.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::served::{Served, login_post};
use crate::support::db::TestDb;
use crate::web::PASSWORD;

// ---------------------------------------------------------------- a burst of sign-ins

/// Sends each request over a connection of its own, all opened first and all
/// written at the same moment; the statuses, in the order of `requests`.
fn burst(port: u16, requests: Vec<String>) -> Vec<u16> {
    let start = Arc::new(Barrier::new(requests.len()));
    let senders: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                stream.write_all(request.as_bytes()).unwrap();
                let mut response = Vec::new();
                let _ = stream.read_to_end(&mut response);
                let text = String::from_utf8_lossy(&response);
                text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
            })
        })
        .collect();
    senders.into_iter().map(|s| s.join().unwrap()).collect()
}

/// The most passwords one name or address could have checked in `elapsed`
/// guessing one after another: the first at once, then after waits of
/// 1, 2, 4 … seconds (`web.signin_delay_secs = 1`), plus one for the edges.
fn one_by_one(elapsed: Duration) -> usize {
    let secs = elapsed.as_secs_f64();
    2 + (secs + 1.0).log2().floor() as usize
}

fn failed_signins(served: &Served) -> Vec<String> {
    let url = served.database_url();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = lefi_intake::store::Store::connect(&url, 1).await.unwrap();
        let audit = store.audit_log(10_000).await.unwrap();
        audit.into_iter().filter(|e| e.action == "signin_failed").map(|e| e.actor).collect()
    })
}

#[test]
fn a_burst_of_sign_ins_checks_no_more_passwords_than_guessing_one_by_one() {
    let _alone = crate::hardening::SATURATES_THE_MACHINE.blocking_lock();
    let settings = [("LEFI_INTAKE__WEB__SIGNIN_DELAY_SECS", "1"), ("LEFI_INTAKE__WEB__SIGNIN_LOCK_AFTER", "10")];
    let served = Served::start(&settings, &["anna", "bo"], PASSWORD, false);
    let port = served.port;
    let (cookie, csrf) = served.sign_in_form();

    // 300 at once for one account, from one address, with one form token:
    // the right password last.
    let requests: Vec<String> = (0..300)
        .map(|i| login_post(port, &cookie, &csrf, "anna", if i == 299 { PASSWORD } else { "fel gissning" }))
        .collect();
    let started = Instant::now();
    let statuses = burst(port, requests);
    let elapsed = started.elapsed();
    let checked = failed_signins(&served).iter().filter(|a| *a == "anna").count()
        + statuses.iter().filter(|s| **s == 303).count();
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    eprintln!(
        "300 sign-ins at once for one name in {elapsed:?}: {checked} passwords checked; \
         401 {}, 429 {}, 423 {}, 303 {}, 503 {}",
        count(401),
        count(429),
        count(423),
        count(303),
        count(503)
    );
    assert!(checked >= 1, "the first try is checked");
    assert!(checked <= one_by_one(elapsed), "{checked} passwords checked in {elapsed:?}: {statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 401 | 429 | 303)), "{statuses:?}");

    // The same from one address across 50 names (most of them no officer's).
    std::thread::sleep(Duration::from_secs(5));
    let before = failed_signins(&served).len();
    let requests: Vec<String> = (0..300)
        .map(|i| {
            let name = match i % 50 {
                0 => "bo".to_string(),
                1 => "BO".to_string(),
                n => format!("gissning{n}"),
            };
            login_post(port, &cookie, &csrf, &name, "fel gissning")
        })
        .collect();
    let started = Instant::now();
    let statuses = burst(port, requests);
    let elapsed = started.elapsed();
    let checked = failed_signins(&served).len() - before;
    eprintln!("300 sign-ins at once across 50 names in {elapsed:?}: {checked} passwords checked");
    assert!(checked >= 1 && checked <= one_by_one(elapsed), "{checked} checked in {elapsed:?}: {statuses:?}");
}

#[tokio::test]
async fn a_lock_set_while_a_password_is_checked_is_not_lifted_by_its_success() {
    for db in TestDb::both().await {
        let store = &db.store;
        let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
        store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
        let now = chrono::Utc::now();
        let seen = store.officer("anna").await.unwrap().unwrap();
        let attempt = store.reserve_signin(&seen, now, true).await.unwrap();
        assert_eq!(attempt, Some(1), "{}", db.name);
        // The same row read by a second request: someone came first.
        assert_eq!(store.reserve_signin(&seen, now, true).await.unwrap(), None, "{}: reserved once", db.name);
        // Meanwhile a failure (another instance's, say) locks the account…
        let anna = store.officer("anna").await.unwrap().unwrap();
        let until = now + chrono::Duration::minutes(15);
        assert_eq!(store.record_failed_signin(&anna, 10, 10, until, now).await.unwrap(), Some(until));
        // …and the success that was under way does not lift it.
        assert!(!store.signin_succeeded(anna.id, now).await.unwrap(), "{}", db.name);
        assert!(store.officer("anna").await.unwrap().unwrap().locked_at(now), "{}: still locked", db.name);
        db.drop_schema().await;
    }
}

// ---------------------------------------------------------------- names, sessions, addresses

use crate::web::{Review, csrf_of, set_cookie};
use axum::http::StatusCode;

/// One failed sign-in as `name`, then the same name in other letters: the
/// status of the second try.
async fn second_try(r: &Review, first: &str, second: &str) -> StatusCode {
    let try_as = |name: &str| {
        let name = name.to_string();
        async move {
            let (_, headers, page) = r.get("/login", None).await;
            let cookie = format!("lefi_login={}", set_cookie(&headers, "lefi_login").unwrap());
            let csrf = csrf_of(&page);
            r.post("/login", Some(&cookie), &[("name", &name), ("password", "fel"), ("csrf", &csrf)]).await.0
        }
    };
    assert_eq!(try_as(first).await, StatusCode::UNAUTHORIZED, "{first}");
    try_as(second).await
}

#[tokio::test]
async fn a_name_is_throttled_alike_in_any_case_whether_an_officer_has_it_or_not() {
    let r = Review::new(TestDb::sqlite().await, "").await.with_settings(|s| s.web.signin_delay_secs = 30);
    // Both are refused the same way: the answers tell nothing of which exists.
    assert_eq!(second_try(&r, "zelda", "ZELDA").await, StatusCode::TOO_MANY_REQUESTS, "no such officer");
    assert_eq!(second_try(&r, "bo", "BO").await, StatusCode::TOO_MANY_REQUESTS, "the officer bo");
    assert!(!r.intake.db.store.add_officer("Anna", "Anna igen", None).await.unwrap(), "anna exists, in any case");
}

#[tokio::test]
async fn a_new_password_ends_the_officers_sessions_and_an_idle_session_ends_by_itself() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let (session, _) = r.sign_in("anna").await;
    assert_eq!(r.get("/queue", Some(&session)).await.0, StatusCode::OK);
    let hash = lefi_intake::web::auth::hash_password("ett annat långt lösenord").unwrap();
    assert!(r.intake.db.store.set_officer_password("anna", &hash).await.unwrap());
    assert_eq!(r.get("/queue", Some(&session)).await.0, StatusCode::SEE_OTHER, "signed out by the new password");

    // A session unused for longer than web.session_idle_minutes is over, and
    // its row is deleted at the next sign-in.
    let (session, _) = r.sign_in("bo").await;
    let store = &r.intake.db.store;
    let token = session.trim_start_matches("lefi_session=");
    let digest = lefi_intake::web::auth::token_digest(token);
    let idle = chrono::Duration::minutes(30);
    let soon = chrono::Utc::now() + chrono::Duration::minutes(29);
    let later = chrono::Utc::now() + chrono::Duration::minutes(31);
    assert!(store.session(&digest, chrono::Utc::now(), idle).await.unwrap().is_some(), "in use");
    assert!(store.session(&digest, later, idle).await.unwrap().is_none(), "idle too long");
    assert_eq!(store.session_count().await.unwrap(), 1);
    // Idle for zero minutes: bo's session has ended when the next one opens.
    let expires = chrono::Utc::now() + chrono::Duration::hours(8);
    store.create_session("another", 1, "csrf", expires, chrono::Duration::zero()).await.unwrap();
    assert!(store.session(&digest, soon, idle).await.unwrap().is_none(), "its row is gone");
    assert_eq!(store.session_count().await.unwrap(), 1, "the ended session was deleted, only the new one is left");
}

#[tokio::test]
async fn without_the_proxys_address_header_the_connections_address_is_throttled() {
    let r = Review::new(TestDb::sqlite().await, "").await.with_settings(|s| {
        s.web.signin_delay_secs = 30;
        s.web.client_address_header = "X-Forwarded-For".into();
    });
    let try_as = |name: &'static str, forwarded: Option<&'static str>| {
        let r = &r;
        async move {
            let (_, headers, page) = r.get("/login", None).await;
            let cookie = format!("lefi_login={}", set_cookie(&headers, "lefi_login").unwrap());
            let body = format!("name={name}&password=fel&csrf={}", crate::web::url_encode(&csrf_of(&page)));
            let mut request = axum::http::Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie)
                .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from(([192, 0, 2, 7], 40000))));
            if let Some(f) = forwarded {
                request = request.header("x-forwarded-for", f);
            }
            r.send(request.body(axum::body::Body::from(body)).unwrap()).await.0
        }
    };
    assert_eq!(try_as("nemo1", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(try_as("nemo2", None).await, StatusCode::TOO_MANY_REQUESTS, "same connection address, no header");
    assert_eq!(try_as("nemo3", Some("not an address")).await, StatusCode::TOO_MANY_REQUESTS, "unparseable");
    assert_eq!(try_as("nemo4", Some("198.51.100.4")).await, StatusCode::UNAUTHORIZED, "another client's address");
}

// ---------------------------------------------------------------- slow and idle clients

/// Settings for the connection tests: short bounds so the tests see them act.
const TIGHT: [(&str, &str); 3] = [
    ("LEFI_INTAKE__WEB__HEADER_TIMEOUT_SECS", "2"),
    ("LEFI_INTAKE__WEB__REQUEST_TIMEOUT_SECS", "3"),
    ("LEFI_INTAKE__WEB__MAX_CONNECTIONS", "50"),
];

/// How long until the server closes `stream` (a read returns 0 or fails),
/// while `feed` is called once a second to send more; `None` if it is still
/// open after `limit`.
fn closed_within(stream: &mut TcpStream, limit: Duration, mut feed: impl FnMut(&mut TcpStream)) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(Duration::from_millis(1000))).unwrap();
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => feed(stream),
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).expect("connect")
}

#[test]
fn slow_idle_and_bodiless_clients_are_cut_off_on_both_listeners() {
    let served = Served::start(&TIGHT, &["anna"], PASSWORD, true);
    let limit = Duration::from_secs(8);
    for (listener, port, path) in
        [("pages", served.port, "/login"), ("ops", served.ops_port.expect("ops port"), "/healthz")]
    {
        // A head sent one line a second never ends.
        let mut slow = connect(port);
        slow.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n").as_bytes()).unwrap();
        let mut n = 0;
        let took = closed_within(&mut slow, limit, |s| {
            n += 1;
            let _ = s.write_all(format!("X-Slow-{n}: a\r\n").as_bytes());
        });
        assert!(took.is_some(), "{listener}: a slow head kept its connection open past {limit:?}");

        // A connection that says nothing, and one left idle after a request.
        let mut silent = connect(port);
        assert!(closed_within(&mut silent, limit, |_| ()).is_some(), "{listener}: a silent connection stayed open");
        let mut idle = connect(port);
        idle.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
        assert!(closed_within(&mut idle, limit, |_| ()).is_some(), "{listener}: an idle kept-alive connection stayed");

        // A body announced and never sent: answered (or closed) in bounded time.
        let mut bodiless = connect(port);
        bodiless
            .write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10737418240\r\n\r\n")
            .unwrap();
        assert!(closed_within(&mut bodiless, limit, |_| ()).is_some(), "{listener}: a missing body held the request");
        eprintln!("{listener}: slow head cut after {took:?}");
    }
}

#[test]
fn open_connections_are_capped_and_unfinished_heads_hold_bounded_memory() {
    let served = Served::start(&TIGHT, &["anna"], PASSWORD, false);
    let port = served.port;
    let (_, rss_before) = served.memory_kib();

    // 100 clients each pushing a 300 KiB head: refused at 64 KiB, memory kept.
    let line = format!("X-Padding: {}\r\n", "a".repeat(1000));
    let pushers: Vec<_> = (0..100)
        .map(|_| {
            let line = line.clone();
            std::thread::spawn(move || {
                let mut s = connect(port);
                let _ = s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n");
                for _ in 0..300 {
                    if s.write_all(line.as_bytes()).is_err() {
                        break;
                    }
                }
                s
            })
        })
        .collect();
    let held: Vec<TcpStream> = pushers.into_iter().map(|p| p.join().unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let (_, rss_during) = served.memory_kib();
    drop(held);

    // The cap: 50 silent connections take every place; the 51st waits.
    let silent: Vec<TcpStream> = (0..50).map(|_| connect(port)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut late = connect(port);
    late.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    late.set_read_timeout(Some(Duration::from_millis(800))).unwrap();
    let mut first = [0u8; 12];
    let answered_at_once = late.read(&mut first).is_ok_and(|n| n > 0);
    // When the silent ones are cut off (header_timeout_secs), it is served.
    late.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = Vec::new();
    let _ = late.read_to_end(&mut answer);
    drop(silent);
    eprintln!(
        "resident memory {} MiB before, {} MiB with 100 clients pushing 300 KiB heads",
        rss_before / 1024,
        rss_during / 1024
    );
    assert!(!answered_at_once, "a 51st connection was served while 50 held every place");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "then it was served");
    let grown = rss_during.saturating_sub(rss_before);
    assert!(grown < 100 * 64 + 16 * 1024, "100 unfinished heads grew memory by {grown} KiB");
}

// ---------------------------------------------------------------- terminal escapes

#[tokio::test]
async fn a_mails_escape_sequences_are_shown_not_obeyed_by_the_command_line() {
    let db = TestDb::sqlite().await;
    let url = db.url.clone();
    let mut intake = crate::support::intake::TestIntake::on(db).await;
    // A title change, a colour and a C1 control-sequence introducer, in the
    // sender's name and in the text; the mail goes to quarantine (a question).
    let raw = "From: =?utf-8?q?Anna=1B[31m_Admin?= <\"anna\x1b[31m\"@uppsala.se>\r\nTo: registeruttag@forsakringskassan.se\r\n\
               Subject: Fråga\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\nMessage-ID: <esc@uppsala.se>\r\n\
               Content-Type: text/plain; charset=utf-8\r\n\r\n\
               Hur säger vi upp LEFI Prenumeration?\x1b]0;PWNED\x07 \x1b[2J\u{9b}31m Uppsala kommun\r\n";
    intake.deliver(raw.as_bytes(), "2026-11-16");
    intake.run_once().await;
    let eml = intake.maildir().join("escapes.eml");
    std::fs::write(&eml, raw).unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
            .args(args)
            .env("LEFI_INTAKE__DATABASE__URL", &url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let eml = eml.display().to_string();
    // (The plain table of `extract` holds no text of the mail's but its name.)
    assert!(!cli(&["extract", &eml]).contains('\u{1b}'));
    for (what, shown) in [
        ("quarantine list", cli(&["quarantine", "list"])),
        ("quarantine list --format csv", cli(&["quarantine", "list", "--format", "csv"])),
        ("quarantine show", cli(&["quarantine", "show", "1"])),
        ("extract --explain", cli(&["extract", "--explain", &eml])),
    ] {
        assert!(!shown.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{what} printed a raw control character:\n{shown}");
        assert!(shown.contains("\\u{1b}"), "{what} shows the escape:\n{shown}");
    }
}

// ---------------------------------------------------------------- forged senders

#[test]
fn explain_names_the_results_that_counted_and_those_planted_below_our_received_line() {
    let dir = tempfile::tempdir().unwrap();
    let eml = dir.path().join("planted.eml");
    std::fs::write(
        &eml,
        "Authentication-Results: mx.fk.test; dkim=pass header.d=uppsala.se; dmarc=none\r\n\
         Received: from mx.uppsala.se by mx.fk.test (Postfix) with ESMTPS; Mon, 16 Nov 2026 10:00:00 +0100\r\n\
         Authentication-Results: mx.fk.test; dmarc=pass header.from=uppsala.se\r\n\
         From: registrator@uppsala.se\r\nSubject: Uppsägning\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\n\r\n\
         Uppsala kommun säger upp LEFI Prenumeration.\r\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["extract", "--explain"])
        .arg(&eml)
        .current_dir(dir.path())
        .env("LEFI_INTAKE__TRUST__AUTHSERV_IDS", "mx.fk.test")
        .output()
        .unwrap();
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("sender: forged"), "{shown}");
    assert!(shown.contains("used: Authentication-Results: mx.fk.test; dkim=pass"), "{shown}");
    assert!(shown.contains("ignored as planted: Authentication-Results: mx.fk.test; dmarc=pass"), "{shown}");
}

// ---------------------------------------------------------------- a mail that costs quadratic time

/// A mail whose subject or body is `unit` repeated to `bytes`.
fn repeated(unit: &str, bytes: usize, place: &str) -> Vec<u8> {
    let text = unit.repeat(bytes / unit.len());
    let head = "From: a@uppsala.se\r\nTo: registeruttag@forsakringskassan.se\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\n\
                MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
    match place {
        "subject" => format!("{head}Subject: {text}\r\n\r\nHej\r\n").into_bytes(),
        "body" => format!("{head}Subject: LEFI\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n").into_bytes(),
        _ => {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            let lines: Vec<&str> = encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect();
            format!("{head}Subject: LEFI\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", lines.join("\r\n"))
                .into_bytes()
        }
    }
}

/// The fastest of three analyses of `raw`.
fn analysis_time(raw: &[u8]) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(lefi_intake::analyse::analyse(raw, None, &[]));
            started.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn every_stage_of_the_analysis_is_linear_in_its_input() {
    let _alone = crate::hardening::SATURATES_THE_MACHINE.blocking_lock();
    const UNITS: &[&str] = &[
        "Uppsägning ",
        "säger upp ",
        "212000-3005 ",
        "2027-01-01 ",
        "1 januari 2027 ",
        "Organisationsnummer: ",
        "från och med ",
        "Om vi ",
        "Hej. ",
        "Försäkringskassan och Uppsala kommun har ett avtal. ",
        "Organisationsnamn: Region Skåne\n",
        "> ",
        "lorem ",
    ];
    let (small, large) = (16 * 1024, 64 * 1024);
    let mut worst = (0.0f64, String::new());
    for unit in UNITS {
        for place in ["subject", "body", "base64"] {
            let t_small = analysis_time(&repeated(unit, small, place));
            let t_large = analysis_time(&repeated(unit, large, place));
            // A floor of a millisecond: below it the clock, not the work, decides.
            let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(0.001);
            eprintln!("{unit:?} in the {place}: {t_small:?} at 16 KiB, {t_large:?} at 64 KiB ({ratio:.1}×)");
            if ratio > worst.0 {
                worst = (ratio, format!("{unit:?} in the {place}"));
            }
        }
    }
    // Four times the input: linear work takes about four times as long
    // (2.2× per doubling is 4.84×); quadratic work sixteen times.
    assert!(worst.0 <= 5.5, "{} grows {:.1}× for 4× the input", worst.1, worst.0);
}

// ---------------------------------------------------------------- direction controls in the pages

#[tokio::test]
async fn direction_controls_are_shown_in_the_pages_and_never_offered_for_approval() {
    let mut intake = crate::support::intake::TestIntake::on(TestDb::sqlite().await).await;
    let body = format!(
        "Region \u{2067}Uppsala\u{2069} säger upp LEFI Prenumeration från och med 2027-01-01 och 2027-02-01.\n\
         Organisationsnamn: Region \u{202e}alaspU\nOrganisationsnummer: {}\n",
        crate::support::mails::org_number(41)
    );
    let mail = crate::support::mails::Mail {
        from: "=?utf-8?q?Anna_=E2=80=AEnossredna?= <anna@uppsala.se>",
        subject: "Uppsägning \u{202e}fdp.exe",
        body: &body,
        message_id: "bidi@uppsala.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    };
    intake.deliver(&mail.raw(), "2026-11-16");
    intake.run_once().await;
    let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
    intake.db.store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
    let r = Review::over(intake);
    let (cookie, _) = r.sign_in("anna").await;
    let id = crate::web::item_of(&r, "bidi@uppsala.se").await;
    for path in ["/queue".to_string(), format!("/items/{id}")] {
        let (status, _, page) = r.get(&path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!page.contains(lefi_intake::domain::is_bidi_control), "{path} holds a raw direction control");
        assert!(page.contains("\\u{202e}"), "{path} shows it as its escape");
    }
    let (_, _, page) = r.get(&format!("/items/{id}"), Some(&cookie)).await;
    // The name field of the approval form is offered nothing that reorders.
    let name_field = page.split("name=\"org_name\"").nth(1).unwrap_or("");
    let value = name_field.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or("");
    assert!(!value.contains("u{202e}") && !value.contains("u{2067}"), "pre-filled with {value:?}");
}

#[tokio::test]
async fn the_audit_page_pages_through_every_entry() {
    let r = Review::new(TestDb::sqlite().await, "").await;
    let store = &r.intake.db.store;
    for n in 0..450 {
        store.record_unknown_signin(&format!("gissning{n}"), chrono::Utc::now()).await.unwrap();
    }
    let total = store.audit_log(i64::MAX).await.unwrap().len();
    let (cookie, _) = r.sign_in("anna").await;
    let (mut seen, mut path, mut pages) = (0, "/audit".to_string(), 0);
    loop {
        let (status, _, page) = r.get(&path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        seen += page.matches("<tr><td>").count();
        pages += 1;
        match page.split("href=\"/audit?before=").nth(1).and_then(|rest| rest.split('"').next()) {
            Some(before) => path = format!("/audit?before={before}"),
            None => break,
        }
    }
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(seen, total, "every entry on some page, once");
}

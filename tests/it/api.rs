//! The delivery system's feed, as that system would use it: a token made
//! with `lefi-intake token add`, the pages walked with a real HTTP client
//! (hyper) against the served router, recorded and revoked terminations in
//! commit order, the token revoked, the OpenAPI document describing what
//! the answers hold. On both backends.

use std::collections::HashMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lefi_intake::app::App;
use lefi_intake::review::Corrections;
use lefi_intake::store::QuarantineStatus;
use serde_json::Value;

use crate::support::db::TestDb;
use crate::support::intake::{TestIntake, env_for};
use crate::support::mails::drill_mail;

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>;

async fn get(http: &Http, port: u16, path: &str, token: Option<&str>) -> (u16, hyper::HeaderMap, Value) {
    let mut request = hyper::Request::get(format!("http://127.0.0.1:{port}{path}"));
    if let Some(t) = token {
        request = request.header("Authorization", format!("Bearer {t}"));
    }
    let response = http.request(request.body(Empty::new()).unwrap()).await.expect("HTTP");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body:?}"));
    (status, headers, json)
}

/// `lefi-intake token …` on the test's database; its standard output.
fn token_command(db_url: &str, root: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .arg("token")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env_for(db_url, root))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_pages_through_recorded_and_revoked_terminations_for_a_token_holder() {
    for db in TestDb::both().await {
        let name = db.name;
        let mut intake = TestIntake::on(db).await;
        for i in 0..10 {
            intake.deliver(&drill_mail(i), "2026-11-16");
        }
        intake.deliver(&crate::web::two_dates_mail(), "2026-11-16");
        intake.run_once().await;
        let store = intake.db.store.clone();
        let app = App::with_store(intake.settings.clone(), store.clone()).unwrap();

        // An officer approves the mail with two dates, then reopens it: the
        // feed must show the termination and then its revocation.
        assert!(store.add_officer("anna", "Anna Andersson", None).await.unwrap());
        let anna = store.officer("anna").await.unwrap().unwrap();
        let open = store.queue(QuarantineStatus::Open).await.unwrap();
        let (item, _) = open.iter().find(|(_, m)| m.message_id.as_deref() == Some("two-dates@uppsala.se")).unwrap();
        let corrections = Corrections { effective_date: Some("2027-01-01".into()), ..Corrections::default() };
        let approved = app.reviewer().approve(item.id, &anna, &corrections).await.expect("approve");
        app.reviewer().reopen(item.id, &anna).await.expect("reopen");

        let (ok, token, said) = token_command(&intake.db.url, intake.root.path(), &["add", "leveranssystemet"]);
        assert!(ok, "{name}: token add: {said}");
        let token = token.trim().to_string();
        assert!(token.starts_with("lefi_") && token.len() > 40, "{token}");
        assert!(said.contains("shown only now"), "{said}");
        let (ok, _, said) = token_command(&intake.db.url, intake.root.path(), &["add", "leveranssystemet"]);
        assert!(!ok && said.contains("revoke it first"), "{name}: a second token of the name: {said}");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = tokio_util::sync::CancellationToken::new();
        let server = tokio::spawn(lefi_intake::web::serve(listener, app.web_state(), stop.clone()));
        let http: Http = Client::builder(TokioExecutor::new()).build_http();

        let (status, headers, body) = get(&http, port, "/api/v1/terminations", None).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(headers["www-authenticate"], "Bearer realm=\"lefi-intake\"");
        let (status, _, _) = get(&http, port, "/api/v1/terminations", Some("lefi_not-a-token")).await;
        assert_eq!(status, 401);
        let (status, _, body) = get(&http, port, "/api/v1/terminations?since=-1", Some(&token)).await;
        assert_eq!(status, 400, "{body}");
        let (status, _, _) = get(&http, port, "/api/v1/terminations?limit=5000", Some(&token)).await;
        assert_eq!(status, 400);

        // Walk the pages three events at a time.
        let mut cursor = "0".to_string();
        let mut walked: Vec<Value> = Vec::new();
        let mut pages = 0;
        loop {
            let path = format!("/api/v1/terminations?since={cursor}&limit=3");
            let (status, _, page) = get(&http, port, &path, Some(&token)).await;
            assert_eq!(status, 200, "{name}: {page}");
            let events = page["events"].as_array().unwrap();
            assert!(events.len() <= 3);
            walked.extend(events.iter().cloned());
            pages += 1;
            let next = page["next_cursor"].as_str().unwrap().to_string();
            if !page["more"].as_bool().unwrap() {
                // Nothing after the last cursor: the same cursor back, no events.
                let (_, _, after) = get(&http, port, &format!("/api/v1/terminations?since={next}"), Some(&token)).await;
                assert_eq!(after["events"].as_array().unwrap().len(), 0, "{after}");
                assert_eq!(after["next_cursor"], Value::String(next.clone()));
                assert_eq!(after["more"], false);
                break;
            }
            assert_ne!(next, cursor, "the cursor moves");
            cursor = next;
        }
        let (_, _, whole) = get(&http, port, "/api/v1/terminations?limit=1000", Some(&token)).await;
        assert_eq!(whole["events"].as_array().unwrap(), &walked, "{name}: pages add up to the whole");
        assert!(pages >= 3, "{name}: {pages} pages of three");

        let cursors: Vec<i64> = walked.iter().map(|e| e["cursor"].as_str().unwrap().parse().unwrap()).collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{name}: commit order: {cursors:?}");
        let recorded = walked.iter().filter(|e| e["event"] == "recorded").count();
        let revoked: Vec<&Value> = walked.iter().filter(|e| e["event"] == "revoked").collect();
        let active = store.terminations().await.unwrap().len();
        assert_eq!(recorded, active + 1, "{name}: every termination recorded once, the revoked one too");
        assert_eq!(revoked.len(), 1, "{name}: {walked:#?}");
        let org = approved.org_number.to_string();
        let of_org: Vec<&str> = walked
            .iter()
            .filter(|e| e["termination"]["org_number"] == org.as_str())
            .map(|e| e["event"].as_str().unwrap())
            .collect();
        assert_eq!(of_org, ["recorded", "revoked"], "{name}");
        assert_eq!(revoked[0]["termination"]["status"], "revoked");
        assert_eq!(revoked[0]["termination"]["recorded_by"], "anna");
        let mut by_org: HashMap<&str, usize> = HashMap::new();
        for e in walked.iter().filter(|e| e["event"] == "recorded") {
            *by_org.entry(e["termination"]["org_number"].as_str().unwrap()).or_default() += 1;
        }
        assert!(by_org.values().all(|n| *n == 1), "{name}: {by_org:?}");

        // The OpenAPI document names what the answers hold.
        let (status, _, api) = get(&http, port, "/api/v1/openapi.json", None).await;
        assert_eq!(status, 200);
        assert!(api["paths"]["/api/v1/terminations"]["get"].is_object(), "{api}");
        let schemas = &api["components"]["schemas"];
        let required = |schema: &str| -> Vec<String> {
            schemas[schema]["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
        };
        for key in required("Page") {
            assert!(whole.get(&key).is_some(), "the page lacks {key}");
        }
        for event in &walked {
            for key in required("Event") {
                assert!(event.get(&key).is_some(), "an event lacks {key}: {event}");
            }
            for key in required("Termination") {
                assert!(event["termination"].get(&key).is_some(), "a termination lacks {key}: {event}");
            }
            for field in ["org_number", "reference"] {
                let pattern = schemas["Termination"]["properties"][field]["pattern"].as_str().unwrap();
                let value = event["termination"][field].as_str().unwrap();
                assert!(regex::Regex::new(pattern).unwrap().is_match(value), "{field} {value} against {pattern}");
            }
        }

        // Revoked: refused from the next request on; both steps audited.
        let (ok, said, _) = token_command(&intake.db.url, intake.root.path(), &["revoke", "leveranssystemet"]);
        assert!(ok, "{said}");
        let (status, _, _) = get(&http, port, "/api/v1/terminations", Some(&token)).await;
        assert_eq!(status, 401, "{name}: a revoked token");
        let (_, list, _) = token_command(&intake.db.url, intake.root.path(), &["list"]);
        assert!(list.lines().any(|l| l.starts_with("leveranssystemet") && l.contains("revoked")), "{list}");
        let audit = store.audit_log(100).await.unwrap();
        for action in ["token_added", "token_revoked"] {
            assert!(
                audit.iter().any(|a| a.action == action && a.object_type == "api_token"),
                "{name}: {action} audited"
            );
        }
        assert!(
            !audit.iter().any(|a| a.details.as_deref().is_some_and(|d| d.contains(&token))),
            "the token is not in the audit log"
        );

        stop.cancel();
        server.await.unwrap().unwrap();
        intake.db.drop_schema().await;
    }
}

//! Officers can resolve a `conflicts_with_record` item — a second request for
//! an organisation whose termination is on file — by replacing the one on
//! file or keeping it, and can revoke any termination on file; on the pages
//! and from the command line, audited, reported by the feed. Both backends.

use axum::http::StatusCode;
use lefi_intake::domain::{Code, Reason};
use lefi_intake::store::{OutboxStatus, QuarantineStatus};

use crate::support::db::TestDb;
use crate::support::intake::{TestIntake, env_for};
use crate::support::mails::{org_number, termination};
use crate::web::{PASSWORD, Review, csrf_of, item_of};

fn lefi(intake: &TestIntake, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env_for(&intake.db.url, intake.root.path()))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_request_replaces_or_keeps_the_termination_on_file_and_any_termination_can_be_revoked() {
    for db in TestDb::both().await {
        let name = db.name;
        let mut intake = TestIntake::on(db).await;
        let org = org_number(5).to_string();
        intake.deliver(&termination(5, "2027-01-01", "first@kommun5.se"), "2026-11-16");
        intake.run_once().await;
        intake.deliver(&termination(5, "2027-03-01", "second@kommun5.se"), "2026-11-17");
        intake.deliver(&termination(6, "2027-01-01", "other@kommun6.se"), "2026-11-17");
        intake.run_once().await;
        let store = intake.db.store.clone();
        let hash = lefi_intake::web::auth::hash_password(PASSWORD).unwrap();
        assert!(store.add_officer("anna", "Anna Andersson", Some(&hash)).await.unwrap());
        let mut review = Review::over(intake);
        let second = item_of(&review, "second@kommun5.se").await;
        let item = store.quarantine_item(second).await.unwrap().unwrap();
        assert!(item.reasons.contains(&Reason::ConflictsWithRecord), "{name}: {:?}", codes(&item.reasons));

        // The item shows the termination on file beside the new request.
        let (session, _) = review.sign_in("anna").await;
        let (_, _, page) = review.get(&format!("/items/{second}"), Some(&session)).await;
        assert!(page.contains("Redan registrerad uppsägning"), "{name}");
        assert!(page.contains("2027-01-01") && page.contains("2027-03-01"), "{name}: both dates shown");
        assert!(page.contains("name=\"replace\""), "{name}: the approve form offers to replace");
        let csrf = csrf_of(&page);
        let fields = [
            ("csrf", csrf.as_str()),
            ("org_number", org.as_str()),
            ("org_name", "Testby5 kommun"),
            ("effective_date", "2027-03-01"),
            ("replace", "yes"),
        ];
        let approve = format!("/items/{second}/approve");
        let (status, _, page) = review.post(&approve, Some(&session), &fields[..4]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: approving over a termination on file is refused");
        assert!(page.contains("Kryssa i ”Ersätt”"), "{name}: and says what to do");
        let (status, headers, _) = review.post(&approve, Some(&session), &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(headers["location"].to_str().unwrap().ends_with("klart=ersatt"));
        let on_file = store.active_termination(org.parse().unwrap()).await.unwrap().expect("on file");
        assert_eq!(on_file.effective_date.to_string(), "2027-03-01", "{name}: the new date supersedes the old");
        assert_eq!(on_file.recorded_by, "anna");
        let audit = store.audit_log(200).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "superseded" && a.actor == "anna"), "{name}: superseding is audited");
        let confirmations: Vec<_> = store
            .outbox(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.recipient == "registrator@kommun5.se" && r.body.contains("2027-03-01"))
            .collect();
        assert_eq!(confirmations.len(), 1, "{name}: the sender is confirmed the new date");

        // A third request: the officer keeps what is on file, from the command line.
        review.intake.deliver(&termination(5, "2027-05-01", "third@kommun5.se"), "2026-11-18");
        review.intake.run_once().await;
        let third = item_of(&review, "third@kommun5.se").await;
        let (ok, shown) = lefi(&review.intake, &["quarantine", "show", &third.to_string()]);
        assert!(ok && shown.contains("on file: ") && shown.contains("effective 2027-03-01"), "{name}: {shown}");
        let (ok, said) = lefi(&review.intake, &["quarantine", "keep", &third.to_string(), "--reply", "--as", "anna"]);
        assert!(ok, "{name}: {said}");
        let kept = store.quarantine_item(third).await.unwrap().unwrap();
        assert_eq!(kept.status, QuarantineStatus::Rejected);
        assert!(kept.decision_note.unwrap().contains("2027-03-01"));
        let on_file = store.active_termination(org.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(on_file.effective_date.to_string(), "2027-03-01", "{name}: kept");
        let answer = store
            .outbox(None)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.kind.as_str() == "already_registered" && r.status != OutboxStatus::Failed);
        assert!(answer.is_some_and(|a| a.body.contains("2027-03-01")), "{name}: the sender is told the date on file");

        // Any termination on file can be revoked: from the command line ...
        let (ok, said) = lefi(
            &review.intake,
            &["terminations", "revoke", &org, "--reason", "begäran återkallad per telefon", "--as", "anna"],
        );
        assert!(ok, "{name}: {said}");
        assert!(store.active_termination(org.parse().unwrap()).await.unwrap().is_none(), "{name}: revoked");
        let (ok, said) = lefi(&review.intake, &["terminations", "revoke", &org, "--reason", "igen", "--as", "anna"]);
        assert!(!ok && said.contains("no termination on file"), "{name}: {said}");
        // ... and on the page, with a reason.
        let other: lefi_intake::domain::OrgNumber = org_number(6).to_string().parse().unwrap();
        let other = store.active_termination(other).await.unwrap().expect("the other on file");
        let (_, _, list) = review.get("/terminations", Some(&session)).await;
        let csrf = csrf_of(&list);
        let path = format!("/terminations/{}/revoke", other.id);
        let (status, _, _) = review.post(&path, Some(&session), &[("csrf", &csrf), ("reason", " ")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: a reason is required");
        let (status, _, _) =
            review.post(&path, Some(&session), &[("csrf", &csrf), ("reason", "fel organisation")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(store.active_termination(other.org_number).await.unwrap().is_none());
        let audit = store.audit_log(200).await.unwrap();
        let revocations: Vec<_> = audit.iter().filter(|a| a.action == "termination_revoked").collect();
        assert_eq!(revocations.len(), 2, "{name}");
        assert!(revocations.iter().any(|a| a.details.as_deref().is_some_and(|d| d.contains("fel organisation"))));

        // The feed tells the delivery system every step, in order.
        let events: Vec<String> = store
            .feed(0, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.org_number.to_string() == org)
            .map(|e| format!("{} {}", e.event, e.effective_date))
            .collect();
        assert_eq!(
            events,
            ["recorded 2027-01-01", "revoked 2027-01-01", "recorded 2027-03-01", "revoked 2027-03-01"],
            "{name}"
        );
        review.intake.db.drop_schema().await;
    }
}

fn codes(reasons: &[Reason]) -> Vec<&'static str> {
    reasons.iter().map(|r| r.as_str()).collect()
}

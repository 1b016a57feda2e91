//! The repository on both backends.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use lefi_intake::domain::SourceKey;
use lefi_intake::domain::{Field, OrgNumber, Reason, Termination, Verdict};
use lefi_intake::reply::{NewReply, ReplyKind};
use lefi_intake::store::messages::Identity;
use lefi_intake::store::{self, MessageStatus, NewMessage, OutboxStatus};

use crate::support::db::TestDb;

fn key(name: &str) -> SourceKey {
    SourceKey::Maildir(name.into())
}

fn message(name: &str, sha: &str) -> NewMessage<'static> {
    NewMessage {
        source_key: key(name),
        message_id: Some(format!("{name}@example.se")),
        sha256: sha.into(),
        body_sha256: format!("body-{sha}"),
        received_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        from_address: Some("lefi@uppsala.se".into()),
        reply_address: Some("lefi@uppsala.se".into()),
        subject: "Uppsägning".into(),
        raw: b"From: lefi@uppsala.se\r\n\r\nbody",
        verdict: Verdict::Incomplete,
        reasons: vec![Reason::EffectiveDateInPast],
        missing: vec![Field::EffectiveDate],
        org_number: Some(OrgNumber::parse("212000-3005").unwrap()),
        org_name: Some("Uppsala kommun".into()),
        effective_date: None,
        extraction: Some("{}".into()),
        in_reply_to: vec![],
        references: vec![],
        thread_parent_id: None,
        status: MessageStatus::AwaitingReply,
        sender_auth: Some("dmarc pass uppsala.se".into()),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 1).unwrap()
}

#[tokio::test]
async fn a_mail_is_recorded_once_and_found_again_by_key_bytes_or_message_id_and_body() {
    for db in TestDb::both().await {
        let s = &db.store;
        let mut tx = s.pool().begin().await.unwrap();
        let id = store::messages::insert(&mut tx, &message("k1", "h1"), now()).await.unwrap();
        tx.commit().await.unwrap();
        assert!(id.is_some(), "{}", db.name);

        // The same bytes under another key are refused by the unique index.
        let mut tx = s.pool().begin().await.unwrap();
        assert_eq!(store::messages::insert(&mut tx, &message("k2", "h1"), now()).await.unwrap(), None, "{}", db.name);
        tx.rollback().await.unwrap();

        // Looked up together, as a batch is: each mail gets its own answer.
        let (k1, other) = (key("k1"), key("other"));
        let identity =
            |source_key, sha256, message_id, body_sha256| Identity { source_key, sha256, message_id, body_sha256 };
        let found = s
            .find_duplicates(&[
                identity(&k1, "other", None, "x"),
                identity(&other, "h1", None, "x"),
                identity(&other, "other", Some("k1@example.se"), "body-h1"),
                identity(&other, "other", Some("k1@example.se"), "different"),
                identity(&other, "other", None, "body-h1"),
            ])
            .await
            .unwrap();
        let ids: Vec<Option<i64>> = found.iter().map(|m| m.as_ref().map(|m| m.id)).collect();
        assert_eq!(ids, [id, id, id, None, None], "{}: by key, bytes, Message-ID and body; neither", db.name);
        let alone = s.find_duplicate(identity(&other, "h1", None, "x")).await.unwrap();
        assert_eq!(alone.map(|m| m.id), id, "{}", db.name);

        let back = s.message(id.unwrap()).await.unwrap().unwrap();
        assert_eq!(back.reasons, vec![Reason::EffectiveDateInPast]);
        assert_eq!(back.missing, vec![Field::EffectiveDate]);
        assert_eq!(back.status, MessageStatus::AwaitingReply);
        assert_eq!(back.source_key, key("k1"));
        assert_eq!(s.raw_message(id.unwrap()).await.unwrap().unwrap(), b"From: lefi@uppsala.se\r\n\r\nbody");
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn an_organisation_has_at_most_one_active_termination() {
    for db in TestDb::both().await {
        let s = &db.store;
        let mut tx = s.pool().begin().await.unwrap();
        let m = store::messages::insert(&mut tx, &message("k1", "h1"), now()).await.unwrap().unwrap();
        let t = Termination {
            org_number: OrgNumber::parse("212000-3005").unwrap(),
            org_name: "Uppsala kommun".into(),
            effective_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        };
        assert!(store::terminations::insert(&mut tx, &t, m, "intake", now()).await.unwrap());
        assert!(!store::terminations::insert(&mut tx, &t, m, "intake", now()).await.unwrap(), "{}", db.name);
        tx.commit().await.unwrap();
        let on_file = s.active_termination(t.org_number).await.unwrap().expect("on file");
        assert_eq!(on_file.effective_date, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(on_file.message_id.as_deref(), Some("k1@example.se"));
        assert_eq!(s.terminations().await.unwrap().len(), 1, "{}", db.name);
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn a_claimed_reply_is_not_claimed_again_until_its_lease_runs_out() {
    for db in TestDb::both().await {
        let s = &db.store;
        let mut tx = s.pool().begin().await.unwrap();
        let m = store::messages::insert(&mut tx, &message("k1", "h1"), now()).await.unwrap().unwrap();
        let reply = NewReply {
            kind: ReplyKind::Incomplete,
            recipient: "lefi@uppsala.se".into(),
            subject: "Re: Uppsägning".into(),
            body: "Hej".into(),
            in_reply_to: Some("k1@example.se".into()),
            references: vec!["k1@example.se".into()],
            our_message_id: "lefi-intake.1.incomplete@forsakringskassan.se".into(),
            answer_key: "lefi@uppsala.se|incomplete".into(),
        };
        store::outbox::insert(&mut tx, m, &reply, now()).await.unwrap();
        tx.commit().await.unwrap();

        let lease = Duration::seconds(60);
        let first = s.claim_due_reply(now(), lease).await.unwrap().expect("due");
        assert_eq!(first.attempts, 1);
        assert!(s.claim_due_reply(now(), lease).await.unwrap().is_none(), "{}: leased", db.name);
        // A worker that died: the lease runs out and the reply is due again.
        let again = s.claim_due_reply(now() + Duration::seconds(61), lease).await.unwrap().expect("lease expired");
        assert_eq!(again.id, first.id);
        assert_eq!(again.attempts, 2);

        s.retry_reply_later(again.id, now() + Duration::seconds(300), "421 try later").await.unwrap();
        assert!(s.claim_due_reply(now() + Duration::seconds(120), lease).await.unwrap().is_none());
        let third = s.claim_due_reply(now() + Duration::seconds(301), lease).await.unwrap().expect("due again");
        s.mark_reply_sent(third.id, now() + Duration::seconds(302)).await.unwrap();
        assert!(s.claim_due_reply(now() + Duration::days(1), lease).await.unwrap().is_none(), "{}: sent", db.name);
        let all = s.outbox(None).await.unwrap();
        assert_eq!(all[0].status, OutboxStatus::Sent);
        assert_eq!(all[0].last_error, None);
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn concurrent_workers_on_postgres_never_claim_the_same_reply() {
    let Some(db) = TestDb::postgres().await else { return };
    let s = db.store.clone();
    let mut tx = s.pool().begin().await.unwrap();
    let m = store::messages::insert(&mut tx, &message("k1", "h1"), now()).await.unwrap().unwrap();
    for i in 0..40 {
        let reply = NewReply {
            kind: ReplyKind::Confirmation,
            recipient: "lefi@uppsala.se".into(),
            subject: "Re".into(),
            body: "b".into(),
            in_reply_to: None,
            references: vec![],
            our_message_id: format!("r{i}@x"),
            answer_key: format!("lefi@uppsala.se|confirmation|{i}"),
        };
        store::outbox::insert(&mut tx, m, &reply, now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let s = s.clone();
        workers.push(tokio::spawn(async move {
            let mut claimed = Vec::new();
            while let Some(item) = s.claim_due_reply(now(), Duration::seconds(600)).await.unwrap() {
                claimed.push(item.id);
            }
            claimed
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, 40);
    assert_eq!(all.len(), 40, "a reply was claimed twice");
    db.drop_schema().await;
}

/// Every lookup made for each mail is an index lookup on both backends: the
/// planner is asked (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN with
/// sequential scans priced out, so only a missing index would leave one).
#[tokio::test]
async fn every_per_mail_lookup_is_an_index_lookup() {
    use sqlx::Row;
    for db in TestDb::both().await {
        let mut conn = db.store.pool().acquire().await.unwrap();
        let postgres = db.name == "postgres";
        if postgres {
            sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.unwrap();
        }
        for (name, sql) in store::per_mail_lookups() {
            let binds = (1..10).take_while(|n| sql.contains(&format!("${n}"))).count();
            let explain = if postgres { format!("EXPLAIN {sql}") } else { format!("EXPLAIN QUERY PLAN {sql}") };
            let mut query = sqlx::query(sqlx::AssertSqlSafe(explain));
            for _ in 0..binds {
                query = query.bind("x");
            }
            let rows = query.fetch_all(&mut *conn).await.unwrap();
            let plan: Vec<String> = rows
                .iter()
                .map(|r| {
                    if postgres {
                        r.try_get::<String, _>(0).unwrap()
                    } else {
                        r.try_get::<String, _>("detail").unwrap()
                    }
                })
                .collect();
            let scans: Vec<&String> = plan
                .iter()
                .filter(|l| {
                    let l = l.trim_start_matches([' ', '-', '>']);
                    ["messages", "outbox", "terminations", "subscribers", "m", "o", "t"].iter().any(|table| {
                        l.starts_with(&format!("SCAN {table}"))
                            && !l.contains("USING")
                            && l[format!("SCAN {table}").len()..].chars().next().is_none_or(|c| !c.is_alphanumeric())
                            || l.contains(&format!("Seq Scan on {table} "))
                            || l.ends_with(&format!("Seq Scan on {table}"))
                    })
                })
                .collect();
            assert!(scans.is_empty(), "{}: {name} scans a table:\n{}", db.name, plan.join("\n"));
            assert!(!plan.is_empty(), "{}: {name}: no plan", db.name);
        }
        drop(conn);
        db.drop_schema().await;
    }
}

/// A batch is one transaction; a mail in it that cannot be written undoes
/// only itself (the batch is written again with a savepoint per mail).
#[tokio::test]
async fn one_failing_mail_of_a_batch_leaves_the_others_recorded() {
    use lefi_intake::store::{Applied, RecordPlan, ReplyStep};
    for db in TestDb::both().await {
        let plan = |name: &str, sha: &str, parent: Option<i64>| RecordPlan {
            message: NewMessage { thread_parent_id: parent, ..message(name, sha) },
            decision_note: "verdict=incomplete".into(),
            termination: None,
            quarantine: None,
            completes: None,
            reply: ReplyStep::None,
        };
        // The middle one names an earlier mail that does not exist.
        let plans = [plan("a", "sha-a", None), plan("b", "sha-b", Some(999_999)), plan("c", "sha-c", None)];
        let refs: Vec<&RecordPlan<'_>> = plans.iter().collect();
        let results = db.store.record_batch(&refs, now()).await.unwrap();
        assert!(matches!(results[0], Ok(Applied::Recorded(_))), "{}: {:?}", db.name, results[0]);
        assert!(results[1].is_err(), "{}", db.name);
        assert!(matches!(results[2], Ok(Applied::Recorded(_))), "{}", db.name);
        let recorded: Vec<String> =
            db.store.messages().await.unwrap().into_iter().filter_map(|m| m.message_id).collect();
        assert_eq!(recorded, ["a@example.se", "c@example.se"], "{}", db.name);
        db.drop_schema().await;
    }
}

/// A database from before the feed (migration 7) gets its terminations on
/// file into the feed when it is upgraded: each recorded, and revoked after
/// that when it since was. (The schema is taken back to migration 6 by hand:
/// the tables and columns 7–10 add are dropped and their migrations forgotten.)
#[tokio::test]
async fn upgrading_puts_the_terminations_on_file_into_the_feed() {
    use crate::support::intake::TestIntake;
    use crate::support::mails::termination;
    use sqlx::Executor;
    for db in TestDb::both().await {
        let name = db.name;
        let mut intake = TestIntake::on(db).await;
        intake.deliver(&termination(31, "2027-01-01", "a@kommun31.se"), "2026-11-16");
        intake.deliver(&termination(32, "2027-02-01", "b@kommun32.se"), "2026-11-16");
        intake.run_once().await;
        let store = intake.db.store.clone();
        assert!(store.add_officer("anna", "Anna Andersson", None).await.unwrap());
        let anna = store.officer("anna").await.unwrap().unwrap();
        let app = lefi_intake::app::App::with_store(intake.settings.clone(), store.clone()).unwrap();
        let org: OrgNumber = crate::support::mails::org_number(32).parse().unwrap();
        let revoked = store.active_termination(org).await.unwrap().unwrap();
        app.reviewer().revoke_termination(revoked.id, &anna, "fel").await.unwrap();

        let pool = store.pool();
        for sql in [
            "DROP TABLE termination_events",
            "DROP TABLE api_tokens",
            "DROP INDEX messages_received",
            "ALTER TABLE messages DROP COLUMN case_id",
            "ALTER TABLE sessions DROP COLUMN last_seen_at",
            "DROP TABLE mailbox_status",
            "DROP INDEX outbox_sent_at",
            "DELETE FROM _sqlx_migrations WHERE version >= 7",
        ] {
            pool.execute(sql).await.unwrap_or_else(|e| panic!("{name}: {sql}: {e}"));
        }
        store.migrate().await.expect("the upgrade");
        let events: Vec<(String, String)> =
            store.feed(0, 100).await.unwrap().into_iter().map(|e| (e.org_number.to_string(), e.event)).collect();
        let (a, b) =
            (crate::support::mails::org_number(31).to_string(), crate::support::mails::org_number(32).to_string());
        assert_eq!(
            events,
            [(a, "recorded".to_string()), (b.clone(), "recorded".to_string()), (b, "revoked".to_string())],
            "{name}"
        );
        intake.db.drop_schema().await;
    }
}

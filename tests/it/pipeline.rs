//! The intake pipeline on the embedded default (Maildir in, reply files out),
//! over SQLite and PostgreSQL.

use lefi_intake::domain::{Code, Verdict};
use lefi_intake::store::{MessageStatus, QuarantineStatus};

use crate::support::db::TestDb;
use crate::support::intake::TestIntake;
use crate::support::mails::{Mail, org_number, termination};

const DAY: &str = "2026-11-16";

#[tokio::test]
async fn the_same_mail_delivered_twice_is_one_mail_with_one_reply() {
    for db in TestDb::both().await {
        let mut t = TestIntake::on(db).await;
        let raw = termination(1, "2027-01-01", "same@kommun1.se");
        t.deliver(&raw, DAY);
        t.deliver(&raw, DAY);
        // A re-delivery with another trace header is the same mail too.
        let mut redelivered = b"Received: from relay2.example.se; Mon, 16 Nov 2026 10:00:05 +0100\r\n".to_vec();
        redelivered.extend_from_slice(&raw);
        t.deliver(&redelivered, DAY);
        let first = t.run_once().await;
        assert_eq!(first.total(), 1, "{}", t.db.name);
        assert_eq!(first.duplicates, 2, "{}", t.db.name);
        // Running again finds nothing new and sends nothing again.
        t.deliver(&raw, DAY);
        let second = t.run_once().await;
        assert_eq!((second.total(), second.duplicates, second.replies.sent), (0, 1, 0), "{}", t.db.name);
        assert_eq!(t.db.store.messages().await.unwrap().len(), 1);
        assert_eq!(t.replies().len(), 1);
        assert_eq!(t.inbox(), 0);
        assert_eq!(t.filed("Processed"), 4);
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn a_reply_to_our_incomplete_answer_completes_the_termination() {
    for db in TestDb::both().await {
        let mut t = TestIntake::on(db).await;
        let first = Mail {
            from: "anna@uppsala.se",
            subject: "Uppsägning LEFI",
            body: "Uppsala kommun säger upp LEFI Prenumeration.\nOrganisationsnummer: 212000-3005\n/Anna",
            message_id: "first@uppsala.se",
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "",
        };
        t.deliver(&first.raw(), DAY);
        t.run_once().await;
        let asked = t.replies();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].kind, "incomplete");
        assert!(asked[0].body.contains("från vilket datum"), "{}", asked[0].body);

        let answer = Mail {
            from: "anna@uppsala.se",
            subject: "SV: Uppsägning LEFI",
            body: "Från och med 2027-02-01.\n\n/Anna\n\n> Vi har tagit emot ert meddelande om LEFI Prenumeration",
            message_id: "second@uppsala.se",
            date: "Tue, 17 Nov 2026 09:00:00 +0100",
            extra_headers: &format!(
                "In-Reply-To: <{id}>\r\nReferences: <first@uppsala.se> <{id}>\r\n",
                id = asked[0].message_id
            ),
        };
        t.deliver(&answer.raw(), "2026-11-17");
        t.run_once().await;

        let on_file = t.db.store.terminations().await.unwrap();
        assert_eq!(on_file.len(), 1, "{}", t.db.name);
        assert_eq!(
            (on_file[0].org_number.to_string(), on_file[0].org_name.as_str(), on_file[0].effective_date.to_string()),
            ("212000-3005".to_string(), "Uppsala kommun", "2027-02-01".to_string())
        );
        let messages = t.db.store.messages().await.unwrap();
        assert_eq!(messages[0].status, MessageStatus::CompletedByReply, "{}: the earlier mail is closed", t.db.name);
        assert_eq!(messages[1].verdict, Verdict::Accept);
        let confirmation = t.replies().into_iter().find(|r| r.kind == "confirmation").expect("confirmation");
        assert!(confirmation.body.contains("2027-02-01") && confirmation.body.contains("212000-3005"));
        assert_eq!(confirmation.in_reply_to, vec!["second@uppsala.se".to_string()]);
        // One case, one reference: the confirmation quotes the first answer's.
        let reference = |body: &str| body.lines().find_map(|l| l.strip_prefix("Referens: ")).map(str::to_string);
        let first_reference = reference(&asked[0].body).expect("the first answer's reference");
        assert_eq!(first_reference, format!("LEFI-{:06}", messages[0].id));
        assert_eq!(reference(&confirmation.body), Some(first_reference), "{}", t.db.name);
        assert_eq!(messages[1].case_id, messages[0].id, "{}: the reply joins the first mail's case", t.db.name);
        assert_ne!(confirmation.message_id, asked[0].message_id, "each answer its own Message-ID");
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn a_second_termination_of_an_organisation_is_answered_not_recorded_twice() {
    for db in TestDb::both().await {
        let mut t = TestIntake::on(db).await;
        t.deliver(&termination(2, "2027-01-01", "a@kommun2.se"), DAY);
        t.deliver(&termination(2, "2027-01-01", "b@kommun2.se"), DAY);
        t.deliver(&termination(2, "2027-06-01", "c@kommun2.se"), DAY);
        t.run_once().await;
        assert_eq!(t.db.store.terminations().await.unwrap().len(), 1, "{}", t.db.name);
        let kinds: Vec<String> = t.replies().into_iter().map(|r| r.kind).collect();
        assert_eq!(kinds.iter().filter(|k| *k == "confirmation").count(), 1, "{kinds:?}");
        let already = t.replies().into_iter().find(|r| r.kind == "already_registered").expect("already registered");
        assert!(already.body.contains("redan registrerad") && already.body.contains("2027-01-01"));
        // Another date for an organisation on file is for an officer to decide.
        let open = t.db.store.quarantine(QuarantineStatus::Open).await.unwrap();
        assert_eq!(open.len(), 1, "{}", t.db.name);
        assert_eq!(open[0].reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(), ["conflicts_with_record"]);
        assert!(kinds.contains(&"manual_review".to_string()));
        assert_eq!(t.filed("Processed"), 2);
        assert_eq!(t.filed("Quarantine"), 1);
        t.db.drop_schema().await;
    }
}

/// The batch's answers go in one statement, which cannot see its own rows:
/// the per-sender limit must still hold among the mails of one batch.
#[tokio::test]
async fn three_incomplete_mails_from_one_sender_in_one_batch_get_one_answer() {
    for db in TestDb::both().await {
        let mut t = TestIntake::on(db).await;
        for i in 0..3 {
            let id = format!("inc{i}@kommun5.se");
            let body = "Testby5 kommun säger upp LEFI Prenumeration.";
            let mail = Mail {
                from: "lena@kommun5.se",
                subject: "Uppsägning",
                body,
                message_id: &id,
                date: "Mon, 16 Nov 2026 10:00:00 +0100",
                extra_headers: "",
            };
            t.deliver(&mail.raw(), DAY);
        }
        let summary = t.run_once().await;
        assert_eq!(summary.recorded.get("incomplete"), Some(&3), "{}: {summary:?}", t.db.name);
        assert_eq!(t.db.store.outbox(None).await.unwrap().len(), 1, "{}", t.db.name);
        assert_eq!(t.replies().len(), 1, "{}", t.db.name);
        let audit = t.db.store.audit_log(100).await.unwrap();
        let count = |action: &str| audit.iter().filter(|a| a.action == action).count();
        assert_eq!((count("reply_queued"), count("reply_suppressed")), (1, 2), "{}", t.db.name);
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn every_reply_kind_threads_and_marks_itself_automatic() {
    let mut t = TestIntake::on(TestDb::sqlite().await).await;
    t.deliver(&termination(3, "2027-01-01", "ok@kommun3.se"), DAY);
    let incomplete = Mail {
        from: "\"Lena\" <lena@kommun4.se>",
        subject: "Uppsägning",
        body: "Vi säger upp LEFI Prenumeration omgående.",
        message_id: "inc@kommun4.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "Reply-To: registrator@kommun4.se\r\n",
    };
    t.deliver(&incomplete.raw(), DAY);
    let question = Mail {
        from: "per@kommun5.se",
        subject: "Fråga",
        body: "Hur gör vi för att säga upp LEFI Prenumeration?",
        message_id: "q@kommun5.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    };
    t.deliver(&question.raw(), DAY);
    let out_of_office = Mail {
        from: "per@kommun5.se",
        subject: "Automatiskt svar: Re: Uppsägning",
        body: "Jag är ledig.",
        message_id: "oof@kommun5.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "Auto-Submitted: auto-replied\r\n",
    };
    t.deliver(&out_of_office.raw(), DAY);
    let summary = t.run_once().await;
    assert_eq!(summary.total(), 4);
    assert_eq!(summary.replies.sent, 3, "no answer to the out-of-office");

    let replies = t.replies();
    let by_kind = |k: &str| replies.iter().find(|r| r.kind == k).unwrap_or_else(|| panic!("no {k} reply"));
    let confirmation = by_kind("confirmation");
    assert_eq!(confirmation.to, "registrator@kommun3.se");
    assert!(confirmation.body.contains(&org_number(3)));
    let asked = by_kind("incomplete");
    assert_eq!(asked.to, "registrator@kommun4.se", "Reply-To wins over From");
    assert_eq!(asked.subject, "Re: Uppsägning");
    assert!(asked.body.contains("”omgående”"), "{}", asked.body);
    let review = by_kind("manual_review");
    assert!(!review.body.contains("fråga") && review.body.contains("handläggare"));
    for r in &replies {
        assert_eq!(r.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(r.in_reply_to.len(), 1);
        assert!(r.references.contains(&r.in_reply_to[0]));
        assert!(r.message_id.starts_with("lefi-intake."));
    }
    assert_eq!(t.filed("Ignored"), 1);
    assert_eq!(t.filed("Quarantine"), 1);
    t.db.drop_schema().await;
}

#[tokio::test]
async fn a_mail_over_the_size_limit_is_quarantined_from_its_headers() {
    let db = TestDb::sqlite().await;
    let mut t = TestIntake::on(db).await;
    t.settings.source.max_message_bytes = 10_000;
    let mut raw = termination(6, "2027-01-01", "big@kommun6.se");
    raw.extend(std::iter::repeat_n(b'x', 20_000));
    t.deliver(&raw, DAY);
    t.run_once().await;
    let m = &t.db.store.messages().await.unwrap()[0];
    assert_eq!(m.verdict, Verdict::Quarantine);
    assert_eq!(m.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(), ["too_large"]);
    let stored = t.db.store.raw_message(m.id).await.unwrap().unwrap();
    assert!(stored.len() < 1000, "only the header block is kept");
    t.db.drop_schema().await;
}

//! Trust before action, on the real pipeline (Maildir in, reply files out,
//! SQLite and PostgreSQL): the sender's authentication as the receiving
//! server recorded it (or as our own DKIM check finds it, with DNS answers
//! given in the test: no query leaves the machine), the subscriber registry,
//! shadow mode and its agreement figures, and retention.

use lefi_intake::app::App;
use lefi_intake::domain::{OrgNumber, Reason, SubscriberStatus, Verdict};
use lefi_intake::review::Corrections;
use lefi_intake::store::messages::Identity;
use lefi_intake::store::{QuarantineStatus, RecordedMessage, Store};
use lefi_intake::trust::dkim::{DkimVerifier, DnsAnswers};
use lefi_intake::trust::registry::import;

use crate::support::db::TestDb;
use crate::support::intake::TestIntake;
use crate::support::mails::{Mail, org_number, termination};

const DAY: &str = "2026-11-16";
/// The receiving server's name, as `trust.authserv_ids` trusts it.
const OUR_MX: &str = "mx.fk.test";

/// Trust on: authentication required from our MX, the registry as `registry`.
fn trust_on(registry: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("LEFI_INTAKE__TRUST__SENDER_AUTHENTICATION", "required"),
        ("LEFI_INTAKE__TRUST__AUTHSERV_IDS", OUR_MX),
        ("LEFI_INTAKE__REGISTRY__MODE", registry),
    ]
}

/// The mail as our MX would pass it on: its verdict on top, above the
/// Received line it wrote when it took the mail.
fn received_with(raw: Vec<u8>, results: &str) -> Vec<u8> {
    let mut out = format!("Authentication-Results: {results}\r\n{}", our_received()).into_bytes();
    out.extend_from_slice(&raw);
    out
}

/// The Received line our MX writes on receipt.
fn our_received() -> String {
    format!(
        "Received: from mx.sender.example (mx.sender.example [192.0.2.25]) by {OUR_MX} (Postfix) with ESMTPS id 4F1; Mon, 16 Nov 2026 10:00:00 +0100\r\n"
    )
}

fn dmarc_pass(raw: Vec<u8>, domain: &str) -> Vec<u8> {
    received_with(
        raw,
        &format!(
            "{OUR_MX}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"
        ),
    )
}

async fn message(store: &Store, message_id: &str) -> RecordedMessage {
    store
        .messages()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.message_id.as_deref() == Some(message_id))
        .unwrap_or_else(|| panic!("{message_id} recorded"))
}

async fn import_registry(store: &Store, csv: &str) {
    let subscribers = import::parse(csv.as_bytes()).expect("the test registry reads");
    let changes = store.import_changes(&subscribers).await.unwrap();
    store.apply_import(&changes, "test", chrono::Utc::now()).await.unwrap();
}

/// Testby{n} kommun, writing from kommun{n}.se, as the registry holds it.
fn registry_row(n: u32, name: &str, kind: &str, status: &str) -> String {
    format!("{},{name},kommun{n}.se,{kind},{status}\n", org_number(n))
}

#[tokio::test]
async fn only_an_authenticated_sender_is_taken_automatically_and_a_forger_gets_no_answer() {
    for db in TestDb::both().await {
        let mut t = TestIntake::with_env(db, &trust_on("off")).await;
        // DMARC passed at our MX.
        t.deliver(&dmarc_pass(termination(1, "2027-01-01", "dmarc@kommun1.se"), "kommun1.se"), DAY);
        // DKIM passed for a subdomain of the From domain (aligned), no DMARC verdict.
        let dkim = termination(2, "2027-01-01", "dkim@kommun2.se");
        t.deliver(&received_with(dkim, &format!("{OUR_MX}; dkim=pass header.d=mail.kommun2.se; spf=none")), DAY);
        // DMARC failed: a forged From.
        let forged = termination(3, "2027-01-01", "forged@kommun3.se");
        t.deliver(
            &received_with(
                forged,
                &format!("{OUR_MX}; spf=fail smtp.mailfrom=evil.example; dmarc=fail header.from=kommun3.se"),
            ),
            DAY,
        );
        // The sender wrote an Authentication-Results of its own, claiming a pass;
        // our MX found nothing for the domain.
        let mut own_claim = b"Authentication-Results: mx.evil.example; dmarc=pass header.from=kommun4.se\r\n".to_vec();
        own_claim.extend(termination(4, "2027-01-01", "own-claim@kommun4.se"));
        t.deliver(
            &received_with(own_claim, &format!("{OUR_MX}; spf=softfail smtp.mailfrom=kommun4.se; dmarc=none")),
            DAY,
        );
        // A header that claims our MX's name below our MX's own: written before the mail reached us.
        let mut planted =
            format!("Authentication-Results: {OUR_MX}; dmarc=pass header.from=kommun5.se\r\n").into_bytes();
        planted.extend(termination(5, "2027-01-01", "planted@kommun5.se"));
        t.deliver(&received_with(planted, &format!("{OUR_MX}; dmarc=none header.from=kommun5.se")), DAY);
        // Our MX wrote no results of its own; the sender put a pass claiming
        // our MX's name into what it sent, below the line our MX added.
        let mut below_ours = our_received().into_bytes();
        below_ours.extend(format!("Authentication-Results: {OUR_MX}; dmarc=pass header.from=kommun8.se\r\n").bytes());
        below_ours.extend(termination(8, "2027-01-01", "below-ours@kommun8.se"));
        t.deliver(&below_ours, DAY);
        // DMARC passed for the registered mailbox, but From names a second one too;
        // and a Sender of another domain beside a From that passed.
        let two_from = termination(9, "2027-01-01", "two-from@kommun9.se");
        let two_from =
            String::from_utf8(two_from).unwrap().replacen("From: ", "From: Angripare <bestallare@evil.example>, ", 1);
        t.deliver(&dmarc_pass(two_from.into_bytes(), "kommun9.se"), DAY);
        let mut with_sender = b"Sender: ombud@evil.example\r\n".to_vec();
        with_sender.extend(termination(10, "2027-01-01", "sender@kommun10.se"));
        t.deliver(&dmarc_pass(with_sender, "kommun10.se"), DAY);
        // No date, no authentication: the neutral answer only, never the list of what is missing.
        let incomplete = Mail {
            from: "anna@kommun6.se",
            subject: "Uppsägning",
            body: &format!("Testby6 kommun säger upp LEFI Prenumeration.\nOrganisationsnummer: {}", org_number(6)),
            message_id: "incomplete@kommun6.se",
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "",
        };
        t.deliver(&incomplete.raw(), DAY);
        // Authenticated, with a Reply-To that would aim our answer at a third party.
        let aimed = Mail {
            from: "registrator@kommun7.se",
            subject: "Uppsägning av LEFI Prenumeration",
            body: &format!(
                "Testby7 kommun säger härmed upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: {}",
                org_number(7)
            ),
            message_id: "aimed@kommun7.se",
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "Reply-To: victim@elsewhere.example\r\n",
        };
        t.deliver(&dmarc_pass(aimed.raw(), "kommun7.se"), DAY);
        t.run_once().await;

        let store = &t.db.store;
        let verdict = |m: &RecordedMessage| (m.verdict, m.reasons.clone());
        let name = t.db.name;
        assert_eq!(verdict(&message(store, "dmarc@kommun1.se").await), (Verdict::Accept, vec![]), "{name}");
        let m = message(store, "dmarc@kommun1.se").await;
        assert_eq!(m.sender_auth.as_deref(), Some("dmarc pass kommun1.se"));
        assert_eq!(verdict(&message(store, "dkim@kommun2.se").await), (Verdict::Accept, vec![]), "{name}");
        let forged = message(store, "forged@kommun3.se").await;
        assert_eq!(
            verdict(&forged),
            (Verdict::Quarantine, vec![Reason::SenderNotAuthenticated, Reason::SenderForged]),
            "{name}"
        );
        let own_claim = message(store, "own-claim@kommun4.se").await;
        assert_eq!(verdict(&own_claim), (Verdict::Quarantine, vec![Reason::SenderNotAuthenticated]), "{name}");
        let planted = message(store, "planted@kommun5.se").await;
        assert!(planted.reasons.contains(&Reason::SenderForged), "{name}: {:?}", planted.reasons);
        let incomplete = message(store, "incomplete@kommun6.se").await;
        assert_eq!(incomplete.verdict, Verdict::Quarantine, "{name}");
        let below_ours = message(store, "below-ours@kommun8.se").await;
        assert_eq!(below_ours.verdict, Verdict::Quarantine, "{name}");
        assert!(below_ours.reasons.contains(&Reason::SenderForged), "{name}: {:?}", below_ours.reasons);
        for (id, what) in [("two-from@kommun9.se", "two From mailboxes"), ("sender@kommun10.se", "a foreign Sender")] {
            let m = message(store, id).await;
            assert_eq!(m.verdict, Verdict::Quarantine, "{name}: {what}");
            assert!(m.reasons.contains(&Reason::SenderNotAuthenticated), "{name}: {what}: {:?}", m.reasons);
        }
        assert_eq!(store.terminations().await.unwrap().len(), 3, "{name}: kommun1, kommun2, kommun7");

        let replies = t.replies();
        let to = |addr: &str| replies.iter().filter(|r| r.to == addr).collect::<Vec<_>>();
        assert_eq!(to("registrator@kommun1.se")[0].kind, "confirmation");
        assert!(to("registrator@kommun3.se").is_empty(), "{name}: no backscatter to a forged sender");
        assert!(to("registrator@kommun5.se").is_empty(), "{name}: no answer to a planted header");
        assert!(to("registrator@kommun8.se").is_empty(), "{name}: nor to one planted below our Received line");
        assert_eq!(to("registrator@kommun4.se")[0].kind, "manual_review", "{name}");
        let neutral = to("anna@kommun6.se");
        assert_eq!(neutral.len(), 1, "{name}");
        assert_eq!(neutral[0].kind, "manual_review");
        assert!(
            !neutral[0].body.contains(&org_number(6)) && !neutral[0].body.to_lowercase().contains("saknas"),
            "{name}: an unauthenticated sender learns nothing of what was read: {}",
            neutral[0].body
        );
        assert!(to("victim@elsewhere.example").is_empty(), "{name}: a Reply-To elsewhere is not answered");
        assert_eq!(to("registrator@kommun7.se")[0].kind, "confirmation", "{name}: the From address is");
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn exchange_online_s_header_counts_only_when_it_is_the_topmost() {
    const EXCHANGE: &str = "spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=kommun1.se; dkim=pass (signature was \
                            verified) header.d=kommun1.se;dmarc=pass action=none header.from=kommun1.se;compauth=pass \
                            reason=100";
    for db in TestDb::both().await {
        let env = [
            ("LEFI_INTAKE__TRUST__SENDER_AUTHENTICATION", "required"),
            ("LEFI_INTAKE__TRUST__EXCHANGE_ONLINE", "true"),
            ("LEFI_INTAKE__REGISTRY__MODE", "off"),
        ];
        let mut t = TestIntake::with_env(db, &env).await;
        t.deliver(&received_with(termination(1, "2027-01-01", "exo@kommun1.se"), EXCHANGE), DAY);
        // The same header lower down was in the mail before Exchange saw it.
        let below = received_with(termination(1, "2027-01-01", "exo-below@kommun1.se"), EXCHANGE);
        let below =
            received_with(below, "spf=none smtp.mailfrom=kommun1.se;dmarc=none action=none header.from=kommun1.se");
        t.deliver(&below, DAY);
        t.run_once().await;
        let store = &t.db.store;
        assert_eq!(message(store, "exo@kommun1.se").await.verdict, Verdict::Accept, "{}", t.db.name);
        let below = message(store, "exo-below@kommun1.se").await;
        assert!(below.reasons.contains(&Reason::SenderNotAuthenticated), "{}: {:?}", t.db.name, below.reasons);
        t.db.drop_schema().await;
    }
}

/// Signs `raw` for `domain` with a fresh Ed25519 key; returns the signed
/// mail and the key's DNS record.
fn dkim_signed(raw: &[u8], domain: &str) -> (Vec<u8>, String) {
    use base64::Engine;
    use mail_auth::common::crypto::Ed25519Key;
    use mail_auth::common::headers::HeaderWriter;
    use mail_auth::dkim::DkimSigner;
    let pkcs8 = Ed25519Key::generate_pkcs8().unwrap();
    let key = Ed25519Key::from_pkcs8_der(&pkcs8).unwrap();
    let record =
        format!("v=DKIM1; k=ed25519; p={}", base64::engine::general_purpose::STANDARD.encode(key.public_key()));
    let signature = DkimSigner::from_key(key)
        .domain(domain)
        .selector("lefi")
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(raw)
        .unwrap();
    let mut signed = signature.to_header().into_bytes();
    signed.extend_from_slice(raw);
    (signed, record)
}

#[tokio::test]
async fn our_own_dkim_check_authenticates_a_signed_mail_and_nothing_else() {
    for db in TestDb::both().await {
        let env = [
            ("LEFI_INTAKE__TRUST__SENDER_AUTHENTICATION", "required"),
            ("LEFI_INTAKE__TRUST__VERIFY_DKIM", "true"),
            ("LEFI_INTAKE__REGISTRY__MODE", "off"),
        ];
        let mut t = TestIntake::with_env(db, &env).await;
        let (good, record1) = dkim_signed(&termination(1, "2027-01-01", "signed@kommun1.se"), "kommun1.se");
        let (changed, record2) = dkim_signed(&termination(2, "2027-01-01", "changed@kommun2.se"), "kommun2.se");
        // The body changed after signing: the date is another.
        let changed = String::from_utf8(changed).unwrap().replace("2027-01-01", "2027-02-01").into_bytes();
        // Signed, but no key is published for the selector.
        let (no_key, _) = dkim_signed(&termination(3, "2027-01-01", "no-key@kommun3.se"), "kommun3.se");
        // Signed by another domain than the From's.
        let (other, record4) = dkim_signed(&termination(4, "2027-01-01", "other@kommun4.se"), "bulkmailer.example");
        for raw in [&good, &changed, &no_key, &other] {
            t.deliver(raw, DAY);
        }
        let answers = DnsAnswers::new()
            .dkim_key("lefi", "kommun1.se", &record1)
            .unwrap()
            .dkim_key("lefi", "kommun2.se", &record2)
            .unwrap()
            .dkim_key("lefi", "bulkmailer.example", &record4)
            .unwrap();
        let replies = std::sync::Arc::new(lefi_intake::app::reply_context(&t.settings).unwrap());
        let dkim = DkimVerifier::with_answers(answers).unwrap();
        let app = App::with_parts(t.settings.clone(), t.db.store.clone(), replies, Some(dkim)).unwrap();
        t.run_app_once(&app).await;

        let store = &t.db.store;
        let signed = message(store, "signed@kommun1.se").await;
        assert_eq!(
            (signed.verdict, signed.sender_auth.as_deref()),
            (Verdict::Accept, Some("dkim pass kommun1.se (verified by lefi-intake)")),
            "{}",
            t.db.name
        );
        for id in ["changed@kommun2.se", "no-key@kommun3.se", "other@kommun4.se"] {
            let m = message(store, id).await;
            assert_eq!(
                (m.verdict, m.reasons.clone()),
                (Verdict::Quarantine, vec![Reason::SenderNotAuthenticated]),
                "{}: {id}",
                t.db.name
            );
        }
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn the_registry_stops_what_it_does_not_vouch_for() {
    for db in TestDb::both().await {
        let mut t = TestIntake::with_env(db, &trust_on("required")).await;
        let csv = format!(
            "org_number,name,domains,kind,status\n{}{}{}{}{}{}",
            registry_row(1, "Testby1 kommun", "authority", "active"),
            registry_row(2, "Testby2 kommun", "authority", "active"),
            registry_row(3, "Annanstad kommun", "authority", "active"),
            registry_row(4, "Testby4 kommun", "insurer", "active"),
            registry_row(6, "Testby6 kommun", "authority", "terminated 2027-01-01"),
            registry_row(7, "Testby7 kommun", "authority", "terminated 2027-01-01"),
        );
        import_registry(&t.db.store, &csv).await;
        t.deliver(&dmarc_pass(termination(1, "2027-01-01", "ok@kommun1.se"), "kommun1.se"), DAY);
        // Authenticated, but from a free-mail account.
        let freemail = String::from_utf8(termination(2, "2027-01-01", "freemail@kommun2.se"))
            .unwrap()
            .replace("registrator@kommun2.se", "testby2.registrator@gmail.com")
            .into_bytes();
        t.deliver(&dmarc_pass(freemail, "gmail.com"), DAY);
        t.deliver(&dmarc_pass(termination(3, "2027-01-01", "name@kommun3.se"), "kommun3.se"), DAY);
        t.deliver(&dmarc_pass(termination(4, "2027-01-01", "insurer@kommun4.se"), "kommun4.se"), DAY);
        t.deliver(&dmarc_pass(termination(5, "2027-01-01", "unknown@kommun5.se"), "kommun5.se"), DAY);
        t.deliver(&dmarc_pass(termination(6, "2027-01-01", "same-date@kommun6.se"), "kommun6.se"), DAY);
        t.deliver(&dmarc_pass(termination(7, "2027-06-01", "other-date@kommun7.se"), "kommun7.se"), DAY);
        t.run_once().await;

        let store = &t.db.store;
        let name = t.db.name;
        let got = |m: RecordedMessage| (m.verdict, m.reasons);
        assert_eq!(got(message(store, "ok@kommun1.se").await), (Verdict::Accept, vec![]), "{name}");
        assert_eq!(
            got(message(store, "freemail@kommun2.se").await),
            (Verdict::Quarantine, vec![Reason::SenderDomainMismatch]),
            "{name}"
        );
        assert_eq!(
            got(message(store, "name@kommun3.se").await),
            (Verdict::Quarantine, vec![Reason::NameMismatch]),
            "{name}"
        );
        assert_eq!(
            got(message(store, "insurer@kommun4.se").await),
            (Verdict::Quarantine, vec![Reason::NotAnAuthority]),
            "{name}"
        );
        assert_eq!(
            got(message(store, "unknown@kommun5.se").await),
            (Verdict::Quarantine, vec![Reason::UnknownSubscriber]),
            "{name}"
        );
        assert_eq!(
            got(message(store, "same-date@kommun6.se").await),
            (Verdict::Accept, vec![Reason::AlreadyRegistered]),
            "{name}"
        );
        assert_eq!(
            got(message(store, "other-date@kommun7.se").await),
            (Verdict::Quarantine, vec![Reason::ConflictsWithRecord]),
            "{name}"
        );
        let recorded: Vec<OrgNumber> = store.terminations().await.unwrap().iter().map(|r| r.org_number).collect();
        assert_eq!(recorded, [OrgNumber::parse(&org_number(1)).unwrap()], "{name}: only the subscriber vouched for");
        let kinds: Vec<(String, String)> = t.replies().into_iter().map(|r| (r.to, r.kind)).collect();
        assert!(kinds.contains(&("registrator@kommun6.se".into(), "already_registered".into())), "{name}: {kinds:?}");
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn advisory_mode_notes_what_the_registry_says_and_stops_only_the_unknown() {
    for db in TestDb::both().await {
        let mut t = TestIntake::with_env(db, &trust_on("advisory")).await;
        let csv = format!(
            "org_number,name,domains,kind,status\n{}",
            registry_row(3, "Annanstad kommun", "authority", "active")
        );
        import_registry(&t.db.store, &csv).await;
        t.deliver(&dmarc_pass(termination(3, "2027-01-01", "name@kommun3.se"), "kommun3.se"), DAY);
        t.deliver(&dmarc_pass(termination(5, "2027-01-01", "unknown@kommun5.se"), "kommun5.se"), DAY);
        t.run_once().await;
        let store = &t.db.store;
        let named = message(store, "name@kommun3.se").await;
        assert_eq!((named.verdict, named.reasons), (Verdict::Accept, vec![Reason::NameMismatch]), "{}", t.db.name);
        assert_eq!(message(store, "unknown@kommun5.se").await.reasons, [Reason::UnknownSubscriber]);
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn an_empty_registry_in_required_mode_accepts_nothing_automatically() {
    let mut t = TestIntake::with_env(TestDb::sqlite().await, &trust_on("required")).await;
    t.deliver(&dmarc_pass(termination(1, "2027-01-01", "ok@kommun1.se"), "kommun1.se"), DAY);
    t.run_once().await;
    let m = message(&t.db.store, "ok@kommun1.se").await;
    assert_eq!((m.verdict, m.reasons), (Verdict::Quarantine, vec![Reason::UnknownSubscriber]));
}

#[tokio::test]
async fn a_termination_updates_the_subscriber_and_reopening_an_approval_restores_it() {
    for db in TestDb::both().await {
        let mut t = TestIntake::with_env(db, &trust_on("required")).await;
        let csv = format!(
            "org_number,name,domains,kind,status\n{}{}",
            registry_row(1, "Testby1 kommun", "authority", "active"),
            registry_row(2, "Testby2 kommun", "authority", "active"),
        );
        import_registry(&t.db.store, &csv).await;
        t.deliver(&dmarc_pass(termination(1, "2027-01-01", "auto@kommun1.se"), "kommun1.se"), DAY);
        // Not authenticated: an officer decides.
        t.deliver(&termination(2, "2027-03-01", "manual@kommun2.se"), DAY);
        t.run_once().await;
        let store = t.db.store.clone();
        let name = t.db.name;
        let status = |n: u32| {
            let store = store.clone();
            async move {
                let s = store.subscriber(OrgNumber::parse(&org_number(n)).unwrap()).await.unwrap().unwrap();
                (s.status, s.terminated_from.map(|d| d.to_string()))
            }
        };
        assert_eq!(status(1).await, (SubscriberStatus::Terminated, Some("2027-01-01".into())), "{name}");
        assert_eq!(status(2).await, (SubscriberStatus::Active, None), "{name}");

        let hash = lefi_intake::web::auth::hash_password("ett långt lösenord").unwrap();
        store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
        let anna = store.officer("anna").await.unwrap().unwrap();
        let app = App::with_store(t.settings.clone(), store.clone()).unwrap();
        let reviewer = app.reviewer();
        let item = store.quarantine(QuarantineStatus::Open).await.unwrap()[0].id;
        reviewer.approve(item, &anna, &Corrections::default()).await.unwrap();
        assert_eq!(status(2).await, (SubscriberStatus::Terminated, Some("2027-03-01".into())), "{name}");
        reviewer.reopen(item, &anna).await.unwrap();
        assert_eq!(status(2).await, (SubscriberStatus::Active, None), "{name}");
        let history = store.subscriber_history(OrgNumber::parse(&org_number(2)).unwrap()).await.unwrap();
        let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["subscriber_added", "subscriber_terminated", "subscriber_restored"], "{name}");
        assert!(history[1..].iter().all(|e| e.actor == "anna"), "{name}");
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn shadow_mode_proposes_every_accept_and_counts_how_officers_decide() {
    for db in TestDb::both().await {
        let mut env = trust_on("off").to_vec();
        env.push(("LEFI_INTAKE__INTAKE__MODE", "shadow"));
        let mut t = TestIntake::with_env(db, &env).await;
        for n in 1..=3 {
            t.deliver(
                &dmarc_pass(termination(n, "2027-01-01", &format!("p{n}@kommun{n}.se")), &format!("kommun{n}.se")),
                DAY,
            );
        }
        t.run_once().await;
        let store = t.db.store.clone();
        let name = t.db.name;
        assert!(store.terminations().await.unwrap().is_empty(), "{name}: nothing recorded before an officer confirms");
        assert!(t.replies().is_empty(), "{name}: nothing answered before an officer confirms");
        let items = store.quarantine(QuarantineStatus::Open).await.unwrap();
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|i| i.reasons == [Reason::Proposed]), "{name}");
        // The proposed values stand on the mail's row for the officer.
        let proposal = message(&store, "p1@kommun1.se").await;
        assert_eq!(proposal.org_number.map(|n| n.to_string()), Some(org_number(1)));

        let hash = lefi_intake::web::auth::hash_password("ett långt lösenord").unwrap();
        store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
        let anna = store.officer("anna").await.unwrap().unwrap();
        let reviewer = App::with_store(t.settings.clone(), store.clone()).unwrap().reviewer();
        reviewer.approve(items[0].id, &anna, &Corrections::default()).await.unwrap();
        let corrected = Corrections { effective_date: Some("2027-02-01".into()), ..Default::default() };
        reviewer.approve(items[1].id, &anna, &corrected).await.unwrap();
        reviewer.reject(items[2].id, &anna, "Skickat av misstag, ringde och bekräftade", false).await.unwrap();

        let report =
            lefi_intake::review::agreement::summarise(&store.decided_items().await.unwrap(), chrono::Utc::now());
        assert_eq!(
            (report.proposed.decided, report.proposed.unchanged, report.proposed.corrected, report.proposed.rejected),
            (3, 1, 1, 1),
            "{name}"
        );
        let date = report.per_field.iter().find(|f| f.field == lefi_intake::domain::Field::EffectiveDate).unwrap();
        assert_eq!((date.corrected, date.approved), (1, 2), "{name}");
        let second = store.quarantine_item(items[1].id).await.unwrap().unwrap();
        assert_eq!(second.corrected_fields, [lefi_intake::domain::Field::EffectiveDate]);
        // Reopening takes the decision out of the figures.
        reviewer.reopen(items[2].id, &anna).await.unwrap();
        assert_eq!(store.decided_items().await.unwrap().len(), 2, "{name}");

        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
            .args(["report", "agreement"])
            .current_dir(tempfile::tempdir().unwrap().path())
            .env("LEFI_INTAKE__DATABASE__URL", &t.db.url)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            text.lines().any(|l| l.starts_with("proposals (shadow mode)") && l.contains("50.0 % (1 of 2)")),
            "{text}"
        );
        assert!(text.contains("effective_date") && text.contains("1 of 2"), "{text}");
        t.db.drop_schema().await;
    }
}

#[tokio::test]
async fn retention_purges_decided_mails_and_keeps_open_ones_and_the_record() {
    for db in TestDb::both().await {
        let mut t = TestIntake::with_env(db, &trust_on("off")).await;
        t.deliver(&dmarc_pass(termination(1, "2027-01-01", "done@kommun1.se"), "kommun1.se"), DAY);
        // Unauthenticated: stays open in the queue.
        t.deliver(&termination(2, "2027-01-01", "open@kommun2.se"), DAY);
        t.run_once().await;
        let store = &t.db.store;
        let name = t.db.name;
        let done = message(store, "done@kommun1.se").await;
        let open = message(store, "open@kommun2.se").await;

        // Nothing is past a year yet.
        assert_eq!(store.purge_expired(365, chrono::Utc::now()).await.unwrap(), 0, "{name}");
        let a_year_on = chrono::Utc::now() + chrono::Duration::days(366);
        assert_eq!(
            store.purgeable(lefi_intake::store::retention_cutoff(365, a_year_on)).await.unwrap(),
            [done.id],
            "{name}"
        );
        assert_eq!(store.purge_expired(365, a_year_on).await.unwrap(), 1, "{name}");

        let purged = message(store, "done@kommun1.se").await;
        assert!(purged.purged_at.is_some() && purged.subject.is_empty(), "{name}");
        assert_eq!(store.raw_message(done.id).await.unwrap().unwrap_or_default(), b"", "{name}");
        assert!(store.extraction(done.id).await.unwrap().is_none(), "{name}");
        // The decision, the termination and the hash stay.
        assert_eq!((purged.verdict, purged.org_number), (done.verdict, done.org_number), "{name}");
        assert_eq!(store.terminations().await.unwrap().len(), 1, "{name}");
        let identity = Identity { source_key: &done.source_key, sha256: "x", message_id: None, body_sha256: "y" };
        assert!(store.find_duplicate(identity).await.unwrap().is_some(), "{name}: still known");
        assert!(store.audit_of(("message", done.id)).await.unwrap().iter().any(|e| e.action == "purged"), "{name}");
        // The open item keeps its mail.
        assert!(!store.raw_message(open.id).await.unwrap().unwrap_or_default().is_empty(), "{name}");
        assert!(message(store, "open@kommun2.se").await.purged_at.is_none(), "{name}");
        // Twice is once.
        assert_eq!(store.purge_expired(365, a_year_on).await.unwrap(), 0, "{name}");

        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
            .args(["purge", "--dry-run"])
            .current_dir(tempfile::tempdir().unwrap().path())
            .env("LEFI_INTAKE__DATABASE__URL", &t.db.url)
            .env("LEFI_INTAKE__RETENTION__RAW_DAYS", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("dry run: 0 mails"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        t.db.drop_schema().await;
    }
}

mod registry_commands {
    use std::path::Path;
    use std::process::{Command, Output};

    fn lefi(dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEFI_INTAKE__DATABASE__URL", format!("sqlite://{}/lefi.db", dir.display()))
            .output()
            .unwrap()
    }

    fn text(o: &Output) -> String {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    }

    #[test]
    fn import_refuses_a_bad_file_whole_previews_a_dry_run_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Swedish Excel: a byte-order mark and semicolons.
        let good = "\u{feff}org_number;name;domains;kind;status;other_names\r\n\
                    212000-3005;Uppsala kommun;uppsala.se mail.uppsala.se;authority;active;Uppsala\r\n\
                    232100-0255;Region Skåne;skane.se;authority;terminated 2027-01-01;Skåne läns landsting\r\n";
        std::fs::write(d.join("good.csv"), good).unwrap();
        let bad = "org_number,name,domains,kind,status\n212000-1876,Örebro kommun,orebro.se,authority,active\n\
                   212000-0605,Växjö kommun,vaxjo .se,authority,active\n";
        std::fs::write(d.join("bad.csv"), bad).unwrap();

        let refused = lefi(d, &["subscribers", "import", "bad.csv"]);
        assert!(!refused.status.success());
        assert!(
            text(&refused).contains("line 3, column domains") && text(&refused).contains("nothing was imported"),
            "{}",
            text(&refused)
        );
        let list = lefi(d, &["subscribers", "list"]);
        assert!(
            !text(&list).contains("212000-1876"),
            "the good row before the bad one is not written: {}",
            text(&list)
        );

        let dry = lefi(d, &["subscribers", "import", "good.csv", "--dry-run"]);
        assert!(dry.status.success(), "{}", text(&dry));
        assert!(
            text(&dry).contains("add     212000-3005") && text(&dry).contains("dry run: 2 to add, 0 to change"),
            "{}",
            text(&dry)
        );
        assert_eq!(String::from_utf8_lossy(&lefi(d, &["subscribers", "list", "--format", "json"]).stdout).trim(), "[]");

        let imported = lefi(d, &["subscribers", "import", "good.csv"]);
        assert!(text(&imported).contains("imported: 2 added, 0 changed, 0 unchanged"), "{}", text(&imported));
        let again = lefi(d, &["subscribers", "import", "good.csv"]);
        assert!(text(&again).contains("imported: 0 added, 0 changed, 2 unchanged"), "{}", text(&again));

        // An export imports back unchanged.
        let export = lefi(d, &["subscribers", "export"]);
        std::fs::write(d.join("export.csv"), &export.stdout).unwrap();
        assert!(
            String::from_utf8_lossy(&export.stdout)
                .contains("232100-0255,Region Skåne,skane.se,authority,terminated 2027-01-01,Skåne läns landsting")
        );
        let round = lefi(d, &["subscribers", "import", "export.csv", "--dry-run"]);
        assert!(text(&round).contains("0 to add, 0 to change, 2 unchanged"), "{}", text(&round));
        let changed = good.replace("uppsala.se mail.uppsala.se", "uppsala.se");
        std::fs::write(d.join("changed.csv"), changed).unwrap();
        let change = lefi(d, &["subscribers", "import", "changed.csv", "--as", "registrator"]);
        assert!(
            text(&change).contains("change  212000-3005") && text(&change).contains("1 changed"),
            "{}",
            text(&change)
        );

        let show = text(&lefi(d, &["subscribers", "show", "212000-3005"]));
        assert!(show.contains("domains              uppsala.se\n"), "{show}");
        assert!(
            show.contains("subscriber_added") && show.contains("subscriber_changed") && show.contains("registrator"),
            "{show}"
        );
        assert!(!lefi(d, &["subscribers", "show", "212000-1876"]).status.success());
    }
}

#[tokio::test]
async fn officer_pages_show_the_registry_edit_it_audited_and_warn_when_checks_are_off() {
    let r = crate::web::Review::new(TestDb::sqlite().await, "").await;
    let (cookie, csrf) = r.sign_in("anna").await;
    // The review intake runs with the checks off: every page says so.
    let (_, _, queue) = r.get("/queue", Some(&cookie)).await;
    assert!(queue.contains("Avsändarkontrollen är avstängd"), "{queue}");

    let (status, _, _) = r
        .post(
            "/subscribers",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("org_number", "212000-3005"),
                ("name", "Uppsala kommun"),
                ("domains", "uppsala.se"),
                ("kind", "authority"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::SEE_OTHER);
    let (_, _, list) = r.get("/subscribers?q=upps", Some(&cookie)).await;
    assert!(list.contains("212000-3005") && list.contains("Uppsala kommun"), "{list}");
    // A bad domain is refused with the field named, and nothing changes.
    let (status, _, page) = r
        .post(
            "/subscribers",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("org_number", "212000-3005"),
                ("name", "Uppsala kommun"),
                ("domains", "upp sala"),
                ("kind", "authority"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Domäner"), "{page}");
    // Without the form token nothing is written.
    let (status, _, _) = r
        .post(
            "/subscribers",
            Some(&cookie),
            &[
                ("org_number", "212000-1876"),
                ("name", "Örebro kommun"),
                ("domains", "orebro.se"),
                ("kind", "authority"),
                ("status", "active"),
            ],
        )
        .await;
    assert_ne!(status, axum::http::StatusCode::SEE_OTHER);
    let store = &r.intake.db.store;
    assert!(store.subscriber(OrgNumber::parse("212000-1876").unwrap()).await.unwrap().is_none());
    let (_, _, shown) = r.get("/subscribers/212000-3005", Some(&cookie)).await;
    assert!(
        shown.contains("subscriber_changed") && shown.contains("anna"),
        "the change is audited with the officer: {shown}"
    );
    // The item page names the subscriber and what vouched for the sender.
    let item = store.quarantine(QuarantineStatus::Open).await.unwrap()[0].id;
    let (_, _, page) = r.get(&format!("/items/{item}"), Some(&cookie)).await;
    assert!(page.contains("Avsändarkontroll") && page.contains("not checked"), "{page}");
    assert!(page.contains("I abonnentregistret"), "{page}");
    let (status, _, agreement) = r.get("/agreement", Some(&cookie)).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(agreement.contains("Förslag (skuggläge)"), "{agreement}");
    let (status, _, _) = r.get("/subscribers", None).await;
    assert_ne!(status, axum::http::StatusCode::OK, "the registry needs a session");
}

#[tokio::test]
async fn an_empty_required_registry_is_announced_on_every_page() {
    let db = TestDb::sqlite().await;
    let hash = lefi_intake::web::auth::hash_password(crate::web::PASSWORD).unwrap();
    db.store.add_officer("anna", "Anna", Some(&hash)).await.unwrap();
    let t = TestIntake::with_env(db, &trust_on("required")).await;
    let state = App::with_store(t.settings.clone(), t.db.store.clone()).unwrap().web_state();
    let warnings = state.warnings().await;
    assert!(warnings.iter().any(|w| w.contains("Abonnentregistret är tomt")), "{warnings:?}");
    assert!(!warnings.iter().any(|w| w.contains("Avsändarkontrollen är avstängd")), "{warnings:?}");
    import_registry(
        &t.db.store,
        &format!("org_number,name,domains,kind,status\n{}", registry_row(1, "Testby1 kommun", "authority", "active")),
    )
    .await;
    assert!(state.warnings().await.is_empty());
}

/// Every log line of a full run over every fixture, at debug: no personal
/// identity number anywhere; at info and above no subject and no line of a
/// mail's text.
#[tokio::test]
async fn a_full_run_logs_no_personal_number_subject_or_body() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    lefi_intake::source::maildir::Maildir::open(&maildir, 25 * 1024 * 1024).unwrap();
    let mut subjects = Vec::new();
    let mut body_lines = Vec::new();
    for (i, eml) in crate::fixtures::all_fixtures().iter().enumerate() {
        let raw = std::fs::read(eml).unwrap();
        if let Some(m) = mail_parser::MessageParser::default().parse(&raw) {
            subjects.extend(m.subject().map(str::trim).filter(|s| s.chars().count() >= 12).map(str::to_string));
            if let Some(body) = m.body_text(0) {
                body_lines.extend(body.lines().map(str::trim).filter(|l| l.chars().count() >= 25).map(str::to_string));
            }
        }
        lefi_intake::source::maildir::Maildir::deliver(
            &maildir,
            &format!("{}.M{i}P1.fixture", 1_763_290_000 + i),
            &raw,
        )
        .unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["run", "--once"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEFI_INTAKE__DATABASE__URL", format!("sqlite://{}/lefi.db", dir.path().display()))
        .env("LEFI_INTAKE__SOURCE__MAILDIR", &maildir)
        .env("LEFI_INTAKE__REPLY__DIR", dir.path().join("outbox"))
        .env("LEFI_INTAKE__LOG__LEVEL", "debug")
        .env("LEFI_INTAKE__LOG__FORMAT", "json")
        .env("LEFI_INTAKE__TRUST__AUTHSERV_IDS", "mx.forsakringskassan.se")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.len() > crate::fixtures::all_fixtures().len(), "a line per mail at least: {}", lines.len());
    assert!(lines.iter().any(|l| l.contains("\"level\":\"DEBUG\"")), "the run logged at debug");

    let personal: Vec<String> = lines.iter().filter_map(|l| personal_number_in(l)).collect();
    assert!(personal.is_empty(), "personal identity numbers in the log: {personal:?}");
    for line in lines.iter().filter(|l| !l.contains("\"level\":\"DEBUG\"") && !l.contains("\"level\":\"TRACE\"")) {
        let line = line.replace("\\\"", "\"");
        if let Some(s) = subjects.iter().find(|s| line.contains(s.as_str())) {
            panic!("a subject at info: {s:?} in {line}");
        }
        if let Some(b) = body_lines.iter().find(|b| line.contains(b.as_str())) {
            panic!("a mail's text at info: {b:?} in {line}");
        }
    }
}

/// A number of ten or twelve digits (with the separators people write,
/// and no digit right before or after it) that reads as a person's.
fn personal_number_in(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        // The whole run: digits, and single separators between them.
        let mut j = i;
        while j + 1 < chars.len()
            && (chars[j + 1].is_ascii_digit()
                || (matches!(chars[j + 1], '-' | '+' | ' ') && chars.get(j + 2).is_some_and(char::is_ascii_digit)))
        {
            j += 1;
        }
        let written: String = chars[i..=j].iter().collect();
        let digits: Vec<u8> = written.bytes().filter(u8::is_ascii_digit).collect();
        let personal = match digits.len() {
            10 | 12 => {
                OrgNumber::parse(&written.replace('+', "-")) == Err(lefi_intake::domain::OrgNumberError::Personal)
            }
            _ => false,
        };
        if personal {
            return Some(written);
        }
        i = j + 1;
    }
    None
}

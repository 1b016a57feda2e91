//! Replies over SMTP to real mail servers: a Postfix that delivers over LMTP
//! into a Dovecot, where the test reads the authority's mailbox over IMAP.
//! The intake reads the registeruttag mailbox of the same Dovecot.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use lefi_intake::config::{Security, Settings, SourceKind, TransportKind};
use lefi_intake::daemon::RunSummary;
use lefi_intake::outbox::transport::SmtpDelivery;
use lefi_intake::source::imap::Imap;
use lefi_intake::store::OutboxStatus;
use tokio_util::sync::CancellationToken;

use crate::support::db::TestDb;
use crate::support::dovecot::{Dovecot, Options};
use crate::support::intake::Reply;
use crate::support::mails::Mail;
use crate::support::postfix::{Extras, Postfix};

const AUTHORITY: &str = "authority@uppsala.se";

struct Servers {
    dovecot: Dovecot,
    postfix: Postfix,
    db: TestDb,
    settings: Settings,
}

impl Servers {
    async fn start() -> Option<Servers> {
        Self::start_with(false).await
    }

    /// With `secure`, Postfix offers STARTTLS and implicit TLS (the Dovecot test
    /// CA's certificate) and SASL AUTH through Dovecot; the settings trust that
    /// CA and carry credentials, but still name the plain port.
    async fn start_with(secure: bool) -> Option<Servers> {
        Self::start_full(secure, None).await
    }

    /// As `start_with(true)`, Dovecot also taking XOAUTH2 tokens it checks at
    /// `introspection` — for Postfix's SASL too.
    async fn start_full(secure: bool, introspection: Option<String>) -> Option<Servers> {
        let dovecot =
            Dovecot::start(Options { lmtp: true, oauth2_introspection: introspection, ..Options::default() })?;
        let (cert, key) = dovecot.server_certificate();
        let extras = if secure {
            Extras { tls: Some((&cert, &key)), sasl_port: Some(dovecot.auth_port), sink: false }
        } else {
            Extras { tls: None, sasl_port: None, sink: false }
        };
        let postfix = Postfix::start_with(dovecot.lmtp_port, extras)?;
        let db = TestDb::sqlite().await;
        let mut settings = Settings::load_with_env(None, Vec::new()).unwrap();
        crate::support::without_trust(&mut settings);
        settings.source.kind = SourceKind::Imap;
        settings.imap = dovecot.settings(Security::Plain);
        settings.reply.transport = TransportKind::Smtp;
        settings.smtp.host = if secure { "localhost".into() } else { "127.0.0.1".into() };
        settings.smtp.port = postfix.port;
        settings.smtp.security = Security::Plain;
        settings.smtp.timeout_secs = 5;
        settings.outbox.retry_base_secs = 1;
        settings.outbox.retry_max_secs = 1;
        if secure {
            settings.smtp.tls_ca_file = dovecot.ca_file.clone();
            settings.smtp.username = crate::support::dovecot::USER.into();
            settings.smtp.password = crate::support::dovecot::PASSWORD.to_string().into();
        }
        Some(Servers { dovecot, postfix, db, settings })
    }

    async fn send_to_registeruttag(&self, mail: Mail<'_>) {
        let mut s = self.dovecot.session().await;
        s.append("INBOX", None, None, mail.raw()).await.expect("APPEND");
        s.logout().await.unwrap();
    }

    async fn run_once(&self) -> RunSummary {
        let source = Imap::new(self.settings.imap.clone()).unwrap();
        let deliver = SmtpDelivery::new(&self.settings.smtp).unwrap();
        crate::support::run_once(&self.settings, self.db.store.clone(), source, deliver).await
    }

    /// The mails in a user's INBOX, raw.
    async fn mailbox(&self, user: &str) -> Vec<Vec<u8>> {
        let mut s = self.dovecot.session_as(user, "secret").await;
        s.select("INBOX").await.unwrap();
        let fetches: Vec<_> = s.fetch("1:*", "BODY.PEEK[]").await.unwrap().try_collect().await.unwrap_or_default();
        let out = fetches.iter().filter_map(|f| f.body().map(<[u8]>::to_vec)).collect();
        s.logout().await.unwrap();
        out
    }

    /// Waits until `user` has `n` mails (Postfix delivers asynchronously).
    async fn expect_mails(&self, user: &str, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.mailbox(user).await;
            if mails.len() >= n {
                assert_eq!(mails.len(), n, "more mails than expected for {user}");
                return mails;
            }
            assert!(Instant::now() < deadline, "{user} has {} of {n} mails\n{}", mails.len(), self.postfix.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asserts that `user` still has exactly `n` mails after Postfix has had
    /// time to deliver anything queued.
    async fn expect_no_more(&self, user: &str, n: usize) {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(self.mailbox(user).await.len(), n, "{user} received an answer it should not have");
    }
}

fn mail<'a>(from: &'a str, subject: &'a str, body: &'a str, id: &'a str, extra: &'a str) -> Mail<'a> {
    Mail { from, subject, body, message_id: id, date: "Mon, 16 Nov 2026 10:00:00 +0100", extra_headers: extra }
}

fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push_str(line);
            }
        } else if value.is_some() {
            break;
        } else if let Some((n, v)) = line.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_string());
        }
    }
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_and_a_missing_fields_answer_reach_the_sender_and_threading_completes_it() {
    let Some(s) = Servers::start().await else { return };
    s.send_to_registeruttag(mail(
        AUTHORITY,
        "Uppsägning av LEFI Prenumeration",
        "Uppsala kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: 212000-3005",
        "t1@uppsala.se",
        "",
    ))
    .await;
    let summary = s.run_once().await;
    assert_eq!(summary.replies.sent, 1);
    let inbox = s.expect_mails("authority", 1).await;
    let reply = Reply::parse(&inbox[0]);
    assert_eq!(reply.to, AUTHORITY);
    assert_eq!(reply.subject, "Re: Uppsägning av LEFI Prenumeration");
    assert_eq!(reply.in_reply_to, vec!["t1@uppsala.se".to_string()]);
    assert!(reply.references.contains(&"t1@uppsala.se".to_string()));
    assert_eq!(reply.auto_submitted.as_deref(), Some("auto-replied"));
    assert_eq!(reply.kind, "confirmation");
    assert!(
        reply.body.contains("212000-3005")
            && reply.body.contains("Uppsala kommun")
            && reply.body.contains("2027-01-01")
    );
    assert!(header(&inbox[0], "From").unwrap().contains("registeruttag@forsakringskassan.se"));

    // A termination without a date: the answer lists what is missing ...
    s.send_to_registeruttag(mail(
        "registrator@example.se",
        "Uppsägning",
        "Knivsta kommun säger upp LEFI Prenumeration.\nOrganisationsnummer: 212000-0308",
        "t2@example.se",
        "",
    ))
    .await;
    s.run_once().await;
    let asked = Reply::parse(&s.expect_mails("registrator", 1).await[0]);
    assert_eq!(asked.kind, "incomplete");
    assert!(asked.body.contains("från vilket datum uppsägningen ska gälla"), "{}", asked.body);
    assert!(!asked.body.contains("organisationsnummer (tio"), "only what is missing is asked for");

    // ... and answering it with the date completes the termination.
    s.send_to_registeruttag(mail(
        "registrator@example.se",
        "SV: Uppsägning",
        "Från och med 2027-03-01.",
        "t3@example.se",
        &format!("In-Reply-To: <{0}>\r\nReferences: <t2@example.se> <{0}>\r\n", asked.message_id),
    ))
    .await;
    s.run_once().await;
    let done = s.expect_mails("registrator", 2).await;
    let confirmation = done.iter().map(|m| Reply::parse(m)).find(|r| r.kind == "confirmation").expect("confirmation");
    assert!(confirmation.body.contains("212000-0308") && confirmation.body.contains("2027-03-01"));
    let on_file = s.db.store.terminations().await.unwrap();
    assert!(
        on_file
            .iter()
            .any(|t| t.org_number.to_string() == "212000-0308" && t.effective_date.to_string() == "2027-03-01")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_office_a_bounce_and_a_list_mail_get_no_answer() {
    let Some(s) = Servers::start().await else { return };
    let body = "Uppsala kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: 212000-3005";
    s.send_to_registeruttag(mail(
        AUTHORITY,
        "Automatiskt svar: Uppsägning",
        body,
        "oof@uppsala.se",
        "Auto-Submitted: auto-replied\r\n",
    ))
    .await;
    s.send_to_registeruttag(mail(
        "MAILER-DAEMON@uppsala.se",
        "Undelivered Mail",
        body,
        "dsn@uppsala.se",
        "Return-Path: <>\r\n",
    ))
    .await;
    s.send_to_registeruttag(mail(
        AUTHORITY,
        "[lista] Uppsägning",
        body,
        "list@uppsala.se",
        "List-Id: <lista.uppsala.se>\r\nReply-To: authority@uppsala.se\r\n",
    ))
    .await;
    let summary = s.run_once().await;
    // The auto-reply's own text states a termination: an officer sees it,
    // and it is not answered either.
    assert_eq!((summary.recorded.get("ignore"), summary.recorded.get("quarantine")), (Some(&2), Some(&1)));
    assert_eq!(summary.replies.sent, 0);
    assert!(s.db.store.outbox(None).await.unwrap().is_empty());
    s.expect_no_more("authority", 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_incomplete_mails_in_a_row_get_one_answer() {
    let Some(s) = Servers::start().await else { return };
    for i in 0..3 {
        let id = format!("inc{i}@uppsala.se");
        s.send_to_registeruttag(mail(AUTHORITY, "Uppsägning", "Vi säger upp LEFI Prenumeration.", &id, "")).await;
        s.run_once().await;
    }
    assert_eq!(s.db.store.messages().await.unwrap().len(), 3);
    assert_eq!(s.db.store.outbox(None).await.unwrap().len(), 1);
    s.expect_mails("authority", 1).await;
    s.expect_no_more("authority", 1).await;
    let suppressed = s.db.store.audit_log(100).await.unwrap().iter().filter(|a| a.action == "reply_suppressed").count();
    assert_eq!(suppressed, 2, "the audit log says why the others got none");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subject_with_an_encoded_line_break_and_bcc_cannot_add_a_header_or_recipient() {
    let Some(s) = Servers::start().await else { return };
    let hostile = Mail {
        from: AUTHORITY,
        subject: "=?utf-8?Q?Upps=C3=A4gning=0D=0ABcc:_victim@example.se=0D=0AX-Evil:_1?=",
        body: "Uppsala kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: 212000-3005",
        message_id: "hostile@uppsala.se",
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    };
    s.send_to_registeruttag(hostile).await;
    s.run_once().await;
    let inbox = s.expect_mails("authority", 1).await;
    let raw = &inbox[0];
    assert_eq!(header(raw, "Bcc"), None);
    assert_eq!(header(raw, "X-Evil"), None);
    let subject = Reply::parse(raw).subject;
    assert!(subject.starts_with("Re: Uppsägning") && subject.contains("Bcc: victim@example.se"), "{subject}");
    s.expect_no_more("victim", 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_wait_while_the_smtp_server_is_down_and_go_out_once_when_it_is_back() {
    let Some(mut s) = Servers::start().await else { return };
    tokio::task::block_in_place(|| s.postfix.down());
    for i in 0..3 {
        let id = format!("down{i}@uppsala.se");
        let body = format!(
            "Testby{i} kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: {}",
            crate::support::mails::org_number(100 + i)
        );
        s.send_to_registeruttag(mail(AUTHORITY, "Uppsägning", &body, &id, "")).await;
    }
    let first = s.run_once().await;
    assert_eq!((first.replies.sent, first.pending_replies), (0, 3), "replies wait in the outbox");
    let pending = s.db.store.outbox(Some(OutboxStatus::Pending)).await.unwrap();
    assert!(pending.iter().all(|r| r.last_error.is_some() && r.attempts == 1));

    tokio::task::block_in_place(|| s.postfix.up());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = s.run_once().await;
    assert_eq!(second.replies.sent, 3);
    let third = s.run_once().await;
    assert_eq!(third.replies.sent, 0, "nothing is sent twice");
    s.expect_mails("authority", 3).await;
    s.expect_no_more("authority", 3).await;
}

/// The SMTP server away for a whole minute while the daemon keeps running:
/// the intake goes on (the mails are recorded and filed at once), the
/// answers wait and are retried with backoff, and when the server is back
/// they go out by themselves, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_without_the_smtp_server_holds_the_answers_until_it_is_back() {
    let Some(mut s) = Servers::start().await else { return };
    s.settings.outbox.retry_base_secs = 2;
    s.settings.outbox.retry_max_secs = 16;
    tokio::task::block_in_place(|| s.postfix.down());
    let down = Instant::now();
    for i in 0..3 {
        let id = format!("minute{i}@uppsala.se");
        let body = format!(
            "Testby{i} kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: {}",
            crate::support::mails::org_number(200 + i)
        );
        s.send_to_registeruttag(mail(AUTHORITY, "Uppsägning", &body, &id, "")).await;
    }
    let token = CancellationToken::new();
    let daemon = {
        let (settings, store) = (s.settings.clone(), s.db.store.clone());
        let source = Imap::new(settings.imap.clone()).unwrap();
        let deliver = SmtpDelivery::new(&settings.smtp).unwrap();
        let token = token.clone();
        tokio::spawn(async move { crate::support::run_daemon(&settings, store, source, deliver, false, token).await })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.db.store.terminations().await.unwrap().len() < 3 {
        assert!(Instant::now() < deadline, "the intake waited for the SMTP server");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(60).saturating_sub(down.elapsed())).await;
    let waiting = s.db.store.outbox(Some(OutboxStatus::Pending)).await.unwrap();
    assert_eq!(waiting.len(), 3, "the answers wait while the server is away");
    assert!(waiting.iter().all(|r| r.attempts >= 2 && r.last_error.is_some()), "and are retried meanwhile");

    tokio::task::block_in_place(|| s.postfix.up());
    let back = Instant::now();
    s.expect_mails("authority", 3).await;
    let delivered_after = back.elapsed();
    token.cancel();
    daemon.await.unwrap().expect("the daemon ran until stopped");
    s.expect_no_more("authority", 3).await;
    assert!(s.db.store.outbox(None).await.unwrap().iter().all(|r| r.status == OutboxStatus::Sent));
    eprintln!("smtp away {:.0?}: answers delivered {delivered_after:.1?} after it came back", back - down);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_rejection_is_recorded_and_shown_by_outbox_list() {
    let Some(s) = Servers::start().await else { return };
    s.send_to_registeruttag(mail(
        "blocked@example.se",
        "Uppsägning",
        "Uppsala kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: 212000-3005",
        "blocked@example.se-1",
        "",
    ))
    .await;
    let summary = s.run_once().await;
    assert_eq!((summary.replies.sent, summary.replies.failed), (0, 1));
    let failed = s.db.store.outbox(Some(OutboxStatus::Failed)).await.unwrap();
    assert_eq!(failed.len(), 1);
    let error = failed[0].last_error.clone().unwrap();
    assert!(error.contains("554") && error.contains("no such user here"), "{error}");
    // The intake itself was not held up: the termination is on file.
    assert_eq!(s.db.store.terminations().await.unwrap().len(), 1);

    let db_url = s.db.url.clone();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lefi-intake"))
        .args(["outbox", "list", "--status", "failed"])
        .current_dir(tempfile::tempdir().unwrap().path())
        .env("LEFI_INTAKE__DATABASE__URL", db_url)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        listing.contains("blocked@example.se") && listing.contains("failed") && listing.contains("554"),
        "{listing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_implicit_tls_with_authentication() {
    let Some(s) = Servers::start_with(true).await else { return };

    for (i, (security, port)) in
        [(Security::Starttls, s.postfix.port), (Security::Tls, s.postfix.tls_port)].into_iter().enumerate()
    {
        let mut settings = s.settings.clone();
        settings.smtp.security = security;
        settings.smtp.port = port;
        let id = format!("tls{i}@uppsala.se");
        let body = format!(
            "Testby{i} kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: {}",
            crate::support::mails::org_number(200 + i as u32)
        );
        s.send_to_registeruttag(mail(AUTHORITY, "Uppsägning", &body, &id, "")).await;
        let source = Imap::new(settings.imap.clone()).unwrap();
        let deliver = SmtpDelivery::new(&settings.smtp).unwrap();
        let summary =
            crate::support::run_daemon(&settings, s.db.store.clone(), source, deliver, true, CancellationToken::new())
                .await
                .unwrap();
        assert_eq!(summary.replies.sent, 1, "{security:?}: {:?}", s.db.store.outbox(None).await.unwrap());
        s.expect_mails("authority", i + 1).await;
    }
    let log = s.postfix.log();
    assert!(log.contains("sasl_method=PLAIN") || log.contains("sasl_method=LOGIN"), "authenticated:\n{log}");

    // A wrong password is our configuration, not the reply's fault: it waits.
    let mut settings = s.settings.clone();
    settings.smtp.security = Security::Starttls;
    settings.smtp.port = s.postfix.port;
    settings.smtp.password = "wrong".to_string().into();
    s.send_to_registeruttag(mail(
        AUTHORITY,
        "Uppsägning",
        &format!(
            "Testby9 kommun säger upp LEFI Prenumeration från och med 2027-01-01.\nOrganisationsnummer: {}",
            crate::support::mails::org_number(209)
        ),
        "wrongpw@uppsala.se",
        "",
    ))
    .await;
    let source = Imap::new(settings.imap.clone()).unwrap();
    let deliver = SmtpDelivery::new(&settings.smtp).unwrap();
    let summary =
        crate::support::run_daemon(&settings, s.db.store.clone(), source, deliver, true, CancellationToken::new())
            .await
            .unwrap();
    assert_eq!((summary.replies.sent, summary.replies.failed, summary.pending_replies), (0, 0, 1));
    let pending = s.db.store.outbox(Some(OutboxStatus::Pending)).await.unwrap();
    assert!(pending[0].last_error.as_deref().unwrap_or("").contains("535"), "{pending:?}");
}

/// Exchange Online takes no passwords for SMTP AUTH: XOAUTH2 with an OAuth2
/// token. Here Postfix asks Dovecot's OAuth2 passdb, which asks a token
/// introspection endpoint the test plays (the identity provider cannot run
/// here). A refused token is not reused: the next send asks for a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_go_out_with_smtp_auth_xoauth2_and_a_refused_token_is_asked_for_again() {
    use lefi_intake::outbox::transport::Deliver;
    let url = crate::imap::introspection_endpoint().await;
    let Some(mut s) = Servers::start_full(true, Some(url)).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "expired-token\n").unwrap();
    s.settings.smtp.security = Security::Starttls;
    s.settings.smtp.auth = lefi_intake::config::SmtpAuth::Xoauth2;
    s.settings.smtp.password = String::new().into();
    s.settings.smtp.oauth2_token_command = format!("cat {}", token.display());
    let delivery = SmtpDelivery::new(&s.settings.smtp).unwrap();
    let message = |n: u32| {
        lettre::Message::builder()
            .from("registeruttag@forsakringskassan.se".parse().unwrap())
            .to(AUTHORITY.parse().unwrap())
            .message_id(Some(format!("<xoauth2-{n}@forsakringskassan.se>")))
            .subject("Svar")
            .body(String::from("Hej"))
            .unwrap()
    };
    let refused = delivery.deliver(message(1)).await;
    match refused {
        Err(lefi_intake::outbox::transport::DeliveryError::Temporary(e)) => {
            assert!(e.contains("the server refused the OAuth2 token"), "the refusal is said: {e}")
        }
        other => panic!("a refused token is a temporary failure, not {other:?}"),
    }
    // The operator's token command now gives a valid token: the same
    // transport must ask again rather than reuse the refused one.
    std::fs::write(&token, "good-token\n").unwrap();
    delivery.deliver(message(2)).await.expect("sent with the new token");
    let mails = s.expect_mails("authority", 1).await;
    assert!(String::from_utf8_lossy(&mails[0]).contains("xoauth2-2@forsakringskassan.se"));
    let log = s.postfix.log();
    assert!(log.contains("sasl_method=XOAUTH2"), "authenticated with XOAUTH2:\n{log}");
}

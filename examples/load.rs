//! The load harness: a backlog drained as an operator would see it.
//!
//! ```sh
//! cargo run --release --example load -- [--mails 1000,10000] [--backends sqlite,postgres] [--arrivals 100]
//! ```
//!
//! For each backlog size and backend it starts a private Dovecot (IMAP, as
//! the tests do) and a private Postfix that accepts the answers and discards
//! them, writes N distinct mails into the mailbox beforehand — seven in ten
//! authenticated terminations of registered subscribers, one incomplete, one
//! out-of-office, one question, each from its own organisation — and runs
//! `run --once` in this process. It prints mails/s (first mail handed out to
//! the last commit), the time from a mail's arrival to its commit (p50/p99),
//! answers/s, the whole job (from the start until every mail is recorded and
//! filed and every answer accepted by Postfix), and the peak resident memory
//! during the drain; then the two ceilings on this machine: the same answers
//! sent by a bare SMTP client (as many connections as `smtp.pool_size`,
//! TCP_NODELAY, no database), and the same mailbox drained by a bare IMAP
//! client that only fetches 50 bodies and moves them in one command. Last, with the daemon
//! idling on an empty mailbox, `--arrivals` single mails are appended one at a
//! time: the time from the APPEND to the mail's commit, beside the time a bare
//! IDLE client on the same server is told of it.
//!
//! PostgreSQL is the server at `LEFI_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), a schema of its own per run.

#[allow(dead_code)]
#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response};
use futures_util::TryStreamExt;
use lefi_intake::app::App;
use lefi_intake::config::{RegistryMode, Security, SenderAuthentication, Settings, SourceKind, TransportKind};
use lefi_intake::store::Store;
use sqlx::Row;
use support::db::TestDb;
use support::dovecot::{Dovecot, Options};
use support::mails::{Mail, org_number};
use support::postfix::{Extras, Postfix};
use tokio_util::sync::CancellationToken;

/// The receiving server's name in the mails' Authentication-Results.
const MX: &str = "mx.load.test";

struct Args {
    sizes: Vec<usize>,
    backends: Vec<String>,
    arrivals: usize,
}

fn args() -> Args {
    let mut out =
        Args { sizes: vec![1_000, 10_000], backends: vec!["sqlite".into(), "postgres".into()], arrivals: 100 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            // `--mails 0`: only the arrivals.
            "--mails" => {
                out.sizes =
                    value.split(',').map(|n| n.trim().parse().expect("--mails N,N")).filter(|n| *n > 0).collect()
            }
            "--backends" => out.backends = value.split(',').map(|b| b.trim().to_string()).collect(),
            "--arrivals" => out.arrivals = value.parse().expect("--arrivals N"),
            other => panic!("unknown option {other}; see the file's header for usage"),
        }
    }
    out
}

/// Mail number `i` of a backlog, as our receiving server passes it on.
fn mail(i: usize, run: &str) -> Vec<u8> {
    let n = i as u32;
    let id = format!("load-{run}-{i}@kommun{n}.se");
    let date = "Mon, 16 Nov 2026 10:00:00 +0100";
    let from = format!("registrator@kommun{n}.se");
    let (subject, body, extra) = match i % 10 {
        7 => ("Uppsägning", "Vi säger upp LEFI Prenumeration.".to_string(), String::new()),
        8 => (
            "Automatiskt svar: Uppsägning",
            "Jag är ledig till och med måndag.".to_string(),
            "Auto-Submitted: auto-replied\r\n".into(),
        ),
        9 => ("Fråga", "Hur säger vi upp LEFI Prenumeration?".to_string(), String::new()),
        _ => (
            "Uppsägning av LEFI Prenumeration",
            format!(
                "Hej,\n\nTestby{n} kommun säger härmed upp LEFI Prenumeration från och med 2027-01-01.\n\n\
                 Organisationsnummer: {}\n\nMed vänlig hälsning\nRegistrator, Testby{n} kommun",
                org_number(n)
            ),
            String::new(),
        ),
    };
    let mut raw = format!(
        "Authentication-Results: {MX}; dkim=pass header.d=kommun{n}.se; dmarc=pass header.from=kommun{n}.se\r\n\
         Received: from mx.kommun{n}.se by {MX} (Postfix) with ESMTPS; {date}\r\n"
    )
    .into_bytes();
    raw.extend(Mail { from: &from, subject, body: &body, message_id: &id, date, extra_headers: &extra }.raw());
    raw
}

/// The registry the backlog's terminations are checked against.
fn registry(n: usize) -> String {
    let mut csv = String::from("org_number,name,domains,kind,status\n");
    for i in (0..n).filter(|i| i % 10 < 7) {
        csv += &format!("{},Testby{i} kommun,kommun{i}.se,authority,active\n", org_number(i as u32));
    }
    csv
}

async fn append(dovecot: &Dovecot, mailbox: &str, n: usize, run: &str) {
    let mut s = dovecot.session().await;
    if mailbox != "INBOX" {
        let _ = s.create(mailbox).await;
    }
    for i in 0..n {
        s.append(mailbox, None, None, mail(i, run)).await.expect("APPEND");
    }
    s.logout().await.ok();
}

/// Peak resident memory since the last reset, in MiB; and resets it.
fn peak_mib(reset: bool) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    if reset {
        // Linux: writing 5 resets the peak to the current size.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
    kb / 1024
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn settings(db: &TestDb, dovecot: &Dovecot, postfix: &Postfix) -> Settings {
    let mut s = Settings::load_with_env(None, Vec::new()).expect("defaults");
    let batch = s.imap.batch_size;
    s.database.url = db.url.clone();
    s.source.kind = SourceKind::Imap;
    s.imap = dovecot.settings(Security::Plain);
    s.imap.batch_size = batch;
    s.imap.timeout_secs = 60;
    s.reply.transport = TransportKind::Smtp;
    s.smtp.host = "127.0.0.1".into();
    s.smtp.port = postfix.port;
    s.smtp.security = Security::Plain;
    s.trust.sender_authentication = SenderAuthentication::Required;
    s.trust.authserv_ids = vec![MX.into()];
    s.registry.mode = RegistryMode::Required;
    s.web.listen = String::new();
    s.log.level = std::env::var("LEFI_LOG").unwrap_or_else(|_| "warn".into());
    s
}

/// Drains a backlog of `n` mails; prints and returns mails/s.
async fn drain(n: usize, backend: &str) -> f64 {
    let dovecot = Dovecot::start(Options { lmtp: true, ..Options::default() }).expect("dovecot");
    let postfix =
        Postfix::start_with(dovecot.lmtp_port, Extras { tls: None, sasl_port: None, sink: true }).expect("postfix");
    let db = match backend {
        "postgres" => TestDb::postgres().await.expect("PostgreSQL at LEFI_TEST_POSTGRES_URL"),
        _ => TestDb::sqlite().await,
    };
    let subscribers = lefi_intake::trust::registry::import::parse(registry(n).as_bytes()).expect("registry");
    let changes = db.store.import_changes(&subscribers).await.unwrap();
    db.store.apply_import(&changes, "load", chrono::Utc::now()).await.unwrap();
    let filling = Instant::now();
    append(&dovecot, "INBOX", n, backend).await;
    let filled = filling.elapsed();

    let app = App::with_store(settings(&db, &dovecot, &postfix), db.store.clone()).expect("app");
    lefi_intake::ops::telemetry::init(&app.settings.log);
    peak_mib(true);
    let started = Instant::now();
    let t0 = chrono::Utc::now();
    let summary =
        app.configured_daemon().expect("daemon").run(true, CancellationToken::new()).await.expect("run --once");
    let whole = started.elapsed();
    let peak = peak_mib(false);

    let (rate, p50, p99, replies_rate) = figures(&db.store, t0, n).await;
    println!(
        "{backend:<9} {n:>6} mails: {rate:>7.0} mails/s to the last commit; arrival to commit p50 {p50:.2} s, \
         p99 {p99:.2} s; {} answers, {replies_rate:.0}/s; peak RSS {peak} MiB (mailbox filled in {:.1} s)",
        summary.replies.sent,
        filled.as_secs_f64()
    );
    assert_eq!(summary.total(), n, "every mail recorded");
    assert_eq!((summary.pending_replies, summary.replies.failed), (0, 0), "every answer accepted by Postfix");
    println!(
        "{backend:<9} {n:>6} mails: whole job {:>7.0} mails/s ({:.1} s: recorded, filed, every answer accepted by Postfix)",
        n as f64 / whole.as_secs_f64(),
        whole.as_secs_f64()
    );

    // The SMTP ceiling: the same answers sent by a bare client.
    let pool = app.settings.smtp.pool_size as usize;
    let bare_smtp = bare_smtp(&db.store, &app.settings, postfix.port, pool).await;
    println!(
        "{backend:<9} {n:>6} mails: bare SMTP client {bare_smtp:>7.0} answers/s (the same {} messages, {pool} connections, \
         TCP_NODELAY, no database); the intake's answers are {:.0} % of it",
        summary.replies.sent,
        100.0 * replies_rate / bare_smtp
    );

    // The ceiling: the same backlog fetched and moved by a bare client.
    append(&dovecot, "Bare", n, &format!("{backend}-bare")).await;
    let bare = bare_fetch_and_move(&dovecot, "Bare", n).await;
    println!(
        "{backend:<9} {n:>6} mails: bare fetch-and-move {bare:>7.0} mails/s (50 bodies per UID FETCH, one UID MOVE)"
    );
    db.drop_schema().await;
    rate
}

/// mails/s to the last commit, arrival-to-commit p50 and p99 (seconds), answers/s.
async fn figures(store: &Store, t0: chrono::DateTime<chrono::Utc>, n: usize) -> (f64, f64, f64, f64) {
    let rows = sqlx::query("SELECT received_at, recorded_at FROM messages").fetch_all(store.pool()).await.unwrap();
    let parse = |s: String| lefi_intake::store::parse_timestamp(&s).unwrap();
    let mut latencies = Vec::new();
    let mut last = t0;
    for r in &rows {
        let received = parse(r.try_get("received_at").unwrap());
        let recorded = parse(r.try_get("recorded_at").unwrap());
        last = last.max(recorded);
        latencies.push((recorded - received).num_milliseconds() as f64 / 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let span = (last - t0).num_milliseconds().max(1) as f64 / 1000.0;
    let sent = sqlx::query("SELECT sent_at FROM outbox WHERE status = 'sent'").fetch_all(store.pool()).await.unwrap();
    let times: Vec<chrono::DateTime<chrono::Utc>> = sent.iter().map(|r| parse(r.try_get("sent_at").unwrap())).collect();
    let replies_rate = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if b > a => times.len() as f64 / ((*b - *a).num_milliseconds() as f64 / 1000.0),
        _ => f64::NAN,
    };
    (n as f64 / span, percentile(&latencies, 0.5), percentile(&latencies, 0.99), replies_rate)
}

/// Sends the answers the intake sent, built by the same code, over `pool`
/// connections of a bare SMTP client (one command, one reply: no PIPELINING,
/// as lettre speaks), with TCP_NODELAY and no database; answers/s.
async fn bare_smtp(store: &Store, settings: &Settings, port: u16, pool: usize) -> f64 {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let address = settings.reply.from.parse().expect("our address");
    let from = lettre::message::Mailbox::new(Some(settings.reply.from_name.clone()), address);
    let sent = store.outbox(Some(lefi_intake::store::OutboxStatus::Sent)).await.unwrap();
    let messages: Vec<(String, Vec<u8>)> = sent
        .iter()
        .map(|item| {
            let built = lefi_intake::outbox::message::build(item, &from).expect("the same message");
            // Dot-stuffing (RFC 5321 §4.5.2), and the end of DATA.
            let mut data = Vec::new();
            for line in built.formatted().split_inclusive(|&b| b == b'\n') {
                if line.starts_with(b".") {
                    data.push(b'.');
                }
                data.extend_from_slice(line);
            }
            data.extend_from_slice(b".\r\n");
            (item.recipient.clone(), data)
        })
        .collect();
    let sender = from.email.to_string();
    let shares: Vec<Vec<(String, Vec<u8>)>> =
        (0..pool).map(|k| messages.iter().skip(k).step_by(pool).cloned().collect()).collect();
    let started = Instant::now();
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let sender = sender.clone();
            tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("postfix");
                stream.set_nodelay(true).unwrap();
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                // One reply, possibly of several lines (`250-…` then `250 …`).
                async fn reply(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, expect: &str) {
                    let mut line = String::new();
                    loop {
                        line.clear();
                        read.read_line(&mut line).await.unwrap();
                        assert!(line.starts_with(expect), "Postfix answered {line:?}, expected {expect}");
                        if line.as_bytes().get(3) != Some(&b'-') {
                            break;
                        }
                    }
                }
                reply(&mut read, "220").await;
                write.write_all(b"EHLO bare.load.test\r\n").await.unwrap();
                reply(&mut read, "250").await;
                for (to, data) in &share {
                    write.write_all(format!("MAIL FROM:<{sender}>\r\n").as_bytes()).await.unwrap();
                    reply(&mut read, "250").await;
                    write.write_all(format!("RCPT TO:<{to}>\r\n").as_bytes()).await.unwrap();
                    reply(&mut read, "250").await;
                    write.write_all(b"DATA\r\n").await.unwrap();
                    reply(&mut read, "354").await;
                    write.write_all(data).await.unwrap();
                    reply(&mut read, "250").await;
                }
                write.write_all(b"QUIT\r\n").await.unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("bare client");
    }
    messages.len() as f64 / started.elapsed().as_secs_f64()
}

async fn bare_fetch_and_move(dovecot: &Dovecot, mailbox: &str, n: usize) -> f64 {
    let mut s = dovecot.session().await;
    let _ = s.create("BareDone").await;
    s.select(mailbox).await.unwrap();
    let started = Instant::now();
    let mut uids: Vec<u32> = s.uid_search("ALL").await.unwrap().into_iter().collect();
    uids.sort_unstable();
    let mut bytes = 0usize;
    for chunk in uids.chunks(50) {
        let set = lefi_intake::source::imap::commands::uid_set(chunk);
        let fetched: Vec<_> = s.uid_fetch(&set, "(UID BODY.PEEK[])").await.unwrap().try_collect().await.unwrap();
        bytes += fetched.iter().filter_map(|f| f.body()).map(<[u8]>::len).sum::<usize>();
        s.uid_mv(&set, "BareDone").await.unwrap();
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    assert!(bytes > 0);
    s.logout().await.ok();
    rate
}

/// Single mails appended to an empty mailbox, one at a time: first with only
/// a bare IDLE client on the server (the time until the server tells it of
/// the mail: the floor), then with the daemon idling (the time until the
/// mail is committed, and until it has left the inbox). Measured apart: with
/// both on the server at once, the daemon often moves the mail before the
/// server tells the bare client, and then tells it nothing.
async fn arrivals(count: usize) {
    let dovecot = Dovecot::start(Options { lmtp: true, ..Options::default() }).expect("dovecot");
    let postfix =
        Postfix::start_with(dovecot.lmtp_port, Extras { tls: None, sasl_port: None, sink: true }).expect("postfix");
    let mut writer = dovecot.session().await;
    writer.select("INBOX").await.unwrap();

    let mut told = Vec::new();
    let mut watcher = dovecot.session().await;
    watcher.select("INBOX").await.unwrap();
    for i in 0..count {
        let mut idle = watcher.idle();
        idle.init().await.unwrap();
        let notice = async {
            loop {
                let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(10));
                match wait.await {
                    // An untagged EXISTS of at least one mail: the arrival.
                    Ok(IdleResponse::NewData(data)) if matches!(data.parsed(), Response::MailboxData(MailboxDatum::Exists(n)) if *n > 0) =>
                    {
                        return Instant::now();
                    }
                    Ok(IdleResponse::NewData(_)) => {}
                    other => panic!("arrival {i}: IDLE ended without the mail: {other:?}"),
                }
            }
        };
        let arrive = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let appended = Instant::now();
            writer.append("INBOX", None, None, mail(i, "arrival")).await.unwrap();
            appended
        };
        // Dovecot's keep-alives reset the wait's own timeout: bound it here.
        let (noticed_at, appended) =
            tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(notice, arrive) })
                .await
                .unwrap_or_else(|_| panic!("arrival {i}: the bare IDLE client was not told within 10 s"));
        watcher = idle.done().await.unwrap();
        told.push((noticed_at - appended).as_secs_f64());
        writer.store("1:*", "+FLAGS (\\Deleted)").await.unwrap().try_collect::<Vec<_>>().await.unwrap();
        writer.expunge().await.unwrap().try_collect::<Vec<_>>().await.unwrap();
        watcher.noop().await.unwrap();
    }
    watcher.logout().await.ok();
    // STATUS of the selected mailbox would give this session's own view.
    writer.close().await.unwrap();

    let db = TestDb::sqlite().await;
    let subscribers = lefi_intake::trust::registry::import::parse(registry(count).as_bytes()).expect("registry");
    let changes = db.store.import_changes(&subscribers).await.unwrap();
    db.store.apply_import(&changes, "load", chrono::Utc::now()).await.unwrap();
    let app = App::with_store(settings(&db, &dovecot, &postfix), db.store.clone()).expect("app");
    let stop = CancellationToken::new();
    let daemon = {
        let stop = stop.clone();
        let d = app.configured_daemon().expect("daemon");
        tokio::spawn(async move { d.run(false, stop).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (mut to_commit, mut to_leave) = (Vec::new(), Vec::new());
    for i in 0..count {
        let before = count_messages(&db.store).await;
        let appended = Instant::now();
        writer.append("INBOX", None, None, mail(count + i, "arrival")).await.unwrap();
        let mut committed = None;
        loop {
            if appended.elapsed() > Duration::from_secs(10) {
                stop.cancel();
                panic!("arrival {i} not picked up within 10 s; the daemon: {:?}", daemon.await);
            }
            if committed.is_none() && count_messages(&db.store).await > before {
                committed = Some(appended.elapsed().as_secs_f64());
            }
            if committed.is_some() && writer.status("INBOX", "(MESSAGES)").await.unwrap().exists == 0 {
                to_leave.push(appended.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        to_commit.extend(committed);
    }
    stop.cancel();
    let _ = daemon.await;
    for v in [&mut told, &mut to_commit, &mut to_leave] {
        v.sort_by(f64::total_cmp);
    }
    let ms = |v: &[f64], p: f64| percentile(v, p) * 1000.0;
    println!(
        "idle pick-up of {count} single arrivals: a bare IDLE client told p50 {:.0} ms, p99 {:.0} ms; \
         the daemon: APPEND to commit p50 {:.0} ms, p99 {:.0} ms; APPEND to the mail out of the inbox p50 {:.0} ms, \
         p99 {:.0} ms (p99 {:+.0} ms against the bare client's)",
        ms(&told, 0.5),
        ms(&told, 0.99),
        ms(&to_commit, 0.5),
        ms(&to_commit, 0.99),
        ms(&to_leave, 0.5),
        ms(&to_leave, 0.99),
        ms(&to_leave, 0.99) - ms(&told, 0.99)
    );
}

async fn count_messages(store: &Store) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM messages").fetch_one(store.pool()).await.unwrap().try_get("n").unwrap()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let args = args();
    println!(
        "lefi-intake load: {} cores, backlogs {:?}, backends {:?}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.sizes,
        args.backends
    );
    for backend in args.backends.iter().filter(|_| !args.sizes.is_empty()) {
        let mut rates = Vec::new();
        for &n in &args.sizes {
            rates.push((n, drain(n, backend).await));
        }
        if let (Some((small, a)), Some((large, b))) = (rates.first(), rates.last())
            && large > small
        {
            println!("{backend:<9} the {large} rate is {:.0} % of the {small} rate", 100.0 * b / a);
        }
    }
    if args.arrivals > 0 {
        arrivals(args.arrivals).await;
    }
}

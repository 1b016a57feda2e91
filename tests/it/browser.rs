//! The review pages in a real browser: headless Chromium driven over
//! WebDriver (Debian's chromium and chromium-driver). An officer signs in,
//! opens the queue, corrects and approves an item, and finds the termination
//! in the list. Without Chromium the test is skipped with a warning outside
//! CI and fails with `CI=true`. With LEFI_SCREENSHOTS=DIR it saves the
//! screenshots shown in the README.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use lefi_intake::app::App;
use lefi_intake::store::QuarantineStatus;
use lefi_intake::web::serve;
use tokio_util::sync::CancellationToken;

use crate::support::db::TestDb;
use crate::support::dovecot::free_port;
use crate::web::{PASSWORD, Review};

struct Driver(Child);

/// Waits until the browser shows a URL containing `part` (a click's navigation
/// has completed), so that no element of the previous page is read.
async fn wait_for_url(client: &fantoccini::Client, part: &str) -> Result<(), fantoccini::error::CmdError> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !client.current_url().await?.as_str().contains(part) {
        assert!(Instant::now() < deadline, "the browser never reached a URL with {part}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_chromedriver() -> Option<(Driver, u16)> {
    if Command::new("chromedriver").arg("--version").output().is_err() {
        assert!(!crate::support::in_ci(), "chromium and chromium-driver are required in CI");
        eprintln!("WARNING: chromedriver not installed; browser test skipped");
        return None;
    }
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((Driver(child), port))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_corrects_and_approves_an_item_in_a_browser() {
    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let review = Review::new(TestDb::sqlite().await, "").await;
    let store = review.intake.db.store.clone();
    let state = App::with_store(review.intake.settings.clone(), store.clone()).unwrap().web_state();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, state, stop.clone()));

    // The WebDriver client's rustls and ours bring two crypto providers into
    // the test build; the process must choose one.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let client = ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session");
    let shots = std::env::var("LEFI_SCREENSHOTS").ok();

    let result: Result<(), fantoccini::error::CmdError> = async {
        client.goto(&format!("{base}/queue")).await?;
        assert!(client.current_url().await?.path().ends_with("/login"), "the queue needs a sign-in");
        client.find(Locator::Id("name")).await?.send_keys("anna").await?;
        client.find(Locator::Id("password")).await?.send_keys(PASSWORD).await?;
        client.find(Locator::Css("form[action='/login'] button")).await?.click().await?;
        wait_for_url(&client, "/queue").await?;
        client.wait().for_element(Locator::Css("table")).await?;
        assert_eq!(client.current_url().await?.path(), "/queue");
        let queue = client.source().await?;
        assert!(queue.contains("3 ärenden väntar på beslut"), "{queue}");
        if let Some(dir) = &shots {
            std::fs::write(format!("{dir}/queue.png"), client.screenshot().await?).unwrap();
        }

        // The item with two dates: correct the date to the right one and approve.
        let messages = store.messages().await.unwrap();
        let mail = messages.iter().find(|m| m.message_id.as_deref() == Some("two-dates@uppsala.se")).unwrap();
        let item = store
            .quarantine(QuarantineStatus::Open)
            .await
            .unwrap()
            .into_iter()
            .find(|q| q.message_id == mail.id)
            .unwrap();
        client.find(Locator::Css(&format!("a[href='/items/{}']", item.id))).await?.click().await?;
        wait_for_url(&client, &format!("/items/{}", item.id)).await?;
        client.wait().for_element(Locator::Id("effective_date")).await?;
        if let Some(dir) = &shots {
            std::fs::write(format!("{dir}/item.png"), client.screenshot().await?).unwrap();
        }
        // The mail names two dates: each is offered as a choice; the officer
        // picks the right one (the date box is for another value).
        let date_box = client.find(Locator::Id("effective_date")).await?;
        assert_eq!(date_box.attr("type").await?.as_deref(), Some("date"));
        let choices = client.find_all(Locator::Css("input[name='effective_date_choice']")).await?;
        assert_eq!(choices.len(), 3, "two candidates and 'another value'");
        client.find(Locator::Css("input[name='effective_date_choice'][value='2027-02-01']")).await?.click().await?;
        client.find(Locator::Css(&format!("form[action='/items/{}/approve'] button", item.id))).await?.click().await?;
        wait_for_url(&client, "klart=godkant").await?;
        let notice = client.wait().for_element(Locator::Css("p.notice")).await?.text().await?;
        assert!(notice.contains("godkänt"), "{notice}");
        // On to the next item waiting.
        assert!(notice.contains(&format!("Ärende #{}", item.id)) && notice.contains("nästa ärende"), "{notice}");
        assert_ne!(client.current_url().await?.path(), format!("/items/{}", item.id));

        client.find(Locator::LinkText("Uppsägningar")).await?.click().await?;
        wait_for_url(&client, "/terminations").await?;
        client.find(Locator::Id("q")).await?.send_keys("212000-3005").await?;
        client.find(Locator::Css("form.filters button")).await?.click().await?;
        wait_for_url(&client, "q=212000").await?;
        let row = client.wait().for_element(Locator::Css("tbody tr")).await?.text().await?;
        assert!(row.contains("212000-3005") && row.contains("Uppsala kommun") && row.contains("2027-02-01"), "{row}");
        assert!(row.contains("anna"));

        // The overview: what came in, what waits, and the chart of terminations
        // by month, drawn by the server as SVG (no script).
        client.find(Locator::LinkText("Översikt")).await?.click().await?;
        client.wait().for_element(Locator::Css("svg.chart")).await?;
        assert_eq!(client.current_url().await?.path(), "/");
        let text = client.find(Locator::Css("main")).await?.text().await?;
        assert!(text.contains("2 ärenden väntar på beslut"), "{text}");
        assert!(text.contains("Till handläggare"), "{text}");
        let bars = client.find_all(Locator::Css("svg.chart rect.bar")).await?;
        assert_eq!(bars.len(), 1, "one month with terminations on file");
        let (_, _, width, height) = bars[0].rectangle().await?;
        assert!(width > 0.0 && height > 100.0, "the bar is drawn: {width}x{height}");
        if let Some(dir) = &shots {
            std::fs::write(format!("{dir}/overview.png"), client.screenshot().await?).unwrap();
        }
        Ok(())
    }
    .await;
    let _ = client.close().await;
    stop.cancel();
    let _ = server.await;
    result.expect("browser steps");
    assert_eq!(store.terminations().await.unwrap()[0].effective_date.to_string(), "2027-02-01");
}

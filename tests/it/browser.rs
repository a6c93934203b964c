//! The respondent form in a real headless Chromium (through chromedriver): the page's
//! script runs under the Content-Security-Policy, conditional questions appear as the
//! respondent answers, errors show next to fields, and a submission ends on the receipt.

use crate::helpers::{fixtures_dir, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;

/// A chromedriver child process and a WebDriver session on it.
pub(crate) struct Browser {
    pub(crate) client: Client,
    _driver: tokio::process::Child,
    profile: std::path::PathBuf,
}

/// The driver goes with its child handle (`kill_on_drop`), but the Chromium it started
/// would outlive it (a test that fails, or ends without closing its session, left two
/// or three browsers of 500 MB each behind): every process started with this
/// browser's profile is killed, then the profile is removed.
impl Drop for Browser {
    fn drop(&mut self) {
        let marker = format!("--user-data-dir={}", self.profile.display());
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            if cmdline
                .split(|b| *b == 0)
                .any(|arg| arg == marker.as_bytes())
            {
                // SAFETY: kill(2) with a pid read from /proc; no memory is involved.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

pub(crate) async fn browser() -> Browser {
    let chromedriver =
        std::env::var("HRDD_TEST_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium =
        std::env::var("HRDD_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromedriver).exists() && std::path::Path::new(&chromium).exists(),
        "browser tests need {chromium} and {chromedriver}: run scripts/test (it installs them) or apt-get install chromium chromium-driver"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = tokio::process::Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap().keep();
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1100,1400", format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    client,
                    _driver: driver,
                    profile,
                }
            }
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not open a WebDriver session: {last_error:?}");
}

pub(crate) async fn hidden(c: &Client, id: &str) -> bool {
    let v = c
        .execute(
            &format!("return document.getElementById('{id}').hidden;"),
            vec![],
        )
        .await
        .unwrap();
    v.as_bool().unwrap()
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub(crate) async fn type_into(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// The text of the first element `css` finds.
pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), c.screenshot().await.unwrap()).unwrap();
}

#[tokio::test]
async fn a_respondent_answers_and_submits_in_chromium() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Browser Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response_id) = app.invite(&campaign, &org, &contact).await;
    let b = browser().await;
    let c = &b.client;
    let section = format!("{link}/s/1");

    c.goto(&app.url(&format!("{section}?lang=ja")))
        .await
        .unwrap();
    let japanese = c.source().await.unwrap();
    assert!(japanese.contains("旅券は誰が保管していますか?"));
    assert!(
        japanese.contains("日本 (JP)"),
        "country names in the respondent's language"
    );
    c.goto(&app.url(&format!("{section}?lang=en")))
        .await
        .unwrap();

    // The script runs (CSP allows it) and hides the fee question until fees were paid.
    assert!(hidden(c, "q-fee_amount").await, "fee_amount starts hidden");
    click(c, "input[name=fees_paid][value=yes]").await;
    assert!(
        !hidden(c, "q-fee_amount").await,
        "answering yes shows fee_amount"
    );
    click(c, "input[name=fees_paid][value=no]").await;
    assert!(
        hidden(c, "q-fee_amount").await,
        "answering no hides it again"
    );

    // Saving with a bad number keeps what was typed and says what is wrong.
    type_into(c, "f-headcount", "0").await;
    click(c, "button[value=next]").await;
    c.wait()
        .for_element(Locator::Css(".notice.errors"))
        .await
        .unwrap();
    let error = text_of(c, "#e-headcount").await;
    assert_eq!(error, "Enter between 1 and 100000 workers.");
    screenshot(c, "form-errors.png").await;

    // Full-width digits from a Japanese keyboard are accepted; the review lists the
    // required question still unanswered, linked to its field.
    let headcount = c.find(Locator::Id("f-headcount")).await.unwrap();
    headcount.clear().await.unwrap();
    headcount.send_keys("１２０").await.unwrap();
    click(c, "button[value=next]").await;
    c.wait()
        .for_element(Locator::Css("form.declaration"))
        .await
        .unwrap();
    let missing = text_of(c, ".notice.errors li").await;
    assert_eq!(
        missing,
        "Who keeps passports?: This question needs an answer."
    );
    click(c, ".notice.errors li a").await;
    c.wait()
        .for_element(Locator::Css("input[name=passports]"))
        .await
        .unwrap();
    click(c, "input[name=passports][value=worker]").await;
    type_into(c, "f-weekly_hours", "48").await;
    click(c, "button[value=next]").await;
    c.wait()
        .for_element(Locator::Css("form.declaration"))
        .await
        .unwrap();
    type_into(c, "f-signatory_name", "Lan Nguyen").await;
    type_into(c, "f-signatory_title", "Factory manager").await;
    click(c, "#f-declaration").await;
    click(c, "button[value=submit]").await;
    c.wait().for_element(Locator::Css(".done")).await.unwrap();
    let receipt = c.source().await.unwrap();
    assert!(
        receipt.contains(&response_id),
        "the receipt names the response"
    );
    assert!(receipt.contains("120 workers"));
    assert!(receipt.contains("Lan Nguyen, Factory manager"));
    screenshot(c, "receipt.png").await;

    let flags: serde_json::Value = app
        .get(&format!("/api/v1/responses/{response_id}/flags"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(flags["status"], "submitted");
    assert_eq!(
        flags["flags"],
        json!([]),
        "a clean answer set raises no flag"
    );
    b.client.clone().close().await.unwrap();
}

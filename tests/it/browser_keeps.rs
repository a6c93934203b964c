//! The section page's script in headless Chromium, where it keeps a respondent's work:
//! an autosave's refusal is marked beside its field (and unmarked once fixed), Enter in
//! a text box saves instead of adding a table row, and a file over the size limit is
//! refused beside its field before anything is sent; a submission by a colleague
//! while the page is open stops the autosave and shows back what was typed. Screenshots
//! land in
//! `target/tmp/screenshots/keeps-*.png`.

use crate::browser::{browser, screenshot, type_into};
use crate::helpers::{fixtures_dir, TestApp};
use crate::respondent::stored;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::Duration;

/// Waits until `script` returns true (10 s at most).
async fn until(c: &Client, script: &str, what: &str) {
    for _ in 0..100 {
        if c.execute(script, vec![]).await.unwrap() == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

#[tokio::test]
async fn the_section_script_marks_refusals_saves_on_enter_and_refuses_oversized_files() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Keeps Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let response = response.parse().unwrap();
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url(&format!("{link}/s/1"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-headcount"))
        .await
        .unwrap();

    // An autosave refused: the mark is beside the field, as a page from the server
    // would put it; fixed, the mark goes.
    type_into(c, "f-headcount", "0").await;
    until(
        c,
        "return document.getElementById('save-status').getAttribute('data-state') === 'errors';",
        "the refused autosave",
    )
    .await;
    assert_eq!(
        js(
            c,
            "var e = document.getElementById('e-headcount'); return e && e.textContent;"
        )
        .await,
        json!("Enter between 1 and 100000 workers.")
    );
    assert_eq!(
        js(
            c,
            "return document.getElementById('f-headcount').getAttribute('aria-describedby');"
        )
        .await,
        json!("e-headcount")
    );
    screenshot(c, "keeps-01-autosave-refusal.png").await;
    let headcount = c.find(Locator::Id("f-headcount")).await.unwrap();
    headcount.clear().await.unwrap();
    headcount.send_keys("12").await.unwrap();
    until(
        c,
        "return document.getElementById('save-status').getAttribute('data-state') === 'saved' && !document.getElementById('e-headcount');",
        "the mark taken away",
    )
    .await;
    assert_eq!(stored(&app, response).await["headcount"], json!(12));

    // Enter in a text box saves the section: it does not add a row to the agents'
    // table (its button came first in the form).
    let cells = "return document.querySelectorAll('[name^=\"agents.\"]').length;";
    let rows_before = js(c, cells).await;
    let hours = c.find(Locator::Id("f-weekly_hours")).await.unwrap();
    hours.send_keys("48").await.unwrap();
    hours.send_keys(&Key::Enter.to_string()).await.unwrap();
    until(
        c,
        "return location.search.indexOf('saved=1') >= 0;",
        "the save on Enter",
    )
    .await;
    assert_eq!(js(c, cells).await, rows_before, "no row added");
    assert_eq!(stored(&app, response).await["weekly_hours"], json!(48));
    // The server's "saved at" (UTC) is shown in the browser's own time.
    let shown = js(
        c,
        "return document.querySelector('#save-status time').textContent;",
    )
    .await;
    assert!(
        shown.as_str().unwrap().len() == 8 && !shown.as_str().unwrap().contains("UTC"),
        "{shown}"
    );

    // "Add a row" gives the new row's first box the focus.
    js(
        c,
        "document.querySelector(\"button[value='add_row:agents']\").scrollIntoView({block: 'center'}); return true;",
    )
    .await;
    c.find(Locator::Css("button[value='add_row:agents']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "return document.activeElement && document.activeElement.name === 'agents.1.agent_name';",
        "the focus in the new row",
    )
    .await;
    // A file over 10 MB is refused beside its field; nothing is sent.
    let big = std::env::temp_dir().join(format!("keeps-{}.pdf", uuid::Uuid::new_v4().simple()));
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(11 * 1024 * 1024, b' ');
    std::fs::write(&big, &bytes).unwrap();
    c.find(Locator::Id("f-policy"))
        .await
        .unwrap()
        .send_keys(big.to_str().unwrap())
        .await
        .unwrap();
    c.find(Locator::Css(".actions button[value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "var e = document.getElementById('e-policy'); return !!e && e.textContent === 'The file is larger than 10 MB.';",
        "the file refused beside its field",
    )
    .await;
    screenshot(c, "keeps-02-file-too-large.png").await;
    std::fs::remove_file(&big).unwrap();
    assert!(!stored(&app, response).await.contains_key("policy"));
    assert_eq!(
        js(c, "return document.getElementById('f-weekly_hours').value;").await,
        json!("48"),
        "the page with what was typed stays"
    );

    // A colleague submits meanwhile: the autosave stops and says so, the typed words
    // stay on screen, and "Save" shows them back, labelled, with the way to the receipt.
    js(
        c,
        "document.getElementById('f-policy').value = ''; return true;",
    )
    .await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "12"),
                ("passports", "worker"),
                ("fees_paid", "no"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303, "submitted by a colleague");
    type_into(c, "f-notes", "Night shifts end at 22:00").await;
    until(
        c,
        "var s = document.getElementById('save-status'); return s.getAttribute('data-state') === 'gone' && s.textContent.indexOf('already been submitted') >= 0;",
        "the autosave told of the submission",
    )
    .await;
    assert_eq!(
        js(c, "return document.getElementById('f-notes').value;").await,
        json!("Night shifts end at 22:00")
    );
    c.find(Locator::Css(".actions button[value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "return !!document.querySelector('dl.typed') && document.querySelector('dl.typed').textContent.indexOf('Night shifts end at 22:00') >= 0;",
        "what was typed shown back",
    )
    .await;
    assert!(c.source().await.unwrap().contains("<dt>Notes</dt>"));
    screenshot(c, "keeps-03-submitted-meanwhile.png").await;
    assert!(!stored(&app, response).await.contains_key("notes"));
}

#[tokio::test]
async fn the_declaration_typed_on_the_review_page_is_there_when_coming_back() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Declaring Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url(&format!("{link}/review"))).await.unwrap();
    let name = c.find(Locator::Id("f-signatory_name")).await.unwrap();
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Declaring Supplier contact"),
        "the contact's own name to start with"
    );
    name.clear().await.unwrap();
    name.send_keys("Lan Nguyen").await.unwrap();
    type_into(c, "f-signatory_title", "Factory manager").await;
    // Off to a section to answer what is missing, then back.
    c.goto(&app.url(&format!("{link}/s/1"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-headcount"))
        .await
        .unwrap();
    c.goto(&app.url(&format!("{link}/review"))).await.unwrap();
    until(
        c,
        "return document.getElementById('f-signatory_name').value === 'Lan Nguyen' && document.getElementById('f-signatory_title').value === 'Factory manager';",
        "the declaration as typed",
    )
    .await;
    assert_eq!(
        js(
            c,
            "return document.getElementById('f-declaration').checked;"
        )
        .await,
        json!(false),
        "the box is ticked anew"
    );
}

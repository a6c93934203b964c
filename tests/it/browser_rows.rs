//! A table's rows and the answers a condition hides, in headless Chromium with the
//! script: "Remove row 2" takes the row away at once (the rows after it renumbered,
//! the focus on the row now in its place, then on "Add a row"), and the autosave
//! records it; an answer that hides a typed answer says so beside it, and stops when
//! undone; the autosave's list of removed answers (another section's too) is shown;
//! the notes in Japanese; axe finds nothing serious on the table with its buttons, and
//! at 360 px the buttons keep the table within the screen. Screenshots land in
//! `target/tmp/screenshots/rows-*.png`.

use crate::browser::{browser, screenshot, text_of};
use crate::browser_flow::{accessible, axe_source};
use crate::respondent::stored;
use crate::rows::{invited, section_one};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
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

/// Clicks `css` once it is scrolled to the middle of the window (clear of the sticky
/// Save bar).
async fn click(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); return true;",
        vec![json!(css)],
    )
    .await
    .unwrap();
    crate::browser::click(c, css).await;
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// The rows of the agencies table as the page has them: [legend, first field's name,
/// its value, the remove button's text].
const ROWS: &str = r##"return Array.prototype.map.call(
  document.querySelectorAll("#q-agencies fieldset.row"), function (r) {
    var f = r.querySelector("input");
    return [r.querySelector("legend").textContent, f.name, f.value,
            r.querySelector("button.remove-row").textContent];
  });"##;

#[tokio::test]
async fn rows_go_at_once_and_hidden_answers_are_announced_in_chromium() {
    let (app, link, response) = invited("en").await;
    let s1 = format!("{link}/s/1");
    let fields = section_one("yes", "Licensed ones only", &["Alpha", "Beta", "Gamma"]);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(app.post_form(&s1, &fields, "save").await.status(), 303);
    let fees = [("agency_fees", "1500")];
    assert_eq!(
        app.post_form(&format!("{link}/s/2"), &fees, "save")
            .await
            .status(),
        303
    );

    let b = browser().await;
    let c = &b.client;
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url(&s1)).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-agencies.2.agency_name"))
        .await
        .unwrap();
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth;";
    assert_eq!(
        js(c, fits).await,
        json!(true),
        "nothing scrolls sideways at 360 px"
    );
    js(
        c,
        "document.getElementById('q-agencies').scrollIntoView(); return true;",
    )
    .await;
    screenshot(c, "rows-table-360px.png").await;
    let axe = axe_source();
    accessible(c, &axe, "a section with a table's remove buttons").await;
    c.set_window_size(1100, 1000).await.unwrap();

    // "Remove row 2": gone at once, the third row is now the second, and has the focus.
    click(c, "button[value='remove_row:agencies:1']").await;
    assert_eq!(
        js(c, ROWS).await,
        json!([
            [
                "Row 1",
                "agencies.0.agency_name",
                "Alpha",
                "Remove row 1 — Recruitment agencies"
            ],
            [
                "Row 2",
                "agencies.1.agency_name",
                "Gamma",
                "Remove row 2 — Recruitment agencies"
            ]
        ])
    );
    assert_eq!(
        js(c, "return document.activeElement.id;").await,
        json!("f-agencies.1.agency_name")
    );
    assert_eq!(text_of(c, "#rn-agencies").await, "Row 2 removed.");
    screenshot(c, "rows-removed.png").await;
    let mut saved = false;
    for _ in 0..100 {
        let rows = stored(&app, response).await.get("agencies").cloned();
        if rows == Some(json!([{"agency_name": "Alpha"}, {"agency_name": "Gamma"}])) {
            saved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saved, "the autosave recorded the removal");

    // The last row removed: the focus on "Add a row"; then the only one: an empty table.
    click(c, "button[value='remove_row:agencies:1']").await;
    until(
        c,
        "return document.activeElement.value === 'add_row:agencies';",
        "the focus on Add a row",
    )
    .await;
    click(c, "button[value='remove_row:agencies:0']").await;
    assert_eq!(js(c, ROWS).await, json!([]));
    assert_eq!(text_of(c, "#rn-agencies").await, "Row 1 removed.");
    for _ in 0..100 {
        if !stored(&app, response).await.contains_key("agencies") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!stored(&app, response).await.contains_key("agencies"));

    // "No" hides the note holding typed text, and the fee answered in section 2 (its
    // condition reads this answer): said beside the answer, and unsaid when the answer
    // goes back to "yes" (before the autosave runs).
    let note =
        "var n = document.getElementById('hn-uses_agencies'); return n ? n.textContent : null;";
    assert_eq!(js(c, note).await, json!(""));
    click(c, "input[name=uses_agencies][value=no]").await;
    assert_eq!(
        js(c, note).await,
        json!("Your answer hides 2 questions you answered; what you typed there will be removed when you save.")
    );
    assert_eq!(
        js(
            c,
            "return document.getElementById('hn-uses_agencies').getAttribute('role');"
        )
        .await,
        json!("status")
    );
    click(c, "input[name=uses_agencies][value=yes]").await;
    assert_eq!(js(c, note).await, json!(""));

    // "No" again, left to the autosave: it removes the note and the fee of section 2,
    // and the page lists both.
    click(c, "input[name=uses_agencies][value=no]").await;
    until(
        c,
        "var r = document.getElementById('removed-answers'); return r.textContent.indexOf('Highest fee') >= 0;",
        "the removed answers listed",
    )
    .await;
    let listed = text_of(c, "#removed-answers").await;
    assert!(
        listed.starts_with("These answers were removed because they no longer apply:"),
        "{listed}"
    );
    assert!(
        listed.contains("How do you choose agencies?: Licensed ones only"),
        "{listed}"
    );
    assert!(
        listed.contains("Highest fee an agency charged: 1500 USD"),
        "{listed}"
    );
    let after = stored(&app, response).await;
    assert!(!after.contains_key("agency_fees") && !after.contains_key("agency_note"));
    screenshot(c, "rows-removed-answers.png").await;
    accessible(c, &axe, "a section listing removed answers").await;

    // In Japanese: the buttons, the row note and the hide note.
    c.goto(&app.url(&format!("{s1}?lang=ja"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-agencies.0.agency_name"))
        .await
        .unwrap();
    c.find(Locator::Id("f-agencies.0.agency_name"))
        .await
        .unwrap()
        .send_keys("Delta")
        .await
        .unwrap();
    assert_eq!(
        js(
            c,
            "return document.querySelector(\"button[value='remove_row:agencies:0']\").textContent;"
        )
        .await,
        json!("行 1 を削除 — 人材紹介会社")
    );
    click(c, "input[name=uses_agencies][value=yes]").await;
    c.find(Locator::Id("f-agency_note"))
        .await
        .unwrap()
        .send_keys("許可のある会社のみ")
        .await
        .unwrap();
    click(c, "input[name=uses_agencies][value=no]").await;
    assert_eq!(
        js(c, note).await,
        json!("この回答により、回答済みの質問 1 問が表示されなくなります。そこに入力した内容は保存時に削除されます。")
    );
    click(c, "button[value='remove_row:agencies:0']").await;
    assert_eq!(text_of(c, "#rn-agencies").await, "行 1 を削除しました。");
    screenshot(c, "rows-ja.png").await;
    b.client.clone().close().await.unwrap();
}

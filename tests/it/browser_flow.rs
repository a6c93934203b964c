//! The sectioned questionnaire end to end in headless Chromium: the start page, a
//! language switch, a conditional question, a validation error fixed, autosave, resume
//! in another browser profile, a conflict with a colleague's change, keyboard-only
//! completion of a section, review, declaration, submit. axe-core (from npm, in
//! `tests/axe`, injected through WebDriver: the service never serves it) finds no
//! serious or critical WCAG 2.x A/AA violation on the start page, a section with
//! errors, the review page and the receipt. Screenshots of each step land in
//! `target/tmp/screenshots/flow-*.png`.

use crate::browser::{browser, click, hidden, screenshot, text_of, type_into};
use crate::respondent::stored;
use crate::sections::{invited, link_of};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::time::Duration;

/// axe-core's browser build, installed by `npm ci` in `tests/axe` (scripts/test does it).
pub(crate) fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `npm ci` in tests/axe (scripts/test does)",
            path.display()
        )
    })
}

/// Runs axe on the current page: no serious or critical violation of WCAG 2.0, 2.1 and
/// 2.2 at levels A and AA; the page and each language link carry `lang`.
pub(crate) async fn accessible(c: &Client, axe: &str, page: &str) {
    c.execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .unwrap();
    let found = c
        .execute_async(
            r#"var done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } })
              .then(function (r) {
                done(r.violations
                  .filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
                  .map(function (v) { return v.id + ": " + v.nodes.map(function (n) { return n.target.join(" "); }).join(" | "); }));
              })
              .catch(function (e) { done(["axe failed: " + e]); });"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(found, json!([]), "{page}: serious or critical violations");
    let langs = c
        .execute(
            r#"return [document.documentElement.lang,
                Array.prototype.every.call(document.querySelectorAll("nav.langs a, nav.langs strong"),
                  function (a) { return a.lang !== ""; })];"#,
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(langs[0], json!(""), "{page}: <html lang>");
    assert_eq!(langs[1], json!(true), "{page}: lang on each language link");
}

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

/// The page fits a 360 px wide screen: nothing scrolls sideways.
async fn fits_a_phone(c: &Client, name: &str) {
    c.set_window_size(360, 800).await.unwrap();
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    screenshot(c, name).await;
    c.set_window_size(1100, 1400).await.unwrap();
    assert_eq!(fits, json!(true), "{name}: wider than 360 px");
}

/// Presses Tab until the focused element matches `css` (60 presses at most); asserts
/// that the focus is visible (an outline).
async fn tab_to(c: &Client, css: &str) {
    for _ in 0..60 {
        let here = c
            .execute(
                "return document.activeElement.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if here == json!(true) {
            let outline = c
                .execute(
                    "var s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(outline, json!("solid 3px"), "visible focus on {css}");
            return;
        }
        c.active_element()
            .await
            .unwrap()
            .send_keys(&Key::Tab.to_string())
            .await
            .unwrap();
    }
    panic!("Tab never reached {css}");
}

#[tokio::test]
async fn a_supplier_completes_the_sectioned_form_in_chromium() {
    let axe = axe_source();
    let (app, link, response, _) = invited().await;
    let b = browser().await;
    let c = &b.client;

    // 1. The start page; switch to Japanese.
    c.goto(&app.url(&link)).await.unwrap();
    c.wait()
        .for_element(Locator::Css("a.button"))
        .await
        .unwrap();
    accessible(c, &axe, "start page").await;
    screenshot(c, "flow-01-start.png").await;
    fits_a_phone(c, "flow-01-start-360px.png").await;
    click(c, "nav.langs a[hreflang=ja]").await;
    until(
        c,
        "return document.documentElement.lang === 'ja';",
        "the Japanese start page",
    )
    .await;
    assert!(c.source().await.unwrap().contains("労働慣行チェック"));
    screenshot(c, "flow-02-start-ja.png").await;

    // 2. Section 1: a conditional question appears; a bad value, then fixed.
    click(c, "a.button").await;
    c.wait()
        .for_element(Locator::Id("f-headcount"))
        .await
        .unwrap();
    assert!(
        hidden(c, "q-migrant_share").await,
        "hidden until migrants = yes"
    );
    click(c, "input[name=migrants][value=yes]").await;
    assert!(!hidden(c, "q-migrant_share").await, "shown by the answer");
    screenshot(c, "flow-03-conditional.png").await;
    type_into(c, "f-headcount", "0").await;
    type_into(c, "f-migrant_share", "30").await;
    click(c, "button[value=next]").await;
    c.wait()
        .for_element(Locator::Css(".notice.errors"))
        .await
        .unwrap();
    assert_eq!(
        text_of(c, "#e-headcount").await,
        "1〜100000人の範囲で入力してください。"
    );
    accessible(c, &axe, "a section with errors").await;
    screenshot(c, "flow-04-error.png").await;
    let headcount = c.find(Locator::Id("f-headcount")).await.unwrap();
    headcount.clear().await.unwrap();
    headcount.send_keys("１２０").await.unwrap();
    click(c, "button[value=next]").await;
    c.wait().for_element(Locator::Id("f-notes")).await.unwrap();

    // 3. Section 2: typing is saved in the background, with the time shown.
    type_into(c, "f-notes", "直接雇用のみ").await;
    until(
        c,
        "return document.getElementById('save-status').getAttribute('data-state') === 'saved';",
        "the autosave",
    )
    .await;
    assert!(text_of(c, "#save-status").await.starts_with("保存時刻"));
    assert_eq!(stored(&app, response).await["notes"], json!("直接雇用のみ"));
    assert_eq!(stored(&app, response).await["headcount"], json!(120));
    screenshot(c, "flow-05-autosaved.png").await;
    fits_a_phone(c, "flow-05-section-360px.png").await;

    // 4. Another browser profile with only the link lands on section 2, the first
    //    with something left to do, in Japanese.
    let other = browser().await;
    let c2 = &other.client;
    c2.goto(&app.url(&link)).await.unwrap();
    c2.wait().for_element(Locator::Id("f-notes")).await.unwrap();
    assert_eq!(
        c2.current_url().await.unwrap().path(),
        format!("{link}/s/2")
    );
    until(
        c2,
        "return document.documentElement.lang === 'ja';",
        "Japanese, remembered",
    )
    .await;
    assert_eq!(
        c2.find(Locator::Id("f-notes"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("直接雇用のみ")
    );
    screenshot(c2, "flow-06-resumed.png").await;

    // 5. A colleague (handed over by email) changes the same answer; the first
    //    contact's next save of it shows both values instead of overwriting.
    let csrf = app.form_csrf(&link).await;
    let res = app
        .client
        .post(app.url(&format!("{link}/handover")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("colleague_name", "Minh Tran"),
            ("colleague_email", "minh@supplier.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let colleague = link_of(&app, "minh@supplier.example").await;
    c2.goto(&app.url(&format!("{colleague}/s/2")))
        .await
        .unwrap();
    let notes = c2.find(Locator::Id("f-notes")).await.unwrap();
    notes.clear().await.unwrap();
    notes.send_keys("認可された紹介会社経由").await.unwrap();
    click(c2, ".actions button[value=save]").await;
    until(
        c2,
        "return location.search.indexOf('saved=1') >= 0;",
        "the colleague's save",
    )
    .await;

    type_into(c, "f-notes", "(確認済み)").await;
    c.wait()
        .for_element(Locator::Css(".notice.conflict"))
        .await
        .unwrap();
    assert_eq!(
        text_of(c, ".conflict-values .theirs").await,
        "認可された紹介会社経由"
    );
    assert_eq!(
        text_of(c, ".conflict-values .mine").await,
        "直接雇用のみ(確認済み)"
    );
    assert_eq!(
        stored(&app, response).await["notes"],
        json!("認可された紹介会社経由"),
        "never silently overwritten"
    );
    screenshot(c, "flow-07-conflict.png").await;
    // Deciding for their own text: save again.
    click(c, "input[name=fees_paid][value=no]").await;
    click(c, "button[value=next]").await;
    c.wait()
        .for_element(Locator::Css("input[name=passports]"))
        .await
        .unwrap();
    assert_eq!(
        stored(&app, response).await["notes"],
        json!("直接雇用のみ(確認済み)")
    );

    // 6. Section 3 with the keyboard only, focus always visible.
    c.execute(
        "document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css("a.skip")).await.unwrap();
    tab_to(c, "input[name=passports][value=worker]").await;
    c.active_element()
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    tab_to(c, "button[value=next]").await;
    screenshot(c, "flow-08-keyboard.png").await;
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();

    // 7. Review, declaration, submit.
    c.wait()
        .for_element(Locator::Css("form.declaration"))
        .await
        .unwrap();
    assert_eq!(stored(&app, response).await["passports"], json!("worker"));
    assert!(
        c.find(Locator::Css(".notice.errors")).await.is_err(),
        "nothing missing"
    );
    accessible(c, &axe, "review page").await;
    screenshot(c, "flow-09-review.png").await;
    type_into(c, "f-signatory_name", "佐藤 花子").await;
    type_into(c, "f-signatory_title", "人事部長").await;
    click(c, "#f-declaration").await;
    click(c, "button[value=submit]").await;
    c.wait().for_element(Locator::Css(".done")).await.unwrap();
    let receipt = c.source().await.unwrap();
    assert!(receipt.contains("佐藤 花子（人事部長）"));
    assert!(receipt.contains(&response.to_string()));
    accessible(c, &axe, "receipt").await;
    screenshot(c, "flow-10-receipt.png").await;

    let flags: Value = app
        .get(&format!("/api/v1/responses/{response}/flags"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(flags["status"], "submitted");
    other.client.clone().close().await.unwrap();
    b.client.clone().close().await.unwrap();
}

//! The respondent's pages in headless Chromium for keyboard, screen reader and phone
//! users: tabbing through the real forced-labour questionnaire at 1100×800 never puts
//! the focus under the sticky Save bar, and the focus ring stands out (3:1) from the
//! white page and the blue buttons; an autosave's refusal is read with the field's
//! help; on a 360 px phone, "Saved" after a save and the hand-over's result are on
//! screen (and focused) at once. Screenshots land in
//! `target/tmp/screenshots/a11y-*.png`.

use crate::browser::{browser, click, screenshot, type_into};
use crate::browser_flow::{accessible, axe_source};
use crate::helpers::TestApp;
use crate::sections::invited;
use fantoccini::key::Key;
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

/// The focused element: a description, whether it is in the Save bar, the bottom of
/// its box, the top of the bar, and the focus ring's contrast with the white page and
/// with the element's own background (the better of its outline and its inner ring,
/// the box shadow, when there is one).
const FOCUSED: &str = r##"
function lum(c) {
  var m = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(function (v) {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2];
}
function ratio(a, b) {
  var x = lum(a), y = lum(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
var e = document.activeElement, s = getComputedStyle(e);
var bar = document.querySelector("form > .actions");
var white = "rgb(255, 255, 255)";
var inner = (s.boxShadow.match(/rgba?\([^)]*\)/) || [s.outlineColor])[0];
var own = s.backgroundColor.indexOf("rgba(0, 0, 0, 0)") === 0 ? white : s.backgroundColor;
return [
  e.tagName + "#" + e.id + "[name=" + (e.name || "") + "][value=" + (e.value || "") + "]",
  !!(bar && bar.contains(e)),
  e.getBoundingClientRect().bottom,
  bar.getBoundingClientRect().top,
  ratio(s.outlineColor, white),
  Math.max(ratio(s.outlineColor, own), ratio(inner, own)),
  s.outlineStyle + " " + s.outlineWidth
];
"##;

#[tokio::test]
async fn tabbing_through_a_long_section_keeps_the_focus_clear_of_the_save_bar() {
    let app = TestApp::spawn().await;
    let (org, contact) = app.supplier("Keyboard Supplier", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let b = browser().await;
    let c = &b.client;
    c.set_window_size(1100, 800).await.unwrap();
    c.goto(&app.url(&format!("{link}/s/2"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-total_headcount"))
        .await
        .unwrap();
    c.execute(
        "document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css("a.skip")).await.unwrap();
    let (mut checked, mut shot) = (0, false);
    // Every focused field under the bar, and every focus ring that does not stand out.
    let (mut under, mut faint) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        c.active_element()
            .await
            .unwrap()
            .send_keys(&Key::Tab.to_string())
            .await
            .unwrap();
        let f: Value = c.execute(FOCUSED, vec![]).await.unwrap();
        let (what, in_bar) = (f[0].as_str().unwrap(), f[1] == json!(true));
        if what.starts_with("BODY") {
            continue;
        }
        // The ring stands out from the page, and (the bar's blue button) from the
        // element's own background.
        if f[4].as_f64().unwrap() < 3.0 || (in_bar && f[5].as_f64().unwrap() < 3.0) {
            faint.push(f.to_string());
        }
        assert_eq!(f[6], json!("solid 3px"), "{f}");
        if in_bar {
            if what.contains("[value=next]") {
                break;
            }
            continue;
        }
        let (bottom, bar_top) = (f[2].as_f64().unwrap(), f[3].as_f64().unwrap());
        if bottom > bar_top {
            under.push(format!(
                "{what}: its bottom {bottom}, the bar's top {bar_top}"
            ));
            if !shot {
                screenshot(c, "a11y-focus-under-bar.png").await;
                shot = true;
            }
        }
        checked += 1;
        if checked == 30 {
            screenshot(c, "a11y-focus-clear-of-bar.png").await;
        }
    }
    assert!(
        checked > 15,
        "a long section: {checked} fields tabbed through"
    );
    assert!(under.is_empty(), "focus under the Save bar: {under:#?}");
    assert!(faint.is_empty(), "focus rings under 3:1: {faint:#?}");
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn an_autosave_refusal_is_read_with_the_fields_help() {
    let app = TestApp::spawn().await;
    let (org, contact) = app.supplier("Help Supplier", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url(&format!("{link}/s/2"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-total_headcount"))
        .await
        .unwrap();
    let described =
        "return document.getElementById('f-total_headcount').getAttribute('aria-describedby');";
    assert_eq!(
        c.execute(described, vec![]).await.unwrap(),
        json!("h-total_headcount")
    );
    type_into(c, "f-total_headcount", "-5").await;
    until(
        c,
        "return !!document.getElementById('e-total_headcount');",
        "the refused autosave",
    )
    .await;
    assert_eq!(
        c.execute(described, vec![]).await.unwrap(),
        json!("h-total_headcount e-total_headcount")
    );
    screenshot(c, "a11y-refusal-with-help.png").await;
    let field = c.find(Locator::Id("f-total_headcount")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("120").await.unwrap();
    until(
        c,
        "return !document.getElementById('e-total_headcount');",
        "the mark taken away",
    )
    .await;
    assert_eq!(
        c.execute(described, vec![]).await.unwrap(),
        json!("h-total_headcount"),
        "the help stays"
    );
    b.client.clone().close().await.unwrap();
}

/// Whether the element `id` is focused and wholly on screen.
async fn seen_and_focused(c: &Client, id: &str) -> Value {
    c.execute(
        "var e = document.getElementById(arguments[0]); if (!e) return 'missing';
         var r = e.getBoundingClientRect();
         return [document.activeElement === e, r.top >= 0 && r.bottom <= window.innerHeight];",
        vec![json!(id)],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn on_a_phone_saved_and_the_hand_over_result_are_seen_at_once() {
    let (app, link, _, _) = invited().await;
    let b = browser().await;
    let c = &b.client;
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url(&format!("{link}/s/1"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-headcount"))
        .await
        .unwrap();
    type_into(c, "f-headcount", "120").await;
    click(c, ".actions button[value=save]").await;
    until(
        c,
        "return location.search.indexOf('saved=1') >= 0 && !!document.getElementById('notice');",
        "the page after Save",
    )
    .await;
    assert_eq!(seen_and_focused(c, "notice").await, json!([true, true]));
    let said = c
        .find(Locator::Id("notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(said.starts_with("Saved at "), "{said}");
    screenshot(c, "a11y-saved-360px.png").await;
    let axe = axe_source();
    accessible(c, &axe, "a section after Save").await;

    c.goto(&app.url(&format!("{link}?start=1"))).await.unwrap();
    c.wait()
        .for_element(Locator::Id("f-colleague_email"))
        .await
        .unwrap();
    type_into(c, "f-colleague_name", "Minh Tran").await;
    type_into(c, "f-colleague_email", "not an address").await;
    click(c, ".handover button").await;
    until(
        c,
        "var n = document.getElementById('notice'); return !!n && n.className.indexOf('errors') >= 0;",
        "the refused hand-over",
    )
    .await;
    until(
        c,
        "return document.activeElement === document.getElementById('notice');",
        "the focus on the notice",
    )
    .await;
    assert_eq!(seen_and_focused(c, "notice").await, json!([true, true]));
    screenshot(c, "a11y-handover-refused-360px.png").await;
    accessible(c, &axe, "the start page with the hand-over refused").await;
    let email = c.find(Locator::Id("f-colleague_email")).await.unwrap();
    email.clear().await.unwrap();
    email.send_keys("minh@supplier.example").await.unwrap();
    click(c, ".handover button").await;
    until(
        c,
        "var n = document.getElementById('notice'); return !!n && n.className.indexOf('saved') >= 0 && document.activeElement === n;",
        "the hand-over's result, focused",
    )
    .await;
    assert_eq!(seen_and_focused(c, "notice").await, json!([true, true]));
    screenshot(c, "a11y-handover-sent-360px.png").await;
    b.client.clone().close().await.unwrap();
}

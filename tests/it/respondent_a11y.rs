//! The respondent's pages for a screen reader and a phone, over HTTP: help texts read
//! with their fields (and errors beside them), "Saved" said at the top of a section
//! after a save, each page its own `<title>`, the deadline written as the emails write
//! it, and the hand-over's result first on the start page.

use crate::helpers::TestApp;
use crate::sections::invited;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::schema::campaigns;
use uuid::Uuid;

/// An app with a supplier invited to the real forced-labour questionnaire: (app, link).
async fn forced_labour() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let (org, contact) = app.supplier("Help Supplier", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    (app, link)
}

async fn page(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The `<title>` of a page.
fn title(html: &str) -> &str {
    html.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .expect("the page has a title")
}

#[tokio::test]
async fn help_texts_describe_their_fields_and_errors_are_added_beside_them() {
    let (app, link) = forced_labour().await;
    // A choice group: its fieldset names the help.
    let s1 = page(&app, &format!("{link}/s/1")).await;
    assert!(
        s1.contains(r#"<fieldset aria-describedby="h-information_sources">"#),
        "{s1}"
    );
    assert!(s1.contains(r#"<p class="help" id="h-information_sources">"#));
    // A number field: the input names it.
    let s2 = page(&app, &format!("{link}/s/2")).await;
    let input = s2
        .split(r#"<input id="f-total_headcount""#)
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .expect("the headcount field");
    assert!(
        input.contains(r#"aria-describedby="h-total_headcount""#),
        "{input}"
    );
    assert!(!input.contains("aria-invalid"), "{input}");

    // With an error: the help, then the error, both read with the field.
    let res = app
        .post_form(
            &format!("{link}/s/2"),
            &[("total_headcount", "many")],
            "save",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let input = html
        .split(r#"<input id="f-total_headcount""#)
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .expect("the headcount field");
    assert!(
        input.contains(
            r#"aria-invalid="true" aria-describedby="h-total_headcount e-total_headcount""#
        ),
        "{input}"
    );
    assert!(html.contains(r#"<p class="error" id="e-total_headcount">"#));
}

#[tokio::test]
async fn each_section_and_the_review_have_their_own_title() {
    let (app, link, _, _) = invited().await;
    let s1 = format!("{link}/s/1");
    assert_eq!(
        title(&page(&app, &s1).await),
        "Workforce · Labour practices check · HRDD Survey"
    );
    assert_eq!(
        title(&page(&app, &format!("{link}/s/2?lang=ja")).await),
        "採用 · 労働慣行チェック · HRDD Survey"
    );
    assert_eq!(
        title(&page(&app, &format!("{link}/review?lang=vi")).await),
        "Xem lại câu trả lời · Kiểm tra thực hành lao động · HRDD Survey"
    );
    assert_eq!(
        title(&page(&app, &format!("{link}/review?lang=en")).await),
        "Review your answers · Labour practices check · HRDD Survey"
    );
}

#[tokio::test]
async fn after_a_save_the_section_says_saved_at_its_top() {
    let (app, link, _, _) = invited().await;
    let s1 = format!("{link}/s/1");
    // No notice before a save.
    assert!(!page(&app, &s1).await.contains(r#"id="notice""#));
    let res = app.post_form(&s1, &[("headcount", "120")], "save").await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("{s1}?saved=1"));
    let html = page(&app, &to).await;
    let notice = html
        .find(r#"<div class="notice saved" role="status" tabindex="-1" id="notice"><p>Saved at <time datetime="20"#)
        .unwrap_or_else(|| panic!("a notice at the top: {html}"));
    assert!(
        notice < html.find("<form").unwrap(),
        "the notice is above the form"
    );
    // The status line under the form stays as it was.
    assert!(html.contains(r#"role="status" aria-live="polite">Saved at <time datetime="20"#));

    // In the page's language.
    let ja = page(&app, &format!("{s1}?saved=1&lang=ja")).await;
    assert!(
        ja.contains(r#"id="notice"><p>保存時刻 <time datetime="20"#),
        "{ja}"
    );
}

#[tokio::test]
async fn the_deadline_is_written_as_the_emails_write_it() {
    let (app, link, _, campaign) = invited().await;
    let mut conn = app.db.conn().await;
    diesel::update(campaigns::table.find(campaign.parse::<Uuid>().unwrap()))
        .set(campaigns::deadline.eq(chrono::NaiveDate::from_ymd_opt(2099, 3, 31).unwrap()))
        .execute(&mut conn)
        .await
        .unwrap();
    for (lang, text) in [
        ("en", "31 March 2099"),
        ("ja", "2099年3月31日"),
        ("vi", "ngày 31 tháng 3 năm 2099"),
    ] {
        let written = format!(r#"<time datetime="2099-03-31">{text}</time>"#);
        for path in [
            format!("{link}?start=1&lang={lang}"),
            format!("{link}/s/2?lang={lang}"),
        ] {
            let html = page(&app, &path).await;
            assert!(html.contains(&written), "{path}: {html}");
            assert!(!html.contains(">2099-03-31<"), "{path}: {html}");
        }
    }
}

#[tokio::test]
async fn the_hand_over_result_is_the_first_thing_on_the_start_page() {
    let (app, link, _, _) = invited().await;
    let csrf = app.form_csrf(&link).await;
    let post = |name: &'static str, email: &'static str| {
        app.client
            .post(app.url(&format!("{link}/handover")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("colleague_name", name),
                ("colleague_email", email),
            ])
            .send()
    };
    let res = post("", "not an address").await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let notice = html
        .find(r#"<div class="notice errors" role="alert" tabindex="-1" id="notice">"#)
        .expect("the notice");
    assert!(
        notice < html.find(r#"class="card intro""#).unwrap(),
        "{html}"
    );
    // Each refusal linked to its field, which keeps its error beside it.
    let summary = &html[notice..html.find(r#"class="card intro""#).unwrap()];
    assert!(
        summary.contains(r##"<li><a href="#q-colleague_email">"##)
            && summary.contains("</a>: Enter an email"),
        "{summary}"
    );
    // The errors stay beside their fields.
    assert!(html.contains(r#"<p class="error" id="e-colleague_email">"#));
    // The script that moves the focus to the notice is on the page.
    assert!(
        html.contains(r#"<script src="/static/form.js?v="#),
        "{html}"
    );

    let res = post("Minh Tran", "minh@supplier.example").await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let notice = html
        .find(r#"id="notice"><p>A link is on its way to minh@supplier.example</p>"#)
        .expect("the notice");
    assert!(
        notice < html.find(r#"class="card intro""#).unwrap(),
        "{html}"
    );
}

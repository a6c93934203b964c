//! Nothing typed is lost when the questionnaire was submitted while a page was open
//! (from another tab, or by a colleague), nor when a link stops working: the page says
//! what happened and shows back, labelled by question, what was not saved.

use crate::respondent::{post_with_files, stored};
use crate::sections::invited;
use serde_json::{json, Value};

/// A section post with the CSRF token read before the questionnaire was submitted (the
/// page was open then).
async fn post_section(
    app: &crate::helpers::TestApp,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
    action: &str,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf.to_string());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.text("action", action.to_string());
    app.client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Every required question of the sections fixture answered, section by section.
async fn answer_every_section(app: &crate::helpers::TestApp, link: &str) {
    let first = [("headcount", "80"), ("migrants", "no")];
    assert_eq!(
        app.post_form(&format!("{link}/s/1"), &first, "save")
            .await
            .status(),
        303
    );
    app.post_form(&format!("{link}/s/2"), &[("fees_paid", "no")], "save")
        .await;
    app.post_form(&format!("{link}/s/3"), &[("passports", "worker")], "save")
        .await;
}

/// The review page's submit with a complete declaration (and `extra` fields).
async fn sign(
    app: &crate::helpers::TestApp,
    link: &str,
    csrf: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("csrf_token", csrf),
        ("signatory_name", "Hana Sato"),
        ("signatory_title", "HR manager"),
        ("declaration", "yes"),
    ];
    form.extend_from_slice(extra);
    app.client
        .post(app.url(&format!("{link}/submit")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_change_posted_after_the_submission_is_shown_back_not_dropped() {
    let (app, link, response, _) = invited().await;
    let s1 = format!("{link}/s/1");
    let csrf = app.form_csrf(&s1).await;
    let first = [("headcount", "80"), ("migrants", "no")];
    answer_every_section(&app, &link).await;
    assert_eq!(
        sign(&app, &link, &csrf, &[]).await.status(),
        303,
        "submitted"
    );

    // The page of section 1 was still open elsewhere; its autosave stops and says why.
    let res = post_section(
        &app,
        &csrf,
        &s1,
        &[("headcount", "95"), ("migrants", "no")],
        "autosave",
    )
    .await;
    assert_eq!(res.status(), 200);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], "submitted");
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .starts_with("This questionnaire has already been submitted"),
        "{reply}"
    );

    // Its "Save": the change is shown back by its question's label, with the way to
    // the receipt; the submitted answers stay as they were.
    let res = post_section(
        &app,
        &csrf,
        &s1,
        &[("headcount", "95"), ("migrants", "no")],
        "save",
    )
    .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("This questionnaire has already been submitted"),
        "{html}"
    );
    assert!(
        html.contains("<dt>Number of workers</dt><dd><pre>95</pre></dd>"),
        "{html}"
    );
    assert!(
        !html.contains("<pre>no</pre>"),
        "an unchanged answer is not listed: {html}"
    );
    assert!(html.contains(&format!(r#"<a href="{link}">"#)), "{html}");
    assert_eq!(stored(&app, response).await["headcount"], json!(80));

    // A stale page posted unchanged (a second click) just goes to the receipt.
    let res = post_section(&app, &csrf, &s1, &first, "next").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"].to_str().unwrap(), link);

    // The one-page form's draft save is answered the same way.
    let res = post_section(&app, &csrf, &link, &[("headcount", "96")], "save").await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("<dt>Number of workers</dt><dd><pre>96</pre></dd>"));
}

#[tokio::test]
async fn the_declaration_starts_with_the_contacts_own_name() {
    let (app, link, _, _) = invited().await;
    let html = app
        .get(&format!("{link}/review"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"autocomplete="name" value="Sections Supplier contact""#),
        "{html}"
    );
}

#[tokio::test]
async fn a_trailing_slash_leads_to_the_page() {
    let (app, link, _, _) = invited().await;
    let res = app.get(&format!("{link}/review/?lang=ja")).await;
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("{link}/review?lang=ja")
    );
    assert_eq!(app.get("/health/").await.headers()["location"], "/health");
    // Never to another site ("//host" is a protocol-relative address), never a post.
    assert_eq!(app.get("//evil.example/").await.status(), 404);
    assert_eq!(app.get("/no-such-page/").await.status(), 404);
    let res = app
        .client
        .post(app.url("/staff/login/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn an_empty_file_is_refused_beside_its_field_and_the_stored_one_kept() {
    let (app, link, response) = crate::respondent::invited("ja").await;
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "policy.pdf", pdf)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let before = stored(&app, response).await["policy"].clone();
    assert_eq!(before["file_name"], json!("policy.pdf"));
    // A file chosen that holds nothing (a cloud drive's placeholder, a failed copy).
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "11")],
        &[("policy", "new.pdf", b"")],
        "save",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-policy">ファイルが空です(0 バイト)。"#),
        "{html}"
    );
    let after = stored(&app, response).await;
    assert_eq!(after["policy"], before, "the stored file stays");
    assert_eq!(after["headcount"], json!(11), "the rest was saved");
}

/// The value of the hidden field `name` of a page.
fn hidden_in(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).expect("the page carries the field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn the_declaration_is_not_signed_over_answers_changed_after_the_review() {
    let (app, link, response, _) = invited().await;
    answer_every_section(&app, &link).await;
    let review = app
        .get(&format!("{link}/review"))
        .await
        .text()
        .await
        .unwrap();
    let (csrf, reviewed, at) = (
        hidden_in(&review, "csrf_token"),
        hidden_in(&review, "_reviewed"),
        hidden_in(&review, "_reviewed_at"),
    );
    assert!(review.contains("<dd>No</dd>"), "{review}");
    // A colleague changes an answer while the review page is open.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.post_form(&format!("{link}/s/2"), &[("fees_paid", "yes")], "save")
        .await;
    let res = sign(
        &app,
        &link,
        &csrf,
        &[
            ("_reviewed", reviewed.as_str()),
            ("_reviewed_at", at.as_str()),
        ],
    )
    .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Some answers were changed after you opened this page"),
        "{html}"
    );
    assert!(
        html.contains(r#"<dd class="changed">Yes <strong class="changed-note">(Changed by: Sections Supplier contact, "#),
        "{html}"
    );
    assert!(
        html.contains(r#"autocomplete="name" value="Hana Sato""#),
        "{html}"
    );
    assert!(!html.contains("checked"), "the box is ticked anew: {html}");
    let mut conn = app.db.conn().await;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hrdd_survey::db::schema::responses;
    let status: String = responses::table
        .find(response)
        .select(responses::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "draft", "nothing was submitted");
    // Signed from the page that shows the answers as they are: submitted.
    let (reviewed, at) = (
        hidden_in(&html, "_reviewed"),
        hidden_in(&html, "_reviewed_at"),
    );
    let res = sign(
        &app,
        &link,
        &csrf,
        &[
            ("_reviewed", reviewed.as_str()),
            ("_reviewed_at", at.as_str()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let status: String = responses::table
        .find(response)
        .select(responses::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "submitted");
}

#[tokio::test]
async fn a_colleague_who_did_not_submit_is_told_who_did_not_thanked_for_it() {
    let (app, link, _, _) = invited().await;
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
    let colleague = crate::sections::link_of(&app, "minh@supplier.example").await;
    answer_every_section(&app, &link).await;
    assert_eq!(sign(&app, &link, &csrf, &[]).await.status(), 303);
    let mine = app.get(&link).await.text().await.unwrap();
    assert!(mine.contains("we also email it to you"), "{mine}");
    let theirs = app.get(&colleague).await.text().await.unwrap();
    assert!(
        theirs.contains("These answers have been submitted"),
        "{theirs}"
    );
    assert!(
        theirs.contains("A colleague at your organisation submitted these answers"),
        "{theirs}"
    );
    assert!(!theirs.contains("we also email it to you"), "{theirs}");
    assert!(theirs.contains("Hana Sato, HR manager"), "{theirs}");
}

#[tokio::test]
async fn numbers_are_read_as_written_in_the_respondents_language_never_guessed() {
    let app = crate::helpers::TestApp::spawn_with_templates(&crate::sections::sections_dir()).await;
    let (org, contact) = app.supplier("Nha may Viet", "vi").await;
    let campaign = app.campaign("sections").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let response = response.parse().unwrap();
    let s1 = format!("{link}/s/1");
    // A text box with a number keyboard: the browser posts what was typed.
    let page = app.get(&s1).await.text().await.unwrap();
    assert!(
        page.contains(r#"name="headcount" type="text" inputmode="decimal""#),
        "{page}"
    );
    // "1.500" is 1,500 in Vietnamese and 1.5 in English: refused, with how to write it.
    let res = app
        .post_form(
            &s1,
            &[
                ("headcount", "1.500"),
                ("migrants", "yes"),
                ("migrant_share", "12,5"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(
            r#"<p class="error" id="e-headcount">Hãy viết số không có dấu phân cách hàng nghìn"#
        ),
        "{html}"
    );
    let stored_now = stored(&app, response).await;
    assert_eq!(
        stored_now["migrant_share"],
        json!(12.5),
        "a decimal comma is read"
    );
    assert!(!stored_now.contains_key("headcount"));
    // Spaces between thousands are read; so is a grouping that can only be one thing.
    let res = app
        .post_form(
            &s1,
            &[
                ("headcount", "1 500"),
                ("migrants", "yes"),
                ("migrant_share", "12,5"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app, response).await["headcount"], json!(1500));
}

#[tokio::test]
async fn a_stored_evidence_file_can_be_removed() {
    let (app, link, response) = crate::respondent::invited("en").await;
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "unredacted.pdf", pdf)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = app.get(&format!("{link}/s/1")).await.text().await.unwrap();
    assert!(
        page.contains(r#"<input type="checkbox" name="policy.remove" value="yes"> <span>Remove this file when I save</span>"#),
        "{page}"
    );
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10"), ("policy.remove", "yes")],
        &[],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(!stored(&app, response).await.contains_key("policy"));
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.conn().await;
    let files: i64 = hrdd_survey::db::schema::evidence_files::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(files, 0, "the file itself is gone");
}

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

#[tokio::test]
async fn a_change_posted_after_the_submission_is_shown_back_not_dropped() {
    let (app, link, response, _) = invited().await;
    let s1 = format!("{link}/s/1");
    let csrf = app.form_csrf(&s1).await;
    let first = [("headcount", "80"), ("migrants", "no")];
    assert_eq!(app.post_form(&s1, &first, "save").await.status(), 303);
    app.post_form(&format!("{link}/s/2"), &[("fees_paid", "no")], "save")
        .await;
    app.post_form(&format!("{link}/s/3"), &[("passports", "worker")], "save")
        .await;
    let res = app
        .client
        .post(app.url(&format!("{link}/submit")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("signatory_name", "Hana Sato"),
            ("signatory_title", "HR manager"),
            ("declaration", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "submitted");

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

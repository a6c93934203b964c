//! The respondent's form behind a personal link: drafts, validation, hidden questions,
//! submission and its receipt, languages, link guessing, evidence files, escaping and
//! security headers.

use crate::helpers::{fixtures_dir, TestApp};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::schema::{answers, audit_log, evidence_files, flags, responses};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

const SCRIPT: &str = "<script>alert(1)</script>";

/// How many times `SCRIPT` appears escaped as text: askama writes `<` and `>` as the
/// numeric references `&#60;` and `&#62;`; `&lt;` and `&gt;` are counted too.
fn escaped_scripts(html: &str) -> usize {
    html.matches("&#60;script&#62;alert(1)&#60;/script&#62;")
        .count()
        + html
            .matches("&lt;script&gt;alert(1)&lt;/script&gt;")
            .count()
}

/// An app with one supplier invited to a `mini` campaign; returns (app, link, response id).
pub(crate) async fn invited(language: &str) -> (TestApp, String, Uuid) {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "Acme Sewing", language).await;
    (app, link, response)
}

pub(crate) async fn invite_supplier(app: &TestApp, name: &str, language: &str) -> (String, Uuid) {
    let (org, contact) = app.supplier(name, language).await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    (link, Uuid::parse_str(&response).unwrap())
}

/// The stored answers of a response.
pub(crate) async fn stored(app: &TestApp, response: Uuid) -> BTreeMap<String, Value> {
    let mut conn = app.db.conn().await;
    answers::table
        .filter(answers::response_id.eq(response))
        .select((answers::question_id, answers::value))
        .load::<(String, Value)>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// A form post with files: `(field, file name, bytes)`.
pub(crate) async fn post_with_files(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
    action: &str,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", app.form_csrf(path).await);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (k, name, bytes) in files {
        form = form.part(
            k.to_string(),
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    }
    form = form.text("action", action.to_string());
    app.client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A form post with exactly these fields (no CSRF token unless given).
async fn post_raw(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    app.client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

/// Answers that pass submission.
const VALID: [(&str, &str); 6] = [
    ("headcount", "120"),
    ("passports", "employer"),
    ("fees_paid", "yes"),
    ("fee_amount", "1500"),
    ("weekly_hours", "72"),
    ("agents.0.agent_name", "Good Agency"),
];

#[tokio::test]
async fn a_saved_draft_is_shown_again_when_the_link_is_reopened() {
    let (app, link, response) = invited("en").await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "120"),
                ("passports", "worker"),
                ("fees_paid", "dont_know"),
                ("notes", "Line one\nLine two"),
                ("agents.0.agent_name", "Alpha Agency"),
                ("agents.0.agent_country", "VN"),
                ("agents.0.agent_licensed", "yes"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert_eq!(to, format!("{link}?lang=en&saved=1"));

    // The start page says so; the section page shows the answers.
    let page = app.get(&to).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Your answers have been saved."),
        "the saved notice"
    );
    let page = app.get(&format!("{link}/s/1")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="headcount" type="text" inputmode="decimal" value="120""#));
    assert!(html.contains(r#"name="passports" value="worker" checked"#));
    assert!(!html.contains(r#"name="passports" value="employer" checked"#));
    assert!(html.contains(r#"name="fees_paid" value="dont_know" checked"#));
    assert!(html.contains(">Line one\nLine two</textarea>"));
    assert!(html.contains(r#"name="agents.0.agent_name" type="text" value="Alpha Agency""#));
    assert!(html.contains(r#"<option value="VN" selected>"#));
    assert!(html.contains(r#"<option value="yes" selected>Yes</option>"#));

    // Another browser (no cookies) with only the link sees the same answers, and no
    // notice without `saved`.
    let other = reqwest::Client::new();
    let html = other
        .get(app.url(&format!("{link}/s/1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"name="headcount" type="text" inputmode="decimal" value="120""#));
    assert!(!html.contains("Your answers have been saved."));

    let answers = stored(&app, response).await;
    assert_eq!(answers["headcount"], json!(120));
    assert_eq!(answers["passports"], json!("worker"));
    assert_eq!(answers["notes"], json!("Line one\nLine two"));
    assert_eq!(
        answers["agents"],
        json!([{"agent_name": "Alpha Agency", "agent_country": "VN", "agent_licensed": "yes"}])
    );
    let mut conn = app.db.conn().await;
    let status: String = responses::table
        .find(response)
        .select(responses::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "draft", "saving does not submit");
}

#[tokio::test]
async fn an_invalid_value_keeps_the_earlier_good_value_and_saves_the_rest() {
    let (app, link, response) = invited("en").await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "120"),
                ("weekly_hours", "40"),
                ("notes", "first"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);

    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "lots"),
                ("weekly_hours", "50"),
                ("notes", "second"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<p class="error" id="e-headcount">Enter a whole number"#));
    assert!(
        html.contains(r#"name="headcount" type="text" inputmode="decimal" value="lots""#),
        "what was typed is shown for correction"
    );
    assert!(html.contains("everything else has been saved"));

    let answers = stored(&app, response).await;
    assert_eq!(answers["headcount"], json!(120), "the good value is kept");
    assert_eq!(answers["weekly_hours"], json!(50));
    assert_eq!(answers["notes"], json!("second"));

    // Out of range is the same: the custom message, and the old value kept.
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "0"),
                ("weekly_hours", "50"),
                ("notes", "second"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Enter between 1 and 100000 workers."));
    assert_eq!(stored(&app, response).await["headcount"], json!(120));
}

#[tokio::test]
async fn answers_to_hidden_questions_are_dropped() {
    let (app, link, response) = invited("en").await;
    let res = app
        .post_form(
            &link,
            &[("fees_paid", "no"), ("fee_amount", "1500")],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    let answers = stored(&app, response).await;
    assert_eq!(answers.get("fees_paid"), Some(&json!("no")));
    assert!(
        !answers.contains_key("fee_amount"),
        "fee_amount is hidden unless fees_paid = yes: {answers:?}"
    );

    // Shown, it is stored ...
    let res = app
        .post_form(
            &link,
            &[("fees_paid", "yes"), ("fee_amount", "1500")],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app, response).await["fee_amount"], json!(1500.0));

    // ... and hidden again, the stored answer goes away, and the form says so (shown
    // again, "saved", with what was removed) instead of going back silently.
    let res = app
        .post_form(
            &link,
            &[("fees_paid", "no"), ("fee_amount", "1500")],
            "save",
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(!stored(&app, response).await.contains_key("fee_amount"));
    let html = res.text().await.unwrap();
    assert!(html.contains("These answers were removed because they no longer apply:"));
    assert!(html.contains(
        r#"<strong>Highest fee paid</strong>: <span class="removed-value">1500 USD</span>"#
    ));

    // A hidden answer raises no flag on submission either.
    let mut fields: Vec<(&str, &str)> = VALID
        .iter()
        .copied()
        .filter(|(k, _)| *k != "fees_paid")
        .collect();
    fields.push(("fees_paid", "no"));
    let res = app.post_form(&link, &fields, "submit").await;
    assert_eq!(res.status(), 303);
    assert!(!stored(&app, response).await.contains_key("fee_amount"));
}

#[tokio::test]
async fn a_second_submit_changes_nothing() {
    let (app, link, response) = invited("en").await;
    let res = app.post_form(&link, &VALID, "submit").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{link}?lang=en"));

    let mut conn = app.db.conn().await;
    let before_answers = stored(&app, response).await;
    let before: (
        String,
        Option<String>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = responses::table
        .find(response)
        .select((
            responses::status,
            responses::answers_sha256,
            responses::submitted_at,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(before.0, "submitted");
    let flag_rows = |conn: &mut diesel_async::AsyncPgConnection| {
        flags::table
            .filter(flags::response_id.eq(response))
            .select((flags::question_id, flags::rule_index))
            .order((flags::question_id, flags::rule_index))
            .load::<(String, i32)>(conn)
    };
    let before_flags = flag_rows(&mut conn).await.unwrap();
    assert_eq!(before_flags.len(), 3, "{before_flags:?}");

    // The same submit again (a double click, several at once), then one with other
    // answers.
    let again: Vec<_> = (0..4)
        .map(|_| app.post_form(&link, &VALID, "submit"))
        .collect();
    for res in futures_util::future::join_all(again).await {
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("{link}?lang=en"));
    }
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "5"),
                ("passports", "worker"),
                ("fees_paid", "no"),
            ],
            "save",
        )
        .await;
    // Not applied, and shown back as not saved rather than dropped silently.
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("This questionnaire has already been submitted"));

    assert_eq!(stored(&app, response).await, before_answers);
    let after: (
        String,
        Option<String>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = responses::table
        .find(response)
        .select((
            responses::status,
            responses::answers_sha256,
            responses::submitted_at,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(flag_rows(&mut conn).await.unwrap(), before_flags);
    let submissions: i64 = audit_log::table
        .filter(audit_log::action.eq("response.submitted"))
        .filter(audit_log::subject_id.eq(response.to_string()))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(submissions, 1);
}

#[tokio::test]
async fn the_receipt_shows_the_stored_answers_fingerprint() {
    let (app, link, response) = invited("en").await;
    let res = app.post_form(&link, &VALID, "submit").await;
    assert_eq!(res.status(), 303);

    let mut conn = app.db.conn().await;
    let (sha, submitted_at): (Option<String>, Option<chrono::DateTime<chrono::Utc>>) =
        responses::table
            .find(response)
            .select((responses::answers_sha256, responses::submitted_at))
            .first(&mut conn)
            .await
            .unwrap();
    let sha = sha.expect("a submitted response has a fingerprint");
    assert_eq!(sha.len(), 64);
    assert!(submitted_at.is_some());
    // The fingerprint can be recomputed from what is stored.
    assert_eq!(
        hrdd_survey::services::responses::answers_fingerprint(&stored(&app, response).await),
        sha
    );

    let page = app.get(&link).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Thank you: your answers have been submitted"));
    assert!(
        html.contains(&format!(r#"<code class="hash">{sha}</code>"#)),
        "{html}"
    );
    assert!(html.contains(&response.to_string()), "the receipt id");
    assert!(html.contains("120 workers"));
    assert!(html.contains("1500 USD"));
    assert!(html.contains("Good Agency"));
    assert!(
        !html.contains("<form"),
        "a submitted response is not editable"
    );
}

#[tokio::test]
async fn lang_ja_shows_japanese_labels_and_yes_no() {
    let (app, link, _) = invited("en").await;
    let section = format!("{link}/s/1");
    let en = app.get(&section).await.text().await.unwrap();
    assert!(en.contains("Who keeps passports?"));
    assert!(en.contains("<span>Yes</span>"));

    // A language the questionnaire does not have falls back to its default.
    let vi = app
        .get(&format!("{section}?lang=vi"))
        .await
        .text()
        .await
        .unwrap();
    assert!(vi.contains("Who keeps passports?"));

    let res = app.get(&format!("{section}?lang=ja")).await;
    assert_eq!(res.status(), 200);
    let ja = res.text().await.unwrap();
    assert!(ja.contains(r#"<html lang="ja">"#));
    assert!(ja.contains("旅券は誰が保管していますか?"));
    assert!(ja.contains("従業員数"));
    assert!(ja.contains("<span>はい</span>"));
    assert!(ja.contains("<span>いいえ</span>"));
    assert!(ja.contains("保存して次へ"));
    assert!(ja.contains(r##"<a class="skip" href="#main">本文へ移動</a>"##));
    assert!(!ja.contains("Who keeps passports?"));
    assert!(!ja.contains("<span>Yes</span>"));
    assert!(
        ja.contains(&format!(r#"action="{section}""#)),
        "the form posts to its section"
    );
    // The choice is remembered for the link: the start page and the next visit, from
    // another browser without cookies, are in Japanese too.
    let start = reqwest::Client::new()
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(start.contains(r#"<html lang="ja">"#));
    assert!(start.contains("ミニチェック"));
    assert!(
        start.contains(r#"<a lang="en" hreflang="en" href=""#),
        "each language link carries its own lang"
    );
}

#[tokio::test]
async fn guessed_or_unknown_tokens_are_404_pages() {
    let (app, link, _) = invited("en").await;
    let csrf = app.form_csrf(&link).await;
    let real = link.strip_prefix("/r/").unwrap();
    // Same length and alphabet, other value.
    let mut wrong: Vec<char> = real.chars().collect();
    wrong[0] = if wrong[0] == 'a' { 'b' } else { 'a' };
    let wrong: String = wrong.into_iter().collect();
    let random: String = std::iter::repeat_n('Z', 43).collect();
    for token in [
        wrong.as_str(),
        random.as_str(),
        "abc",
        "",
        "%3Cscript%3E",
        "..%2F..%2Fetc%2Fpasswd",
        &real[..42],
        &format!("{real}x"),
        &format!("{}-", &real[..42]),
    ] {
        let path = format!("/r/{token}");
        let res = app.get(&path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains("Not found"), "{path}: {html}");
        // In the questionnaires' three languages, each marked with its language.
        assert!(
            html.contains(r#"<p lang="ja">このページは存在しないか"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<p lang="vi">Trang này không tồn tại"#),
            "{html}"
        );
        assert!(!html.contains("Acme"), "nothing about the real supplier");
        let res = post_raw(&app, &path, &[("csrf_token", &csrf), ("headcount", "1")]).await;
        assert_eq!(res.status(), 404, "POST {path}");
    }
    assert_eq!(app.get(&link).await.status(), 200);
}

#[tokio::test]
async fn an_expired_link_is_a_404_page() {
    let (app, link, response) = invited("en").await;
    let csrf = app.form_csrf(&link).await;
    assert_eq!(app.get(&link).await.status(), 200);
    let mut conn = app.db.conn().await;
    let expired = diesel::sql_query(
        "UPDATE invitations SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE response_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(response)
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(expired, 1);
    let res = app.get(&link).await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Not found"));
    let res = post_raw(
        &app,
        &link,
        &[
            ("csrf_token", &csrf),
            ("headcount", "9"),
            ("action", "save"),
        ],
    )
    .await;
    // A form that was open when the link expired is not lost: nothing is saved, and
    // the page shows what was typed and what to do (410, not a bare 404).
    assert_eq!(res.status(), 410);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("This link no longer accepts answers"),
        "{html}"
    );
    assert!(
        html.contains("<dt>Number of workers</dt><dd><pre>9</pre></dd>"),
        "{html}"
    );
    assert!(!html.contains(&csrf), "the token is not shown back");
    assert!(stored(&app, response).await.is_empty());
}

#[tokio::test]
async fn evidence_is_downloadable_only_through_its_own_link() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link_a, response_a) = invite_supplier(&app, "Supplier A", "en").await;
    let (link_b, response_b) = invite_supplier(&app, "Supplier B", "en").await;
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

    let res = post_with_files(
        &app,
        &link_a,
        &[("headcount", "10")],
        &[("policy", "Disciplinary policy.pdf", pdf)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

    let mut conn = app.db.conn().await;
    #[derive(QueryableByName)]
    struct FileId {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        file_id: Option<String>,
    }
    let row: FileId = diesel::sql_query(
        "SELECT value->>'file_id' AS file_id FROM answers WHERE response_id = $1 AND question_id = 'policy'",
    )
    .bind::<diesel::sql_types::Uuid, _>(response_a)
    .get_result(&mut conn)
    .await
    .unwrap();
    let file_id = Uuid::parse_str(&row.file_id.expect("the answer names the file")).unwrap();
    let (owner, size, sha): (Uuid, i32, String) = evidence_files::table
        .find(file_id)
        .select((
            evidence_files::response_id,
            evidence_files::size_bytes,
            evidence_files::sha256,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(owner, response_a);
    assert_eq!(size as usize, pdf.len());
    assert_eq!(sha.len(), 64);

    let res = app.get(&format!("{link_a}/evidence/{file_id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("Disciplinary policy.pdf"),
        "{disposition}"
    );
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf);

    // The form shows the file on record, and a later save without a new file keeps it.
    let html = app
        .get(&format!("{link_a}/s/1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(r#"href="{link_a}/evidence/{file_id}""#)));
    let res = app.post_form(&link_a, &[("headcount", "11")], "save").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        stored(&app, response_a).await["policy"]["file_id"],
        json!(file_id)
    );

    // Another supplier's link, an unknown id, a malformed id, a bad token: 404.
    let res = app.get(&format!("{link_b}/evidence/{file_id}")).await;
    assert_eq!(res.status(), 404);
    assert!(!res.bytes().await.unwrap().starts_with(b"%PDF"));
    for path in [
        format!("{link_a}/evidence/{}", Uuid::new_v4()),
        format!("{link_a}/evidence/not-a-uuid"),
        format!("/r/{}/evidence/{file_id}", "Q".repeat(43)),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    assert!(!stored(&app, response_b).await.contains_key("policy"));
}

#[tokio::test]
async fn an_exe_upload_is_refused_next_to_the_field_in_the_respondents_language() {
    let (app, link, response) = invited("ja").await;
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "setup.exe", b"MZ\x90\x00\x03\x00\x00\x00")],
        "save",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-policy">このファイルは文書ではなくプログラムのため、受け付けられません。PDF、画像、Office 文書をアップロードしてください。</p>"#),
        "{html}"
    );
    let answers = stored(&app, response).await;
    assert!(!answers.contains_key("policy"));
    assert_eq!(answers["headcount"], json!(10), "the rest was saved");
    let mut conn = app.db.conn().await;
    let files: i64 = evidence_files::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(files, 0);
}

#[tokio::test]
async fn add_row_shows_the_form_again_with_one_more_row() {
    let (app, link, response) = invited("en").await;
    // As a browser posts it: every cell of the shown row, blanks included.
    let res = app
        .post_form(
            &link,
            &[
                ("agents.0.agent_name", "Alpha Agency"),
                ("agents.0.agent_country", ""),
                ("agents.0.agent_licensed", ""),
            ],
            "add_row:agents",
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"name="agents.0.agent_name" type="text" value="Alpha Agency""#));
    assert!(
        html.contains(r#"name="agents.1.agent_name""#),
        "a second row"
    );
    assert!(html.contains("<legend>Row 2</legend>"));
    assert!(
        !html.contains(r#"name="agents.2.agent_name""#),
        "only one more"
    );
    assert_eq!(
        stored(&app, response).await["agents"],
        json!([{"agent_name": "Alpha Agency"}]),
        "the rows so far were saved"
    );

    // A form without the click shows only the rows there are.
    let html = app.get(&format!("{link}/s/1")).await.text().await.unwrap();
    assert!(html.contains(r#"name="agents.0.agent_name""#));
    assert!(!html.contains(r#"name="agents.1.agent_name""#));
}

#[tokio::test]
async fn script_in_answers_is_escaped_in_the_form_and_the_receipt() {
    let (app, link, response) = invited("en").await;
    let res = app
        .post_form(
            &link,
            &[("notes", SCRIPT), ("agents.0.agent_name", SCRIPT)],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    let answers = stored(&app, response).await;
    assert_eq!(answers["notes"], json!(SCRIPT), "stored as typed");

    let html = app.get(&format!("{link}/s/1")).await.text().await.unwrap();
    assert!(!html.contains(SCRIPT), "{html}");
    assert_eq!(escaped_scripts(&html), 2, "both answers are shown, escaped");

    // The 422 page shows what was typed, escaped too.
    let res = app
        .post_form(
            &link,
            &[
                ("notes", SCRIPT),
                ("agents.0.agent_name", SCRIPT),
                ("headcount", SCRIPT),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(!html.contains(SCRIPT));
    assert_eq!(escaped_scripts(&html), 3);

    let mut fields: Vec<(&str, &str)> = VALID
        .iter()
        .copied()
        .filter(|(k, _)| !k.starts_with("agents."))
        .collect();
    fields.push(("notes", SCRIPT));
    fields.push(("agents.0.agent_name", SCRIPT));
    let res = app.post_form(&link, &fields, "submit").await;
    assert_eq!(res.status(), 303);
    let receipt = app.get(&link).await.text().await.unwrap();
    assert!(receipt.contains("your answers have been submitted"));
    assert!(!receipt.contains(SCRIPT), "{receipt}");
    assert_eq!(escaped_scripts(&receipt), 2, "{receipt}");
}

#[tokio::test]
async fn a_form_post_without_this_links_csrf_token_is_refused_and_stores_nothing() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link_a, response_a) = invite_supplier(&app, "Supplier A", "en").await;
    let (link_b, _) = invite_supplier(&app, "Supplier B", "en").await;
    let csrf_b = app.form_csrf(&link_b).await;
    for fields in [
        vec![("headcount", "7"), ("action", "save")],
        vec![("csrf_token", ""), ("headcount", "7"), ("action", "save")],
        vec![
            ("csrf_token", csrf_b.as_str()),
            ("headcount", "7"),
            ("action", "submit"),
        ],
    ] {
        let res = post_raw(&app, &link_a, &fields).await;
        assert_eq!(res.status(), 403, "{fields:?}");
    }
    assert!(stored(&app, response_a).await.is_empty());
    // With its own token the same post is saved.
    let csrf_a = app.form_csrf(&link_a).await;
    assert_ne!(csrf_a, csrf_b);
    let res = post_raw(
        &app,
        &link_a,
        &[
            ("csrf_token", &csrf_a),
            ("headcount", "7"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app, response_a).await["headcount"], json!(7));
}

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    let h = res.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn security_headers_are_on_pages_api_answers_and_errors() {
    let (app, link, _) = invited("en").await;
    let res = app.get(&link).await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res, "form page");

    let res = app.post_form(&link, &[("headcount", "x")], "save").await;
    assert_eq!(res.status(), 422);
    assert_security_headers(&res, "form with errors");

    let res = app.post_form(&link, &[("headcount", "3")], "save").await;
    assert_eq!(res.status(), 303);
    assert_security_headers(&res, "redirect after save");

    let res = app.get("/api/v1/templates").await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res, "API answer");

    let res = app
        .post_json("/api/v1/organisations", &json!({"kind": "x"}))
        .await;
    assert_eq!(res.status(), 422, "a missing field is named");
    assert_security_headers(&res, "API 422");
    let res = app
        .client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&app.api_token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_security_headers(&res, "API 400");

    let res = app.get("/api/v1/organisations/nope").await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res, "API 404");

    let res = app.get(&format!("/r/{}", "Q".repeat(43))).await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res, "link 404");

    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res, "page 404");
}

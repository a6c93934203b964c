//! Odd input through every entry point: NUL bytes, line breaks and bidirectional
//! overrides in text, blank names, far-future dates and languages a questionnaire does
//! not have. Each is refused with a message naming the field (or cleaned, for a
//! respondent's answers), never a 500.

use crate::api::assert_invalid;
use crate::auth::{create_user, login, sign_in, PASSWORD};
use crate::helpers::{fixtures_dir, hidden_csrf, web_client, TestApp};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{answers, login_attempts, organisations, users};
use serde_json::{json, Value};

fn in_days(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

/// POSTs a JSON body exactly as written (so `\u0000` reaches the server as an escape).
async fn post_raw_json(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&app.api_token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn api_text_with_nul_or_line_breaks_is_a_422_naming_the_field() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let res = post_raw_json(
        &app,
        "/api/v1/organisations",
        r#"{"kind": "supplier", "name": "Acme\u0000Ltd", "country": "JP"}"#,
    )
    .await;
    assert_invalid(res, &["name"]).await;
    for (field, value) in [
        ("name", "Acme\nBcc: everyone@example.com"),
        ("sector", "text\u{0}iles"),
        ("external_ref", "R-1\r\n"),
    ] {
        let mut body = json!({"kind": "supplier", "name": "Acme", "country": "JP", "sector": "textiles", "external_ref": "R-9"});
        body[field] = json!(value);
        if field == "external_ref" {
            // Trailing line breaks are trimmed, not refused: this one is accepted.
            let res = app.post_json("/api/v1/organisations", &body).await;
            assert_eq!(res.status(), 201);
            let org: Value = res.json().await.unwrap();
            assert_eq!(org["external_ref"], "R-1");
            continue;
        }
        let res = app.post_json("/api/v1/organisations", &body).await;
        assert_invalid(res, &[field]).await;
    }

    let (org, _) = app.supplier("Contact Holder", "en").await;
    let contacts = format!("/api/v1/organisations/{org}/contacts");
    for (field, body) in [
        (
            "name",
            json!({"name": "Eve\r\nX-Header: injected", "email": "eve@example.com"}),
        ),
        (
            "email",
            json!({"name": "Eve", "email": "eve\u{0}@example.com"}),
        ),
        (
            "job_title",
            json!({"name": "Eve", "email": "eve@example.com", "job_title": "Boss\u{0}"}),
        ),
    ] {
        let res = app.post_json(&contacts, &body).await;
        assert_invalid(res, &[field]).await;
    }
    let res = post_raw_json(
        &app,
        "/api/v1/campaigns",
        &format!(
            r#"{{"name": "Q\u0000", "template_id": "mini", "deadline": "{}"}}"#,
            in_days(10)
        ),
    )
    .await;
    assert_invalid(res, &["name"]).await;
    // An id that is looked up, not stored, is simply not found.
    let res = post_raw_json(
        &app,
        "/api/v1/campaigns",
        &format!(
            r#"{{"name": "Q", "template_id": "mi\u0000ni", "deadline": "{}"}}"#,
            in_days(10)
        ),
    )
    .await;
    assert_invalid(res, &["template_id"]).await;
}

#[tokio::test]
async fn bidirectional_overrides_are_removed_from_names() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": " Acme\u{202E}gpj.exe\u{2066} ", "country": "JP"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let org: Value = res.json().await.unwrap();
    assert_eq!(org["name"], "Acmegpj.exe");
    let res = app
        .post_json(
            &format!(
                "/api/v1/organisations/{}/contacts",
                org["id"].as_str().unwrap()
            ),
            &json!({"name": "\u{202B}Eve\u{202C}", "email": "eve@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let contact: Value = res.json().await.unwrap();
    assert_eq!(contact["name"], "Eve");
}

#[tokio::test]
async fn blank_names_are_a_422_naming_the_field_not_a_database_constraint() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": "   ", "country": "JP"}),
        )
        .await;
    let body = assert_invalid(res, &["name"]).await;
    assert!(!body.to_string().contains("_check"), "{body}");
    let (org, _) = app.supplier("Named", "en").await;
    let res = app
        .post_json(
            &format!("/api/v1/organisations/{org}/contacts"),
            &json!({"name": " \t ", "email": "a@example.com"}),
        )
        .await;
    // A tab inside is refused; a blank name after trimming would be "give a name".
    assert_eq!(res.status(), 422);
    let res = app
        .post_json(
            &format!("/api/v1/organisations/{org}/contacts"),
            &json!({"name": "  ", "email": "a@example.com"}),
        )
        .await;
    assert_invalid(res, &["name"]).await;
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "\n", "template_id": "mini", "deadline": in_days(10)}),
        )
        .await;
    assert_invalid(res, &["name"]).await;
}

#[tokio::test]
async fn a_far_future_deadline_is_a_422_naming_the_deadline_and_nothing_panics() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    // chrono reads a signed six-digit year (the form serde_json gives for year 262142).
    for deadline in ["+262142-01-01", "2101-01-01", &in_days(6 * 366)] {
        let res = app
            .post_json(
                "/api/v1/campaigns",
                &json!({"name": "Far", "template_id": "mini", "deadline": deadline}),
            )
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 422, "{deadline}: {body}");
        assert_eq!(body["fields"][0]["field"], "deadline", "{body}");
    }
    // The server is still up, and the furthest deadline allowed issues a link.
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Near", "template_id": "mini", "deadline": in_days(4 * 365)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let campaign: Value = res.json().await.unwrap();
    let (org, contact) = app.supplier("Far Future", "en").await;
    let res = app
        .post_json(
            &format!(
                "/api/v1/campaigns/{}/invitations",
                campaign["id"].as_str().unwrap()
            ),
            &json!({"organisation_id": org, "contact_id": contact}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_deadline_stored_far_ahead_gives_a_field_error_when_a_link_is_issued() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    // As if stored before the rule existed: the default expiry must not overflow.
    let mut conn = app.db.conn().await;
    diesel::sql_query("UPDATE campaigns SET deadline = '262142-12-31' WHERE id = $1::uuid")
        .bind::<diesel::sql_types::Text, _>(&campaign)
        .execute(&mut conn)
        .await
        .unwrap();
    let (org, contact) = app.supplier("Overflow", "en").await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": org, "contact_id": contact}),
        )
        .await;
    assert_invalid(res, &["valid_days"]).await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": org, "contact_id": contact, "valid_days": 30}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn an_invitation_language_must_be_one_of_the_questionnaires() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await; // en + ja
    let (org, contact) = app.supplier("Lang Co", "vi").await;
    let path = format!("/api/v1/campaigns/{campaign}/invitations");
    for language in ["vi", "fr", "ja\u{0}"] {
        let res = app
            .post_json(
                &path,
                &json!({"organisation_id": org, "contact_id": contact, "language": language}),
            )
            .await;
        let body = assert_invalid(res, &["language"]).await;
        assert!(body.to_string().contains("en, ja"), "{body}");
    }
    let res = app
        .post_json(
            &path,
            &json!({"organisation_id": org, "contact_id": contact, "language": "ja"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // Without a language, a contact's language the questionnaire lacks falls back.
    let res = app
        .post_json(
            &path,
            &json!({"organisation_id": org, "contact_id": contact}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let inv: Value = res.json().await.unwrap();
    assert_eq!(inv["language"], "en");
}

#[tokio::test]
async fn a_nul_in_the_sign_in_or_reset_email_is_refused_cleanly() {
    let app = TestApp::spawn().await;
    create_user(&app, "ana@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = web_client();
    let res = login(&app, &client, "ana@example.com\u{0}", PASSWORD).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("email: must not contain control characters"),
        "{html}"
    );
    let res = login(&app, &client, "ana@example.com\r\nx", "wrong password here").await;
    assert_eq!(res.status(), 422);
    let mut conn = app.db.conn().await;
    let attempts: i64 = login_attempts::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(attempts, 0, "refused before any query");
    // The right address still signs in.
    let res = login(&app, &client, "  ana@example.com ", PASSWORD).await;
    assert_eq!(res.status(), 303);

    let anon = web_client();
    let page = anon
        .get(app.url("/password/reset"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&page);
    let res = anon
        .post(app.url("/password/reset"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "ana\u{0}@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("email: must not contain"), "{html}");
}

#[tokio::test]
async fn staff_forms_refuse_nul_and_line_breaks_naming_the_field() {
    let app = TestApp::spawn().await;
    create_user(&app, "admin@example.com", Role::Admin, Some(PASSWORD)).await;
    let s = sign_in(&app, "admin@example.com", PASSWORD).await;
    for (path, fields, field) in [
        (
            "/staff/users",
            vec![
                ("email", "new@example.com"),
                ("name", "New\r\nPerson"),
                ("role", "viewer"),
            ],
            "name",
        ),
        (
            "/staff/users",
            vec![
                ("email", "new\u{0}@example.com"),
                ("name", "New"),
                ("role", "viewer"),
            ],
            "email",
        ),
        (
            "/staff/api-tokens",
            vec![("name", "sync\u{0}"), ("role", "viewer")],
            "name",
        ),
        (
            "/staff/organisations",
            vec![
                ("name", "Org\u{0}"),
                ("kind", "supplier"),
                ("country", "JP"),
            ],
            "name",
        ),
        (
            "/staff/organisations",
            vec![("name", "   "), ("kind", "supplier"), ("country", "JP")],
            "name",
        ),
    ] {
        let res = s.post(&app, path, &fields).await;
        assert_eq!(res.status(), 422, "{path} {fields:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(field), "{path}: {html}");
    }
    let mut conn = app.db.conn().await;
    let n: i64 = users::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(n, 2, "the harness admin and ours; nothing else was created");
    let n: i64 = organisations::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// The users and API tokens pages' forms: a refusal is shown beside its field, and the
/// form holds again what was typed and chosen, so nothing needs typing twice.
#[tokio::test]
async fn a_refused_user_or_token_form_keeps_what_was_typed_with_the_refusal_beside_its_field() {
    let app = TestApp::spawn().await;
    create_user(&app, "admin@example.com", Role::Admin, Some(PASSWORD)).await;
    let s = sign_in(&app, "admin@example.com", PASSWORD).await;
    let res = s
        .post(
            &app,
            "/staff/users",
            &[
                ("email", "admin@example.com"),
                ("name", "Aiko Tanaka"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<p>Nothing was saved: fix what is marked below.</p>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<input id="new-email" type="email" name="email" value="admin@example.com" aria-invalid="true" aria-describedby="new-email-error">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="error" id="new-email-error">An account with this email already exists.</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="name" value="Aiko Tanaka">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<option value="committee" selected>committee</option>"#),
        "{html}"
    );
    assert_eq!(html.matches(" selected>").count(), 1, "{html}");

    let res = s
        .post(
            &app,
            "/staff/api-tokens",
            &[("name", "   "), ("role", "procurement")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<span class="error" id="new-name-error">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-describedby="new-name-error""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<option value="procurement" selected>procurement</option>"#),
        "{html}"
    );
    // Opened afresh, the forms are empty and nothing is marked.
    let html = s.get(&app, "/staff/users").await.text().await.unwrap();
    assert!(!html.contains("aria-invalid"), "{html}");
    assert!(html.contains(r#"name="name" value="">"#), "{html}");
}

#[tokio::test]
async fn respondent_answers_lose_nul_and_bidi_overrides() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Answers Co", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "12\u{0}"),
                ("notes", "line one\u{0}\r\n\u{202E}line two"),
                ("agents.0.agent_name", "Agent\u{2067} X\u{0}"),
            ],
            "save",
        )
        .await;
    // The number with a NUL is a field error in the respondent's language, not a 500.
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter a whole number"), "{html}");
    let mut conn = app.db.conn().await;
    let stored: Vec<(String, Value)> = answers::table
        .filter(answers::response_id.eq(uuid::Uuid::parse_str(&response).unwrap()))
        .select((answers::question_id, answers::value))
        .load(&mut conn)
        .await
        .unwrap();
    let get = |q: &str| {
        stored
            .iter()
            .find(|(id, _)| id == q)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("notes"), Some(json!("line one\nline two")));
    assert_eq!(get("agents"), Some(json!([{"agent_name": "Agent X"}])));
    assert_eq!(get("headcount"), None);
}

/// Sends a form post's head and the start of its body, then holds the connection open
/// without the rest: returns the status line the service answers with before the rest
/// arrives (it waits at most 20 s, under the guard's 30 s idle limit, so an answer here
/// is the framing check's, not the idle timeout's).
async fn answer_before_the_body_ends(
    app: &TestApp,
    path: &str,
    content_length: usize,
    start: &[u8],
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {content_length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    // The service may answer and close before all of `start` is written.
    let _ = socket.write_all(start).await;
    let mut answer = vec![0; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), socket.read(&mut answer))
        .await
        .expect("an answer before the rest of the body")
        .unwrap();
    String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A body within the guard's limit whose parts together pass the form's limit is a 413
/// too (it was a 400, as if the form were malformed), in the respondent's page, and
/// nothing of it is stored.
#[tokio::test]
async fn a_form_over_its_limit_inside_the_body_limit_is_a_413() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Big Form Co", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let csrf = app.form_csrf(&link).await;
    let limit = hrdd_survey::domain::answers::MAX_FORM_BYTES;
    assert!(limit + 1024 < hrdd_survey::routes::multipart::MAX_BODY_BYTES);
    let mut body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"notes\"\r\n\r\nsaved?\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"padding\"\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'p', limit + 1));
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let res = app
        .client
        .post(app.url(&link))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains("larger than 30 MB"), "{html}");
    let mut conn = app.db.conn().await;
    let stored: i64 = answers::table
        .filter(answers::response_id.eq(uuid::Uuid::parse_str(&response).unwrap()))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

/// A garbled multipart body is refused as soon as its framing is wrong, not after the
/// parser has searched it again and again to its end (work that grows with the square
/// of its size); a body declared over the limit is refused before it is read.
#[tokio::test]
async fn a_garbled_or_oversized_form_is_refused_before_its_body_ends() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Garbled Co", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let sixteen_mb = 16 * 1024 * 1024;
    // No boundary, no line break: garbage from the first byte.
    let status = answer_before_the_body_ends(&app, &link, sixteen_mb, &[b'x'; 256 * 1024]).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    // A part's header block that never ends.
    let mut endless =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"notes\"\r\nX-Pad: ".to_vec();
    endless.extend(vec![b'y'; 256 * 1024]);
    let status = answer_before_the_body_ends(&app, &link, sixteen_mb, &endless).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    // Content that reaches a boundary line which never ends.
    let mut line =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"notes\"\r\n\r\nhello\r\n--XyZ".to_vec();
    line.extend(vec![b' '; 256 * 1024]);
    let status = answer_before_the_body_ends(&app, &link, sixteen_mb, &line).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    // Declared larger than any form: refused unread.
    let over = hrdd_survey::routes::multipart::MAX_BODY_BYTES + 1;
    let status = answer_before_the_body_ends(&app, &link, over, b"--XyZ\r\n").await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    // Nothing was stored, and a well-formed save still works.
    let res = app
        .post_form(&link, &[("notes", "still here")], "save")
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let mut conn = app.db.conn().await;
    let notes: Vec<Value> = answers::table
        .filter(answers::response_id.eq(uuid::Uuid::parse_str(&response).unwrap()))
        .filter(answers::question_id.eq("notes"))
        .select(answers::value)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(notes, vec![json!("still here")]);
}

//! The JSON API: happy paths and their shapes, validation errors (and fields missing or
//! unknown) as 422 with the fields named, malformed bodies as 400, unknown ids as 404,
//! and link re-issuing.

use crate::helpers::{fixtures_dir, TestApp};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::schema::{contacts, organisations, responses, template_versions};
use serde_json::{json, Value};

fn in_days(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

/// Asserts a 422 `validation_failed` answer naming exactly `fields`, each with a message.
pub async fn assert_invalid(res: reqwest::Response, fields: &[&str]) -> Value {
    assert_eq!(res.status(), 422);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "errors are JSON"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "validation_failed", "{body}");
    let named: Vec<&str> = body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("fields is a list: {body}"))
        .iter()
        .map(|f| {
            assert!(
                f["message"].as_str().is_some_and(|m| !m.is_empty()),
                "each field error has a message: {body}"
            );
            f["field"].as_str().unwrap()
        })
        .collect();
    assert_eq!(named, fields, "{body}");
    body
}

/// Asserts a JSON error with `status` and `code` and a non-empty message; returns it.
async fn assert_error(res: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(res.status(), status);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "errors are JSON"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    let message = body["message"].as_str().unwrap_or_default().to_string();
    assert!(!message.is_empty(), "{body}");
    message
}

/// Sends `request` as is and returns what the server answered, as text.
async fn raw_http(app: &TestApp, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer (and close) before reading everything: a failed write is fine.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn count_organisations(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await;
    organisations::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn organisation_contact_campaign_and_invitation_are_created() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;

    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": "  Hanoi Garments  ", "country": "VN", "sector": "apparel", "external_ref": "SUP-001"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let org: Value = res.json().await.unwrap();
    assert!(is_uuid(&org["id"]), "{org}");
    assert_eq!(org["kind"], "supplier");
    assert_eq!(org["name"], "Hanoi Garments", "the name is trimmed");
    assert_eq!(org["country"], "VN");
    assert_eq!(org["sector"], "apparel");
    assert_eq!(org["external_ref"], "SUP-001");
    assert!(org["created_at"].is_string());
    let org_id = org["id"].as_str().unwrap();

    let res = app
        .post_json(
            &format!("/api/v1/organisations/{org_id}/contacts"),
            &json!({"name": "Nguyen Van A", "email": "a@hanoi.example", "language": "ja", "job_title": "HR manager"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let contact: Value = res.json().await.unwrap();
    assert!(is_uuid(&contact["id"]));
    assert_eq!(contact["organisation_id"], org_id);
    assert_eq!(contact["email"], "a@hanoi.example");
    assert_eq!(contact["language"], "ja");
    assert_eq!(contact["job_title"], "HR manager");
    let contact_id = contact["id"].as_str().unwrap();

    let res = app.get(&format!("/api/v1/organisations/{org_id}")).await;
    assert_eq!(res.status(), 200);
    let both: Value = res.json().await.unwrap();
    assert_eq!(both["organisation"]["id"], org_id);
    assert_eq!(both["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(both["contacts"][0]["id"], contact_id);

    let deadline = in_days(45);
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "2026 supplier check", "template_id": "mini", "deadline": deadline}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let campaign: Value = res.json().await.unwrap();
    assert!(is_uuid(&campaign["id"]));
    assert_eq!(campaign["name"], "2026 supplier check");
    assert_eq!(campaign["status"], "open");
    assert_eq!(campaign["deadline"], deadline.as_str());
    let mut conn = app.db.conn().await;
    let stored_version: uuid::Uuid = template_versions::table
        .filter(template_versions::template_id.eq("mini"))
        .filter(template_versions::version.eq(1))
        .select(template_versions::id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        campaign["template_version_id"],
        stored_version.to_string(),
        "the campaign is pinned to the stored version"
    );
    let campaign_id = campaign["id"].as_str().unwrap();

    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign_id}/invitations"),
            &json!({"organisation_id": org_id, "contact_id": contact_id}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let inv: Value = res.json().await.unwrap();
    assert!(is_uuid(&inv["invitation_id"]));
    assert!(is_uuid(&inv["response_id"]));
    assert_eq!(inv["language"], "ja", "the contact's language by default");
    assert_eq!(inv["revoked_previous"], 0);
    let expires: chrono::DateTime<chrono::Utc> =
        inv["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > chrono::Utc::now() + chrono::Duration::days(45));
    let link = inv["link"].as_str().unwrap();
    let token = link
        .strip_prefix(&format!("{}/r/", app.address))
        .unwrap_or_else(|| panic!("link {link} is under the public URL"));
    assert_eq!(token.len(), 43);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));

    let (status, org_of_response): (String, uuid::Uuid) = responses::table
        .find(uuid::Uuid::parse_str(inv["response_id"].as_str().unwrap()).unwrap())
        .select((responses::status, responses::organisation_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "draft");
    assert_eq!(org_of_response.to_string(), org_id);

    let page = app.get(&format!("/r/{token}/s/1")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("従業員数"),
        "the link opens in the invitation language"
    );
}

#[tokio::test]
async fn invalid_organisation_fields_are_named_in_a_422() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let base = json!({"kind": "supplier", "name": "Acme", "country": "JP"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for country in ["XX", "JPN", ""] {
        let res = app
            .post_json("/api/v1/organisations", &with("country", json!(country)))
            .await;
        assert_invalid(res, &["country"]).await;
    }
    let res = app
        .post_json("/api/v1/organisations", &with("kind", json!("factory")))
        .await;
    assert_invalid(res, &["kind"]).await;
    let res = app
        .post_json("/api/v1/organisations", &with("name", json!("")))
        .await;
    assert_invalid(res, &["name"]).await;
    // Several bad fields are all reported, in a stable order.
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "x", "name": "Acme", "country": "ZZ"}),
        )
        .await;
    assert_invalid(res, &["country", "kind"]).await;
    assert_eq!(count_organisations(&app).await, 0, "nothing was stored");

    // The same body with good values is accepted (the checks above are not vacuous).
    let res = app.post_json("/api/v1/organisations", &base).await;
    assert_eq!(res.status(), 201);
    // A code in small letters is read as the staff form and the CSV import read it.
    let res = app
        .post_json(
            "/api/v1/organisations",
            &with("country", json!(" jp ")).to_owned(),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["country"], "JP", "{created}");
}

#[tokio::test]
async fn a_duplicate_external_ref_is_a_409_not_a_500() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let body =
        json!({"kind": "supplier", "name": "Ref One", "country": "JP", "external_ref": "ERP-7"});
    assert_eq!(
        app.post_json("/api/v1/organisations", &body).await.status(),
        201
    );
    let res = app.post_json("/api/v1/organisations", &body).await;
    assert_error(res, 409, "conflict").await;
    assert_eq!(count_organisations(&app).await, 1);
}

#[tokio::test]
async fn invalid_contact_and_campaign_fields_are_named_in_a_422() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, _) = app.supplier("Osaka Metal", "en").await;
    for email in ["not-an-email", "a@", "@b.example", "two@@b.example"] {
        let res = app
            .post_json(
                &format!("/api/v1/organisations/{org}/contacts"),
                &json!({"name": "Someone", "email": email}),
            )
            .await;
        assert_invalid(res, &["email"]).await;
    }
    let res = app
        .post_json(
            &format!("/api/v1/organisations/{org}/contacts"),
            &json!({"name": "Someone", "email": "s@example.com", "language": "fr"}),
        )
        .await;
    assert_invalid(res, &["language"]).await;

    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "C", "template_id": "no-such-questionnaire", "deadline": in_days(10)}),
        )
        .await;
    let body = assert_invalid(res, &["template_id"]).await;
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no-such-questionnaire"),
        "{body}"
    );
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "C", "template_id": "mini", "template_version": 2, "deadline": in_days(10)}),
        )
        .await;
    assert_invalid(res, &["template_id"]).await;
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "C", "template_id": "mini", "deadline": in_days(-1)}),
        )
        .await;
    assert_invalid(res, &["deadline"]).await;
    // Today is still allowed.
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "C", "template_id": "mini", "deadline": in_days(0)}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn malformed_bodies_are_400_json_with_a_message() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let url = app.url("/api/v1/organisations");

    let res = app
        .client
        .post(&url)
        .bearer_auth(&app.api_token)
        .header("content-type", "application/json")
        .body(r#"{"kind": "supplier", "name": "#)
        .send()
        .await
        .unwrap();
    assert_error(res, 400, "bad_request").await;

    let res = app
        .client
        .post(&url)
        .bearer_auth(&app.api_token)
        .header("content-type", "text/plain")
        .body(r#"{"kind": "supplier", "name": "Acme", "country": "JP"}"#)
        .send()
        .await
        .unwrap();
    let message = assert_error(res, 400, "bad_request").await;
    assert!(message.contains("application/json"), "{message}");

    let res = app
        .client
        .post(&url)
        .bearer_auth(&app.api_token)
        .body(r#"{"kind": "supplier", "name": "Acme", "country": "JP"}"#)
        .send()
        .await
        .unwrap();
    assert_error(res, 400, "bad_request").await;

    // Unknown and missing fields are refused too, not ignored: a 422 naming the field.
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": "Acme", "country": "JP", "is_admin": true}),
        )
        .await;
    let body = assert_invalid(res, &["is_admin"]).await;
    let message = body["fields"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("not a field of this request; expected one of"),
        "{message}"
    );
    assert!(!message.contains('`'), "{message}");
    let res = app
        .post_json("/api/v1/organisations", &json!({"kind": "supplier"}))
        .await;
    let body = assert_invalid(res, &["name"]).await;
    assert_eq!(
        body["fields"][0]["message"], "this field is required",
        "{body}"
    );
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "C", "template_id": "mini", "deadline": "31/12/2030"}),
        )
        .await;
    assert_error(res, 400, "bad_request").await;

    assert_eq!(count_organisations(&app).await, 0);
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413_not_a_500() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let big = json!({"kind": "supplier", "name": "x".repeat(70 * 1024), "country": "JP"});
    let res = app.post_json("/api/v1/organisations", &big).await;
    let message = assert_error(res, 413, "payload_too_large").await;
    assert!(message.contains("64 KiB"), "{message}");

    // Without a Content-Length (chunked), the limit holds as the body streams in.
    let body = big.to_string();
    let mut request = format!(
        "POST /api/v1/organisations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.api_token
    );
    for chunk in body.as_bytes().chunks(8 * 1024) {
        request.push_str(&format!(
            "{:x}\r\n{}\r\n",
            chunk.len(),
            std::str::from_utf8(chunk).unwrap()
        ));
    }
    request.push_str("0\r\n\r\n");
    let head = raw_http(&app, request.as_bytes()).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("64 KiB"), "{head}");

    // Just under the limit is parsed (and then fails validation on the name's length).
    let near = json!({"kind": "supplier", "name": "x".repeat(60 * 1024), "country": "JP"});
    let res = app.post_json("/api/v1/organisations", &near).await;
    assert_invalid(res, &["name"]).await;
    assert_eq!(count_organisations(&app).await, 0);
}

#[tokio::test]
async fn unknown_or_malformed_ids_in_paths_are_404_json() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Real Org", "en").await;
    let random = uuid::Uuid::new_v4();

    for path in [
        "/api/v1/organisations/not-a-uuid".to_string(),
        format!("/api/v1/organisations/{random}"),
        "/api/v1/responses/42/flags".to_string(),
        format!("/api/v1/responses/{random}/flags"),
        "/api/v1/no-such-route".to_string(),
    ] {
        let res = app.get(&path).await;
        assert_error(res, 404, "not_found").await;
    }
    let res = app
        .post_json(
            &format!("/api/v1/organisations/{random}/contacts"),
            &json!({"name": "N", "email": "n@example.com"}),
        )
        .await;
    assert_error(res, 404, "not_found").await;
    let res = app
        .post_json(
            "/api/v1/organisations/%27%20OR%201=1/contacts",
            &json!({"name": "N", "email": "n@example.com"}),
        )
        .await;
    assert_error(res, 404, "not_found").await;
    for campaign in [random.to_string(), "campaign-1".to_string()] {
        let res = app
            .post_json(
                &format!("/api/v1/campaigns/{campaign}/invitations"),
                &json!({"organisation_id": org, "contact_id": contact}),
            )
            .await;
        assert_error(res, 404, "not_found").await;
    }
    // The real organisation is found (so the 404s above are about the ids).
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{org}"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_contact_of_one_organisation_cannot_be_invited_for_another() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org_a, contact_a) = app.supplier("Supplier A", "en").await;
    let (org_b, contact_b) = app.supplier("Supplier B", "en").await;
    let campaign = app.campaign("mini").await;

    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": org_b, "contact_id": contact_a}),
        )
        .await;
    assert_invalid(res, &["contact_id"]).await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": org_b, "contact_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_invalid(res, &["contact_id"]).await;

    let mut conn = app.db.conn().await;
    let drafts: i64 = responses::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(drafts, 0, "a refused invitation creates no response");

    // Each contact for its own organisation is fine.
    for (org, contact) in [(&org_a, &contact_a), (&org_b, &contact_b)] {
        let res = app
            .post_json(
                &format!("/api/v1/campaigns/{campaign}/invitations"),
                &json!({"organisation_id": org, "contact_id": contact}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
}

#[tokio::test]
async fn a_duplicate_contact_email_in_one_organisation_is_a_422_on_email() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, _) = app.supplier("Dup Org", "en").await;
    let path = format!("/api/v1/organisations/{org}/contacts");
    let res = app
        .post_json(
            &path,
            &json!({"name": "First", "email": "same@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    for email in ["same@example.com", "Same@Example.COM"] {
        let res = app
            .post_json(&path, &json!({"name": "Second", "email": email}))
            .await;
        let body = assert_invalid(res, &["email"]).await;
        assert!(
            body["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("already"),
            "{body}"
        );
    }
    // Another organisation may have a contact with the same address.
    let (other, _) = app.supplier("Other Org", "en").await;
    let res = app
        .post_json(
            &format!("/api/v1/organisations/{other}/contacts"),
            &json!({"name": "Elsewhere", "email": "same@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let mut conn = app.db.conn().await;
    let org_id = uuid::Uuid::parse_str(&org).unwrap();
    let n: i64 = contacts::table
        .filter(contacts::organisation_id.eq(org_id))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 2, "the helper's contact and the first one, no duplicate");
}

#[tokio::test]
async fn reissuing_a_link_revokes_the_previous_one() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Reissue Ltd", "en").await;
    let campaign = app.campaign("mini").await;
    let (old_link, old_response) = app.invite(&campaign, &org, &contact).await;
    assert_eq!(app.get(&old_link).await.status(), 200);
    let old_csrf = app.form_csrf(&old_link).await;

    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": org, "contact_id": contact}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let inv: Value = res.json().await.unwrap();
    assert_eq!(inv["revoked_previous"], 1);
    assert_eq!(
        inv["response_id"], old_response,
        "the same response: answers carry over"
    );
    let new_link = inv["link"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    assert_ne!(new_link, old_link);

    let old = app.get(&old_link).await;
    assert_eq!(old.status(), 404);
    assert!(old.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(app.get(&new_link).await.status(), 200);
    // Even with the CSRF token its form carried, the old link cannot save.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", old_csrf)
        .text("headcount", "5")
        .text("action", "save");
    let post_old = app
        .client
        .post(app.url(&old_link))
        .multipart(form)
        .send()
        .await
        .unwrap();
    // It cannot save either: what was typed is shown back (410).
    assert_eq!(post_old.status(), 410, "a revoked link cannot save either");
    assert!(post_old
        .text()
        .await
        .unwrap()
        .contains("<dt>Number of workers</dt><dd><pre>5</pre></dd>"));
}

#[tokio::test]
async fn templates_lists_the_stored_mini_version() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let res = app.get("/api/v1/templates").await;
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let t = &list[0];
    assert_eq!(t["template_id"], "mini");
    assert_eq!(t["version"], 1);
    assert_eq!(t["title"], "Mini check");
    assert_eq!(t["languages"], json!(["en", "ja"]));
    assert_eq!(t["questions"], 8);

    let mut conn = app.db.conn().await;
    let (id, sha): (uuid::Uuid, String) = template_versions::table
        .filter(template_versions::template_id.eq("mini"))
        .select((template_versions::id, template_versions::content_sha256))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(t["version_id"], id.to_string());
    assert_eq!(t["sha256"], sha);
}

#[tokio::test]
async fn health_is_200() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["questionnaire_versions"], 1);
}

#[tokio::test]
async fn the_shipped_questionnaires_are_stored_and_listed() {
    let app = TestApp::spawn().await;
    let list: Value = app.get("/api/v1/templates").await.json().await.unwrap();
    let ids: Vec<(&str, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["languages"], json!(["en", "ja", "vi"]), "{t}");
            assert!(t["questions"].as_u64().unwrap() > 10, "{t}");
            (
                t["template_id"].as_str().unwrap(),
                t["version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            ("forced-labour", 2),
            ("forced-labour", 3),
            ("forced-labour", 4),
            ("migrant-labour", 2),
            ("migrant-labour", 3),
            ("migrant-labour", 4)
        ]
    );
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Site check", "template_id": "forced-labour", "deadline": in_days(30)}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

//! The JSON bodies of the API keep their keys: each body is a typed struct in
//! `routes/api/types.rs`, and this pins the published shape of every one, so that a
//! change to a database row or a type cannot change what clients receive unnoticed.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    res.json().await.unwrap()
}

#[tokio::test]
async fn every_api_body_keeps_its_keys() {
    let app = TestApp::spawn_with_templates(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates"),
    )
    .await;
    let org = json_of(
        app.post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": "Shape Co", "country": "JP"}),
        )
        .await,
        201,
    )
    .await;
    let organisation_keys = set(&[
        "id",
        "kind",
        "name",
        "country",
        "sector",
        "external_ref",
        "created_at",
        "updated_at",
    ]);
    assert_eq!(keys(&org), organisation_keys);
    let org_id = org["id"].as_str().unwrap();
    let contact = json_of(
        app.post_json(
            &format!("/api/v1/organisations/{org_id}/contacts"),
            &json!({"name": "Kei", "email": "kei@example.com", "language": "en"}),
        )
        .await,
        201,
    )
    .await;
    let contact_keys = set(&[
        "id",
        "organisation_id",
        "name",
        "email",
        "language",
        "job_title",
        "created_at",
    ]);
    assert_eq!(keys(&contact), contact_keys);
    let both = json_of(
        app.get(&format!("/api/v1/organisations/{org_id}")).await,
        200,
    )
    .await;
    assert_eq!(keys(&both), set(&["organisation", "contacts"]));
    assert_eq!(keys(&both["organisation"]), organisation_keys);
    assert_eq!(keys(&both["contacts"][0]), contact_keys);

    let templates = json_of(app.get("/api/v1/templates").await, 200).await;
    assert_eq!(
        keys(&templates[0]),
        set(&[
            "version_id",
            "template_id",
            "version",
            "title",
            "languages",
            "sha256",
            "questions"
        ])
    );
    let deadline = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let campaign = json_of(
        app.post_json(
            "/api/v1/campaigns",
            &json!({"name": "Shapes", "template_id": "mini", "deadline": deadline}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        keys(&campaign),
        set(&[
            "id",
            "name",
            "template_version_id",
            "status",
            "deadline",
            "created_at"
        ])
    );
    let invitation = json_of(
        app.post_json(
            &format!(
                "/api/v1/campaigns/{}/invitations",
                campaign["id"].as_str().unwrap()
            ),
            &json!({"organisation_id": org_id, "contact_id": contact["id"]}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        keys(&invitation),
        set(&[
            "invitation_id",
            "response_id",
            "link",
            "language",
            "expires_at",
            "revoked_previous",
            "email_job_id"
        ])
    );
    let link = invitation["link"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "120"),
                ("passports", "employer"),
                ("fees_paid", "no"),
                ("weekly_hours", "50"),
                ("agents.0.agent_name", "Good Agency"),
                ("agents.0.agent_licensed", "yes"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

    let response_id = invitation["response_id"].as_str().unwrap();
    let flags = json_of(
        app.get(&format!("/api/v1/responses/{response_id}/flags"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        keys(&flags),
        set(&[
            "response_id",
            "status",
            "submitted_at",
            "overall_band",
            "rating",
            "flags"
        ])
    );
    assert!(!flags["flags"].as_array().unwrap().is_empty(), "{flags}");
    assert_eq!(
        keys(&flags["flags"][0]),
        set(&[
            "id",
            "question_id",
            "question",
            "rule_index",
            "indicator",
            "severity",
            "likelihood",
            "score",
            "band",
            "critical",
            "knock_out",
            "matrix_band",
            "affected_workers",
            "workforce",
            "answer",
            "explanation",
            "status",
            "created_at",
            "previous",
        ])
    );
    assert!(flags["flags"][0]["explanation"].is_object(), "{flags}");
    assert!(flags["flags"][0]["question"].is_string(), "{flags}");

    let rating = json_of(
        app.get(&format!("/api/v1/organisations/{org_id}/rating"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        keys(&rating),
        set(&["organisation_id", "rating", "responses", "flags"])
    );
    assert_eq!(
        keys(&rating["responses"][0]),
        set(&["response_id", "template_id", "version", "submitted_at"])
    );
    assert_eq!(
        keys(&rating["flags"][0]),
        set(&[
            "id",
            "response_id",
            "question_id",
            "rule_index",
            "indicator",
            "score",
            "band",
            "knock_out",
            "affected_workers",
            "workforce",
            "status",
        ])
    );
}

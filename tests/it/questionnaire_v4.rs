//! Questionnaires v4: counts that can never exceed another are checked against it
//! (`max_answer`); v3, which older campaigns are pinned to, accepts the same answers.

use crate::helpers::TestApp;
use crate::loader::real;
use serde_json::{json, Value};

const CAPPED: &str = "It cannot be more than the total number of workers at the site.";

/// A link to a forced-labour campaign at `version` (`None`: the newest).
async fn link(app: &TestApp, version: Option<u32>) -> String {
    let (org, contact) = app.supplier("V4 Supplier", "en").await;
    let deadline = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let mut body = json!({"name": "V4", "template_id": "forced-labour", "deadline": deadline});
    if let Some(v) = version {
        body["template_version"] = json!(v);
    }
    let c: Value = app
        .post_json("/api/v1/campaigns", &body)
        .await
        .json()
        .await
        .unwrap();
    let campaign = c["id"].as_str().unwrap().to_string();
    app.invite(&campaign, &org, &contact).await.0
}

#[test]
fn v4_caps_the_counts_and_v3_is_unchanged() {
    let v4 = real("forced-labour.yaml");
    assert_eq!(v4.version, 4);
    let capped = |id: &str| v4.find(id).unwrap().validation.max_answer.clone();
    assert_eq!(
        capped("foreign_workers").as_deref(),
        Some("total_headcount")
    );
    assert_eq!(
        capped("technical_interns").as_deref(),
        Some("foreign_workers")
    );
    let ml = real("migrant-labour.yaml");
    assert_eq!(ml.version, 4);
    let repaid = ml.find("workers_repaid_in_full").unwrap();
    assert_eq!(
        repaid.validation.max_answer.as_deref(),
        Some("workers_found_paid")
    );
    for file in ["forced-labour.v3.yaml", "migrant-labour.v3.yaml"] {
        let v3 = real(file);
        assert_eq!(v3.version, 3);
        assert!(v3
            .questions()
            .all(|q| q.validation.max_answer.is_none() && q.validation.min_answer.is_none()));
    }
}

#[tokio::test]
async fn a_v4_campaign_refuses_more_foreign_workers_than_workers_and_v3_accepts_them() {
    let app = TestApp::spawn().await;
    let answers = [("total_headcount", "100"), ("foreign_workers", "150")];
    let v4 = link(&app, None).await;
    let v3 = link(&app, Some(3)).await;

    // A section save (the site profile is section 2).
    let res = app.post_form(&format!("{v4}/s/2"), &answers, "save").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-foreign_workers">"#),
        "{html}"
    );
    assert!(html.contains(CAPPED), "{html}");
    let res = app.post_form(&format!("{v3}/s/2"), &answers, "save").await;
    assert_eq!(res.status(), 303);

    // A submission (refused for the other required questions too; v3 not for this).
    let res = app.post_form(&v4, &answers, "submit").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-foreign_workers">"#),
        "{html}"
    );
    assert!(html.contains(CAPPED), "{html}");
    let res = app.post_form(&v3, &answers, "submit").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(!html.contains(r#"id="e-foreign_workers""#), "{html}");
    assert!(!html.contains(CAPPED));
}

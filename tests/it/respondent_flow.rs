//! The path end to end: organisation → contact → campaign → link → form → flags.

use crate::helpers::TestApp;
use serde_json::Value;
use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates")
}

#[tokio::test]
async fn a_submitted_form_raises_flags_listed_by_the_api() {
    let app = TestApp::spawn_with_templates(&fixtures()).await;
    let (org, contact) = app.supplier("Acme Sewing", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response_id) = app.invite(&campaign, &org, &contact).await;

    let page = app.get(&format!("{link}/s/1")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Who keeps passports?"));

    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "120"),
                ("passports", "employer"),
                ("fees_paid", "yes"),
                ("fee_amount", "1500"),
                ("weekly_hours", "72"),
                ("agents.0.agent_name", "Good Agency"),
                ("agents.0.agent_licensed", "yes"),
                ("agents.1.agent_name", "Shady Agency"),
                ("agents.1.agent_licensed", "no"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

    let flags: Value = app
        .get(&format!("/api/v1/responses/{response_id}/flags"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(flags["status"], "submitted");
    assert_eq!(flags["overall_band"], "critical");
    let mut raised: Vec<(String, String)> = flags["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["question_id"].as_str().unwrap().to_string(),
                f["band"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    raised.sort();
    assert_eq!(
        raised,
        vec![
            ("agent_licensed".to_string(), "medium".to_string()),
            ("fees_paid".to_string(), "critical".to_string()),
            ("passports".to_string(), "critical".to_string()),
            ("weekly_hours".to_string(), "medium".to_string()),
        ]
    );
    let agent_flag = flags["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["question_id"] == "agent_licensed")
        .unwrap();
    assert_eq!(agent_flag["answer"]["rows"], serde_json::json!([2]));
    // Knock-out flags are told apart from flags critical by their score alone.
    let knock_outs: Vec<&str> = flags["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["knock_out"] == true)
        .map(|f| f["question_id"].as_str().unwrap())
        .collect();
    assert_eq!(knock_outs.len(), 2, "{knock_outs:?}");
    assert!(knock_outs.contains(&"passports") && knock_outs.contains(&"fees_paid"));
    assert_eq!(flags["rating"]["band"], "critical");
    assert_eq!(flags["rating"]["knock_outs"], 2);
    assert_eq!(flags["rating"]["indicators_hit"], 2);

    // The organisation is rated from its latest submitted response.
    let rating: Value = app
        .get(&format!("/api/v1/organisations/{org}/rating"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rating["rating"]["band"], "critical");
    assert_eq!(rating["rating"]["knock_outs"], 2);
    assert_eq!(rating["responses"].as_array().unwrap().len(), 1);
    assert_eq!(rating["responses"][0]["response_id"], response_id.as_str());
    assert_eq!(rating["responses"][0]["template_id"], "mini");
    assert_eq!(rating["flags"].as_array().unwrap().len(), 4);
    // An organisation with nothing submitted has no band yet.
    let (other, _) = app.supplier("Quiet Supplier", "en").await;
    let rating: Value = app
        .get(&format!("/api/v1/organisations/{other}/rating"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rating["rating"]["band"], Value::Null);
    assert_eq!(rating["responses"], serde_json::json!([]));

    // The link now shows the receipt.
    let receipt = app.get(&link).await.text().await.unwrap();
    assert!(receipt.contains("submitted"), "{receipt}");
    assert!(receipt.contains("Shady Agency"));
}

#[tokio::test]
async fn invalid_answers_are_shown_next_to_the_field_in_the_respondents_language() {
    let app = TestApp::spawn_with_templates(&fixtures()).await;
    let (org, contact) = app.supplier("Tokyo Parts", "ja").await;
    let campaign = app.campaign("mini").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;

    let res = app
        .post_form(
            &link,
            &[("headcount", "0"), ("weekly_hours", "abc")],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("1〜100000人の範囲で入力してください。"),
        "custom message in Japanese"
    );
    assert!(
        html.contains("整数で入力してください"),
        "built-in message in Japanese"
    );
    assert!(
        html.contains("この質問は回答が必要です。"),
        "required message in Japanese"
    );
    assert!(
        html.contains(r#"value="abc""#),
        "what was typed is shown again"
    );
}

//! Re-assessments (issue 10, item 6): a newer questionnaire version's rules applied to a
//! campaign's stored answers are recorded apart and never rewrite the original flags.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::{fixtures_dir, TestApp};
use crate::inherent_risk::FLAGGED;
use hrdd_survey::auth::permissions::Role;
use serde_json::{json, Value};

/// `mini` v1 and a v2 whose overtime rule fires only above 80 hours.
fn two_versions() -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let v1 = std::fs::read_to_string(fixtures_dir().join("mini.yaml")).unwrap();
    std::fs::write(dir.join("mini.yaml"), &v1).unwrap();
    let v2 = v1.replacen("version: 1", "version: 2", 1).replacen(
        "when: {above: 60}",
        "when: {above: 80}",
        1,
    );
    assert_ne!(v1, v2);
    std::fs::write(dir.join("mini.v2.yaml"), v2).unwrap();
    dir
}

async fn flag_questions(app: &TestApp, response: &str) -> Vec<String> {
    let mut q: Vec<String> = app
        .response_flags(response)
        .await
        .iter()
        .map(|f| format!("{}#{}", f["question_id"].as_str().unwrap(), f["rule_index"]))
        .collect();
    q.sort();
    q
}

#[tokio::test]
async fn a_newer_version_applied_to_old_answers_is_recorded_apart() {
    let app = TestApp::spawn_with_templates(&two_versions()).await;
    create_user(&app, "member@example.com", Role::Committee, Some(PASSWORD)).await;
    create_user(&app, "viewer@example.com", Role::Viewer, Some(PASSWORD)).await;
    let member = sign_in(&app, "member@example.com", PASSWORD).await;
    let viewer = sign_in(&app, "viewer@example.com", PASSWORD).await;

    let deadline = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let campaign: Value = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "2025 survey", "template_id": "mini", "template_version": 1, "deadline": deadline}),
        )
        .await
        .json()
        .await
        .unwrap();
    let campaign = campaign["id"].as_str().unwrap().to_string();
    let (org, contact) = app.supplier("Old Answers Ltd", "en").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    assert_eq!(app.post_form(&link, FLAGGED, "submit").await.status(), 303);
    let original = flag_questions(&app, &response).await;
    assert!(
        original.contains(&"weekly_hours#0".to_string()),
        "{original:?}"
    );

    let v2 = app
        .state
        .registry
        .find("mini", Some(2))
        .unwrap()
        .id
        .to_string();
    let page = member
        .get(&app, "/staff/reassessments")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("mini v2"), "{page}");
    assert!(page.contains("no inherent-risk data loaded"), "{page}");

    // Bad input: named, nothing run. A viewer may look but not run.
    let res = member
        .post(
            &app,
            "/staff/reassessments",
            &[("campaign", &campaign), ("version", "nope")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    // Beside its field, with the campaign still chosen.
    assert!(
        html.contains(
            r#"<span class="error" id="version-error">Choose a questionnaire version.</span>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"<option value="{campaign}" selected>"#)),
        "{html}"
    );
    let res = viewer
        .post(
            &app,
            "/staff/reassessments",
            &[("campaign", &campaign), ("version", &v2)],
        )
        .await;
    assert_eq!(res.status(), 403);
    // A campaign nobody has submitted to yet has nothing to re-assess.
    let empty: Value = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Nobody yet", "template_id": "mini", "template_version": 1, "deadline": deadline}),
        )
        .await
        .json()
        .await
        .unwrap();
    let res = member
        .post(
            &app,
            "/staff/reassessments",
            &[
                ("campaign", empty["id"].as_str().unwrap()),
                ("version", &v2),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains(r#"id="campaign-error">No submitted response to re-assess yet"#));

    let res = member
        .post(
            &app,
            "/staff/reassessments",
            &[("campaign", &campaign), ("version", &v2)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/staff/reassessments/"), "{location}");
    let page = viewer.get(&app, &location).await.text().await.unwrap();
    assert!(page.contains("mini v2"), "{page}");
    assert!(page.contains("Old Answers Ltd"), "{page}");
    assert!(page.contains("member@example.com"), "{page}");
    // v2 no longer flags 72 hours: one flag fewer than the original.
    assert!(
        page.contains(&format!(
            "<td>Old Answers Ltd</td><td>{}</td>",
            original.len()
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!("<td>{}</td>", original.len() - 1)),
        "{page}"
    );
    assert!(page.contains("(changed)"), "{page}");
    // What changes, flag by flag: the overtime flag is gone, by its label and indicator.
    let unchanged = original.len() - 1;
    assert!(
        page.contains(&format!(
            "0 new, 1 gone, 0 higher, 0 lower; {unchanged} unchanged"
        )),
        "{page}"
    );
    let row = page
        .split("<tr class=\"change-gone\">")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the gone flag's row");
    assert!(
        row.contains("<td>Old Answers Ltd</td><td>Maximum weekly hours (weekly_hours)</td><td>Excessive overtime</td>")
            && row.contains("<td>—</td><td><strong>gone</strong></td>"),
        "{row}"
    );
    let list = viewer
        .get(&app, "/staff/reassessments")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("2025 survey"), "{list}");
    assert!(!list.contains("Run a re-assessment"), "{list}");

    // The original flags are untouched, and re-scoring with the pinned version (v1)
    // still gives them.
    assert_eq!(flag_questions(&app, &response).await, original);
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::{audit_log, reassessment_flags};
        let mut conn = app.state.pool.get().await.unwrap();
        let stored: Vec<String> = reassessment_flags::table
            .select(reassessment_flags::question_id)
            .load(&mut conn)
            .await
            .unwrap();
        assert_eq!(stored.len(), original.len() - 1);
        assert!(!stored.contains(&"weekly_hours".to_string()));
        let runs: i64 = audit_log::table
            .filter(audit_log::action.eq("reassessment.run"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(runs, 1);
        let report =
            hrdd_survey::services::scoring::rescore_check(&mut conn, &app.state.registry, None)
                .await
                .unwrap();
        assert_eq!(report.responses, 1);
        assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    }
}

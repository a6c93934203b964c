//! Answers checked against each other (`validation.max_answer`) and a date not after
//! today, over HTTP: beside the field in English and Japanese, against an answer stored
//! from another section, and at submission.

use crate::helpers::TestApp;
use crate::respondent::stored;
use serde_json::json;
use std::path::Path;
use uuid::Uuid;

const ABOVE: &str =
    "Cannot be more than the answer to “Total number of workers at the site” (120).";

/// An app with a supplier whose contact speaks `language` invited to the `cross`
/// questionnaire: (app, link path, response id).
async fn invited(language: &str) -> (TestApp, String, Uuid) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cross");
    let app = TestApp::spawn_with_templates(&dir).await;
    let (org, contact) = app.supplier("Cross Supplier", language).await;
    let campaign = app.campaign("cross").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    (app, link, response.parse().unwrap())
}

#[tokio::test]
async fn a_count_above_the_total_is_refused_beside_the_field_in_the_respondents_language() {
    let (app, link, response) = invited("en").await;
    let s1 = format!("{link}/s/1");
    let s2 = format!("{link}/s/2");
    assert_eq!(
        app.post_form(&s1, &[("total", "120")], "save")
            .await
            .status(),
        303
    );
    // The count in a later section is checked against the total stored from the first.
    let res = app.post_form(&s2, &[("foreign", "121")], "save").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"<p class="error" id="e-foreign">{ABOVE}"#)),
        "{html}"
    );
    assert!(!stored(&app, response).await.contains_key("foreign"));
    // Equal is fine.
    let res = app.post_form(&s2, &[("foreign", "120")], "save").await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app, response).await["foreign"], json!(120));
    // The total lowered below the stored count: refused beside the total, which keeps
    // its stored value.
    let res = app.post_form(&s1, &[("total", "100")], "save").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(
        r#"<p class="error" id="e-total">Cannot be less than the answer to “Foreign workers” (120)."#
    ), "{html}");
    assert_eq!(stored(&app, response).await["total"], json!(120));

    // In Japanese, with the Japanese label.
    let (app, link, _) = invited("ja").await;
    let res = app
        .post_form(&format!("{link}/s/1"), &[("total", "120")], "save")
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&format!("{link}/s/2"), &[("foreign", "121")], "save")
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="ja">"#), "{html}");
    assert!(
        html.contains(
            r#"<p class="error" id="e-foreign">「拠点の総従業員数」の回答(120)を超えることはできません。"#
        ),
        "{html}"
    );
}

#[tokio::test]
async fn a_date_after_today_is_refused_and_today_accepted() {
    let (app, link, response) = invited("en").await;
    let s1 = format!("{link}/s/1");
    // Two days after today's date in UTC is after today everywhere on earth.
    let after = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let res = app
        .post_form(&s1, &[("total", "10"), ("audit_date", &after)], "save")
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-audit_date">Cannot be later than today."#),
        "{html}"
    );
    assert!(!stored(&app, response).await.contains_key("audit_date"));
    let today = chrono::Utc::now().date_naive().to_string();
    let res = app
        .post_form(&s1, &[("total", "10"), ("audit_date", &today)], "save")
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app, response).await["audit_date"], json!(today));
}

#[tokio::test]
async fn the_date_picker_offers_no_date_after_today_anywhere_on_earth() {
    let (app, link, _) = invited("en").await;
    // `max: today` is the date at UTC+14h, the last place where it is still today.
    let latest = || {
        (chrono::Utc::now() + chrono::Duration::hours(14))
            .date_naive()
            .to_string()
    };
    let before = latest();
    let html = app.get(&format!("{link}/s/1")).await.text().await.unwrap();
    let after = latest();
    let input = html
        .split("<input")
        .find(|i| i.contains(r#"name="audit_date""#))
        .expect("the date input");
    assert!(input.contains(r#"type="date""#), "{input}");
    assert!(
        input.contains(&format!(r#"max="{before}""#))
            || input.contains(&format!(r#"max="{after}""#)),
        "{input}"
    );
}

#[tokio::test]
async fn submit_is_refused_while_two_answers_disagree() {
    let (app, link, response) = invited("en").await;
    // The one-post form: the whole form with the count above the total.
    let res = app
        .post_form(&link, &[("total", "120"), ("foreign", "150")], "submit")
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(ABOVE), "{html}");
    assert_eq!(stored(&app, response).await["total"], json!(120));
    assert!(!stored(&app, response).await.contains_key("foreign"));

    // The review page lists it as still to correct, and its submit is refused.
    app.post_form(&format!("{link}/s/2"), &[("foreign", "100")], "save")
        .await;
    let review = app
        .get(&format!("{link}/review"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!review.contains(ABOVE), "{review}");
    // Stored answers that disagree (as a colleague's older save could leave them):
    // the review lists the disagreement and a submission is refused.
    let mut conn = app.db.conn().await;
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::answers;
        diesel::update(
            answers::table
                .filter(answers::response_id.eq(response))
                .filter(answers::question_id.eq("foreign")),
        )
        .set(answers::value.eq(json!(130)))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let review = app
        .get(&format!("{link}/review"))
        .await
        .text()
        .await
        .unwrap();
    assert!(review.contains(ABOVE), "{review}");
    let csrf = app.form_csrf(&link).await;
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
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(ABOVE));
    let res = app
        .post_form(&link, &[("total", "120"), ("foreign", "130")], "submit")
        .await;
    assert_eq!(res.status(), 422);
    let status: String = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::responses;
        responses::table
            .find(response)
            .select(responses::status)
            .first(&mut conn)
            .await
            .unwrap()
    };
    assert_ne!(status, "submitted");
    let res = app
        .post_form(&link, &[("total", "130"), ("foreign", "130")], "submit")
        .await;
    assert!(
        res.status().is_redirection() || res.status() == 200,
        "{}",
        res.status()
    );
}

/// A clarification reply is checked against the answers kept as they were: a reopened
/// total lowered below the stored count of foreign workers is refused beside the total
/// (the count cannot change in a reply), nothing written; a total that agrees is taken.
#[tokio::test]
async fn a_clarification_reply_cannot_lower_the_total_below_a_kept_count() {
    use crate::remedy::member;
    use hrdd_survey::auth::permissions::Role;
    let (app, link, response) = invited("en").await;
    let res = app
        .post_form(&link, &[("total", "120"), ("foreign", "100")], "submit")
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, committee) = member(&app, Role::Committee).await;
    let res = committee
        .post(
            &app,
            &format!("/staff/responses/{response}/clarifications"),
            &[("question.total", "How many people work at the site today?")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let reply = format!("{link}/clarification");
    let html = app
        .client
        .get(app.url(&reply))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::hidden_csrf(&html);
    let post = |total: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.clone())
            .text("total", total);
        app.client.post(app.url(&reply)).multipart(form).send()
    };
    let res = post("50").await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Cannot be less than the answer to “Foreign workers” (100)."),
        "{html}"
    );
    assert!(html.contains(r#"id="e-total""#), "{html}");
    let mut conn = app.db.conn().await;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hrdd_survey::db::schema::clarification_items;
    let replied: Vec<Option<serde_json::Value>> = clarification_items::table
        .select(clarification_items::reply_answer)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(replied, vec![None]);
    // A total that agrees with the kept count is the reply.
    assert_eq!(post("100").await.unwrap().status(), 303);
    let replied: Vec<Option<serde_json::Value>> = clarification_items::table
        .select(clarification_items::reply_answer)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(replied, vec![Some(json!(100))]);
}

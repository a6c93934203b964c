//! "This question before" on the flag page: the organisation's earlier answers to the
//! flagged question in its submissions of the same questionnaire, with the flags they
//! raised and where those stand, and which one the response was copied from.

use crate::flag_queue::{mini_and_twin, submit_mini};
use crate::flags::member;
use crate::helpers::TestApp;
use hrdd_survey::auth::permissions::Role;

/// The response's flag on `passports`.
async fn passports_flag(app: &TestApp, response: &str) -> String {
    let flags = app.response_flags(response).await;
    flags
        .iter()
        .find(|f| f["question_id"] == "passports")
        .unwrap_or_else(|| panic!("no passports flag: {flags:?}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The `#earlier` card of a page.
fn earlier(page: &str) -> &str {
    let start = page
        .find(r#"id="earlier""#)
        .unwrap_or_else(|| panic!("no #earlier: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</div>").unwrap()]
}

#[tokio::test]
async fn a_flag_shows_the_organisations_earlier_answers_to_its_question() {
    let app = TestApp::spawn_with_templates(&mini_and_twin()).await;
    let (org, contact) = app.supplier("Recurring KK", "en").await;
    let member = member(&app, Role::Committee, "Rie Committee").await;

    // Last year: the employer kept passports (a flag).
    let (link, first) = app
        .invite(&app.campaign("mini").await, &org, &contact)
        .await;
    submit_mini(&app, &link, "employer").await;
    let first_flag = passports_flag(&app, &first).await;
    let (status, page) = member
        .page(&app, &format!("/staff/flags/{first_flag}"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        earlier(&page).contains("No earlier submission of this questionnaire by Recurring KK"),
        "{page}"
    );

    // Another questionnaire in between, answered differently: never listed.
    let (link, _) = app
        .invite(&app.campaign("twin").await, &org, &contact)
        .await;
    submit_mini(&app, &link, "worker").await;

    // This year: started from last year's answers, submitted unchanged.
    let (link, second) = app
        .invite(&app.campaign("mini").await, &org, &contact)
        .await;
    let csrf = app.form_csrf(&link).await;
    let res = app
        .client
        .post(app.url(&format!("{link}/carry-over")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    submit_mini(&app, &link, "employer").await;
    let second_flag = passports_flag(&app, &second).await;

    let (status, page) = member
        .page(&app, &format!("/staff/flags/{second_flag}"))
        .await;
    assert_eq!(status, 200, "{page}");
    let card = earlier(&page);
    assert_eq!(
        card.matches("<tr>").count(),
        2,
        "a header and one row: {card}"
    );
    assert!(
        card.contains(&format!(
            r#"<a href="/staff/organisations/{org}/responses#a-{first}-passports">The employer</a> <strong class="same">same answer</strong>"#
        )),
        "{card}"
    );
    assert!(
        card.contains("this response was started from these answers"),
        "{card}"
    );
    assert!(
        card.contains(&format!(r#"<a href="/staff/flags/{first_flag}">"#)),
        "last year's flag, linked: {card}"
    );
    assert!(card.contains("</a> open"), "its state now: {card}");
    assert!(!card.contains("The worker"), "the twin's answer: {card}");
    let on = chrono::Utc::now().date_naive().to_string();
    assert!(card.contains(&format!(">{on}</td>")), "{card}");
}

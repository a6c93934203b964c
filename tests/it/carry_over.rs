//! The next round: a new response may start from its organisation's last submission of
//! the same questionnaire, when the respondent chooses it on the start page; never
//! another organisation's, never over answers already saved, and on the record.

use crate::campaign_edits::audited;
use crate::helpers::TestApp;
use crate::respondent::stored;
use crate::sections::sections_dir;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{answers, audit_log, responses};
use serde_json::json;
use uuid::Uuid;

const ANSWERS: &[(&str, &str)] = &[
    ("headcount", "120"),
    ("migrants", "yes"),
    ("migrant_share", "30"),
    ("fees_paid", "no"),
    ("notes", "Direct hire only"),
    ("passports", "worker"),
];

/// The start page of `link` (a path), which must answer 200.
pub(crate) async fn start_page(app: &TestApp, link: &str) -> String {
    let res = app
        .client
        .get(app.url(&format!("{link}?start=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn carry(app: &TestApp, link: &str) -> reqwest::Response {
    let csrf = app.form_csrf(link).await;
    app.client
        .post(app.url(&format!("{link}/carry-over")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_round_starts_from_the_last_submission_when_the_respondent_chooses_it() {
    let app = TestApp::spawn_with_templates(&sections_dir()).await;
    let (org, contact) = app.supplier("Round Supplier", "en").await;
    let (other_org, other_contact) = app.supplier("Other Supplier", "ja").await;
    let first = app.campaign("sections").await;
    let (link1, response1) = app.invite(&first, &org, &contact).await;
    let response1: Uuid = response1.parse().unwrap();
    // Nothing submitted yet: nothing offered, and a post copies nothing.
    assert!(!start_page(&app, &link1)
        .await
        .contains(r#"id="carry-over""#));
    let res = app.post_form(&link1, ANSWERS, "submit").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    // The other organisation answers the same campaign only in part (a draft).
    let (other1, _) = app.invite(&first, &other_org, &other_contact).await;
    let res = app.post_form(&other1, &[("headcount", "7")], "save").await;
    assert_eq!(res.status(), 303);

    let second = app.campaign("sections").await;
    let (link2, response2) = app.invite(&second, &org, &contact).await;
    let response2: Uuid = response2.parse().unwrap();
    let page = start_page(&app, &link2).await;
    assert!(page.contains(r#"id="carry-over""#), "{page}");
    let today = chrono::Utc::now()
        .date_naive()
        .format("%-d %B %Y")
        .to_string();
    assert!(
        page.contains(&format!(
            "Your organisation submitted this questionnaire on {today} (\u{201c}Test campaign\u{201d})"
        )),
        "{page}"
    );
    // Another organisation's submission is never offered, nor its own draft.
    let (other2, _) = app.invite(&second, &other_org, &other_contact).await;
    let theirs = start_page(&app, &other2).await;
    assert!(!theirs.contains(r#"id="carry-over""#), "{theirs}");
    let res = carry(&app, &other2).await;
    assert_eq!(res.status(), 200);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains("この質問票に写せる以前の回答はありません"),
        "{refused}"
    );

    let res = carry(&app, &link2).await;
    assert_eq!(res.status(), 200);
    let copied = res.text().await.unwrap();
    assert!(
        copied.contains(&format!(
            "6 answers copied from your submission of {today}. Check each section"
        )),
        "{copied}"
    );
    assert!(!copied.contains(r#"id="carry-over""#), "{copied}");
    assert_eq!(stored(&app, response2).await, stored(&app, response1).await);

    // A draft saved by the contact who chose it, not a submission.
    let mut conn = app.db.conn().await;
    let status: String = responses::table
        .find(response2)
        .select(responses::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "draft");
    let by: Vec<Option<Uuid>> = answers::table
        .filter(answers::response_id.eq(response2))
        .select(answers::answered_by_contact_id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(by, vec![Some(contact.parse().unwrap()); 6]);
    let entries = audited(&app, "response.carried_over").await;
    assert_eq!(
        entries,
        vec![json!({"from_response_id": response1, "answers": 6, "left_out": []})]
    );
    let (actor, subject): (Option<String>, String) = audit_log::table
        .filter(audit_log::action.eq("response.carried_over"))
        .select((audit_log::actor_id, audit_log::subject_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (actor.as_deref(), subject.as_str()),
        (Some(contact.as_str()), response2.to_string().as_str())
    );
    // On the organisation's timeline as its own kind of save, by that contact.
    let timeline = app.timeline_of(response2).await;
    let carried: Vec<_> = timeline
        .iter()
        .filter(|r| r.what == "Answers carried over")
        .map(|r| r.detail.as_str())
        .collect();
    assert_eq!(
        carried,
        vec!["Round Supplier contact: 6 answers"],
        "{timeline:?}"
    );
    assert!(!timeline.iter().any(|r| r.what == "Answers saved"));

    // Once there are answers, the link goes on to the form and nothing is offered; a
    // second post (a double click, another tab) copies nothing and says so.
    let res = app.client.get(app.url(&link2)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(!start_page(&app, &link2)
        .await
        .contains(r#"id="carry-over""#));
    let res = carry(&app, &link2).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Nothing was copied: answers have been saved here already"));
    assert_eq!(audited(&app, "response.carried_over").await.len(), 1);

    // The carried answers are submitted like typed ones, under the declaration.
    let csrf = app.form_csrf(&link2).await;
    let res = app
        .client
        .post(app.url(&format!("{link2}/submit")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("signatory_name", "Test Signatory"),
            ("signatory_title", "Compliance lead"),
            ("declaration", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let status: String = responses::table
        .find(response2)
        .select(responses::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "submitted");

    // The committee reads that these answers were copied, from which response, and that
    // none changed since it.
    let member = crate::flags::member(&app, Role::Committee, "Carla Committee").await;
    let (status, page) = member
        .page(&app, &format!("/staff/organisations/{org}/responses"))
        .await;
    assert_eq!(status, 200, "{page}");
    let note = page
        .split(&format!(r#"<p class="carried" id="carried-{response2}">"#))
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_else(|| panic!("no note on the second response: {page}"));
    let on = chrono::Utc::now().date_naive().format("%Y-%m-%d");
    assert!(
        note.starts_with(&format!(
            r##"Started from the answers of <a href="#response-{response1}">Test campaign ({on} "##
        )),
        "{note}"
    );
    assert!(
        note.ends_with(&format!(": 6 answers copied by the contact on {on}.")),
        "{note}"
    );
    assert_eq!(page.matches(r#"<p class="carried""#).count(), 1, "{page}");
    assert!(
        page.contains("0 answers changed since Test campaign"),
        "{page}"
    );
}

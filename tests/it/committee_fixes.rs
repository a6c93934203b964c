//! Defects a QA walk found on the committee's flag and plan pages: a member claiming
//! the supplier's answer, comments and decisions losing what was typed, a double-posted
//! comment, a question offered while another waits, remedy facts overwritten from a
//! second tab or offered once final, a stale new plan losing its text, the due date's
//! label, an empty evidence file and the queue's checkbox labels.

use crate::auth::Session;
use crate::helpers::{fixtures_dir, TestApp};
use crate::remedy::{flag_status, member, submitted};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{
    action_plan_remedies, flag_comments, flag_decisions, flags, invitations,
};
use uuid::Uuid;

/// The flag on `question` of `response` and its version.
async fn flag_on(app: &TestApp, response: Uuid, question: &str) -> (Uuid, i32) {
    let mut conn = app.db.conn().await;
    flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::question_id.eq(question))
        .select((flags::id, flags::version))
        .first(&mut conn)
        .await
        .unwrap()
}

/// The decisions of a flag as (action, actor kind), oldest first.
async fn decisions(app: &TestApp, flag: Uuid) -> Vec<(String, String)> {
    let mut conn = app.db.conn().await;
    flag_decisions::table
        .filter(flag_decisions::flag_id.eq(flag))
        .order(flag_decisions::flag_version.asc())
        .select((flag_decisions::action, flag_decisions::actor_kind))
        .load(&mut conn)
        .await
        .unwrap()
}

/// The supplier answers the waiting clarification through their link.
async fn supplier_replies(app: &TestApp, response: Uuid, passports: &str) {
    let mut conn = app.db.conn().await;
    let invitation: hrdd_survey::db::models::Invitation = invitations::table
        .filter(invitations::response_id.eq(response))
        .select(hrdd_survey::db::models::Invitation::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    let token = hrdd_survey::auth::links::link_token(&app.state.link_keys, &invitation).unwrap();
    let session = hrdd_survey::services::responses::open_link(
        &mut app.state.pool.get().await.unwrap(),
        &app.state.registry,
        &token,
    )
    .await
    .unwrap()
    .unwrap();
    let mut input = hrdd_survey::domain::answers::RawInput::default();
    input
        .values
        .insert("passports".into(), vec![passports.into()]);
    let done = hrdd_survey::services::clarifications::reply(
        &mut app.state.pool.get().await.unwrap(),
        &app.state.audit_key,
        &session,
        &input,
        hrdd_survey::domain::i18n::Lang::Ja,
    )
    .await
    .unwrap();
    assert!(
        matches!(
            done,
            hrdd_survey::services::clarifications::ReplyOutcome::Answered { .. }
        ),
        "{done:?}"
    );
}

async fn ask(app: &TestApp, a: &Session, response: Uuid, question: &str) {
    let res = a
        .post(
            app,
            &format!("/staff/responses/{response}/clarifications"),
            &[(question, "Who holds the passports today?")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// The value of a hidden field of a page.
fn hidden(html: &str, name: &str) -> String {
    let start = html
        .find(&format!(r#"name="{name}" value=""#))
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + name.len()
        + 15;
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

async fn text(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Only the supplier's reply answers a clarification: the page offers no button that
/// claims it, a post claiming it is refused and records nothing, and the real reply is
/// the one "clarification answered" in the flag's history.
#[tokio::test]
async fn a_member_cannot_record_that_the_supplier_answered() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (_link, response, _contact) = submitted(&app).await;
    let (_, a) = member(&app, Role::Committee).await;
    ask(&app, &a, response, "question.passports").await;
    let (flag, version) = flag_on(&app, response, "passports").await;
    assert_eq!(flag_status(&app, flag).await, "clarification_requested");

    let (status, html) = text(a.get(&app, &format!("/staff/flags/{flag}")).await).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Clarification answered"), "{html}");
    assert!(
        !html.contains(r#"value="clarification_answered""#),
        "{html}"
    );
    assert!(html.contains("their reply takes the flag back to review"));

    let (status, html) = text(
        a.post(
            &app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", "clarification_answered"),
                ("version", &version.to_string()),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 403, "{html}");
    assert!(
        html.contains("own reply (through their clarification link) answers a clarification"),
        "{html}"
    );
    assert_eq!(flag_status(&app, flag).await, "clarification_requested");
    assert!(!decisions(&app, flag)
        .await
        .iter()
        .any(|(a, _)| a == "clarification_answered"));

    supplier_replies(&app, response, "worker").await;
    assert_eq!(flag_status(&app, flag).await, "in_review");
    let answered: Vec<_> = decisions(&app, flag)
        .await
        .into_iter()
        .filter(|(a, _)| a == "clarification_answered")
        .collect();
    assert_eq!(
        answered,
        [("clarification_answered".to_string(), "contact".to_string())],
        "the supplier's reply, and only it"
    );
}

/// A refused comment comes back in its box with the refusal beside it; the same form
/// posted twice at once (a double click) stores one comment.
#[tokio::test]
async fn comments_keep_what_was_typed_and_a_double_post_stores_once() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (_link, response, _contact) = submitted(&app).await;
    let (_, a) = member(&app, Role::Committee).await;
    let (flag, _) = flag_on(&app, response, "passports").await;
    let path = format!("/staff/flags/{flag}/comments");

    let pasted = "Checked with the site manager.\u{000B}Passports are in the safe.";
    let (status, html) = text(a.post(&app, &path, &[("body", pasted)]).await).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains(&format!(">{pasted}</textarea>")), "{html}");
    assert!(
        html.contains(r#"<span class="error" id="comment-error">"#)
            && html.contains("control characters"),
        "{html}"
    );

    let (_, page) = text(a.get(&app, &format!("/staff/flags/{flag}")).await).await;
    let token = hidden(&page, "form_token");
    assert!(Uuid::parse_str(&token).is_ok(), "{token}");
    let fields = [
        ("body", "Passports are in the safe."),
        ("form_token", token.as_str()),
    ];
    let (one, two) = tokio::join!(a.post(&app, &path, &fields), a.post(&app, &path, &fields));
    assert_eq!((one.status().as_u16(), two.status().as_u16()), (303, 303));
    // A later post of the same form, too (back button, reload).
    assert_eq!(a.post(&app, &path, &fields).await.status(), 303);
    let mut conn = app.db.conn().await;
    let stored: i64 = flag_comments::table
        .filter(flag_comments::flag_id.eq(flag))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    // A new page view is a new form: the same words again are a new comment.
    let (_, page) = text(a.get(&app, &format!("/staff/flags/{flag}")).await).await;
    let again = hidden(&page, "form_token");
    assert_ne!(again, token);
    let res = a
        .post(
            &app,
            &path,
            &[
                ("body", "Passports are in the safe."),
                ("form_token", &again),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let stored: i64 = flag_comments::table
        .filter(flag_comments::flag_id.eq(flag))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 2);
}

/// A decision refused as stale whose form the flag no longer offers shows the typed
/// reason back, quoted to copy.
#[tokio::test]
async fn a_stale_decision_shows_the_typed_reason_back() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (_link, response, _contact) = submitted(&app).await;
    let (a_id, a) = member(&app, Role::Committee).await;
    let (_, b) = member(&app, Role::Committee).await;
    let (flag, version) = flag_on(&app, response, "passports").await;
    let decide = format!("/staff/flags/{flag}/decide");
    let res = a
        .post(
            &app,
            &decide,
            &[
                ("action", "assign"),
                ("assignee", &a_id.to_string()),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let seen = (version + 1).to_string();
    // A accepts the risk (a critical flag: A signs, C confirms); B, on the page A and B
    // had open, requires corrective action.
    let res = a
        .post(
            &app,
            &decide,
            &[
                ("action", "sign_accept_risk"),
                ("reason", "Passports returned."),
                ("version", &seen),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, c) = member(&app, Role::Committee).await;
    let res = c
        .post(
            &app,
            &decide,
            &[
                ("action", "accept_risk"),
                ("reason", "Confirmed."),
                ("version", &(version + 2).to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let typed = "Lockers for every worker by the end of the month; a check on site.";
    let (status, html) = text(
        b.post(
            &app,
            &decide,
            &[
                ("action", "require_action"),
                ("reason", typed),
                ("version", &seen),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("this flag changed since you opened it"));
    assert!(
        !html.contains(r#"value="require_action""#),
        "no longer offered"
    );
    assert!(html.contains(r#"id="typed""#), "{html}");
    assert!(html.contains(typed), "{html}");
}

/// "Request clarification" is not offered while a question waits on the response about
/// another flagged answer; the page says so and links the response's clarifications.
#[tokio::test]
async fn a_question_waiting_on_the_response_is_linked_not_offered_again() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (response, _) = crate::flags::flagged(&app, &campaign, "Waiting Ltd").await;
    let response: Uuid = response.parse().unwrap();
    let (a_id, a) = member(&app, Role::Committee).await;
    let (hours, version) = flag_on(&app, response, "weekly_hours").await;
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{hours}/decide"),
            &[
                ("action", "assign"),
                ("assignee", &a_id.to_string()),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(a.get(&app, &format!("/staff/flags/{hours}")).await).await;
    assert!(
        html.contains(r#"value="request_clarification""#),
        "offered while nothing waits"
    );

    ask(&app, &a, response, "question.passports").await;
    let (_, html) = text(a.get(&app, &format!("/staff/flags/{hours}")).await).await;
    assert!(!html.contains(r#"value="request_clarification""#), "{html}");
    assert!(html.contains(r#"id="question-waiting""#), "{html}");
    assert!(html.contains(&format!(
        r#"href="/staff/responses/{response}/clarifications""#
    )));
}

/// The plan pages: the due date's label says the rule; a new plan from a stale tab keeps
/// its text; remedy facts saved from two tabs refuse the stale one, keeping what was
/// typed and showing what is stored; an empty evidence file is named as empty; a
/// verified plan shows its facts without a form, and a stale save on it keeps the text.
#[tokio::test]
async fn plan_pages_keep_what_was_typed_and_refuse_a_stale_save() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (_link, response, _contact) = submitted(&app).await;
    let (a_id, a) = member(&app, Role::Committee).await;
    let (flag, _) = flag_on(&app, response, "passports").await;
    let plans = format!("/staff/flags/{flag}/action-plans");

    let (_, html) = text(a.get(&app, &plans).await).await;
    assert!(
        html.contains("Due (empty: 14 days after the start, as the flag is critical)"),
        "{html}"
    );
    let owner = format!("user:{a_id}");
    let plan_form = |root: &'static str| {
        vec![
            ("root_cause", root),
            ("actions", "Return every passport; lockers in the dormitory"),
            ("owner", owner.as_str()),
        ]
    };
    let res = a
        .post(
            &app,
            &plans,
            &plan_form("Passports kept in the office safe"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let plan_path = crate::auth::location(&res);
    // The same form, from a tab opened before the plan existed.
    let (status, html) = text(
        a.post(&app, &plans, &plan_form("Kept by the dormitory manager"))
            .await,
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(!html.contains("fix what is marked below"), "{html}");
    assert!(html.contains("already has a plan"), "{html}");
    assert!(html.contains(r#"id="unsaved""#), "{html}");
    assert!(html.contains("Kept by the dormitory manager"), "{html}");
    assert!(html.contains("lockers in the dormitory"), "{html}");

    // Two tabs on the plan; the first saves, the second is refused.
    let (_, first) = text(a.get(&app, &plan_path).await).await;
    let (_, second) = text(a.get(&app, &plan_path).await).await;
    let remedy = format!("{plan_path}/remedy");
    let res = a
        .post(
            &app,
            &remedy,
            &[
                ("workers_affected", "40"),
                ("remedy_version", &hidden(&first, "remedy_version")),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, html) = text(
        a.post(
            &app,
            &remedy,
            &[
                ("workers_affected", "41"),
                ("remedy_version", &hidden(&second, "remedy_version")),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("changed since you opened it"), "{html}");
    assert!(
        html.contains(r#"value="41""#),
        "what was typed stays: {html}"
    );
    assert!(
        html.contains(r#"<td class="remedy">40</td>"#),
        "what is stored is shown: {html}"
    );
    let mut conn = app.db.conn().await;
    let stored: Option<i32> = action_plan_remedies::table
        .select(action_plan_remedies::workers_affected)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, Some(40));
    // The refused page's form carries the stored version: saving again replaces it.
    let res = a
        .post(
            &app,
            &remedy,
            &[
                ("workers_affected", "41"),
                ("remedy_version", &hidden(&html, "remedy_version")),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // A chosen file of 0 bytes.
    let upload = |bytes: &'static [u8]| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", a.csrf.clone())
            .part(
                "evidence",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("receipt.pdf"),
            );
        a.client
            .post(app.url(&format!("{plan_path}/evidence")))
            .multipart(form)
            .send()
    };
    let (status, html) = text(upload(b"").await.unwrap()).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("is empty"), "{html}");
    assert!(!html.contains("choose a file to upload"), "{html}");

    // Verified: the facts are read-only.
    let res = a
        .post(
            &app,
            &format!("{plan_path}/status"),
            &[("to", "in_progress")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, before) = text(a.get(&app, &plan_path).await).await;
    assert!(before.contains(&format!(r#"action="{remedy}""#)));
    let res = upload(b"%PDF-1.4 passports returned").await.unwrap();
    assert_eq!(res.status(), 303);
    for to in ["completed", "verified"] {
        let res = a
            .post(&app, &format!("{plan_path}/status"), &[("to", to)])
            .await;
        assert_eq!(res.status(), 303, "{to}");
    }
    let (_, html) = text(a.get(&app, &plan_path).await).await;
    assert!(!html.contains(&format!(r#"action="{remedy}""#)), "{html}");
    assert!(html.contains(r#"id="remedy-final""#), "{html}");
    assert!(html.contains(r#"<td class="remedy">41</td>"#), "{html}");
    // A save from a tab opened before the verification.
    let (status, html) = text(
        a.post(
            &app,
            &remedy,
            &[
                ("workers_affected", "42"),
                ("remedy_version", &hidden(&before, "remedy_version")),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("its remedy facts are final"), "{html}");
    assert!(html.contains(r#"id="unsaved""#), "{html}");
    assert!(html.contains("<dd>42</dd>"), "{html}");
}

/// Each checkbox of the queue names its flag: organisation, indicator and question.
#[tokio::test]
async fn queue_checkboxes_name_their_flag() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    crate::flags::flagged(&app, &campaign, "Labelled Ltd").await;
    let (_, a) = member(&app, Role::Committee).await;
    let (status, html) = text(a.get(&app, "/staff/flags").await).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Pick flag 1"), "{html}");
    let labels: Vec<&str> = html
        .match_indices(r#"type="checkbox" name="pick""#)
        .map(|(i, _)| {
            let rest = &html[i..];
            let start = rest.find("aria-label=\"").unwrap() + 12;
            &rest[start..start + rest[start..].find('"').unwrap()]
        })
        .collect();
    assert_eq!(labels.len(), 3, "{html}");
    for label in &labels {
        assert!(label.contains("Labelled Ltd"), "{label}");
    }
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("Pick the critical flag at Labelled Ltd")),
        "{labels:?}"
    );
    let mut distinct = labels.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "each names its own flag: {labels:?}");
}

//! "Withdraw the question": a flag whose supplier never replies is not stuck in
//! "clarification requested". A member withdraws the question with a reason: every flag
//! waiting for it goes back to review with a `withdraw_question` decision (never a
//! "clarification answered"), the request is marked withdrawn (who, when, why), one
//! audit entry; the supplier's link says, in their language, that the question was
//! withdrawn and refuses a reply without writing anything; the member can then decide.
//! Refused: a viewer (403), an empty reason (422), a stale page (409). The supplier is
//! told by email, in their language, once.

use crate::auth::Session;
use crate::helpers::{fixtures_dir, hidden_csrf, TestApp};
use crate::mail::{header, text_body, SmtpServer};
use crate::remedy::{member, submitted};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{
    audit_log, clarification_items, clarification_requests, flag_decisions, flags,
};
use uuid::Uuid;

const REASON: &str = "No reply after three reminders; the campaign has closed.";

async fn flag_now(app: &TestApp, response: Uuid) -> (Uuid, i32, String) {
    let mut conn = app.db.conn().await;
    flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::question_id.eq("passports"))
        .select((flags::id, flags::version, flags::status))
        .first(&mut conn)
        .await
        .unwrap()
}

/// The decisions of a flag as (action, actor kind, reason), oldest first.
async fn decisions(app: &TestApp, flag: Uuid) -> Vec<(String, String, Option<String>)> {
    let mut conn = app.db.conn().await;
    flag_decisions::table
        .filter(flag_decisions::flag_id.eq(flag))
        .order(flag_decisions::flag_version.asc())
        .select((
            flag_decisions::action,
            flag_decisions::actor_kind,
            flag_decisions::reason,
        ))
        .load(&mut conn)
        .await
        .unwrap()
}

type RequestState = (
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<Uuid>,
    Option<String>,
);

/// The request's (answered at, withdrawn at, withdrawn by, reason).
async fn request_state(app: &TestApp, response: Uuid) -> RequestState {
    let mut conn = app.db.conn().await;
    clarification_requests::table
        .filter(clarification_requests::response_id.eq(response))
        .select((
            clarification_requests::answered_at,
            clarification_requests::withdrawn_at,
            clarification_requests::withdrawn_by,
            clarification_requests::withdrawn_reason,
        ))
        .first(&mut conn)
        .await
        .unwrap()
}

async fn decide(
    app: &TestApp,
    who: &Session,
    flag: Uuid,
    action: &str,
    version: i32,
    reason: &str,
) -> (u16, String) {
    let res = who
        .post(
            app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", action),
                ("version", &version.to_string()),
                ("reason", reason),
            ],
        )
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn page(app: &TestApp, who: &Session, path: &str) -> String {
    let res = who.get(app, path).await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_member_withdraws_an_unanswered_question_and_the_supplier_is_told() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    // A Japanese contact.
    let (link, response, _contact) = submitted(&app).await;
    let (member_id, a) = member(&app, Role::Committee).await;
    let (_, viewer) = member(&app, Role::Viewer).await;
    let res = a
        .post(
            &app,
            &format!("/staff/responses/{response}/clarifications"),
            &[("question.passports", "Who holds the passports today?")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (flag, version, status) = flag_now(&app, response).await;
    assert_eq!(status, "clarification_requested");
    let flag_path = format!("/staff/flags/{flag}");

    // The supplier's page while the question waits (kept open in a tab).
    let supplier_page = format!("{link}/clarification");
    let html = app
        .client
        .get(app.url(&supplier_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("委員会からの質問"), "{html}");
    let csrf = hidden_csrf(&html);

    // The flag page offers the withdrawal, with a required reason.
    let html = page(&app, &a, &flag_path).await;
    assert!(html.contains(r#"value="withdraw_question""#), "{html}");
    assert!(html.contains("Withdraw the question"), "{html}");
    assert!(
        html.contains("waiting for the supplier&#x27;s reply")
            || html.contains("waiting for the supplier's reply")
    );

    // Refused, nothing written: a viewer, no reason, a stale page.
    let before = decisions(&app, flag).await;
    let (status, _) = decide(&app, &viewer, flag, "withdraw_question", version, REASON).await;
    assert_eq!(status, 403);
    let (status, html) = decide(&app, &a, flag, "withdraw_question", version, "  ").await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("a reason for withdrawing the question is required"),
        "{html}"
    );
    let (status, html) = decide(&app, &a, flag, "withdraw_question", version - 1, REASON).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("changed since you opened it"), "{html}");
    assert_eq!(decisions(&app, flag).await, before);
    assert_eq!(flag_now(&app, response).await.2, "clarification_requested");
    assert_eq!(request_state(&app, response).await.1, None);

    // Withdrawn.
    let (status, html) = decide(&app, &a, flag, "withdraw_question", version, REASON).await;
    assert_eq!(status, 303, "{html}");
    let (_, new_version, status) = flag_now(&app, response).await;
    assert_eq!(status, "in_review");
    let history = decisions(&app, flag).await;
    assert_eq!(
        history.last().unwrap(),
        &(
            "withdraw_question".to_string(),
            "staff".to_string(),
            Some(REASON.to_string())
        )
    );
    assert!(!history
        .iter()
        .any(|(a, _, _)| a == "clarification_answered"));
    let (answered, withdrawn_at, by, reason) = request_state(&app, response).await;
    assert!(answered.is_none() && withdrawn_at.is_some());
    assert_eq!((by, reason.as_deref()), (Some(member_id), Some(REASON)));
    let mut conn = app.db.conn().await;
    let entries: i64 = audit_log::table
        .filter(audit_log::action.eq("clarification.withdrawn"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(entries, 1);

    // A stale page's second withdrawal is refused.
    let (status, _) = decide(&app, &a, flag, "withdraw_question", version, REASON).await;
    assert_eq!(status, 409);

    // The flag page: the withdrawal in the history and beside the answer, no longer
    // waiting; the decisions are offered again.
    let html = page(&app, &a, &format!("{flag_path}?done=withdraw_question")).await;
    // The history says what was done and why, never a reason of its own ("no reply").
    assert!(html.contains("withdrew the question"), "{html}");
    assert!(!html.contains("(no reply)"), "{html}");
    assert!(
        html.contains(&format!(r#"<td data-label="Decision">withdrew the question</td><td data-label="State">clarification requested → in review</td><td data-label="Reason">{REASON}</td>"#)),
        "{html}"
    );
    assert!(html.contains(r#"id="withdrawn""#), "{html}");
    assert!(html.contains("by Test Person without a reply"), "{html}");
    assert!(!html.contains(r#"id="waiting""#), "{html}");
    assert!(!html.contains(r#"value="withdraw_question""#), "{html}");
    // (The flag is critical: accepting its risk starts with a first signature.)
    assert!(html.contains(r#"value="sign_accept_risk""#), "{html}");
    // The response's clarifications page.
    let html = page(
        &app,
        &a,
        &format!("/staff/responses/{response}/clarifications"),
    )
    .await;
    assert!(html.contains("by Test Person without a reply"), "{html}");
    assert!(
        html.contains("no reply: the question was withdrawn"),
        "{html}"
    );
    assert!(!html.contains("waiting for the reply"), "{html}");

    // The supplier's link: withdrawn, in Japanese; a reply is refused, nothing written.
    let html = app
        .client
        .get(app.url(&supplier_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("取り下げられました"), "{html}");
    assert!(!html.contains(r#"name="passports""#), "{html}");
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .text("passports", "worker");
    let res = app
        .client
        .post(app.url(&supplier_page))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("取り下げられました"), "{html}");
    let replies: Vec<Option<serde_json::Value>> = clarification_items::table
        .select(clarification_items::reply_answer)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(replies, [None]);
    assert!(request_state(&app, response).await.0.is_none());
    assert_eq!(decisions(&app, flag).await, history);
    assert_eq!(flag_now(&app, response).await.1, new_version);

    // The members can now decide (a critical flag: one signs, another confirms).
    let (status, html) = decide(
        &app,
        &a,
        flag,
        "sign_accept_risk",
        new_version,
        "Passports returned, confirmed on site.",
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let (_, b) = member(&app, Role::Committee).await;
    let (status, html) = decide(&app, &b, flag, "accept_risk", new_version + 1, "Agreed.").await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(flag_now(&app, response).await.2, "accepted_risk");
}

/// Withdrawing from one flag's page withdraws the whole request (every question it
/// asked): each flag waiting for it goes back to review with its own decision; one
/// audit entry; and a new question can then be asked on the response.
#[tokio::test]
async fn withdrawing_takes_back_every_question_of_the_request() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (response, _) = crate::flags::flagged(&app, &campaign, "Two Questions Ltd").await;
    let response: Uuid = response.parse().unwrap();
    let (_, a) = member(&app, Role::Committee).await;
    let path = format!("/staff/responses/{response}/clarifications");
    let res = a
        .post(
            &app,
            &path,
            &[
                ("question.passports", "Who holds the passports today?"),
                ("question.weekly_hours", "How are overtime hours agreed?"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let mut conn = app.db.conn().await;
    let waiting: Vec<(Uuid, String, i32)> = flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::status.eq("clarification_requested"))
        .order(flags::question_id.asc())
        .select((flags::id, flags::question_id, flags::version))
        .load(&mut conn)
        .await
        .unwrap();
    let questions: Vec<&str> = waiting.iter().map(|(_, q, _)| q.as_str()).collect();
    assert_eq!(questions, ["passports", "weekly_hours"]);
    let (hours, _, version) = &waiting[1];

    let (status, html) = decide(&app, &a, *hours, "withdraw_question", *version, REASON).await;
    assert_eq!(status, 303, "{html}");
    for (flag, _, _) in &waiting {
        assert_eq!(
            decisions(&app, *flag).await.last().unwrap(),
            &(
                "withdraw_question".to_string(),
                "staff".to_string(),
                Some(REASON.to_string())
            )
        );
    }
    let still: i64 = flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::status.eq("clarification_requested"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(still, 0);
    let entries: i64 = audit_log::table
        .filter(audit_log::action.eq("clarification.withdrawn"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(entries, 1);

    // No longer waiting: the response may be asked again.
    let res = a
        .post(
            &app,
            &path,
            &[(
                "question.passports",
                "Please confirm where the passports are.",
            )],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let requests: i64 = clarification_requests::table
        .filter(clarification_requests::response_id.eq(response))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(requests, 2);
}

/// The supplier who was asked is told by email, in their language (Japanese here), that
/// the committee withdrew the question and needs nothing more for it: one message, with
/// the question and no link, however often the worker runs.
#[tokio::test]
async fn the_supplier_is_told_by_email_in_their_language_exactly_once() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(
        &fixtures_dir(),
        &[
            ("SMTP_URL", smtp.url()),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await;
    let (_link, response, _contact) = submitted(&app).await;
    let (_, a) = member(&app, Role::Committee).await;
    let question = "Who holds the passports today?";
    let res = a
        .post(
            &app,
            &format!("/staff/responses/{response}/clarifications"),
            &[("question.passports", question)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let asked = wait_for_mail(&smtp, "ご確認させてください").await;
    let (flag, version, _) = flag_now(&app, response).await;

    let (status, html) = decide(&app, &a, flag, "withdraw_question", version, REASON).await;
    assert_eq!(status, 303, "{html}");
    let told = wait_for_mail(&smtp, "取り下げました").await;
    assert_eq!(
        header(&told, "To"),
        header(&asked, "To"),
        "to the one asked"
    );
    let text = text_body(&told);
    assert!(text.contains("東京部品 contact 様"), "{text}");
    assert!(text.contains("旅券は誰が保管していますか?"), "{text}");
    assert!(text.contains(question), "{text}");
    assert!(text.contains("これ以上のご対応は必要ありません"), "{text}");
    assert!(!text.contains("/r/"), "no link: nothing to answer: {text}");
    assert!(
        !text.contains(REASON),
        "the committee's reason stays internal"
    );

    // Once: a second withdrawal finds nothing waiting, and the worker sends nothing more.
    let (status, _) = decide(&app, &a, flag, "withdraw_question", version, REASON).await;
    assert_eq!(status, 409);
    hrdd_survey::jobs::run_due(&app.campaign_worker(&smtp.url()))
        .await
        .unwrap();
    let told: Vec<String> = smtp
        .messages()
        .into_iter()
        .filter(|m| text_body(m).contains("取り下げました"))
        .collect();
    assert_eq!(told.len(), 1);
}

/// Waits for the message whose text contains `marker`; returns it.
async fn wait_for_mail(smtp: &SmtpServer, marker: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        if let Some(m) = smtp
            .messages()
            .into_iter()
            .find(|m| text_body(m).contains(marker))
        {
            return m;
        }
        assert!(
            started.elapsed() < crate::helpers::MAIL_WAIT,
            "no message with {marker}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

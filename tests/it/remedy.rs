//! Issue 10, part 2, through HTTP as the roles would do it: a committee member asks the
//! supplier about a flagged answer → the email arrives at aiosmtpd with a working link
//! → the supplier answers the reopened question in Japanese → the response is
//! re-scored and both answers are on the staff page → a corrective action plan with
//! remedy facts → a reminder and an overdue notice on a set clock → verified and the
//! flag closed by a second member. With the refusals: an unflagged question, a viewer,
//! procurement closing, the same member verifying and closing a critical flag, and bad
//! input (a field message, nothing written). Screenshots in headless Chromium.

use crate::auth::{create_user, sign_in, Session, PASSWORD};
use crate::browser::{browser, screenshot};
use crate::helpers::{fixtures_dir, TestApp};
use crate::mail::{text_body, SmtpServer};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use fantoccini::Locator;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{
    action_plan_evidence, action_plans, answers, clarification_items, clarification_requests,
    flags, invitations,
};
use hrdd_survey::jobs::clock::SetClock;
use hrdd_survey::jobs::{action_plan_schedule, run_due, Worker};
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

/// The application, its own worker sending to `smtp` when a service wakes it.
async fn app(smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with_settings(
        &fixtures_dir(),
        &[
            ("SMTP_URL", smtp.url()),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await
}

fn worker(app: &TestApp, smtp: &SmtpServer, clock: &SetClock) -> Worker {
    app.campaign_worker(&smtp.url())
        .with_clock(Arc::new(clock.clone()))
}

/// A Japanese supplier that submitted `mini` with the passports held by the employer
/// (a critical flag); (link, response id, contact id).
pub(crate) async fn submitted(app: &TestApp) -> (String, Uuid, Uuid) {
    let (org, contact) = app.supplier("東京部品", "ja").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "40"),
                ("passports", "employer"),
                ("fees_paid", "no"),
                ("weekly_hours", "50"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    (link, response.parse().unwrap(), contact.parse().unwrap())
}

pub(crate) async fn member(app: &TestApp, role: Role) -> (Uuid, Session) {
    let email = format!("{}-{}@example.com", role.as_str(), Uuid::new_v4().simple());
    let id = create_user(app, &email, role, Some(PASSWORD)).await;
    (id, sign_in(app, &email, PASSWORD).await)
}

async fn count_requests(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await;
    clarification_requests::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

pub(crate) async fn flag_status(app: &TestApp, flag: Uuid) -> String {
    let mut conn = app.db.conn().await;
    flags::table
        .find(flag)
        .select(flags::status)
        .first(&mut conn)
        .await
        .unwrap()
}

fn link_in(text: &str) -> String {
    let start = text.find("/r/").expect("a link in the text");
    let end = text[start..]
        .find(|c: char| c.is_whitespace())
        .map(|n| start + n)
        .unwrap_or(text.len());
    text[start..end].to_string()
}

#[tokio::test]
async fn clarification_reply_in_japanese_then_corrective_action_to_a_four_eyes_close() {
    let smtp = SmtpServer::start().await;
    let app = app(&smtp).await;
    let clock = SetClock::new(Utc::now());
    let worker = worker(&app, &smtp, &clock);
    let (_link, response, contact) = submitted(&app).await;
    let (member_a, a) = member(&app, Role::Committee).await;
    let (_, b) = member(&app, Role::Committee).await;
    let (_, viewer) = member(&app, Role::Viewer).await;
    let (_, procurement) = member(&app, Role::Procurement).await;
    let page_path = format!("/staff/responses/{response}/clarifications");

    let page = a.get(&app, &page_path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Who keeps passports?") && html.contains("The employer"));
    assert!(html.contains(r#"name="question.passports""#), "{html}");
    assert!(
        !html.contains(r#"name="question.headcount""#),
        "no question box beside an unflagged answer"
    );

    // Refusals, nothing written: an unflagged question, an empty form, a viewer.
    let res = a
        .post(
            &app,
            &page_path,
            &[("question.headcount", "How many workers exactly?")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("headcount: this answer has no open flag"),
        "{body}"
    );
    assert_eq!(
        a.post(&app, &page_path, &[("question.passports", "  ")])
            .await
            .status(),
        422
    );
    assert_eq!(
        viewer
            .post(&app, &page_path, &[("question.passports", "Why?")])
            .await
            .status(),
        403
    );
    assert_eq!(count_requests(&app).await, 0);

    // The request: the flag moves to "clarification requested", the email is queued.
    let question = "Who holds the passports today, and can workers get them without asking?";
    let res = a
        .post(&app, &page_path, &[("question.passports", question)])
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Sent"));
    let mut conn = app.db.conn().await;
    let flag: Uuid = flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::question_id.eq("passports"))
        .select(flags::id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(flag_status(&app, flag).await, "clarification_requested");
    assert_eq!(
        a.post(&app, &page_path, &[("question.passports", "Again?")])
            .await
            .status(),
        409,
        "one open request at a time"
    );

    // The email arrives in Japanese with a link to the clarification page (sent by the
    // application's worker, woken by the request).
    // The submission's receipt may arrive too: find the clarification by its question.
    let started = std::time::Instant::now();
    let text = loop {
        let found = smtp
            .messages()
            .iter()
            .map(|m| text_body(m))
            .find(|t| t.contains(question));
        if let Some(t) = found {
            break t;
        }
        // The receipt's PDF may be in the same batch.
        assert!(
            started.elapsed() < crate::helpers::MAIL_WAIT,
            "no clarification email"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(text.contains("東京部品 contact 様"), "{text}");
    assert!(text.contains(question), "{text}");
    assert!(text.contains("旅券は誰が保管していますか?"), "{text}");
    let link = link_in(&text);
    assert!(link.ends_with("/clarification"), "{link}");

    // Only the flagged question is reopened, with the committee's question beside it.
    let page = app.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(question));
    assert!(html.contains("委員会からの質問"), "the page is in Japanese");
    assert!(html.contains(r#"name="passports""#));
    for closed in ["headcount", "fees_paid", "weekly_hours", "notes"] {
        assert!(
            !html.contains(&format!(r#"name="{closed}""#)),
            "{closed} stays closed"
        );
    }
    let csrf = crate::helpers::hidden_csrf(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone());
        for (k, v) in fields {
            form = form.text(k, v);
        }
        app.client.post(app.url(&link)).multipart(form).send()
    };

    // An invalid reply: a message next to the field, nothing written.
    let res = post(vec![("passports", "nobody".into())]).await.unwrap();
    assert_eq!(res.status(), 422);
    let replies: Vec<Option<Value>> = clarification_items::table
        .select(clarification_items::reply_answer)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(replies, vec![None]);

    // The reply in Japanese; a value for an unflagged question is ignored.
    let note = "2026年11月に全員へ旅券を返却し、各自の鍵付きロッカーで保管しています。";
    let res = post(vec![
        ("passports", "worker".into()),
        ("passports.note", note.into()),
        ("headcount", "9999".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let done = app
        .client
        .get(app.url(&format!("{link}?sent=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("ありがとうございました"), "{done}");

    // Recorded next to the original, which is untouched; re-scored.
    let stored: Vec<(String, Value)> = answers::table
        .filter(answers::response_id.eq(response))
        .select((answers::question_id, answers::value))
        .load(&mut conn)
        .await
        .unwrap();
    assert!(stored.contains(&("passports".into(), json!("employer"))));
    assert!(stored.contains(&("headcount".into(), json!(40))));
    let (original, reply, saved_note, before, after): (
        Option<Value>,
        Option<Value>,
        Option<String>,
        i16,
        Option<i16>,
    ) = clarification_items::table
        .select((
            clarification_items::original_answer,
            clarification_items::reply_answer,
            clarification_items::reply_note,
            clarification_items::score_before,
            clarification_items::score_after,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(original, Some(json!("employer")));
    assert_eq!(reply, Some(json!("worker")));
    assert_eq!(saved_note.as_deref(), Some(note));
    assert_eq!((before, after), (16, Some(0)));
    let (score_before, score_after, flags_after): (i16, Option<i16>, Option<i32>) =
        clarification_requests::table
            .select((
                clarification_requests::score_before,
                clarification_requests::score_after,
                clarification_requests::flags_after,
            ))
            .first(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        (score_before, score_after, flags_after),
        (16, Some(0), Some(0))
    );
    assert_eq!(flag_status(&app, flag).await, "in_review");

    // The committee sees both answers and the score change.
    let html = a.get(&app, &page_path).await.text().await.unwrap();
    assert!(
        html.contains(r#"<td class="original">The employer</td>"#),
        "{html}"
    );
    assert!(html.contains(r#"<td class="reply">The worker"#), "{html}");
    assert!(html.contains(note));
    assert!(html.contains("<strong>16</strong> (1 flags) → after the reply <strong>0</strong>"));

    // The flag's page links to its plans page, which shows both answers too.
    let flag_page = a.get(&app, &format!("/staff/flags/{flag}")).await;
    assert_eq!(flag_page.status(), 200);
    let plans_path = format!("/staff/flags/{flag}/action-plans");
    assert!(flag_page.text().await.unwrap().contains(&plans_path));
    let html = a.get(&app, &plans_path).await.text().await.unwrap();
    assert!(
        html.contains(r#"<td class="original">The employer</td>"#),
        "{html}"
    );
    assert!(html.contains(r#"<td class="reply">The worker"#), "{html}");
    assert!(html.contains("16 → 0"), "{html}");

    // A corrective action plan: bad input first (a name where a count goes).
    let owner = format!("contact:{contact}");
    let res = a
        .post(
            &app,
            &plans_path,
            &[
                ("root_cause", "Passports kept in the office safe"),
                ("actions", "Return every passport; lockers"),
                ("owner", &owner),
                ("workers_affected", "Nguyen Van A"),
                ("fees_repaid_amount", "150000"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    // Each refusal is beside its field, and what was typed is still there.
    assert!(
        body.contains(r#"<span class="error" id="workers_affected-error">A whole number"#),
        "{body}"
    );
    assert!(
        body.contains(r#"<span class="error" id="fees_currency-error">The ISO 4217 code"#),
        "{body}"
    );
    assert!(
        body.contains(r#"value="Nguyen Van A" aria-invalid="true""#),
        "{body}"
    );
    assert!(
        body.contains("Passports kept in the office safe</textarea>"),
        "{body}"
    );
    assert!(body.contains("Nothing was saved: fix what is marked below."));
    let plans: i64 = action_plans::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(plans, 0, "nothing written");
    assert_eq!(
        procurement
            .post(&app, &plans_path, &[("root_cause", "x")])
            .await
            .status(),
        403
    );
    let res = a
        .post(
            &app,
            &plans_path,
            &[
                ("root_cause", "Passports kept in the office safe"),
                ("actions", "Return every passport; lockers in the dormitory"),
                ("owner", &owner),
                ("workers_affected", "42"),
                ("fees_repaid_amount", "1,250,000"),
                ("fees_currency", "jpy"),
                ("workers_repaid", "40"),
                ("documents_returned", "42"),
                ("documents_returned_on", "2026-11-20"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let plan_path = crate::auth::location(&res);
    let plan: Uuid = plan_path.rsplit('/').next().unwrap().parse().unwrap();
    let (start, due): (chrono::NaiveDate, chrono::NaiveDate) = action_plans::table
        .find(plan)
        .select((action_plans::start_date, action_plans::due_date))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        due - start,
        Duration::days(14),
        "critical: due within 14 days"
    );
    assert_eq!(flag_status(&app, flag).await, "corrective_action_required");
    let html = a.get(&app, &plan_path).await.text().await.unwrap();
    for fact in ["1,250,000 JPY", ">42<", ">40<", "2026-11-20"] {
        assert!(html.contains(fact), "{fact} in {html}");
    }

    // A reminder before the due date, an overdue notice after it, once each.
    let due_at = due.and_hms_opt(9, 0, 0).unwrap().and_utc();
    clock.set(due_at - Duration::days(5));
    assert_eq!(action_plan_schedule::pass(&worker).await.unwrap(), 0);
    clock.set(due_at - Duration::days(2));
    assert_eq!(action_plan_schedule::pass(&worker).await.unwrap(), 1);
    assert_eq!(action_plan_schedule::pass(&worker).await.unwrap(), 0);
    run_due(&worker).await.unwrap();
    // The mailbox lists messages by file name, not by arrival: find them by content.
    let bodies =
        |messages: Vec<String>| -> Vec<String> { messages.iter().map(|m| text_body(m)).collect() };
    let all = bodies(smtp.wait_for(3).await);
    let reminder = all
        .iter()
        .find(|t| t.contains(&format!("期限は {due}")))
        .unwrap_or_else(|| panic!("a reminder in Japanese: {all:?}"));
    assert!(reminder.contains("Return every passport"));
    // The indicator in the supplier's language, not the English name or its id.
    assert!(reminder.contains("（身分証明書の取り上げ）"), "{reminder}");
    clock.set(due_at + Duration::days(1));
    assert_eq!(
        action_plan_schedule::pass(&worker).await.unwrap(),
        2,
        "the owner and the member who made the plan"
    );
    run_due(&worker).await.unwrap();
    let all = bodies(smtp.wait_for(5).await);
    assert!(
        all.iter().any(|t| t.contains("過ぎています")),
        "an overdue notice to the owner in Japanese: {all:?}"
    );
    assert!(
        all.iter()
            .any(|t| t.contains(&format!("was due on {due}")) && t.contains(&plan_path)),
        "an overdue notice to the member, with the plan's page: {all:?}"
    );
    assert_eq!(action_plan_schedule::pass(&worker).await.unwrap(), 0);

    // Start, complete (evidence first), verify, close with four eyes.
    let res = a
        .post(
            &app,
            &format!("{plan_path}/status"),
            &[("to", "in_progress")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(flag_status(&app, flag).await, "action_in_progress");
    let res = a
        .post(&app, &format!("{plan_path}/status"), &[("to", "completed")])
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(refused.contains(r#"<span class="error" id="evidence-error">Attach evidence"#));
    // The page says so beside the button too, before anyone presses it.
    assert!(
        refused.contains(r##"id="needs-evidence">Marking the plan completed needs evidence of completion: <a href="#evidence">"##),
        "{refused}"
    );
    // Remedy facts refused on the plan page: beside their fields, with what was typed
    // (not the stored facts) in the form.
    let res = a
        .post(
            &app,
            &format!("{plan_path}/remedy"),
            &[
                ("workers_affected", "12"),
                ("workers_repaid", "30"),
                ("fees_repaid_amount", "1500.50"),
                ("fees_currency", "JPY"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"id="workers_repaid-error">Cannot be more than the workers affected."#),
        "{html}"
    );
    assert!(
        html.contains(r#"id="fees_repaid_amount-error">JPY has no decimals"#),
        "{html}"
    );
    assert!(html.contains(r#"value="1500.50""#), "{html}");
    assert!(html.contains(r#"value="30""#), "{html}");
    // Impossible facts: dates to come, a repayment date without what was repaid; each
    // refused beside its field, nothing written.
    let remedy_row = || async {
        let mut conn = app.db.conn().await;
        hrdd_survey::db::schema::action_plan_remedies::table
            .find(plan)
            .select((
                hrdd_survey::db::schema::action_plan_remedies::fees_repaid_on,
                hrdd_survey::db::schema::action_plan_remedies::documents_returned_on,
                hrdd_survey::db::schema::action_plan_remedies::updated_at,
            ))
            .first::<(
                Option<chrono::NaiveDate>,
                Option<chrono::NaiveDate>,
                chrono::DateTime<Utc>,
            )>(&mut conn)
            .await
            .unwrap()
    };
    let before = remedy_row().await;
    let next_week = (Utc::now().date_naive() + Duration::days(7)).to_string();
    for (fields, errors) in [
        (
            vec![
                ("documents_returned", "42"),
                ("documents_returned_on", next_week.as_str()),
                ("workers_repaid", "40"),
                ("fees_repaid_on", next_week.as_str()),
            ],
            ["documents_returned_on", "fees_repaid_on"].as_slice(),
        ),
        (
            vec![("fees_repaid_on", "2026-11-20")],
            ["fees_repaid_on"].as_slice(),
        ),
    ] {
        let res = a.post(&app, &format!("{plan_path}/remedy"), &fields).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        for field in errors {
            assert!(
                html.contains(&format!(r#"id="{field}-error""#)),
                "{field}: {html}"
            );
        }
        assert_eq!(remedy_row().await, before, "nothing written");
    }
    let evidence = || {
        reqwest::multipart::Part::bytes(b"%PDF-1.4 passports returned".to_vec())
            .file_name("受領書.pdf")
    };
    // The token rides in the body, as the form's first field: in the URL (where logs and
    // history would keep it), after the file, or missing, the upload is refused.
    let refused = [
        (
            format!("{plan_path}/evidence?csrf_token={}", a.csrf),
            reqwest::multipart::Form::new().part("evidence", evidence()),
        ),
        (
            format!("{plan_path}/evidence"),
            reqwest::multipart::Form::new()
                .part("evidence", evidence())
                .text("csrf_token", a.csrf.clone()),
        ),
        (
            format!("{plan_path}/evidence"),
            reqwest::multipart::Form::new()
                .text("csrf_token", "0".repeat(64))
                .part("evidence", evidence()),
        ),
    ];
    for (path, form) in refused {
        let res = a
            .client
            .post(app.url(&path))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", a.csrf.clone())
        .part("evidence", evidence());
    let res = a
        .client
        .post(app.url(&format!("{plan_path}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let files: i64 = action_plan_evidence::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(files, 1);
    let page = a.get(&app, &plan_path).await.text().await.unwrap();
    assert!(
        page.contains("Mark completed") && !page.contains("needs-evidence"),
        "with evidence, no more hint: {page}"
    );
    for to in ["completed", "verified"] {
        let res = a
            .post(&app, &format!("{plan_path}/status"), &[("to", to)])
            .await;
        assert_eq!(res.status(), 303, "{to}");
    }
    let close = format!("{plan_path}/close");
    assert_eq!(procurement.post(&app, &close, &[]).await.status(), 403);
    assert_eq!(viewer.post(&app, &close, &[]).await.status(), 403);
    let res = a.post(&app, &close, &[]).await;
    assert_eq!(
        res.status(),
        403,
        "the verifier cannot also close a critical flag"
    );
    assert!(res.text().await.unwrap().contains("two committee members"));
    assert_eq!(flag_status(&app, flag).await, "action_in_progress");
    let res = b.post(&app, &close, &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(flag_status(&app, flag).await, "closed");
    let verified_by: Option<Uuid> = action_plans::table
        .find(plan)
        .select(action_plans::verified_by)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(verified_by, Some(member_a));

    // Every change is in the audit log, and the chain holds.
    let actions: Vec<String> = hrdd_survey::db::schema::audit_log::table
        .select(hrdd_survey::db::schema::audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    for expected in [
        "clarification.requested",
        "clarification.answered",
        "action_plan.created",
        "action_plan.evidence_added",
        "action_plan.status_changed",
        "action_plan.flag_closed",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected}");
    }
    assert!(
        hrdd_survey::db::audit::verify_chain(&mut conn, &app.state.audit_key)
            .await
            .unwrap()
            .is_ok()
    );
    smtp.stop().await;
}

#[tokio::test]
async fn the_clarification_and_plan_pages_in_chromium() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (_link, response, contact) = submitted(&app).await;
    let (_, a) = member(&app, Role::Committee).await;
    let res = a
        .post(
            &app,
            &format!("/staff/responses/{response}/clarifications"),
            &[(
                "question.passports",
                "旅券は現在どなたが保管していますか？労働者は申請なしで受け取れますか？",
            )],
        )
        .await;
    assert_eq!(res.status(), 200);
    let mut conn = app.db.conn().await;
    let invitation: hrdd_survey::db::models::Invitation = invitations::table
        .filter(invitations::response_id.eq(response))
        .select(hrdd_survey::db::models::Invitation::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    let token = hrdd_survey::auth::links::link_token(&app.state.link_keys, &invitation).unwrap();
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url(&format!("/r/{token}/clarification")))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("input[name=passports][value=worker]"))
        .await
        .unwrap();
    screenshot(c, "clarification.png").await;

    let flag: Uuid = flags::table
        .filter(flags::response_id.eq(response))
        .select(flags::id)
        .first(&mut conn)
        .await
        .unwrap();
    // A plan needs the flag back in review: the supplier replies first.
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
        .insert("passports".into(), vec!["employer".into()]);
    hrdd_survey::services::clarifications::reply(
        &mut app.state.pool.get().await.unwrap(),
        &app.state.audit_key,
        &session,
        &input,
        hrdd_survey::domain::i18n::Lang::Ja,
    )
    .await
    .unwrap();
    let owner = format!("contact:{contact}");
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{flag}/action-plans"),
            &[
                ("root_cause", "Passports kept in the office safe"),
                ("actions", "Return every passport; lockers in the dormitory"),
                ("owner", &owner),
                ("workers_affected", "42"),
                ("fees_repaid_amount", "1250000"),
                ("fees_currency", "JPY"),
                ("documents_returned", "42"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let plan_path = crate::auth::location(&res);

    // The staff plan page, signed in in the browser.
    c.goto(&app.url("/login")).await.unwrap();
    let email: String = {
        use hrdd_survey::db::schema::users;
        users::table
            .filter(users::role.eq("committee"))
            .select(users::email)
            .first(&mut conn)
            .await
            .unwrap()
    };
    c.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(&email)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("nav.staffnav"))
        .await
        .unwrap();
    c.goto(&app.url(&plan_path)).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("1,250,000 JPY"), "{html}");
    screenshot(c, "action-plan.png").await;
}

/// "Request clarification" on a flag's own page asks the supplier, as the response's
/// clarifications page does: the request, its email in the outbox and the flag's move
/// happen together (a walk-through found the flag waiting for a question nobody sent).
#[tokio::test]
async fn request_clarification_on_the_flag_page_sends_the_question() {
    use hrdd_survey::db::schema::email_outbox;
    let smtp = SmtpServer::start().await;
    let app = app(&smtp).await;
    let (link, response, _contact) = submitted(&app).await;
    let (a_id, a) = member(&app, Role::Committee).await;
    let mut conn = app.db.conn().await;
    let (flag, version): (Uuid, i32) = flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::question_id.eq("passports"))
        .select((flags::id, flags::version))
        .first(&mut conn)
        .await
        .unwrap();
    // Assigned first, as the page asks (the question's box is offered from then on).
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", "assign"),
                ("assignee", &a_id.to_string()),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let version = version + 1;
    // A page older than the flag is refused as stale; a question too long is refused
    // beside the page's one field, and what was typed stays in its box. Nothing sent.
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", "request_clarification"),
                ("reason", "Who?"),
                ("version", &(version + 7).to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("this flag changed since you opened it"));
    let long = format!("Why {}", "so ".repeat(700));
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", "request_clarification"),
                ("reason", long.trim()),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("at most 2000 characters"), "{html}");
    assert!(!html.contains("question.passports"), "{html}");
    assert!(
        html.contains(r#"maxlength="2000" required>Why so so"#),
        "{html}"
    );
    assert_eq!(count_requests(&app).await, 0);

    let question = "Who holds the passports today?";
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", "request_clarification"),
                ("reason", question),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(count_requests(&app).await, 1);
    assert_eq!(flag_status(&app, flag).await, "clarification_requested");
    let mails: i64 = email_outbox::table
        .filter(email_outbox::purpose.eq("clarification"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(mails, 1, "the question is on its way to the supplier");
    let asked: String = clarification_items::table
        .select(clarification_items::question)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(asked, question);

    // A second request while one waits is refused on the flag page, nothing written.
    let res = a
        .post(
            &app,
            &format!("/staff/flags/{flag}/decide"),
            &[
                ("action", "request_clarification"),
                ("reason", "Again?"),
                ("version", &(version + 1).to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(count_requests(&app).await, 1);
    let page = a.get(&app, &format!("/staff/flags/{flag}")).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("waiting for the supplier&#39;s reply")
            || html.contains("waiting for the supplier's reply"),
        "{html}"
    );

    // The supplier's own link (the receipt, in their language, with its language
    // links) points to the waiting question.
    let receipt = app.get(&link).await.text().await.unwrap();
    assert!(
        receipt.contains("委員会から、回答の一部について質問が届いています。"),
        "{receipt}"
    );
    assert!(
        receipt.contains(&format!(
            r#"<a href="{link}/clarification?lang=ja">質問に回答する</a>"#
        )),
        "{receipt}"
    );
    assert!(
        receipt.contains(&format!(r#"href="{link}?lang=en">English</a>"#)),
        "{receipt}"
    );

    // The supplier replies; the flag's page shows the reply beside the answer as
    // submitted, with the answer's score before and after.
    let reply_path = format!("{link}/clarification");
    let form = app.client.get(app.url(&reply_path)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csrf = crate::helpers::hidden_csrf(&form.text().await.unwrap());
    let res = app
        .client
        .post(app.url(&reply_path))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf_token", csrf)
                .text("passports", "worker")
                .text("passports.note", "Returned to every worker in November."),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // After the reply: a way back to the receipt, which no longer asks.
    let sent = app
        .client
        .get(app.url(res.headers()["location"].to_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sent.contains(&format!(r#"href="{link}?lang=ja">"#)),
        "{sent}"
    );
    let receipt = app.get(&link).await.text().await.unwrap();
    assert!(!receipt.contains("質問に回答する"), "{receipt}");
    let html = a
        .get(&app, &format!("/staff/flags/{flag}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<dt>Answer as submitted</dt>"), "{html}");
    let reply = &html[html.find(r#"<dd id="reply">"#).expect("the reply is shown")..];
    let reply = &reply[..reply.find("</dd>").unwrap()];
    assert!(
        reply.contains("Note: Returned to every worker in November."),
        "{reply}"
    );
    assert!(reply.contains(" → "), "the score before and after: {reply}");
    assert!(!html.contains("waiting for the supplier"), "{html}");

    // The flag's plans page names the question by its label, not its id.
    let plans = a
        .get(&app, &format!("/staff/flags/{flag}/action-plans"))
        .await
        .text()
        .await
        .unwrap();
    assert!(plans.contains("Flag on “Who keeps passports?”"), "{plans}");
}

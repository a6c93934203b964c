//! Cancelling a corrective action plan, through HTTP as the committee does it: a
//! cancel without a reason is refused beside its field with nothing changed; with a
//! reason the plan is cancelled (who, when, why; audited), its reminders and overdue
//! notices stop, the plan, the flag's plans and the flag's history show it, a new plan
//! can be written, and the flag can be closed (four eyes on a critical flag), from
//! "action in progress" or, for a plan never started, from "corrective action
//! required". A verified plan cannot be cancelled.

use crate::auth::{location, Session};
use crate::helpers::{fixtures_dir, TestApp};
use crate::mail::SmtpServer;
use crate::remedy::{flag_status, member, submitted};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{action_plans, audit_log, flags};
use hrdd_survey::jobs::action_plan_schedule;
use hrdd_survey::jobs::clock::SetClock;
use std::sync::Arc;
use uuid::Uuid;

const REASON: &str =
    "The supplier relationship ended on 30 November; the site is no longer ours to audit.";

/// A submitted response's critical passport flag (a trigger: four eyes on its close).
async fn critical_flag(app: &TestApp) -> (Uuid, Uuid) {
    let (_link, response, contact) = submitted(app).await;
    let mut conn = app.db.conn().await;
    let flag = flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::question_id.eq("passports"))
        .select(flags::id)
        .first(&mut conn)
        .await
        .unwrap();
    (flag, contact)
}

/// Writes a plan on the flag owned by the supplier's contact; the plan's page path.
async fn write_plan(app: &TestApp, who: &Session, flag: Uuid, contact: Uuid) -> String {
    let owner = format!("contact:{contact}");
    let res = who
        .post(
            app,
            &format!("/staff/flags/{flag}/action-plans"),
            &[
                ("root_cause", "Passports kept in the office safe"),
                ("actions", "Return every passport; lockers in the dormitory"),
                ("owner", &owner),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    location(&res)
}

fn plan_id(path: &str) -> Uuid {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

type Cancelled = (
    String,
    Option<chrono::DateTime<Utc>>,
    Option<Uuid>,
    Option<String>,
);

async fn plan_row(app: &TestApp, plan: Uuid) -> Cancelled {
    let mut conn = app.db.conn().await;
    action_plans::table
        .find(plan)
        .select((
            action_plans::status,
            action_plans::cancelled_at,
            action_plans::cancelled_by,
            action_plans::cancel_reason,
        ))
        .first(&mut conn)
        .await
        .unwrap()
}

/// The details of every `action_plan.cancelled` audit entry of the plan.
async fn cancel_entries(app: &TestApp, plan: Uuid) -> Vec<serde_json::Value> {
    let mut conn = app.db.conn().await;
    audit_log::table
        .filter(audit_log::action.eq("action_plan.cancelled"))
        .filter(audit_log::subject_id.eq(plan.to_string()))
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap()
}

async fn version(app: &TestApp, flag: Uuid) -> String {
    let mut conn = app.db.conn().await;
    let v: i32 = flags::table
        .find(flag)
        .select(flags::version)
        .first(&mut conn)
        .await
        .unwrap();
    v.to_string()
}

/// Posts a decision on the flag from its current version.
async fn decide(app: &TestApp, who: &Session, flag: Uuid, action: &str) -> reqwest::Response {
    let v = version(app, flag).await;
    who.post(
        app,
        &format!("/staff/flags/{flag}/decide"),
        &[("version", &v), ("action", action), ("reason", "")],
    )
    .await
}

#[tokio::test]
async fn a_started_plan_cancelled_with_a_reason_stops_its_notices_and_lets_the_flag_close() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(
        &fixtures_dir(),
        &[
            ("SMTP_URL", smtp.url()),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await;
    let clock = SetClock::new(Utc::now());
    let worker = app
        .campaign_worker(&smtp.url())
        .with_clock(Arc::new(clock.clone()));
    let (flag, contact) = critical_flag(&app).await;
    let (member_a, a) = member(&app, Role::Committee).await;
    let (_, b) = member(&app, Role::Committee).await;
    let (_, viewer) = member(&app, Role::Viewer).await;
    let (_, procurement) = member(&app, Role::Procurement).await;

    let plan_path = write_plan(&app, &a, flag, contact).await;
    let plan = plan_id(&plan_path);
    let res = a
        .post(
            &app,
            &format!("{plan_path}/status"),
            &[("to", "in_progress")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(flag_status(&app, flag).await, "action_in_progress");
    let html = a.get(&app, &plan_path).await.text().await.unwrap();
    assert!(html.contains(r#"action="/staff/action-plans/"#) && html.contains("/cancel\""));
    assert!(
        html.contains(r#"<textarea id="cancel_reason" name="cancel_reason""#),
        "{html}"
    );
    // The reminder is due two days before: one is queued while the plan is pending.
    let due: chrono::NaiveDate = {
        let mut conn = app.db.conn().await;
        action_plans::table
            .find(plan)
            .select(action_plans::due_date)
            .first(&mut conn)
            .await
            .unwrap()
    };
    let due_at = due.and_hms_opt(9, 0, 0).unwrap().and_utc();
    clock.set(due_at - Duration::days(2));
    assert_eq!(action_plan_schedule::pass(&worker).await.unwrap(), 1);

    // Without a reason (blank, or spaces only): refused beside the field, nothing changed.
    let cancel = format!("{plan_path}/cancel");
    for blank in ["", "   \r\n  "] {
        let res = a.post(&app, &cancel, &[("cancel_reason", blank)]).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(
            html.contains(r#"name="cancel_reason" rows="2" maxlength="2000" aria-invalid="true" aria-describedby="cancel_reason-error">"#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"</textarea><span class="error" id="cancel_reason-error">A reason for cancelling the plan is required"#
            ),
            "{html}"
        );
        assert!(html.contains("Nothing was saved: fix what is marked below."));
    }
    // Too long: refused, and what was typed is back in the field.
    let long = "x".repeat(2001);
    let res = a.post(&app, &cancel, &[("cancel_reason", &long)]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("At most 2000 characters"), "{html}");
    assert!(html.contains(&format!(">{long}</textarea>")));
    // Only members who decide on flags may cancel.
    for who in [&viewer, &procurement] {
        let res = who.post(&app, &cancel, &[("cancel_reason", REASON)]).await;
        assert_eq!(res.status(), 403);
    }
    assert_eq!(
        plan_row(&app, plan).await,
        ("in_progress".to_string(), None, None, None),
        "nothing changed"
    );
    assert!(cancel_entries(&app, plan).await.is_empty());

    // With a reason: cancelled, who, when, why; audited with the reason.
    let res = a
        .post(
            &app,
            &cancel,
            &[("cancel_reason", &format!("  {REASON}  "))],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), format!("{plan_path}?done=cancelled"));
    let (status, at, by, reason) = plan_row(&app, plan).await;
    assert_eq!(status, "cancelled");
    assert!(at.is_some());
    assert_eq!(by, Some(member_a));
    assert_eq!(reason.as_deref(), Some(REASON), "trimmed");
    let entries = cancel_entries(&app, plan).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["reason"], REASON);
    assert_eq!(entries[0]["from"], "in_progress");
    assert_eq!(entries[0]["flag_id"], flag.to_string());
    assert_eq!(
        flag_status(&app, flag).await,
        "action_in_progress",
        "the flag does not move"
    );
    // Twice: refused, 409.
    let res = b.post(&app, &cancel, &[("cancel_reason", REASON)]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("cancelled already"));
    assert_eq!(cancel_entries(&app, plan).await.len(), 1);

    // Notices stop: no overdue notice for a cancelled plan (two for a pending one).
    clock.set(due_at + Duration::days(1));
    assert_eq!(action_plan_schedule::pass(&worker).await.unwrap(), 0);

    // The plan page: status, reason, who, when; no more forms; a new plan offered.
    let (_, name_a) = {
        let mut conn = app.db.conn().await;
        hrdd_survey::db::schema::users::table
            .find(member_a)
            .select((
                hrdd_survey::db::schema::users::id,
                hrdd_survey::db::schema::users::name,
            ))
            .first::<(Uuid, String)>(&mut conn)
            .await
            .unwrap()
    };
    let html = a
        .get(&app, &format!("{plan_path}?done=cancelled"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<span class="plan-status">cancelled</span>"#),
        "{html}"
    );
    assert!(
        html.contains(&format!(" UTC by {name_a}: {REASON}")),
        "{html}"
    );
    assert!(html.contains("The plan is cancelled. A new plan can be written"));
    assert!(
        !html.contains(r#"id="cancel_reason""#),
        "no cancel form any more"
    );
    assert!(!html.contains(r#"name="to""#), "no moves");
    assert!(
        html.contains(r#"id="remedy-final">The plan is cancelled"#),
        "{html}"
    );
    assert!(html.contains(&format!(
        r#"href="/staff/flags/{flag}/action-plans#new-plan">Write a new plan</a>"#
    )));
    // The list of plans: not pending, not overdue; among the cancelled.
    let pending = a
        .get(&app, "/staff/action-plans")
        .await
        .text()
        .await
        .unwrap();
    assert!(!pending.contains(&plan.to_string()));
    let cancelled = a
        .get(&app, "/staff/action-plans?show=cancelled")
        .await
        .text()
        .await
        .unwrap();
    assert!(cancelled.contains(&plan.to_string()), "{cancelled}");
    // The export: cancelled, never overdue, with who and why.
    let csv = a
        .get(&app, "/staff/exports/action-plans?format=csv&lang=en")
        .await
        .bytes()
        .await
        .unwrap();
    let rows = crate::exports::parse_csv(&csv);
    let row = rows
        .iter()
        .find(|r| r[0] == plan.to_string())
        .expect("the plan");
    assert_eq!(row[14], "cancelled");
    assert_eq!(row[20], "no", "not overdue");
    let n = row.len();
    assert!(!row[n - 3].is_empty());
    assert!(row[n - 2].starts_with("committee-"), "{row:?}");
    assert_eq!(row[n - 1], REASON);

    // The flag's page: the cancellation in its history; "Write a new plan".
    let flag_page = format!("/staff/flags/{flag}");
    let html = a.get(&app, &flag_page).await.text().await.unwrap();
    assert!(
        html.contains(&format!(
            r#"<td data-label="Who">{name_a}</td><td data-label="Decision">cancelled the corrective action plan due "#
        )) && html.contains(&format!(r#"</td><td data-label="State">plan: cancelled</td><td data-label="Reason">{REASON}</td>"#)),
        "{html}"
    );
    assert!(
        html.contains(r#"</td><td data-label="Decision">wrote a corrective action plan due "#),
        "the plan written is in the history too: {html}"
    );
    // The flags export tells the same story as the page.
    let csv = a
        .get(&app, "/staff/exports/flags?format=csv")
        .await
        .bytes()
        .await
        .unwrap();
    let flags = crate::exports::parse_csv(&csv);
    let flag_row = flags
        .iter()
        .find(|r| r[0] == flag.to_string())
        .expect("the flag's row");
    assert!(
        flag_row[22].contains(": wrote a corrective action plan due ")
            && flag_row[22].contains(": cancelled the corrective action plan due ")
            && flag_row[22].contains(&format!("(plan: cancelled) — {REASON}")),
        "{flag_row:?}"
    );
    assert!(html.contains(r#"<p id="new-plan">"#), "{html}");
    // The flag's plans: the cancelled one with its reason, and the form again.
    let plans_path = format!("/staff/flags/{flag}/action-plans");
    let html = a.get(&app, &plans_path).await.text().await.unwrap();
    assert!(html.contains("cancelled · due"), "{html}");
    assert!(html.contains(&format!("by {name_a}: {REASON}")));
    assert!(
        html.contains(r#"<section class="card" id="new-plan">"#),
        "{html}"
    );
    // The flag already requires action: the form saves a new plan.
    assert!(
        html.contains(r#"<button type="submit">Save the new plan</button>"#),
        "{html}"
    );

    // A new plan can be written; it holds the close again; started, the flag stays.
    let second_path = write_plan(&app, &a, flag, contact).await;
    let second = plan_id(&second_path);
    assert_ne!(second, plan);
    assert_eq!(plan_row(&app, second).await.0, "planned");
    let res = decide(&app, &a, flag, "sign_close").await;
    assert_ne!(res.status(), 303);
    assert!(res.text().await.unwrap().contains("still planned"));
    let res = a
        .post(
            &app,
            &format!("{second_path}/status"),
            &[("to", "in_progress")],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(flag_status(&app, flag).await, "action_in_progress");
    let res = b
        .post(
            &app,
            &format!("{second_path}/cancel"),
            &[(
                "cancel_reason",
                "The finding turned out false after a site visit",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Closing takes two members on a critical flag.
    let res = decide(&app, &a, flag, "close").await;
    assert_ne!(res.status(), 303);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("two different committee members"));
    assert_eq!(decide(&app, &a, flag, "sign_close").await.status(), 303);
    let res = decide(&app, &a, flag, "close").await;
    assert_ne!(res.status(), 303, "the signer cannot close too");
    assert_eq!(flag_status(&app, flag).await, "action_in_progress");
    assert_eq!(decide(&app, &b, flag, "close").await.status(), 303);
    assert_eq!(flag_status(&app, flag).await, "closed");

    let mut conn = app.db.conn().await;
    assert!(
        hrdd_survey::db::audit::verify_chain(&mut conn, &app.state.audit_key)
            .await
            .unwrap()
            .is_ok()
    );
    smtp.stop().await;
}

#[tokio::test]
async fn a_plan_cancelled_before_it_started_lets_its_flag_close_from_action_required() {
    let app = TestApp::spawn_with_settings(&fixtures_dir(), &[]).await;
    let (flag, contact) = critical_flag(&app).await;
    let (_, a) = member(&app, Role::Committee).await;
    let (_, b) = member(&app, Role::Committee).await;
    let plan_path = write_plan(&app, &a, flag, contact).await;
    assert_eq!(flag_status(&app, flag).await, "corrective_action_required");
    // While the plan is planned, no close is offered nor taken.
    let html = a
        .get(&app, &format!("/staff/flags/{flag}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(r#"value="sign_close""#), "{html}");
    let res = decide(&app, &a, flag, "sign_close").await;
    assert_ne!(res.status(), 303);
    assert_eq!(flag_status(&app, flag).await, "corrective_action_required");

    let res = a
        .post(
            &app,
            &format!("{plan_path}/cancel"),
            &[("cancel_reason", "Written against the wrong finding")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = a
        .get(&app, &format!("/staff/flags/{flag}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"value="sign_close""#),
        "the close is offered: {html}"
    );
    assert!(html.contains(r#"<p id="new-plan">"#));
    assert_eq!(decide(&app, &a, flag, "sign_close").await.status(), 303);
    assert_eq!(decide(&app, &b, flag, "close").await.status(), 303);
    assert_eq!(flag_status(&app, flag).await, "closed");
}

#[tokio::test]
async fn a_verified_plan_cannot_be_cancelled() {
    let app = TestApp::spawn_with_settings(&fixtures_dir(), &[]).await;
    let (flag, contact) = critical_flag(&app).await;
    let (_, a) = member(&app, Role::Committee).await;
    let plan_path = write_plan(&app, &a, flag, contact).await;
    let plan = plan_id(&plan_path);
    let res = a
        .post(
            &app,
            &format!("{plan_path}/status"),
            &[("to", "in_progress")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", a.csrf.clone())
        .part(
            "evidence",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 passports returned".to_vec())
                .file_name("receipt.pdf"),
        );
    let res = a
        .client
        .post(app.url(&format!("{plan_path}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    for to in ["completed", "verified"] {
        let res = a
            .post(&app, &format!("{plan_path}/status"), &[("to", to)])
            .await;
        assert_eq!(res.status(), 303, "{to}");
    }
    let html = a.get(&app, &plan_path).await.text().await.unwrap();
    assert!(
        !html.contains(r#"id="cancel_reason""#),
        "no cancel form: {html}"
    );
    let res = a
        .post(
            &app,
            &format!("{plan_path}/cancel"),
            &[("cancel_reason", REASON)],
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("a verified plan is final and cannot be cancelled"),
        "{html}"
    );
    // The reason typed is not lost: quoted, as the form is no longer offered.
    assert!(
        html.contains("Reason for cancelling") && html.contains(REASON),
        "{html}"
    );
    assert_eq!(
        plan_row(&app, plan).await,
        ("verified".to_string(), None, None, None)
    );
    assert!(cancel_entries(&app, plan).await.is_empty());
    // Nor through the status form.
    let res = a
        .post(&app, &format!("{plan_path}/status"), &[("to", "cancelled")])
        .await;
    assert_ne!(res.status(), 303);
    assert_eq!(plan_row(&app, plan).await.0, "verified");
}

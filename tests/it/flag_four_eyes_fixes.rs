//! Four eyes on every critical flag (a trigger, or critical by its score), no close
//! over an unfinished corrective action plan, a lapsed first signature recorded, and
//! the flag's summary naming its last decision truly.

use crate::flags::{flagged, member, Member};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{audit_log, flags};
use hrdd_survey::domain::remedy::{PlanForm, PlanStatus};
use hrdd_survey::services::action_plans;
use reqwest::StatusCode;
use uuid::Uuid;

const SIGN_ACCEPT: &str = r#"name="action" value="sign_accept_risk""#;
const ACCEPT: &str = r#"name="action" value="accept_risk""#;

/// (status, version, the pending signature's decision) of a flag.
async fn state(app: &TestApp, flag: Uuid) -> (String, i32, Option<String>) {
    let mut conn = app.db.conn().await;
    flags::table
        .find(flag)
        .select((flags::status, flags::version, flags::signed_for))
        .first(&mut conn)
        .await
        .unwrap()
}

async fn decide(app: &TestApp, who: &Member, flag: Uuid, fields: &[(&str, &str)]) -> String {
    let version = state(app, flag).await.1.to_string();
    let mut form = vec![("version", version.as_str())];
    form.extend_from_slice(fields);
    let (status, page) = who.decide(app, flag, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{fields:?}: {page}");
    page
}

/// The flag page's "Last decision", as text.
fn last_decision(page: &str) -> String {
    let start = page
        .find(r#"<dd id="last-decision">"#)
        .expect("a last decision")
        + 23;
    let end = start + page[start..].find("</dd>").unwrap();
    page[start..end].to_string()
}

/// The flag's audit entries of `action`, oldest first.
async fn entries(app: &TestApp, flag: Uuid, action: &str) -> Vec<serde_json::Value> {
    let mut conn = app.db.conn().await;
    audit_log::table
        .filter(audit_log::subject_id.eq(flag.to_string()))
        .filter(audit_log::action.eq(action))
        .order(audit_log::seq.asc())
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn flag_four_eyes_apply_to_a_flag_critical_by_its_score() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Scored Critical Ltd").await;
    // The 70 hours' flag, as a rule without the trigger marker scoring 4 × 4 = 16.
    let scored = ids[1];
    {
        let mut conn = app.db.conn().await;
        diesel::update(flags::table.find(scored))
            .set((
                flags::severity.eq(4i16),
                flags::likelihood.eq(4i16),
                flags::score.eq(16i16),
                flags::band.eq("critical"),
                flags::critical.eq(false),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let aiko = member(&app, Role::Committee, "Aiko Committee").await;
    let ben = member(&app, Role::Committee, "Ben Committee").await;
    let aiko_id = aiko.id.to_string();
    decide(
        &app,
        &aiko,
        scored,
        &[("action", "assign"), ("assignee", &aiko_id)],
    )
    .await;
    let page_path = format!("/staff/flags/{scored}");
    let (_, page) = aiko.page(&app, &page_path).await;
    assert!(
        page.contains(SIGN_ACCEPT) && !page.contains(ACCEPT),
        "{page}"
    );
    assert!(page.contains("critical by its score"), "{page}");
    // One member alone is refused, nothing written.
    let (status, page) = aiko
        .decide(
            &app,
            scored,
            &[
                ("action", "accept_risk"),
                ("version", "2"),
                ("reason", "Overtime is voluntary."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("two different committee members"), "{page}");
    assert_eq!(state(&app, scored).await, ("in_review".into(), 2, None));
    // Two members accept it, and two close it.
    decide(
        &app,
        &aiko,
        scored,
        &[
            ("action", "sign_accept_risk"),
            ("reason", "Overtime is voluntary."),
        ],
    )
    .await;
    let (_, page) = ben.page(&app, &page_path).await;
    assert!(page.contains(ACCEPT), "{page}");
    decide(
        &app,
        &ben,
        scored,
        &[
            ("action", "accept_risk"),
            ("reason", "Agreed, paid at 150 %."),
        ],
    )
    .await;
    // The summary names the four-eyes acceptance and both members, with their reasons.
    let (_, page) = ben.page(&app, &page_path).await;
    let last = last_decision(&page);
    assert!(
        last.starts_with("accepted the risk by Ben Committee on ")
            && last.contains("— Agreed, paid at 150 %.; signed first by Aiko Committee on ")
            && last.ends_with("— Overtime is voluntary."),
        "{last}"
    );
    let (status, page) = aiko
        .decide(
            &app,
            scored,
            &[("action", "close"), ("version", "4"), ("reason", "")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    decide(
        &app,
        &aiko,
        scored,
        &[("action", "sign_close"), ("reason", "")],
    )
    .await;
    decide(&app, &ben, scored, &[("action", "close"), ("reason", "")]).await;
    assert_eq!(state(&app, scored).await, ("closed".into(), 6, None));
    // A close without a note is the last decision, not the acceptance's reason.
    let (_, page) = ben.page(&app, &page_path).await;
    let last = last_decision(&page);
    assert!(
        last.starts_with("closed by Ben Committee on ")
            && last.contains("— no note; signed first by Aiko Committee on ")
            && last.ends_with("— no note"),
        "{last}"
    );
    assert!(!page.contains("Decision reason"), "{page}");
    // The flags export says the same, each member with their address.
    let (status, csv) = ben.page(&app, "/staff/exports/flags?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let rows = crate::exports::parse_csv(csv.as_bytes());
    let row = rows
        .iter()
        .find(|r| r[0] == scored.to_string())
        .expect("the flag's row");
    assert!(
        row[21].starts_with("closed by Ben Committee <ben.committee-")
            && row[21].contains("— no note; signed first by Aiko Committee <aiko.committee-"),
        "{row:?}"
    );
    assert!(
        row[22].contains("Ben Committee <ben.committee-")
            && row[22].contains(": closed (accepted risk → closed)")
            && row[22].contains("— Agreed, paid at 150 %."),
        "{row:?}"
    );
    let closed = entries(&app, scored, "flag.close").await;
    assert_eq!(closed[0]["first_signature"]["name"], "Aiko Committee");
}

#[tokio::test]
async fn flag_four_eyes_no_close_over_an_unfinished_plan() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Debt Bondage Ltd").await;
    let critical = ids[0];
    let aiko = member(&app, Role::Committee, "Aiko Committee").await;
    let ben = member(&app, Role::Committee, "Ben Committee").await;
    let plan = {
        let mut conn = app.state.pool.get().await.unwrap();
        let form = PlanForm {
            root_cause: "Recruitment fees deducted from wages.".into(),
            actions: "Repay the fees; stop the deductions.".into(),
            owner: format!("user:{}", aiko.id),
            ..PlanForm::default()
        };
        let plan = action_plans::create(
            &mut conn,
            &app.state.audit_key,
            aiko.id,
            critical,
            &form,
            chrono::Utc::now().date_naive(),
        )
        .await
        .unwrap();
        action_plans::set_status(
            &mut conn,
            &app.state.audit_key,
            aiko.id,
            plan.id,
            PlanStatus::InProgress,
        )
        .await
        .unwrap();
        plan.id
    };
    let before = state(&app, critical).await;
    assert_eq!(before.0, "action_in_progress");
    let version = before.1.to_string();
    // The page offers no close over the plan; it links the plan instead.
    let (_, page) = aiko.page(&app, &format!("/staff/flags/{critical}")).await;
    assert!(
        !page.contains(r#"value="sign_close""#) && !page.contains(r#"value="close""#),
        "{page}"
    );
    assert!(page.contains(r#"id="plan-first""#), "{page}");
    assert!(
        page.contains(&format!(
            r#"href="/staff/action-plans/{plan}">Verify the corrective action plan first"#
        )),
        "{page}"
    );
    for (who, action) in [(&aiko, "sign_close"), (&ben, "close")] {
        let (status, page) = who
            .decide(
                &app,
                critical,
                &[("action", action), ("version", &version), ("reason", "")],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {page}");
        assert!(
            page.contains("verify the corrective action plan first"),
            "{action}: {page}"
        );
        assert!(
            page.contains(&format!("/staff/action-plans/{plan}")),
            "{action}: {page}"
        );
        assert_eq!(
            state(&app, critical).await,
            before,
            "{action} wrote nothing"
        );
    }
    assert!(entries(&app, critical, "flag.sign_close").await.is_empty());
    // An escalation is the flag's last decision, not the required action before it.
    decide(
        &app,
        &ben,
        critical,
        &[
            ("action", "escalate"),
            ("reason", "No evidence after a month."),
        ],
    )
    .await;
    let (_, page) = ben.page(&app, &format!("/staff/flags/{critical}")).await;
    let last = last_decision(&page);
    assert!(
        last.starts_with("escalated by Ben Committee on ")
            && last.ends_with("— No evidence after a month."),
        "{last}"
    );
}

#[tokio::test]
async fn flag_four_eyes_a_lapsed_signature_is_recorded() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Lapsed Signature Ltd").await;
    let critical = ids[0];
    let aiko = member(&app, Role::Committee, "Aiko Committee").await;
    let ben = member(&app, Role::Committee, "Ben Committee").await;
    let aiko_id = aiko.id.to_string();
    decide(
        &app,
        &aiko,
        critical,
        &[("action", "assign"), ("assignee", &aiko_id)],
    )
    .await;
    decide(
        &app,
        &aiko,
        critical,
        &[
            ("action", "sign_accept_risk"),
            ("reason", "Passports returned."),
        ],
    )
    .await;
    decide(
        &app,
        &ben,
        critical,
        &[("action", "require_action"), ("reason", "Lockers first.")],
    )
    .await;
    assert_eq!(
        state(&app, critical).await,
        ("corrective_action_required".into(), 4, None)
    );
    let required = entries(&app, critical, "flag.require_action").await;
    let lapsed = &required[0]["lapsed_signature"];
    assert_eq!(lapsed["id"], aiko_id);
    assert_eq!(lapsed["name"], "Aiko Committee");
    assert_eq!(lapsed["decision"], "accept_risk");
    assert!(lapsed["signed_at"].is_string(), "{lapsed}");
    let (_, page) = ben.page(&app, &format!("/staff/flags/{critical}")).await;
    assert!(
        page.contains(
            "Aiko Committee’s signature on the risk acceptance lapsed (the flag changed)"
        ),
        "{page}"
    );
}

#[tokio::test]
async fn a_plan_on_a_flag_critical_by_its_score_gets_the_critical_due_date() {
    use hrdd_survey::domain::remedy::CRITICAL_DUE_DAYS;
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Scored Plan Ltd").await;
    let scored = ids[1];
    {
        let mut conn = app.db.conn().await;
        diesel::update(flags::table.find(scored))
            .set((
                flags::severity.eq(4i16),
                flags::likelihood.eq(4i16),
                flags::score.eq(16i16),
                flags::band.eq("critical"),
                flags::critical.eq(false),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let aiko = member(&app, Role::Committee, "Aiko Committee").await;
    let mut conn = app.state.pool.get().await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let form = PlanForm {
        root_cause: "Excessive overtime in peak season.".into(),
        actions: "Cap weekly hours; hire seasonal staff.".into(),
        owner: format!("user:{}", aiko.id),
        start_date: today.to_string(),
        ..PlanForm::default()
    };
    let plan = action_plans::create(
        &mut conn,
        &app.state.audit_key,
        aiko.id,
        scored,
        &form,
        today,
    )
    .await
    .unwrap();
    assert_eq!(
        plan.due_date,
        today + chrono::Duration::days(CRITICAL_DUE_DAYS)
    );
}

//! Defects a QA walk found on the committee's flag and plan pages: a member claiming
//! the supplier's answer, comments and decisions losing what was typed, a double-posted
//! comment, a question offered while another waits, remedy facts overwritten from a
//! second tab or offered once final, a stale new plan losing its text, the due date's
//! label, an empty evidence file and the queue's checkbox labels.

use crate::helpers::{fixtures_dir, TestApp};
use crate::remedy::{member, submitted};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{action_plan_remedies, flags};
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

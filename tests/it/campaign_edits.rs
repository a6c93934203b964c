//! Procurement fixes a draft before its launch: "Edit draft" opens the draft form with
//! the draft's values (every field can change, refusals named beside their fields,
//! nothing written, one audit entry saying what changed); a launched or closed campaign
//! refuses edits (409).

use crate::auth::{create_user, location, sign_in, Session, PASSWORD};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::audit_log;
use serde_json::{json, Value};

pub(crate) fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

/// An organisation in `country` with one contact at `email`; (organisation, contact).
pub(crate) async fn org(app: &TestApp, name: &str, country: &str, email: &str) -> (String, String) {
    let o: Value = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": name, "country": country}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = o["id"].as_str().unwrap().to_string();
    let c: Value = app
        .post_json(
            &format!("/api/v1/organisations/{id}/contacts"),
            &json!({"name": format!("{name} contact"), "email": email, "language": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    (id, c["id"].as_str().unwrap().to_string())
}

pub(crate) async fn maria(app: &TestApp) -> Session {
    create_user(app, "maria@example.com", Role::Procurement, Some(PASSWORD)).await;
    sign_in(app, "maria@example.com", PASSWORD).await
}

/// A draft "Autumn chek" (a typo) on forced-labour v3 picking `org`; its id.
pub(crate) async fn draft(app: &TestApp, s: &Session, org: &str) -> String {
    let deadline = in_days(20);
    let res = s
        .post(
            app,
            "/staff/campaigns",
            &[
                ("name", "Autumn chek"),
                ("version", "forced-labour:3"),
                ("deadline", &deadline),
                ("reminder_days_before", "14, 7, 2"),
                ("reminder_weekly_after", "4"),
                ("message", "Thank you."),
                ("organisation", org),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    location(&res).rsplit('/').next().unwrap().to_string()
}

pub(crate) async fn page(app: &TestApp, s: &Session, path: &str) -> String {
    let res = s.get(app, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// Posts and follows the redirect (post, redirect, get); the page it leads to.
pub(crate) async fn act(app: &TestApp, s: &Session, path: &str, fields: &[(&str, &str)]) -> String {
    let res = s.post(app, path, fields).await;
    assert_eq!(res.status(), 303, "{path}: {}", res.text().await.unwrap());
    page(app, s, &location(&res)).await
}

/// The audit entries of `action`, oldest first: their details.
pub(crate) async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    let mut conn = app.db.conn().await;
    audit_log::table
        .filter(audit_log::action.eq(action))
        .order(audit_log::seq.asc())
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_draft_is_edited_in_full_before_its_launch() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    org(&app, "Hanoi Knits", "VN", "hanoi@example.com").await;
    let s = maria(&app).await;
    let id = draft(&app, &s, &alpha).await;

    let draft_page = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        draft_page.contains(&format!(
            r#"<a href="/staff/campaigns/{id}/edit" id="edit-draft""#
        )),
        "{draft_page}"
    );
    // The form opens with the draft's values, posting to the draft's edit.
    let form = page(&app, &s, &format!("/staff/campaigns/{id}/edit")).await;
    for expected in [
        format!(r#"action="/staff/campaigns/{id}/edit""#),
        r#"name="name" value="Autumn chek""#.to_string(),
        r#"<option value="forced-labour:3" selected>"#.to_string(),
        format!(r#"name="deadline" value="{}""#, in_days(20)),
        r#"name="reminder_days_before" value="14, 7, 2""#.to_string(),
        r#"name="reminder_weekly_after" value="4""#.to_string(),
        ">Thank you.</textarea>".to_string(),
        format!(r#"value="{alpha}" checked"#),
    ] {
        assert!(form.contains(&expected), "{expected} in {form}");
    }
    assert!(!form.contains(r#"name="use_filter" value="1" checked"#));
    assert!(form.contains(&format!(r#"<a href="/staff/campaigns/{id}">Cancel</a>"#)));
    // "Search" narrows the organisations listed: the form again with what was typed,
    // posting to the edit still, nothing saved.
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{id}/edit"),
            &[
                ("name", "Typed but not saved"),
                ("organisation", &alpha),
                ("org_q", "Hanoi"),
                ("action", "search"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let searched = res.text().await.unwrap();
    assert!(
        searched.contains("Hanoi Knits (VN, 1 contact)"),
        "{searched}"
    );
    assert!(searched.contains(&format!(r#"value="{alpha}" checked"#)));
    assert!(searched.contains(r#"value="Typed but not saved""#));
    assert!(searched.contains(&format!(r#"action="/staff/campaigns/{id}/edit""#)));
    assert!(audited(&app, "campaign.draft_edited").await.is_empty());

    // Every field changes: the audience from one picked organisation to a filter.
    let page_after = act(
        &app,
        &s,
        &format!("/staff/campaigns/{id}/edit"),
        &[
            ("name", "Autumn check"),
            ("version", "migrant-labour:2"),
            ("deadline", &in_days(30)),
            ("reminder_days_before", "10, 3"),
            ("reminder_weekly_after", "2"),
            ("message", "Questions? Write to Maria."),
            ("organisation", &alpha),
            ("use_filter", "1"),
            ("kind", "supplier"),
            ("country", "vn"),
        ],
    )
    .await;
    for expected in [
        "<h1>Autumn check</h1>",
        "The draft was saved (changed: ",
        "Migrant labour and responsible recruitment — version 2",
        &format!(
            r#"<dd>{} <span class="meta">(in 30 days)</span></dd>"#,
            in_days(30)
        ),
        "10, 3 days before the deadline, then weekly (at most 2)",
        "Questions? Write to Maria.",
        "active organisations with kind supplier, country VN",
        "Hanoi Knits",
    ] {
        assert!(page_after.contains(expected), "{expected} in {page_after}");
    }
    assert!(
        !page_after.contains("Alpha Yarns"),
        "no longer in the audience"
    );
    assert!(page_after.contains(r#"<dd id="status">Draft</dd>"#));

    let entries = audited(&app, "campaign.draft_edited").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let changed = entries[0]["changed"].as_object().unwrap();
    for field in [
        "name",
        "questionnaire",
        "deadline",
        "message",
        "reminder_days_before",
        "reminder_weekly_after",
        "audience",
    ] {
        assert!(changed.contains_key(field), "{field} in {changed:?}");
    }
    assert_eq!(
        changed["name"],
        json!({"from": "Autumn chek", "to": "Autumn check"})
    );
    assert_eq!(
        changed["questionnaire"],
        json!({"from": "forced-labour v3", "to": "migrant-labour v2"})
    );

    // The filter comes back in the form; the same values again change nothing.
    let form = page(&app, &s, &format!("/staff/campaigns/{id}/edit")).await;
    assert!(
        form.contains(r#"name="use_filter" value="1" checked"#),
        "{form}"
    );
    assert!(
        form.contains(r#"<option value="VN" selected>VN · Vietnam</option>"#),
        "{form}"
    );
    assert!(form.contains(r#"<option value="migrant-labour:2" selected>"#));
    let same = act(
        &app,
        &s,
        &format!("/staff/campaigns/{id}/edit"),
        &[
            ("name", "Autumn check"),
            ("version", "migrant-labour:2"),
            ("deadline", &in_days(30)),
            ("reminder_days_before", "10, 3"),
            ("reminder_weekly_after", "2"),
            ("message", "Questions? Write to Maria."),
            ("use_filter", "1"),
            ("kind", "supplier"),
            ("country", "VN"),
        ],
    )
    .await;
    assert!(same.contains("Nothing was changed"), "{same}");
    assert_eq!(audited(&app, "campaign.draft_edited").await.len(), 1);

    // A viewer may not edit.
    create_user(&app, "vera@example.com", Role::Viewer, Some(PASSWORD)).await;
    let v = sign_in(&app, "vera@example.com", PASSWORD).await;
    assert!(!page(&app, &v, &format!("/staff/campaigns/{id}"))
        .await
        .contains("Edit draft"));
    assert_eq!(
        v.get(&app, &format!("/staff/campaigns/{id}/edit"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_refused_draft_edit_names_every_bad_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let s = maria(&app).await;
    let id = draft(&app, &s, &alpha).await;
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{id}/edit"),
            &[
                ("name", "  "),
                ("version", "migrant-labour:2"),
                ("deadline", &in_days(-3)),
                ("reminder_days_before", "10"),
                ("message", "A message typed but refused."),
                ("organisation", &alpha),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    // Both, each beside its field, and what was typed is kept.
    assert!(
        refused.contains(r#"<p class="error" id="name-error">"#),
        "{refused}"
    );
    assert!(
        refused.contains(r#"<p class="error" id="deadline-error">the deadline is in the past"#),
        "{refused}"
    );
    assert!(refused.contains("Nothing was saved: fix what is marked below."));
    assert!(refused.contains(&format!(r#"action="/staff/campaigns/{id}/edit""#)));
    assert!(refused.contains(">A message typed but refused.</textarea>"));
    assert!(refused.contains(r#"<option value="migrant-labour:2" selected>"#));
    assert!(refused.contains(r#"name="reminder_days_before" value="10""#));
    // Nothing written.
    let campaign = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(campaign.contains("<h1>Autumn chek</h1>"));
    assert!(campaign.contains("Forced labour: practices at the site — version 3"));
    assert!(campaign.contains("<dd>Thank you.</dd>"));
    assert!(audited(&app, "campaign.draft_edited").await.is_empty());
}

#[tokio::test]
async fn a_launched_or_closed_campaign_refuses_edits() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let s = maria(&app).await;
    let id = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{id}/launch"), &[]).await;
    let launched = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(!launched.contains("Edit draft"), "{launched}");

    let res = s.get(&app, &format!("/staff/campaigns/{id}/edit")).await;
    assert_eq!(res.status(), 409);
    let text = res.text().await.unwrap();
    assert!(text.contains("Only a draft can be edited"), "{text}");
    assert!(text.contains("pinned for life"), "{text}");
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{id}/edit"),
            &[
                ("name", "Renamed"),
                ("version", "migrant-labour:2"),
                ("deadline", &in_days(40)),
                ("organisation", &alpha),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    let campaign = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(campaign.contains("<h1>Autumn chek</h1>"));
    assert!(campaign.contains("Forced labour: practices at the site — version 3"));
    assert!(audited(&app, "campaign.draft_edited").await.is_empty());

    act(
        &app,
        &s,
        &format!("/staff/campaigns/{id}/close"),
        &[("confirm", "yes")],
    )
    .await;
    let res = s.get(&app, &format!("/staff/campaigns/{id}/edit")).await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("this campaign is closed"));
}

/// `PATCH /api/v1/campaigns/{id}`: the fields given change, the others stay; every
/// problem at once and nothing written; a launched campaign refuses (409).
#[tokio::test]
async fn the_api_edits_a_draft_field_by_field() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Autumn chek", "template_id": "forced-labour", "template_version": 2,
                    "deadline": in_days(20), "message": "Thank you.",
                    "audience": {"organisations": [alpha]}}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let patch = |body: Value| {
        let url = app.url(&format!("/api/v1/campaigns/{id}"));
        let client = app.client.clone();
        let token = app.api_token.clone();
        async move {
            client
                .patch(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    let res =
        patch(json!({"name": "Autumn check", "template_version": 3, "reminder_days_before": [5]}))
            .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["name"], "Autumn check");
    assert_eq!(c["reminder_days_before"], json!([5]));
    assert_eq!(c["deadline"], json!(in_days(20)), "unchanged");
    assert_eq!(c["message"], "Thank you.", "unchanged");
    assert_eq!(
        c["audience"],
        json!({"organisations": [alpha]}),
        "unchanged"
    );
    assert_eq!(c["status"], "draft");
    let entries = audited(&app, "campaign.draft_edited").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["changed"]["questionnaire"],
        json!({"from": "forced-labour v2", "to": "forced-labour v3"})
    );
    assert!(entries[0]["changed"].get("deadline").is_none());

    // Two bad fields: both named, nothing written.
    let res = patch(json!({"name": " ", "deadline": in_days(-1), "message": "New"})).await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.contains(r#""field":"name""#), "{text}");
    assert!(text.contains(r#""field":"deadline""#), "{text}");
    assert_eq!(audited(&app, "campaign.draft_edited").await.len(), 1);

    let res = app
        .post_json(&format!("/api/v1/campaigns/{id}/launch"), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let res = patch(json!({"name": "Renamed"})).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("pinned for life"));
    assert_eq!(audited(&app, "campaign.draft_edited").await.len(), 1);
}

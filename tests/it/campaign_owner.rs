//! A campaign's owner: shown on its page, handed to another member who manages
//! campaigns (page and API, audited), and, while the campaign has no active owner,
//! the overdue notice goes to every active administrator instead of to nobody.

use crate::campaign_mail::{invite, launched_campaign, midnight, quiet_app, worker};
use crate::flags::member;
use crate::mail::{header, text_body, SmtpServer};
use chrono::Duration;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{audit_log, campaigns, users};
use hrdd_survey::jobs::clock::SetClock;
use hrdd_survey::jobs::{campaign_schedule, run_due};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

async fn user_id(app: &crate::helpers::TestApp, email: &str) -> Uuid {
    let mut conn = app.db.conn().await;
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap()
}

async fn owner_changes(app: &crate::helpers::TestApp, campaign: &str) -> Vec<Value> {
    let mut conn = app.db.conn().await;
    audit_log::table
        .filter(audit_log::action.eq("campaign.owner_changed"))
        .filter(audit_log::subject_id.eq(campaign))
        .order(audit_log::seq)
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_campaign_whose_owner_left_tells_the_administrators_until_someone_takes_it_over() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let (campaign, deadline, owner_email) = launched_campaign(&app).await;
    let late = invite(&app, &campaign, "Late Weaving Co", "en").await;
    let owner = user_id(&app, &owner_email).await;
    let admin = member(&app, Role::Admin, "Second Admin").await;
    let buyer = member(&app, Role::Procurement, "Next Buyer").await;
    let committee = member(&app, Role::Committee, "Committee Member").await;
    let page_path = format!("/staff/campaigns/{campaign}");

    // While the owner is active: named on the page, no warning.
    let (_, page) = admin.page(&app, &page_path).await;
    assert!(page.contains(&format!("{owner_email}&#62;")), "{page}");
    assert!(!page.contains(r#"id="no-owner""#), "{page}");

    // The owner leaves: their account is disabled.
    let res = admin
        .client
        .post(app.url(&format!("/staff/users/{owner}/disable")))
        .form(&[("csrf_token", admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The page, the list and the overview say the campaign has no active owner.
    let (_, page) = admin.page(&app, &page_path).await;
    assert!(page.contains("(account disabled)"), "{page}");
    assert!(page.contains(r#"id="no-owner""#), "{page}");
    assert!(page.contains("emails reach nobody"), "{page}");
    let (_, list) = admin.page(&app, "/staff/campaigns").await;
    assert!(list.contains("<strong>none active</strong>"), "{list}");
    let (_, home) = admin.page(&app, "/staff").await;
    assert!(home.contains("no active owner"), "{home}");
    let (_, users) = admin.page(&app, "/staff/users").await;
    let theirs = format!(
        r#"<strong><a href="/staff/campaigns?owner={owner}">1 campaign owned</a></strong>"#
    );
    assert!(users.contains(&theirs), "{users}");
    let (_, owned) = admin
        .page(&app, &format!("/staff/campaigns?owner={owner}"))
        .await;
    assert!(
        owned.contains(&format!("/staff/campaigns/{campaign}\"")),
        "{owned}"
    );
    assert!(
        owned.contains(&format!(
            r#"<option value="{owner}" selected>Test Person &#60;{owner_email}&#62; (disabled)"#
        )),
        "{owned}"
    );

    // After the deadline every active administrator is told, once, and why; the
    // disabled owner is not.
    let clock = SetClock::new(midnight(deadline) + Duration::days(1) + Duration::hours(1));
    let w = worker(&app, &smtp.url(), &clock);
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(
        pass.escalations, 2,
        "the harness's administrator and the second one"
    );
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(pass.reminders + 2).await;
    let notices: Vec<&String> = messages
        .iter()
        .filter(|m| text_body(m).contains("You receive this as an administrator"))
        .collect();
    assert_eq!(notices.len(), 2);
    let to: Vec<String> = notices.iter().map(|m| header(m, "To").unwrap()).collect();
    assert!(
        to.iter().any(|t| t.contains("harness-admin@example.com")),
        "{to:?}"
    );
    assert!(to.iter().all(|t| !t.contains(&owner_email)), "{to:?}");
    assert!(text_body(notices[0]).contains(&format!("- {}", late.name)));

    // Handed over on the page: refused to a committee member and to nobody, beside the
    // field; then to a procurement member.
    for (chosen, says) in [
        (
            committee.id.to_string(),
            "choose an active staff member who manages campaigns",
        ),
        (String::new(), "choose the new owner from the list"),
    ] {
        let res = admin
            .client
            .post(app.url(&format!("{page_path}/owner")))
            .form(&[
                ("csrf_token", admin.csrf.as_str()),
                ("owner_user_id", &chosen),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = res.text().await.unwrap();
        assert!(page.contains(r#"id="owner_user_id-error""#), "{page}");
        assert!(page.contains(says), "{page}");
    }
    assert!(owner_changes(&app, &campaign).await.is_empty());
    let page = admin
        .post_and_follow(
            &app,
            &format!("{page_path}/owner"),
            &[("owner_user_id", &buyer.id.to_string())],
        )
        .await;
    assert!(page.contains("Next Buyer &#60;"), "{page}");
    assert!(page.contains("now owns this campaign"), "{page}");
    assert!(!page.contains(r#"id="no-owner""#), "{page}");
    let changes = owner_changes(&app, &campaign).await;
    assert_eq!(
        changes,
        vec![json!({"from": owner.to_string(), "to": buyer.id.to_string()})]
    );
    let mut conn = app.db.conn().await;
    let now_owner: Option<Uuid> = campaigns::table
        .find(campaign.parse::<Uuid>().unwrap())
        .select(campaigns::owner_user_id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(now_owner, Some(buyer.id));

    // The new owner gets the overdue notice of this deadline too (the administrators
    // are not told again), without the administrators' paragraph.
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(pass.escalations, 1);
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(messages.len() + 1).await;
    let last = messages.last().unwrap();
    assert!(
        header(last, "To").unwrap().contains("next.buyer-"),
        "{last}"
    );
    assert!(!text_body(last).contains("as an administrator"), "{last}");
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);

    // Handed to an administrator who was told as one: not told this deadline again.
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/owner"),
            &json!({"owner_user_id": admin.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);

    // As the owner now, they still hear of an organisation added after their notice:
    // one follow-up naming only it, without the administrators' paragraph.
    let joiner = invite(&app, &campaign, "Joined After Handover Ltd", "en").await;
    let follow_up = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(follow_up.escalations, 1);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);
    run_due(&w).await.unwrap();
    let messages = smtp
        .wait_for(messages.len() + 1 + follow_up.reminders)
        .await;
    let to_admin: Vec<&String> = messages
        .iter()
        .filter(|m| header(m, "To").is_some_and(|t| t.contains("second.admin-")))
        .collect();
    assert_eq!(
        to_admin.len(),
        2,
        "the notice as administrator, the follow-up"
    );
    let text = text_body(to_admin[1]);
    assert!(
        text.contains("These organisations were added to the campaign"),
        "{text}"
    );
    assert!(text.contains(&format!("- {}", joiner.name)), "{text}");
    assert!(!text.contains(&late.name), "{text}");
    assert!(!text.contains("as an administrator"), "{text}");
}

#[tokio::test]
async fn the_api_hands_a_campaign_over_and_a_closed_one_keeps_its_owner() {
    let app = quiet_app().await;
    let (campaign, _, owner_email) = launched_campaign(&app).await;
    let owner = user_id(&app, &owner_email).await;
    let buyer = member(&app, Role::Procurement, "Api Buyer").await;
    let viewer = member(&app, Role::Viewer, "Api Viewer").await;
    let path = format!("/api/v1/campaigns/{campaign}/owner");

    // Someone who cannot manage campaigns, an unknown id, an unknown field: refused.
    for body in [
        json!({"owner_user_id": viewer.id}),
        json!({"owner_user_id": Uuid::new_v4()}),
    ] {
        let res = app.post_json(&path, &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = res.json().await.unwrap();
        assert!(body.to_string().contains("owner_user_id"), "{body}");
    }
    let res = app
        .post_json(&path, &json!({"owner_user_id": buyer.id, "owner": "x"}))
        .await;
    assert!(res.status().is_client_error());

    // A new campaign or a draft given such an owner: refused the same way.
    let deadline = (chrono::Utc::now().date_naive() + Duration::days(30)).to_string();
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Viewer's", "template_id": "forced-labour", "deadline": deadline,
                    "owner_user_id": viewer.id, "audience": {"filter": {}}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Draft", "template_id": "forced-labour", "deadline": deadline,
                    "audience": {"filter": {}}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let draft: Value = res.json().await.unwrap();
    let res = app
        .client
        .patch(app.url(&format!(
            "/api/v1/campaigns/{}",
            draft["id"].as_str().unwrap()
        )))
        .bearer_auth(&app.api_token)
        .json(&json!({"owner_user_id": viewer.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("owner_user_id"));

    // The same owner again changes nothing; a new one is recorded once.
    let res = app.post_json(&path, &json!({"owner_user_id": owner})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(owner_changes(&app, &campaign).await.is_empty());
    let res = app
        .post_json(&path, &json!({"owner_user_id": buyer.id}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["owner_user_id"], json!(buyer.id));
    assert_eq!(owner_changes(&app, &campaign).await.len(), 1);

    // Closed: it sends nothing more, so its owner stays; the page offers no change.
    let res = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/close"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&path, &json!({"owner_user_id": owner})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (_, page) = buyer
        .page(&app, &format!("/staff/campaigns/{campaign}"))
        .await;
    assert!(!page.contains(r#"id="change-owner""#), "{page}");
    assert!(page.contains("Api Buyer &#60;"), "{page}");
}

#[tokio::test]
async fn the_campaign_list_finds_my_campaigns_those_without_an_owner_and_by_name() {
    let app = quiet_app().await;
    let mine = member(&app, Role::Procurement, "List Owner").await;
    let other = member(&app, Role::Procurement, "Other Owner").await;
    let deadline = (chrono::Utc::now().date_naive() + Duration::days(30)).to_string();
    let mut ids = Vec::new();
    for (name, owner) in [
        ("Spring supplier survey", Some(mine.id)),
        ("Autumn supplier survey", Some(other.id)),
        ("Migrant workers check", None),
    ] {
        let mut body = json!({"name": name, "template_id": "forced-labour", "deadline": deadline});
        if let Some(owner) = owner {
            body["owner_user_id"] = json!(owner);
        }
        let res = app.post_json("/api/v1/campaigns", &body).await;
        let status = res.status();
        let c: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let names = |page: &str| -> Vec<&str> {
        [
            "Spring supplier survey",
            "Autumn supplier survey",
            "Migrant workers check",
        ]
        .into_iter()
        .filter(|n| page.contains(&format!(">{n}</a>")))
        .collect()
    };
    let list = |query: &'static str| {
        let mine = &mine;
        let app = &app;
        async move { mine.page(app, &format!("/staff/campaigns{query}")).await }
    };
    let (_, page) = list("").await;
    assert_eq!(names(&page).len(), 3);
    let (_, page) = list("?owner=me").await;
    assert_eq!(names(&page), ["Spring supplier survey"]);
    assert!(page.contains(r#"<option value="me" selected>"#), "{page}");
    let (_, page) = list("?owner=none").await;
    assert_eq!(names(&page), ["Migrant workers check"]);
    let (_, page) = list("?q=SUPPLIER").await;
    assert_eq!(
        names(&page),
        ["Spring supplier survey", "Autumn supplier survey"]
    );
    let (_, page) = list("?q=50%25").await;
    assert!(names(&page).is_empty());
    assert!(page.contains("No campaign matches the filter."), "{page}");
    let res = app
        .post_json(&format!("/api/v1/campaigns/{}/close", ids[1]), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, page) = list("?status=closed&owner=").await;
    assert_eq!(names(&page), ["Autumn supplier survey"]);
    let (_, page) = list("?status=open&q=survey").await;
    assert_eq!(names(&page), ["Spring supplier survey"]);
    let (status, _) = list("?status=finished").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = list("?owner=someone").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

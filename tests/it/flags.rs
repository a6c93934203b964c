//! The committee's flag workflow through HTTP, as the roles would use it: assign, decide,
//! four-eyes close, dissent, comments; and each refusal (viewer, procurement, the same
//! member twice, a stale page) answered with a clear message and nothing written.

use crate::helpers::{csrf_field, web_client, TestApp};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::db::schema::{audit_log, flag_comments, flag_decisions, flags, responses};
use hrdd_survey::domain::flag_workflow::Action;
use hrdd_survey::services::accounts;
use hrdd_survey::services::flags::{transition, FlagActor};
use reqwest::{Client, StatusCode};
use uuid::Uuid;

pub const PASSWORD: &str = "a long and good password";

/// A new supplier in `campaign` that submits answers raising a critical flag (passports
/// kept by the employer), a medium one (fees unknown) and a high one (70 hours); returns
/// (response id, flag ids worst first).
pub async fn flagged(app: &TestApp, campaign: &str, name: &str) -> (String, Vec<Uuid>) {
    let (org, contact) = app.supplier(name, "en").await;
    let (link, response) = app.invite(campaign, &org, &contact).await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "120"),
                ("passports", "employer"),
                ("fees_paid", "dont_know"),
                ("weekly_hours", "70"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let mut conn = app.db.conn().await;
    let ids = flags::table
        .filter(flags::response_id.eq(Uuid::parse_str(&response).unwrap()))
        .order((flags::queue_rank.asc(), flags::id.asc()))
        .select(flags::id)
        .load(&mut conn)
        .await
        .unwrap();
    (response, ids)
}

/// A signed-in staff member's browser.
pub struct Member {
    pub id: Uuid,
    pub client: Client,
    pub csrf: String,
}

/// Creates a member with `role` and signs them in.
pub async fn member(app: &TestApp, role: Role, name: &str) -> Member {
    let email = format!(
        "{}-{}@example.com",
        name.to_lowercase().replace(' ', "."),
        Uuid::new_v4().simple()
    );
    let mut conn = app.state.pool.get().await.unwrap();
    let (user, _) = accounts::create_user(
        &mut conn,
        &app.state.audit_key,
        &Actor::System,
        &email,
        name,
        role,
        Some(PASSWORD),
    )
    .await
    .unwrap();
    let client = web_client();
    let login = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf_field(&login).unwrap().as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let staff = client
        .get(app.url("/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Member {
        id: user.id,
        client,
        csrf: csrf_field(&staff).unwrap(),
    }
}

impl Member {
    /// Posts a decision form on a flag; returns the status and the page's text.
    pub async fn decide(
        &self,
        app: &TestApp,
        flag: Uuid,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut form = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(app.url(&format!("/staff/flags/{flag}/decide")))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Posts a form (with the CSRF token) to `path`, expects the redirect after it and
    /// returns the page it leads to.
    pub async fn post_and_follow(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> String {
        let mut form = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        let (status, page) = self
            .page(app, res.headers()["location"].to_str().unwrap())
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    }

    pub async fn page(&self, app: &TestApp, path: &str) -> (StatusCode, String) {
        let res = self.client.get(app.url(path)).send().await.unwrap();
        let status = res.status();
        (status, res.text().await.unwrap())
    }
}

/// (status, version, assignee, decisions, comments, audit entries) of a flag.
async fn snapshot(app: &TestApp, flag: Uuid) -> (String, i32, Option<Uuid>, i64, i64, i64) {
    let mut conn = app.db.conn().await;
    let (status, version, assignee): (String, i32, Option<Uuid>) = flags::table
        .find(flag)
        .select((flags::status, flags::version, flags::assignee_id))
        .first(&mut conn)
        .await
        .unwrap();
    let decisions = flag_decisions::table
        .filter(flag_decisions::flag_id.eq(flag))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let comments = flag_comments::table
        .filter(flag_comments::flag_id.eq(flag))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let audit = audit_log::table
        .filter(audit_log::subject_id.eq(flag.to_string()))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    (status, version, assignee, decisions, comments, audit)
}

#[tokio::test]
async fn the_committee_assigns_decides_and_closes_a_critical_flag_with_four_eyes() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Passport Holder Ltd").await;
    let critical = ids[0];
    let viewer = member(&app, Role::Viewer, "Vera Viewer").await;
    let buyer = member(&app, Role::Procurement, "Paul Procurement").await;
    let aiko = member(&app, Role::Committee, "Aiko Committee").await;
    let ben = member(&app, Role::Committee, "Ben Committee").await;

    // Everyone sees the flag; only the committee gets the decision forms.
    let (status, page) = viewer.page(&app, &format!("/staff/flags/{critical}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Passports kept by the employer."), "{page}");
    assert!(!page.contains("/decide"), "a viewer gets no decision form");
    // The campaign links to the organisation's progress and timeline in it, which
    // every role that sees flags may open.
    let org: Uuid = responses::table
        .inner_join(flags::table)
        .filter(flags::id.eq(critical))
        .select(responses::organisation_id)
        .first(&mut app.db.conn().await)
        .await
        .unwrap();
    let timeline = format!("/staff/campaigns/{campaign}/organisations/{org}");
    assert!(
        page.contains(&format!(r#"<a href="{timeline}">"#)),
        "{page}"
    );
    let (status, page) = viewer.page(&app, &timeline).await;
    assert_eq!(status, 200);
    assert!(page.contains("Submitted"), "{page}");
    let (_, page) = aiko.page(&app, &format!("/staff/flags/{critical}")).await;
    assert!(
        page.contains("/decide") && page.contains("Aiko Committee"),
        "{page}"
    );
    // An open flag says that assigning comes first.
    assert!(page.contains(r#"id="assign-first""#), "{page}");

    // A viewer decides nothing; procurement cannot decide either (it may comment).
    let before = snapshot(&app, critical).await;
    for who in [&viewer, &buyer] {
        let (status, _) = who
            .decide(
                &app,
                critical,
                &[
                    ("action", "assign"),
                    ("version", "1"),
                    ("assignee", &who.id.to_string()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        snapshot(&app, critical).await,
        before,
        "refusals write nothing"
    );
    let res = buyer
        .client
        .post(app.url(&format!("/staff/flags/{critical}/comments")))
        .form(&[
            ("csrf_token", buyer.csrf.as_str()),
            ("body", "The supplier says passports are in a locked safe."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = viewer
        .client
        .post(app.url(&format!("/staff/flags/{critical}/comments")))
        .form(&[("csrf_token", viewer.csrf.as_str()), ("body", "hello")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Aiko takes the flag into review.
    let (status, _) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "assign"),
                ("version", "1"),
                ("assignee", &aiko.id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, version, assignee, ..) = snapshot(&app, critical).await;
    assert_eq!(
        (status.as_str(), version, assignee),
        ("in_review", 2, Some(aiko.id))
    );

    // Ben decides from the page he opened before (version 1): stale, refused.
    let before = snapshot(&app, critical).await;
    let (status, page) = ben
        .decide(
            &app,
            critical,
            &[
                ("action", "accept_risk"),
                ("version", "1"),
                ("reason", "Fine"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("changed since you opened it"), "{page}");
    assert!(page.contains("Nothing was saved"), "{page}");
    assert_eq!(snapshot(&app, critical).await, before);

    // A reason is required to accept a risk (here, to sign its acceptance: a critical
    // flag's risk is accepted by two members, see `four_eyes.rs`).
    let (status, page) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "sign_accept_risk"),
                ("version", "2"),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("reason: a reason for accepting the risk is required"),
        "{page}"
    );
    assert_eq!(snapshot(&app, critical).await, before);
    let (status, _) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "sign_accept_risk"),
                ("version", "2"),
                (
                    "reason",
                    "Passports returned to all 14 workers; checked on site.",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = ben
        .decide(
            &app,
            critical,
            &[
                ("action", "accept_risk"),
                ("version", "3"),
                ("reason", "Agreed; the safe's log shows free access."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Four eyes: nobody closes a critical flag alone.
    let before = snapshot(&app, critical).await;
    let (status, page) = aiko
        .decide(&app, critical, &[("action", "close"), ("version", "4")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("two different committee members"), "{page}");
    assert_eq!(snapshot(&app, critical).await, before);
    let (status, _) = aiko
        .decide(
            &app,
            critical,
            &[("action", "sign_close"), ("version", "4")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The first signatory is not offered the close; the second member is.
    let close_form = r#"name="action" value="close""#;
    let (_, page) = aiko.page(&app, &format!("/staff/flags/{critical}")).await;
    assert!(!page.contains(close_form), "{page}");
    let (_, page) = ben.page(&app, &format!("/staff/flags/{critical}")).await;
    assert!(page.contains(close_form), "{page}");
    let before = snapshot(&app, critical).await;
    let (status, page) = aiko
        .decide(&app, critical, &[("action", "close"), ("version", "5")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("same member cannot give both signatures"),
        "{page}"
    );
    assert_eq!(snapshot(&app, critical).await, before);

    // Ben dissents (visible for good), then closes as the second member.
    let (status, _) = ben
        .decide(
            &app,
            critical,
            &[
                ("action", "dissent"),
                ("version", "5"),
                ("reason", "I would have asked for a follow-up audit."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = ben
        .decide(&app, critical, &[("action", "close"), ("version", "5")])
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the dissent moved the version on"
    );
    let (status, _) = ben
        .decide(
            &app,
            critical,
            &[
                ("action", "close"),
                ("version", "6"),
                ("reason", "Second signature."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, version, ..) = snapshot(&app, critical).await;
    assert_eq!((status.as_str(), version), ("closed", 7));

    let (_, page) = viewer.page(&app, &format!("/staff/flags/{critical}")).await;
    assert!(
        page.contains("I would have asked for a follow-up audit."),
        "{page}"
    );
    assert!(
        page.contains("class=\"card dissent\""),
        "the dissent is shown apart: {page}"
    );
    assert!(page.contains("The supplier says passports are in a locked safe."));
    assert!(page.contains("signed the close (first of two)"));

    // Every decision is in the audit chain, naming the member.
    let mut conn = app.db.conn().await;
    let entries: Vec<(String, Option<String>, serde_json::Value)> = audit_log::table
        .filter(audit_log::subject_id.eq(critical.to_string()))
        .order(audit_log::seq.asc())
        .select((audit_log::action, audit_log::actor_id, audit_log::details))
        .load(&mut conn)
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|(a, ..)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "flag.comment",
            "flag.assign",
            "flag.sign_accept_risk",
            "flag.accept_risk",
            "flag.sign_close",
            "flag.dissent",
            "flag.close"
        ]
    );
    let (_, actor, details) = &entries[6];
    assert_eq!(actor.as_deref(), Some(ben.id.to_string().as_str()));
    assert_eq!(details["member"]["name"], "Ben Committee");
    assert_eq!(details["from"], "accepted_risk");
    assert_eq!(details["to"], "closed");
    assert_eq!(details["first_signature"]["name"], "Aiko Committee");
    assert!(
        hrdd_survey::services::audit::verify(&mut conn, &app.state.audit_key)
            .await
            .unwrap()
            .is_ok()
    );
}

#[tokio::test]
async fn the_service_refuses_what_the_role_may_not_do_even_without_the_middleware() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Direct Call Ltd").await;
    let buyer = member(&app, Role::Procurement, "Pia Procurement").await;
    let mut conn = app.state.pool.get().await.unwrap();
    let before = snapshot(&app, ids[0]).await;
    let err = transition(
        &mut conn,
        &app.state.audit_key,
        FlagActor::Member(buyer.id),
        ids[0],
        Some(1),
        Action::Assign { to: buyer.id },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    // A contact answers a clarification, but never closes.
    let err = transition(
        &mut conn,
        &app.state.audit_key,
        FlagActor::Contact(Uuid::new_v4()),
        ids[0],
        None,
        Action::Close {
            note: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    assert_eq!(snapshot(&app, ids[0]).await, before);
}

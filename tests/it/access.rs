//! The access table: every route called anonymously, with each role's session, and with
//! a respondent's link, answered exactly as written below. A route added to the code
//! without a row in the permission table (and here) fails `every_route_is_in_the_table`.

use crate::helpers::{csrf_field, web_client, TestApp};
use hrdd_survey::auth::permissions::{is_api_route, Access, Role, ROUTES};
use hrdd_survey::db::audit::Actor;
use hrdd_survey::services::accounts;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const PASSWORD: &str = "a long and good password";

/// (method, pattern, anonymous or respondent, roles allowed: A P C V, status when
/// allowed, status when denied). Anonymous HTML → 303 to /login, anonymous API → 401.
const EXPECTED: &[(&str, &str, u16, &str, u16, u16)] = &[
    ("GET", "/", 200, "APCV", 200, 200),
    ("GET", "/health", 200, "APCV", 200, 200),
    ("GET", "/static/app.css", 200, "APCV", 200, 200),
    ("GET", "/static/form.js", 200, "APCV", 200, 200),
    ("GET", "/favicon.ico", 200, "APCV", 200, 200),
    ("GET", "/login", 200, "APCV", 200, 200),
    ("POST", "/login", 401, "APCV", 401, 401),
    ("GET", "/password/reset", 200, "APCV", 200, 200),
    ("POST", "/password/reset", 200, "APCV", 200, 200),
    ("GET", "/password/reset/{token}", 400, "APCV", 400, 400),
    ("POST", "/password/reset/{token}", 400, "APCV", 400, 400),
    ("GET", "/r/{token}", 200, "APCV", 200, 200),
    ("POST", "/r/{token}", 303, "APCV", 303, 303),
    (
        "GET",
        "/r/{token}/evidence/{file_id}",
        404,
        "APCV",
        404,
        404,
    ),
    ("GET", "/r/{token}/clarification", 200, "APCV", 200, 200),
    ("POST", "/r/{token}/clarification", 303, "APCV", 303, 303),
    ("GET", "/r/{token}/s/{n}", 200, "APCV", 200, 200),
    ("POST", "/r/{token}/s/{n}", 303, "APCV", 303, 303),
    ("GET", "/r/{token}/review", 200, "APCV", 200, 200),
    ("POST", "/r/{token}/submit", 422, "APCV", 422, 422),
    ("POST", "/r/{token}/handover", 422, "APCV", 422, 422),
    ("POST", "/r/{token}/carry-over", 200, "APCV", 200, 200),
    ("GET", "/r/{token}/receipt.pdf", 404, "APCV", 404, 404),
    (
        "GET",
        "/staff/responses/{id}/receipt.pdf",
        303,
        "APCV",
        404,
        403,
    ),
    (
        "GET",
        "/staff/responses/{id}/evidence/{file_id}",
        303,
        "APCV",
        404,
        403,
    ),
    ("GET", "/staff", 303, "APCV", 200, 403),
    ("GET", "/account/password", 303, "APCV", 200, 403),
    ("POST", "/account/password", 303, "APCV", 200, 403),
    ("POST", "/account/sessions/revoke", 303, "APCV", 303, 403),
    ("GET", "/staff/users", 303, "A", 200, 403),
    ("POST", "/staff/users", 303, "A", 200, 403),
    ("POST", "/staff/users/{id}/role", 303, "A", 303, 403),
    ("POST", "/staff/users/{id}/disable", 303, "A", 303, 403),
    ("POST", "/staff/users/{id}/enable", 303, "A", 303, 403),
    ("GET", "/staff/api-tokens", 303, "A", 200, 403),
    ("POST", "/staff/api-tokens", 303, "A", 200, 403),
    ("POST", "/staff/api-tokens/{id}/revoke", 303, "A", 303, 403),
    ("GET", "/staff/organisations", 303, "APCV", 200, 403),
    ("POST", "/staff/organisations", 303, "AP", 303, 403),
    (
        "GET",
        "/staff/organisations/export.csv",
        303,
        "APCV",
        200,
        403,
    ),
    (
        "GET",
        "/staff/organisations/example.csv",
        303,
        "APCV",
        200,
        403,
    ),
    ("GET", "/staff/organisations/import", 303, "AP", 200, 403),
    // A urlencoded body where a file upload is expected: named on the file field.
    ("POST", "/staff/organisations/import", 303, "AP", 422, 403),
    // An unknown upload.
    (
        "POST",
        "/staff/organisations/import/{upload}/confirm",
        303,
        "AP",
        422,
        403,
    ),
    ("GET", "/staff/organisations/{id}", 303, "APCV", 200, 403),
    // Empty forms: every field is named in a 422.
    ("POST", "/staff/organisations/{id}", 303, "AP", 422, 403),
    (
        "POST",
        "/staff/organisations/{id}/deactivate",
        303,
        "AP",
        303,
        403,
    ),
    (
        "POST",
        "/staff/organisations/{id}/reactivate",
        303,
        "AP",
        303,
        403,
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts",
        303,
        "AP",
        422,
        403,
    ),
    (
        "GET",
        "/staff/organisations/{id}/contacts/{contact_id}",
        303,
        "AP",
        200,
        403,
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts/{contact_id}",
        303,
        "AP",
        422,
        403,
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts/{contact_id}/deactivate",
        303,
        "AP",
        303,
        403,
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts/{contact_id}/reactivate",
        303,
        "AP",
        303,
        403,
    ),
    ("GET", "/staff/campaigns", 303, "APCV", 200, 403),
    ("GET", "/staff/flags", 303, "APCV", 200, 403),
    // The fixture's response is not submitted (nothing to clarify: 400); an empty plan
    // form is refused (422); the plan routes act on a plan that does not exist (404).
    (
        "GET",
        "/staff/responses/{id}/clarifications",
        303,
        "APCV",
        200,
        403,
    ),
    (
        "POST",
        "/staff/responses/{id}/clarifications",
        303,
        "AC",
        400,
        403,
    ),
    (
        "GET",
        "/staff/flags/{id}/action-plans",
        303,
        "APCV",
        200,
        403,
    ),
    (
        "POST",
        "/staff/flags/{id}/action-plans",
        303,
        "AC",
        422,
        403,
    ),
    ("GET", "/staff/action-plans/{id}", 303, "APCV", 404, 403),
    (
        "POST",
        "/staff/action-plans/{id}/status",
        303,
        "AC",
        404,
        403,
    ),
    (
        "POST",
        "/staff/action-plans/{id}/remedy",
        303,
        "AC",
        404,
        403,
    ),
    (
        "POST",
        "/staff/action-plans/{id}/evidence",
        303,
        "AC",
        400,
        403,
    ),
    (
        "GET",
        "/staff/action-plans/{id}/evidence/{file_id}",
        303,
        "APCV",
        404,
        403,
    ),
    (
        "POST",
        "/staff/action-plans/{id}/close",
        303,
        "AC",
        404,
        403,
    ),
    (
        "POST",
        "/staff/action-plans/{id}/cancel",
        303,
        "AC",
        404,
        403,
    ),
    ("GET", "/staff/flags/{id}", 303, "APCV", 200, 403),
    // Nothing ticked and no member chosen: refused naming the field.
    ("POST", "/staff/flags/assign", 303, "AC", 422, 403),
    ("GET", "/staff/heatmap", 303, "APCV", 200, 403),
    ("GET", "/staff/ranking", 303, "APCV", 200, 403),
    ("GET", "/staff/ranking.csv", 303, "APCV", 200, 403),
    ("GET", "/staff/dashboard", 303, "APCV", 200, 403),
    (
        "GET",
        "/staff/organisations/{id}/responses",
        303,
        "APCV",
        200,
        403,
    ),
    // A decision without the page's version: refused as invalid, nothing written.
    ("POST", "/staff/flags/{id}/decide", 303, "AC", 422, 403),
    ("POST", "/staff/flags/{id}/comments", 303, "APC", 303, 403),
    ("GET", "/staff/action-plans", 303, "APCV", 200, 403),
    ("GET", "/staff/audit", 303, "AC", 200, 403),
    // Verifying records an entry and shows the page again.
    ("POST", "/staff/audit/verify", 303, "AC", 303, 403),
    ("GET", "/staff/exports/audit", 303, "AC", 200, 403),
    ("GET", "/staff/exports", 303, "APCV", 200, 403),
    ("GET", "/staff/exports/responses", 303, "APCV", 200, 403),
    ("GET", "/staff/exports/flags", 303, "APCV", 200, 403),
    ("GET", "/staff/exports/action-plans", 303, "APCV", 200, 403),
    ("GET", "/staff/reassessments", 303, "APCV", 200, 403),
    ("POST", "/staff/reassessments", 303, "AC", 303, 403),
    ("GET", "/staff/reassessments/{id}", 303, "APCV", 200, 403),
    ("GET", "/staff/inherent-risk", 303, "APCV", 200, 403),
    ("POST", "/staff/inherent-risk", 303, "A", 200, 403),
    ("GET", "/staff/jobs", 303, "A", 200, 403),
    ("POST", "/staff/jobs/{id}/retry", 303, "A", 303, 403),
    ("POST", "/staff/jobs/retry-dead-emails", 303, "A", 303, 403),
    ("GET", "/staff/outbox", 303, "AP", 200, 403),
    ("GET", "/staff/outbox/{name}", 303, "AP", 404, 403),
    ("POST", "/api/v1/organisations", 401, "AP", 201, 403),
    ("GET", "/api/v1/organisations/{id}", 401, "APCV", 200, 403),
    (
        "POST",
        "/api/v1/organisations/{id}/contacts",
        401,
        "AP",
        201,
        403,
    ),
    ("GET", "/api/v1/templates", 401, "APCV", 200, 403),
    ("POST", "/api/v1/campaigns", 401, "AP", 201, 403),
    // The fixture's campaign is launched: only a draft can be edited.
    ("PATCH", "/api/v1/campaigns/{id}", 401, "AP", 409, 403),
    (
        "POST",
        "/api/v1/campaigns/{id}/invitations",
        401,
        "AP",
        201,
        403,
    ),
    ("GET", "/api/v1/responses/{id}/flags", 401, "APCV", 200, 403),
    (
        "GET",
        "/api/v1/organisations/{id}/rating",
        401,
        "APCV",
        200,
        403,
    ),
    ("GET", "/api/v1/ranking", 401, "APCV", 200, 403),
    ("POST", "/api/v1/campaigns/{id}/launch", 401, "AP", 200, 403),
    (
        "POST",
        "/api/v1/campaigns/{id}/organisations",
        401,
        "AP",
        200,
        403,
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/organisations/{org}/remind",
        401,
        "AP",
        200,
        403,
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/deadline",
        401,
        "AP",
        200,
        403,
    ),
    ("POST", "/api/v1/campaigns/{id}/owner", 401, "AP", 200, 403),
    (
        "GET",
        "/api/v1/campaigns/{id}/progress",
        401,
        "APCV",
        200,
        403,
    ),
    ("GET", "/staff/campaigns/new", 303, "AP", 200, 403),
    ("POST", "/staff/campaigns", 303, "AP", 422, 403),
    ("GET", "/staff/campaigns/{id}", 303, "APCV", 200, 403),
    (
        "GET",
        "/staff/campaigns/{id}/email-preview",
        303,
        "APCV",
        200,
        403,
    ),
    (
        "GET",
        "/staff/campaigns/{id}/email-preview.html",
        303,
        "APCV",
        200,
        403,
    ),
    // The fixture's campaign is launched: only a draft can be edited.
    ("GET", "/staff/campaigns/{id}/edit", 303, "AP", 409, 403),
    ("POST", "/staff/campaigns/{id}/edit", 303, "AP", 409, 403),
    ("POST", "/staff/campaigns/{id}/launch", 303, "AP", 303, 403),
    (
        "POST",
        "/staff/campaigns/{id}/deadline",
        303,
        "AP",
        303,
        403,
    ),
    ("POST", "/staff/campaigns/{id}/owner", 303, "AP", 303, 403),
    (
        "POST",
        "/staff/campaigns/{id}/organisations",
        303,
        "AP",
        303,
        403,
    ),
    // The fixture's organisation has not submitted: reminded (the second time, the same
    // day, the page says so and sends nothing).
    (
        "POST",
        "/staff/campaigns/{id}/organisations/{org}/remind",
        303,
        "AP",
        303,
        403,
    ),
    (
        "POST",
        "/staff/campaigns/{id}/contacts/{contact}/resend",
        303,
        "AP",
        303,
        403,
    ),
    (
        "POST",
        "/staff/campaigns/{id}/contacts/{contact}/revoke",
        303,
        "AP",
        303,
        403,
    ),
    (
        "GET",
        "/staff/campaigns/{id}/progress.csv",
        303,
        "APCV",
        200,
        403,
    ),
    (
        "GET",
        "/staff/campaigns/{id}/organisations/{org}",
        303,
        "APCV",
        200,
        403,
    ),
    // Without its checkbox: refused beside it (a launched campaign is never deleted).
    ("POST", "/staff/campaigns/{id}/delete", 303, "AP", 422, 403),
    // Late: closing the campaign ends what the rows above do.
    ("POST", "/staff/campaigns/{id}/close", 303, "AP", 303, 403),
    ("POST", "/api/v1/campaigns/{id}/close", 401, "AP", 200, 403),
    // Last: it ends the session.
    ("POST", "/logout", 303, "APCV", 303, 403),
];

fn letter(role: Role) -> char {
    match role {
        Role::Admin => 'A',
        Role::Procurement => 'P',
        Role::Committee => 'C',
        Role::Viewer => 'V',
    }
}

/// A browser-like client: its own cookies, and the CSRF token its pages carry.
struct Caller {
    name: String,
    client: Client,
    csrf: Option<String>,
}

async fn sign_in(app: &TestApp, email: &str) -> Caller {
    let client = web_client();
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_field(&page).unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let staff = client
        .get(app.url("/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Caller {
        name: email.into(),
        client,
        csrf: csrf_field(&staff),
    }
}

struct Fixture {
    /// The harness's admin (creator of its API token).
    admin: uuid::Uuid,
    org: String,
    contact: String,
    campaign: String,
    response: String,
    link: String,
    /// A flag raised by another organisation's submitted response.
    flag: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let (org, contact) = app.supplier("Access Test Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let admin = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::users;
        let mut conn = app.state.pool.get().await.unwrap();
        users::table
            .filter(users::email.eq("harness-admin@example.com"))
            .select(users::id)
            .first(&mut conn)
            .await
            .unwrap()
    };
    let flag = crate::flags::flagged(app, &campaign, "Flagged Supplier")
        .await
        .1[0]
        .to_string();
    Fixture {
        admin,
        org,
        contact,
        campaign,
        response,
        link,
        flag,
    }
}

/// Makes the concrete request for a table row; creates what the row acts on.
async fn call(
    app: &TestApp,
    fx: &Fixture,
    who: &Caller,
    method: &str,
    pattern: &str,
    n: usize,
) -> StatusCode {
    let mut conn = app.state.pool.get().await.unwrap();
    let fresh_user = || format!("target-{n}-{}@example.com", uuid::Uuid::new_v4().simple());
    let path = match pattern {
        "/password/reset/{token}" => {
            "/password/reset/NotARealToken0000000000000000000000000000000".to_string()
        }
        // The start page itself (a link with answers would send on to its section).
        "/r/{token}" => format!("{}?start=1", fx.link),
        "/r/{token}/evidence/{file_id}" => format!("{}/evidence/{}", fx.link, uuid::Uuid::new_v4()),
        "/r/{token}/receipt.pdf" => format!("{}/receipt.pdf", fx.link),
        "/staff/responses/{id}/receipt.pdf" | "/staff/responses/{id}/evidence/{file_id}" => pattern
            .replace("{id}", &fx.response)
            .replace("{file_id}", &uuid::Uuid::new_v4().to_string()),
        p if p.starts_with("/r/{token}/") => p.replace("/r/{token}", &fx.link).replace("{n}", "1"),
        "/staff/users/{id}/role" | "/staff/users/{id}/disable" | "/staff/users/{id}/enable" => {
            let (u, _) = accounts::create_user(
                &mut conn,
                &app.state.audit_key,
                &Actor::System,
                &fresh_user(),
                "Target",
                Role::Viewer,
                Some(PASSWORD),
            )
            .await
            .unwrap();
            pattern.replace("{id}", &u.id.to_string())
        }
        "/staff/api-tokens/{id}/revoke" => {
            let admin: uuid::Uuid = {
                use diesel::prelude::*;
                use diesel_async::RunQueryDsl;
                use hrdd_survey::db::schema::users;
                users::table
                    .filter(users::role.eq("admin"))
                    .select(users::id)
                    .first(&mut conn)
                    .await
                    .unwrap()
            };
            let (t, _) = accounts::create_api_token(
                &mut conn,
                &app.state.audit_key,
                &Actor::System,
                admin,
                "target",
                Role::Viewer,
            )
            .await
            .unwrap();
            pattern.replace("{id}", &t.id.to_string())
        }
        "/staff/jobs/{id}/retry" => pattern.replace("{id}", &dead_job(&mut conn).await.to_string()),
        "/staff/jobs/retry-dead-emails" => {
            dead_job(&mut conn).await;
            pattern.to_string()
        }
        "/api/v1/organisations/{id}"
        | "/api/v1/organisations/{id}/contacts"
        | "/api/v1/organisations/{id}/rating" => pattern.replace("{id}", &fx.org),
        "/api/v1/campaigns/{id}/invitations" => pattern.replace("{id}", &fx.campaign),
        "/api/v1/responses/{id}/flags" => pattern.replace("{id}", &fx.response),
        "/staff/exports/responses" => format!("{pattern}?campaign={}", fx.campaign),
        "/staff/reassessments/{id}" => {
            let version = app.state.registry.find("mini", None).unwrap().id;
            let r = hrdd_survey::services::reassessments::run(
                &mut conn,
                &app.state.ctx(),
                &Actor::System,
                fx.campaign.parse().unwrap(),
                version,
            )
            .await
            .unwrap();
            pattern.replace("{id}", &r.id.to_string())
        }
        p if p.starts_with("/staff/organisations/{id}") => p
            .replace("{id}", &fx.org)
            .replace("{contact_id}", &fx.contact),
        p if p.contains("{upload}") => p.replace("{upload}", &uuid::Uuid::new_v4().to_string()),
        p if p.contains("/campaigns/{id}") => p
            .replace("{id}", &fx.campaign)
            .replace("{org}", &fx.org)
            .replace("{contact}", &fx.contact),
        p if p.starts_with("/staff/flags/{id}") => pattern.replace("{id}", &fx.flag),
        "/r/{token}/clarification" => format!("{}/clarification", fx.link),
        "/staff/responses/{id}/clarifications" => pattern.replace("{id}", &fx.response),
        p if p.starts_with("/staff/action-plans/{id}") => p
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{file_id}", &uuid::Uuid::new_v4().to_string()),
        other => other.to_string(),
    };
    let csrf = who.csrf.clone().unwrap_or_default();
    let url = app.url(&path);
    let request = match (method, pattern) {
        ("GET", _) => who.client.get(&url),
        ("POST", "/login") => {
            let page = who
                .client
                .get(app.url("/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let token = csrf_field(&page).unwrap_or_default();
            // One unknown address per caller: failures of one address are throttled.
            let email = format!("nobody-{}", who.name);
            who.client.post(&url).form(&[
                ("csrf_token", token.as_str()),
                ("email", email.as_str()),
                ("password", "wrong password here"),
            ])
        }
        ("POST", "/password/reset") => {
            let page = who
                .client
                .get(app.url("/password/reset"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let token = csrf_field(&page).unwrap_or_default();
            who.client.post(&url).form(&[
                ("csrf_token", token.as_str()),
                ("email", "nobody@example.com"),
            ])
        }
        ("POST", "/password/reset/{token}") => {
            let page = who
                .client
                .get(app.url("/password/reset"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let token = csrf_field(&page).unwrap_or_default();
            who.client.post(&url).form(&[
                ("csrf_token", token.as_str()),
                ("new_password", "another long password"),
            ])
        }
        ("POST", "/r/{token}") | ("POST", "/r/{token}/s/{n}") => {
            let token = app.form_csrf(&fx.link).await;
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token)
                .text("headcount", "12")
                .text("action", "save");
            who.client.post(&url).multipart(form)
        }
        ("POST", "/r/{token}/clarification") => {
            let token = app.form_csrf(&fx.link).await;
            let form = reqwest::multipart::Form::new().text("csrf_token", token);
            who.client.post(&url).multipart(form)
        }
        ("POST", "/staff/action-plans/{id}/status") => who
            .client
            .post(&url)
            .form(&[("csrf_token", csrf.as_str()), ("to", "in_progress")]),
        ("POST", "/staff/action-plans/{id}/cancel") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("cancel_reason", "The supplier relationship ended"),
        ]),
        // Without a declaration or a colleague: 422, nothing written. Nothing to carry
        // over (no earlier submission): the start page says so.
        ("POST", "/r/{token}/submit")
        | ("POST", "/r/{token}/handover")
        | ("POST", "/r/{token}/carry-over") => {
            let token = app.form_csrf(&fx.link).await;
            who.client
                .post(&url)
                .form(&[("csrf_token", token.as_str())])
        }
        ("POST", "/account/password") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "a different long passphrase"),
        ]),
        ("POST", "/staff/users") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("email", &fresh_user()),
            ("name", "New"),
            ("role", "viewer"),
        ]),
        ("POST", "/staff/users/{id}/role") => who
            .client
            .post(&url)
            .form(&[("csrf_token", csrf.as_str()), ("role", "committee")]),
        ("POST", "/staff/api-tokens") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "new token"),
            ("role", "viewer"),
        ]),
        ("POST", "/staff/campaigns/{id}/close") => who
            .client
            .post(&url)
            .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")]),
        ("POST", "/staff/campaigns/{id}/deadline") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            (
                "deadline",
                &(chrono::Utc::now().date_naive() + chrono::Duration::days(40)).to_string(),
            ),
        ]),
        ("POST", "/staff/campaigns/{id}/owner") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("owner_user_id", fx.admin.to_string().as_str()),
        ]),
        ("POST", "/staff/campaigns/{id}/organisations") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("organisation_id", fx.org.as_str()),
        ]),
        // Confirmed (unconfirmed, they only show the confirm page).
        (
            "POST",
            "/staff/campaigns/{id}/contacts/{contact}/resend"
            | "/staff/campaigns/{id}/contacts/{contact}/revoke",
        ) => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("organisation_id", fx.org.as_str()),
            ("confirm", "yes"),
        ]),
        ("POST", "/staff/flags/{id}/decide") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "dissent"),
            ("reason", "not convinced"),
        ]),
        ("POST", "/staff/jobs/retry-dead-emails") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("answer", "550 no such mailbox"),
        ]),
        ("POST", "/staff/flags/{id}/comments") => who
            .client
            .post(&url)
            .form(&[("csrf_token", csrf.as_str()), ("body", "Checked the file.")]),
        ("POST", "/staff/organisations") => who.client.post(&url).form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Form Org"),
            ("kind", "supplier"),
            ("country", "VN"),
        ]),
        ("POST", "/staff/reassessments") => {
            let version = app
                .state
                .registry
                .find("mini", None)
                .unwrap()
                .id
                .to_string();
            who.client.post(&url).form(&[
                ("csrf_token", csrf.as_str()),
                ("campaign", fx.campaign.as_str()),
                ("version", version.as_str()),
            ])
        }
        ("POST", "/staff/inherent-risk") => {
            let csv = format!(
                "country,sector,value,source,year\nJP,*,3,Access test {n} (illustrative),2025\n"
            );
            who.client
                .post(&url)
                .form(&[("csrf_token", csrf.as_str()), ("csv", csv.as_str())])
        }
        ("POST", p) if p.starts_with("/api/") => {
            let body: Value = match p {
                "/api/v1/organisations" => {
                    json!({"kind": "supplier", "name": "API Org", "country": "TH"})
                }
                "/api/v1/organisations/{id}/contacts" => {
                    json!({"name": "C", "email": fresh_user()})
                }
                "/api/v1/campaigns" => {
                    json!({"name": "C", "template_id": "mini", "deadline": (chrono::Utc::now().date_naive() + chrono::Duration::days(9)).to_string()})
                }
                "/api/v1/campaigns/{id}/invitations" => {
                    let (org, contact) = app.supplier(&format!("Invitee {n}"), "en").await;
                    json!({"organisation_id": org, "contact_id": contact})
                }
                "/api/v1/campaigns/{id}/launch"
                | "/api/v1/campaigns/{id}/close"
                | "/api/v1/campaigns/{id}/organisations/{org}/remind" => json!({}),
                "/api/v1/campaigns/{id}/organisations" => json!({"organisation_ids": [fx.org]}),
                "/api/v1/campaigns/{id}/deadline" => {
                    json!({"deadline": (chrono::Utc::now().date_naive() + chrono::Duration::days(40)).to_string()})
                }
                "/api/v1/campaigns/{id}/owner" => json!({"owner_user_id": fx.admin}),
                other => panic!("no body for {other}"),
            };
            who.client
                .post(&url)
                .header("X-CSRF-Token", csrf.as_str())
                .json(&body)
        }
        ("PATCH", "/api/v1/campaigns/{id}") => who
            .client
            .patch(&url)
            .header("X-CSRF-Token", csrf.as_str())
            .json(&json!({"name": "Renamed"})),
        ("POST", _) => who.client.post(&url).form(&[("csrf_token", csrf.as_str())]),
        (m, _) => who
            .client
            .request(Method::from_bytes(m.as_bytes()).unwrap(), &url),
    };
    request.send().await.unwrap().status()
}

/// A job that failed for good, for the retry route to act on.
async fn dead_job(conn: &mut diesel_async::AsyncPgConnection) -> uuid::Uuid {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hrdd_survey::db::schema::jobs;
    // Written dead at once (an email job carries its message), so the application's
    // worker never sees it pending.
    let id = uuid::Uuid::new_v4();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::kind.eq("send_email"),
            jobs::to_address.eq("someone@example.com"),
            jobs::subject.eq("Hello"),
            jobs::text_body.eq("Hi\n"),
            jobs::state.eq("dead"),
            jobs::finished_at.eq(chrono::Utc::now()),
            jobs::last_error.eq("550 no such mailbox"),
        ))
        .execute(conn)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn every_route_answers_each_caller_as_the_table_says() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let fx = fixture(&app).await;
    let mut callers: Vec<(Option<Role>, Caller)> = Vec::new();
    callers.push((
        None,
        Caller {
            name: "anonymous".into(),
            client: web_client(),
            csrf: None,
        },
    ));
    let respondent = web_client();
    assert_eq!(
        respondent
            .get(app.url(&fx.link))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    callers.push((
        None,
        Caller {
            name: "respondent".into(),
            client: respondent,
            csrf: None,
        },
    ));
    {
        let mut conn = app.state.pool.get().await.unwrap();
        for role in Role::ALL {
            let email = format!("{}@example.com", role.as_str());
            accounts::create_user(
                &mut conn,
                &app.state.audit_key,
                &Actor::System,
                &email,
                role.as_str(),
                role,
                Some(PASSWORD),
            )
            .await
            .unwrap();
        }
    }
    for role in Role::ALL {
        callers.push((
            Some(role),
            sign_in(&app, &format!("{}@example.com", role.as_str())).await,
        ));
    }

    let mut failures = Vec::new();
    for (n, (method, pattern, anon, allowed, ok, denied)) in EXPECTED.iter().enumerate() {
        for (role, caller) in &callers {
            let expected = match role {
                None => *anon,
                Some(r) if allowed.contains(letter(*r)) => *ok,
                Some(_) => *denied,
            };
            let got = call(&app, &fx, caller, method, pattern, n).await;
            if got.as_u16() != expected {
                failures.push(format!(
                    "{method} {pattern} as {}: expected {expected}, got {got}",
                    caller.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Routes registered in the source: every route attribute in every file below
/// `src/routes/`, under the prefix of its `web::scope` (see `route_scan`).
fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    crate::route_scan::scan(&dir).unwrap_or_else(|e| panic!("route scan: {e}"))
}

#[test]
fn every_route_is_in_the_table() {
    let source = routes_in_source();
    assert!(
        source.len() > 30,
        "route scan found only {} routes",
        source.len()
    );
    // Routes from subfolders, with and without a scope prefix.
    for (method, path) in [
        ("POST", "/api/v1/organisations"),
        ("GET", "/api/v1/responses/{id}/flags"),
        ("GET", "/staff/audit"),
        ("POST", "/staff/users/{id}/role"),
    ] {
        assert!(
            source.contains(&(method.to_string(), path.to_string())),
            "route scan missed {method} {path}"
        );
    }
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(m, p, ..)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = source.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in auth::permissions::ROUTES: {missing:?}"
    );
    let stale: Vec<_> = table.difference(&source).collect();
    assert!(
        stale.is_empty(),
        "rows in ROUTES for routes that do not exist: {stale:?}"
    );
    let untested: Vec<_> = table.difference(&expected).collect();
    assert!(
        untested.is_empty(),
        "routes missing from the access test's EXPECTED table: {untested:?}"
    );
}

/// A concrete path for a route pattern (ids that exist where the route needs them).
async fn concrete(app: &TestApp, fx: &Fixture, pattern: &str) -> String {
    let mut conn = app.state.pool.get().await.unwrap();
    match pattern {
        "/password/reset/{token}" => {
            "/password/reset/NotARealToken0000000000000000000000000000000".to_string()
        }
        // The start page itself (a link with answers would send on to its section).
        "/r/{token}" => format!("{}?start=1", fx.link),
        "/r/{token}/evidence/{file_id}" => format!("{}/evidence/{}", fx.link, uuid::Uuid::new_v4()),
        "/r/{token}/receipt.pdf" => format!("{}/receipt.pdf", fx.link),
        "/staff/responses/{id}/receipt.pdf" | "/staff/responses/{id}/evidence/{file_id}" => pattern
            .replace("{id}", &fx.response)
            .replace("{file_id}", &uuid::Uuid::new_v4().to_string()),
        p if p.starts_with("/r/{token}/") => p.replace("/r/{token}", &fx.link).replace("{n}", "1"),
        "/staff/users/{id}/role" | "/staff/users/{id}/disable" | "/staff/users/{id}/enable" => {
            let email = format!("victim-{}@example.com", uuid::Uuid::new_v4().simple());
            let (u, _) = accounts::create_user(
                &mut conn,
                &app.state.audit_key,
                &Actor::System,
                &email,
                "Victim",
                Role::Viewer,
                Some(PASSWORD),
            )
            .await
            .unwrap();
            pattern.replace("{id}", &u.id.to_string())
        }
        "/staff/api-tokens/{id}/revoke" => {
            let (t, _) = accounts::create_api_token(
                &mut conn,
                &app.state.audit_key,
                &Actor::System,
                fx.admin,
                "victim",
                Role::Viewer,
            )
            .await
            .unwrap();
            pattern.replace("{id}", &t.id.to_string())
        }
        p if p.contains("/campaigns/{id}") => p
            .replace("{id}", &fx.campaign)
            .replace("{org}", &fx.org)
            .replace("{contact}", &fx.contact),
        p if p.contains("/organisations/{id}") => p
            .replace("{id}", &fx.org)
            .replace("{contact_id}", &fx.contact),
        p if p.contains("{upload}") => p.replace("{upload}", &uuid::Uuid::new_v4().to_string()),
        p if p.contains("/flags/{id}") => p.replace("{id}", &fx.flag),
        "/r/{token}/clarification" => format!("{}/clarification", fx.link),
        p if p.starts_with("/staff/action-plans/{id}") => p
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{file_id}", &uuid::Uuid::new_v4().to_string()),
        p if p.contains("/responses/{id}") => p.replace("{id}", &fx.response),
        other => other.to_string(),
    }
}

async fn state_fingerprint(app: &TestApp) -> (i64, i64, i64, i64) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hrdd_survey::db::schema::{api_tokens, audit_log, login_attempts, users};
    let mut conn = app.db.conn().await;
    let audit: i64 = audit_log::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let attempts: i64 = login_attempts::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let non_viewers: i64 = users::table
        .filter(
            users::role
                .ne("viewer")
                .or(users::disabled_at.is_not_null()),
        )
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let revoked: i64 = api_tokens::table
        .filter(api_tokens::revoked_at.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    (audit, attempts, non_viewers, revoked)
}

/// Every browser-page route (all but `/api/…`), called with the harness's admin API
/// token in every spelling of the scheme and no cookie: a signed-in page refuses it
/// (403), and no route changes anything (no role, no disabled user, no revoked token,
/// no sign-in attempt, no audit entry) without the CSRF token.
#[tokio::test]
async fn no_page_route_accepts_an_api_token() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let fx = fixture(&app).await;
    let pages: Vec<_> = ROUTES.iter().filter(|(_, p, _)| !is_api_route(p)).collect();
    assert!(pages.len() > 20);
    let mut failures = Vec::new();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        for (method, pattern, access) in &pages {
            let path = concrete(&app, &fx, pattern).await;
            let before = state_fingerprint(&app).await;
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let mut req = client
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    app.url(&path),
                )
                .header("Authorization", format!("{scheme} {}", app.api_token));
            if *method == "POST" {
                req = req.form(&[
                    ("email", "nobody@example.com"),
                    ("password", "wrong password here"),
                    ("role", "admin"),
                    ("name", "Token Org"),
                    ("kind", "supplier"),
                    ("country", "JP"),
                    ("new_password", "another long password"),
                    ("current_password", PASSWORD),
                ]);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let after = state_fingerprint(&app).await;
            let signed_in_page = matches!(access, Access::SignedIn | Access::Needs(_));
            if signed_in_page && status != 403 {
                failures.push(format!(
                    "{scheme}: {method} {pattern}: {status}, expected 403"
                ));
            }
            // A fresh path may create a target (its own audit entry) before the call.
            if *method == "POST" && (before != after || (200..400).contains(&status)) {
                failures.push(format!(
                    "{scheme}: {method} {pattern}: {status}, state {before:?} → {after:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every known route with a method it does not have: 405 with `Allow` (never the
/// "missing from the permission table" refusal); `HEAD` answers like `GET`.
#[tokio::test]
async fn wrong_methods_are_405_with_allow_and_head_is_like_get() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let fx = fixture(&app).await;
    let patterns: BTreeSet<&str> = ROUTES.iter().map(|(_, p, _)| *p).collect();
    let mut failures = Vec::new();
    for pattern in patterns {
        let methods = hrdd_survey::auth::permissions::methods_for(pattern);
        let anon_get = EXPECTED
            .iter()
            .find(|(m, p, ..)| *m == "GET" && *p == pattern)
            .map(|(_, _, anon, ..)| *anon);
        for method in ["HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "GET", "POST"] {
            if methods.contains(&method) {
                continue;
            }
            let path = concrete(&app, &fx, pattern).await;
            let res = web_client()
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    app.url(&path),
                )
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|h| h.to_str().unwrap().to_string());
            match (method, anon_get) {
                ("HEAD", Some(get)) => {
                    if status != get {
                        failures.push(format!("HEAD {pattern}: {status}, GET gives {get}"));
                    }
                }
                // A form's address opened in a browser: the page the form is on.
                ("GET" | "HEAD", None) if !pattern.starts_with("/api/") && status == 303 => {
                    let page = location.unwrap_or_default();
                    if !(path.starts_with(&format!("{page}/")) && page.len() > 1) {
                        failures.push(format!("{method} {pattern}: 303 to {page:?}"));
                    }
                }
                _ => {
                    let allow = res
                        .headers()
                        .get("allow")
                        .map(|h| h.to_str().unwrap().to_string());
                    let mut expected: Vec<&str> = methods.clone();
                    if expected.contains(&"GET") {
                        expected.push("HEAD");
                    }
                    if status != 405 || allow.as_deref() != Some(expected.join(", ").as_str()) {
                        failures.push(format!("{method} {pattern}: {status}, Allow {allow:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let res = web_client().head(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200, "monitoring may use HEAD /health");
}

/// A mistyped staff address is a staff 404 with a way back to the overview, not the
/// supplier's dead-link page (found walking the staff pages); elsewhere the supplier's.
#[tokio::test]
async fn an_unknown_staff_address_is_a_staff_404() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    crate::auth::create_user(
        &app,
        "admin-404@example.com",
        Role::Admin,
        Some(crate::auth::PASSWORD),
    )
    .await;
    let admin = crate::auth::sign_in(&app, "admin-404@example.com", crate::auth::PASSWORD).await;
    let res = admin.get(&app, "/staff/no-such-page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("There is no staff page at this address."),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="/staff">Back to the overview</a>"#),
        "{html}"
    );
    assert!(!html.contains("invitation email"), "{html}");
    // Errors raised inside staff handlers are the staff page too, with their status:
    // a flag that does not exist, an id that is not one, a query that cannot be read.
    let missing_flag = format!("/staff/flags/{}", uuid::Uuid::new_v4());
    for (path, status, says) in [
        (
            missing_flag.as_str(),
            404,
            "There is no flag at this address",
        ),
        (
            "/staff/campaigns/not-an-id",
            404,
            "There is no campaign at this address",
        ),
        (
            "/staff/exports/audit?format=csv&format=xlsx",
            422,
            "format: given more than once",
        ),
        (
            "/staff/flags?band=critical&band=high",
            422,
            "band: given more than once",
        ),
        (
            "/staff/exports/audit?from=bad",
            400,
            "From: not a date (bad): use YYYY-MM-DD.",
        ),
        (
            "/staff/action-plans?show=nope",
            422,
            "<p>show: one of overdue, pending",
        ),
        (
            "/staff/organisations?page=abc",
            400,
            "A number in the address is not a whole number.",
        ),
    ] {
        let res = admin.get(&app, path).await;
        assert_eq!(res.status(), status, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{path}: {html}");
        assert!(
            html.contains(r#"<a href="/staff">Back to the overview</a>"#),
            "{path}: {html}"
        );
        assert!(!html.contains("見つかりません"), "{path}: {html}");
        // Inside the staff navigation, with the way to sign out.
        assert!(
            html.contains("Sign out") && html.contains(r#"href="/staff/flags""#),
            "{path}: {html}"
        );
    }
    let res = web_client()
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("invitation email"));
    // A supplier's page whose query cannot be read: the three-language page, not JSON.
    let token = "a".repeat(43);
    let res = web_client()
        .get(app.url(&format!("/r/{token}?lang=ja&lang=vi")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("受け付けられませんでした"));
    // The API keeps its JSON.
    let res = web_client()
        .get(app.url("/api/v1/organisations/not-an-id"))
        .bearer_auth(&app.api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

//! Staff sign-in and the security baseline, through HTTP: session cookies, one-time
//! passwords, CSRF on every kind of form, session revocation and timeouts, login
//! throttling, security headers, escaping of questionnaire texts, API tokens and the
//! audit trail of account changes.

use crate::helpers::{client_builder, fixtures_dir, hidden_csrf, web_client, TestApp};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::auth::token_sha256;
use hrdd_survey::db::audit::{self, Actor};
use hrdd_survey::db::schema::{
    answers, api_tokens, audit_log, login_attempts, organisations, staff_sessions, users,
};
use hrdd_survey::services::accounts;
use reqwest::{Client, Response, StatusCode};
use serde_json::json;
use std::path::Path;
use uuid::Uuid;

/// The password of the accounts these tests create.
pub const PASSWORD: &str = "correct horse battery staple";

/// A client without cookies, to replay a cookie by hand.
fn bare() -> Client {
    client_builder().build().unwrap()
}

/// Creates an account directly (as the system).
pub async fn create_user(app: &TestApp, email: &str, role: Role, password: Option<&str>) -> Uuid {
    let mut conn = app.state.pool.get().await.unwrap();
    let (user, one_time) = accounts::create_user(
        &mut conn,
        &app.state.audit_key,
        &Actor::System,
        email,
        "Test Person",
        role,
        password,
    )
    .await
    .unwrap();
    assert_eq!(one_time.is_some(), password.is_none());
    assert_eq!(user.must_change_password, password.is_none());
    user.id
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location header ({})", res.status()))
        .to_str()
        .unwrap()
        .to_string()
}

/// The raw `Set-Cookie` header for `name`, if the response sets it.
fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_string())
        .find(|h| h.starts_with(&format!("{name}=")))
}

/// Opens the sign-in page and posts the form (with the page's CSRF token).
pub async fn login(app: &TestApp, client: &Client, email: &str, password: &str) -> Response {
    login_to(app, client, email, password, None).await
}

async fn login_to(
    app: &TestApp,
    client: &Client,
    email: &str,
    password: &str,
    next: Option<&str>,
) -> Response {
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("email", email),
        ("password", password),
    ];
    if let Some(next) = next {
        form.push(("next", next));
    }
    client
        .post(app.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// A signed-in browser.
pub struct Session {
    pub client: Client,
    /// The session cookie's value.
    pub cookie: String,
    /// The session's CSRF token, as the staff pages print it.
    pub csrf: String,
}

impl Session {
    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        self.client.get(app.url(path)).send().await.unwrap()
    }

    /// Posts a staff form with the session's CSRF token.
    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// Signs in in a new browser; panics unless the password is accepted.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Session {
    let client = web_client();
    let res = login(app, &client, email, password).await;
    assert_eq!(res.status(), 303, "{email} signs in");
    let cookie = res
        .cookies()
        .find(|c| c.name() == "hrdd_session")
        .expect("a session cookie")
        .value()
        .to_string();
    // Every staff page (even the forced password change) carries the session's token.
    let page = client
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf = hidden_csrf(&page.text().await.unwrap());
    Session {
        client,
        cookie,
        csrf,
    }
}

/// GET with only `hrdd_session=<cookie>`, from a client that never saw the session.
async fn replay(app: &TestApp, cookie: &str, path: &str) -> Response {
    bare()
        .get(app.url(path))
        .header("Cookie", format!("hrdd_session={cookie}"))
        .send()
        .await
        .unwrap()
}

/// Whether the cookie still opens the staff area.
async fn session_works(app: &TestApp, cookie: &str) -> bool {
    let res = replay(app, cookie, "/staff").await;
    match res.status().as_u16() {
        200 => true,
        303 => {
            assert_eq!(location(&res), "/login?next=%2Fstaff");
            false
        }
        other => panic!("unexpected status {other} for /staff"),
    }
}

/// Creates an organisation through the JSON API with a session: (status, body).
async fn api_create_org(
    app: &TestApp,
    s: &Session,
    csrf_header: Option<&str>,
    name: &str,
) -> (StatusCode, serde_json::Value) {
    let mut req = s
        .client
        .post(app.url("/api/v1/organisations"))
        .json(&json!({"kind": "supplier", "name": name, "country": "JP"}));
    if let Some(h) = csrf_header {
        req = req.header("X-CSRF-Token", h);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

async fn organisation_count(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.conn().await;
    organisations::table
        .filter(organisations::name.eq(name))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

async fn session_row_update_times(
    app: &TestApp,
    cookie: &str,
    created: chrono::DateTime<Utc>,
    last_seen: chrono::DateTime<Utc>,
    expires: chrono::DateTime<Utc>,
) {
    let mut conn = app.db.conn().await;
    let n = diesel::update(
        staff_sessions::table.filter(staff_sessions::token_sha256.eq(token_sha256(cookie))),
    )
    .set((
        staff_sessions::created_at.eq(created),
        staff_sessions::last_seen_at.eq(last_seen),
        staff_sessions::expires_at.eq(expires),
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(n, 1, "the session row exists (only its hash is stored)");
}

// --- 1. Sign-in ------------------------------------------------------------------------

#[tokio::test]
async fn sign_in_sets_a_strict_session_cookie_and_a_wrong_password_is_401() {
    let app = TestApp::spawn().await;
    create_user(&app, "maria@example.com", Role::Procurement, Some(PASSWORD)).await;
    let client = web_client();

    // The sign-in page sets the anonymous CSRF cookie and repeats it in the form.
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf_cookie = set_cookie(&page, "hrdd_csrf").expect("hrdd_csrf cookie");
    assert!(csrf_cookie.contains("HttpOnly"), "{csrf_cookie}");
    let cookie_value = page
        .cookies()
        .find(|c| c.name() == "hrdd_csrf")
        .unwrap()
        .value()
        .to_string();
    let html = page.text().await.unwrap();
    assert_eq!(hidden_csrf(&html), cookie_value);
    assert!(cookie_value.len() >= 32);

    // Wrong password, unknown account: the same 401 page, no session.
    for (email, password) in [
        ("maria@example.com", "not the password at all"),
        ("nobody@example.com", PASSWORD),
    ] {
        let res = login(&app, &client, email, password).await;
        assert_eq!(res.status(), 401, "{email}");
        assert!(set_cookie(&res, "hrdd_session").is_none());
        let html = res.text().await.unwrap();
        assert!(html.contains("wrong email or password"), "{html}");
    }

    // The right password: 303 to /staff with the session cookie.
    let res = login(&app, &client, "Maria@Example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff");
    let raw = set_cookie(&res, "hrdd_session").expect("hrdd_session cookie");
    assert!(raw.contains("HttpOnly"), "{raw}");
    assert!(raw.contains("SameSite=Lax"), "{raw}");
    assert!(raw.contains("Path=/"), "{raw}");
    assert!(
        !raw.to_ascii_lowercase().contains("secure"),
        "no Secure on http: {raw}"
    );
    let cookie = res
        .cookies()
        .find(|c| c.name() == "hrdd_session")
        .unwrap()
        .value()
        .to_string();
    assert_eq!(cookie.len(), 43);

    // Only the cookie's hash is stored.
    let mut conn = app.db.conn().await;
    let stored: Vec<String> = staff_sessions::table
        .select(staff_sessions::token_sha256)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, vec![token_sha256(&cookie)]);

    let res = client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Welcome, Test Person"));

    // `next` is followed only to local paths.
    for (next, expected) in [
        ("/staff/flags", "/staff/flags"),
        ("//evil.example.com/x", "/staff"),
        ("https://evil.example.com/", "/staff"),
    ] {
        let res = login_to(
            &app,
            &web_client(),
            "maria@example.com",
            PASSWORD,
            Some(next),
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), expected, "next={next}");
    }
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let app = TestApp::spawn().await;
    let mut conn = app.state.pool.get().await.unwrap();
    let (user, one_time) = accounts::create_user(
        &mut conn,
        &app.state.audit_key,
        &Actor::System,
        "kenji@example.com",
        "Kenji",
        Role::Procurement,
        None,
    )
    .await
    .unwrap();
    drop(conn);
    let one_time = one_time.expect("a one-time password");
    assert!(user.must_change_password);

    let client = web_client();
    let res = login(&app, &client, "kenji@example.com", &one_time).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/password");
    let other = sign_in(&app, "kenji@example.com", &one_time).await;
    let first_page = client
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap();
    let html = first_page.text().await.unwrap();
    assert!(html.contains("Choose a new password before you continue"));
    let csrf = hidden_csrf(&html);

    // Pages and API calls that need a permission send them back to the password page,
    // and so does the overview.
    let res = client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/password");
    let res = client
        .get(app.url("/staff/organisations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/password");
    let res = client
        .post(app.url("/staff/organisations"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Sneaky"),
            ("kind", "supplier"),
            ("country", "JP"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/password");
    assert_eq!(organisation_count(&app, "Sneaky").await, 0);
    let res = client
        .get(app.url("/api/v1/templates"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // A new password that breaks the policy is refused and changes nothing.
    let res = client
        .post(app.url("/account/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", one_time.as_str()),
            ("new_password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(
            r#"<p class="error" id="new_password-error">Use at least 12 characters.</p>"#
        ),
        "the refusal is beside the new password: {html}"
    );
    assert!(
        html.contains(r#"aria-describedby="new_password-error""#),
        "{html}"
    );
    assert!(
        html.contains("<p>Nothing was saved: fix what is marked below.</p>"),
        "{html}"
    );
    // A wrong current password is said beside that field.
    let res = client
        .post(app.url("/account/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", "not the one-time password"),
            ("new_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(
            r#"<p class="error" id="current_password-error">This is not your current password.</p>"#
        ),
        "{html}"
    );
    assert!(!html.contains("new_password-error"), "{html}");

    let res = client
        .post(app.url("/account/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", one_time.as_str()),
            ("new_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Your password has been changed"));

    // This session goes on, now with access; the other one ended.
    let res = client
        .get(app.url("/staff/organisations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(!session_works(&app, &other.cookie).await);

    let mut conn = app.db.conn().await;
    let must: bool = users::table
        .find(user.id)
        .select(users::must_change_password)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(!must);

    assert_eq!(
        login(&app, &web_client(), "kenji@example.com", &one_time)
            .await
            .status(),
        401,
        "the one-time password no longer works"
    );
    let res = login(&app, &web_client(), "kenji@example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff");
}

// --- 2. CSRF ---------------------------------------------------------------------------

#[tokio::test]
async fn staff_forms_need_the_sessions_csrf_token() {
    let app = TestApp::spawn().await;
    create_user(&app, "proc@example.com", Role::Procurement, Some(PASSWORD)).await;
    create_user(&app, "other@example.com", Role::Procurement, Some(PASSWORD)).await;
    let s = sign_in(&app, "proc@example.com", PASSWORD).await;
    let stranger = sign_in(&app, "other@example.com", PASSWORD).await;
    assert_ne!(s.csrf, stranger.csrf);

    let fields = [
        ("name", "Forged Ltd"),
        ("kind", "supplier"),
        ("country", "JP"),
    ];
    let without = s
        .client
        .post(app.url("/staff/organisations"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    assert!(without.text().await.unwrap().contains("CSRF check failed"));
    for wrong in [
        "x".repeat(43),
        stranger.csrf.clone(),
        String::new(),
        s.cookie.clone(),
    ] {
        let mut form = vec![("csrf_token", wrong.as_str())];
        form.extend_from_slice(&fields);
        let res = s
            .client
            .post(app.url("/staff/organisations"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "token {wrong:?}");
    }
    // The token in a header does not help a form from elsewhere either when it is wrong.
    let res = s
        .client
        .post(app.url("/staff/organisations"))
        .header("X-CSRF-Token", stranger.csrf.as_str())
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(organisation_count(&app, "Forged Ltd").await, 0);

    let res = s.post(&app, "/staff/organisations", &fields).await;
    assert_eq!(res.status(), 303, "a new organisation opens its page");
    let page = s.get(&app, &location(&res)).await.text().await.unwrap();
    assert!(page.contains("Organisation added.") && page.contains("Forged Ltd"));
    assert_eq!(organisation_count(&app, "Forged Ltd").await, 1);

    // Logout is state-changing too: without the token the session survives.
    for form in [vec![], vec![("csrf_token", stranger.csrf.as_str())]] {
        let res = s
            .client
            .post(app.url("/logout"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
    }
    assert!(session_works(&app, &s.cookie).await);
    let res = s.post(&app, "/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert!(!session_works(&app, &s.cookie).await);
}

#[tokio::test]
async fn sign_in_needs_the_csrf_cookie_and_the_same_value_in_the_form() {
    let app = TestApp::spawn().await;
    create_user(&app, "ana@example.com", Role::Viewer, Some(PASSWORD)).await;
    let token = "a".repeat(43);

    // No cookie at all (a form posted from another site).
    let res = bare()
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ana@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(set_cookie(&res, "hrdd_session").is_none());

    // A cookie but no field, or a field that differs.
    for field in [None, Some("b".repeat(43)), Some(String::new())] {
        let mut form = vec![("email", "ana@example.com"), ("password", PASSWORD)];
        if let Some(f) = &field {
            form.push(("csrf_token", f.as_str()));
        }
        let res = bare()
            .post(app.url("/login"))
            .header("Cookie", format!("hrdd_csrf={token}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "field {field:?}");
        assert!(set_cookie(&res, "hrdd_session").is_none());
    }

    // A short cookie repeated in the field is not enough either.
    let res = bare()
        .post(app.url("/login"))
        .header("Cookie", "hrdd_csrf=abc")
        .form(&[
            ("csrf_token", "abc"),
            ("email", "ana@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // None of these reached the password check.
    let mut conn = app.db.conn().await;
    let attempts: i64 = login_attempts::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(attempts, 0);
    let sessions: i64 = staff_sessions::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(sessions, 0);

    // Cookie and field that match: accepted.
    let res = bare()
        .post(app.url("/login"))
        .header("Cookie", format!("hrdd_csrf={token}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ana@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_respondent_post_without_the_right_csrf_token_stores_nothing() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (org, contact) = app.supplier("Acme Sewing", "en").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let (org2, contact2) = app.supplier("Other Sewing", "en").await;
    let (other_link, _) = app.invite(&campaign, &org2, &contact2).await;
    let other_token = app.form_csrf(&other_link).await;
    let response = Uuid::parse_str(&response).unwrap();

    let post = |csrf: Option<String>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(c) = csrf {
            form = form.text("csrf_token", c);
        }
        form = form
            .text("headcount", "120")
            .text("notes", "forged")
            .text("action", "save");
        bare().post(app.url(&link)).multipart(form).send()
    };
    for csrf in [
        None,
        Some("0".repeat(64)),
        Some(other_token.clone()),
        Some(String::new()),
    ] {
        let res = post(csrf.clone()).await.unwrap();
        assert_eq!(res.status(), 403, "token {csrf:?}");
        assert!(res.text().await.unwrap().contains("CSRF check failed"));
    }
    let mut conn = app.db.conn().await;
    let stored: i64 = answers::table
        .filter(answers::response_id.eq(response))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored from refused posts");

    // The token printed in this link's form works (without any cookie).
    let res = post(Some(app.form_csrf(&link).await)).await.unwrap();
    assert_eq!(res.status(), 303);
    let stored: i64 = answers::table
        .filter(answers::response_id.eq(response))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(stored >= 2);
}

#[tokio::test]
async fn the_json_api_with_a_session_needs_the_csrf_header_but_a_token_does_not() {
    let app = TestApp::spawn().await;
    create_user(&app, "proc@example.com", Role::Procurement, Some(PASSWORD)).await;
    let s = sign_in(&app, "proc@example.com", PASSWORD).await;

    let (status, body) = api_create_org(&app, &s, None, "No Header").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "forbidden");
    let (status, _) = api_create_org(&app, &s, Some(&"z".repeat(43)), "Bad Header").await;
    assert_eq!(status, 403);
    assert_eq!(organisation_count(&app, "No Header").await, 0);
    assert_eq!(organisation_count(&app, "Bad Header").await, 0);

    let (status, body) = api_create_org(&app, &s, Some(&s.csrf), "With Header").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(organisation_count(&app, "With Header").await, 1);

    // Reads need no token.
    let res = s.get(&app, "/api/v1/templates").await;
    assert_eq!(res.status(), 200);

    // A Bearer token is not sent by browsers on their own: no CSRF token needed.
    let res = bare()
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&app.api_token)
        .json(&json!({"kind": "supplier", "name": "By Token", "country": "JP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(organisation_count(&app, "By Token").await, 1);

    // The audit log names who did it: the staff member, or the token.
    let mut conn = app.db.conn().await;
    let user_id: Uuid = users::table
        .filter(users::email.eq("proc@example.com"))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap();
    let token_id: Uuid = api_tokens::table
        .filter(api_tokens::token_sha256.eq(token_sha256(&app.api_token)))
        .select(api_tokens::id)
        .first(&mut conn)
        .await
        .unwrap();
    let actors: Vec<(String, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("organisation.created"))
        .order(audit_log::id.asc())
        .select((audit_log::actor_kind, audit_log::actor_id))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        actors,
        [
            ("staff".to_string(), Some(user_id.to_string())),
            ("api".to_string(), Some(token_id.to_string())),
        ]
    );
}

// --- 3. Session revocation -------------------------------------------------------------

#[tokio::test]
async fn logout_ends_the_session_for_whoever_holds_the_cookie() {
    let app = TestApp::spawn().await;
    create_user(&app, "lee@example.com", Role::Viewer, Some(PASSWORD)).await;
    let s = sign_in(&app, "lee@example.com", PASSWORD).await;
    assert!(session_works(&app, &s.cookie).await);
    assert_eq!(
        replay(&app, &s.cookie, "/api/v1/templates").await.status(),
        200
    );

    let res = s.post(&app, "/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    let removal = set_cookie(&res, "hrdd_session").expect("the cookie is removed");
    assert!(
        removal.contains("Max-Age=0") || removal.contains("expires=Thu, 01 Jan 1970"),
        "{removal}"
    );

    // The old value, replayed from elsewhere, is dead.
    assert!(!session_works(&app, &s.cookie).await);
    let res = replay(&app, &s.cookie, "/staff/organisations").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=%2Fstaff%2Forganisations");
    assert_eq!(
        replay(&app, &s.cookie, "/api/v1/templates").await.status(),
        401
    );
    let mut conn = app.db.conn().await;
    let revoked: Option<chrono::DateTime<Utc>> = staff_sessions::table
        .filter(staff_sessions::token_sha256.eq(token_sha256(&s.cookie)))
        .select(staff_sessions::revoked_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(revoked.is_some());
}

#[tokio::test]
async fn sign_out_everywhere_else_keeps_only_the_current_session() {
    let app = TestApp::spawn().await;
    create_user(&app, "sam@example.com", Role::Committee, Some(PASSWORD)).await;
    create_user(
        &app,
        "bystander@example.com",
        Role::Committee,
        Some(PASSWORD),
    )
    .await;
    let here = sign_in(&app, "sam@example.com", PASSWORD).await;
    let laptop = sign_in(&app, "sam@example.com", PASSWORD).await;
    let phone = sign_in(&app, "sam@example.com", PASSWORD).await;
    let bystander = sign_in(&app, "bystander@example.com", PASSWORD).await;

    // Without the token nothing happens.
    let res = here
        .client
        .post(app.url("/account/sessions/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(session_works(&app, &laptop.cookie).await);

    let res = here.post(&app, "/account/sessions/revoke", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/password");
    assert!(session_works(&app, &here.cookie).await);
    assert!(!session_works(&app, &laptop.cookie).await);
    assert!(!session_works(&app, &phone.cookie).await);
    assert!(
        session_works(&app, &bystander.cookie).await,
        "other users keep theirs"
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = TestApp::spawn().await;
    create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    let target = create_user(
        &app,
        "leaver@example.com",
        Role::Procurement,
        Some(PASSWORD),
    )
    .await;
    let admin = sign_in(&app, "boss@example.com", PASSWORD).await;
    let leaver = sign_in(&app, "leaver@example.com", PASSWORD).await;
    let (status, _) = api_create_org(&app, &leaver, Some(&leaver.csrf), "Before").await;
    assert_eq!(status, 201);

    let res = admin
        .post(&app, &format!("/staff/users/{target}/disable"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff/users");

    assert!(!session_works(&app, &leaver.cookie).await);
    let (status, _) = api_create_org(&app, &leaver, Some(&leaver.csrf), "After").await;
    assert_eq!(status, 401);
    assert_eq!(organisation_count(&app, "After").await, 0);
    let res = login(&app, &web_client(), "leaver@example.com", PASSWORD).await;
    assert_eq!(res.status(), 401, "a disabled account cannot sign in");

    // Enabled again, they sign in anew; the old session stays ended.
    let res = admin
        .post(&app, &format!("/staff/users/{target}/enable"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(!session_works(&app, &leaver.cookie).await);
    let again = sign_in(&app, "leaver@example.com", PASSWORD).await;
    assert!(session_works(&app, &again.cookie).await);

    // An admin cannot disable themselves.
    let me: Uuid = {
        let mut conn = app.db.conn().await;
        users::table
            .filter(users::email.eq("boss@example.com"))
            .select(users::id)
            .first(&mut conn)
            .await
            .unwrap()
    };
    let res = admin
        .post(&app, &format!("/staff/users/{me}/disable"), &[])
        .await;
    assert_eq!(res.status(), 409);
    assert!(session_works(&app, &admin.cookie).await);
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    let target = create_user(&app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    let admin = sign_in(&app, "boss@example.com", PASSWORD).await;
    let buyer = sign_in(&app, "buyer@example.com", PASSWORD).await;

    let (status, _) = api_create_org(&app, &buyer, Some(&buyer.csrf), "As Buyer").await;
    assert_eq!(status, 201);

    let res = admin
        .post(
            &app,
            &format!("/staff/users/{target}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Same session, same CSRF token: the new role applies at once.
    let (status, body) = api_create_org(&app, &buyer, Some(&buyer.csrf), "As Viewer").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(organisation_count(&app, "As Viewer").await, 0);
    let res = buyer
        .post(
            &app,
            "/staff/organisations",
            &[
                ("name", "Form Viewer"),
                ("kind", "supplier"),
                ("country", "JP"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(buyer.get(&app, "/staff/organisations").await.status(), 200);
    let page = buyer.get(&app, "/staff").await.text().await.unwrap();
    assert!(page.contains("Test Person · viewer"), "{page}");

    // And back.
    let res = admin
        .post(
            &app,
            &format!("/staff/users/{target}/role"),
            &[("role", "procurement")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, _) = api_create_org(&app, &buyer, Some(&buyer.csrf), "Buyer Again").await;
    assert_eq!(status, 201);
}

// --- 4. Timeouts -----------------------------------------------------------------------

#[tokio::test]
async fn a_session_idle_for_more_than_30_minutes_ends() {
    let app = TestApp::spawn().await;
    create_user(&app, "idle@example.com", Role::Viewer, Some(PASSWORD)).await;
    let s = sign_in(&app, "idle@example.com", PASSWORD).await;
    let now = Utc::now();

    // 29 minutes idle: still alive, and the use refreshes the idle clock.
    session_row_update_times(
        &app,
        &s.cookie,
        now - Duration::hours(1),
        now - Duration::minutes(29),
        now + Duration::hours(11),
    )
    .await;
    assert!(session_works(&app, &s.cookie).await);
    let mut conn = app.db.conn().await;
    let seen: chrono::DateTime<Utc> = staff_sessions::table
        .filter(staff_sessions::token_sha256.eq(token_sha256(&s.cookie)))
        .select(staff_sessions::last_seen_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(
        seen > now - Duration::minutes(1),
        "last_seen_at refreshed: {seen}"
    );

    // 31 minutes idle: ended, for pages and the API.
    session_row_update_times(
        &app,
        &s.cookie,
        now - Duration::hours(1),
        now - Duration::minutes(31),
        now + Duration::hours(11),
    )
    .await;
    assert!(!session_works(&app, &s.cookie).await);
    assert_eq!(
        replay(&app, &s.cookie, "/api/v1/templates").await.status(),
        401
    );
    // A failed use does not revive it.
    assert!(!session_works(&app, &s.cookie).await);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_expiry_even_while_in_use() {
    let app = TestApp::spawn().await;
    create_user(&app, "busy@example.com", Role::Viewer, Some(PASSWORD)).await;
    let s = sign_in(&app, "busy@example.com", PASSWORD).await;
    let now = Utc::now();

    // Signed in 12 hours ago, used a second ago: over.
    session_row_update_times(
        &app,
        &s.cookie,
        now - Duration::hours(12),
        now - Duration::seconds(1),
        now - Duration::seconds(1),
    )
    .await;
    assert!(!session_works(&app, &s.cookie).await);
    assert_eq!(
        replay(&app, &s.cookie, "/api/v1/templates").await.status(),
        401
    );

    // A fresh sign-in gives a new, working session.
    let again = sign_in(&app, "busy@example.com", PASSWORD).await;
    assert_ne!(again.cookie, s.cookie);
    assert!(session_works(&app, &again.cookie).await);
}

// --- 5. Throttling ---------------------------------------------------------------------

/// Moves every recorded attempt `by` into the past.
async fn age_attempts(app: &TestApp, by: Duration) {
    let mut conn = app.db.conn().await;
    diesel::update(login_attempts::table)
        .set(login_attempts::at.eq(login_attempts::at - by))
        .execute(&mut conn)
        .await
        .unwrap();
}

/// The N of "try again in N seconds" on a 429 page.
async fn wait_of(res: Response) -> i64 {
    assert_eq!(res.status(), 429);
    let html = res.text().await.unwrap();
    let marker = "try again in ";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no \"try again in\": {html}"))
        + marker.len();
    let digits: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().unwrap()
}

#[tokio::test]
async fn wrong_passwords_slow_an_account_down_without_locking_it_out() {
    let app = TestApp::spawn().await;
    create_user(&app, "target@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = web_client();

    for i in 1..=3 {
        let res = login(&app, &client, "target@example.com", "wrong password!!").await;
        assert_eq!(res.status(), 401, "failure {i} is answered normally");
    }
    // Right away: the 4th attempt must wait, and so must the right password.
    let res = login(&app, &client, "target@example.com", "wrong password!!").await;
    assert_eq!(wait_of(res).await, 1);
    let res = login(&app, &client, "target@example.com", PASSWORD).await;
    assert!(set_cookie(&res, "hrdd_session").is_none());
    assert_eq!(wait_of(res).await, 1);
    // From another address-independent angle: the throttle is per account, whatever
    // the case of the email.
    let res = login(&app, &web_client(), "TARGET@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);

    // After the delay (attempts moved into the past) another failure is answered, and
    // the next delay is longer.
    age_attempts(&app, Duration::minutes(2)).await;
    let res = login(&app, &client, "target@example.com", "wrong password!!").await;
    assert_eq!(res.status(), 401);
    let res = login(&app, &client, "target@example.com", PASSWORD).await;
    let wait = wait_of(res).await;
    assert!((1..=2).contains(&wait), "4 failures wait up to 2 s: {wait}");

    // Not a lock-out: once the delay is over the right password works…
    age_attempts(&app, Duration::minutes(2)).await;
    let res = login(&app, &client, "target@example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
    // …and the success resets the count.
    let res = login(
        &app,
        &web_client(),
        "target@example.com",
        "wrong password!!",
    )
    .await;
    assert_eq!(res.status(), 401);

    // Refused attempts are not recorded as failures.
    let mut conn = app.db.conn().await;
    let failures: i64 = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(failures, 5);
}

#[tokio::test]
async fn ten_failures_from_one_address_over_different_emails_slow_that_address_down() {
    let app = TestApp::spawn().await;
    create_user(&app, "real@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = web_client();
    for i in 0..10 {
        let res = login(
            &app,
            &client,
            &format!("guess{i}@example.com"),
            "some password 123",
        )
        .await;
        assert_eq!(res.status(), 401, "failure {i}");
    }
    let res = login(&app, &client, "guess10@example.com", "some password 123").await;
    assert_eq!(wait_of(res).await, 1);
    // Every account is behind the same wait from this address, even with its password.
    let res = login(&app, &web_client(), "real@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);

    age_attempts(&app, Duration::minutes(2)).await;
    let res = login(&app, &client, "real@example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);
}

// --- 7. Headers ------------------------------------------------------------------------

fn assert_security_headers(res: &Response, what: &str) {
    let h = res.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(!csp.contains("'unsafe-inline'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(
        h.get("referrer-policy").map(|v| v.to_str().unwrap()),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
}

#[tokio::test]
async fn security_headers_are_on_every_kind_of_response() {
    let app = TestApp::spawn().await;
    create_user(&app, "h@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = bare();
    let cases: [(&str, u16); 8] = [
        ("/", 200),
        ("/login", 200),
        ("/password/reset", 200),
        ("/staff", 303),
        ("/api/v1/templates", 401),
        ("/static/app.css", 200),
        ("/health", 200),
        ("/r/QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", 404),
    ];
    for (path, status) in cases {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        assert_security_headers(&res, path);
    }
    let res = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 303, "anonymous logout goes to sign-in");
    assert_security_headers(&res, "anonymous POST /logout");
    let res = client
        .post(app.url("/login"))
        .form(&[("email", "h@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_security_headers(&res, "CSRF refusal");
    let res = login(&app, &web_client(), "h@example.com", "wrong password!!").await;
    assert_eq!(res.status(), 401);
    assert_security_headers(&res, "failed sign-in");
    let s = sign_in(&app, "h@example.com", PASSWORD).await;
    let res = s.get(&app, "/staff/users").await;
    assert_eq!(res.status(), 403);
    assert_security_headers(&res, "staff 403");
    let res = s.get(&app, "/staff").await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res, "staff page");
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "no HSTS on an http:// address"
    );
}

/// Behind an https:// address every answer tells the browser to use https only, so a
/// personal link typed or followed as http:// never travels in clear again.
#[tokio::test]
async fn an_https_address_sends_hsts() {
    let app = TestApp::spawn_with_settings(
        &crate::helpers::fixtures_dir(),
        &[("HRDD_PUBLIC_URL", "https://survey.example.com".into())],
    )
    .await;
    for path in [
        "/",
        "/login",
        "/r/QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
    ] {
        let res = bare().get(app.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
}

// --- 8. Escaping -----------------------------------------------------------------------

const SCRIPT: &str = r#"<script>alert("x")</script>"#;
const IMG: &str = r#""><img src=x onerror=alert(1)>"#;

/// Undoes HTML escaping (named and numeric references of the five special characters).
fn unescape(html: &str) -> String {
    [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_string(), |s, (from, to)| s.replace(from, to))
}

fn assert_no_raw_markup(html: &str, what: &str) {
    assert!(!html.contains(SCRIPT), "{what}: raw script\n{html}");
    assert!(!html.contains(IMG), "{what}: raw img\n{html}");
    assert!(!html.contains("<img"), "{what}: an img element\n{html}");
    assert!(!html.contains("<script>alert"), "{what}\n{html}");
    assert!(!html.contains("onerror=alert(1)>"), "{what}\n{html}");
}

#[tokio::test]
async fn questionnaire_texts_with_markup_are_shown_escaped() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss");
    let app = TestApp::spawn_with_templates(&dir).await;
    let campaign = app.campaign("xss").await;
    let (org, contact) = app.supplier("Escaping Ltd", "en").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;

    let res = app.get(&format!("{link}/s/1")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_no_raw_markup(&html, "form");
    let shown = unescape(&html);
    for prefix in [
        "Title",
        "Description",
        "Section",
        "Section help",
        "Label",
        "Help",
        "Unit",
        "Choice question",
        "Choice help",
        "Choice one",
        "Choice two",
        "Multiple",
        "Topic A",
        "Topic B",
        "Notes",
        "Notes help",
        "Group",
        "Group help",
        "Fee",
        "Fee unit",
        "Status",
        "Licensed",
        "Unlicensed",
    ] {
        let text = format!("{prefix} {SCRIPT} {IMG}");
        assert!(
            shown.contains(&text),
            "{prefix}: the text is shown (escaped)\n{html}"
        );
    }
    assert!(
        html.matches("&#60;script&#62;").count() + html.matches("&lt;script&gt;").count() >= 23,
        "every text is escaped, not dropped"
    );

    // The form with errors and the home page's list of questionnaires, too.
    let res = app
        .post_form(&link, &[("workers", "not a number")], "save")
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_no_raw_markup(&html, "form with errors");
    assert!(unescape(&html).contains(&format!("Label {SCRIPT} {IMG}")));

    let html = app.get("/").await.text().await.unwrap();
    assert_no_raw_markup(&html, "home page");
    assert!(unescape(&html).contains(&format!("Title {SCRIPT} {IMG}")));
}

// --- 9. API tokens ---------------------------------------------------------------------

/// The secret revealed on the API-tokens page.
fn revealed_secret(html: &str) -> Option<String> {
    let marker = r#"<code class="secret">"#;
    let start = html.find(marker)? + marker.len();
    let end = start + html[start..].find("</code>")?;
    Some(html[start..end].to_string())
}

#[tokio::test]
async fn an_admin_creates_an_api_token_that_acts_with_its_role_until_revoked() {
    let app = TestApp::spawn().await;
    create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    let admin = sign_in(&app, "boss@example.com", PASSWORD).await;

    // Without the session's CSRF token no token is made.
    let res = admin
        .client
        .post(app.url("/staff/api-tokens"))
        .form(&[("name", "ERP sync"), ("role", "viewer")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let res = admin
        .post(
            &app,
            "/staff/api-tokens",
            &[("name", "ERP sync"), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("shown only once"));
    let secret = revealed_secret(&html).expect("the token is shown");
    assert_eq!(secret.len(), 43);

    // Shown once: the list does not show it again, and only its hash is stored.
    let html = admin
        .get(&app, "/staff/api-tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("ERP sync"));
    assert!(!html.contains(&secret));
    assert!(revealed_secret(&html).is_none());
    let mut conn = app.db.conn().await;
    let (id, hash, role, used): (Uuid, String, String, Option<chrono::DateTime<Utc>>) =
        api_tokens::table
            .filter(api_tokens::name.eq("ERP sync"))
            .select((
                api_tokens::id,
                api_tokens::token_sha256,
                api_tokens::role,
                api_tokens::last_used_at,
            ))
            .first(&mut conn)
            .await
            .unwrap();
    assert_eq!(hash, token_sha256(&secret));
    assert_eq!(role, "viewer");
    assert!(used.is_none());

    // It acts as a viewer.
    let client = bare();
    let res = client
        .get(app.url("/api/v1/templates"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&secret)
        .json(&json!({"kind": "supplier", "name": "Viewer Org", "country": "JP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(organisation_count(&app, "Viewer Org").await, 0);
    // A token is for the API, not the staff pages.
    let res = client
        .get(app.url("/staff"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let used: Option<chrono::DateTime<Utc>> = api_tokens::table
        .find(id)
        .select(api_tokens::last_used_at)
        .first(&mut conn)
        .await
        .unwrap();
    let used = used.expect("last_used_at is recorded");
    assert!(Utc::now() - used < Duration::minutes(1));

    // Revoked: 401 from then on.
    let res = admin
        .post(&app, &format!("/staff/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff/api-tokens");
    let res = client
        .get(app.url("/api/v1/templates"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Revoking twice is a 404, not a second audit entry.
    let res = admin
        .post(&app, &format!("/staff/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), 404);

    let actions: Vec<String> = audit_log::table
        .filter(audit_log::subject_id.eq(id.to_string()))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(actions, ["api_token.created", "api_token.revoked"]);
}

// --- 10. Audit -------------------------------------------------------------------------

#[tokio::test]
async fn sign_ins_and_account_changes_are_in_the_audit_log_and_the_chain_holds() {
    let app = TestApp::spawn().await;
    let admin_id = create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    let admin = sign_in(&app, "boss@example.com", PASSWORD).await;

    // An admin adds a user through the users page: a one-time password is shown once.
    let res = admin
        .post(
            &app,
            "/staff/users",
            &[
                ("email", "new.hire@example.com"),
                ("name", "New Hire"),
                ("role", "committee"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let one_time = revealed_secret(&res.text().await.unwrap()).expect("one-time password");
    let mut conn = app.db.conn().await;
    let user_id: Uuid = users::table
        .filter(users::email.eq("new.hire@example.com"))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap();

    assert_eq!(
        login(&app, &web_client(), "new.hire@example.com", "not it at all")
            .await
            .status(),
        401
    );
    assert_eq!(
        login(&app, &web_client(), "nobody@example.com", "not it at all")
            .await
            .status(),
        401
    );
    let res = login(&app, &web_client(), "new.hire@example.com", &one_time).await;
    assert_eq!(res.status(), 303);
    for (path, form) in [
        (
            format!("/staff/users/{user_id}/role"),
            vec![("role", "viewer")],
        ),
        (format!("/staff/users/{user_id}/disable"), vec![]),
        (format!("/staff/users/{user_id}/enable"), vec![]),
    ] {
        let res = admin.post(&app, &path, &form).await;
        assert_eq!(res.status(), 303, "{path}");
    }

    type Row = (String, String, Option<String>, serde_json::Value);
    let entries: Vec<Row> = audit_log::table
        .filter(audit_log::subject_id.eq(user_id.to_string()))
        .order(audit_log::id.asc())
        .select((
            audit_log::action,
            audit_log::actor_kind,
            audit_log::actor_id,
            audit_log::details,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "login.failed",
            "login.succeeded",
            "user.role_changed",
            "user.disabled",
            "user.enabled",
        ]
    );
    let admin_actor = Some(admin_id.to_string());
    for (action, kind, actor, details) in &entries {
        match action.as_str() {
            "user.created" | "user.role_changed" | "user.disabled" | "user.enabled" => {
                assert_eq!((kind.as_str(), actor), ("staff", &admin_actor), "{action}")
            }
            "login.succeeded" => {
                assert_eq!(
                    (kind.as_str(), actor),
                    ("staff", &Some(user_id.to_string()))
                )
            }
            "login.failed" => assert_eq!(kind, "system"),
            _ => unreachable!(),
        }
        match action.as_str() {
            "user.created" => {
                assert_eq!(
                    details,
                    &json!({"email": "new.hire@example.com", "role": "committee"})
                )
            }
            "user.role_changed" => {
                assert_eq!(
                    details,
                    &json!({"from": "committee", "to": "viewer", "api_tokens_revoked": 0})
                )
            }
            "user.disabled" => assert_eq!(details["sessions_ended"], 1),
            "login.failed" => assert_eq!(details["email"], "new.hire@example.com"),
            _ => {}
        }
    }
    // The failure for an unknown address is recorded under the address.
    let unknown: Vec<String> = audit_log::table
        .filter(audit_log::subject_id.eq("nobody@example.com"))
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(unknown, ["login.failed"]);
    // The admin's own sign-in too, and no password anywhere in the log.
    let admin_logins: i64 = audit_log::table
        .filter(audit_log::subject_id.eq(admin_id.to_string()))
        .filter(audit_log::action.eq("login.succeeded"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(admin_logins, 1);
    let all: Vec<serde_json::Value> = audit_log::table
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    for d in &all {
        let text = d.to_string();
        assert!(
            !text.contains(PASSWORD) && !text.contains(&one_time),
            "{text}"
        );
    }

    let total: i64 = audit_log::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        audit::verify_chain(&mut conn, &app.state.audit_key)
            .await
            .unwrap(),
        Ok(total as usize)
    );

    // The committee's audit page says the same; a viewer may not open it.
    let page = admin.get(&app, "/staff/audit").await.text().await.unwrap();
    assert!(page.contains("matches its signed head"), "{page}");
}

//! Issue 6, authentication items: throttling that never locks the real user out and
//! cannot be raced, argon2 off the request workers, redirects after sign-in, reset links
//! (neutral requests, spent by any new password), `Cache-Control`, large forms, and the
//! `bearer` scheme.

use crate::auth::{create_user, location, login, sign_in, PASSWORD};
use crate::helpers::{client_builder, hidden_csrf, TestApp};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::auth::token_sha256;
use hrdd_survey::db::schema::{jobs, login_attempts, password_reset_tokens, users};
use reqwest::Client;
use std::net::IpAddr;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// A browser whose connections come from `ip` (any 127.0.0.0/8 address is loopback).
fn browser_from(ip: &str) -> Client {
    client_builder()
        .cookie_store(true)
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Failed sign-ins recorded for any of `emails`, read on `conn` (a waiting loop keeps
/// one connection instead of opening one for each email at every turn).
async fn failures_recorded(conn: &mut AsyncPgConnection, emails: &[&str]) -> i64 {
    login_attempts::table
        .filter(login_attempts::email.eq_any(emails))
        .filter(login_attempts::succeeded.eq(false))
        .count()
        .get_result(conn)
        .await
        .unwrap()
}

/// Stores a reset token for `user` directly (the link a reset email would carry).
async fn reset_link(app: &TestApp, user: uuid::Uuid) -> String {
    let token = hrdd_survey::auth::new_token();
    let mut conn = app.db.conn().await;
    diesel::insert_into(password_reset_tokens::table)
        .values((
            password_reset_tokens::token_sha256.eq(token_sha256(&token)),
            password_reset_tokens::user_id.eq(user),
            password_reset_tokens::expires_at.eq(Utc::now() + Duration::minutes(30)),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    format!("/password/reset/{token}")
}

/// Opens a reset link and posts a new password: the status of the post.
async fn use_reset_link(app: &TestApp, client: &Client, path: &str, new_password: &str) -> u16 {
    let page = client.get(app.url(path)).send().await.unwrap();
    if page.status() != 200 {
        return page.status().as_u16();
    }
    let csrf = hidden_csrf(&page.text().await.unwrap());
    client
        .post(app.url(path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("new_password", new_password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

// --- 3. No lock-out -------------------------------------------------------------------

#[tokio::test]
async fn an_attacker_elsewhere_never_delays_the_real_user() {
    let app = TestApp::spawn().await;
    let id = create_user(&app, "target@example.com", Role::Viewer, Some(PASSWORD)).await;

    // The attacker, from 127.0.0.2, has failed 7 times (50 minutes ago, so that delay
    // is over) and fails once more: the next attempt from there waits 32 s, even with
    // the right password…
    {
        let mut conn = app.db.conn().await;
        let rows: Vec<_> = (0..7)
            .map(|_| {
                (
                    login_attempts::email.eq("target@example.com"),
                    login_attempts::ip.eq("127.0.0.2"),
                    login_attempts::succeeded.eq(false),
                    login_attempts::at.eq(Utc::now() - Duration::minutes(50)),
                )
            })
            .collect();
        diesel::insert_into(login_attempts::table)
            .values(rows)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let attacker = browser_from("127.0.0.2");
    let res = login(&app, &attacker, "target@example.com", "wrong password!!").await;
    assert_eq!(res.status(), 401);
    let res = login(&app, &attacker, "target@example.com", PASSWORD).await;
    assert_eq!(
        res.status(),
        429,
        "the attacker's address waits, even with the password"
    );
    // …while the real user, from an address that has not failed, signs in at once.
    let user = browser_from("127.0.0.1");
    let res = login(&app, &user, "target@example.com", PASSWORD).await;
    assert_eq!(res.status(), 303);

    // A distributed attack: 100 failures from other addresses within the hour start an
    // account-wide delay for addresses the account has not signed in from…
    {
        let mut conn = app.db.conn().await;
        let rows: Vec<_> = (0..100)
            .map(|i| {
                (
                    login_attempts::email.eq("target@example.com"),
                    login_attempts::ip.eq(format!("10.0.{}.{}", i / 200, i % 200)),
                    login_attempts::succeeded.eq(false),
                )
            })
            .collect();
        diesel::insert_into(login_attempts::table)
            .values(rows)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let newcomer = browser_from("127.0.0.3");
    let res = login(&app, &newcomer, "target@example.com", PASSWORD).await;
    assert_eq!(
        res.status(),
        429,
        "a new address waits during a distributed attack"
    );
    // …but not for the address the user signed in from before.
    let res = login(
        &app,
        &browser_from("127.0.0.1"),
        "target@example.com",
        PASSWORD,
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "a known address is never delayed by others"
    );

    // A completed password reset clears the account's delay.
    let link = reset_link(&app, id).await;
    assert_eq!(
        use_reset_link(&app, &newcomer, &link, NEW_PASSWORD).await,
        303
    );
    let res = login(&app, &newcomer, "target@example.com", NEW_PASSWORD).await;
    assert_eq!(
        res.status(),
        303,
        "after the reset the new address signs in"
    );
}

// --- 4. Races and argon2 --------------------------------------------------------------

#[tokio::test]
async fn thirty_parallel_wrong_passwords_get_exactly_the_allowed_password_checks() {
    let app = TestApp::spawn().await;
    create_user(&app, "raced@example.com", Role::Viewer, Some(PASSWORD)).await;
    // Seven failures 50 minutes ago: their delay (16 s) is over, so exactly one more
    // check is allowed now, after which the next must wait 32 s, far longer than the
    // burst takes even on a busy machine.
    {
        let mut conn = app.db.conn().await;
        let rows: Vec<_> = (0..7)
            .map(|_| {
                (
                    login_attempts::email.eq("raced@example.com"),
                    login_attempts::ip.eq("127.0.0.1"),
                    login_attempts::succeeded.eq(false),
                    login_attempts::at.eq(Utc::now() - Duration::minutes(50)),
                )
            })
            .collect();
        diesel::insert_into(login_attempts::table)
            .values(rows)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let client = browser_from("127.0.0.1");
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let attempts = (0..30).map(|_| {
        let (client, url, csrf) = (client.clone(), app.url("/login"), csrf.clone());
        tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("email", "raced@example.com"),
                    ("password", "wrong password!!"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for a in attempts.collect::<Vec<_>>() {
        statuses.push(a.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (1, 29), "{statuses:?}");
    assert_eq!(
        failures_recorded(&mut app.db.conn().await, &["raced@example.com"]).await,
        8
    );
}

/// A PHC string for `password` whose check takes long (t = 250 instead of 2).
fn slow_hash(password: &str) -> String {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let params = argon2::Params::new(19 * 1024, 250, 1, None).unwrap();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn health_answers_while_password_checks_run() {
    let app = TestApp::spawn().await;
    let slow = slow_hash(PASSWORD);
    let emails = ["slow1@example.com", "slow2@example.com"];
    for email in emails {
        let id = create_user(&app, email, Role::Viewer, Some(PASSWORD)).await;
        let mut conn = app.db.conn().await;
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(&slow))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    // Two sign-ins: as many as the server has workers (and hashing slots).
    let mut sign_ins = Vec::new();
    for email in emails {
        let client = browser_from("127.0.0.1");
        let page = client.get(app.url("/login")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        let url = app.url("/login");
        sign_ins.push(tokio::spawn(async move {
            let started = std::time::Instant::now();
            let res = client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("email", email),
                    ("password", "wrong password!!"),
                ])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), started.elapsed())
        }));
    }
    // Both have passed the throttle (their attempts are recorded just before the check).
    let waiting = std::time::Instant::now();
    let mut conn = app.db.conn().await;
    while failures_recorded(&mut conn, &emails).await < 2 {
        if waiting.elapsed() > std::time::Duration::from_secs(20) {
            // What the sign-ins that already ended were answered, for the failure's message.
            let finished: Vec<bool> = sign_ins.iter().map(|s| s.is_finished()).collect();
            let mut answers = Vec::new();
            for s in sign_ins.into_iter().filter(|s| s.is_finished()) {
                answers.push(format!("{:?}", s.await));
            }
            panic!("the two sign-ins were not recorded within 20 s; finished {finished:?}: {answers:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    drop(conn);
    let started = std::time::Instant::now();
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    let health_took = started.elapsed();
    assert_eq!(health.status(), 200, "health after {health_took:?}");
    // Had health waited for a worker busy with a check, it would answer only after that
    // check ended: both still running proves the checks are off the workers, with no
    // timing constant to tune (a check takes about 2 s alone, far longer on a busy CI).
    let pending = sign_ins.iter().filter(|s| !s.is_finished()).count();
    assert_eq!(
        pending, 2,
        "health answered in {health_took:?}, while both password checks ran"
    );
    for s in sign_ins {
        let (status, took) = s.await.unwrap();
        assert_eq!(status, 401, "a check that took {took:?}");
    }
}

// --- 7. Redirect after sign-in --------------------------------------------------------

#[tokio::test]
async fn sign_in_redirects_only_to_a_local_path() {
    let app = TestApp::spawn().await;
    create_user(&app, "nav@example.com", Role::Viewer, Some(PASSWORD)).await;
    // `next` as the raw (form-encoded) value the browser posts.
    for (raw_next, expected) in [
        ("%2Fstaff%2Fflags", "/staff/flags"),
        ("%2F%09%2Fevil.example", "/staff"),
        ("%2F%2509%2Fevil.example", "/staff"),
        ("%2F%2Fevil", "/staff"),
        ("%2F%5Cevil", "/staff"),
        ("%2F%0A", "/staff"),
        ("%2Fstaff%0D%0ASet-Cookie:%20x=1", "/staff"),
        ("https%3A%2F%2Fevil.example", "/staff"),
    ] {
        let client = browser_from("127.0.0.1");
        let page = client.get(app.url("/login")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        let body = format!(
            "csrf_token={csrf}&email=nav%40example.com&password={}&next={raw_next}",
            PASSWORD.replace(' ', "+")
        );
        let res = client
            .post(app.url("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "next={raw_next}");
        assert_eq!(location(&res), expected, "next={raw_next}");
    }
}

// --- 8 and 9. Reset links -------------------------------------------------------------

#[tokio::test]
async fn reset_requests_do_the_same_work_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    let id = create_user(&app, "known@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = browser_from("127.0.0.1");
    let mut answers = Vec::new();
    for email in ["known@example.com", "unknown@example.com"] {
        let page = client.get(app.url("/password/reset")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        let res = client
            .post(app.url("/password/reset"))
            .form(&[("csrf_token", csrf.as_str()), ("email", email)])
            .send()
            .await
            .unwrap();
        answers.push((res.status().as_u16(), res.text().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1], "the same answer for both");
    assert_eq!(answers[0].0, 200);
    // The request only queued the address (a `password_reset` job), for both alike.
    let mut conn = app.db.conn().await;
    let queued: Vec<serde_json::Value> = jobs::table
        .filter(jobs::kind.eq("password_reset"))
        .order(jobs::created_at.asc())
        .select(jobs::payload)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        queued,
        [
            serde_json::json!({"email": "known@example.com"}),
            serde_json::json!({"email": "unknown@example.com"})
        ]
    );
    // The worker handles both; only the account gets a link.
    let waiting = std::time::Instant::now();
    loop {
        let pending: i64 = jobs::table
            .filter(jobs::kind.eq("password_reset"))
            .filter(jobs::state.ne("done"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(waiting.elapsed() < std::time::Duration::from_secs(15));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let links: Vec<uuid::Uuid> = password_reset_tokens::table
        .select(password_reset_tokens::user_id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(links, [id]);
}

#[tokio::test]
async fn a_new_password_spends_every_outstanding_reset_link() {
    let app = TestApp::spawn().await;
    let id = create_user(&app, "links@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = browser_from("127.0.0.1");

    // A reset with one link spends the other.
    let first = reset_link(&app, id).await;
    let second = reset_link(&app, id).await;
    assert_eq!(
        use_reset_link(&app, &client, &first, NEW_PASSWORD).await,
        303
    );
    assert_eq!(
        use_reset_link(&app, &client, &second, "yet another passphrase").await,
        400,
        "the unused link no longer works"
    );

    // So does a password change.
    let third = reset_link(&app, id).await;
    let s = sign_in(&app, "links@example.com", NEW_PASSWORD).await;
    let res = s
        .post(
            &app,
            "/account/password",
            &[
                ("current_password", NEW_PASSWORD),
                ("new_password", "a third good passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        use_reset_link(&app, &client, &third, "yet another passphrase").await,
        400
    );
    assert_eq!(
        login(
            &app,
            &client,
            "links@example.com",
            "a third good passphrase"
        )
        .await
        .status(),
        303
    );
}

// --- 12. Cache-Control ----------------------------------------------------------------

#[tokio::test]
async fn pages_with_secrets_or_answers_are_not_stored_by_caches() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let (org, contact) = app.supplier("Cache Test Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    create_user(&app, "cache@example.com", Role::Admin, Some(PASSWORD)).await;
    let s = sign_in(&app, "cache@example.com", PASSWORD).await;

    let no_store = |res: &reqwest::Response, what: &str| {
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|h| h.to_str().unwrap().to_string())
                .as_deref(),
            Some("no-store"),
            "{what}"
        );
    };
    // A new API token and a one-time password are shown once.
    let res = s
        .post(
            &app,
            "/staff/api-tokens",
            &[("name", "cache"), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), 200);
    no_store(&res, "the new API token");
    let res = s
        .post(
            &app,
            "/staff/users",
            &[
                ("email", "new@example.com"),
                ("name", "New"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    no_store(&res, "the one-time password");
    no_store(&s.get(&app, "/account/password").await, "password page");
    no_store(&s.get(&app, "/staff/users").await, "users page");
    // The respondent's form and answers.
    no_store(
        &app.client.get(app.url(&link)).send().await.unwrap(),
        "respondent form",
    );
    let res = app.post_form(&link, &[("headcount", "12")], "save").await;
    no_store(&res, "respondent save");
    no_store(&app.get("/api/v1/templates").await, "API");
    no_store(
        &app.client.get(app.url("/login")).send().await.unwrap(),
        "login",
    );
    // Static assets stay cacheable: an hour unversioned, a year by the version the pages
    // link, which changes with the files' contents (so a release is fetched at once).
    let css = app
        .client
        .get(app.url("/static/app.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
    let login = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v = hrdd_survey::views::assets::version();
    let versioned = format!("/static/app.css?v={v}");
    assert!(login.contains(&versioned), "{login}");
    let res = app
        .client
        .get(app.url(&format!("{link}/review")))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let form = res.text().await.unwrap();
    assert!(
        form.contains(&format!("/static/form.js?v={v}")),
        "{status} {form:?}"
    );
    let css = app.client.get(app.url(&versioned)).send().await.unwrap();
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let stale = app
        .client
        .get(app.url("/static/app.css?v=000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.headers()["cache-control"], "public, max-age=3600");
}

// --- 14. Large forms and the bearer scheme --------------------------------------------

#[tokio::test]
async fn an_oversized_staff_form_is_413_not_a_csrf_failure() {
    let app = TestApp::spawn().await;
    create_user(&app, "big@example.com", Role::Admin, Some(PASSWORD)).await;
    let s = sign_in(&app, "big@example.com", PASSWORD).await;
    // Over the form limit (32 KiB) and over the body limit (64 KiB).
    for size in [40 * 1024, 100 * 1024] {
        let big = "x".repeat(size);
        let res = s
            .post(
                &app,
                "/staff/organisations",
                &[
                    ("name", big.as_str()),
                    ("kind", "supplier"),
                    ("country", "JP"),
                ],
            )
            .await;
        assert_eq!(res.status(), 413, "{size} bytes");
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = TestApp::spawn().await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let res = reqwest::Client::new()
            .get(app.url("/api/v1/templates"))
            .header("Authorization", format!("{scheme} {}", app.api_token))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{scheme}");
    }
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/templates"))
        .header("Authorization", format!("Basic {}", app.api_token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "another scheme is not a token");
}

// --- 1. Tokens of a disabled creator --------------------------------------------------

#[tokio::test]
async fn disabling_a_user_revokes_the_api_tokens_they_created() {
    use hrdd_survey::db::audit::Actor;
    use hrdd_survey::db::schema::{api_tokens, audit_log};
    use hrdd_survey::services::accounts;
    let app = TestApp::spawn().await;
    create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    let leaver = create_user(&app, "leaver@example.com", Role::Admin, Some(PASSWORD)).await;
    let other = create_user(&app, "other@example.com", Role::Admin, Some(PASSWORD)).await;
    let mut conn = app.state.pool.get().await.unwrap();
    let token = |creator| {
        let pool = app.state.pool.clone();
        let key = app.state.audit_key.clone();
        async move {
            let mut conn = pool.get().await.unwrap();
            accounts::create_api_token(
                &mut conn,
                &key,
                &Actor::System,
                creator,
                "sync",
                Role::Viewer,
            )
            .await
            .unwrap()
        }
    };
    let (leaver_token, leaver_secret) = token(leaver).await;
    let (_, other_secret) = token(other).await;
    let works = |secret: String| {
        let url = app.url("/api/v1/templates");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(secret)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(works(leaver_secret.clone()).await, 200);

    // Disabled through the staff page: the token is revoked, with an audit entry.
    let boss = sign_in(&app, "boss@example.com", PASSWORD).await;
    let res = boss
        .post(&app, &format!("/staff/users/{leaver}/disable"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(works(leaver_secret).await, 401);
    let revoked: Option<chrono::DateTime<Utc>> = api_tokens::table
        .find(leaver_token.id)
        .select(api_tokens::revoked_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(revoked.is_some());
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::subject_id.eq(leaver_token.id.to_string()))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(actions, ["api_token.created", "api_token.revoked"]);

    // A creator disabled any other way (directly in the database): the token stops
    // working at once, because the look-up checks the creator too.
    assert_eq!(works(other_secret.clone()).await, 200);
    diesel::update(users::table.find(other))
        .set(users::disabled_at.eq(Some(Utc::now())))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(works(other_secret).await, 401);
}

/// An admin made a viewer no longer may manage tokens, nor see the ones they made: those
/// are revoked with the role change (audited), or they would keep an admin's API rights
/// (found by a security review). Only admins may manage tokens, so any change away from
/// admin revokes them.
#[tokio::test]
async fn losing_the_right_to_manage_tokens_revokes_the_tokens_one_made() {
    use hrdd_survey::db::audit::Actor;
    use hrdd_survey::db::schema::{api_tokens, audit_log};
    use hrdd_survey::services::accounts;
    let app = TestApp::spawn().await;
    create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    let demoted = create_user(&app, "demoted@example.com", Role::Admin, Some(PASSWORD)).await;
    let mut conn = app.state.pool.get().await.unwrap();
    let (token, secret) = accounts::create_api_token(
        &mut conn,
        &app.state.audit_key,
        &Actor::System,
        demoted,
        "sync",
        Role::Admin,
    )
    .await
    .unwrap();
    let create_org = |secret: String| {
        let url = app.url("/api/v1/organisations");
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(secret)
                .json(&serde_json::json!({"kind": "supplier", "name": "Made by token", "country": "JP"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(create_org(secret.clone()).await, 201);

    let boss = sign_in(&app, "boss@example.com", PASSWORD).await;
    let res = boss
        .post(
            &app,
            &format!("/staff/users/{demoted}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        create_org(secret).await,
        401,
        "the token went with the role"
    );
    let revoked: Option<chrono::DateTime<Utc>> = api_tokens::table
        .find(token.id)
        .select(api_tokens::revoked_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(revoked.is_some());
    let reasons: Vec<serde_json::Value> = audit_log::table
        .filter(audit_log::subject_id.eq(token.id.to_string()))
        .filter(audit_log::action.eq("api_token.revoked"))
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0]["reason"], "creator's role changed");
}

//! The jobs module against a real SMTP server (aiosmtpd): concurrent workers deliver
//! each message once, a 5xx answer kills the job and shows on `/staff/jobs`, the attempt
//! cap, lease expiry, deduplication keys, and a launch's mail claimed after the rest.

use crate::auth::{create_user, location, sign_in, PASSWORD};
use crate::campaign_edits::{in_days, org};
use crate::helpers::{templates_dir, TestApp};
use crate::mail::{free_port, header, text_body, SmtpServer};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, RunQueryDsl};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::db::jobs::Job;
use hrdd_survey::db::schema::{audit_log, email_outbox, jobs};
use hrdd_survey::email::Email;
use hrdd_survey::jobs::{run_due, send_email, Jobs, RunStats, Worker};
use hrdd_survey::services::campaign_lifecycle as lifecycle;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The application, with its own worker idle (it polls once an hour and nobody wakes
/// it), so each test drives the workers it makes itself.
async fn quiet_app(smtp_url: String) -> TestApp {
    TestApp::spawn_with_settings(
        &templates_dir(),
        &[
            ("SMTP_URL", smtp_url),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await
}

fn worker(app: &TestApp, smtp_url: &str) -> Worker {
    app.worker(smtp_url)
}

fn email(n: usize) -> Email {
    Email {
        to: format!("person{n}@example.com"),
        subject: format!("Message {n}"),
        text: format!("Body of message {n}\n"),
        html: None,
    }
}

/// Queues `email` in a transaction of its own; the job id, or None when deduplicated.
async fn queue(app: &TestApp, email: Email, key: Option<&str>) -> Option<Uuid> {
    let mut conn = app.state.pool.get().await.unwrap();
    let key = key.map(String::from);
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        async move { send_email::queue(conn, &email, key.as_deref()).await }.scope_boxed()
    })
    .await
    .unwrap()
}

async fn job(app: &TestApp, id: Uuid) -> Job {
    let mut conn = app.db.conn().await;
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(&mut conn)
        .await
        .unwrap()
}

async fn email_status(app: &TestApp, id: Uuid) -> (String, Option<String>) {
    let mut conn = app.db.conn().await;
    email_outbox::table
        .filter(email_outbox::job_id.eq(id))
        .select((email_outbox::status, email_outbox::last_error))
        .first(&mut conn)
        .await
        .unwrap()
}

/// Makes job `id` due now (skipping its backoff).
async fn due_now(app: &TestApp, id: Uuid) {
    let mut conn = app.db.conn().await;
    diesel::update(jobs::table.find(id))
        .set(jobs::run_at.eq(Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn two_workers_deliver_each_message_exactly_once() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(smtp.url()).await;
    let n = 40;
    let mut ids = BTreeSet::new();
    for i in 0..n {
        ids.insert(queue(&app, email(i), None).await.unwrap());
    }
    // Two workers on one database, claiming two jobs at a time so they interleave.
    let mut a = worker(&app, &smtp.url());
    let mut b = worker(&app, &smtp.url());
    a.batch = 2;
    b.batch = 2;
    let (sa, sb) = tokio::join!(run_due(&a), run_due(&b));
    let (sa, sb) = (sa.unwrap(), sb.unwrap());
    assert_eq!(sa.done + sb.done, n, "{sa:?} {sb:?}");
    assert!(
        sa.done > 0 && sb.done > 0,
        "both workers worked: {sa:?} {sb:?}"
    );

    let messages = smtp.wait_for(n).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages_after = smtp.messages();
    assert_eq!(messages_after.len(), n, "no message twice");
    let message_ids: BTreeSet<String> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap())
        .collect();
    let expected: BTreeSet<String> = ids
        .iter()
        .map(|id| format!("<{id}@hrdd-survey.invalid>"))
        .collect();
    assert_eq!(message_ids, expected, "one message per job, named after it");
    for m in &messages {
        assert_eq!(
            header(m, "Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
        assert!(header(m, "Date").is_some());
    }
    for id in &ids {
        let j = job(&app, *id).await;
        assert_eq!((j.state.as_str(), j.attempts), ("done", 1));
        assert!(j.lease_until.is_none() && j.finished_at.is_some());
        assert_eq!(email_status(&app, *id).await, ("sent".to_string(), None));
    }
    // Nothing left: another pass does nothing.
    assert_eq!(run_due(&a).await.unwrap(), RunStats::default());
    smtp.stop().await;
}

#[tokio::test]
async fn a_reset_email_has_text_and_html_parts_and_its_body_leaves_the_database_once_sent() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(smtp.url()).await;
    create_user(&app, "ana@example.com", Role::Viewer, Some(PASSWORD)).await;
    let client = crate::helpers::web_client();
    let page = client.get(app.url("/password/reset")).send().await.unwrap();
    let csrf = crate::helpers::hidden_csrf(&page.text().await.unwrap());
    let res = client
        .post(app.url("/password/reset"))
        .form(&[("csrf_token", csrf.as_str()), ("email", "ana@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The service woke the application's worker (which otherwise polls once an hour).
    let message = smtp.wait_for(1).await.remove(0);
    assert!(
        header(&message, "Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/html"), "{message}");
    assert_eq!(
        header(&message, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let link = text_body(&message)
        .lines()
        .find(|l| l.contains("/password/reset/"))
        .unwrap()
        .trim()
        .to_string();
    // Marked sent, and the link is no longer in the outbox row.
    let started = Instant::now();
    loop {
        let mut conn = app.db.conn().await;
        let (status, text, html): (String, String, Option<String>) = email_outbox::table
            .select((
                email_outbox::status,
                email_outbox::text_body,
                email_outbox::html_body,
            ))
            .first(&mut conn)
            .await
            .unwrap();
        if status == "sent" {
            assert!(!text.contains(&link) && html.is_none(), "{text}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "marked sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    smtp.stop().await;
}

#[tokio::test]
async fn a_5xx_answer_kills_the_job_with_the_servers_answer_shown_to_admins() {
    let smtp = SmtpServer::start_rejecting().await;
    let app = quiet_app(smtp.url()).await;
    let id = queue(&app, email(1), None).await.unwrap();
    let w = worker(&app, &smtp.url());
    let stats = run_due(&w).await.unwrap();
    assert_eq!(
        stats,
        RunStats {
            done: 0,
            retried: 0,
            dead: 1
        }
    );
    let j = job(&app, id).await;
    assert_eq!(
        (j.state.as_str(), j.attempts),
        ("dead", 1),
        "no retry after a 5xx"
    );
    let error = j.last_error.unwrap();
    assert!(error.contains("550"), "{error}");
    assert!(
        error.contains("no such mailbox here"),
        "the server's answer: {error}"
    );
    let (status, email_error) = email_status(&app, id).await;
    assert_eq!(status, "failed");
    assert!(email_error.unwrap().contains("no such mailbox here"));

    // Admins see it on /staff/jobs and can retry it; others may not open the page.
    create_user(&app, "admin@example.com", Role::Admin, Some(PASSWORD)).await;
    create_user(&app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    let admin = sign_in(&app, "admin@example.com", PASSWORD).await;
    let buyer = sign_in(&app, "buyer@example.com", PASSWORD).await;
    assert_eq!(buyer.get(&app, "/staff/jobs").await.status(), 403);
    let home = admin.get(&app, "/staff").await.text().await.unwrap();
    assert!(
        home.contains(r#"href="/staff/jobs""#),
        "admins have it in the nav"
    );
    let page = admin.get(&app, "/staff/jobs").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for expected in [
        "send email",
        "dead",
        "1 / 79",
        "Now 0 failing, 1 dead.",
        "person1@example.com",
        "no such mailbox here",
        &format!(r#"action="/staff/jobs/{id}/retry""#),
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    // Only a dead job can be retried; an unknown one is not found.
    let pending = queue(&app, email(2), None).await.unwrap();
    let res = admin
        .post(&app, &format!("/staff/jobs/{pending}/retry"), &[])
        .await;
    assert_eq!(res.status(), 409);
    let res = admin
        .post(&app, &format!("/staff/jobs/{}/retry", Uuid::new_v4()), &[])
        .await;
    assert_eq!(res.status(), 404);

    let died_at = j.finished_at.unwrap();
    let res = admin
        .post(&app, &format!("/staff/jobs/{id}/retry"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff/jobs");
    let mut conn = app.db.conn().await;
    let retried: i64 = audit_log::table
        .filter(audit_log::action.eq("job.retried"))
        .filter(audit_log::subject_id.eq(id.to_string()))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(retried, 1);
    // The retry woke the application's worker, which tried again with a fresh set of
    // attempts; the server still refuses, so the job is dead again after one attempt.
    let started = Instant::now();
    loop {
        let j = job(&app, id).await;
        if j.state == "dead" && j.finished_at.unwrap() > died_at {
            assert_eq!(j.attempts, 1);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "retried: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(smtp.messages().is_empty());
    // The other message went in the same batch: refused too.
    while job(&app, pending).await.state != "dead" {
        assert!(started.elapsed() < Duration::from_secs(15), "{pending}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Thousands failing (a relay down during a launch): counted, the newest listed.
    diesel::sql_query(
        "INSERT INTO jobs (id, kind, state, attempts, last_error, run_at, to_address, \
                           subject, text_body) \
         SELECT gen_random_uuid(), 'send_email', 'pending', 1, 'Connection refused', \
                now() + interval '1 minute', 'n' || n || '@example.com', 'S', '' \
           FROM generate_series(1, 600) n",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let html = admin.get(&app, "/staff/jobs").await.text().await.unwrap();
    assert!(
        html.contains("Now 600 failing, 2 dead; the newest 500 are listed."),
        "{html}"
    );
    assert_eq!(html.matches("Connection refused").count(), 500);
    smtp.stop().await;
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_dead_at_its_attempt_cap() {
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let app = quiet_app(closed.clone()).await;
    let id = {
        let mut conn = app.state.pool.get().await.unwrap();
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            async move {
                let id = hrdd_survey::db::jobs::insert_email(
                    conn,
                    Uuid::new_v4(),
                    None,
                    3,
                    &hrdd_survey::db::jobs::NewEmail {
                        to_address: "late@example.com",
                        subject: "Hello",
                        text_body: "Hi\n",
                        html_body: None,
                        purpose: None,
                        campaign_id: None,
                    },
                )
                .await?
                .unwrap();
                Ok(id)
            }
            .scope_boxed()
        })
        .await
        .unwrap()
    };
    let w = worker(&app, &closed);
    for attempt in 1..=3 {
        let stats = run_due(&w).await.unwrap();
        let j = job(&app, id).await;
        assert_eq!(j.attempts, attempt);
        if attempt < 3 {
            assert_eq!(stats.retried, 1, "{stats:?}");
            assert_eq!(j.state, "pending");
            assert!(
                j.run_at > Utc::now() + chrono::Duration::seconds(20),
                "backoff"
            );
            assert_eq!(email_status(&app, id).await.0, "queued");
            due_now(&app, id).await;
        } else {
            assert_eq!(stats.dead, 1, "{stats:?}");
            assert_eq!(j.state, "dead");
            assert!(
                j.last_error
                    .as_deref()
                    .unwrap()
                    .starts_with("gave up after 3 attempts"),
                "{:?}",
                j.last_error
            );
            assert_eq!(email_status(&app, id).await.0, "failed");
        }
    }
    // Dead stays dead.
    due_now(&app, id).await;
    assert_eq!(run_due(&w).await.unwrap(), RunStats::default());
}

#[tokio::test]
async fn a_job_whose_worker_died_is_claimed_again_when_its_lease_expires() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(smtp.url()).await;
    let id = queue(&app, email(7), None).await.unwrap();
    // A worker claims the job and dies before sending.
    let mut conn = app.db.conn().await;
    let claimed = hrdd_survey::db::jobs::claim(&mut conn, 10, 300.0)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].state.as_str(), claimed[0].attempts),
        ("running", 1)
    );
    // While the lease runs, nobody else takes it.
    let w = worker(&app, &smtp.url());
    assert_eq!(run_due(&w).await.unwrap(), RunStats::default());
    assert_eq!(job(&app, id).await.state, "running");
    // The lease expires: the next worker takes it over and delivers it.
    diesel::update(jobs::table.find(id))
        .set(jobs::lease_until.eq(Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(run_due(&w).await.unwrap().done, 1);
    let j = job(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("done", 2));
    let messages = smtp.wait_for(1).await;
    assert_eq!(
        header(&messages[0], "Message-ID").unwrap(),
        format!("<{id}@hrdd-survey.invalid>")
    );
    // The first worker, back from the dead, cannot record over the second's attempt.
    assert!(hrdd_survey::db::jobs::mark_done_many(&mut conn, &[(id, 1)])
        .await
        .unwrap()
        .is_empty());
    assert!(!hrdd_survey::db::jobs::mark_dead(&mut conn, id, 1, "late")
        .await
        .unwrap());
    assert_eq!(job(&app, id).await.state, "done");

    // On its last attempt, a lost job is dead rather than tried again.
    let last = queue(&app, email(8), None).await.unwrap();
    diesel::update(jobs::table.find(last))
        .set(jobs::max_attempts.eq(1))
        .execute(&mut conn)
        .await
        .unwrap();
    hrdd_survey::db::jobs::claim(&mut conn, 10, 300.0)
        .await
        .unwrap();
    diesel::update(jobs::table.find(last))
        .set(jobs::lease_until.eq(Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(run_due(&w).await.unwrap().dead, 1);
    let j = job(&app, last).await;
    assert_eq!(j.state, "dead");
    assert!(j.last_error.unwrap().contains("lease expired"));
    assert_eq!(email_status(&app, last).await.0, "failed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1);
    smtp.stop().await;
}

#[tokio::test]
async fn a_deduplication_key_is_used_once() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(smtp.url()).await;
    let first = queue(&app, email(1), Some("reminder:x:14d")).await;
    assert!(first.is_some());
    assert_eq!(queue(&app, email(2), Some("reminder:x:14d")).await, None);
    // Still ignored after the first one ran.
    assert_eq!(run_due(&worker(&app, &smtp.url())).await.unwrap().done, 1);
    assert_eq!(queue(&app, email(3), Some("reminder:x:14d")).await, None);
    // Another key, or none, is queued.
    assert!(queue(&app, email(4), Some("reminder:x:7d")).await.is_some());
    assert!(queue(&app, email(5), None).await.is_some());
    let mut conn = app.db.conn().await;
    let (n_jobs, n_emails): (i64, i64) = (
        jobs::table.count().get_result(&mut conn).await.unwrap(),
        email_outbox::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap(),
    );
    assert_eq!(
        (n_jobs, n_emails),
        (3, 3),
        "an ignored job queues no message"
    );
    smtp.stop().await;
}

/// A worker's pass forgets handled bookkeeping jobs a day after they finished (one
/// statement with burying the lost ones): not sooner, not a job whose deduplication key
/// must stay used, not a delivered email (its row is the email's status).
#[tokio::test]
async fn handled_reset_jobs_are_forgotten_after_a_day_and_nothing_else() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(smtp.url()).await;
    let mut conn = app.db.conn().await;
    let day_and_more = Utc::now() - chrono::Duration::hours(25);
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    let mut rows = Vec::new();
    for (kind, key, finished) in [
        ("password_reset", None, day_and_more),
        ("password_reset", None, hour_ago),
        ("password_reset", Some("reset:kept"), day_and_more),
        ("send_email", None, day_and_more),
    ] {
        let id = if kind == "send_email" {
            queue(&app, email(9), None).await.unwrap()
        } else {
            let id = Uuid::new_v4();
            hrdd_survey::db::jobs::insert(
                &mut conn,
                id,
                kind,
                &serde_json::json!({}),
                Utc::now(),
                key,
                5,
            )
            .await
            .unwrap();
            id
        };
        diesel::update(jobs::table.find(id))
            .set((jobs::state.eq("done"), jobs::finished_at.eq(finished)))
            .execute(&mut conn)
            .await
            .unwrap();
        rows.push(id);
    }
    let w = worker(&app, &smtp.url());
    assert_eq!(run_due(&w).await.unwrap(), RunStats::default());
    let left: BTreeSet<Uuid> = jobs::table
        .filter(jobs::id.eq_any(&rows))
        .select(jobs::id)
        .load::<Uuid>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(left, rows[1..].iter().copied().collect::<BTreeSet<_>>());
    smtp.stop().await;
}

/// A launch queues an email per contact at once; mail queued after it (a supplier added
/// late, any other email) is claimed first, so it does not wait until the whole campaign
/// has been sent (walked at 10,000 invitations: a password reset arrived 3 minutes
/// later, behind every one of them). One job a claim, so the SMTP server sees the order
/// of the claims; queued through the services with a `Jobs` handle of the test's, so
/// that the application's own worker is never woken.
#[tokio::test]
async fn mail_queued_after_a_launch_goes_before_the_launchs_invitations() {
    let smtp = SmtpServer::start().await;
    let app = quiet_app(smtp.url()).await;
    let mut audience = Vec::new();
    for n in 1..=3 {
        let email = format!("launch{n}@example.com");
        audience.push(org(&app, &format!("Launch Mill {n}"), "JP", &email).await.0);
    }
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &serde_json::json!({"name": "Autumn", "template_id": "forced-labour",
                                "deadline": in_days(20), "audience": {"organisations": audience}}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let campaign: Uuid = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (late, _) = org(&app, "Late Mill", "VN", "late@example.com").await;
    let own_jobs = Jobs::new();
    let ctx = hrdd_survey::services::Ctx {
        jobs: &own_jobs,
        ..app.state.ctx()
    };
    let mut conn = app.state.pool.get().await.unwrap();
    let launched = lifecycle::launch(&mut conn, &ctx, &Actor::System, campaign.into())
        .await
        .unwrap();
    assert_eq!(launched.emails, 3);
    let added = lifecycle::add_organisations(
        &mut conn,
        &ctx,
        &Actor::System,
        campaign.into(),
        vec![late.parse().unwrap()],
    )
    .await
    .unwrap();
    assert_eq!(added.emails, 1);
    queue(&app, email(1), None).await.unwrap();
    // Each is tried for three days while the relay refuses it, not for an hour.
    let caps: Vec<i32> = jobs::table
        .select(jobs::max_attempts)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(caps, [hrdd_survey::jobs::EMAIL_MAX_ATTEMPTS; 5]);

    let mut w = app.campaign_worker(&smtp.url());
    w.batch = 1;
    w.concurrency = 1;
    assert_eq!(run_due(&w).await.unwrap().done, 5);
    let to: Vec<String> = smtp
        .wait_for(5)
        .await
        .iter()
        .map(|m| header(m, "To").unwrap())
        .collect();
    assert!(to[0].contains("late@example.com"), "{to:?}");
    assert!(to[1].contains("person1@example.com"), "{to:?}");
    for at in &to[2..] {
        assert!(at.starts_with("launch"), "{to:?}");
    }
    smtp.stop().await;
}

/// A relay that refused every message at once (its password changed, a sender it does
/// not accept) and has been fixed: the admin queues again, in one action, every dead
/// email it refused with the same answer (the addresses in the answers aside), not one
/// by one; a second click finds none.
#[tokio::test]
async fn dead_emails_refused_with_one_answer_are_queued_again_at_once() {
    let smtp = SmtpServer::start_rejecting().await;
    let app = quiet_app(smtp.url()).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(queue(&app, email(n), None).await.unwrap());
    }
    assert_eq!(run_due(&worker(&app, &smtp.url())).await.unwrap().dead, 3);
    smtp.stop().await;
    create_user(&app, "admin@example.com", Role::Admin, Some(PASSWORD)).await;
    let admin = sign_in(&app, "admin@example.com", PASSWORD).await;
    let html = admin.get(&app, "/staff/jobs").await.text().await.unwrap();
    let summary = &html[html.find(r#"<table id="summary">"#).expect(&html)..];
    let summary = &summary[..summary.find("</table>").unwrap()];
    assert_eq!(summary.matches("<tr>").count(), 2, "one answer: {summary}");
    assert!(
        summary.contains("&#60;…&#62;: Recipient address rejected"),
        "{summary}"
    );
    assert!(!summary.contains("person1@example.com"), "{summary}");
    assert!(summary.contains("Retry these 3"), "{summary}");
    let answer = job(&app, ids[0])
        .await
        .last_error
        .unwrap()
        .replace("person1@example.com", "…");

    let res = admin
        .post(
            &app,
            "/staff/jobs/retry-dead-emails",
            &[("answer", answer.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    for id in &ids {
        let j = job(&app, *id).await;
        assert_ne!(j.state, "dead", "{j:?}");
        assert!(j.attempts <= 1, "a fresh set of attempts: {j:?}");
    }
    let mut conn = app.db.conn().await;
    let audited: Vec<serde_json::Value> = audit_log::table
        .filter(audit_log::action.eq("job.retried_many"))
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0]["count"], 3);
    let again = admin
        .post(
            &app,
            "/staff/jobs/retry-dead-emails",
            &[("answer", answer.as_str())],
        )
        .await;
    assert_eq!(again.status(), 409);
}

/// A relay that refuses this service's sign-in (its password changed: `535`; no
/// credentials in `SMTP_URL`: `530`) refuses every message for that reason alone: each
/// is retried like a relay that is down, not dead at once with thousands of others, and
/// delivered once the password is put right.
#[tokio::test]
async fn a_relay_refusing_the_services_sign_in_is_retried_until_it_is_put_right() {
    let relay = SmtpServer::start_refusing_sign_in().await;
    let app = quiet_app(relay.url()).await;
    let id = queue(&app, email(1), None).await.unwrap();
    let wrong_password = relay.url().replace("smtp://", "smtp://hrdd:old-password@");
    for (attempt, url) in [(1, wrong_password.as_str()), (2, &relay.url())] {
        let stats = run_due(&worker(&app, url)).await.unwrap();
        assert_eq!(stats.retried, 1, "{url}: {stats:?}");
        let j = job(&app, id).await;
        assert_eq!((j.state.as_str(), j.attempts), ("pending", attempt));
        let error = j.last_error.unwrap();
        let code = if attempt == 1 { "(535)" } else { "(530)" };
        assert!(
            error.contains(code) && error.contains("refused this service's sign-in"),
            "{error}"
        );
        due_now(&app, id).await;
    }
    relay.stop().await;
    // Whoever sends campaigns or fixes the relay is told on the overview, with the
    // server's answer; the committee is not.
    let overview = |s: crate::auth::Session| {
        let app = &app;
        async move {
            let html = s.get(app, "/staff").await.text().await.unwrap();
            html.find(r#"id="mail-failing""#)
                .map(|at| html[at..at + html[at..].find("</div>").unwrap()].to_string())
        }
    };
    create_user(&app, "admin@example.com", Role::Admin, Some(PASSWORD)).await;
    create_user(&app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    create_user(&app, "judge@example.com", Role::Committee, Some(PASSWORD)).await;
    let admin = || sign_in(&app, "admin@example.com", PASSWORD);
    let told = overview(admin().await).await.expect("the admin is told");
    assert!(
        told.contains("Email is not going out: 1 email waiting for another try")
            && told.contains("(530)")
            && told.contains(r#"<a href="/staff/jobs">"#),
        "{told}"
    );
    let buyer = sign_in(&app, "buyer@example.com", PASSWORD).await;
    let told = overview(buyer).await.expect("procurement is told");
    assert!(told.contains("An administrator can see why"), "{told}");
    let judge = sign_in(&app, "judge@example.com", PASSWORD).await;
    assert_eq!(overview(judge).await, None);

    let smtp = SmtpServer::start().await;
    assert_eq!(run_due(&worker(&app, &smtp.url())).await.unwrap().done, 1);
    assert_eq!(job(&app, id).await.state, "done");
    let delivered = smtp.wait_for(1).await;
    assert_eq!(
        header(&delivered[0], "Subject").as_deref(),
        Some("Message 1")
    );
    assert_eq!(overview(admin().await).await, None, "mail flows again");
}

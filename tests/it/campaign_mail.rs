//! Campaign emails (issue 8) against a real SMTP server (aiosmtpd): the invitation in
//! the contact's language with a working link and the owner as Reply-To, rendered at
//! send time (the link never in the database); an SMTP outage; two workers; a 5xx;
//! reminders on a set clock that stop when the organisation submits; the escalation
//! once; and the throttle on failed link look-ups.

use crate::auth::{create_user, PASSWORD};
use crate::carry_over::start_page;
use crate::helpers::{templates_dir, TestApp};
use crate::mail::{free_port, header, text_body, SmtpServer};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, RunQueryDsl};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{campaigns, email_outbox, invitations, jobs, responses};
use hrdd_survey::jobs::clock::SetClock;
use hrdd_survey::jobs::{campaign_mail, campaign_schedule, run_due, Jobs, Worker};
use std::collections::BTreeSet;
use std::sync::Arc;
use uuid::Uuid;

/// The application with its own worker idle (nobody wakes it, it polls hourly).
pub(crate) async fn quiet_app() -> TestApp {
    TestApp::spawn_with_settings(
        &templates_dir(),
        &[
            ("SMTP_URL", format!("smtp://127.0.0.1:{}", free_port())),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await
}

pub(crate) fn worker(app: &TestApp, smtp_url: &str, clock: &SetClock) -> Worker {
    app.campaign_worker(smtp_url)
        .with_clock(Arc::new(clock.clone()))
}

/// An invited organisation: (link path, invitation id, response id, organisation name).
pub(crate) struct Invited {
    pub(crate) link: String,
    pub(crate) invitation: Uuid,
    pub(crate) response: Uuid,
    pub(crate) name: String,
}

pub(crate) async fn invite(app: &TestApp, campaign: &str, name: &str, lang: &str) -> Invited {
    let (org, contact) = app.supplier(name, lang).await;
    invite_again(app, campaign, (&org, &contact), name).await
}

/// `org`'s `contact` invited to `campaign` (an organisation already known).
async fn invite_again(
    app: &TestApp,
    campaign: &str,
    (org, contact): (&str, &str),
    name: &str,
) -> Invited {
    let (link, response) = app.invite(campaign, org, contact).await;
    let response: Uuid = response.parse().unwrap();
    let mut conn = app.db.conn().await;
    let invitation = invitations::table
        .filter(invitations::response_id.eq(response))
        .filter(invitations::revoked_at.is_null())
        .select(invitations::id)
        .first(&mut conn)
        .await
        .unwrap();
    Invited {
        link,
        invitation,
        response,
        name: name.to_string(),
    }
}

/// A campaign launched yesterday, owned by a new procurement user; (id, deadline, owner
/// email).
pub(crate) async fn launched_campaign(app: &TestApp) -> (String, NaiveDate, String) {
    let id = app.campaign("forced-labour").await;
    let owner_email = format!("owner-{}@example.com", Uuid::new_v4().simple());
    let owner = create_user(app, &owner_email, Role::Procurement, Some(PASSWORD)).await;
    let mut conn = app.db.conn().await;
    let deadline = diesel::update(campaigns::table.find(id.parse::<Uuid>().unwrap()))
        .set((
            campaigns::owner_user_id.eq(owner),
            campaigns::launched_at.eq(Utc::now() - Duration::days(1)),
            campaigns::message.eq("Please answer before the audit <2027>."),
        ))
        .returning(campaigns::deadline)
        .get_result(&mut conn)
        .await
        .unwrap();
    (id, deadline, owner_email)
}

pub(crate) async fn queue_invitations(app: &TestApp, ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut conn = app.state.pool.get().await.unwrap();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        async move { campaign_mail::queue_invitations(conn, &Jobs::new(), &ids).await }
            .scope_boxed()
    })
    .await
    .unwrap()
}

pub(crate) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap().and_utc()
}

fn link_in(text: &str) -> String {
    let start = text.find("/r/").expect("a link in the text");
    text[start..start + 46].to_string()
}

#[tokio::test]
async fn the_invitation_arrives_in_the_contacts_language_with_its_link_and_the_owner_as_reply_to() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let clock = SetClock::new(Utc::now());
    let (campaign, _, owner) = launched_campaign(&app).await;
    let ja = invite(&app, &campaign, "東京部品", "ja").await;
    let vi = invite(&app, &campaign, "Công ty Sông Hồng", "vi").await;
    let queued = queue_invitations(&app, vec![ja.invitation, vi.invitation]).await;
    assert_eq!(queued.len(), 2);
    assert!(
        queue_invitations(&app, vec![ja.invitation])
            .await
            .is_empty(),
        "an invitation is mailed once"
    );

    // Queued: no body, so no link, anywhere in the row.
    let mut conn = app.db.conn().await;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(String, Option<String>, Option<String>, Option<Uuid>)> = email_outbox::table
        .select((
            email_outbox::text_body,
            email_outbox::html_body,
            email_outbox::purpose,
            email_outbox::contact_id,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (text, html, purpose, contact) in &rows {
        assert_eq!(text, "");
        assert_eq!(html, &None);
        assert_eq!(purpose.as_deref(), Some("invitation"));
        assert!(contact.is_some());
    }

    let stats = run_due(&worker(&app, &smtp.url(), &clock)).await.unwrap();
    assert_eq!(stats.done, 2);
    let messages = smtp.wait_for(2).await;
    let ja_mail = messages
        .iter()
        .find(|m| text_body(m).contains(&ja.link))
        .expect("the Japanese contact's message carries their link");
    let text = text_body(ja_mail);
    assert!(text.contains("東京部品 contact 様"), "{text}");
    assert!(
        text.contains("回答期限") || text.contains("までにご回答ください"),
        "{text}"
    );
    assert!(text.contains("Acme Apparel"), "{text}");
    assert!(
        text.contains("Please answer before the audit <2027>."),
        "{text}"
    );
    assert_eq!(header(ja_mail, "Reply-To").as_deref(), Some(owner.as_str()));
    // A reply reaches the owner, so the email invites one.
    assert!(text.contains("このメールにご返信ください"), "{text}");
    assert_eq!(
        header(ja_mail, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(header(ja_mail, "Message-ID").is_some() && header(ja_mail, "Date").is_some());
    let vi_mail = messages
        .iter()
        .find(|m| text_body(m).contains(&vi.link))
        .unwrap();
    assert!(
        text_body(vi_mail).contains("Kính gửi"),
        "{}",
        text_body(vi_mail)
    );

    // The link in the email opens the form.
    let page = app
        .client
        .get(app.url(&link_in(&text)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    // Sent: still no body stored.
    let texts: Vec<(String, String)> = email_outbox::table
        .select((email_outbox::text_body, email_outbox::status))
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        texts.iter().all(|(t, s)| t.is_empty() && s == "sent"),
        "{texts:?}"
    );
}

#[tokio::test]
async fn smtp_down_for_a_while_then_every_campaign_email_arrives_exactly_once_even_with_two_workers(
) {
    let app = quiet_app().await;
    let clock = SetClock::new(Utc::now());
    let (campaign, _, _) = launched_campaign(&app).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(
            invite(&app, &campaign, &format!("Supplier {n}"), "en")
                .await
                .invitation,
        );
    }
    let queued = queue_invitations(&app, ids).await;
    assert_eq!(queued.len(), 12);

    // Nobody listens: every attempt fails with a connection error and is retried later.
    let down = format!("smtp://127.0.0.1:{}", free_port());
    let stats = run_due(&worker(&app, &down, &clock)).await.unwrap();
    assert_eq!((stats.done, stats.retried), (0, 12));
    let mut conn = app.db.conn().await;
    let queued_rows: i64 = email_outbox::table
        .filter(email_outbox::status.eq("queued"))
        .filter(email_outbox::last_error.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(queued_rows, 12);

    // The server is back; the backoff is skipped; two workers deliver concurrently.
    let smtp = SmtpServer::start().await;
    diesel::update(jobs::table)
        .set(jobs::run_at.eq(Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    let mut a = worker(&app, &smtp.url(), &clock);
    let mut b = worker(&app, &smtp.url(), &clock);
    a.batch = 2;
    b.batch = 2;
    let (ra, rb) = tokio::join!(run_due(&a), run_due(&b));
    assert_eq!(ra.unwrap().done + rb.unwrap().done, 12);
    let messages = smtp.wait_for(12).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let messages_after = smtp.messages();
    assert_eq!(messages_after.len(), 12, "no duplicate");
    let ids: BTreeSet<String> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), 12);
    let links: BTreeSet<String> = messages.iter().map(|m| link_in(&text_body(m))).collect();
    assert_eq!(links.len(), 12, "each contact got their own link");
    assert_eq!(run_due(&a).await.unwrap().done, 0);
}

#[tokio::test]
async fn a_5xx_marks_the_campaign_email_failed_with_the_servers_answer() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start_rejecting().await;
    let clock = SetClock::new(Utc::now());
    let (campaign, _, _) = launched_campaign(&app).await;
    let inv = invite(&app, &campaign, "Rejected Ltd", "en").await;
    queue_invitations(&app, vec![inv.invitation]).await;
    let stats = run_due(&worker(&app, &smtp.url(), &clock)).await.unwrap();
    assert_eq!(stats.dead, 1);
    let mut conn = app.db.conn().await;
    let (status, error, invitation): (String, Option<String>, Option<Uuid>) = email_outbox::table
        .select((
            email_outbox::status,
            email_outbox::last_error,
            email_outbox::invitation_id,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "failed");
    assert_eq!(invitation, Some(inv.invitation));
    let error = error.unwrap();
    assert!(
        error.contains("550") && error.contains("no such mailbox"),
        "{error}"
    );
}

#[tokio::test]
async fn reminders_follow_the_schedule_stop_on_submission_and_the_owner_is_told_once() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let (campaign, deadline, owner) = launched_campaign(&app).await;
    let done = invite(&app, &campaign, "Quick Answers Ltd", "en").await;
    let late = invite(&app, &campaign, "Slow Answers Ltd", "vi").await;
    let clock = SetClock::new(midnight(deadline) - Duration::days(15));
    let w = worker(&app, &smtp.url(), &clock);

    // Before the first step: nothing.
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 0);
    // 14 days before: both organisations, once however often the pass runs.
    clock.set(midnight(deadline) - Duration::days(14) + Duration::hours(9));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 2);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 0);
    clock.set(midnight(deadline) - Duration::days(12));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 0);
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(2).await;
    let late_reminder = messages
        .iter()
        .find(|m| text_body(m).contains(&late.link))
        .expect("the reminder carries the same working link as the invitation");
    assert!(
        text_body(late_reminder).contains("Xin nhắc"),
        "{}",
        text_body(late_reminder)
    );

    // One organisation submits: its contacts hear nothing more.
    let mut conn = app.db.conn().await;
    diesel::update(responses::table.find(done.response))
        .set((
            responses::status.eq("submitted"),
            responses::submitted_at.eq(Utc::now()),
            responses::answers_sha256.eq("0".repeat(64)),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    clock.set(midnight(deadline) - Duration::days(7));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 1);
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(3).await;
    assert_eq!(
        messages
            .iter()
            .filter(|m| text_body(m).contains(&done.link))
            .count(),
        1,
        "no reminder after submitting"
    );
    let steps: Vec<Option<i32>> = email_outbox::table
        .filter(email_outbox::purpose.eq("reminder"))
        .order(email_outbox::created_at)
        .select(email_outbox::reminder_step)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(steps, vec![Some(1), Some(1), Some(2)]);

    // After the deadline: the owner is told once, with the overdue organisation only.
    clock.set(midnight(deadline) + Duration::days(1) + Duration::hours(1));
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(pass.escalations, 1);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);
    clock.set(midnight(deadline) + Duration::days(8));
    let weekly = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!((weekly.reminders, weekly.escalations), (1, 0));
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(5 + pass.reminders).await;
    let to_owner: Vec<&String> = messages
        .iter()
        .filter(|m| header(m, "To").is_some_and(|t| t.contains(&owner)))
        .collect();
    assert_eq!(to_owner.len(), 1);
    let text = text_body(to_owner[0]);
    assert!(text.contains(&format!("- {}", late.name)), "{text}");
    assert!(!text.contains(&done.name), "{text}");
    assert!(
        text.contains(&format!("/staff/campaigns/{campaign}")),
        "{text}"
    );
    assert!(!text.contains("were added"), "{text}");

    // An organisation added after that notice is named in a follow-up of its own, once;
    // the organisations of the first notice are not named again.
    let joiner = invite(&app, &campaign, "Late Joiner Ltd", "en").await;
    let follow_up = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(follow_up.escalations, 1);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);
    run_due(&w).await.unwrap();
    let messages = smtp
        .wait_for(6 + pass.reminders + follow_up.reminders)
        .await;
    let to_owner: Vec<&String> = messages
        .iter()
        .filter(|m| header(m, "To").is_some_and(|t| t.contains(&owner)))
        .collect();
    assert_eq!(to_owner.len(), 2);
    let text = text_body(to_owner[1]);
    assert!(
        text.contains("These organisations were added to the campaign"),
        "{text}"
    );
    assert!(text.contains(&format!("- {}", joiner.name)), "{text}");
    assert!(!text.contains(&late.name), "{text}");
}

/// A deadline passed with more organisations overdue than the escalation names: it
/// names the first by name, counts the rest, and sends the owner to the campaign page
/// (45,000 suppliers listed one by one made a 4.3 MB email).
#[tokio::test]
async fn the_owners_notice_names_the_first_hundred_overdue_and_counts_the_rest() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let (campaign, deadline, owner) = launched_campaign(&app).await;
    let listed = hrdd_survey::email::campaign::ESCALATION_NAMES;
    for n in 0..listed + 2 {
        invite(&app, &campaign, &format!("Mill {n:03}"), "en").await;
    }
    let clock = SetClock::new(midnight(deadline) + Duration::days(1) + Duration::hours(1));
    let w = worker(&app, &smtp.url(), &clock);
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(pass.escalations, 1);
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(1 + pass.reminders).await;
    let notice = messages
        .iter()
        .find(|m| header(m, "To").is_some_and(|t| t.contains(&owner)))
        .expect("the owner is told");
    assert_eq!(
        header(notice, "Subject").unwrap(),
        "Overdue: 102 organisations have not answered Test campaign"
    );
    let text = text_body(notice);
    assert!(text.contains("- Mill 000\n"), "{text}");
    assert!(
        text.contains(&format!("- Mill {:03}\n", listed - 1)),
        "{text}"
    );
    assert!(!text.contains(&format!("Mill {listed:03}")), "{text}");
    assert!(
        text.contains("… and 2 more. The campaign page lists every one"),
        "{text}"
    );
    assert!(
        text.contains(&format!("/staff/campaigns/{campaign}")),
        "{text}"
    );
}

#[tokio::test]
async fn failed_link_lookups_are_throttled_per_address_but_a_valid_link_is_always_served() {
    let app = TestApp::spawn().await;
    let campaign = app.campaign("forced-labour").await;
    let (org, contact) = app.supplier("Real Holder Ltd", "en").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let limit = hrdd_survey::auth::link_throttle::LIMIT;
    for n in 0..limit {
        // Unknown tokens and malformed ones count alike.
        let token = if n % 2 == 0 {
            format!("{:0>43}", n)
        } else {
            format!("bad-{n}")
        };
        let res = app
            .client
            .get(app.url(&format!("/r/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "attempt {n}");
    }
    let res = app
        .client
        .get(app.url(&format!("/r/{}", "x".repeat(43))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(
        res.headers().get("retry-after").unwrap().to_str().unwrap(),
        hrdd_survey::auth::link_throttle::WINDOW_SECONDS.to_string()
    );
    let res = app
        .client
        .post(app.url(&format!("/r/{}", "y".repeat(43))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "posts count too");
    // The real holder behind the same address still gets the form.
    let res = app.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(!app.form_csrf(&link).await.is_empty());
}

#[tokio::test]
async fn a_second_rounds_invitation_says_when_the_organisation_last_submitted() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let clock = SetClock::new(Utc::now());
    let ja = app.supplier("前年回答株式会社", "ja").await;
    let started = app.supplier("Started Already Ltd", "en").await;
    let other = app.supplier("Other Questionnaire Ltd", "en").await;
    let ids = |p: &(String, String)| (p.0.clone(), p.1.clone());

    // Last year: two organisations submitted this questionnaire; the third only another.
    let last_year = app.campaign("forced-labour").await;
    let migrant = app.campaign("migrant-labour").await;
    for (campaign, p, days) in [
        (&last_year, &ja, 365),
        (&last_year, &started, 300),
        (&migrant, &other, 200),
    ] {
        let (org, contact) = ids(p);
        let i = invite_again(&app, campaign, (&org, &contact), "").await;
        app.submitted_days_ago(&i.response.to_string(), days).await;
    }

    // This year's round.
    let (campaign, deadline, _) = launched_campaign(&app).await;
    let mut invited = Vec::new();
    for (p, name) in [
        (&ja, "前年回答株式会社"),
        (&started, "Started Already Ltd"),
        (&other, "Other Questionnaire Ltd"),
    ] {
        let (org, contact) = ids(p);
        invited.push(invite_again(&app, &campaign, (&org, &contact), name).await);
    }
    let newcomer = invite(&app, &campaign, "New Supplier Ltd", "en").await;
    // A colleague started this year's answers already: the form offers nothing.
    {
        let mut conn = app.db.conn().await;
        diesel::sql_query(
            "INSERT INTO answers (response_id, question_id, value) VALUES ($1, 'anything', '1')",
        )
        .bind::<diesel::sql_types::Uuid, _>(invited[1].response)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let queued = invited
        .iter()
        .chain([&newcomer])
        .map(|i| i.invitation)
        .collect();
    assert_eq!(queue_invitations(&app, queued).await.len(), 4);
    let stats = run_due(&worker(&app, &smtp.url(), &clock)).await.unwrap();
    assert_eq!(stats.done, 4);
    let messages = smtp.wait_for(4).await;
    let text_of = |i: &Invited| {
        text_body(
            messages
                .iter()
                .find(|m| text_body(m).contains(&i.link))
                .unwrap_or_else(|| panic!("no message for {}", i.name)),
        )
    };

    let year_ago = (Utc::now() - Duration::days(365)).date_naive();
    let text = text_of(&invited[0]);
    assert!(
        text.contains(&format!(
            "前年回答株式会社は{}年{}月{}日にこの質問票をご提出済みです。",
            chrono::Datelike::year(&year_ago),
            chrono::Datelike::month(&year_ago),
            chrono::Datelike::day(&year_ago)
        )),
        "{text}"
    );
    assert!(text.contains("「前回の回答から始める」"), "{text}");
    for i in [&invited[1], &invited[2], &newcomer] {
        let text = text_of(i);
        assert!(
            !text.contains("submitted this questionnaire on"),
            "{}: {text}",
            i.name
        );
    }

    // A reminder says it too, while nobody has started.
    let campaign_id: Uuid = campaign.parse().unwrap();
    let step = hrdd_survey::domain::reminders::Step {
        number: 1,
        at: Utc::now(),
        overdue: false,
    };
    {
        let mut conn = app.state.pool.get().await.unwrap();
        let queued = campaign_mail::queue_reminder(
            &mut conn,
            &Jobs::new(),
            (campaign_id, deadline),
            &step,
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(queued.len(), 4, "every organisation that has not submitted");
    }
    assert_eq!(
        run_due(&worker(&app, &smtp.url(), &clock))
            .await
            .unwrap()
            .done,
        4
    );
    let reminders: Vec<String> = smtp.wait_for(8).await.split_off(4);
    let reminder_of = |i: &Invited| {
        text_body(
            reminders
                .iter()
                .find(|m| text_body(m).contains(&i.link))
                .unwrap_or_else(|| panic!("no reminder for {}", i.name)),
        )
    };
    let text = reminder_of(&invited[0]);
    assert!(text.contains("「前回の回答から始める」"), "{text}");
    assert!(
        text.contains("リンクは前回と同じです"),
        "a reminder: {text}"
    );
    for i in [&invited[1], &invited[2], &newcomer] {
        let text = reminder_of(i);
        assert!(
            !text.contains("Start from your last answers"),
            "{}: {text}",
            i.name
        );
    }

    // What the email promises, the form offers.
    let page = start_page(&app, &invited[0].link).await;
    assert!(page.contains(r#"id="carry-over""#), "{page}");
}

#[tokio::test]
async fn an_organisation_added_after_the_deadline_is_asked_to_answer_soon_and_has_two_weeks() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let clock = SetClock::new(Utc::now());
    let (campaign, _, _) = launched_campaign(&app).await;
    let deadline = Utc::now().date_naive() - Duration::days(25);
    {
        let mut conn = app.db.conn().await;
        diesel::update(campaigns::table.find(campaign.parse::<Uuid>().unwrap()))
            .set(campaigns::deadline.eq(deadline))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let member = crate::flags::member(&app, Role::Procurement, "Pat Procurement").await;
    let (status, page) = member
        .page(&app, &format!("/staff/campaigns/{campaign}"))
        .await;
    assert_eq!(status, 200);
    let until = (Utc::now() + Duration::days(14)).date_naive();
    assert!(
        page.contains(&format!(
            "The deadline ({deadline}) has passed: an organisation added now is asked to answer as soon as it can, and its links work until {until}."
        )),
        "{page}"
    );

    // Added now (its email queued here, so that this app's own worker does not take it).
    let (org, contact) = app.supplier("Late Comer Ltd", "en").await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &serde_json::json!({"organisation_id": org, "contact_id": contact, "send_email": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let inv: serde_json::Value = res.json().await.unwrap();
    let expires: DateTime<Utc> = inv["expires_at"].as_str().unwrap().parse().unwrap();
    let left = expires - Utc::now();
    assert!(
        left > Duration::days(13) && left <= Duration::days(14),
        "two weeks to answer, not the {} days left of the campaign's 30: {left}",
        30 - 25
    );

    // Its form says the deadline has passed; one within its deadline does not.
    let link = inv["link"]
        .as_str()
        .unwrap()
        .trim_start_matches(&app.address);
    let page = start_page(&app, link).await;
    assert!(
        page.contains(
            r#"<span id="deadline-passed">(passed: please answer as soon as you can)</span>"#
        ),
        "{page}"
    );
    let (on_time, _) = app
        .invite(&app.campaign("forced-labour").await, &org, &contact)
        .await;
    let page = start_page(&app, &on_time).await;
    assert!(page.contains("<dt>Deadline</dt>"), "{page}");
    assert!(!page.contains("deadline-passed"), "{page}");
    let invitation = inv["invitation_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(queue_invitations(&app, vec![invitation]).await.len(), 1);
    run_due(&worker(&app, &smtp.url(), &clock)).await.unwrap();
    let mail = smtp.wait_for(1).await.remove(0);
    let text = text_body(&mail);
    let written =
        hrdd_survey::email::written::date_text(deadline, hrdd_survey::domain::i18n::Lang::En);
    assert!(
        text.contains(&format!(
            "The deadline was {written}; please answer as soon as you can."
        )),
        "{text}"
    );
    assert!(!text.contains("Please answer by"), "{text}");
    assert!(
        header(&mail, "Subject")
            .unwrap()
            .contains(&format!("the deadline was {written}: please answer soon")),
        "{mail}"
    );
}

#[tokio::test]
async fn a_contact_invited_after_a_reminder_fell_due_gets_the_next_one_not_that_one() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    let (campaign, deadline, _) = launched_campaign(&app).await;
    let early = invite(&app, &campaign, "Invited At Launch Ltd", "en").await;
    let late = invite(&app, &campaign, "Added Later Ltd", "en").await;
    // The second one's link was issued after step 1 (14 days before the deadline).
    let step_one = midnight(deadline) - Duration::days(14);
    {
        let mut conn = app.db.conn().await;
        diesel::update(invitations::table.find(late.invitation))
            .set(invitations::created_at.eq(step_one + Duration::hours(10)))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let clock = SetClock::new(step_one + Duration::hours(11));
    let w = worker(&app, &smtp.url(), &clock);
    assert_eq!(
        campaign_schedule::pass(&w).await.unwrap().reminders,
        1,
        "only the contact invited before the step"
    );
    clock.set(midnight(deadline) - Duration::days(7));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 2);
    run_due(&w).await.unwrap();
    let messages = smtp.wait_for(3).await;
    let to = |i: &Invited| {
        messages
            .iter()
            .filter(|m| text_body(m).contains(&i.link))
            .count()
    };
    assert_eq!((to(&early), to(&late)), (2, 1));
}

#[tokio::test]
async fn an_extended_deadline_brings_its_own_reminders_and_tells_the_owner_again() {
    // The page's change wakes the application's own worker: it sends to this server too.
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(
        &templates_dir(),
        &[
            ("SMTP_URL", smtp.url()),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await;
    let (campaign, deadline, owner) = launched_campaign(&app).await;
    let late = invite(&app, &campaign, "Needs More Time Ltd", "en").await;
    let clock = SetClock::new(midnight(deadline) - Duration::days(2) + Duration::hours(9));
    let w = worker(&app, &smtp.url(), &clock);
    // Each email is rendered when it is sent: send at once, read the newest.
    let mut received = 0;
    let mut send = async |expected: usize| -> Vec<String> {
        run_due(&w).await.unwrap();
        let messages = smtp.wait_for(received + expected).await;
        let new: Vec<String> = messages[received..].to_vec();
        assert_eq!(new.len(), expected, "{new:#?}");
        received += expected;
        new
    };
    // The old deadline's last step before it, then its escalation.
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 1);
    send(1).await;
    clock.set(midnight(deadline) + Duration::days(1) + Duration::hours(1));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 1);
    let text = text_body(&send(1).await[0]);
    let weekly = (deadline + Duration::days(7))
        .format("%-d %B %Y")
        .to_string();
    assert!(
        text.contains(&format!(
            "Their contacts get the next reminder on {weekly}."
        )),
        "{text}"
    );

    // Procurement gives three more weeks on the campaign page, and tells the contacts
    // who have not submitted (the box is ticked); the one that submitted hears nothing.
    let submitted = invite(&app, &campaign, "Answered Already Ltd", "en").await;
    app.submitted_days_ago(&submitted.response.to_string(), 0)
        .await;
    let extended = deadline + Duration::days(21);
    let member = crate::flags::member(&app, Role::Procurement, "Pat Procurement").await;
    let (_, page) = member
        .page(&app, &format!("/staff/campaigns/{campaign}"))
        .await;
    assert!(
        page.contains(r#"name="notify_contacts" id="notify-contacts" value="yes" checked>"#),
        "{page}"
    );
    let change = async || {
        let form = [
            ("deadline", extended.to_string()),
            ("notify_contacts", "yes".to_string()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let path = format!("/staff/campaigns/{campaign}/deadline");
        member.post_and_follow(&app, &path, &form).await
    };
    let page = change().await;
    assert!(
        page.contains(&format!(
            "The deadline is now {extended}; 1 contact is being emailed the new date."
        )),
        "{page}"
    );
    let news = &send(1).await[0];
    let new_date = extended.format("%-d %B %Y").to_string();
    assert_eq!(
        header(news, "Subject").as_deref(),
        Some(
            format!(
                "New deadline: Test campaign for {} (now {new_date})",
                late.name
            )
            .as_str()
        )
    );
    let text = text_body(news);
    assert!(
        text.contains(&format!("has been extended to {new_date}.")) && text.contains(&late.link),
        "{text}"
    );
    // The same date again (a second click): nothing is written, nobody is emailed.
    let page = change().await;
    assert!(
        page.contains(&format!(
            "The deadline is already {extended}: nothing changed."
        )),
        "{page}"
    );
    let changes: i64 = {
        use hrdd_survey::db::schema::audit_log;
        let mut conn = app.db.conn().await;
        audit_log::table
            .filter(audit_log::action.eq("campaign.deadline_changed"))
            .filter(audit_log::subject_id.eq(&campaign))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(changes, 1);
    let first_step = extended - Duration::days(14);
    assert!(
        page.contains(&format!(
            r#"id="next-reminder">{first_step} (14 days before the deadline)"#
        )),
        "{page}"
    );

    // The new deadline's steps go, each once, though steps 1 to 3 went for the old one
    // (the contact had 3); nothing is due before the first of them.
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!((pass.reminders, pass.escalations), (0, 0));
    for (at, step) in [
        (first_step, 1),
        (extended - Duration::days(7), 2),
        (extended - Duration::days(2), 3),
    ] {
        clock.set(midnight(at) + Duration::hours(8));
        assert_eq!(
            campaign_schedule::pass(&w).await.unwrap().reminders,
            1,
            "step {step}"
        );
        assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 0);
        let text = text_body(&send(1).await[0]);
        assert!(text.contains(&late.link), "{text}");
        assert!(
            text.contains(&new_date),
            "step {step} names the new deadline: {text}"
        );
    }
    // After the new deadline: the owner is told again, once, with the new date.
    clock.set(midnight(extended) + Duration::days(1) + Duration::hours(1));
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!((pass.reminders, pass.escalations), (0, 1));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().escalations, 0);
    let escalation = &send(1).await[0];
    assert!(header(escalation, "To").is_some_and(|t| t.contains(&owner)));
    let text = text_body(escalation);
    assert!(text.contains(&format!("- {}", late.name)), "{text}");
    assert!(text.contains(&new_date), "{text}");
    let weekly = (extended + Duration::days(7))
        .format("%-d %B %Y")
        .to_string();
    assert!(text.contains(&weekly), "{text}");
}

#[tokio::test]
async fn a_campaign_whose_links_go_one_by_one_is_reminded_as_its_page_says() {
    let app = quiet_app().await;
    let smtp = SmtpServer::start().await;
    // Created open, without an audience: never launched, its links issued one by one.
    let campaign = app.campaign("forced-labour").await;
    let invited = invite(&app, &campaign, "One By One Ltd", "en").await;
    let deadline: NaiveDate = {
        let mut conn = app.db.conn().await;
        campaigns::table
            .find(campaign.parse::<Uuid>().unwrap())
            .select(campaigns::deadline)
            .first(&mut conn)
            .await
            .unwrap()
    };
    let step_one = deadline - Duration::days(14);
    let member = crate::flags::member(&app, Role::Procurement, "Pat Procurement").await;
    let (_, page) = member
        .page(&app, &format!("/staff/campaigns/{campaign}"))
        .await;
    assert!(
        page.contains(&format!(
            r#"id="next-reminder">{step_one} (14 days before the deadline)"#
        )),
        "{page}"
    );
    let clock = SetClock::new(midnight(step_one) + Duration::hours(2));
    let w = worker(&app, &smtp.url(), &clock);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 1);
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 0);
    run_due(&w).await.unwrap();
    let text = text_body(&smtp.wait_for(1).await[0]);
    assert!(text.contains(&invited.link), "{text}");
    assert!(text.contains("This is a reminder"), "{text}");
}

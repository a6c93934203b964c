//! An address the mail server refused (a 5xx for the recipient) is a bounce: the
//! campaign counts it, and neither the scheduled reminders nor a reminder by hand are
//! sent there again (each would be refused too, and mail to known-bad addresses is what
//! spam filters hold against a sender) until the address is corrected. An email given up
//! after days of a relay that did not answer is not a bounce: the reminder goes.

use crate::campaign_edits::{maria, org, page as staff_page};
use crate::campaign_mail::{launched_campaign, midnight, queue_invitations, worker};
use crate::helpers::{templates_dir, TestApp, MAIL_WAIT};
use crate::mail::{free_port, header, text_body, SmtpServer};
use chrono::Duration;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::schema::{invitations, jobs};
use hrdd_survey::jobs::clock::SetClock;
use hrdd_survey::jobs::{campaign_schedule, run_due};
use serde_json::{json, Value};
use uuid::Uuid;

/// The application, its own worker delivering to `relay`.
async fn mailing_app(relay: &SmtpServer) -> TestApp {
    TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", relay.url())]).await
}

/// Waits until no email is waiting or being sent (each delivered or dead).
async fn settled(app: &TestApp) {
    let started = std::time::Instant::now();
    let mut conn = app.db.conn().await;
    loop {
        let busy: i64 = jobs::table
            .filter(jobs::kind.eq("send_email"))
            .filter(jobs::state.eq_any(["pending", "running"]))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        if busy == 0 {
            return;
        }
        assert!(started.elapsed() < MAIL_WAIT, "{busy} emails still queued");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Adds a contact at `email` to `org`; its id.
async fn contact(app: &TestApp, org: &str, name: &str, email: &str) -> String {
    let c: Value = app
        .post_json(
            &format!("/api/v1/organisations/{org}/contacts"),
            &json!({"name": name, "email": email, "language": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    c["id"].as_str().unwrap().to_string()
}

/// Issues `contact`'s link with its invitation email.
async fn invite(app: &TestApp, campaign: &str, org: &str, contact: &str) {
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": org, "contact_id": contact}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

async fn progress(app: &TestApp, campaign: &str) -> Value {
    app.get(&format!("/api/v1/campaigns/{campaign}/progress"))
        .await
        .json()
        .await
        .unwrap()
}

fn bounced(progress: &Value, org: &str) -> bool {
    progress["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["organisation_id"] == org)
        .unwrap()["bounced"]
        .as_bool()
        .unwrap()
}

async fn remind(app: &TestApp, campaign: &str, org: &str) -> (u16, Value) {
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/organisations/{org}/remind"),
            &json!({}),
        )
        .await;
    (res.status().as_u16(), res.json().await.unwrap())
}

/// The addresses `smtp` received a message for, in order.
fn recipients(smtp: &SmtpServer) -> Vec<String> {
    smtp.messages()
        .iter()
        .map(|m| header(m, "To").unwrap())
        .collect()
}

#[tokio::test]
async fn an_address_the_server_refused_is_not_reminded_until_it_is_corrected() {
    let relay = SmtpServer::start_refusing_nobody().await;
    let app = mailing_app(&relay).await;
    let (campaign, deadline, _) = launched_campaign(&app).await;
    // Two Desks has a contact at a mailbox that does not exist, and one that works.
    let (desks, works) = app.supplier("Two Desks Ltd", "en").await;
    let nobody = contact(&app, &desks, "Former buyer", "nobody@example.com").await;
    // Far Away's one contact was invited while the relay was down, until it gave up.
    for c in [&works, &nobody] {
        invite(&app, &campaign, &desks, c).await;
    }
    assert_eq!(relay.wait_for(1).await.len(), 1);
    settled(&app).await;
    // Far Away's invitation, queued beside the service's worker, is given up by a
    // worker of the test's own against a relay that never answers (one attempt for
    // the 79 of three days).
    let (far, far_contact) = org(&app, "Far Away Ltd", "VN", "far@example.com").await;
    app.invite(&campaign, &far, &far_contact).await;
    let mut conn = app.db.conn().await;
    let far_link: Uuid = invitations::table
        .filter(invitations::contact_id.eq(far_contact.parse::<Uuid>().unwrap()))
        .select(invitations::id)
        .first(&mut conn)
        .await
        .unwrap();
    let far_job = queue_invitations(&app, vec![far_link]).await;
    diesel::update(jobs::table.find(far_job[0]))
        .set(jobs::max_attempts.eq(1))
        .execute(&mut conn)
        .await
        .unwrap();
    let clock = SetClock::new(midnight(deadline) - Duration::days(20));
    let down = format!("smtp://127.0.0.1:{}", free_port());
    let stats = run_due(&worker(&app, &down, &clock)).await.unwrap();
    assert_eq!(stats.dead, 1, "Far Away's, given up: {stats:?}");
    let w = worker(&app, &relay.url(), &clock);

    // The campaign counts Two Desks bounced (a 5xx), not Far Away (the relay's silence).
    let p = progress(&app, &campaign).await;
    assert!(bounced(&p, &desks), "{p}");
    assert!(!bounced(&p, &far), "{p}");
    assert_eq!(p["totals"]["bounced"], 1, "{p}");
    // Its CSV of the bounced lists the refused addresses, for whoever collects new ones.
    let csv = app
        .get(&format!(
            "/api/v1/campaigns/{campaign}/progress?format=csv&bounced=true"
        ))
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].ends_with(r#","refused_addresses""#), "{csv}");
    assert!(
        lines[1].starts_with(r#""Two Desks Ltd","#)
            && lines[1].ends_with(r#","nobody@example.com""#),
        "{csv}"
    );
    // Its page finds the bounced among the others, and says they are not reminded.
    let maria = maria(&app).await;
    let page = staff_page(
        &app,
        &maria,
        &format!("/staff/campaigns/{campaign}?bounced=true"),
    )
    .await;
    let table = &page[page.find(r#"<table id="progress""#).expect(&page)..];
    assert!(table.contains("Two Desks Ltd"), "{table}");
    assert!(!table.contains("Far Away Ltd"), "{table}");
    assert!(
        page.contains(
            "but not to an address the mail server refused (1 organisation bounced: \
             correct the address to reach it)"
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"name="bounced" value="true" checked"#),
        "{page}"
    );
    // The refused address is the one to correct; Far Away's, given up while the relay
    // was silent, is not (its address may be right).
    let page = staff_page(&app, &maria, &format!("/staff/campaigns/{campaign}")).await;
    assert!(
        page.contains("Correct the address of Former buyer"),
        "{page}"
    );
    assert!(
        !page.contains("Correct the address of Far Away Ltd contact"),
        "{page}"
    );

    // The first reminder step: the working address and Far Away, not the refused one.
    clock.set(midnight(deadline) - Duration::days(14) + Duration::hours(9));
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 2);
    run_due(&w).await.unwrap();
    relay.wait_for(3).await;
    settled(&app).await;
    let to = recipients(&relay);
    assert_eq!(to.len(), 3, "{to:?}");
    assert!(!to.iter().any(|t| t.contains("nobody")), "{to:?}");

    // Remind now, by hand: the same, and it says who was left out and why.
    let (status, body) = remind(&app, &campaign, &desks).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["queued"], 1, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("not to nobody@example.com, whose address the mail server refused"),
        "{message}"
    );
    relay.wait_for(4).await;
    settled(&app).await;
    assert_eq!(
        relay.messages().len(),
        4,
        "nothing more, to nobody or twice"
    );

    // Procurement corrects the address on the organisation's page: the next reminder by
    // hand reaches the new address, with the contact's working link.
    let res = maria
        .post(
            &app,
            &format!("/staff/organisations/{desks}/contacts/{nobody}"),
            &[
                ("name", "New buyer"),
                ("email", "buyer@example.com"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, body) = remind(&app, &campaign, &desks).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["queued"], 1, "{body}");
    assert!(
        !body["message"].as_str().unwrap().contains("refused"),
        "{body}"
    );
    let messages = relay.wait_for(5).await;
    let last = &messages[4];
    assert!(
        header(last, "To").unwrap().contains("buyer@example.com"),
        "{last}"
    );
    assert!(text_body(last).contains("/r/"), "{}", text_body(last));
}

/// Every contact of an organisation refused: its page offers no "Remind now", and a
/// reminder by hand (the API's) is refused with the addresses and what to do.
#[tokio::test]
async fn a_reminder_to_an_organisation_whose_every_address_was_refused_says_so() {
    let relay = SmtpServer::start_refusing_nobody().await;
    let app = mailing_app(&relay).await;
    let (campaign, _, _) = launched_campaign(&app).await;
    let (gone, first) = org(&app, "Gone Away Ltd", "JP", "nobody.here@example.com").await;
    invite(&app, &campaign, &gone, &first).await;
    settled(&app).await;

    let (status, body) = remind(&app, &campaign, &gone).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.to_string().contains(
            "the mail server refused every address at Gone Away Ltd (nobody.here@example.com)"
        ),
        "{body}"
    );
    // Its page offers no "Remind now" and says why.
    let maria = maria(&app).await;
    let page = staff_page(&app, &maria, &format!("/staff/campaigns/{campaign}")).await;
    assert!(
        page.contains("not reminded until the address is corrected"),
        "{page}"
    );
    assert!(!page.contains("Remind Gone Away Ltd now"), "{page}");
    let mut conn = app.db.conn().await;
    let queued: i64 = jobs::table
        .filter(jobs::purpose.eq("reminder"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(queued, 0);
}

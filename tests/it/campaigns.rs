//! Campaign lifecycle (issue 8): a draft launched in one go to its audience (links and
//! invitation emails in the contacts' languages, delivered to a real SMTP server, whose
//! links open the form), launching twice, bad input that writes nothing, adding
//! contacts with or without an email, deadline, close, and the progress counts.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::{templates_dir, TestApp};
use crate::mail::{header, SmtpServer};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{audit_log, campaigns, email_outbox, invitations, responses};
use hrdd_survey::jobs::clock::SetClock;
use hrdd_survey::jobs::{campaign_schedule, run_due};
use serde_json::{json, Value};

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

async fn app_with_smtp(smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", smtp.url())]).await
}

/// An organisation with contacts in the given languages; (org id, contact ids).
async fn organisation(
    app: &TestApp,
    name: &str,
    country: &str,
    langs: &[&str],
) -> (String, Vec<String>) {
    let org: Value = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": name, "country": country, "sector": "textiles"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = org["id"].as_str().unwrap().to_string();
    let mut contacts = Vec::new();
    for (i, lang) in langs.iter().enumerate() {
        let c: Value = app
            .post_json(
                &format!("/api/v1/organisations/{id}/contacts"),
                &json!({"name": format!("{name} person {i}"), "email": format!("{}-{i}@example.com", name.to_lowercase().replace(' ', "-")), "language": lang}),
            )
            .await
            .json()
            .await
            .unwrap();
        contacts.push(c["id"].as_str().unwrap().to_string());
    }
    (id, contacts)
}

async fn draft(app: &TestApp, audience: Value) -> String {
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Autumn check", "template_id": "forced-labour", "deadline": in_days(30),
                    "message": "Thank you for your help.", "audience": audience}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["status"], "draft", "{c}");
    c["id"].as_str().unwrap().to_string()
}

macro_rules! count {
    ($app:expr, $table:path) => {{
        let mut conn = $app.db.conn().await;
        $table.count().get_result::<i64>(&mut conn).await.unwrap()
    }};
}

async fn rows(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        count!(app, invitations::table),
        count!(app, email_outbox::table),
        count!(app, responses::table),
        count!(app, audit_log::table),
    )
}

/// The decoded text of a message (7bit, quoted-printable or base64).
pub(crate) fn body(message: &str) -> String {
    let message = message.replace("\r\n", "\n");
    let (_, raw) = message.split_once("\n\n").unwrap();
    match header(&message, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8(base64_decode(raw)).unwrap(),
        _ => crate::mail::text_body(&message),
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let Some(v) = A.iter().position(|a| *a == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

pub(crate) fn link_path(app: &TestApp, text: &str) -> String {
    let prefix = format!("{}/r/", app.address);
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no link in {text}"));
    let token: String = text[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(token.len(), 43);
    format!("/r/{token}")
}

#[tokio::test]
async fn launch_emails_every_contact_in_their_language_and_the_links_open_the_form() {
    let smtp = SmtpServer::start().await;
    let app = app_with_smtp(&smtp).await;
    let (a, _) = organisation(&app, "Sakura Mills", "JP", &["ja", "en"]).await;
    let (b, hanoi_contacts) = organisation(&app, "Hanoi Knit", "VN", &["vi"]).await;
    let (_other, _) = organisation(&app, "Not Picked", "JP", &["en"]).await;
    let campaign = draft(&app, json!({"organisations": [a, b]})).await;

    let res = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["launched"], true, "{out}");
    assert_eq!(out["organisations"], 2);
    assert_eq!(out["links"], 3);
    assert_eq!(out["emails"], 3);

    let messages = smtp.wait_for(3).await;
    let texts: Vec<(String, String)> = messages
        .iter()
        .map(|m| (header(m, "To").unwrap(), body(m)))
        .collect();
    let ja = texts
        .iter()
        .find(|(to, _)| to.contains("sakura-mills-0"))
        .unwrap();
    assert!(ja.1.contains("質問票"), "Japanese: {}", ja.1);
    assert!(
        ja.1.contains("Thank you for your help."),
        "the campaign's message"
    );
    let vi = texts
        .iter()
        .find(|(to, _)| to.contains("hanoi-knit-0"))
        .unwrap();
    assert!(vi.1.contains("Kính gửi"), "Vietnamese: {}", vi.1);
    let en = texts
        .iter()
        .find(|(to, _)| to.contains("sakura-mills-1"))
        .unwrap();
    assert!(en.1.contains("Please answer"), "English: {}", en.1);
    assert!(!texts.iter().any(|(to, _)| to.contains("not-picked")));

    // The link in the email opens the form, in the contact's language.
    let path = link_path(&app, &ja.1);
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"ja\""), "the form opens in Japanese");

    // No link is stored in clear: the outbox rows have an empty body.
    let mut conn = app.db.conn().await;
    let bodies: Vec<String> = email_outbox::table
        .filter(email_outbox::purpose.eq("invitation"))
        .select(email_outbox::text_body)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| !b.contains("/r/")));

    // Progress: one organisation opened its link, the other is invited.
    let p: Value = app
        .get(&format!("/api/v1/campaigns/{campaign}/progress"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["totals"]["organisations"], 2, "{p}");
    // The deadline is in 30 days: the next reminder is the default schedule's first,
    // 14 days before it.
    assert_eq!(
        p["next_reminder"],
        json!({"number": 1, "at": format!("{}T00:00:00Z", in_days(16)), "overdue": false}),
        "{p}"
    );
    assert_eq!(p["totals"]["invited"], 2);
    assert_eq!(p["totals"]["opened"], 1);
    assert_eq!(p["totals"]["submitted"], 0);
    let sakura = p["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Sakura Mills")
        .unwrap();
    assert_eq!(sakura["stage"], "opened");
    assert_eq!(p["contacts"].as_array().unwrap().len(), 3);
    assert!(p["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["email_status"] == "sent" && c["link"] == "active"));

    // A new link issued without an email has no email status: the earlier link's "sent"
    // is not this link's.
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": b, "contact_id": hanoi_contacts[0], "send_email": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let p: Value = app
        .get(&format!("/api/v1/campaigns/{campaign}/progress"))
        .await
        .json()
        .await
        .unwrap();
    let hanoi = p["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact_id"] == hanoi_contacts[0].as_str())
        .unwrap_or_else(|| panic!("{p}"));
    assert_eq!(hanoi["link"], "active", "{hanoi}");
    assert_eq!(hanoi["email_status"], Value::Null, "{hanoi}");

    // Filters and CSV export.
    let opened: Value = app
        .get(&format!(
            "/api/v1/campaigns/{campaign}/progress?stage=opened"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(opened["organisations"].as_array().unwrap().len(), 1);
    let bad = app
        .get(&format!("/api/v1/campaigns/{campaign}/progress?stage=lost"))
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("stage"));
    let csv = app
        .get(&format!("/api/v1/campaigns/{campaign}/progress?format=csv"))
        .await;
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!(
                "campaign-progress-{}.csv",
                campaign.replace('-', "")
            )),
        "one file name per campaign"
    );
    let csv = csv.text().await.unwrap();
    // A byte order mark for Excel, and each organisation's keys beside its name.
    assert!(
        csv.starts_with(
            "\u{feff}\"organisation\",\"external_ref\",\"organisation_id\",\"country\",\"stage\","
        ),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("\"Sakura Mills\",\"\",\"{a}\",\"JP\",\"opened\",")),
        "{csv}"
    );
}

#[tokio::test]
async fn launching_twice_changes_nothing_and_says_so() {
    let app = TestApp::spawn().await;
    let (a, _) = organisation(&app, "Twice Ltd", "JP", &["en", "ja"]).await;
    let campaign = draft(&app, json!({"filter": {"country": "jp"}})).await;
    let first: Value = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["launched"], true);
    assert_eq!(first["links"], 2);
    let before = rows(&app).await;
    let res = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["launched"], false, "{second}");
    assert!(second["message"]
        .as_str()
        .unwrap()
        .contains("already launched"));
    assert_eq!(second["launched_at"], first["launched_at"]);
    assert_eq!(rows(&app).await, before, "nothing written");

    // A launched campaign grows: a new contact gets a link and an email, once.
    let res = app
        .post_json(
            &format!("/api/v1/organisations/{a}/contacts"),
            &json!({"name": "Late joiner", "email": "late@example.com", "language": "vi"}),
        )
        .await;
    let late: Value = res.json().await.unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": a, "contact_id": late["id"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let issued: Value = res.json().await.unwrap();
    assert!(
        issued["email_job_id"].is_string(),
        "the email is queued: {issued}"
    );
    assert_eq!(issued["language"], "vi");
    // With "send_email": false only the link is issued.
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &json!({"organisation_id": a, "contact_id": late["id"], "send_email": false}),
        )
        .await;
    let issued: Value = res.json().await.unwrap();
    assert!(issued["email_job_id"].is_null());
    assert_eq!(issued["revoked_previous"], 1);
    assert_eq!(
        count!(app, email_outbox::table),
        before.1 + 1,
        "one more email, not two"
    );
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (a, _) = organisation(&app, "Field Co", "JP", &["en"]).await;
    let campaigns_before = count!(app, campaigns::table);
    let cases = [
        (
            json!({"template_version": 99, "audience": {"organisations": [a]}}),
            "template_id",
        ),
        (
            json!({"deadline": in_days(-1), "audience": {"organisations": [a]}}),
            "deadline",
        ),
        (json!({"audience": {"organisations": []}}), "audience"),
        (
            json!({"audience": {"organisations": [uuid::Uuid::new_v4()]}}),
            "audience",
        ),
        (
            json!({"audience": {"filter": {"kind": "factory"}}}),
            "audience.kind",
        ),
        (
            json!({"audience": {"filter": {"country": "Japan"}}}),
            "audience.country",
        ),
        (
            json!({"owner_user_id": uuid::Uuid::new_v4()}),
            "owner_user_id",
        ),
        (json!({"reminder_days_before": [0]}), "reminder_days_before"),
        (
            json!({"reminder_weekly_after": 60}),
            "reminder_weekly_after",
        ),
        (json!({"link_grace_days": -1}), "link_grace_days"),
    ];
    for (extra, field) in cases {
        let mut body =
            json!({"name": "Bad", "template_id": "forced-labour", "deadline": in_days(30)});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app.post_json("/api/v1/campaigns", &body).await;
        assert_eq!(res.status(), 422, "{body}");
        let text = res.text().await.unwrap();
        assert!(text.contains(field), "{field} named in {text}");
    }
    assert_eq!(count!(app, campaigns::table), campaigns_before);

    // A filter that matches nobody: the launch is refused, the draft stays a draft.
    let campaign = draft(&app, json!({"filter": {"country": "VN"}})).await;
    let res = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("audience"));
    let mut conn = app.db.conn().await;
    let status: String = campaigns::table
        .find(uuid::Uuid::parse_str(&campaign).unwrap())
        .select(campaigns::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "draft");
    assert_eq!(count!(app, invitations::table), 0);

    // A draft sends nothing one by one either.
    let c2 = draft(&app, json!({"organisations": [a]})).await;
    let org: Value = app
        .get(&format!("/api/v1/organisations/{a}"))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{c2}/invitations"),
            &json!({"organisation_id": a, "contact_id": org["contacts"][0]["id"]}),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("launch the campaign first"));
}

#[tokio::test]
async fn deadline_extends_only_and_closing_expires_unused_links_after_the_grace_period() {
    let app = TestApp::spawn().await;
    let (a, _) = organisation(&app, "Closing Co", "JP", &["en"]).await;
    let campaign = draft(&app, json!({"organisations": [a]})).await;
    app.post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/deadline"),
            &json!({"deadline": in_days(10)}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("deadline"));
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/deadline"),
            &json!({"deadline": in_days(60)}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["deadline"], in_days(60));
    assert_eq!(c["contacts_told"], 0, "nobody is emailed unless asked");

    let res = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/close"), &json!({}))
        .await;
    let out: Value = res.json().await.unwrap();
    assert_eq!(out["closed"], true, "{out}");
    assert_eq!(out["links_expiring"], 1);
    // The message says what closing does: no more answers, the link only explains.
    assert_eq!(
        out["message"],
        "closed: answers are no longer accepted; 1 link that no one opened stops opening in 14 days (until then it says that the campaign is closed)",
        "{out}"
    );
    let mut conn = app.db.conn().await;
    // A visit now is refused (410), and it is not recorded as an open.
    let inv: hrdd_survey::db::models::Invitation = invitations::table
        .select(hrdd_survey::db::models::Invitation::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    let token = hrdd_survey::auth::links::link_token(&app.state.link_keys, &inv).unwrap();
    assert_eq!(app.get(&format!("/r/{token}")).await.status(), 410);
    let opened: Option<chrono::DateTime<chrono::Utc>> = invitations::table
        .select(invitations::first_opened_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(opened, None, "a refused visit is not an open");
    let expires: chrono::DateTime<chrono::Utc> = invitations::table
        .select(invitations::expires_at)
        .first(&mut conn)
        .await
        .unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!(
        (13 * 24..=14 * 24).contains(&days),
        "grace of 14 days: {days} h"
    );
    let again: Value = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/close"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["closed"], false);
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/organisations"),
            &json!({"organisation_ids": [a]}),
        )
        .await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn a_refused_invitation_shows_as_bounced_with_the_servers_answer() {
    let smtp = SmtpServer::start_rejecting().await;
    let app = app_with_smtp(&smtp).await;
    let (a, _) = organisation(&app, "Bounce Co", "JP", &["en"]).await;
    let campaign = draft(&app, json!({"organisations": [a]})).await;
    app.post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await;
    let started = std::time::Instant::now();
    let p = loop {
        let p: Value = app
            .get(&format!("/api/v1/campaigns/{campaign}/progress"))
            .await
            .json()
            .await
            .unwrap();
        if p["totals"]["bounced"] == 1 {
            break p;
        }
        assert!(started.elapsed().as_secs() < 15, "never bounced: {p}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let contact = &p["contacts"][0];
    assert_eq!(contact["email_status"], "failed");
    assert!(contact["email_error"]
        .as_str()
        .unwrap()
        .contains("no such mailbox here"));
    // The campaign page shows the server's answer next to the contact.
    create_user(&app, "paula@example.com", Role::Procurement, Some(PASSWORD)).await;
    let staff = sign_in(&app, "paula@example.com", PASSWORD).await;
    let page = staff
        .get(&app, &format!("/staff/campaigns/{campaign}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("bounced"), "{page}");
    assert!(page.contains("no such mailbox here"), "{page}");
    // "Correct the address" opens the contact's form, which comes back to the campaign
    // once saved (Re-send then reaches the new address).
    let start = page
        .find("/staff/organisations/")
        .and_then(|i| page[i..].find("?campaign=").map(|j| (i, j)))
        .map(|(i, _)| i)
        .expect("a link to correct the address");
    let edit = &page[start..start + page[start..].find('"').unwrap()];
    assert!(edit.ends_with(&format!("?campaign={campaign}")), "{edit}");
    assert!(page.contains(">Correct the address</a>"), "{page}");
    let org_in_campaign = staff
        .get(
            &app,
            &format!("/staff/campaigns/{campaign}/organisations/{a}"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        org_in_campaign.contains(&format!(r#"<a href="{edit}""#)),
        "{org_in_campaign}"
    );
    let form = staff.get(&app, edit).await.text().await.unwrap();
    assert!(
        form.contains(&format!(
            r#"<a href="/staff/campaigns/{campaign}">← Campaign</a>"#
        )),
        "{form}"
    );
    assert!(form.contains(&format!(r#"action="{edit}""#)), "{form}");
    let fields = [
        ("name", "Bounce Co contact"),
        ("email", "right.address@example.com"),
        ("language", "en"),
        ("job_title", ""),
    ];
    let res = staff.post(&app, edit, &fields).await;
    assert_eq!(res.status(), 303);
    let back = crate::auth::location(&res);
    assert!(
        back.starts_with(&format!("/staff/campaigns/{campaign}?notice=")),
        "{back}"
    );
    let landed = staff.get(&app, &back).await.text().await.unwrap();
    assert!(
        landed.contains("re-send the invitation to reach the new address"),
        "{landed}"
    );
    assert!(landed.contains("right.address@example.com"), "{landed}");
    // A way back that is not a campaign id is not followed.
    let contact_form = edit.split('?').next().unwrap();
    let res = staff
        .post(
            &app,
            &format!("{contact_form}?campaign=https://example.org"),
            &fields,
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(crate::auth::location(&res).starts_with(&format!("/staff/organisations/{a}?saved=")));
    let bounced: Value = app
        .get(&format!(
            "/api/v1/campaigns/{campaign}/progress?bounced=true"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bounced["organisations"].as_array().unwrap().len(), 1);
}

/// The scheduler reminds the contacts of a campaign launched through the API (same
/// link as the invitation) and stops for an organisation once it submits through it.
#[tokio::test]
async fn the_scheduler_reminds_a_launched_campaign_until_the_organisation_submits() {
    let smtp = SmtpServer::start().await;
    let app =
        TestApp::spawn_with_settings(&crate::helpers::fixtures_dir(), &[("SMTP_URL", smtp.url())])
            .await;
    let (a, _) = organisation(&app, "Prompt Co", "JP", &["en"]).await;
    let (b, _) = organisation(&app, "Tardy Co", "JP", &["en"]).await;
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Mini check", "template_id": "mini", "deadline": in_days(30),
                    "audience": {"organisations": [a, b]}}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    let campaign = c["id"].as_str().unwrap().to_string();
    let out: Value = app
        .post_json(&format!("/api/v1/campaigns/{campaign}/launch"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(out["emails"], 2, "{out}");
    let invitations = smtp.wait_for(2).await;
    let link_of = |who: &str| {
        let m = invitations
            .iter()
            .find(|m| header(m, "To").unwrap().contains(who))
            .unwrap();
        link_path(&app, &body(m))
    };
    let (prompt, tardy) = (link_of("prompt-co"), link_of("tardy-co"));
    let valid = [
        ("headcount", "120"),
        ("passports", "employer"),
        ("fees_paid", "yes"),
        ("fee_amount", "1500"),
        ("weekly_hours", "72"),
        ("agents.0.agent_name", "Good Agency"),
    ];
    assert_eq!(app.post_form(&prompt, &valid, "submit").await.status(), 303);

    let deadline: chrono::NaiveDate = in_days(30).parse().unwrap();
    let clock = SetClock::new(
        deadline.and_hms_opt(9, 0, 0).unwrap().and_utc() - chrono::Duration::days(14),
    );
    let w = app
        .campaign_worker(&smtp.url())
        .with_clock(std::sync::Arc::new(clock.clone()));
    let pass = campaign_schedule::pass(&w).await.unwrap();
    assert_eq!(
        pass.reminders, 1,
        "only the organisation that has not submitted"
    );
    assert_eq!(campaign_schedule::pass(&w).await.unwrap().reminders, 0);
    run_due(&w).await.unwrap();
    // Two invitations, the submission receipt to Prompt Co, one reminder.
    let messages = smtp.wait_for(4).await;
    let reminders: Vec<&String> = messages
        .iter()
        .filter(|m| !invitations.contains(m))
        .filter(|m| !header(m, "To").unwrap().contains("prompt-co"))
        .collect();
    assert_eq!(reminders.len(), 1);
    assert!(header(reminders[0], "To").unwrap().contains("tardy-co"));
    assert_eq!(link_path(&app, &body(reminders[0])), tardy, "the same link");
}

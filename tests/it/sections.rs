//! The form in sections over HTTP: start page, one section per post, resume, review,
//! declaration and submit, several contacts (hand-over, per-question conflicts), and
//! links that stop working while a page is open.

use crate::helpers::TestApp;
use crate::mail::{header, text_body, SmtpServer};
use crate::respondent::stored;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::models::Invitation;
use hrdd_survey::db::schema::{
    audit_log, campaigns, contacts, email_outbox, invitations, responses,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub(crate) fn sections_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sections")
}

/// An app with a supplier invited to the three-section questionnaire:
/// (app, link path, response id, campaign id).
pub(crate) async fn invited() -> (TestApp, String, Uuid, String) {
    invited_in(TestApp::spawn_with_templates(&sections_dir()).await).await
}

/// [`invited`] in `app`.
async fn invited_in(app: TestApp) -> (TestApp, String, Uuid, String) {
    let (org, contact) = app.supplier("Sections Supplier", "en").await;
    let campaign = app.campaign("sections").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    (app, link, response.parse().unwrap(), campaign)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

/// The version a page carries for question `id`.
fn version_in(html: &str, id: &str) -> String {
    hidden_in(html, &format!("_v.{id}"))
}

/// The value of the hidden field `name` of a page.
fn hidden_in(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).expect("the page carries the field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn post_urlencoded(
    app: &TestApp,
    link: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = app.form_csrf(link).await;
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    app.client
        .post(app.url(path))
        .form(&all)
        .send()
        .await
        .unwrap()
}

/// The link of the newest invitation of `email`, recomputed as the outbox would.
pub(crate) async fn link_of(app: &TestApp, email: &str) -> String {
    use hrdd_survey::db::schema::contacts;
    let mut conn = app.db.conn().await;
    let inv: Invitation = invitations::table
        .inner_join(contacts::table)
        .filter(contacts::email.eq(email))
        .filter(invitations::revoked_at.is_null())
        .select(Invitation::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    let token = hrdd_survey::auth::links::link_token(&app.state.link_keys, &inv).unwrap();
    format!("/r/{token}")
}

#[tokio::test]
async fn the_start_page_says_who_asks_why_and_lists_the_sections() {
    let (app, link, _, campaign) = invited().await;
    let mut conn = app.db.conn().await;
    diesel::update(campaigns::table.find(campaign.parse::<Uuid>().unwrap()))
        .set(campaigns::message.eq("Please answer by the end of the month. <b>Thanks</b>"))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = app.get(&link).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Labour practices check"));
    assert!(html.contains("Asked by"));
    assert!(
        html.contains("Please answer by the end of the month. &#60;b&#62;Thanks&#60;/b&#62;"),
        "the campaign's message, escaped: {html}"
    );
    assert!(html.contains("Estimated time"));
    for (n, title) in [(1, "Workforce"), (2, "Recruitment"), (3, "Documents")] {
        assert!(
            html.contains(&format!(r#"<a href="{link}/s/{n}">{title}</a>"#)),
            "section {n} is listed: {html}"
        );
    }
    assert!(html.contains("0 / 3 sections done · 4 required questions left"));
    let start = format!(r#"<a class="button" href="{link}/s/1">Start</a>"#);
    // The way on comes before the section list (on a phone a long list fills a screen).
    let (at_start, at_list) = (
        html.find(&start),
        html.find(&format!(r#"<a href="{link}/s/1">"#)),
    );
    assert!(
        at_start.is_some() && at_start < at_list,
        "Start before the list: {html}"
    );
    for (code, name) in [("ja", "日本語"), ("vi", "Tiếng Việt")] {
        assert!(html.contains(&format!(
            r#"<a lang="{code}" hreflang="{code}" href="{link}?lang={code}">{name}</a>"#
        )));
    }
    // Opening pages writes nothing: no answer, no language remembered, no audit entry.
    let before: i64 = audit_log::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    for path in [
        link.clone(),
        format!("{link}/s/2"),
        format!("{link}/review"),
    ] {
        assert_eq!(app.get(&path).await.status(), 200, "{path}");
    }
    let after: i64 = audit_log::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(before, after);
    let chosen: Option<String> = invitations::table
        .select(invitations::chosen_language)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(chosen, None);

    // Accept-Language picks the default when the contact's language is not offered…
    // and an explicit choice is remembered for the link.
    let ja = app
        .get(&format!("{link}?lang=ja"))
        .await
        .text()
        .await
        .unwrap();
    assert!(ja.contains(r#"<html lang="ja">"#));
    assert!(ja.contains("依頼元"));
    let again = reqwest::Client::new()
        .get(app.url(&format!("{link}/s/1")))
        .header("Accept-Language", "vi,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        again.contains(r#"<html lang="ja">"#),
        "remembered over the browser's"
    );
}

#[tokio::test]
async fn save_and_continue_goes_section_by_section_and_resume_finds_the_first_gap() {
    let (app, link, response, _) = invited().await;
    let s1 = format!("{link}/s/1");
    let res = app
        .post_form(&s1, &[("headcount", "120"), ("migrants", "no")], "next")
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{link}/s/2"));

    // Another device with only the link lands on section 2, the first with something
    // left to do; the start page (one click away) says so too.
    let res = app.get(&link).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{link}/s/2"));
    let start = reqwest::Client::new()
        .get(app.url(&format!("{link}?start=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        start.contains(&format!(
            r#"<a class="button" href="{link}/s/2">Continue where you left off</a>"#
        )),
        "{start}"
    );
    assert!(start.contains("1 / 3 sections done"));

    // "Save" stays on the section and says when.
    let s2 = format!("{link}/s/2");
    let res = app
        .post_form(&s2, &[("notes", "Direct hiring")], "save")
        .await;
    assert_eq!(location(&res), format!("{s2}?saved=1"));
    let page = app.get(&location(&res)).await.text().await.unwrap();
    assert!(
        page.contains(r#"role="status" aria-live="polite">Saved at <time datetime="20"#),
        "{page}"
    );
    assert!(page.contains(">Direct hiring</textarea>"));
    assert!(page.contains(r#"aria-current="page">Recruitment</a>"#));
    // On a section page the list is closed, so that the questions come first; the
    // start page shows it open.
    assert!(
        page.contains(
            r#"<details>
<summary>Sections <span class="meta">(section 2 of 3)</span></summary>"#
        ),
        "{page}"
    );
    assert!(!start.contains("<details>"), "{start}");

    // Section 2 posts only its own questions: section 1's answers stay.
    let res = app.post_form(&s2, &[("fees_paid", "no")], "next").await;
    assert_eq!(location(&res), format!("{link}/s/3"));
    let answers = stored(&app, response).await;
    assert_eq!(answers["headcount"], json!(120));
    assert_eq!(answers["fees_paid"], json!("no"));
    assert!(
        !answers.contains_key("notes"),
        "cleared in section 2's post"
    );

    let res = app
        .post_form(&format!("{link}/s/3"), &[("passports", "worker")], "next")
        .await;
    assert_eq!(location(&res), format!("{link}/review"));
    assert_eq!(location(&app.get(&link).await), format!("{link}/review"));
    let start = app
        .get(&format!("{link}?start=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(start.contains(&format!(
        r#"href="{link}/review">Continue where you left off"#
    )));

    // A section number out of range is a 404.
    assert_eq!(app.get(&format!("{link}/s/4")).await.status(), 404);
    assert_eq!(app.get(&format!("{link}/s/0")).await.status(), 404);
}

#[tokio::test]
async fn a_section_with_a_bad_value_keeps_the_typed_value_and_hidden_answers_go() {
    let (app, link, response, _) = invited().await;
    let s1 = format!("{link}/s/1");
    let res = app
        .post_form(
            &s1,
            &[
                ("headcount", "0"),
                ("migrants", "yes"),
                ("migrant_share", "30"),
            ],
            "next",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-headcount">Enter between 1 and 100000 workers."#)
    );
    assert!(html.contains(r#"name="headcount" type="text" inputmode="decimal" value="0""#));
    assert!(html.contains(r##"<a href="#q-headcount">Number of workers</a>"##));
    let answers = stored(&app, response).await;
    assert_eq!(answers["migrant_share"], json!(30.0), "the rest is saved");
    assert!(!answers.contains_key("headcount"));

    // Answering "no" hides the share: its stored answer goes, and the section comes
    // back saying so (rows::a_save_that_hides_an_answer_of_another_section_lists_…).
    let res = app
        .post_form(
            &s1,
            &[
                ("headcount", "50"),
                ("migrants", "no"),
                ("migrant_share", "30"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(
        r#"<strong>Share of migrant workers</strong>: <span class="removed-value">30 %</span>"#
    ));
    let answers = stored(&app, response).await;
    assert!(!answers.contains_key("migrant_share"), "{answers:?}");
    assert_eq!(answers["headcount"], json!(50));
}

/// On the real questionnaire answered by nobody yet, the list of what is missing is
/// folded by section, the first section open: unfolded, it was sixty links, six screens
/// of a phone before the first answer.
#[tokio::test]
async fn a_long_list_of_what_is_missing_is_folded_by_section() {
    let app = TestApp::spawn().await;
    let (org, contact) = app.supplier("Long List Supplier", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let html = app
        .get(&format!("{link}/review"))
        .await
        .text()
        .await
        .unwrap();
    let notice = &html[html.find(r#"class="notice errors""#).expect("the list")
        ..html.find("review-section").unwrap()];
    let groups: Vec<&str> = notice
        .split(r#"<details class="missing-group""#)
        .skip(1)
        .collect();
    assert!(groups.len() > 2, "{notice}");
    assert!(groups[0].starts_with(" open><summary>1. "), "{notice}");
    let mut last_section = 0;
    for g in &groups[1..] {
        assert!(g.starts_with("><summary>"), "only the first is open: {g}");
    }
    for g in &groups {
        let summary = &g[g.find("<summary>").unwrap() + 9..g.find("</summary>").unwrap()];
        // "N. Title (k)": k links, all to section N, sections in order.
        let n: usize = summary.split('.').next().unwrap().parse().unwrap();
        let k: usize = summary
            .rsplit('(')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .parse()
            .unwrap();
        assert!(n > last_section, "{summary}");
        last_section = n;
        assert_eq!(g.matches("<li>").count(), k, "{summary}: {g}");
        assert_eq!(
            g.matches(&format!(r#"<a href="{link}/s/{n}#q-"#)).count(),
            k,
            "{g}"
        );
    }
}

#[tokio::test]
async fn the_review_links_what_is_missing_and_submit_needs_the_declaration() {
    let (app, link, response, _) = invited().await;
    app.post_form(
        &format!("{link}/s/1"),
        &[("headcount", "80"), ("migrants", "yes")],
        "next",
    )
    .await;
    let review = app.get(&format!("{link}/review")).await;
    assert_eq!(review.status(), 200);
    let html = review.text().await.unwrap();
    assert!(html.contains("Still to answer or correct before you can submit"));
    assert!(html.contains(&format!(
        r#"<a href="{link}/s/1#q-migrant_share">Share of migrant workers</a>: This question needs an answer."#
    )), "{html}");
    assert!(html.contains(&format!(
        r#"<a href="{link}/s/3#q-passports">Who keeps passports?</a>"#
    )));
    // By section, under each section's number and title (two problems: not folded).
    let workforce = html
        .find(r#"<h3 class="missing-group">1. Workforce (1)</h3>"#)
        .expect("section 1's heading");
    let documents = html
        .find(r#"<h3 class="missing-group">3. Documents (1)</h3>"#)
        .expect("section 3's heading");
    assert!(workforce < html.find("#q-migrant_share").unwrap());
    assert!(html.find("#q-migrant_share").unwrap() < documents);
    assert!(!html.contains("<details class=\"missing-group\""), "{html}");
    assert!(html.contains("<dd>80</dd>"));

    // Missing answers and no declaration: 422, nothing submitted.
    let res = post_urlencoded(
        &app,
        &link,
        &format!("{link}/submit"),
        &[("signatory_name", "Hana")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<p class="error" id="e-signatory_title">"#));
    assert!(html
        .contains(r#"<p class="error" id="e-declaration">Tick the box to make the declaration."#));
    assert!(html.contains(
        r#"name="signatory_name" type="text" maxlength="200" autocomplete="name" value="Hana""#
    ));

    app.post_form(
        &format!("{link}/s/1"),
        &[
            ("headcount", "80"),
            ("migrants", "yes"),
            ("migrant_share", "12.5"),
        ],
        "save",
    )
    .await;
    app.post_form(&format!("{link}/s/2"), &[("fees_paid", "yes")], "save")
        .await;
    app.post_form(&format!("{link}/s/3"), &[("passports", "worker")], "save")
        .await;
    let declaration = [
        ("signatory_name", "Hana Sato"),
        ("signatory_title", "HR manager"),
        ("declaration", "yes"),
    ];
    // Complete answers but no tick: still refused.
    let res = post_urlencoded(&app, &link, &format!("{link}/submit"), &declaration[..2]).await;
    assert_eq!(res.status(), 422);
    // The refusal is said at the top, linked to the box further down, instead of the
    // green "every required question is answered" alone (it looked like a reload).
    let html = res.text().await.unwrap();
    let top = html.find(r#"id="notice""#).expect("a notice at the top");
    assert!(top < html.find("review-section").unwrap(), "{html}");
    assert!(
        html.contains(r#"<h2>Not submitted yet: complete the declaration below.</h2>"#),
        "{html}"
    );
    assert!(
        html.contains(
            r##"<li><a href="#q-declaration">Declaration</a>: Tick the box to make the declaration.</li>"##
        ),
        "{html}"
    );
    assert!(
        !html.contains("Every required question is answered."),
        "{html}"
    );
    let res = post_urlencoded(&app, &link, &format!("{link}/submit"), &declaration).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), link);
    // Twice is once.
    let res = post_urlencoded(&app, &link, &format!("{link}/submit"), &declaration).await;
    assert_eq!(res.status(), 303);

    let receipt = app.get(&link).await.text().await.unwrap();
    assert!(receipt.contains("Thank you: your answers have been submitted"));
    assert!(receipt.contains("Keep the PDF below as your record; we also email it to you."));
    assert!(receipt.contains("<dt>Signed by</dt><dd>Hana Sato, HR manager</dd>"));
    let mut conn = app.db.conn().await;
    type Time = Option<chrono::DateTime<chrono::Utc>>;
    type Declared = (String, Option<String>, Option<String>, Time, Time);
    let (status, name, title, declared, submitted): Declared = responses::table
        .find(response)
        .select((
            responses::status,
            responses::signatory_name,
            responses::signatory_title,
            responses::declared_at,
            responses::submitted_at,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "submitted");
    assert_eq!(name.as_deref(), Some("Hana Sato"));
    assert_eq!(title.as_deref(), Some("HR manager"));
    assert_eq!(declared, submitted);
    let submissions: i64 = audit_log::table
        .filter(audit_log::action.eq("response.submitted"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(submissions, 1);
    let flags = app.response_flags(&response.to_string()).await;
    assert_eq!(flags[0]["indicator"], "debt_bondage");
}

#[tokio::test]
async fn a_hand_over_sends_a_colleague_a_link_and_a_concurrent_change_is_shown_not_overwritten() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&sections_dir(), &[("SMTP_URL", smtp.url())]).await;
    let (app, link, response, campaign) = invited_in(app).await;
    // Bad input: each field named, nothing written.
    let res = post_urlencoded(
        &app,
        &link,
        &format!("{link}/handover"),
        &[
            ("colleague_name", ""),
            ("colleague_email", "not an address"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<p class="error" id="e-colleague_name">"#));
    // Nothing is saved by this form: the notice does not say "everything else was saved".
    assert!(
        html.contains("No link was sent: correct what is marked below."),
        "{html}"
    );
    assert!(!html.contains("has been saved"), "{html}");
    assert!(html.contains(r#"<p class="error" id="e-colleague_email">Enter an email address"#));

    let res = post_urlencoded(
        &app,
        &link,
        &format!("{link}/handover"),
        &[
            ("colleague_name", "Minh Tran"),
            ("colleague_email", "minh@supplier.example"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("A link is on its way to minh@supplier.example"));
    let mut conn = app.db.conn().await;
    let queued: i64 = email_outbox::table
        .filter(email_outbox::purpose.eq("handover"))
        .filter(email_outbox::to_address.eq("minh@supplier.example"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        queued, 1,
        "the colleague's invitation goes through the outbox"
    );
    // The colleague's email says who handed it over (name and address) and to which
    // organisation and campaign it belongs, with their own link.
    let (from_email, campaign_name): (String, String) = (
        contacts::table
            .filter(contacts::name.eq("Sections Supplier contact"))
            .select(contacts::email)
            .first(&mut conn)
            .await
            .unwrap(),
        campaigns::table
            .find(Uuid::parse_str(&campaign).unwrap())
            .select(campaigns::name)
            .first(&mut conn)
            .await
            .unwrap(),
    );
    let started = std::time::Instant::now();
    let message = loop {
        let found = smtp
            .messages()
            .into_iter()
            .find(|m| header(m, "To").is_some_and(|to| to.contains("minh@supplier.example")));
        if let Some(m) = found {
            break m;
        }
        assert!(
            started.elapsed() < crate::helpers::MAIL_WAIT,
            "no email to the colleague"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let text = text_body(&message);
    for part in [
        "Dear Minh Tran",
        "Sections Supplier contact (",
        from_email.as_str(),
        "has handed over to you",
        "of Sections Supplier",
        campaign_name.as_str(),
        "/r/",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    let handed: Value = audit_log::table
        .filter(audit_log::action.eq("response.handed_over"))
        .select(audit_log::details)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(handed["new_contact"], json!(true));

    // Both contacts open section 2; the colleague saves first.
    let colleague = link_of(&app, "minh@supplier.example").await;
    let mine = app.get(&format!("{link}/s/2")).await.text().await.unwrap();
    let v_mine = version_in(&mine, "notes");
    let theirs = app
        .get(&format!("{colleague}/s/2"))
        .await
        .text()
        .await
        .unwrap();
    let v_theirs = version_in(&theirs, "notes");
    assert_eq!(v_mine, v_theirs);
    let res = app
        .post_form(
            &format!("{colleague}/s/2"),
            &[
                ("notes", "Through a licensed agency"),
                ("_v.notes", &v_theirs),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);

    // The first contact's save over it is not applied, and both values are shown.
    let res = app
        .post_form(
            &format!("{link}/s/2"),
            &[
                ("notes", "Direct hiring only"),
                ("_v.notes", &v_mine),
                ("fees_paid", "no"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else changed some of these answers"));
    assert!(
        html.contains(r#"<span class="theirs">Through a licensed agency</span>"#),
        "{html}"
    );
    assert!(html.contains(r#"<span class="mine">Direct hiring only</span>"#));
    assert!(html.contains("Saved answer (by Minh Tran, 20"));
    assert!(
        html.contains(">Direct hiring only</textarea>"),
        "the typed value stays in the field"
    );
    let answers = stored(&app, response).await;
    assert_eq!(answers["notes"], json!("Through a licensed agency"));
    assert_eq!(
        answers["fees_paid"],
        json!("no"),
        "the other answers were saved"
    );

    // Saving again from that page (it carries the new version) applies it knowingly.
    let v_now = version_in(&html, "notes");
    let res = app
        .post_form(
            &format!("{link}/s/2"),
            &[
                ("notes", "Direct hiring only"),
                ("_v.notes", &v_now),
                ("fees_paid", "no"),
            ],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        stored(&app, response).await["notes"],
        json!("Direct hiring only")
    );
    // The colleague's page now names who changed it.
    let page = app
        .get(&format!("{colleague}/s/2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Last changed by: Sections Supplier contact"),
        "{page}"
    );

    // The colleague's page stays open; the first contact changes the answer again. The
    // colleague's autosaves post the whole section, with the stale answer they never
    // touched: it is not written over the newer one, not even once the script has
    // taken the new versions from a reply (found walking the supplier's path: a
    // colleague's saved answer was silently wiped).
    let (v_open, h_open) = (version_in(&page, "notes"), hidden_in(&page, "_h.notes"));
    let res = app
        .post_form(
            &format!("{link}/s/2"),
            &[("notes", "Agency, audited in 2026"), ("_v.notes", &v_open)],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    let mut v_script = v_open.clone();
    for fees in ["yes", "no"] {
        let res = app
            .post_form(
                &format!("{colleague}/s/2"),
                &[
                    ("notes", "Direct hiring only"),
                    ("_v.notes", &v_script),
                    ("_h.notes", &h_open),
                    ("fees_paid", fees),
                ],
                "autosave",
            )
            .await;
        let reply: Value = res.json().await.unwrap();
        assert_eq!(reply["status"], "saved", "{reply}");
        let answers = stored(&app, response).await;
        assert_eq!(answers["notes"], json!("Agency, audited in 2026"));
        assert_eq!(answers["fees_paid"], json!(fees));
        v_script = reply["versions"]["_v.notes"].to_string();
    }
    // What the colleague does change is still checked against the newer answer.
    let res = app
        .post_form(
            &format!("{colleague}/s/2"),
            &[
                ("notes", "Direct hiring, since 2025"),
                ("_v.notes", &v_open),
                ("_h.notes", &h_open),
            ],
            "autosave",
        )
        .await;
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], "conflict", "{reply}");
    assert_eq!(
        stored(&app, response).await["notes"],
        json!("Agency, audited in 2026")
    );
}

#[tokio::test]
async fn autosave_answers_json_with_the_new_versions() {
    let (app, link, response, _) = invited().await;
    let s1 = format!("{link}/s/1");
    let res = app.post_form(&s1, &[("headcount", "7")], "autosave").await;
    assert_eq!(res.status(), 200);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], "saved");
    assert_eq!(reply["versions"]["_v.headcount"], json!(1));
    let res = app
        .post_form(
            &s1,
            &[("headcount", "8"), ("_v.headcount", "1")],
            "autosave",
        )
        .await;
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["versions"]["_v.headcount"], json!(2));
    let res = app
        .post_form(
            &s1,
            &[("headcount", "lots"), ("_v.headcount", "2")],
            "autosave",
        )
        .await;
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], "errors");
    assert_eq!(reply["errors"][0]["field"], "headcount");
    assert_eq!(stored(&app, response).await["headcount"], json!(8));
    let res = app
        .post_form(
            &s1,
            &[("headcount", "9"), ("_v.headcount", "1")],
            "autosave",
        )
        .await;
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], "conflict");
    assert_eq!(reply["conflicts"], json!(["headcount"]));
    assert_eq!(stored(&app, response).await["headcount"], json!(8));
}

#[tokio::test]
async fn a_campaign_closed_or_a_link_revoked_while_the_page_is_open_keeps_what_was_typed() {
    let (app, link, response, campaign) = invited().await;
    let csrf = app.form_csrf(&format!("{link}/s/1")).await;
    let mut conn = app.db.conn().await;
    diesel::update(campaigns::table.find(campaign.parse::<Uuid>().unwrap()))
        .set(campaigns::status.eq("closed"))
        .execute(&mut conn)
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.clone())
        .text("headcount", "42")
        .text("action", "next");
    let res = app
        .client
        .post(app.url(&format!("{link}/s/1")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    let html = res.text().await.unwrap();
    assert!(html.contains("This link no longer accepts answers"));
    assert!(html.contains("<dt>Number of workers</dt><dd><pre>42</pre></dd>"));
    assert!(stored(&app, response).await.is_empty());
    let res = app.get(&format!("{link}/s/1")).await;
    assert_eq!(res.status(), 410);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("This campaign is closed"));

    // Reopened, then the link revoked: the declaration typed on the review page is kept.
    diesel::update(campaigns::table.find(campaign.parse::<Uuid>().unwrap()))
        .set(campaigns::status.eq("open"))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::update(invitations::table)
        .set(invitations::revoked_at.eq(chrono::Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url(&format!("{link}/submit")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("signatory_name", "Hana Sato"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("<dt>Your name</dt><dd><pre>Hana Sato</pre></dd>"));
    // Without the link's own token it is the plain 404.
    let res = app
        .client
        .post(app.url(&format!("{link}/submit")))
        .form(&[("csrf_token", "forged"), ("signatory_name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// A post with a file (over 64 KiB) has its link checked before its body is read, so a
/// never-issued link is a plain 404 without the upload taken in, and a link whose
/// campaign closed still shows back what was typed; nothing is saved either way.
#[tokio::test]
async fn a_post_with_a_file_is_checked_against_its_link_before_its_body() {
    let (app, link, response, campaign) = invited().await;
    let csrf = app.form_csrf(&format!("{link}/s/1")).await;
    let form = |csrf: &str| {
        reqwest::multipart::Form::new()
            .text("csrf_token", csrf.to_string())
            .text("headcount", "42")
            .text("action", "next")
            .part(
                "evidence",
                reqwest::multipart::Part::bytes(vec![b'x'; 200 * 1024]).file_name("big.pdf"),
            )
    };
    let post = |link: String| {
        app.client
            .post(app.url(&format!("{link}/s/1")))
            .multipart(form(&csrf))
            .send()
    };
    let res = post(format!("/r/{}", "A".repeat(43))).await.unwrap();
    assert_eq!(res.status(), 404);

    let mut conn = app.db.conn().await;
    diesel::update(campaigns::table.find(campaign.parse::<Uuid>().unwrap()))
        .set(campaigns::status.eq("closed"))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = post(link.clone()).await.unwrap();
    assert_eq!(res.status(), 410);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<dt>Number of workers</dt><dd><pre>42</pre></dd>"),
        "{html}"
    );
    assert!(stored(&app, response).await.is_empty());
}

/// A link is not a mail relay: a name with a web address is refused, and a response
/// takes at most five hand-overs a day; the sixth is refused next to the field and
/// writes nothing (found by a security review: twelve hand-overs had mailed twelve
/// addresses and added twelve contacts).
#[tokio::test]
async fn hand_overs_are_limited_and_names_carry_no_web_address() {
    let (app, link, _, _) = invited().await;
    let hand_over = |name: &'static str, email: String| {
        let (app, link) = (&app, &link);
        async move {
            post_urlencoded(
                app,
                link,
                &format!("{link}/handover"),
                &[
                    ("colleague_name", name),
                    ("colleague_email", email.as_str()),
                ],
            )
            .await
        }
    };
    let res = hand_over(
        "Win a prize at http://evil.example/claim",
        "victim@example.org".into(),
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Enter your colleague&#39;s name, without a web address.")
            || html.contains("Enter your colleague's name, without a web address."),
        "{html}"
    );
    let res = hand_over("See WWW.evil.example", "victim@example.org".into()).await;
    assert_eq!(res.status(), 422);

    let limit = hrdd_survey::services::respondent::HANDOVERS_A_DAY;
    for n in 0..limit {
        let res = hand_over("Minh Tran", format!("colleague{n}@supplier.example")).await;
        assert_eq!(res.status(), 200, "hand-over {n}");
    }
    let mut conn = app.db.conn().await;
    let before = contacts_and_mails(&mut conn).await;
    let res = hand_over("Minh Tran", "one-too-many@supplier.example".into()).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("handed over too many times today"), "{html}");
    assert!(html.contains(r#"id="e-colleague_email""#), "{html}");
    assert_eq!(
        contacts_and_mails(&mut conn).await,
        before,
        "nothing written"
    );
}

async fn contacts_and_mails(conn: &mut diesel_async::AsyncPgConnection) -> (i64, i64) {
    use hrdd_survey::db::schema::contacts;
    let contacts: i64 = contacts::table.count().get_result(conn).await.unwrap();
    let mails: i64 = email_outbox::table.count().get_result(conn).await.unwrap();
    (contacts, mails)
}

/// A date typed halfway in the browser's date field ("mm/dd/2026": the browser sends an
/// empty value) is refused beside the field and the stored date stays (it was saved as
/// empty, erasing the date: found walking the supplier's path).
#[tokio::test]
async fn a_half_typed_date_is_refused_not_saved_as_empty() {
    use crate::browser::{browser, click};
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    let (org, contact) = app.supplier("Date Field Ltd", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let response: Uuid = response.parse().unwrap();
    let section = format!("{link}/s/17");
    let res = app
        .post_form(
            &section,
            &[("last_labour_audit_date", "2026-02-03")],
            "save",
        )
        .await;
    assert_eq!(res.status(), 303);
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url(&section)).await.unwrap();
    let field = c
        .find(Locator::Id("f-last_labour_audit_date"))
        .await
        .unwrap();
    field.clear().await.unwrap();
    // The month only: the field is left incomplete.
    field.send_keys("02").await.unwrap();
    click(c, ".actions button[name=action][value=save]").await;
    let error = c
        .wait()
        .for_element(Locator::Id("e-last_labour_audit_date"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("YYYY-MM-DD"), "{error}");
    assert_eq!(
        stored(&app, response).await["last_labour_audit_date"],
        json!("2026-02-03")
    );
    b.client.clone().close().await.unwrap();
}

//! Re-send and revoke act on a contact's link only when confirmed: the first post shows
//! a page naming the contact, the organisation and what will happen, with Confirm and
//! Cancel; only the post with `confirm=yes` revokes (and, for a re-send, emails a new
//! link). Screenshots of the edit form and the confirm pages in Chromium.

use crate::auth::{Session, PASSWORD};
use crate::campaign_edits::{act, audited, draft, maria, org};
use crate::helpers::{templates_dir, TestApp};
use crate::mail::{header, SmtpServer};

/// A launched campaign to Alpha Yarns whose invitation reached `smtp`: (campaign,
/// organisation, contact, the link's path).
async fn launched(
    app: &TestApp,
    s: &Session,
    smtp: &SmtpServer,
) -> (String, String, String, String) {
    let (alpha, contact) = org(app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let id = draft(app, s, &alpha).await;
    act(app, s, &format!("/staff/campaigns/{id}/launch"), &[]).await;
    let messages = smtp.wait_for(1).await;
    let link = crate::campaigns::link_path(app, &crate::campaigns::body(&messages[0]));
    assert_eq!(app.get(&link).await.status(), 200);
    (id, alpha, contact, link)
}

#[tokio::test]
async fn re_send_asks_for_confirmation_and_only_then_revokes_and_emails() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", smtp.url())]).await;
    let s = maria(&app).await;
    let (id, alpha, contact, link) = launched(&app, &s, &smtp).await;
    let resend = format!("/staff/campaigns/{id}/contacts/{contact}/resend");

    // The page's button: the confirm page, nothing done.
    let res = s.post(&app, &resend, &[("organisation_id", &alpha)]).await;
    assert_eq!(res.status(), 200);
    let confirm = res.text().await.unwrap();
    for expected in [
        "<h1>Re-send the link to Alpha Yarns contact?</h1>",
        "Alpha Yarns contact &lt;alpha@example.com&gt;",
        r#"<dd id="confirm-organisation">Alpha Yarns</dd>"#,
        "Their current link stops working at once; a new link is emailed to alpha@example.com.",
        &format!(r#"<form method="post" action="{resend}""#),
        r#"<input type="hidden" name="confirm" value="yes">"#,
        &format!(r#"<a href="/staff/campaigns/{id}" id="confirm-cancel">Cancel</a>"#),
    ] {
        assert!(confirm.contains(expected), "{expected} in {confirm}");
    }
    assert_eq!(app.get(&link).await.status(), 200, "the link still works");
    assert!(audited(&app, "invitation.issued").await.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1, "no email sent");

    // Confirmed: the old link stops working and a new one is emailed.
    let done = act(
        &app,
        &s,
        &resend,
        &[("organisation_id", &alpha), ("confirm", "yes")],
    )
    .await;
    assert!(
        done.contains("A new link was emailed; the previous one no longer works."),
        "{done}"
    );
    assert_eq!(
        app.get(&link).await.status(),
        404,
        "the old link is revoked"
    );
    let messages = smtp.wait_for(2).await;
    assert_eq!(messages.len(), 2);
    assert!(header(&messages[1], "To")
        .unwrap()
        .contains("alpha@example.com"));
    let new_link = crate::campaigns::link_path(&app, &crate::campaigns::body(&messages[1]));
    assert_ne!(new_link, link);
    assert_eq!(app.get(&new_link).await.status(), 200);
    assert_eq!(audited(&app, "invitation.issued").await.len(), 1);
}

#[tokio::test]
async fn revoke_asks_for_confirmation_and_only_then_revokes() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", smtp.url())]).await;
    let s = maria(&app).await;
    let (id, _, contact, link) = launched(&app, &s, &smtp).await;
    let revoke = format!("/staff/campaigns/{id}/contacts/{contact}/revoke");

    let res = s.post(&app, &revoke, &[]).await;
    assert_eq!(res.status(), 200);
    let confirm = res.text().await.unwrap();
    for expected in [
        "<h1>Revoke the link of Alpha Yarns contact?</h1>",
        "Alpha Yarns contact &lt;alpha@example.com&gt;",
        r#"<dd id="confirm-organisation">Alpha Yarns</dd>"#,
        "Their link stops working at once; no email is sent.",
        &format!(r#"<form method="post" action="{revoke}""#),
        &format!(r#"<a href="/staff/campaigns/{id}" id="confirm-cancel">Cancel</a>"#),
    ] {
        assert!(confirm.contains(expected), "{expected} in {confirm}");
    }
    assert_eq!(app.get(&link).await.status(), 200, "the link still works");
    assert!(audited(&app, "invitation.revoked").await.is_empty());

    let done = act(&app, &s, &revoke, &[("confirm", "yes")]).await;
    assert!(done.contains("The link was revoked."), "{done}");
    assert_eq!(app.get(&link).await.status(), 404);
    assert_eq!(audited(&app, "invitation.revoked").await.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "no email for a revoke");
}

/// The edit form and the confirm pages in Chromium, without script: screenshots in
/// target/tmp/screenshots.
#[tokio::test]
async fn the_edit_form_and_the_confirm_pages_in_chromium() {
    use crate::browser::{browser, screenshot, text_of};
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let id = draft(&app, &s, &alpha).await;
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("maria@example.com")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let waiting = std::time::Instant::now();
    while c.current_url().await.unwrap().path() == "/login" {
        assert!(waiting.elapsed() < std::time::Duration::from_secs(30));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    c.goto(&app.url(&format!("/staff/campaigns/{id}")))
        .await
        .unwrap();
    c.find(Locator::Id("edit-draft"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("save-draft"))
        .await
        .unwrap();
    let name = c.find(Locator::Id("c-name")).await.unwrap();
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Autumn chek")
    );
    screenshot(c, "campaign-edit.png").await;
    name.clear().await.unwrap();
    name.send_keys("Autumn check").await.unwrap();
    c.find(Locator::Id("save-draft"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("launch")).await.unwrap();
    assert_eq!(text_of(c, "h1").await, "Autumn check");
    c.find(Locator::Id("launch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("progress")).await.unwrap();
    c.find(Locator::Css(
        "button[aria-label='Re-send to Alpha Yarns contact']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    let what = text_of(c, "#confirm-what").await;
    assert!(
        what.starts_with("Their current link stops working at once"),
        "{what}"
    );
    screenshot(c, "campaign-resend-confirm.png").await;
    c.find(Locator::Id("confirm-cancel"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("progress")).await.unwrap();
    c.find(Locator::Css(
        "button[aria-label='Revoke the link of Alpha Yarns contact']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    screenshot(c, "campaign-revoke-confirm.png").await;
    c.find(Locator::Id("confirm-action"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("progress")).await.unwrap();
    let notice = text_of(c, "div.notice.saved").await;
    assert_eq!(notice, "The link was revoked.");
    c.clone().close().await.unwrap();
}

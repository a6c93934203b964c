//! A second tester's findings on campaigns: re-send and revoke reach only the
//! campaign's own contacts; a stale draft form does not overwrite a colleague's save;
//! Enter in the organisation search writes nothing; a bad deadline is refused beside
//! its field; a draft is deleted, not closed; the audience's error says what to do;
//! percentages are rounded.

use crate::campaign_edits::{act, audited, draft, in_days, maria, org, page};
use crate::helpers::{templates_dir, TestApp};
use crate::mail::SmtpServer;

#[tokio::test]
async fn re_send_and_revoke_refuse_a_contact_outside_the_campaign() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", smtp.url())]).await;
    let s = maria(&app).await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let (beta, outsider) = org(&app, "Beta Mills", "VN", "beta@example.com").await;
    let id = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{id}/launch"), &[]).await;
    smtp.wait_for(1).await;
    let issued = audited(&app, "invitation.issued").await.len();

    for (action, fields) in [
        ("resend", vec![("organisation_id", beta.as_str())]),
        ("resend", vec![("organisation_id", beta.as_str()), ("confirm", "yes")]),
        ("resend", vec![("organisation_id", alpha.as_str()), ("confirm", "yes")]),
        ("revoke", vec![]),
        ("revoke", vec![("confirm", "yes")]),
    ] {
        let path = format!("/staff/campaigns/{id}/contacts/{outsider}/{action}");
        let res = s.post(&app, &path, &fields).await;
        assert_eq!(res.status(), 404, "{path} {fields:?}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("This contact is not in this campaign."),
            "{path}: {body}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(smtp.messages().len(), 1, "nobody outside the campaign emailed");
    assert_eq!(audited(&app, "invitation.issued").await.len(), issued);
    assert!(audited(&app, "invitation.revoked").await.is_empty());
    let campaign = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(!campaign.contains("Beta Mills contact"), "{campaign}");
}

/// The value of the form field `name` on `page` (`name="…" value="…"`).
pub(crate) fn value_of(page: &str, name: &str) -> String {
    let start = format!(r#"name="{name}" value=""#);
    let at = page.find(&start).unwrap_or_else(|| panic!("{name} in {page}")) + start.len();
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_stale_draft_form_does_not_overwrite_a_colleagues_save() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let (beta, _) = org(&app, "Beta Mills", "VN", "beta@example.com").await;
    let s = maria(&app).await;
    let id = draft(&app, &s, &alpha).await;
    let edit = format!("/staff/campaigns/{id}/edit");
    let a_form = page(&app, &s, &edit).await;
    let b_form = page(&app, &s, &edit).await;
    let deadline = in_days(20);
    let fields = |name: &'static str, message: &'static str, version: String, orgs: Vec<String>| {
        let mut f: Vec<(String, String)> = vec![
            ("draft_version".into(), version),
            ("name".into(), name.into()),
            ("version".into(), "forced-labour:3".into()),
            ("deadline".into(), deadline.clone()),
            ("reminder_days_before".into(), "14, 7, 2".into()),
            ("reminder_weekly_after".into(), "4".into()),
            ("message".into(), message.into()),
        ];
        f.extend(orgs.into_iter().map(|o| ("organisation".to_string(), o)));
        f
    };
    let post = |f: Vec<(String, String)>| {
        let s = &s;
        let app = &app;
        let edit = edit.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            s.post(app, &edit, &f).await
        }
    };
    // A saves the audience and the message.
    let res = post(fields(
        "Autumn chek",
        "Please answer by Friday.",
        value_of(&a_form, "draft_version"),
        vec![alpha.clone(), beta.clone()],
    ))
    .await;
    assert_eq!(res.status(), 303);
    // B, from the older form, renames: refused, nothing written.
    let res = post(fields(
        "Autumn check",
        "Thank you.",
        value_of(&b_form, "draft_version"),
        vec![alpha.clone()],
    ))
    .await;
    assert_eq!(res.status(), 409);
    let again = res.text().await.unwrap();
    for expected in [
        "this draft was changed since you opened this form (changed meanwhile: audience, message)",
        r#"name="name" value="Autumn check""#,
        "<dd>Please answer by Friday.</dd>",
        "<dd>2 picked: Alpha Yarns, Beta Mills</dd>",
    ] {
        assert!(again.contains(expected), "{expected} in {again}");
    }
    let shown = page(&app, &s, &edit).await;
    assert!(shown.contains(r#"name="name" value="Autumn chek""#), "{shown}");
    assert!(shown.contains(">Please answer by Friday.</textarea>"));
    assert_eq!(audited(&app, "campaign.draft_edited").await.len(), 1);
    // Saving again from the refused page is a choice: it applies.
    let res = post(fields(
        "Autumn check",
        "Please answer by Friday.",
        value_of(&again, "draft_version"),
        vec![alpha.clone(), beta.clone()],
    ))
    .await;
    assert_eq!(res.status(), 303);
    assert!(page(&app, &s, &edit).await.contains(r#"name="name" value="Autumn check""#));

    // The API: a PATCH with the draft's updated_at as read applies only if unchanged.
    let patch = |body: serde_json::Value| {
        let url = app.url(&format!("/api/v1/campaigns/{id}"));
        let client = app.client.clone();
        let token = app.api_token.clone();
        async move {
            client
                .patch(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let read: serde_json::Value = patch(serde_json::json!({}))
        .await
        .json()
        .await
        .unwrap();
    let version = read["updated_at"].clone();
    let res = patch(serde_json::json!({"message": "Thanks.", "updated_at": version})).await;
    assert_eq!(res.status(), 200);
    let res = patch(serde_json::json!({"name": "Stale", "updated_at": version})).await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(body.contains("message changed"), "{body}");
}

/// A Chromium session signed in as Maria (`maria` must exist).
pub(crate) async fn signed_in_browser(app: &TestApp) -> crate::browser::Browser {
    use fantoccini::Locator;
    let b = crate::browser::browser().await;
    let c = &b.client;
    c.goto(&app.url("/login")).await.unwrap();
    crate::browser::type_into(c, "email", "maria@example.com").await;
    crate::browser::type_into(c, "password", crate::auth::PASSWORD).await;
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
    b
}

async fn campaigns_stored(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.conn().await;
    hrdd_survey::db::schema::campaigns::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

/// The value of input `id` in the browser.
async fn input_value(c: &fantoccini::Client, id: &str) -> String {
    c.find(fantoccini::Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Enter in "Find organisations…" (or any field) searches: the form again with what was
/// typed, nothing created or saved.
#[tokio::test]
async fn enter_in_the_draft_form_searches_and_writes_nothing() {
    use fantoccini::key::Key;
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    org(&app, "Beta Mills", "VN", "beta@example.com").await;
    let b = signed_in_browser(&app).await;
    let c = &b.client;

    c.goto(&app.url("/staff/campaigns/new")).await.unwrap();
    crate::browser::type_into(c, "c-name", "Spring check").await;
    c.execute(
        &format!(
            "document.getElementById('c-deadline').value = '{}';",
            in_days(25)
        ),
        vec![],
    )
    .await
    .unwrap();
    crate::browser::click(c, &format!("input[value='{alpha}']")).await;
    crate::browser::type_into(c, "c-org-q", &format!("Beta{}", char::from(Key::Enter))).await;
    c.wait()
        .for_element(fantoccini::Locator::Css("#c-org-q[value='Beta']"))
        .await
        .unwrap();
    assert_eq!(campaigns_stored(&app).await, 0, "Enter created nothing");
    assert_eq!(input_value(c, "c-name").await, "Spring check");
    assert_eq!(input_value(c, "c-deadline").await, in_days(25));
    let page = c.source().await.unwrap();
    assert!(page.contains("Beta Mills"), "{page}");
    assert!(page.contains(&format!(r#"value="{alpha}" checked"#)), "{page}");

    let id = draft(&app, &s, &alpha).await;
    c.goto(&app.url(&format!("/staff/campaigns/{id}/edit")))
        .await
        .unwrap();
    let name = c.find(fantoccini::Locator::Id("c-name")).await.unwrap();
    name.clear().await.unwrap();
    name.send_keys(&format!("Renamed{}", char::from(Key::Enter)))
        .await
        .unwrap();
    c.wait()
        .for_element(fantoccini::Locator::Css("#c-name[value='Renamed']"))
        .await
        .unwrap();
    assert!(audited(&app, "campaign.draft_edited").await.is_empty());
    assert!(page_has_name(&app, &s, &id, "Autumn chek").await);
    c.clone().close().await.unwrap();
}

async fn page_has_name(app: &TestApp, s: &crate::auth::Session, id: &str, name: &str) -> bool {
    page(app, s, &format!("/staff/campaigns/{id}/edit"))
        .await
        .contains(&format!(r#"name="name" value="{name}""#))
}

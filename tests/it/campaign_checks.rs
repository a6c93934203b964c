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
        (
            "resend",
            vec![("organisation_id", beta.as_str()), ("confirm", "yes")],
        ),
        (
            "resend",
            vec![("organisation_id", alpha.as_str()), ("confirm", "yes")],
        ),
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
    assert_eq!(
        smtp.messages().len(),
        1,
        "nobody outside the campaign emailed"
    );
    assert_eq!(audited(&app, "invitation.issued").await.len(), issued);
    assert!(audited(&app, "invitation.revoked").await.is_empty());
    let campaign = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(!campaign.contains("Beta Mills contact"), "{campaign}");
}

/// The value of the form field `name` on `page` (`name="…" value="…"`).
pub(crate) fn value_of(page: &str, name: &str) -> String {
    let start = format!(r#"name="{name}" value=""#);
    let at = page
        .find(&start)
        .unwrap_or_else(|| panic!("{name} in {page}"))
        + start.len();
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
    assert!(
        shown.contains(r#"name="name" value="Autumn chek""#),
        "{shown}"
    );
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
    assert!(page(&app, &s, &edit)
        .await
        .contains(r#"name="name" value="Autumn check""#));

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
    let read: serde_json::Value = patch(serde_json::json!({})).await.json().await.unwrap();
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
    assert!(
        page.contains(&format!(r#"value="{alpha}" checked"#)),
        "{page}"
    );

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

/// A refused deadline is shown beside its field, the typed date kept (422).
#[tokio::test]
async fn a_bad_deadline_is_refused_beside_its_field() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let id = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{id}/launch"), &[]).await;
    let path = format!("/staff/campaigns/{id}/deadline");
    // The field's min is the deadline itself (an open campaign's only moves later); a
    // client that ignores it is refused all the same.
    let min = in_days(20);
    for (typed, message) in [
        ("2026-02-31", "give a date (YYYY-MM-DD)"),
        ("2001-01-01", ""),
    ] {
        let res = s.post(&app, &path, &[("deadline", typed)]).await;
        assert_eq!(res.status(), 422, "{typed}");
        let body = res.text().await.unwrap();
        for expected in [
            format!(
                r#"<input id="new-deadline" type="date" name="deadline" value="{typed}" min="{min}" aria-invalid="true" aria-describedby="deadline-error">"#
            ),
            format!(r#"<p class="error" id="deadline-error">{message}"#),
            "Nothing was changed: see the message below.".to_string(),
        ] {
            assert!(body.contains(&expected), "{expected} in {body}");
        }
        assert!(!body.contains("<li>deadline:"), "{body}");
    }
    let shown = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(shown.contains(&format!(r#"name="deadline" value="{}""#, in_days(20))));
}

/// A draft is deleted (never closed), with its picks and an audit entry; a launched
/// campaign is never deleted. The list shows a draft's picked organisations.
#[tokio::test]
async fn a_draft_is_deleted_not_closed() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let id = draft(&app, &s, &alpha).await;
    let list = page(&app, &s, "/staff/campaigns").await;
    assert!(
        list.contains(r#"<td data-label="Submitted / organisations">1 picked</td>"#),
        "{list}"
    );
    let shown = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        shown.contains(r#"id="delete-draft">Delete draft</button>"#),
        "{shown}"
    );
    assert!(!shown.contains("Close the campaign"), "{shown}");

    // Closing a draft is refused: nothing was sent, there is nothing to close.
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{id}/close"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("delete it instead of closing it"));
    assert!(audited(&app, "campaign.closed").await.is_empty());
    let delete = format!("/staff/campaigns/{id}/delete");
    let res = s.post(&app, &delete, &[]).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains(r#"<p class="error" id="delete_confirm-error">tick"#),
        "{body}"
    );
    assert!(audited(&app, "campaign.draft_deleted").await.is_empty());
    let res = s.post(&app, &delete, &[("confirm", "yes")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(crate::auth::location(&res), "/staff/campaigns");
    assert_eq!(
        s.get(&app, &format!("/staff/campaigns/{id}"))
            .await
            .status(),
        404
    );
    let entries = audited(&app, "campaign.draft_deleted").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["name"], "Autumn chek");
    assert!(audited(&app, "campaign.closed").await.is_empty());

    // A launched campaign: Close, never Delete.
    let launched = draft(&app, &s, &alpha).await;
    act(
        &app,
        &s,
        &format!("/staff/campaigns/{launched}/launch"),
        &[],
    )
    .await;
    let shown = page(&app, &s, &format!("/staff/campaigns/{launched}")).await;
    assert!(!shown.contains("Delete draft"));
    assert!(shown.contains("Close the campaign"));
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{launched}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        s.get(&app, &format!("/staff/campaigns/{launched}"))
            .await
            .status(),
        200
    );
    assert_eq!(audited(&app, "campaign.draft_deleted").await.len(), 1);
}

/// Filter fields filled but "Use the filter" not ticked: the error says to tick it.
#[tokio::test]
async fn an_unticked_filter_is_named_in_the_audience_error() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let deadline = in_days(20);
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Filter"),
                ("version", "forced-labour:3"),
                ("deadline", &deadline),
                ("country", "JP"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("tick \u{201c}Use the filter\u{201d} to invite the organisations the filter finds, or pick organisations"),
        "{body}"
    );
    assert!(!body.contains("or give a filter"), "{body}");
}

/// The height in pixels of the element `css` finds.
async fn height_of(c: &fantoccini::Client, css: &str) -> f64 {
    c.execute(
        &format!("return document.querySelector(\"{css}\").getBoundingClientRect().height;"),
        vec![],
    )
    .await
    .unwrap()
    .as_f64()
    .unwrap()
}

/// The campaign page's actions each in its own block, and the organisation search at a
/// normal input's height, at 1100 and 1400 px: screenshots in target/tmp/screenshots.
#[tokio::test]
async fn the_campaign_actions_and_the_search_box_at_two_widths() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    org(&app, "Beta Mills", "VN", "beta@example.com").await;
    let draft_id = draft(&app, &s, &alpha).await;
    let open_id = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{open_id}/launch"), &[]).await;
    let axe = crate::browser_flow::axe_source();
    let b = signed_in_browser(&app).await;
    let c = &b.client;
    for width in [1100u32, 1400] {
        c.set_window_size(width, 1400).await.unwrap();
        c.goto(&app.url(&format!("/staff/campaigns/{open_id}")))
            .await
            .unwrap();
        // Each action in its own block, none overlapping another.
        let rects = c
            .execute(
                "return [...document.querySelectorAll('.campaign-actions > section')].map(e => { const r = e.getBoundingClientRect(); return [e.querySelector('h2').textContent, r.left, r.top, r.right, r.bottom]; });",
                vec![],
            )
            .await
            .unwrap();
        let rects: Vec<(String, f64, f64, f64, f64)> = serde_json::from_value(rects).unwrap();
        let names: Vec<&str> = rects.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "Change the deadline",
                "Add an organisation",
                "Close the campaign",
                "Change the owner",
                "Run again"
            ]
        );
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let apart = a.3 <= b.1 || b.3 <= a.1 || a.4 <= b.2 || b.4 <= a.2;
                assert!(apart, "{a:?} overlaps {b:?} at {width}px");
            }
        }
        assert!(height_of(c, "#add-org-q").await >= 30.0);
        crate::browser::screenshot(c, &format!("campaign-open-{width}.png")).await;
        crate::browser_flow::accessible(c, &axe, "a launched campaign's page").await;
        c.goto(&app.url(&format!("/staff/campaigns/{draft_id}")))
            .await
            .unwrap();
        crate::browser::screenshot(c, &format!("campaign-draft-{width}.png")).await;
        crate::browser_flow::accessible(c, &axe, "a draft's page").await;
        c.goto(&app.url("/staff/campaigns/new")).await.unwrap();
        let h = height_of(c, "#c-org-q").await;
        assert!(h >= 30.0, "the search box is {h}px tall at {width}px");
        crate::browser::screenshot(c, &format!("campaign-form-{width}.png")).await;
        crate::browser_flow::accessible(c, &axe, "the draft form").await;
        c.goto(&app.url(&format!("/staff/campaigns/new?from={open_id}")))
            .await
            .unwrap();
        crate::browser::screenshot(c, &format!("campaign-copy-{width}.png")).await;
        crate::browser_flow::accessible(c, &axe, "a campaign's copy").await;
    }
    c.clone().close().await.unwrap();
}

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

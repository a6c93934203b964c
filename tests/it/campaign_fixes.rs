//! Defects found on the campaign pages by a QA walk: every organisation reachable in
//! the pickers (a search; the cut said plainly), no launch that invites nobody and
//! honest counts, closing only when confirmed, every draft error in one pass, the
//! filter's country an ISO code, no re-send for a deactivated organisation, buttons
//! named for their contact, the way back and the audience's size now.

use crate::auth::{create_user, sign_in, Session, PASSWORD};
use crate::helpers::TestApp;
use diesel_async::SimpleAsyncConnection;
use hrdd_survey::auth::permissions::Role;
use serde_json::{json, Value};

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

/// An organisation, with a contact when `email` is given; its id.
async fn org(app: &TestApp, name: &str, email: Option<&str>) -> String {
    let o: Value = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": name, "country": "JP"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = o["id"].as_str().unwrap().to_string();
    if let Some(email) = email {
        let res = app
            .post_json(
                &format!("/api/v1/organisations/{id}/contacts"),
                &json!({"name": format!("{name} contact"), "email": email, "language": "en"}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    id
}

async fn maria(app: &TestApp) -> Session {
    create_user(app, "maria@example.com", Role::Procurement, Some(PASSWORD)).await;
    sign_in(app, "maria@example.com", PASSWORD).await
}

/// Saves a draft picking `orgs`; its id.
async fn draft_of(app: &TestApp, s: &Session, orgs: &[&str]) -> String {
    let deadline = in_days(20);
    let mut fields = vec![
        ("name", "Autumn check"),
        ("version", "forced-labour:3"),
        ("deadline", deadline.as_str()),
    ];
    fields.extend(orgs.iter().map(|o| ("organisation", *o)));
    let res = s.post(app, "/staff/campaigns", &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    crate::auth::location(&res)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

async fn page(app: &TestApp, s: &Session, path: &str) -> String {
    let res = s.get(app, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn status_of(app: &TestApp, s: &Session, id: &str) -> String {
    let p = page(app, s, &format!("/staff/campaigns/{id}")).await;
    let start = p.find(r#"<dd id="status">"#).unwrap() + 16;
    p[start..start + p[start..].find('<').unwrap()].to_string()
}

/// 2,001 organisations: the picker lists 2,000, says so, and a search (by name or
/// reference) reaches the one left out; what was picked stays picked across a search.
/// The same on a launched campaign's "Add an organisation".
#[tokio::test]
async fn every_organisation_can_be_picked_and_the_cut_is_said() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.conn().await;
    conn.batch_execute(
        "INSERT INTO organisations (id, kind, name, country, external_ref) \
         SELECT gen_random_uuid(), 'supplier', 'Bulk ' || lpad(g::text, 4, '0'), 'VN', 'REF-' || g \
           FROM generate_series(1, 2000) g",
    )
    .await
    .unwrap();
    // Last by name: beyond the first 2,000.
    let last = org(&app, "Zeta Knits", Some("zeta@example.com")).await;
    let first = org(&app, "Alpha Yarns", Some("alpha@example.com")).await;
    let s = maria(&app).await;

    let form = page(&app, &s, "/staff/campaigns/new").await;
    assert!(
        form.contains("Showing 2,000 of 2,002 organisations: search to narrow."),
        "{}",
        &form[..2000.min(form.len())]
    );
    assert!(!form.contains(&last), "the cut one is not listed");
    let found = page(&app, &s, "/staff/campaigns/new?org_q=zeta").await;
    assert!(found.contains(&format!(r#"value="{last}""#)), "{found}");
    assert!(!found.contains("search to narrow"));
    let by_ref = page(&app, &s, "/staff/campaigns/new?org_q=REF-1999").await;
    assert!(by_ref.contains("Bulk 1999"), "{by_ref}");

    // Search with one picked: it stays picked (and listed) though the search is for another.
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Search"),
                ("organisation", &first),
                ("org_q", "Zeta"),
                ("action", "search"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let searched = res.text().await.unwrap();
    assert!(
        searched.contains(&format!(r#"value="{first}" checked"#)),
        "{searched}"
    );
    assert!(searched.contains(&format!(r#"value="{last}">"#)));
    assert!(
        searched.contains(r#"value="Search""#),
        "the name typed is kept"
    );
    // A refused save keeps both picks.
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Search"),
                ("organisation", &first),
                ("organisation", &last),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(refused.contains(&format!(r#"value="{first}" checked"#)));
    assert!(refused.contains(&format!(r#"value="{last}" checked"#)));

    // A launched campaign adds the one beyond the cut after a search.
    let id = draft_of(&app, &s, &[&first]).await;
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/launch"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let launched = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        launched.contains("Showing 2,000 of 2,001 organisations: search to narrow."),
        "{launched}"
    );
    let narrowed = page(&app, &s, &format!("/staff/campaigns/{id}?org_q=zeta")).await;
    assert!(
        narrowed.contains(&format!(
            r#"<option value="{last}">Zeta Knits (JP)</option>"#
        )),
        "{narrowed}"
    );
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{id}/organisations"),
            &[("organisation_id", &last)],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Item 8: the audience says how many are in the campaign now.
    let after = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        after.contains("1 organisation picked at launch; 2 in the campaign now"),
        "{after}"
    );
}

/// A launch that would invite nobody is refused (the page and the API), writing
/// nothing; the counts name only the organisations invited.
#[tokio::test]
async fn a_launch_that_invites_nobody_is_refused_and_counts_are_honest() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let lonely = org(&app, "Empty Mills", None).await;
    let id = draft_of(&app, &s, &[&lonely]).await;
    let draft = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(draft.contains("nobody would be invited"), "{draft}");
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/launch"), &[])
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains("audience: nobody would be invited"),
        "{refused}"
    );
    assert_eq!(status_of(&app, &s, &id).await, "Draft");
    let res = app
        .post_json(&format!("/api/v1/campaigns/{id}/launch"), &json!({}))
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("audience") && body.contains("nobody would be invited"),
        "{body}"
    );
    assert_eq!(status_of(&app, &s, &id).await, "Draft");
    let mut conn = app.db.conn().await;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hrdd_survey::db::schema::{invitations, responses};
    let n: i64 = responses::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing written");
    let n: i64 = invitations::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing written");

    // Two with contacts (one with two), one without: 2 invited, 3 emails, 1 left out.
    let a = org(&app, "Aomori Cotton", Some("a1@example.com")).await;
    app.post_json(
        &format!("/api/v1/organisations/{a}/contacts"),
        &json!({"name": "Second", "email": "a2@example.com", "language": "en"}),
    )
    .await;
    let b = org(&app, "Beppu Linen", Some("b@example.com")).await;
    let id = draft_of(&app, &s, &[&a, &b, &lonely]).await;
    let draft = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        draft.contains("the launch emails 3 contacts at 2 organisations."),
        "{draft}"
    );
    assert!(draft.contains("1 organisation without an active contact"));
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/launch"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let launched = page(&app, &s, &crate::auth::location(&res)).await;
    assert!(
        launched.contains(
            "Launched to 2 organisations: 3 invitation emails queued; 1 organisation has no active contact with a usable email address and is not invited."
        ),
        "{launched}"
    );
}

/// Closing without the confirmation is refused beside the checkbox, nothing changed.
#[tokio::test]
async fn closing_needs_the_confirmation() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let a = org(&app, "Chiba Weaving", Some("c@example.com")).await;
    let id = draft_of(&app, &s, &[&a]).await;
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/launch"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains(r#"aria-describedby="confirm-error"> no more answers from now on"#),
        "{refused}"
    );
    assert!(refused.contains(r#"<p class="error" id="confirm-error">tick"#));
    assert_eq!(status_of(&app, &s, &id).await, "Launched");
    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{id}/close"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&app, &s, &id).await, "Closed");
    // The contact's usable link is said to take no more answers, on the campaign page
    // and on the organisation's page in the campaign.
    for path in [
        format!("/staff/campaigns/{id}"),
        format!("/staff/campaigns/{id}/organisations/{a}"),
    ] {
        let p = page(&app, &s, &path).await;
        assert!(
            p.contains("&lt;c@example.com&gt; · link closed with the campaign (no more answers)"),
            "{path}: {p}"
        );
    }
}

/// A NUL in a campaign page's searches is neither sent to PostgreSQL (a 500) nor written
/// back into the page.
#[tokio::test]
async fn a_nul_in_the_campaign_searches_is_dropped() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let a = org(&app, "Nagoya Dyeing", Some("n@example.com")).await;
    let id = draft_of(&app, &s, &[&a]).await;
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/launch"), &[])
        .await;
    assert_eq!(res.status(), 303);
    for path in [
        format!("/staff/campaigns/{id}?q=Na%00goya&org_q=a%00b"),
        format!("/staff/campaigns/{id}/progress.csv?q=%00"),
        "/staff/campaigns/new?org_q=%00".to_string(),
    ] {
        let res = s.get(&app, &path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(!res.text().await.unwrap().contains('\0'), "{path}");
    }
}

/// Every problem of the draft form in one pass; the filter's country an ISO code.
#[tokio::test]
async fn the_draft_form_reports_every_problem_at_once() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let form = page(&app, &s, "/staff/campaigns/new").await;
    assert!(form.contains(r#"<a href="/staff/campaigns">← Campaigns</a>"#));
    let yesterday = in_days(-1);
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", ""),
                ("version", "forced-labour:3"),
                ("deadline", &yesterday),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    for id in ["name-error", "deadline-error", "audience-error"] {
        assert!(
            refused.contains(&format!(r#"id="{id}""#)),
            "{id}: {refused}"
        );
    }
    // A valid deadline: the name and the audience still both reported.
    let deadline = in_days(10);
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", ""),
                ("version", "forced-labour:3"),
                ("deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(refused.contains(r#"id="name-error""#), "{refused}");
    assert!(refused.contains(r#"id="audience-error""#), "{refused}");

    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Nowhere"),
                ("version", "forced-labour:3"),
                ("deadline", &deadline),
                ("use_filter", "1"),
                ("kind", "factory"),
                ("country", "ZZ"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains(r#"<p class="error" id="country-error">"#)
            && refused.contains("is not an ISO 3166 country code"),
        "{refused}"
    );
    assert!(refused.contains(r#"id="kind-error""#), "{refused}");
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Nowhere", "template_id": "forced-labour", "deadline": deadline,
                    "audience": {"filter": {"country": "ZZ"}}}),
        )
        .await;
    assert_eq!(res.status(), 422);
}

/// A deactivated organisation's contacts are not offered Re-send or Revoke; the
/// others' buttons are named for their contact; the way back to the campaigns.
#[tokio::test]
async fn a_deactivated_organisation_is_not_offered_re_send_and_buttons_are_named() {
    let app = TestApp::spawn().await;
    let s = maria(&app).await;
    let a = org(&app, "Daito Prints", Some("d@example.com")).await;
    let b = org(&app, "Ebina Socks", Some("e@example.com")).await;
    let id = draft_of(&app, &s, &[&a, &b]).await;
    let res = s
        .post(&app, &format!("/staff/campaigns/{id}/launch"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let mut conn = app.db.conn().await;
    conn.batch_execute(&format!(
        "UPDATE organisations SET deactivated_at = now() WHERE id = '{b}'"
    ))
    .await
    .unwrap();
    let p = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(p.contains(r#"<a href="/staff/campaigns">← Campaigns</a>"#));
    assert!(
        p.contains(r#"aria-label="Re-send to Daito Prints contact">Re-send</button>"#),
        "{p}"
    );
    assert!(p.contains(r#"aria-label="Revoke the link of Daito Prints contact">Revoke</button>"#));
    assert!(!p.contains("Re-send to Ebina Socks contact"), "{p}");
    assert!(!p.contains("Revoke the link of Ebina Socks contact"));
    assert_eq!(p.matches("organisation deactivated").count(), 1, "{p}");
    assert_eq!(p.matches(">Re-send</button>").count(), 1);
}

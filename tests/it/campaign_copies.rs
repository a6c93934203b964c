//! "Run again": procurement starts next round's campaign from an earlier one. The draft
//! form opens with its questionnaire at the newest version, schedule, message and
//! audience (the organisations it went to that are still active, or its filter), a
//! name to change and no deadline, and says what it took; the saved draft's audit entry
//! names the campaign it was copied from. The next round's filter can leave out the
//! organisations that answered recently.

use crate::campaign_edits::{act, audited, draft, in_days, maria, org, page};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_closed_campaign_is_run_again_as_a_new_draft() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let (hanoi, _) = org(&app, "Hanoi Knits", "VN", "hanoi@example.com").await;
    let (cebu, _) = org(&app, "Cebu Threads", "PH", "cebu@example.com").await;
    let s = maria(&app).await;
    // Launched to Alpha on version 3, Hanoi added after the launch, then closed; Alpha
    // is deactivated since.
    let id = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{id}/launch"), &[]).await;
    act(
        &app,
        &s,
        &format!("/staff/campaigns/{id}/organisations"),
        &[("organisation_id", &hanoi)],
    )
    .await;
    act(
        &app,
        &s,
        &format!("/staff/campaigns/{id}/close"),
        &[("confirm", "yes")],
    )
    .await;
    let res = s
        .post(
            &app,
            &format!("/staff/organisations/{alpha}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);

    let closed = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        closed.contains(&format!(
            r#"<a href="/staff/campaigns/new?from={id}" id="run-again""#
        )),
        "{closed}"
    );
    let form = page(&app, &s, &format!("/staff/campaigns/new?from={id}")).await;
    for expected in [
        r#"name="name" value="Autumn chek (copy)""#.to_string(),
        r#"<option value="forced-labour:4" selected>"#.to_string(),
        r#"name="deadline" value="""#.to_string(),
        r#"name="reminder_days_before" value="14, 7, 2""#.to_string(),
        ">Thank you.</textarea>".to_string(),
        format!(r#"value="{hanoi}" checked"#),
        format!(r#"<input type="hidden" name="copied_from" value="{id}">"#),
        "Copied from \u{201c}Autumn chek\u{201d} (closed".to_string(),
        "It used version 3 of the questionnaire; the copy takes the newest, version 4.".to_string(),
        "Picked: the 1 organisation it went to (with those added after its launch).".into(),
        "1 organisation deactivated since is left out.".into(),
        "Choose the deadline".into(),
    ] {
        assert!(form.contains(&expected), "{expected} in {form}");
    }
    assert!(!form.contains(&format!(r#"value="{cebu}" checked"#)));
    assert!(
        !form.contains(&format!(r#"value="{alpha}""#)),
        "deactivated: not listed"
    );

    // Saved as the form comes, with a name and a deadline: a draft to Hanoi on v4.
    let deadline = in_days(40);
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Autumn check 2027"),
                ("version", "forced-labour:4"),
                ("deadline", &deadline),
                ("reminder_days_before", "14, 7, 2"),
                ("reminder_weekly_after", "4"),
                ("message", "Thank you."),
                ("organisation", &hanoi),
                ("copied_from", &id),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let copy = crate::auth::location(&res);
    let copy_page = page(&app, &s, &copy).await;
    assert!(copy_page.contains("<h1>Autumn check 2027</h1>"));
    assert!(copy_page.contains("Forced labour: practices at the site — version 4"));
    assert!(copy_page.contains("1 organisation picked"), "{copy_page}");
    assert!(
        copy_page.contains(&format!(
            r#"<dd id="copied-from"><a href="/staff/campaigns/{id}">Autumn chek</a></dd>"#
        )),
        "{copy_page}"
    );
    let source_page = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(!source_page.contains("Copied from"), "not copied itself");
    let created = audited(&app, "campaign.created").await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[0]["copied_from"], serde_json::Value::Null);
    assert_eq!(created[1]["copied_from"], id.as_str());

    // Nothing to copy: 404; a forged source on the form: refused, nothing written.
    for from in ["00000000-0000-0000-0000-000000000000", "not-an-id"] {
        let res = s
            .get(&app, &format!("/staff/campaigns/new?from={from}"))
            .await;
        assert_eq!(res.status(), 404, "{from}");
    }
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Forged"),
                ("version", "forced-labour:4"),
                ("deadline", &deadline),
                ("organisation", &hanoi),
                ("copied_from", "00000000-0000-0000-0000-000000000000"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains("no campaign with this id to copy from"),
        "{refused}"
    );
    assert_eq!(audited(&app, "campaign.created").await.len(), 2);
}

#[tokio::test]
async fn a_campaign_by_filter_is_copied_with_its_filter() {
    let app = TestApp::spawn().await;
    org(&app, "Hanoi Knits", "VN", "hanoi@example.com").await;
    let s = maria(&app).await;
    let deadline = in_days(20);
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Vietnam sites"),
                ("version", "migrant-labour:4"),
                ("deadline", &deadline),
                ("reminder_days_before", "10"),
                ("reminder_weekly_after", "0"),
                ("use_filter", "1"),
                ("country", "VN"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let id = crate::auth::location(&res)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let draft_page = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        draft_page.contains(r#"<h2 id="act-copy">Copy</h2>"#),
        "{draft_page}"
    );

    let form = page(&app, &s, &format!("/staff/campaigns/new?from={id}")).await;
    for expected in [
        r#"name="use_filter" value="1" checked"#,
        r#"<option value="VN" selected>"#,
        r#"<option value="migrant-labour:4" selected>"#,
        r#"name="reminder_days_before" value="10""#,
        r#"name="reminder_weekly_after" value="0""#,
        "Its audience filter is kept",
    ] {
        assert!(form.contains(expected), "{expected} in {form}");
    }
    assert!(!form.contains("It used version"), "already the newest");
}

/// The next round without those that answered recently: the audience filter's
/// `not_answered_within_days` leaves out organisations that submitted in that time
/// (in any campaign), on the API, the draft form, the launch preview and the launch.
#[tokio::test]
async fn the_next_round_leaves_out_organisations_that_answered_recently() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hrdd_survey::db::schema::responses;
    use serde_json::{json, Value};
    let app = TestApp::spawn().await;
    let earlier = app.campaign("forced-labour").await;
    let mut orgs = Vec::new();
    for (name, days_ago) in [
        ("Recent Mills", Some(10)),
        ("Stale Dyes", Some(400)),
        ("Never Asked", None),
    ] {
        let (org, contact) = app.supplier(name, "en").await;
        if let Some(days) = days_ago {
            let (_, response) = app.invite(&earlier, &org, &contact).await;
            app.submitted_days_ago(&response, days).await;
        }
        orgs.push(org);
    }
    // Out of range: named, nothing written.
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Next round", "template_id": "forced-labour", "deadline": in_days(30),
                    "audience": {"filter": {"not_answered_within_days": 0}}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["fields"][0]["field"], "audience.not_answered_within_days",
        "{body}"
    );

    let s = maria(&app).await;
    // A value the form does not offer: named beside its select, nothing written.
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Next round"),
                ("version", "forced-labour:4"),
                ("deadline", &in_days(30)),
                ("use_filter", "1"),
                ("not_answered_within_days", "a year"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains(r#"aria-describedby="c-not-answered-help not_answered_within_days-error" aria-invalid="true""#),
        "{refused}"
    );
    assert!(
        refused.contains(
            r#"<p class="error" id="not_answered_within_days-error">choose from the list</p>"#
        ),
        "{refused}"
    );
    assert!(!refused.contains("a year days"), "{refused}");
    let res = s
        .post(
            &app,
            "/staff/campaigns",
            &[
                ("name", "Next round"),
                ("version", "forced-labour:4"),
                ("deadline", &in_days(30)),
                ("use_filter", "1"),
                ("kind", "supplier"),
                ("not_answered_within_days", "365"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let id = crate::auth::location(&res)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let draft_page = page(&app, &s, &format!("/staff/campaigns/{id}")).await;
    assert!(
        draft_page.contains(
            "active organisations with kind supplier, no submission in the last 365 days"
        ),
        "{draft_page}"
    );
    assert!(draft_page.contains("Stale Dyes") && draft_page.contains("Never Asked"));
    assert!(!draft_page.contains("Recent Mills"), "{draft_page}");
    let form = page(&app, &s, &format!("/staff/campaigns/{id}/edit")).await;
    assert!(
        form.contains(
            r#"<option value="365" selected>not answered in the last 12 months</option>"#
        ),
        "{form}"
    );

    act(&app, &s, &format!("/staff/campaigns/{id}/launch"), &[]).await;
    let mut conn = app.db.conn().await;
    let mut invited: Vec<uuid::Uuid> = responses::table
        .filter(responses::campaign_id.eq(id.parse::<uuid::Uuid>().unwrap()))
        .select(responses::organisation_id)
        .load(&mut conn)
        .await
        .unwrap();
    invited.sort();
    let mut expected: Vec<uuid::Uuid> = orgs[1..].iter().map(|o| o.parse().unwrap()).collect();
    expected.sort();
    assert_eq!(invited, expected);
}

//! An organisation joins a running campaign from its own page: "Add to an open
//! campaign" lists the open campaigns it is not in (not drafts, not closed ones), each
//! with "Add and invite", the campaign page's "Add an organisation" (a response, a link
//! and an invitation email per active contact); only for roles that manage campaigns.

use crate::auth::{create_user, location, sign_in, PASSWORD};
use crate::campaign_edits::{act, draft, maria, org, page};
use crate::helpers::TestApp;
use hrdd_survey::auth::permissions::Role;

#[tokio::test]
async fn an_organisation_is_added_to_an_open_campaign_from_its_page() {
    let app = TestApp::spawn().await;
    let (alpha, _) = org(&app, "Alpha Yarns", "JP", "alpha@example.com").await;
    let (hanoi, _) = org(&app, "Hanoi Knits", "VN", "hanoi@example.com").await;
    let s = maria(&app).await;
    let open = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{open}/launch"), &[]).await;
    let still_draft = draft(&app, &s, &alpha).await;
    let closed = draft(&app, &s, &alpha).await;
    act(&app, &s, &format!("/staff/campaigns/{closed}/launch"), &[]).await;
    act(
        &app,
        &s,
        &format!("/staff/campaigns/{closed}/close"),
        &[("confirm", "yes")],
    )
    .await;

    let join =
        |c: &str| format!(r#"<form method="post" action="/staff/campaigns/{c}/organisations""#);
    let hanoi_page = page(&app, &s, &format!("/staff/organisations/{hanoi}")).await;
    assert!(
        hanoi_page.contains("Add to an open campaign"),
        "{hanoi_page}"
    );
    assert!(hanoi_page.contains(&join(&open)), "{hanoi_page}");
    assert!(!hanoi_page.contains(&join(&still_draft)));
    assert!(!hanoi_page.contains(&join(&closed)));
    assert!(hanoi_page.contains("This organisation is in no campaign yet."));
    // Alpha is in the open campaign already.
    let alpha_page = page(&app, &s, &format!("/staff/organisations/{alpha}")).await;
    assert!(
        !alpha_page.contains("Add to an open campaign"),
        "{alpha_page}"
    );

    // A committee member sees the page without the action.
    create_user(&app, "kenji@example.com", Role::Committee, Some(PASSWORD)).await;
    let kenji = sign_in(&app, "kenji@example.com", PASSWORD).await;
    let seen = page(&app, &kenji, &format!("/staff/organisations/{hanoi}")).await;
    assert!(!seen.contains("Add to an open campaign"));

    let res = s
        .post(
            &app,
            &format!("/staff/campaigns/{open}/organisations"),
            &[("organisation_id", &hanoi)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let landed = page(&app, &s, &location(&res)).await;
    assert!(
        landed.contains("1 organisation added: 1 invitation email queued."),
        "{landed}"
    );
    let after = page(&app, &s, &format!("/staff/organisations/{hanoi}")).await;
    assert!(!after.contains("Add to an open campaign"), "{after}");
    assert!(after.contains(&format!(
        r#"<a href="/staff/campaigns/{open}/organisations/{hanoi}">timeline</a>"#
    )));
}

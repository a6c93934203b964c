//! Respondent links that a reminder can resend: the token is derived from the
//! invitation id under a link key, only its hash is stored, and key rotation keeps old
//! links working (and recomputable while their secret is configured).

use crate::helpers::{fixtures_dir, TestApp};
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::links::{link_token, LinkKeys};
use hrdd_survey::auth::token_sha256;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::db::invitations;
use hrdd_survey::db::models::Invitation;
use hrdd_survey::domain::ids::InvitationId;
use hrdd_survey::services::campaigns::{self, NewInvitation};

const SECRET: &[u8] = b"test-secret-key-of-at-least-32-characters";

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

async fn invitation(app: &TestApp, token: &str) -> Invitation {
    let mut conn = app.state.pool.get().await.unwrap();
    invitations::find_link(&mut conn, &token_sha256(token))
        .await
        .unwrap()
        .expect("a usable link")
        .0
}

async fn opens(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Every text, character and JSON column of every table, as (table, column).
async fn text_columns(app: &TestApp) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let mut conn = app.db.conn().await;
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name \
           FROM information_schema.columns c \
           JOIN information_schema.tables t USING (table_schema, table_name) \
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
            AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')",
    )
    .load(&mut conn)
    .await
    .unwrap();
    columns
        .into_iter()
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

/// The columns whose value contains `needle` somewhere.
async fn columns_containing(app: &TestApp, needle: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = app.db.conn().await;
    let mut found = Vec::new();
    let columns = text_columns(app).await;
    assert!(columns.len() > 20, "{columns:?}");
    for (table, column) in columns {
        let c: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM \"{table}\" WHERE strpos(\"{column}\"::text, $1) > 0"
        ))
        .bind::<Text, _>(needle)
        .get_result(&mut conn)
        .await
        .unwrap();
        if c.n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

#[tokio::test]
async fn a_reminder_recomputes_the_same_link_and_no_column_holds_it() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Link Supplier", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let token = token_of(&link).to_string();
    assert_eq!(token.len(), 43);
    // Use the link (open, save a draft) so every table it touches has its say.
    assert_eq!(opens(&app, &token).await, 200);
    let saved = app.post_form(&link, &[("headcount", "12")], "save").await;
    assert!(saved.status().is_success() || saved.status().is_redirection());

    assert_eq!(
        columns_containing(&app, &token).await,
        Vec::<String>::new(),
        "the token is in no column"
    );
    // The search itself works: the hash is found where it is stored.
    assert_eq!(
        columns_containing(&app, &token_sha256(&token)).await,
        ["invitations.token_sha256"]
    );

    let inv = invitation(&app, &token).await;
    assert_eq!(inv.link_key_id, Some(1));
    let recomputed = link_token(&app.state.link_keys, &inv).expect("recomputable");
    assert_eq!(recomputed, token, "the reminder carries the same link");
    // It opens: with an answer saved, on to the first section with something left.
    assert_eq!(opens(&app, &recomputed).await, 303);
}

#[tokio::test]
async fn a_new_link_key_id_changes_new_links_while_old_links_still_work_and_recompute() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (org_a, contact_a) = app.supplier("Old Key Supplier", "en").await;
    let (link_a, _) = app.invite(&campaign, &org_a, &contact_a).await;
    let token_a = token_of(&link_a).to_string();

    // The operator sets HRDD_LINK_KEY_ID=2 (same secret).
    let keys1 = LinkKeys::new(1, SECRET, &[]);
    let keys2 = LinkKeys::new(2, SECRET, &[]);
    let (org_b, contact_b) = app.supplier("New Key Supplier", "en").await;
    let issued_b = {
        let mut conn = app.state.pool.get().await.unwrap();
        let ctx = hrdd_survey::services::Ctx {
            link_keys: &keys2,
            public_base_url: &app.address,
            ..app.state.ctx()
        };
        campaigns::issue_invitation(
            &mut conn,
            &ctx,
            &Actor::System,
            campaign.parse().unwrap(),
            NewInvitation {
                organisation_id: org_b.parse().unwrap(),
                contact_id: contact_b.parse().unwrap(),
                language: None,
                valid_days: None,
                send_email: Some(false),
            },
        )
        .await
        .unwrap()
    };
    let token_b = token_of(&issued_b.link).to_string();
    let inv_a = invitation(&app, &token_a).await;
    let inv_b = invitation(&app, &token_b).await;
    assert_eq!((inv_a.link_key_id, inv_b.link_key_id), (Some(1), Some(2)));
    assert_ne!(
        keys1.issue(inv_b.id).0,
        token_b,
        "key id 2 gives another token than key id 1 would"
    );
    assert_eq!(
        link_token(&keys2, &inv_b).as_deref(),
        Some(token_b.as_str())
    );
    assert_eq!(
        link_token(&keys2, &inv_a).as_deref(),
        Some(token_a.as_str()),
        "an old link still recomputes"
    );
    assert_eq!(opens(&app, &token_a).await, 200);
    assert_eq!(opens(&app, &token_b).await, 200);

    // The secret itself is rotated, the old one listed in HRDD_PREVIOUS_SECRET_KEYS.
    let new_secret = b"a-brand-new-secret-key-of-32-characters-or-more";
    let rotated = LinkKeys::new(3, new_secret, &[SECRET.to_vec()]);
    assert_eq!(
        link_token(&rotated, &inv_a).as_deref(),
        Some(token_a.as_str())
    );
    assert_eq!(
        link_token(&rotated, &inv_b).as_deref(),
        Some(token_b.as_str())
    );
    // Once the old secret is dropped, old links cannot be recomputed (they still open):
    // a reminder must issue a new link, which works and recomputes under the new key.
    let forgotten = LinkKeys::new(3, new_secret, &[]);
    assert_eq!(link_token(&forgotten, &inv_a), None);
    assert_eq!(opens(&app, &token_a).await, 200);
    let reissued = {
        let mut conn = app.state.pool.get().await.unwrap();
        let ctx = hrdd_survey::services::Ctx {
            link_keys: &forgotten,
            public_base_url: &app.address,
            ..app.state.ctx()
        };
        campaigns::issue_invitation(
            &mut conn,
            &ctx,
            &Actor::System,
            campaign.parse().unwrap(),
            NewInvitation {
                organisation_id: org_a.parse().unwrap(),
                contact_id: contact_a.parse().unwrap(),
                language: None,
                valid_days: None,
                send_email: Some(false),
            },
        )
        .await
        .unwrap()
    };
    let token_new = token_of(&reissued.link).to_string();
    assert_ne!(token_new, token_a);
    assert_eq!(reissued.revoked_previous, 1);
    assert_eq!(
        opens(&app, &token_a).await,
        404,
        "reissuing revokes the old link"
    );
    assert_eq!(opens(&app, &token_new).await, 200);
    let inv_new = invitation(&app, &token_new).await;
    assert_eq!(inv_new.link_key_id, Some(3));
    assert_eq!(
        link_token(&forgotten, &inv_new).as_deref(),
        Some(token_new.as_str())
    );

    // A link issued before derived tokens (no key id) is never recomputed.
    let legacy = Invitation {
        link_key_id: None,
        ..inv_new.clone()
    };
    assert_eq!(link_token(&forgotten, &legacy), None);
    // A wrong key id can never yield a token other than the stored one.
    let tampered = Invitation {
        link_key_id: Some(9),
        id: InvitationId::random(),
        ..inv_new
    };
    assert_eq!(link_token(&forgotten, &tampered), None);
}

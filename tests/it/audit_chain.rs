//! The audit chain against a database superuser and under concurrent writers: deleting
//! the newest entries (triggers off) is reported, a head rewritten without the secret key
//! is reported, many sessions writing at once keep each chain linear, and a whole contact
//! chain deleted with its head is reported.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::audit::{self, verify_chain, Actor, Broken};
use hrdd_survey::db::schema::audit_log;
use hrdd_survey::services::accounts;
use serde_json::json;

pub(crate) async fn sql(conn: &mut AsyncPgConnection, sql: &str) -> usize {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub(crate) async fn entries(conn: &mut AsyncPgConnection) -> usize {
    audit_log::table
        .count()
        .get_result::<i64>(conn)
        .await
        .unwrap() as usize
}

/// One entry by `actor`, appended in a transaction of its own.
pub(crate) async fn append_one(
    conn: &mut AsyncPgConnection,
    key: &audit::AuditKey,
    actor: Actor,
    action: &'static str,
    subject: String,
) {
    hrdd_survey::db::transaction::<_, diesel::result::Error, _>(conn, key, |tx| {
        async move { audit::append(tx, &actor, action, "test", subject, json!({})).await }
            .scope_boxed()
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn deleting_the_newest_audit_entries_as_superuser_is_detected() {
    let app = TestApp::spawn().await;
    create_user(&app, "auditor@example.com", Role::Admin, Some(PASSWORD)).await;
    let admin = sign_in(&app, "auditor@example.com", PASSWORD).await;
    for i in 0..5 {
        let res = app
            .post_json(
                "/api/v1/organisations",
                &json!({"kind": "supplier", "name": format!("Org {i}"), "country": "VN"}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let key = &app.state.audit_key;
    let mut conn = app.db.conn().await;
    let n = entries(&mut conn).await;
    assert_eq!(verify_chain(&mut conn, key).await.unwrap(), Ok(n));
    let page = admin.get(&app, "/staff/audit").await.text().await.unwrap();
    assert!(
        page.contains(&format!("matches its signed head ({n} entries in all)")),
        "{page}"
    );

    // A superuser (the test connects as one) removes the three newest entries with the
    // triggers off. The rest of the chain is intact, but the signed head is not.
    sql(&mut conn, "SET session_replication_role = replica").await;
    assert_eq!(
        sql(
            &mut conn,
            "DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 3 FROM audit_log)"
        )
        .await,
        3
    );
    let broken = Broken::Head {
        chain: 0,
        entries: n - 3,
        anchored: Some(n as i64),
    };
    assert_eq!(verify_chain(&mut conn, key).await.unwrap(), Err(broken));
    let page = admin.get(&app, "/staff/audit").await.text().await.unwrap();
    assert!(
        page.contains("WARNING") && page.contains("the newest entries are missing"),
        "{page}"
    );

    // Moving the head back to the new last entry needs the key: the old signature does
    // not cover it, and an unsigned or made-up one fails too.
    sql(
        &mut conn,
        "UPDATE audit_head SET seq = l.seq, hash = l.hash FROM (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) l",
    )
    .await;
    assert!(matches!(
        verify_chain(&mut conn, key).await.unwrap(),
        Err(Broken::Head { .. })
    ));
    sql(
        &mut conn,
        &format!("UPDATE audit_head SET mac = '{}'", "0".repeat(64)),
    )
    .await;
    assert!(matches!(
        verify_chain(&mut conn, key).await.unwrap(),
        Err(Broken::Head { .. })
    ));
    // The service keeps working, and new entries do not heal the log.
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": "After the tampering", "country": "VN"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(verify_chain(&mut conn, key).await.unwrap().is_err());
    let page = admin.get(&app, "/staff/audit").await.text().await.unwrap();
    assert!(page.contains("WARNING"), "{page}");
}

#[tokio::test]
async fn a_gap_in_the_sequence_is_detected_even_with_a_consistent_chain() {
    // Deleting entries in the middle and re-linking the rest would need every later hash
    // recomputed; the seq column alone already shows the hole.
    let app = TestApp::spawn().await;
    let key = &app.state.audit_key;
    let mut conn = app.db.conn().await;
    let n = entries(&mut conn).await;
    assert!(n >= 2);
    assert_eq!(verify_chain(&mut conn, key).await.unwrap(), Ok(n));
    sql(&mut conn, "SET session_replication_role = replica").await;
    sql(
        &mut conn,
        "UPDATE audit_log SET seq = seq + 1 WHERE seq = (SELECT max(seq) FROM audit_log)",
    )
    .await;
    assert!(matches!(
        verify_chain(&mut conn, key).await.unwrap(),
        Err(Broken::Entry(_))
    ));
}

#[tokio::test]
async fn append_needs_a_transaction_and_many_concurrent_writers_keep_one_chain() {
    let app = TestApp::spawn().await;
    let user = create_user(&app, "busy@example.com", Role::Viewer, Some(PASSWORD)).await;
    let key = app.state.audit_key.clone();
    // 20 sessions at once, each writing 10 entries: half through a service that used to
    // append outside a transaction (sign out elsewhere), half through `append` itself.
    let tasks = (0..20).map(|t| {
        let pool = app.state.pool.clone();
        let key = key.clone();
        tokio::spawn(async move {
            let mut conn = pool.get().await.unwrap();
            for i in 0..10 {
                if t % 2 == 0 {
                    accounts::sign_out_elsewhere(&mut conn, &key, user, uuid::Uuid::new_v4())
                        .await
                        .unwrap();
                } else {
                    let subject = format!("{t}-{i}");
                    append_one(&mut conn, &key, Actor::System, "test.concurrent", subject).await;
                }
            }
        })
    });
    for task in futures_util::future::join_all(tasks).await {
        task.unwrap();
    }
    let mut conn = app.db.conn().await;
    let n = entries(&mut conn).await;
    let written: i64 = audit_log::table
        .filter(audit_log::action.eq_any(["test.concurrent", "sessions.revoked"]))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(written, 200);
    assert_eq!(verify_chain(&mut conn, &key).await.unwrap(), Ok(n));

    // Two entries after the same predecessor (a fork) cannot be stored.
    let last: (i64, Option<String>) = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::prev_hash))
        .first(&mut conn)
        .await
        .unwrap();
    let fork = diesel::sql_query(format!(
        "INSERT INTO audit_log (actor_kind, action, subject_type, subject_id, prev_hash, hash, seq) \
         VALUES ('system', 'fork', 'test', 'x', '{}', '{}', {})",
        last.1.unwrap(),
        "f".repeat(64),
        last.0 + 1
    ))
    .execute(&mut conn)
    .await;
    assert!(fork.is_err(), "a second entry after the same predecessor");
}

/// Contacts' entries (submissions) spread over the contact chains, each linked and
/// signed on its own; concurrent contact writers keep every chain linear; and a whole
/// contact chain deleted with its head (triggers off) is still reported, because chain
/// 0 recorded that the chain was opened.
#[tokio::test]
async fn contact_entries_spread_over_signed_chains_and_a_deleted_chain_is_detected() {
    let app = TestApp::spawn().await;
    let key = app.state.audit_key.clone();
    let tasks = (0..10).map(|t| {
        let pool = app.state.pool.clone();
        let key = key.clone();
        tokio::spawn(async move {
            let mut conn = pool.get().await.unwrap();
            for i in 0..10 {
                let contact = Actor::Contact(uuid::Uuid::new_v4());
                append_one(&mut conn, &key, contact, "test.contact", format!("{t}-{i}")).await;
            }
        })
    });
    for task in futures_util::future::join_all(tasks).await {
        task.unwrap();
    }
    let mut conn = app.db.conn().await;
    let n = entries(&mut conn).await;
    assert_eq!(verify_chain(&mut conn, &key).await.unwrap(), Ok(n));
    let chains: Vec<i16> = audit_log::table
        .filter(audit_log::action.eq("test.contact"))
        .select(audit_log::chain)
        .distinct()
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        chains.len() > 1 && chains.iter().all(|c| (1..=16).contains(c)),
        "100 contact entries on contact chains only: {chains:?}"
    );
    let staff: i64 = audit_log::table
        .filter(audit_log::chain.ne(0))
        .filter(audit_log::actor_kind.ne("contact"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(staff, 0, "staff and system entries stay on chain 0");

    // A superuser deletes one contact chain, entries and head.
    let gone = chains[0];
    sql(&mut conn, "SET session_replication_role = replica").await;
    let removed = sql(
        &mut conn,
        &format!("DELETE FROM audit_log WHERE chain = {gone}"),
    )
    .await;
    assert!(removed > 0);
    sql(
        &mut conn,
        &format!("DELETE FROM audit_head WHERE chain = {gone}"),
    )
    .await;
    assert_eq!(
        verify_chain(&mut conn, &key).await.unwrap(),
        Err(Broken::Head {
            chain: gone,
            entries: 0,
            anchored: None
        })
    );
}

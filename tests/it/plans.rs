//! Query plans at a realistic size: every look-up by a token's hash must use an index.
//!
//! The database is seeded with 300 organisations, about 20,000 invitations, and as many
//! staff sessions and reset links. Each look-up runs through the real query function on
//! a connection that records its SQL; the recorded SQL is then explained with its
//! parameters typed as diesel sends them (a Rust string is `text`). The hash must be an
//! index condition, and no table larger than a few pages may be read whole: a `char(64)`
//! column compared with a `text` parameter gives exactly that (`token_sha256::text = $1`
//! and a sequential scan of the whole table).

use crate::helpers::TestDb;
use diesel::connection::InstrumentationEvent;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use hrdd_survey::auth::{new_token, session, token_sha256};
use hrdd_survey::db::invitations;
use hrdd_survey::db::schema::api_tokens;
use hrdd_survey::services::accounts;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const SEED: &str = r#"
INSERT INTO questionnaire_templates (id) VALUES ('plans');
INSERT INTO template_versions (id, template_id, version, title, languages, source, content_sha256)
    VALUES (gen_random_uuid(), 'plans', 1, 'Plans', '{en}', 'x', repeat('0', 64));
INSERT INTO organisations (id, kind, name, country)
    SELECT gen_random_uuid(), 'supplier', 'Supplier ' || g, 'VN' FROM generate_series(1, 300) g;
INSERT INTO contacts (id, organisation_id, name, email)
    SELECT gen_random_uuid(), o.id, 'Contact', 'c' || o.id || '@example.com' FROM organisations o;
INSERT INTO campaigns (id, name, template_version_id, deadline)
    SELECT gen_random_uuid(), 'Campaign ' || g, (SELECT id FROM template_versions), current_date + 30
    FROM generate_series(1, 67) g;
INSERT INTO responses (id, campaign_id, organisation_id)
    SELECT gen_random_uuid(), c.id, o.id FROM campaigns c CROSS JOIN organisations o;
INSERT INTO invitations (id, campaign_id, organisation_id, contact_id, response_id, token_sha256, language, expires_at)
    SELECT gen_random_uuid(), r.campaign_id, r.organisation_id, ct.id, r.id,
           encode(sha256(r.id::text::bytea), 'hex'), 'en', now() + interval '60 days'
    FROM responses r JOIN contacts ct ON ct.organisation_id = r.organisation_id;
INSERT INTO users (id, email, name, role, password_hash)
    SELECT gen_random_uuid(), 'user' || g || '@example.com', 'User ' || g, 'viewer', '$argon2id$x'
    FROM generate_series(1, 200) g;
INSERT INTO staff_sessions (id, token_sha256, user_id, csrf_token, expires_at)
    SELECT gen_random_uuid(), encode(sha256(('s' || g)::bytea), 'hex'),
           (SELECT id FROM users ORDER BY email LIMIT 1 OFFSET g % 200), repeat('c', 43),
           now() + interval '12 hours'
    FROM generate_series(1, 20000) g;
INSERT INTO password_reset_tokens (token_sha256, user_id, expires_at)
    SELECT encode(sha256(('r' || g)::bytea), 'hex'),
           (SELECT id FROM users ORDER BY email LIMIT 1 OFFSET g % 200), now() + interval '30 minutes'
    FROM generate_series(1, 20000) g;
INSERT INTO api_tokens (id, name, token_sha256, role)
    SELECT gen_random_uuid(), 'token ' || g, encode(sha256(('a' || g)::bytea), 'hex'), 'viewer'
    FROM generate_series(1, 5000) g;
ANALYZE;
"#;

/// A connection that records the SQL of every query it runs.
async fn recording(url: &str) -> (AsyncPgConnection, Arc<Mutex<Vec<String>>>) {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let recorder = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            let sql = text
                .split(" -- binds: ")
                .next()
                .unwrap_or(&text)
                .to_string();
            sink.lock().unwrap().push(sql);
        }
    };
    conn.set_instrumentation(recorder);
    (conn, seen)
}

/// The one recorded query that reads `table` by its `token_sha256`.
fn lookup_sql(seen: &Mutex<Vec<String>>, table: &str) -> String {
    let seen = seen.lock().unwrap();
    let matching: Vec<&String> = seen
        .iter()
        .filter(|sql| sql.contains(&format!("\"{table}\".\"token_sha256\" =")))
        .collect();
    assert_eq!(matching.len(), 1, "one look-up of {table}: {seen:#?}");
    matching[0].clone()
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan of `sql` with its parameters typed `types` (as diesel binds them: a string
/// is `text`, `.first()` adds a `LIMIT` bound as `int8`) and given these `values`.
async fn plan(conn: &mut AsyncPgConnection, sql: &str, types: &[&str], values: &[&str]) -> String {
    diesel::sql_query("DEALLOCATE ALL")
        .execute(conn)
        .await
        .unwrap();
    diesel::sql_query(format!("PREPARE lookup ({}) AS {sql}", types.join(", ")))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let lines: Vec<PlanLine> =
        diesel::sql_query(format!("EXPLAIN EXECUTE lookup ({})", values.join(", ")))
            .load(conn)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql} with {types:?}"));
    lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Tables a plan may still read whole: at most this many 8 kB pages. PostgreSQL rightly
/// reads a table of a few pages (the campaigns, a few hundred organisations) instead of
/// going through an index; what must never happen is a scan of a table that grows with
/// every link, session or token.
const SMALL_TABLE_PAGES: i32 = 10;

/// The hash look-up goes through an index on `token_sha256`, and nothing larger than a
/// small table is read whole.
async fn assert_indexed(admin: &mut AsyncPgConnection, what: &str, plan: &str) {
    // `sha256_hex` is a domain over text (migration `…000185`): the condition shows
    // the column as text, and the index on it serves it all the same.
    assert!(
        plan.contains("Index Cond: ((token_sha256)::text = "),
        "{what} does not look the hash up through an index:\n{plan}"
    );
    for line in plan.lines().filter(|l| l.contains("Seq Scan on ")) {
        let table = line
            .split("Seq Scan on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap();
        let pages: i32 = diesel::dsl::sql::<diesel::sql_types::Integer>(
            "SELECT relpages FROM pg_class WHERE oid = ",
        )
        .bind::<diesel::sql_types::Text, _>(table)
        .sql("::regclass")
        .get_result(admin)
        .await
        .unwrap();
        assert!(
            pages <= SMALL_TABLE_PAGES,
            "{what} reads all {pages} pages of {table}:\n{plan}"
        );
    }
}

#[tokio::test]
async fn look_ups_by_token_hash_use_an_index_at_realistic_size() {
    let db = TestDb::new().await;
    let mut admin = db.conn().await;
    diesel::sql_query("SET statement_timeout = '120s'")
        .execute(&mut admin)
        .await
        .unwrap();
    admin
        .batch_execute(SEED)
        .await
        .expect("the seed data goes in");
    let invitations: i64 =
        diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT count(*) FROM invitations")
            .get_result(&mut admin)
            .await
            .unwrap();
    assert!(invitations >= 20_000, "{invitations}");
    let (mut conn, seen) = recording(&db.url).await;

    // A link open: invitation with its campaign, organisation and contact.
    let token_hash: String =
        diesel::dsl::sql::<diesel::sql_types::Text>("SELECT token_sha256 FROM invitations LIMIT 1")
            .get_result(&mut admin)
            .await
            .unwrap();
    let found = invitations::find_link(&mut conn, &token_hash)
        .await
        .unwrap();
    assert!(found.is_some(), "the seeded link is found");
    let sql = lookup_sql(&seen, "invitations");
    let p = plan(
        &mut admin,
        &sql,
        &["text", "timestamptz", "int8"],
        &[&format!("'{token_hash}'"), "now()", "1"],
    )
    .await;
    assert_indexed(&mut admin, "find_link", &p).await;

    // A staff session (the cookie of every staff request).
    let user: Uuid = diesel::dsl::sql::<diesel::sql_types::Uuid>("SELECT id FROM users LIMIT 1")
        .get_result(&mut admin)
        .await
        .unwrap();
    let cookie = session::create(&mut conn, user, None, None).await.unwrap();
    assert!(session::lookup(&mut conn, &cookie).await.unwrap().is_some());
    let sql = lookup_sql(&seen, "staff_sessions");
    let hash = format!("'{}'", token_sha256(&cookie));
    let p = plan(
        &mut admin,
        &sql,
        &["text", "timestamptz", "timestamptz", "int8"],
        &[&hash, "now()", "now()", "1"],
    )
    .await;
    assert_indexed(&mut admin, "session::lookup", &p).await;

    // A password-reset link: opening it, and using it (locked for update).
    let reset = new_token();
    assert!(!accounts::reset_token_valid(&mut conn, &reset)
        .await
        .unwrap());
    let sql = lookup_sql(&seen, "password_reset_tokens");
    let hash = format!("'{}'", token_sha256(&reset));
    let p = plan(
        &mut admin,
        &sql,
        &["text", "timestamptz", "int8"],
        &[&hash, "now()", "1"],
    )
    .await;
    assert_indexed(&mut admin, "reset_token_valid", &p).await;
    seen.lock().unwrap().clear();
    assert!(accounts::complete_reset(
        &mut conn,
        &hrdd_survey::db::audit::AuditKey::from_secret(b"plan-test-secret-key-0123456789abcdef"),
        &reset,
        "a new password of some length",
    )
    .await
    .is_err());
    let sql = lookup_sql(&seen, "password_reset_tokens");
    let p = plan(
        &mut admin,
        &sql,
        &["text", "timestamptz", "int8"],
        &[&hash, "now()", "1"],
    )
    .await;
    assert_indexed(&mut admin, "complete_reset", &p).await;

    // An API token (the middleware's query, built the same way).
    let bearer = new_token();
    let _: Option<(Uuid, String, String)> = api_tokens::table
        .filter(api_tokens::token_sha256.eq(token_sha256(&bearer)))
        .filter(api_tokens::revoked_at.is_null())
        .select((api_tokens::id, api_tokens::name, api_tokens::role))
        .first(&mut conn)
        .await
        .optional()
        .unwrap();
    let sql = lookup_sql(&seen, "api_tokens");
    let p = plan(
        &mut admin,
        &sql,
        &["text", "int8"],
        &[&format!("'{}'", token_sha256(&bearer)), "1"],
    )
    .await;
    assert_indexed(&mut admin, "API token", &p).await;
}

//! The database itself: migrations that go down and up again, the hash-chained audit
//! log and the rows that must never change, and stored questionnaire versions that a
//! changed file cannot silently replace.

use crate::helpers::{build_app, fixtures_dir, TestApp, TestDb};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hrdd_survey::db::audit::{verify_chain, Broken};
use hrdd_survey::db::schema::{audit_log, organisations, template_versions};
use serde_json::{json, Value};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// Runs `sql` and returns the database's error message; panics if it succeeds.
async fn refused(conn: &mut AsyncPgConnection, sql: &str) -> String {
    match diesel::sql_query(sql).execute(conn).await {
        Ok(n) => panic!("{sql} was allowed ({n} rows)"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn migrations_go_down_and_up_again_and_the_schema_still_works() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let applied = count(
        &mut conn,
        "SELECT count(*) AS n FROM __diesel_schema_migrations",
    )
    .await;
    assert!(applied > 0);
    diesel::sql_query(
        "INSERT INTO organisations (id, kind, name, country) VALUES (gen_random_uuid(), 'supplier', 'Before redo', 'JP')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);

    hrdd_survey::db::redo_all_migrations(&db.url)
        .await
        .expect("every migration reverts and applies again");

    let mut conn = db.conn().await;
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM organisations").await,
        0,
        "the down migrations dropped the tables (and their rows)"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM __diesel_schema_migrations"
        )
        .await,
        applied
    );
    drop(conn);

    let app = TestApp::spawn_on(db, &fixtures_dir()).await;
    let (org, contact) = app.supplier("After Redo", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "10"),
                ("passports", "worker"),
                ("fees_paid", "no"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303);
    let mut conn = app.db.conn().await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM responses WHERE status = 'submitted'"
        )
        .await,
        1
    );
    assert!(matches!(verify_chain(&mut conn, &app.state.audit_key).await.unwrap(), Ok(n) if n > 0));
    // The row triggers came back with the tables.
    for sql in [
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE template_versions SET title = 'x'",
    ] {
        let message = refused(&mut conn, sql).await;
        assert!(message.contains("immutable"), "{sql}: {message}");
    }
}

#[tokio::test]
async fn the_audit_log_chain_verifies_and_finds_tampering() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (org, contact) = app.supplier("Audited Co", "en").await;
    let campaign = app.campaign("mini").await;
    app.invite(&campaign, &org, &contact).await;
    // Concurrent writers still make one linear chain.
    let bodies: Vec<Value> = (0..20)
        .map(|i| json!({"kind": "supplier", "name": format!("Parallel {i}"), "country": "VN"}))
        .collect();
    let creations = bodies
        .iter()
        .map(|body| app.post_json("/api/v1/organisations", body));
    for res in futures_util::future::join_all(creations).await {
        assert_eq!(res.status(), 201);
    }

    let mut conn = app.db.conn().await;
    let actions: Vec<String> = audit_log::table
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    for expected in [
        "template_version.stored",
        "organisation.created",
        "contact.created",
        "campaign.created",
        "invitation.issued",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "organisation.created")
            .count(),
        21
    );
    let n = verify_chain(&mut conn, &app.state.audit_key)
        .await
        .unwrap()
        .expect("the chain verifies");
    assert!(n > 0);
    assert_eq!(n, actions.len());

    let ids: Vec<i64> = audit_log::table
        .order(audit_log::id.asc())
        .select(audit_log::id)
        .load(&mut conn)
        .await
        .unwrap();
    let (third, fourth) = (ids[2], ids[3]);
    // Tampering by the table's owner, who can switch the trigger off: each attempt in a
    // transaction that is rolled back.
    for (tamper, first_bad) in [
        (
            format!("UPDATE audit_log SET details = '{{\"forged\": true}}' WHERE id = {third}"),
            third,
        ),
        (format!("DELETE FROM audit_log WHERE id = {third}"), fourth),
    ] {
        let mut c = app.db.conn().await;
        c.begin_test_transaction().await.unwrap();
        diesel::sql_query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            .execute(&mut c)
            .await
            .unwrap();
        assert_eq!(diesel::sql_query(&tamper).execute(&mut c).await.unwrap(), 1);
        assert_eq!(
            verify_chain(&mut c, &app.state.audit_key).await.unwrap(),
            Err(Broken::Entry(first_bad)),
            "{tamper}"
        );
    }
    assert_eq!(
        verify_chain(&mut conn, &app.state.audit_key).await.unwrap(),
        Ok(n)
    );
}

#[tokio::test]
async fn audit_rows_and_stored_questionnaire_versions_cannot_change() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    app.supplier("Append Only", "en").await;
    let mut conn = app.db.conn().await;
    let before = count(&mut conn, "SELECT count(*) AS n FROM audit_log").await;
    assert!(before >= 3);

    for sql in [
        "UPDATE audit_log SET action = 'nothing.happened'",
        "UPDATE audit_log SET details = '{}'::jsonb WHERE id = (SELECT max(id) FROM audit_log)",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
        "UPDATE template_versions SET title = 'Changed'",
        "UPDATE template_versions SET source = source || ' '",
        "DELETE FROM template_versions",
        "TRUNCATE audit_log",
        "TRUNCATE template_versions CASCADE",
    ] {
        let message = refused(&mut conn, sql).await;
        assert!(message.contains("immutable"), "{sql}: {message}");
    }
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM audit_log").await,
        before
    );
    let title: String = template_versions::table
        .select(template_versions::title)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(title, "Mini check");
    assert!(
        matches!(verify_chain(&mut conn, &app.state.audit_key).await.unwrap(), Ok(n) if n as i64 == before)
    );

    // Other tables are ordinary (the trigger is not on everything).
    let changed = diesel::update(organisations::table)
        .set(organisations::sector.eq("textiles"))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn a_changed_questionnaire_file_with_the_same_version_stops_start_up() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mini.yaml");
    let original = std::fs::read_to_string(fixtures_dir().join("mini.yaml")).unwrap();
    std::fs::write(&file, &original).unwrap();

    let first = build_app(&db.url, dir.path()).await.expect("first start");
    assert_eq!(first.state.registry.all().len(), 1);
    drop(first);
    // Unchanged, it starts again without storing anything new.
    let again = build_app(&db.url, dir.path())
        .await
        .expect("an unchanged file starts");
    assert_eq!(again.state.registry.all().len(), 1);
    drop(again);

    let edited = original.replace(
        r#"label: {en: "Number of workers""#,
        r#"label: {en: "Number of employees""#,
    );
    assert_ne!(edited, original);
    std::fs::write(&file, &edited).unwrap();
    let err = match build_app(&db.url, dir.path()).await {
        Ok(_) => panic!("a changed file with the same version must not start"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains(r#"bump "version""#), "{err}");
    assert!(err.contains("mini.yaml"), "names the file: {err}");

    let mut conn = db.conn().await;
    let sources: Vec<(i32, String)> = template_versions::table
        .select((template_versions::version, template_versions::source))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].1, original, "the stored version is untouched");

    // Bumping the version stores a second version next to the first.
    std::fs::write(&file, edited.replacen("version: 1", "version: 2", 1)).unwrap();
    let bumped = build_app(&db.url, dir.path())
        .await
        .expect("a bumped version starts");
    let versions: Vec<(String, u32)> = bumped
        .state
        .registry
        .all()
        .iter()
        .map(|v| (v.questionnaire.id.clone(), v.questionnaire.version))
        .collect();
    assert_eq!(versions, vec![("mini".into(), 1), ("mini".into(), 2)]);
    let latest = bumped.state.registry.find("mini", None).unwrap();
    assert_eq!(latest.questionnaire.version, 2);
    let stored: Vec<Value> = audit_log::table
        .filter(audit_log::action.eq("template_version.stored"))
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
}

/// The pattern checks refuse what they always refused, without a long bounded repetition
/// (`{64}`, `{0,63}`): PostgreSQL builds a regular expression's automaton at every
/// evaluation, and a bound of n makes it n copies of the pattern (about 11 µs a row
/// instead of 2; migration `…000180`).
#[tokio::test]
async fn pattern_checks_hold_without_long_bounded_repetitions() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    let long_bounds: Vec<Check> = diesel::sql_query(
        "SELECT conname::text AS name, pg_get_constraintdef(oid) AS definition \
           FROM pg_constraint \
          WHERE contype = 'c' AND pg_get_constraintdef(oid) ~ '\\{[0-9]*,?[0-9]{2,}\\}'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let listed: Vec<String> = long_bounds
        .iter()
        .map(|c| format!("{}: {}", c.name, c.definition))
        .collect();
    assert!(listed.is_empty(), "{listed:#?}");

    // Each column of those shapes has its domain (a column left as plain text would
    // accept anything).
    #[derive(QueryableByName, Debug)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        column: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        domain: String,
    }
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name || '.' || column_name AS column, coalesce(domain_name, data_type) AS domain \
           FROM information_schema.columns \
          WHERE table_schema = 'public' \
            AND (column_name IN ('language', 'chosen_language', 'question_id', 'signatory_name', \
                                 'signatory_title') \
                 OR column_name LIKE '%sha256' OR column_name IN ('hash', 'prev_hash') \
                 OR (table_name = 'responses' AND column_name = 'status')) \
          ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let expected = |column: &str| match column.split_once('.').unwrap().1 {
        "language" | "chosen_language" => "language_code",
        "question_id" => "question_key",
        "signatory_name" | "signatory_title" => "signatory_text",
        "status" => "response_status",
        _ => "sha256_hex",
    };
    let wrong: Vec<&Column> = columns
        .iter()
        // Copies of values checked where they were first written: a flag's, an
        // evidence file's and a re-assessment's question id, the chain head's hash.
        .filter(|c| {
            ![
                "flags.question_id",
                "evidence_files.question_id",
                "reassessment_flags.question_id",
                "audit_head.hash",
            ]
            .contains(&c.column.as_str())
        })
        .filter(|c| c.domain != expected(&c.column))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(columns.len() >= 18, "{columns:#?}");

    // The same values are refused as before and the same accepted: each check's own
    // expression, read once, is evaluated with its column replaced by the value (a
    // domain's check names its value `VALUE`, migration `…000185`).
    #[derive(QueryableByName)]
    struct Definition {
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    #[derive(QueryableByName)]
    struct Passes {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ok: bool,
    }
    let a_run = |prefix: &str, n: usize| format!("{prefix}{}", "a".repeat(n));
    let checks = [
        (
            "sha256_hex_check",
            "VALUE",
            vec![
                (a_run("", 63), false),
                (a_run("", 65), false),
                (a_run("A", 63), false),
                (a_run("g", 63), false),
                (String::new(), false),
                ("0123456789abcdef".repeat(4), true),
            ],
        ),
        (
            "question_key_check",
            "VALUE",
            vec![
                (a_run("q", 64), false),
                (format!("q{}", "a_9".repeat(21)), true),
                ("1abc".into(), false),
                ("Abc".into(), false),
                (String::new(), false),
                ("q".into(), true),
            ],
        ),
        (
            "audit_log_action_check",
            "action",
            vec![
                (a_run("", 65), false),
                ("link.opened".into(), true),
                (String::new(), false),
            ],
        ),
    ];
    for (check, column, cases) in checks {
        let definition = diesel::sql_query(format!(
            "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = '{check}'"
        ))
        .get_result::<Definition>(&mut conn)
        .await
        .unwrap()
        .definition;
        let check_expression = definition.strip_prefix("CHECK ").unwrap();
        for (value, accepted) in cases {
            let expression = check_expression.replace(column, &format!("'{value}'::text"));
            let passes = diesel::sql_query(format!("SELECT coalesce({expression}, true) AS ok"))
                .get_result::<Passes>(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{expression}: {e}"))
                .ok;
            assert_eq!(passes, accepted, "{check} on {value:?}: {expression}");
        }
    }
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    jit: String,
}

#[tokio::test]
async fn the_services_connections_run_without_jit_compilation() {
    let app = TestApp::spawn().await;
    let mut conn = app.state.pool.get().await.unwrap();
    let shown: Setting = diesel::sql_query("SHOW jit")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(shown.jit, "off");
}

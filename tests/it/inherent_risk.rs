//! Inherent country/sector risk (issue 10, item 5), re-scoring (item 6) and the data
//! commands: a table imported with the command and the staff page raises the likelihood
//! of new submissions only; replacing it never changes stored flags; `rescore --check`
//! reproduces every stored flag and notices one that was changed; `audit verify` exits
//! 0 on an intact chain and 1 on a broken one.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::{fixtures_dir, TestApp};
use hrdd_survey::auth::permissions::Role;
use std::collections::BTreeMap;
use std::process::Command;

/// The binary on the test's database, with the application's secret key (the audit
/// chain's head is signed with a key derived from it).
pub fn cli(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hrdd-survey"));
    for var in ["HRDD_CONFIG", "SMTP_URL", "HRDD_LOG_FORMAT", "RUST_LOG"] {
        cmd.env_remove(var);
    }
    cmd.env("DATABASE_URL", &app.db.url)
        .env("HRDD_TEMPLATES_DIR", fixtures_dir())
        .env(
            "HRDD_SECRET_KEY",
            "test-secret-key-of-at-least-32-characters",
        )
        .env("HRDD_DATA_DIR", std::env::temp_dir().join("hrdd-test-data"))
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Answers to the `mini` questionnaire that raise flags of several bands.
pub const FLAGGED: &[(&str, &str)] = &[
    ("headcount", "120"),
    ("passports", "employer"),
    ("fees_paid", "yes"),
    ("fee_amount", "1500"),
    ("weekly_hours", "72"),
    ("agents.0.agent_name", "Shady Agency"),
    ("agents.0.agent_licensed", "no"),
];

/// A JP electronics supplier that submits `FLAGGED`; returns its response id.
pub async fn submitted_response(app: &TestApp, name: &str) -> String {
    let (org, contact) = app.supplier(name, "en").await;
    let campaign = app.campaign("mini").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let res = app.post_form(&link, FLAGGED, "submit").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    response
}

/// (question#rule) → (severity, likelihood, score, band) of a response's flags.
async fn flags(app: &TestApp, response: &str) -> BTreeMap<String, (i64, i64, i64, String)> {
    app.response_flags(response)
        .await
        .iter()
        .map(|f| {
            (
                format!("{}#{}", f["question_id"].as_str().unwrap(), f["rule_index"]),
                (
                    f["severity"].as_i64().unwrap(),
                    f["likelihood"].as_i64().unwrap(),
                    f["score"].as_i64().unwrap(),
                    f["band"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn write_csv(name: &str, text: &str) -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn inherent_risk_raises_likelihood_of_new_submissions_only_and_rescoring_reproduces_flags() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    create_user(&app, "ops@example.com", Role::Admin, Some(PASSWORD)).await;
    create_user(&app, "member@example.com", Role::Committee, Some(PASSWORD)).await;
    let admin = sign_in(&app, "ops@example.com", PASSWORD).await;
    let member = sign_in(&app, "member@example.com", PASSWORD).await;

    // No table: the page says so, and likelihood comes from the answers alone.
    let page = admin
        .get(&app, "/staff/inherent-risk")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("no inherent-risk data loaded"), "{page}");
    let before = submitted_response(&app, "Before Table Co").await;
    let alone = flags(&app, &before).await;
    assert!(alone.len() >= 3, "{alone:?}");

    // A broken file is refused line by line, and nothing is imported.
    let bad = write_csv(
        "bad.csv",
        "country,sector,value,source,year\nZZ,*,3,x,2024\nJP,electronics,9,x,2024\n",
    );
    let (code, _, err) = run(cli(&app).args(["inherent-risk", "import"]).arg(&bad));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("line 2, country"), "{err}");
    assert!(err.contains("line 3, value"), "{err}");
    assert!(err.contains("nothing imported"), "{err}");

    // The command imports version 1 (illustrative values, not real data).
    let good = write_csv(
        "illustrative.csv",
        "country,sector,value,source,year\nJP,Electronics,5,Illustrative test value,2025\nJP,*,2,Illustrative test value,2025\n",
    );
    let (code, out, err) = run(cli(&app).args(["inherent-risk", "import"]).arg(&good));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("version 1 (2 rows)"), "{out}");

    // A new submission of a JP electronics supplier: likelihood +2 (value 5), at most 5;
    // severity unchanged; score and band follow.
    let after = submitted_response(&app, "After Table Co").await;
    let raised = flags(&app, &after).await;
    assert_eq!(
        raised.keys().collect::<Vec<_>>(),
        alone.keys().collect::<Vec<_>>()
    );
    for (key, (sev, lik, score, _)) in &alone {
        let (s2, l2, sc2, _) = &raised[key];
        assert_eq!(s2, sev, "{key}");
        assert_eq!(*l2, (*lik + 2).min(5), "{key}");
        assert_eq!(*sc2, s2 * l2, "{key}");
        assert!(sc2 >= score, "{key}");
    }
    assert_ne!(raised, alone, "the table changed at least one likelihood");
    // The page shows the table to a committee member, without the import form.
    let page = member
        .get(&app, "/staff/inherent-risk")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Current table (version 1)"), "{page}");
    assert!(page.contains("Illustrative test value"), "{page}");
    assert!(!page.contains("Import as the new table"), "{page}");

    // The staff page: a bad paste is a 422 naming line and column; nothing written.
    let res = admin
        .post(
            &app,
            "/staff/inherent-risk",
            &[("csv", "country,sector,value,source,year\nJP,*,0,x,2024\n")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("line 2, value"), "{body}");
    // Replacing the table (version 2) changes no stored flag.
    let res = admin
        .post(
            &app,
            "/staff/inherent-risk",
            &[
                (
                    "csv",
                    "country,sector,value,source,year\nJP,*,1,Illustrative replacement,2026\n",
                ),
                ("file_name", "replacement.csv"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("Imported version 2 (1 rows)"), "{body}");
    assert!(body.contains("replacement.csv"), "{body}");
    // The same file again records nothing.
    let res = admin
        .post(
            &app,
            "/staff/inherent-risk",
            &[(
                "csv",
                "country,sector,value,source,year\nJP,*,1,Illustrative replacement,2026\n",
            )],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(flags(&app, &before).await, alone);
    assert_eq!(flags(&app, &after).await, raised);
    let (code, out, _) = run(cli(&app).args(["inherent-risk", "show"]));
    assert_eq!(code, 0);
    assert!(out.contains("version 2"), "{out}");
    assert!(
        out.contains("JP,*,1,Illustrative replacement,2026"),
        "{out}"
    );
    // A committee member may not import.
    let res = member
        .post(
            &app,
            "/staff/inherent-risk",
            &[("csv", "country,sector,value,source,year\nJP,*,4,x,2026\n")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // Re-scoring every stored response gives its stored flags (each with the value
    // it was scored with, whatever the current table says).
    let (code, out, err) = run(cli(&app).args(["rescore", "--check"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("re-scored 2 response(s)"), "{out}");
    assert!(out.contains(": 0 differ"), "{out}");

    // Both imports are in the audit log, and the chain holds.
    let (code, out, err) = run(cli(&app).args(["audit", "verify"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit chain intact"), "{out}");
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::audit_log;
        let mut conn = app.state.pool.get().await.unwrap();
        let imports: i64 = audit_log::table
            .filter(audit_log::action.eq("inherent_risk.imported"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(imports, 2);
    }

    // A stored flag changed behind the platform's back is found.
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "UPDATE flags SET likelihood = 1, score = severity WHERE id = (SELECT id FROM flags WHERE response_id = '{after}' AND likelihood > 1 LIMIT 1)"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let (code, out, err) = run(cli(&app).args(["rescore", "--check"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains(&format!("response {after}")), "{err}");
    assert!(out.contains(": 1 differ"), "{out}");

    // An edited audit entry breaks the chain: exit status 1.
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        diesel::sql_query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::sql_query("UPDATE audit_log SET action = 'edited' WHERE seq = 1")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let (code, out, err) = run(cli(&app).args(["audit", "verify"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("audit chain BROKEN"), "{err}");
    // Without a database to check: exit status 2.
    let (code, _, err) = run(cli(&app)
        .args(["audit", "verify"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"));
    assert_eq!(code, 2, "{err}");
}

/// `hrdd-survey seed` writes the asked-for illustrative rows in a few set-based
/// statements, all marked, and refuses more answers than the questionnaire has
/// questions.
#[tokio::test]
async fn the_seed_command_writes_marked_illustrative_rows() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (code, out, err) = run(cli(&app).args([
        "seed",
        "--organisations",
        "200",
        "--answers",
        "1000",
        "--flags",
        "700",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ILLUSTRATIVE data"), "{out}");
    assert!(
        out.contains("200 organisations, 200 submitted responses, 1000 answers, 700 flags"),
        "{out}"
    );
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::{flags, organisations};
        let mut conn = app.state.pool.get().await.unwrap();
        let unmarked: i64 = organisations::table
            .filter(organisations::external_ref.not_like("ILLUSTRATIVE-%"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(unmarked, 0);
        let critical_ok: i64 = flags::table
            .filter(flags::critical.eq(true))
            .filter(flags::band.ne("critical"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(critical_ok, 0);
    }
    let (code, _, err) = run(cli(&app).args([
        "seed",
        "--organisations",
        "10",
        "--answers",
        "1000",
        "--flags",
        "0",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("answers: at most"), "{err}");
}

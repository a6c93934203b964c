//! Setup the benchmarks share (`mod common;` in each): the server to run on, a scratch
//! database created and dropped around a run, the application's settings and a running
//! application, and seeded suppliers with one contact and one link each. Only
//! 127.0.0.1 (or the server `DATABASE_URL` names) is ever a target.

// Each benchmark is its own crate and uses only part of this module.
#![allow(dead_code)]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hrdd_survey::config::Settings;
use hrdd_survey::db::admin;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::embedded_pg::EmbeddedPostgres;
use hrdd_survey::services::campaigns::{self, IssuedInvitation};
use hrdd_survey::services::{organisations, Ctx};
use hrdd_survey::startup::Application;
use hrdd_survey::state::AppState;
use std::future::Future;
use std::path::Path;

/// The secret key every benchmark's application (and link keys) use.
pub const SECRET: &str = "benchmark-secret-key-of-at-least-32-chars";

/// A whole-number setting from the environment, `default` when unset or unreadable.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The maintenance database (`postgres`) of the server named by `DATABASE_URL`, else of
/// 127.0.0.1:5432.
pub fn admin_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => admin::with_database(&url, "postgres"),
        _ => "postgres://postgres@127.0.0.1:5432/postgres".to_string(),
    }
}

/// [`admin_url`], or a throw-away embedded cluster (returned, to keep it running) when
/// nothing answers on 127.0.0.1:5432 and `DATABASE_URL` is not set.
pub async fn admin_url_or_embedded() -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    let url = admin_url();
    if std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty())
        || admin::database_exists(&url, "postgres").await.is_ok()
    {
        return Ok((url, None));
    }
    let dir = tempfile::Builder::new()
        .prefix("hrdd-bench-pg-")
        .tempdir()?
        .keep();
    let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start_ephemeral(&dir)).await??;
    Ok((pg.url("postgres"), Some(pg)))
}

/// Runs `body` with the URL of a new, migrated database `hrdd_bench_<tag>_<pid>` on the
/// server of `admin_url`, and drops the database afterwards, whatever `body` returned.
pub async fn with_scratch_database<T, F, Fut>(
    admin_url: &str,
    tag: &str,
    body: F,
) -> anyhow::Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let db = format!("hrdd_bench_{tag}_{}", std::process::id());
    admin::create_database(admin_url, &db, None).await?;
    let url = admin::with_database(admin_url, &db);
    let result = match hrdd_survey::db::run_migrations(&url).await {
        Ok(_) => body(url).await,
        Err(e) => Err(e),
    };
    admin::drop_database(admin_url, &db).await?;
    result
}

/// The application's settings for a benchmark: 127.0.0.1 on a free port, the
/// repository's questionnaires, [`SECRET`], `data_dir`, and the `extra` variables.
pub fn settings(data_dir: &Path, extra: &[(&str, &str)]) -> anyhow::Result<Settings> {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/survey_templates");
    let data_dir = data_dir.display().to_string();
    let vars = [
        ("HRDD_LISTEN", "127.0.0.1:0"),
        ("HRDD_TEMPLATES_DIR", templates),
        ("HRDD_SECRET_KEY", SECRET),
        ("HRDD_DATA_DIR", data_dir.as_str()),
    ];
    Ok(Settings::from_sources(None, |k| {
        extra
            .iter()
            .chain(vars.iter())
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    })?)
}

/// Starts the application on database `url` (see [`settings`]) in the background: its
/// state and its base URL (`http://127.0.0.1:<port>`).
pub async fn start_app(
    url: &str,
    data_dir: &Path,
    extra: &[(&str, &str)],
) -> anyhow::Result<(actix_web::web::Data<AppState>, String)> {
    let app = Application::build(settings(data_dir, extra)?, url).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    Ok((state, base))
}

/// A campaign of the forced-labour questionnaire and `n` suppliers, each with one
/// contact (`bench<i>@example.com`) and one link (no email queued), whose links start
/// with `base`.
pub async fn seed_links(
    state: &AppState,
    base: &str,
    n: usize,
) -> anyhow::Result<Vec<IssuedInvitation>> {
    let err = |e: hrdd_survey::error::AppError| anyhow::anyhow!("{e}");
    let ctx = Ctx {
        public_base_url: base,
        ..state.ctx()
    };
    let mut conn = state.pool.get().await?;
    let campaign = campaigns::create_campaign(
        &mut conn,
        &ctx,
        &Actor::System,
        campaigns::NewCampaign {
            name: "Benchmark".into(),
            template_id: "forced-labour".into(),
            template_version: None,
            deadline: chrono::Utc::now().date_naive() + chrono::Duration::days(30),
            ..Default::default()
        },
    )
    .await
    .map_err(err)?;
    let mut issued = Vec::with_capacity(n);
    for i in 0..n {
        let org = organisations::create_organisation(
            &mut conn,
            &ctx,
            &Actor::System,
            organisations::NewOrganisation {
                kind: "supplier".into(),
                name: format!("Bench supplier {i}"),
                country: "VN".into(),
                sector: None,
                external_ref: None,
            },
        )
        .await
        .map_err(err)?;
        let contact = organisations::add_contact(
            &mut conn,
            &ctx,
            &Actor::System,
            org.id,
            organisations::NewContact {
                name: "Bench".into(),
                email: format!("bench{i}@example.com"),
                language: None,
                job_title: None,
            },
        )
        .await
        .map_err(err)?;
        let link = campaigns::NewInvitation {
            organisation_id: org.id,
            contact_id: contact.id,
            language: None,
            valid_days: None,
            send_email: Some(false),
        };
        issued.push(
            campaigns::issue_invitation(&mut conn, &ctx, &Actor::System, campaign.id, link)
                .await
                .map_err(err)?,
        );
    }
    Ok(issued)
}

/// The storage baseline: pgbench's transactions per second, `clients` at a time for
/// `seconds`, each a 10-row upsert of answers (table `bench_answers`) in one
/// transaction.
pub async fn pgbench_upsert(url: &str, clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    diesel::sql_query("CREATE TABLE IF NOT EXISTS bench_answers (response_id int, question_id text, value jsonb, PRIMARY KEY (response_id, question_id))")
        .execute(&mut conn)
        .await?;
    let script = tempfile::NamedTempFile::new()?;
    std::fs::write(
        script.path(),
        "\\set r random(1, 10000)\nBEGIN;\nINSERT INTO bench_answers (response_id, question_id, value) SELECT :r, 'q' || g, to_jsonb(g) FROM generate_series(1, 10) g ON CONFLICT (response_id, question_id) DO UPDATE SET value = excluded.value;\nCOMMIT;\n",
    )?;
    let out = tokio::process::Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            "-f",
        ])
        .arg(script.path())
        .arg(url)
        .output()
        .await
        .map_err(|e| {
            anyhow::anyhow!("pgbench not runnable ({e}); install the postgresql client")
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("tps = ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "pgbench gave no tps: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

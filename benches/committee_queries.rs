//! The committee's queries at benchmark size (issue 10), each beside the same SQL run
//! by pgbench in the same run, and re-scoring beside a baseline of reading the same rows.
//!
//!     cargo bench --bench committee_queries
//!
//! Settings: BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres: a
//! server where a scratch database may be created and dropped), BENCH_ORGANISATIONS
//! (50000), BENCH_ANSWERS (1000000), BENCH_FLAGS (100000), BENCH_RUNS (200 per query),
//! BENCH_RESCORE (10000 responses). The data are the illustrative rows of
//! `hrdd-survey seed` (services::seed), on the real `forced-labour` questionnaire.

use diesel_async::RunQueryDsl;
use hrdd_survey::db::{self, admin};
use hrdd_survey::services::{questionnaires, scoring, seed};
use std::path::Path;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The queries measured, written against the flag workflow's columns (migration
/// `…000120`: `organisation_id`, `campaign_id`, `queue_rank` and their indexes): the
/// committee's queue (filtered and sorted, one page, and its count), the heat map (flags
/// not closed by severity × likelihood) and the dashboard (counts by band, indicator,
/// country and kind). The service's own queue/heat-map/dashboard functions had not
/// landed when this was written; swap them in here when they do.
const QUERIES: &[(&str, &str)] = &[
    (
        "queue: not closed, critical+high, country VN, worst first, page 1",
        "SELECT f.id, f.question_id, f.indicator, f.severity, f.likelihood, f.score, f.band, f.status, f.created_at, o.name, o.country, o.kind \
         FROM flags f JOIN organisations o ON o.id = f.organisation_id \
         WHERE f.status <> 'closed' AND f.band IN ('critical', 'high') AND o.country = 'VN' \
         ORDER BY f.queue_rank, f.created_at, f.id LIMIT 50",
    ),
    (
        "queue: one campaign, open, worst first, page 1",
        "SELECT f.id, f.question_id, f.indicator, f.severity, f.likelihood, f.score, f.band, f.status, f.created_at, o.name, o.country, o.kind \
         FROM flags f JOIN organisations o ON o.id = f.organisation_id \
         WHERE f.campaign_id = (SELECT id FROM campaigns ORDER BY created_at, id LIMIT 1) AND f.status = 'open' \
         ORDER BY f.queue_rank, f.created_at, f.id LIMIT 50",
    ),
    (
        "queue: count for the filter (not closed, critical+high, VN)",
        "SELECT count(*) FROM flags f JOIN organisations o ON o.id = f.organisation_id \
         WHERE f.status <> 'closed' AND f.band IN ('critical', 'high') AND o.country = 'VN'",
    ),
    (
        "heat map: not closed, by severity x likelihood",
        "SELECT severity, likelihood, count(*) FROM flags WHERE status <> 'closed' GROUP BY severity, likelihood",
    ),
    (
        "dashboard: not closed by band, indicator, country, kind",
        "SELECT f.band, f.indicator, o.country, o.kind, count(*) \
         FROM flags f JOIN organisations o ON o.id = f.organisation_id \
         WHERE f.status <> 'closed' GROUP BY GROUPING SETS ((f.band), (f.indicator), (o.country), (o.kind))",
    ),
];

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[((v.len() as f64) * 0.95).ceil() as usize - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// p95 of `runs` executions of `sql` by pgbench (one client), from its per-transaction log.
fn pgbench_p95(url: &str, sql: &str, runs: i64) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("q.sql");
    std::fs::write(&script, format!("{sql};\n"))?;
    let prefix = dir.path().join("log");
    let out = std::process::Command::new("pgbench")
        .args([
            "-n",
            "-c",
            "1",
            "-t",
            &runs.to_string(),
            "-l",
            "--log-prefix",
        ])
        .arg(&prefix)
        .arg("-f")
        .arg(&script)
        .arg(url)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "pgbench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(dir.path())? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("log"))
        {
            for line in std::fs::read_to_string(&path)?.lines() {
                // client_id transaction_no time(us) script_no time_epoch time_us
                if let Some(us) = line
                    .split_whitespace()
                    .nth(2)
                    .and_then(|t| t.parse::<u64>().ok())
                {
                    latencies.push(Duration::from_micros(us));
                }
            }
        }
    }
    anyhow::ensure!(!latencies.is_empty(), "pgbench wrote no log");
    Ok(p95(latencies))
}

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("committee_queries: not run (use `cargo bench --bench committee_queries`)");
        return Ok(());
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(bench())
}

async fn bench() -> anyhow::Result<()> {
    let admin_url = std::env::var("BENCH_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("hrdd_bench_{}", uuid::Uuid::new_v4().simple());
    admin::create_database(&admin_url, &name, None).await?;
    let url = admin::with_database(&admin_url, &name);
    let result = run(&url).await;
    admin::drop_database(&admin_url, &name).await?;
    result
}

async fn run(url: &str) -> anyhow::Result<()> {
    db::run_migrations(url).await?;
    let pool = db::pool(url, 2)?;
    let mut conn = pool.get().await?;
    let key = db::audit::AuditKey::from_secret(b"benchmark-secret-key-of-at-least-32-chars");
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("survey_templates");
    let registry = questionnaires::prepare(&mut conn, &key, &templates).await?;
    let size = seed::SeedSize {
        organisations: env_num("BENCH_ORGANISATIONS", 50_000),
        answers: env_num("BENCH_ANSWERS", 1_000_000),
        flags: env_num("BENCH_FLAGS", 100_000),
    };
    let started = Instant::now();
    let report = seed::seed(&mut conn, &registry, Some("forced-labour"), size)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    println!(
        "seeded {} organisations, {} responses, {} answers, {} flags ({}) in {:.1?}",
        report.organisations,
        report.responses,
        report.answers,
        report.flags,
        report.questionnaire,
        started.elapsed()
    );
    let runs = env_num("BENCH_RUNS", 200);
    println!();
    println!("| query | service path (diesel, pool) p95 | pgbench p95 | ratio |");
    println!("|---|---|---|---|");
    for (label, sql) in QUERIES {
        // Warm up, then measure.
        for _ in 0..5 {
            diesel::sql_query(*sql).execute(&mut conn).await?;
        }
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            diesel::sql_query(*sql).execute(&mut conn).await?;
            times.push(t.elapsed());
        }
        let ours = p95(times);
        let theirs = pgbench_p95(url, sql, runs)?;
        println!(
            "| {label} | {} | {} | {:.2} |",
            ms(ours),
            ms(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
    let n = env_num("BENCH_RESCORE", 10_000) as usize;
    // Baseline: the same reads as re-scoring, without evaluating.
    let t = Instant::now();
    let mut read = 0usize;
    let mut after = None;
    while read < n {
        let page =
            db::scoring::submitted_page(&mut conn, None, after, 500.min((n - read) as i64)).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.response_id);
        let ids: Vec<uuid::Uuid> = page.iter().map(|r| r.response_id).collect();
        let answers = db::scoring::answers_of_responses(&mut conn, &ids).await?;
        let _values = db::inherent_risk::response_values(&mut conn, &ids).await?;
        let flags = db::flags::flags_of_responses(&mut conn, &ids).await?;
        std::hint::black_box((answers, flags));
        read += page.len();
    }
    let baseline = t.elapsed();
    let t = Instant::now();
    let report = scoring::rescore_check(&mut conn, &registry, Some(n))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
    let rescore = t.elapsed();
    println!();
    println!("| re-scoring | time | per response |");
    println!("|---|---|---|");
    println!(
        "| read the rows only ({read} responses: answers, inherent values, flags) | {} | {:.3} ms |",
        ms(baseline),
        baseline.as_secs_f64() * 1000.0 / read.max(1) as f64
    );
    println!(
        "| re-score and compare ({} responses, {} stored flags) | {} | {:.3} ms |",
        report.responses,
        report.flags,
        ms(rescore),
        rescore.as_secs_f64() * 1000.0 / report.responses.max(1) as f64
    );
    println!(
        "(illustrative seeded flags are random, so {} responses differ from their re-score: expected)",
        report.mismatches.len()
    );
    Ok(())
}

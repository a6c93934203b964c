//! The committee's pages at benchmark size (issue 10): the queue (filtered, worst first,
//! with its counts), the heat map and the dashboard, each through its service call
//! beside the same statements run by pgbench in the same run (and each statement
//! alone); then the default queue again after a previous round is added (every flag on
//! its page "flagged last time too"); re-scoring beside a baseline of reading the same
//! rows.
//!
//!     cargo bench --bench committee_queries
//!
//! Settings: BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres: a
//! server where a scratch database may be created and dropped), BENCH_ORGANISATIONS
//! (50000), BENCH_ANSWERS (1000000), BENCH_FLAGS (100000), BENCH_RUNS (200 per query),
//! BENCH_RESCORE (10000 responses). The data are the illustrative rows of
//! `hrdd-survey seed` (services::seed), on the real `forced-labour` questionnaire.

use hrdd_survey::db::{self, admin, flag_queue};
use hrdd_survey::services::flags::queue::{self, QueueParams};
use hrdd_survey::services::{questionnaires, scoring, seed};
use std::path::Path;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What is measured: the services the committee's pages call, with the statements
/// each one runs (the queue: its page, its counts, the members and campaigns offered
/// in the filters, which of the page's flags were flagged last time too; the heat map:
/// the counts of its filter; the dashboard: the counts,
/// the trend and the overdue plans). The pgbench baseline runs the same statements,
/// with the parameters written in (`db::flag_queue::literal_sql`), as one script.
enum Case {
    Queue(QueueParams),
    HeatMap(QueueParams),
    Dashboard,
}

/// The members offered in the queue's filters (`db::users::enabled_with_roles`).
const MEMBERS_SQL: &str = "SELECT id, name, email, role, disabled_at FROM users \
     WHERE role IN ('admin', 'committee') AND disabled_at IS NULL ORDER BY name, id";
/// The campaigns offered (`db::flag_queue::campaign_names`).
const CAMPAIGNS_SQL: &str = "SELECT id, name FROM campaigns ORDER BY created_at DESC, id LIMIT 500";
/// The dashboard's overdue plans (`db::action_plans::count_overdue`).
const OVERDUE_SQL: &str = "SELECT count(*) FROM action_plans \
     WHERE due_date < current_date AND status IN ('planned', 'in_progress')";

impl Case {
    /// The statements the service runs, as literal SQL (the queue's "flagged last time
    /// too" with the ids of the page it shows).
    async fn statements(&self, conn: &mut db::Conn) -> anyhow::Result<Vec<String>> {
        let now = chrono::Utc::now();
        let filter = |p: &QueueParams| p.filter(now).map_err(|e| anyhow::anyhow!("{}", e.detail()));
        Ok(match self {
            Case::Queue(p) => {
                let (page, counts) = flag_queue::literal_sql(&filter(p)?, queue::PAGE_SIZE + 1);
                let shown = queue::queue(conn, p)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
                let ids: Vec<uuid::Uuid> = shown.rows.iter().map(|r| r.id).collect();
                vec![
                    page,
                    counts,
                    MEMBERS_SQL.into(),
                    CAMPAIGNS_SQL.into(),
                    db::earlier_answers::previous_flags_literal(&ids),
                ]
            }
            Case::HeatMap(p) => {
                let mut f = filter(p)?;
                f.severity = None;
                f.likelihood = None;
                vec![flag_queue::literal_sql(&f, 1).1]
            }
            Case::Dashboard => vec![
                flag_queue::literal_sql(&Default::default(), 1).1,
                flag_queue::PER_CAMPAIGN_AND_BAND.into(),
                OVERDUE_SQL.into(),
            ],
        })
    }

    /// The service call a page makes.
    async fn call(&self, conn: &mut db::Conn) -> anyhow::Result<()> {
        let e = |e: hrdd_survey::error::AppError| anyhow::anyhow!("{}", e.detail());
        match self {
            Case::Queue(p) => {
                std::hint::black_box(queue::queue(conn, p).await.map_err(e)?.rows.len());
            }
            Case::HeatMap(p) => {
                std::hint::black_box(queue::heat_map(conn, p).await.map_err(e)?.total);
            }
            Case::Dashboard => {
                std::hint::black_box(queue::dashboard(conn).await.map_err(e)?.open.total);
            }
        }
        Ok(())
    }
}

fn cases(campaign: uuid::Uuid) -> Vec<(&'static str, Case)> {
    vec![
        (
            "queue: not closed (default), worst first, first page + counts",
            Case::Queue(QueueParams::default()),
        ),
        (
            "queue: band high, country VN, not closed",
            Case::Queue(QueueParams {
                band: "high".into(),
                country: "VN".into(),
                ..Default::default()
            }),
        ),
        (
            "queue: one campaign, status open, suppliers",
            Case::Queue(QueueParams {
                campaign: campaign.to_string(),
                status: "open".into(),
                kind: "supplier".into(),
                ..Default::default()
            }),
        ),
        (
            "heat map: not closed",
            Case::HeatMap(QueueParams::default()),
        ),
        (
            "heat map: critical, one campaign",
            Case::HeatMap(QueueParams {
                band: "critical".into(),
                campaign: campaign.to_string(),
                ..Default::default()
            }),
        ),
        ("dashboard", Case::Dashboard),
    ]
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

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

/// The first seeded campaign.
async fn campaign_a(conn: &mut db::Conn) -> anyhow::Result<uuid::Uuid> {
    let names = flag_queue::campaign_names(conn).await?;
    names
        .iter()
        .find(|(_, n)| n.contains("campaign A"))
        .or(names.first())
        .map(|(id, _)| *id)
        .ok_or_else(|| anyhow::anyhow!("no campaign seeded"))
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

/// Runs `case` 5 times to warm up, then `runs` times, and the same statements as one
/// pgbench script; prints a table row and returns the statements.
async fn measure(
    conn: &mut db::Conn,
    url: &str,
    label: &str,
    case: &Case,
    runs: i64,
) -> anyhow::Result<Vec<String>> {
    for _ in 0..5 {
        case.call(conn).await?;
    }
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        case.call(conn).await?;
        times.push(t.elapsed());
    }
    let ours = p95(times);
    let sql = case.statements(conn).await?;
    let theirs = pgbench_p95(url, &sql.join(";\n"), runs)?;
    println!(
        "| {label} | {} | {} | {:.2} |",
        ms(ours),
        ms(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );
    Ok(sql)
}

/// A closed campaign a year before the seeded ones, with an earlier submission of every
/// seeded organisation flagged on the same questions as its seeded one (flags closed);
/// returns the number of flags added.
async fn previous_round(conn: &mut db::Conn) -> anyhow::Result<usize> {
    use diesel_async::RunQueryDsl;
    let campaign = uuid::Uuid::new_v4();
    diesel::sql_query(
        "INSERT INTO campaigns (id, name, template_version_id, status, deadline, launched_at) \
         SELECT $1, 'Illustrative benchmark campaign, the year before', template_version_id, \
                'closed', current_date - 365, now() - interval '430 days' \
         FROM campaigns WHERE name LIKE 'Illustrative benchmark campaign A %' LIMIT 1",
    )
    .bind::<diesel::sql_types::Uuid, _>(campaign)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO responses (id, campaign_id, organisation_id, status, language, answers_sha256, submitted_at) \
         SELECT gen_random_uuid(), $1, organisation_id, 'submitted', language, answers_sha256, \
                submitted_at - interval '365 days' \
         FROM responses WHERE campaign_id <> $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(campaign)
    .execute(conn)
    .await?;
    let flags = diesel::sql_query(
        "INSERT INTO flags (id, response_id, question_id, rule_index, indicator, severity, likelihood, \
                            score, band, critical, answer, status, created_at, updated_at) \
         SELECT gen_random_uuid(), earlier.id, f.question_id, f.rule_index, f.indicator, f.severity, \
                f.likelihood, f.score, f.band, f.critical, f.answer, 'closed', \
                f.created_at - interval '365 days', now() \
         FROM flags f JOIN responses r ON r.id = f.response_id \
         JOIN responses earlier ON earlier.organisation_id = r.organisation_id AND earlier.campaign_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(campaign)
    .execute(conn)
    .await?;
    diesel::sql_query("VACUUM ANALYZE").execute(conn).await?;
    Ok(flags)
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
    let campaign = campaign_a(&mut conn).await?;
    // Fresh statistics, as autovacuum would have them on a live database.
    diesel_async::RunQueryDsl::execute(diesel::sql_query("VACUUM ANALYZE"), &mut conn).await?;
    println!();
    println!("machine load before (1, 5, 15 min): {}", load());
    println!();
    println!("| page (service call) | service p95 | same SQL by pgbench p95 | ratio |");
    println!("|---|---|---|---|");
    let mut statements: Vec<(String, String)> = Vec::new();
    for (label, case) in cases(campaign) {
        let sql = measure(&mut conn, url, label, &case, runs).await?;
        for (i, one) in sql.into_iter().enumerate() {
            statements.push((format!("{label} #{}", i + 1), one));
        }
    }
    println!();
    println!("| statement (pgbench, one client) | p95 |");
    println!("|---|---|");
    // The queue's members and campaigns (#3, #4) are a few rows: left out.
    let trivial = |l: &str| l.starts_with("queue") && (l.ends_with("#3") || l.ends_with("#4"));
    for (label, sql) in statements.iter().filter(|(l, _)| !trivial(l)) {
        println!("| {label} | {} |", ms(pgbench_p95(url, sql, runs)?));
    }
    println!();
    // Last year's round: every organisation submitted a year earlier and was flagged on
    // the same questions (flags since closed), so every flag of the queue's first page
    // is "flagged last time too": its extra statement at its dearest.
    let earlier = previous_round(&mut conn).await?;
    println!(
        "added a previous round: {earlier} flags (closed), one earlier submission per organisation"
    );
    println!();
    println!("| page (service call) | service p95 | same SQL by pgbench p95 | ratio |");
    println!("|---|---|---|---|");
    let label = "queue: not closed (default), every flag on the page flagged last time too";
    let sql = measure(
        &mut conn,
        url,
        label,
        &Case::Queue(QueueParams::default()),
        runs,
    )
    .await?;
    println!(
        "| {label}: its \"flagged last time too\" statement alone (pgbench) | | {} | |",
        ms(pgbench_p95(url, &sql[4], runs)?)
    );
    println!();
    println!("machine load after: {}", load());
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

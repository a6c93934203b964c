//! The whole respondent flow under load (issue 12), beside its two ceilings measured in
//! the same run: an actix-web "hello world" driven by the same client (the HTTP ceiling)
//! and pgbench's 10-row upsert (the storage ceiling).
//!
//!     cargo bench --bench respondent_flow
//!
//! Settings: BENCH_RESPONDENTS (default 5000) respondents in all, BENCH_CONCURRENCY (50)
//! at a time, BENCH_INVITATIONS (50000) invitations in the database (a campaign's real
//! size, so that anything that grows with the table shows; every other invitation
//! outside the flow has a draft of 30 answers already, as in a campaign under way, and
//! the statistics are taken after, so that plans are made for tables of that size),
//! BENCH_SECONDS (60) a hard bound on each load phase; BENCH_TOP_STATEMENTS (12) how many
//! statements to list; BENCH_PG_OPTIONS more server
//! options (for profiling); BENCH_PG_TCP=1 connects the service and pgbench to
//! PostgreSQL through loopback TCP instead of the cluster's Unix socket;
//! BENCH_WITHOUT_AUDIT_FILTER_INDEXES=1 drops the audit page's filter indexes (an A/B
//! of their cost).
//!
//! What runs: a private PostgreSQL cluster (the machine's binaries, fsync on, with
//! `pg_stat_statements` preloaded so statements per respondent can be counted), the
//! release `hrdd-survey serve` as a separate process, and this process as the load
//! generator. Each respondent opens a fresh link, saves each section of a 30-question,
//! 3-section questionnaire (generated below), reads the review page and submits (six
//! requests; the section pages a browser would load after each save's redirect are not
//! requested). Reported: respondents/s, p50 and p99 per request, PostgreSQL
//! transactions (all, and those that wrote: transaction ids assigned) and statements
//! per respondent, the service's peak RSS (`VmHWM`), and
//! the CPU split between load generator, service and PostgreSQL (from `/proc`); then,
//! since the receipts (a PDF by email per submission) are made by the service's job
//! worker and partly after the last request, how many were still queued, how long they
//! took to go, and the transactions, statements and CPU with them. Only 127.0.0.1 is
//! ever a target; every loop is bounded in count and time.

mod common;

use common::{env_num, SECRET};
use diesel::sql_types::{Array, BigInt, Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hrdd_survey::auth::links::LinkKeys;
use hrdd_survey::db::admin;
use hrdd_survey::domain::ids::InvitationId;
use hrdd_survey::embedded_pg::EmbeddedPostgres;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const SECTIONS: usize = 3;
const PER_SECTION: usize = 10;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--hello-server") {
        return hello_server(args.get(at + 1).map(String::as_str).unwrap_or("0"));
    }
    // `cargo test --all-targets` only builds and starts the target.
    if !args.iter().any(|a| a == "--bench") {
        println!("respondent_flow: not run (use `cargo bench --bench respondent_flow`)");
        return Ok(());
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?
        .block_on(bench())
}

/// The HTTP ceiling: actix-web's "hello world", two workers like the service on two cores.
fn hello_server(port: &str) -> anyhow::Result<()> {
    use actix_web::{web, App, HttpServer};
    let port: u16 = port.parse()?;
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().route("/", web::get().to(|| async { "Hello world!" })))
            .workers(2)
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })?;
    Ok(())
}

struct Settings {
    respondents: usize,
    concurrency: usize,
    invitations: usize,
    seconds: u64,
}

async fn bench() -> anyhow::Result<()> {
    let s = Settings {
        respondents: env_num("BENCH_RESPONDENTS", 5000) as usize,
        concurrency: env_num("BENCH_CONCURRENCY", 50) as usize,
        invitations: env_num("BENCH_INVITATIONS", 50_000) as usize,
        seconds: env_num("BENCH_SECONDS", 60),
    };
    anyhow::ensure!(
        s.respondents <= s.invitations,
        "BENCH_RESPONDENTS must not exceed BENCH_INVITATIONS"
    );
    let work = tempfile::Builder::new().prefix("hrdd-flow-").tempdir()?;
    let pg_dir = work.path().join("pg");
    // BENCH_PG_OPTIONS: more server options, for profiling (for example auto_explain:
    // "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=5
    //  -c logging_collector=on -c log_directory=/tmp/flow-log").
    let options = format!(
        "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top {}",
        std::env::var("BENCH_PG_OPTIONS").unwrap_or_default()
    );
    let pg = tokio::task::spawn_blocking(move || {
        EmbeddedPostgres::start_ephemeral_with(&pg_dir, &options)
    })
    .await??;
    // The service reaches the cluster as `serve` reaches its embedded one: through the
    // Unix socket. BENCH_PG_TCP=1: through loopback TCP instead (a server elsewhere).
    let pg_tcp = std::env::var("BENCH_PG_TCP").is_ok_and(|v| v == "1");
    let url = if pg_tcp {
        pg.tcp_url("hrdd_flow")
    } else {
        pg.url("hrdd_flow")
    };
    let transport = if url.contains("@127.0.0.1:") {
        "loopback TCP"
    } else {
        "Unix socket"
    };
    admin::create_database(&pg.url("postgres"), "hrdd_flow", None).await?;
    hrdd_survey::db::run_migrations(&url).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut conn)
        .await?;

    // The questionnaire and the service.
    let templates = work.path().join("questionnaires");
    std::fs::create_dir_all(&templates)?;
    std::fs::write(templates.join("flow-30.yaml"), questionnaire())?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut service = tokio::process::Command::new(env!("CARGO_BIN_EXE_hrdd-survey"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("HRDD_LISTEN", format!("127.0.0.1:{port}"))
        .env("HRDD_PUBLIC_BASE_URL", &base)
        .env("HRDD_TEMPLATES_DIR", &templates)
        .env("HRDD_SECRET_KEY", SECRET)
        .env("HRDD_DATA_DIR", work.path().join("data"))
        .env("RUST_LOG", "warn")
        .env_remove("SMTP_URL")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let service_pid = service
        .id()
        .ok_or_else(|| anyhow::anyhow!("service has no pid"))?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(s.concurrency)
        .build()?;
    wait_until_up(&http, &format!("{base}/health")).await?;

    let seed_started = Instant::now();
    let tokens = seed(&mut conn, s.invitations, s.respondents).await?;
    let seed_time = seed_started.elapsed();

    // The flow.
    reset_counters(&mut conn).await?;
    let xid_before = next_xid(&mut conn).await?;
    let cpu_before = Cpu::read(service_pid, pg.postmaster_pid());
    // For `scripts/profile-flow`, which starts its profiler at this line.
    eprintln!("respondent_flow: flow started, service pid {service_pid}");
    let flow = run_flow(&http, &base, &tokens[..s.respondents], &s).await?;
    let cpu = Cpu::read(service_pid, pg.postmaster_pid()).since(&cpu_before);
    let (xacts, statements, top) = database_counters(&mut conn).await?;
    let writing = next_xid(&mut conn).await? - xid_before;
    let writes = table_writes(&mut conn).await?;
    // The receipts the submissions queued are made and sent by the service's job
    // worker, partly after the last request: wait for them (bounded) and report the
    // flow's whole cost with them.
    let queued_at_end = receipts_waiting(&mut conn).await?;
    let drain = Instant::now();
    let mut waiting = queued_at_end;
    while waiting > 0 && drain.elapsed() < Duration::from_secs(s.seconds.max(60)) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        waiting = receipts_waiting(&mut conn).await?;
    }
    let drained = drain.elapsed();
    let cpu_all = Cpu::read(service_pid, pg.postmaster_pid()).since(&cpu_before);
    let (xacts_all, statements_all, _) = database_counters(&mut conn).await?;
    let peak_rss_kb = vm_hwm_kb(service_pid);
    // What the resident memory is at the end: the heap and stacks, and mapped files
    // (the binary, the receipt font's pages in use).
    let (anon_kb, file_kb) = (
        status_kb(service_pid, "RssAnon:"),
        status_kb(service_pid, "RssFile:"),
    );
    let _ = service.kill().await;

    // The HTTP ceiling: the same client, the same concurrency, as many requests.
    let hello_port = free_port()?;
    let mut hello = tokio::process::Command::new(std::env::current_exe()?)
        .args(["--hello-server", &hello_port.to_string()])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let hello_url = format!("http://127.0.0.1:{hello_port}/");
    wait_until_up(&http, &hello_url).await?;
    let hello_stats = run_hello(&http, &hello_url, flow.requests(), &s).await;
    let _ = hello.kill().await;

    // The storage ceiling.
    let tps = common::pgbench_upsert(&url, s.concurrency.min(16), 10).await?;
    drop(conn);
    pg.stop();

    let mut out = String::new();
    let per = |n: i64| n as f64 / flow.respondents as f64;
    writeln!(
        out,
        "respondent flow: {} respondents ({} at a time, {} invitations in the database, seeded in {:.1} s; PostgreSQL through {transport})",
        flow.respondents,
        s.concurrency,
        s.invitations,
        seed_time.as_secs_f64()
    )?;
    writeln!(
        out,
        "  {:.0} respondents/s over {:.1} s; {} requests, {} errors",
        flow.respondents as f64 / flow.elapsed.as_secs_f64(),
        flow.elapsed.as_secs_f64(),
        flow.requests(),
        flow.errors
    )?;
    for (name, lat) in &flow.latencies {
        writeln!(
            out,
            "  {name:<14} n={:<6} p50 {:>6.2} ms  p99 {:>6.2} ms",
            lat.len(),
            pct(lat, 0.50),
            pct(lat, 0.99)
        )?;
    }
    let all: Vec<Duration> = flow.latencies.iter().flat_map(|(_, l)| l.clone()).collect();
    writeln!(
        out,
        "  all requests   p50 {:.2} ms  p99 {:.2} ms",
        pct(&all, 0.50),
        pct(&all, 0.99)
    )?;
    writeln!(
        out,
        "  PostgreSQL per respondent: {:.1} transactions ({:.1} of them writing), {:.1} statements",
        per(xacts),
        per(writing),
        per(statements.calls)
    )?;
    if statements.plans > 0 {
        writeln!(
            out,
            "  planning per respondent: {:.2} plans, {:.3} ms",
            per(statements.plans),
            statements.plan_ms / flow.respondents as f64
        )?;
    }
    writeln!(
        out,
        "  WAL per respondent: {:.1} kB, {:.2} full-page images",
        per(writes.wal_bytes) / 1024.0,
        per(writes.wal_fpi)
    )?;
    writeln!(
        out,
        "  row writes per respondent (inserted, updated, of which HOT):"
    )?;
    for t in &writes.tables {
        writeln!(
            out,
            "    {:<18} {:>5.2}  {:>5.2}  {:>5.2}",
            t.name,
            per(t.inserted),
            per(t.updated),
            per(t.hot)
        )?;
    }
    writeln!(
        out,
        "  top statements (calls per respondent, mean ms; plans per respondent and mean ms when BENCH_PG_OPTIONS has -c pg_stat_statements.track_planning=on):"
    )?;
    for t in top {
        writeln!(
            out,
            "    {:>5.2}  {:>6.3}  {:>5.2}  {:>6.3}  {}",
            per(t.calls),
            t.mean,
            per(t.plans),
            t.mean_plan,
            t.query
        )?;
    }
    writeln!(
        out,
        "  service peak RSS (VmHWM): {:.1} MB (at the end: {:.1} MB anonymous, {:.1} MB mapped files)",
        peak_rss_kb as f64 / 1024.0,
        anon_kb as f64 / 1024.0,
        file_kb as f64 / 1024.0
    )?;
    writeln!(
        out,
        "  CPU seconds: load generator {:.2}, service {:.2} (of which its HTTP workers {:.2}), PostgreSQL {:.2} (wall {:.1} s, 2 cores)",
        cpu.load, cpu.service, cpu.requests, cpu.postgres,
        flow.elapsed.as_secs_f64()
    )?;
    // The budget: what a respondent costs the machine, and the rate that cost allows.
    let ms = |seconds: f64| seconds * 1000.0 / flow.respondents as f64;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as f64;
    let total = ms(cpu.load + cpu.service + cpu.postgres);
    writeln!(
        out,
        "  CPU per respondent: PostgreSQL {:.2} ms, service {:.2} ms (its HTTP workers {:.2}), load generator {:.2} ms; {total:.2} ms in all, so {cores} cores allow at most {:.0} respondents/s at this cost (500/s needs {:.1} ms)",
        ms(cpu.postgres),
        ms(cpu.service),
        ms(cpu.requests),
        ms(cpu.load),
        cores * 1000.0 / total,
        cores * 1000.0 / 500.0
    )?;
    writeln!(
        out,
        "  receipts (PDF by email, made by the service's job worker): {queued_at_end} still queued when the last request ended; {} {:.1} s later",
        if waiting == 0 { "all sent" } else { "not all sent" },
        drained.as_secs_f64()
    )?;
    writeln!(
        out,
        "  with the receipts: {:.1} transactions, {:.1} statements per respondent; CPU seconds service {:.2}, PostgreSQL {:.2} (wall {:.1} s)",
        per(xacts_all),
        per(statements_all.calls),
        cpu_all.service,
        cpu_all.postgres,
        flow.elapsed.as_secs_f64() + drained.as_secs_f64()
    )?;
    writeln!(
        out,
        "hello world (same client, {} requests): {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        hello_stats.0.len(),
        hello_stats.0.len() as f64 / hello_stats.1.as_secs_f64(),
        pct(&hello_stats.0, 0.5),
        pct(&hello_stats.0, 0.99)
    )?;
    writeln!(
        out,
        "pgbench 10-row upsert ({} clients, 10 s): {tps:.0} tps",
        s.concurrency.min(16)
    )?;
    writeln!(
        out,
        "ratios: flow requests/s ÷ hello requests/s = {:.3}; flow writing requests/s ÷ pgbench tps = {:.3}",
        flow.requests() as f64 / flow.elapsed.as_secs_f64()
            / (hello_stats.0.len() as f64 / hello_stats.1.as_secs_f64()),
        flow.writes() as f64 / flow.elapsed.as_secs_f64() / tps
    )?;
    println!("{out}");
    Ok(())
}

/// A 30-question questionnaire in 3 sections of 10: integers, yes/no/don't know with a
/// risk rule, short texts; all required, so the review has work to do.
fn questionnaire() -> String {
    let mut y = String::from(
        "id: flow-30\nversion: 1\nlanguages: [en]\ntitle: {en: \"Flow benchmark (illustrative)\"}\n\
         description: {en: \"Thirty questions in three sections, for the load benchmark.\"}\nsections:\n",
    );
    for s in 0..SECTIONS {
        let _ = write!(
            y,
            "  - id: s{s}\n    title: {{en: \"Section {n}\"}}\n    questions:\n",
            n = s + 1
        );
        for q in 0..PER_SECTION {
            let id = format!("s{s}q{q}");
            match q % 3 {
                0 => {
                    let _ = write!(
                        y,
                        "      - id: {id}\n        type: integer\n        required: true\n        label: {{en: \"How many workers ({id})?\"}}\n"
                    );
                }
                1 => {
                    let _ = write!(
                        y,
                        "      - id: {id}\n        type: yes_no_dk\n        required: true\n        label: {{en: \"Does it happen ({id})?\"}}\n        risk:\n          - when: {{answer_in: [yes]}}\n            indicator: excessive_overtime\n            severity: {{scale: 2, scope: 2, irremediability: 1}}\n            likelihood: 2\n            explanation: {{en: \"Illustrative rule.\"}}\n"
                    );
                }
                _ => {
                    let _ = write!(
                        y,
                        "      - id: {id}\n        type: short_text\n        required: true\n        label: {{en: \"Describe ({id})\"}}\n"
                    );
                }
            }
        }
    }
    y
}

/// The answers of one section, as form fields.
fn section_answers(section: usize, seed: usize) -> Vec<(String, String)> {
    (0..PER_SECTION)
        .map(|q| {
            let id = format!("s{section}q{q}");
            let value = match q % 3 {
                0 => (10 + (seed + q) % 90).to_string(),
                1 => if (seed + q).is_multiple_of(7) {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
                _ => format!("Answer {seed} to {id}"),
            };
            (id, value)
        })
        .collect()
}

/// One campaign, `n` organisations, contacts, responses and invitations whose tokens
/// are derived exactly as the service derives them (`auth::links`), in set-based SQL.
/// `n` invitations, each with its organisation, contact and response; every other one
/// after the first `flow` (those the flow answers) has a draft of all 30 answers.
async fn seed(conn: &mut AsyncPgConnection, n: usize, flow: usize) -> anyhow::Result<Vec<String>> {
    let keys = LinkKeys::new(1, SECRET.as_bytes(), &[]);
    let campaign = Uuid::new_v4();
    diesel::sql_query(
        "INSERT INTO campaigns (id, name, template_version_id, status, deadline, launched_at)
         SELECT $1, 'Flow benchmark (illustrative)', id, 'open', current_date + 30, now()
         FROM template_versions WHERE template_id = 'flow-30'",
    )
    .bind::<SqlUuid, _>(campaign)
    .execute(conn)
    .await?;
    let mut tokens = Vec::with_capacity(n);
    let mut drafts = Vec::new();
    for chunk_start in (0..n).step_by(10_000) {
        let len = 10_000.min(n - chunk_start);
        let invitation_ids: Vec<Uuid> = (0..len).map(|_| Uuid::new_v4()).collect();
        drafts.extend(
            invitation_ids
                .iter()
                .enumerate()
                .filter(|(i, _)| chunk_start + i >= flow && (chunk_start + i) % 2 == 0)
                .map(|(_, id)| *id),
        );
        let mut hashes = Vec::with_capacity(len);
        for id in &invitation_ids {
            let (token, _) = keys.issue(InvitationId::from(*id));
            hashes.push(hex::encode(Sha256::digest(token.as_bytes())));
            tokens.push(token);
        }
        diesel::sql_query(
            "WITH input AS (
                 SELECT inv, hash, gen_random_uuid() AS org, gen_random_uuid() AS contact,
                        gen_random_uuid() AS response, ord
                 FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS t(inv, hash, ord)
             ), orgs AS (
                 INSERT INTO organisations (id, kind, name, country)
                 SELECT org, 'supplier', 'Flow supplier ' || ($4 + ord), 'VN' FROM input
             ), contacts AS (
                 INSERT INTO contacts (id, organisation_id, name, email, language)
                 SELECT contact, org, 'Contact', 'flow' || ($4 + ord) || '@example.com', 'en' FROM input
             ), responses AS (
                 INSERT INTO responses (id, campaign_id, organisation_id)
                 SELECT response, $1, org FROM input
             )
             INSERT INTO invitations (id, campaign_id, organisation_id, contact_id, response_id,
                                      token_sha256, language, expires_at, link_key_id)
             SELECT inv, $1, org, contact, response, hash, 'en', now() + interval '60 days', $5
             FROM input",
        )
        .bind::<SqlUuid, _>(campaign)
        .bind::<Array<SqlUuid>, _>(&invitation_ids)
        .bind::<Array<Text>, _>(&hashes)
        .bind::<BigInt, _>(chunk_start as i64)
        .bind::<Int4, _>(keys.current_id())
        .execute(conn)
        .await?;
    }
    for chunk in drafts.chunks(5_000) {
        diesel::sql_query(
            "INSERT INTO answers (response_id, question_id, value, answered_by_contact_id)
             SELECT i.response_id, 's' || s || 'q' || q,
                    CASE q % 3 WHEN 0 THEN to_jsonb(10 + q) WHEN 1 THEN '\"no\"'::jsonb
                               ELSE to_jsonb('Earlier answer ' || q) END,
                    i.contact_id
             FROM invitations i, generate_series(0, 2) AS s, generate_series(0, 9) AS q
             WHERE i.id = ANY($1)",
        )
        .bind::<Array<SqlUuid>, _>(chunk)
        .execute(conn)
        .await?;
    }
    // BENCH_WITHOUT_AUDIT_FILTER_INDEXES=1: the audit log without the audit page's
    // three filter indexes (migrations …000205–000207), to measure what they cost the
    // submissions' audit entries.
    if std::env::var("BENCH_WITHOUT_AUDIT_FILTER_INDEXES").is_ok_and(|v| v == "1") {
        for index in [
            "audit_log_occurred_idx",
            "audit_log_actor_idx",
            "audit_log_action_idx",
        ] {
            diesel::sql_query(format!("DROP INDEX {index}"))
                .execute(conn)
                .await?;
        }
        println!("(the audit log without its three filter indexes)");
    }
    diesel::sql_query("ANALYZE").execute(conn).await?;
    Ok(tokens)
}

struct FlowResult {
    respondents: usize,
    errors: usize,
    elapsed: Duration,
    /// (request kind, latencies); writing kinds are the POSTs.
    latencies: Vec<(&'static str, Vec<Duration>)>,
}

impl FlowResult {
    fn requests(&self) -> usize {
        self.latencies.iter().map(|(_, l)| l.len()).sum()
    }
    fn writes(&self) -> usize {
        self.latencies
            .iter()
            .filter(|(k, _)| k.starts_with("POST"))
            .map(|(_, l)| l.len())
            .sum()
    }
}

const KINDS: [&str; 4] = ["GET form", "POST save", "GET review", "POST submit"];

async fn run_flow(
    http: &reqwest::Client,
    base: &str,
    tokens: &[String],
    s: &Settings,
) -> anyhow::Result<FlowResult> {
    let next = Arc::new(AtomicUsize::new(0));
    let tokens = Arc::new(tokens.to_vec());
    let deadline = Instant::now() + Duration::from_secs(s.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..s.concurrency {
        let (http, next, tokens, base) =
            (http.clone(), next.clone(), tokens.clone(), base.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
            let (mut done, mut errors) = (0usize, 0usize);
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(token) = tokens.get(i) else { break };
                match respond(&http, &base, token, i, &mut lat).await {
                    Ok(()) => done += 1,
                    Err(e) => {
                        if errors == 0 {
                            eprintln!("respondent {i}: {e}");
                        }
                        errors += 1;
                    }
                }
            }
            (lat, done, errors)
        }));
    }
    let mut latencies: Vec<(&'static str, Vec<Duration>)> =
        KINDS.iter().map(|k| (*k, Vec::new())).collect();
    let (mut respondents, mut errors) = (0, 0);
    for t in tasks {
        let (lat, done, e) = t.await?;
        for (k, l) in lat.into_iter().enumerate() {
            latencies[k].1.extend(l);
        }
        respondents += done;
        errors += e;
    }
    let elapsed = started.elapsed();
    for (_, l) in &mut latencies {
        l.sort();
    }
    Ok(FlowResult {
        respondents,
        errors,
        elapsed,
        latencies,
    })
}

/// One respondent: open the link, save each section, review, submit.
async fn respond(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    seed: usize,
    lat: &mut [Vec<Duration>],
) -> anyhow::Result<()> {
    let link = format!("{base}/r/{token}");
    let t = Instant::now();
    let page = http.get(&link).send().await?;
    anyhow::ensure!(page.status() == 200, "GET form: {}", page.status());
    let page = page.text().await?;
    lat[0].push(t.elapsed());
    let csrf = csrf_of(&page)?;
    // Each section's page posts its own answers ("Save and continue").
    for section in 0..SECTIONS {
        let fields = section_answers(section, seed);
        let t = Instant::now();
        let r = post(
            http,
            &format!("{link}/s/{}", section + 1),
            &csrf,
            "next",
            &fields,
        )
        .await?;
        anyhow::ensure!(r == 303, "POST save: {r}");
        lat[1].push(t.elapsed());
    }
    // The last section's "Save and continue" leads to the review page: every answer by
    // section, what is missing, the declaration.
    let t = Instant::now();
    let review = http.get(format!("{link}/review")).send().await?;
    anyhow::ensure!(review.status() == 200, "GET review: {}", review.status());
    review.bytes().await?;
    lat[2].push(t.elapsed());
    // The review page's submit: the stored answers with the declaration.
    let t = Instant::now();
    let r = http
        .post(format!("{link}/submit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("signatory_name", "Bench Signatory"),
            ("signatory_title", "Compliance manager"),
            ("declaration", "yes"),
        ])
        .send()
        .await?
        .status()
        .as_u16();
    anyhow::ensure!(r == 303, "POST submit: {r}");
    lat[3].push(t.elapsed());
    Ok(())
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    csrf: &str,
    action: &str,
    fields: &[(String, String)],
) -> anyhow::Result<u16> {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_string())
        .text("action", action.to_string());
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    Ok(http
        .post(url)
        .multipart(form)
        .send()
        .await?
        .status()
        .as_u16())
}

fn csrf_of(page: &str) -> anyhow::Result<String> {
    let marker = r#"name="csrf_token" value=""#;
    let at = page
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no CSRF token in the form"))?
        + marker.len();
    Ok(page[at..at + 64].to_string())
}

async fn run_hello(
    http: &reqwest::Client,
    url: &str,
    requests: usize,
    s: &Settings,
) -> (Vec<Duration>, Duration) {
    let left = Arc::new(AtomicUsize::new(requests));
    let deadline = Instant::now() + Duration::from_secs(s.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..s.concurrency {
        let (http, left, url) = (http.clone(), left.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline
                && left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            {
                let t = Instant::now();
                if let Ok(r) = http.get(&url).send().await {
                    if r.bytes().await.is_ok() {
                        lat.push(t.elapsed());
                    }
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    all.sort();
    (all, elapsed)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

async fn reset_counters(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    // The seeding's last table counts are still this backend's own until it reports
    // them (at most once a second); report them now, so the reset clears them.
    diesel::sql_query("SELECT pg_stat_force_next_flush()")
        .execute(conn)
        .await?;
    diesel::sql_query("SELECT pg_stat_statements_reset()")
        .execute(conn)
        .await?;
    diesel::sql_query("SELECT pg_stat_reset()")
        .execute(conn)
        .await?;
    diesel::sql_query("SELECT pg_stat_reset_shared('wal')")
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Top {
    #[diesel(sql_type = Text)]
    query: String,
    #[diesel(sql_type = BigInt)]
    calls: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    mean: f64,
    #[diesel(sql_type = BigInt)]
    plans: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    mean_plan: f64,
}

#[derive(diesel::QueryableByName)]
struct Statements {
    #[diesel(sql_type = BigInt)]
    calls: i64,
    #[diesel(sql_type = BigInt)]
    plans: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    plan_ms: f64,
}

/// Committed + rolled-back transactions and statements (with their plans, counted when
/// `pg_stat_statements.track_planning` is on) in the benchmark database since the reset
/// (the few statements of this function are excluded), and the top statements.
async fn database_counters(
    conn: &mut AsyncPgConnection,
) -> anyhow::Result<(i64, Statements, Vec<Top>)> {
    // Statistics reach pg_stat_database when a backend reports; give them a moment.
    tokio::time::sleep(Duration::from_millis(800)).await;
    diesel::sql_query("SELECT pg_stat_clear_snapshot()")
        .execute(conn)
        .await?;
    let xacts: Count = diesel::sql_query(
        "SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = current_database()",
    )
    .get_result(conn)
    .await?;
    let filter = "dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                  AND query NOT LIKE '%pg_stat%'";
    let statements: Statements = diesel::sql_query(format!(
        "SELECT coalesce(sum(calls), 0)::bigint AS calls, coalesce(sum(plans), 0)::bigint AS plans, \
                coalesce(sum(total_plan_time), 0)::float8 AS plan_ms \
           FROM pg_stat_statements WHERE {filter}"
    ))
    .get_result(conn)
    .await?;
    let top: Vec<Top> = diesel::sql_query(format!(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query, calls::bigint AS calls, mean_exec_time AS mean, \
                plans::bigint AS plans, mean_plan_time AS mean_plan
         FROM pg_stat_statements WHERE {filter} ORDER BY total_exec_time + total_plan_time DESC LIMIT {}",
        env_num("BENCH_TOP_STATEMENTS", 12)
    ))
    .load(conn)
    .await?;
    Ok((xacts.n, statements, top))
}

#[derive(diesel::QueryableByName)]
struct TableWrites {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    inserted: i64,
    #[diesel(sql_type = BigInt)]
    updated: i64,
    #[diesel(sql_type = BigInt)]
    hot: i64,
}

#[derive(diesel::QueryableByName)]
struct Wal {
    #[diesel(sql_type = BigInt)]
    wal_bytes: i64,
    #[diesel(sql_type = BigInt)]
    wal_fpi: i64,
}

struct Writes {
    tables: Vec<TableWrites>,
    wal_bytes: i64,
    wal_fpi: i64,
}

/// Rows written per table since the reset (an update that is not HOT writes an entry in
/// every index of its table) and the WAL the cluster wrote.
async fn table_writes(conn: &mut AsyncPgConnection) -> anyhow::Result<Writes> {
    let tables: Vec<TableWrites> = diesel::sql_query(
        "SELECT relname::text AS name, n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_hot_upd AS hot
           FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0
          ORDER BY n_tup_ins + n_tup_upd DESC LIMIT 10",
    )
    .load(conn)
    .await?;
    let wal: Wal = diesel::sql_query(
        "SELECT wal_bytes::bigint AS wal_bytes, wal_fpi::bigint AS wal_fpi FROM pg_stat_wal",
    )
    .get_result(conn)
    .await?;
    Ok(Writes {
        tables,
        wal_bytes: wal.wal_bytes,
        wal_fpi: wal.wal_fpi,
    })
}

/// The next transaction id PostgreSQL will assign: the difference between two readings
/// is the number of transactions that wrote in between (a read-only transaction gets no
/// id), in this benchmark's own cluster.
async fn next_xid(conn: &mut AsyncPgConnection) -> anyhow::Result<i64> {
    let n: Count =
        diesel::sql_query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n")
            .get_result(conn)
            .await?;
    Ok(n.n)
}

/// Receipt emails queued and not yet sent.
async fn receipts_waiting(conn: &mut AsyncPgConnection) -> anyhow::Result<i64> {
    let n: Count = diesel::sql_query(
        "SELECT count(*)::bigint AS n FROM jobs \
          WHERE kind = 'send_email' AND purpose = 'receipt' AND state IN ('pending', 'running')",
    )
    .get_result(conn)
    .await?;
    Ok(n.n)
}

/// CPU seconds used so far by this process, the service, and every PostgreSQL process.
struct Cpu {
    load: f64,
    service: f64,
    /// The service's HTTP worker threads alone (`actix-server worker …`): the requests,
    /// without the job worker and the receipt PDFs.
    requests: f64,
    postgres: f64,
}

impl Cpu {
    fn read(service: u32, postmaster: Option<u32>) -> Cpu {
        let mut postgres = 0.0;
        if let Some(pm) = postmaster {
            postgres += cpu_seconds(pm).unwrap_or(0.0);
            // Backends are children of the postmaster; those that ended during the run
            // are counted in its children's time (cutime/cstime).
            postgres += children_cpu_seconds(pm).unwrap_or(0.0);
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for e in dir.flatten() {
                    let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                        continue;
                    };
                    if parent_of(pid) == Some(pm) {
                        postgres += cpu_seconds(pid).unwrap_or(0.0);
                    }
                }
            }
        }
        Cpu {
            load: cpu_seconds(std::process::id()).unwrap_or(0.0),
            service: cpu_seconds(service).unwrap_or(0.0),
            requests: http_worker_seconds(service),
            postgres,
        }
    }

    fn since(&self, before: &Cpu) -> Cpu {
        Cpu {
            load: self.load - before.load,
            service: self.service - before.service,
            requests: self.requests - before.requests,
            postgres: self.postgres - before.postgres,
        }
    }
}

/// Fields after the command name in `/proc/<pid>/stat` (the name may contain spaces).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    stat_fields_at(format!("/proc/{pid}/stat"))
}

/// Fields after the command name in a `stat` file of `/proc` (a process's or a thread's).
fn stat_fields_at(path: impl AsRef<std::path::Path>) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(path).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(String::from).collect())
}

fn ticks() -> f64 {
    // sysconf(_SC_CLK_TCK) is 100 on Linux x86_64.
    100.0
}

fn cpu_seconds(pid: u32) -> Option<f64> {
    own_cpu_seconds(&stat_fields(pid)?)
}

/// User and system CPU seconds from a `stat` file's fields: utime and stime are fields
/// 14 and 15 of the whole line, 11 and 12 after the name.
fn own_cpu_seconds(f: &[String]) -> Option<f64> {
    Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / ticks())
}

/// CPU seconds of the process's threads named like actix-web's HTTP workers.
fn http_worker_seconds(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .flatten()
        .filter_map(|t| {
            let dir = t.path();
            let name = std::fs::read_to_string(dir.join("comm")).ok()?;
            if !name.starts_with("actix-server w") {
                return None;
            }
            own_cpu_seconds(&stat_fields_at(dir.join("stat"))?)
        })
        .sum()
}

fn children_cpu_seconds(pid: u32) -> Option<f64> {
    let f = stat_fields(pid)?;
    Some((f[13].parse::<f64>().ok()? + f[14].parse::<f64>().ok()?) / ticks())
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

fn vm_hwm_kb(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:")
}

/// A `/proc/{pid}/status` field in kB (0 when unreadable).
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_until_up(http: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    for _ in 0..300 {
        if let Ok(r) = http.get(url).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{url} did not answer within 30 s")
}

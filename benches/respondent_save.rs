//! Load benchmark: respondents saving drafts of the forced-labour questionnaire over
//! HTTP, against a pgbench baseline (a 10-row upsert of answers in one transaction)
//! measured on the same PostgreSQL in the same run. Results go in BENCHMARKS.md as a
//! ratio, so a noisy or slower machine shifts both sides alike.
//!
//!     cargo bench --bench respondent_save
//!
//! The two sides alternate, BENCH_ROUNDS (default 3) rounds of BENCH_SECONDS (default 5)
//! each, and the ratio reported is the median of the rounds' ratios: on a shared machine
//! the speed drifts within a minute, and a drift then moves both sides of a round
//! alike instead of one whole side.
//!
//! Other settings: BENCH_CLIENTS (default 8), BENCH_MAX_REQUESTS (default 200000 in
//! all, a hard bound). The server is the one named by DATABASE_URL, else
//! 127.0.0.1:5432, else an embedded cluster; a scratch database is created and dropped.
//! Only 127.0.0.1 is ever a target.

mod common;

use common::env_num;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; `cargo test --all-targets` only builds and starts
    // the target, and a benchmark has no place in the test suite.
    if !std::env::args().any(|a| a == "--bench") {
        println!("respondent_save: not run (use `cargo bench --bench respondent_save`)");
        return Ok(());
    }
    let seconds = env_num("BENCH_SECONDS", 5);
    let rounds = env_num("BENCH_ROUNDS", 3).max(1) as usize;
    let clients = env_num("BENCH_CLIENTS", 8) as usize;
    let max_requests = env_num("BENCH_MAX_REQUESTS", 200_000);

    // The server (kept running while `_embedded` lives) and a scratch database.
    let (admin_url, _embedded) = common::admin_url_or_embedded().await?;
    let report = common::with_scratch_database(&admin_url, "save", |url| async move {
        run(&url, seconds, rounds, clients, max_requests).await
    })
    .await?;
    println!("{report}");
    Ok(())
}

/// The boundary of [`multipart_body`]'s parts.
const BOUNDARY: &str = "hrdd-bench-7c1d0e5a";
const MULTIPART_TYPE: &str = "multipart/form-data; boundary=hrdd-bench-7c1d0e5a";

/// A `multipart/form-data` body of text fields, as a browser sends a form.
fn multipart_body(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::with_capacity(64 * fields.len());
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

async fn run(
    url: &str,
    seconds: u64,
    rounds: usize,
    clients: usize,
    max_requests: u64,
) -> anyhow::Result<String> {
    let data_dir = tempfile::tempdir()?;
    let (state, base) = common::start_app(url, data_dir.path(), &[("RUST_LOG", "warn")]).await?;
    // One supplier, contact and link per client: suppliers answer concurrently, each
    // on its own response (one response's saves are serialised by design).
    let issued = common::seed_links(&state, &base, clients).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut links = Vec::new();
    for issued in issued {
        let page = http.get(&issued.link).send().await?.text().await?;
        let marker = r#"name="csrf_token" value=""#;
        let at = page
            .find(marker)
            .ok_or_else(|| anyhow::anyhow!("no CSRF token in the form"))?
            + marker.len();
        links.push((issued.link, page[at..at + 64].to_string()));
    }

    let budget = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(max_requests));
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut lines = Vec::new();
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let (mut round_latencies, round_errors, elapsed) =
            save_round(&http, &links, seconds, round as u64, &budget).await?;
        let app_rate = round_latencies.len() as f64 / elapsed;
        // The baseline: pgbench, same clients and duration, a 10-row upsert per
        // transaction.
        let tps = common::pgbench_upsert(url, clients, seconds).await?;
        lines.push(format!(
            "  round {}: {app_rate:.0} saves/s, pgbench {tps:.0} tps, ratio {:.3}",
            round + 1,
            app_rate / tps
        ));
        ratios.push(app_rate / tps);
        latencies.append(&mut round_latencies);
        errors += round_errors;
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    ratios.sort_by(f64::total_cmp);
    Ok(format!(
        "respondent draft saves over HTTP ({clients} clients; {rounds} rounds of {seconds} s, each followed by pgbench's 10-row upsert, {clients} clients, {seconds} s): p50 {:.1} ms, p99 {:.1} ms, {} errors, {} saves\n{}\nratio app / baseline (median of the rounds): {:.3}",
        pct(0.50),
        pct(0.99),
        errors,
        latencies.len(),
        lines.join("\n"),
        ratios[ratios.len() / 2]
    ))
}

/// One round of saves: every client saves a draft with 10 answers (two of them changed
/// each time), as fast as it can, for `seconds`. Returns the latencies of the saves
/// answered 303, the errors, and the round's length in seconds.
async fn save_round(
    http: &reqwest::Client,
    links: &[(String, String)],
    seconds: u64,
    round: u64,
    budget: &std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> anyhow::Result<(Vec<Duration>, u64, f64)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (link, csrf) in links {
        let (link, csrf) = (link.clone(), csrf.clone());
        let http = http.clone();
        let budget = budget.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            // Values go on from one round to the next, so that every save changes two.
            let mut i = round * 1_000_000;
            while Instant::now() < deadline
                && budget
                    .fetch_update(
                        std::sync::atomic::Ordering::Relaxed,
                        std::sync::atomic::Ordering::Relaxed,
                        |b| b.checked_sub(1),
                    )
                    .is_ok()
            {
                i += 1;
                // The body a browser sends for the section's form, written directly
                // (reqwest's `multipart::Form` streams a part at a time and costs the
                // load generator more than the service's parsing of it).
                let body = multipart_body(&[
                    ("csrf_token", &csrf),
                    ("action", "save"),
                    ("total_headcount", &(100 + i % 50).to_string()),
                    ("foreign_workers", &(i % 20).to_string()),
                    ("internal_migrant_workers", "5"),
                    ("agency_workers", "3"),
                    ("dispatched_workers", "0"),
                    ("technical_interns", "0"),
                    ("specified_skilled_workers", "0"),
                    ("employer_housing", "no"),
                    ("worker_languages", "Vietnamese"),
                    ("non_local_language_pct", "5"),
                ]);
                let started = Instant::now();
                let sent = http
                    .post(&link)
                    .header(reqwest::header::CONTENT_TYPE, MULTIPART_TYPE)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 303 => latencies.push(started.elapsed()),
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        latencies.extend(l);
        errors += e;
    }
    Ok((latencies, errors, started.elapsed().as_secs_f64()))
}

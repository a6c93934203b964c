//! Delivery benchmark: the job worker delivering campaign emails (clarification
//! requests: each rendered at send time, its link recomputed from the invitation) to a
//! local SMTP sink, against a plain lettre send loop (the same pooled transport, the
//! same number of prebuilt messages) to the same sink in the same run.
//!
//!     cargo bench --bench outbox_delivery
//!
//! Settings: BENCH_MESSAGES (default 3000), BENCH_WORKERS (default 4: worker tasks
//! running `run_due` side by side, as several worker processes would), BENCH_CONCURRENCY
//! (default 8: sends at once per worker, `Worker::concurrency`). The baseline runs
//! workers × concurrency send loops, the same number of sends in flight. The sink is a
//! task here: it speaks just enough SMTP and discards every message. Only 127.0.0.1 is
//! ever a target.
//!
//! Besides the rates, it reports the CPU each side spends per message (from /proc: this
//! process, which holds the sender and the sink, and the PostgreSQL backends of its
//! database): on a shared 2-core machine the rates move with everyone else's load, the
//! CPU per message much less, and when both sides are CPU-bound their ratio is the
//! rate ratio an otherwise idle machine would give.

mod common;

use common::env_num;
use hrdd_survey::domain::i18n::Lang;
use hrdd_survey::email::campaign::{CampaignEmail, Purpose};
use hrdd_survey::email::{build_message_full, Mailer, Transport};
use hrdd_survey::jobs::{campaign_mail, run_due, Jobs, Worker};
use lettre::AsyncTransport;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An SMTP sink: accepts everything, keeps nothing, counts messages. `TCP_NODELAY` on
/// its answers and `TCP_QUICKACK` after each read, so it never stalls a client.
async fn sink(count: Arc<AtomicU64>) -> anyhow::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let _ = stream.set_nodelay(true);
            let count = count.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut line = String::new();
                let mut in_data = false;
                loop {
                    line.clear();
                    let read_from_socket = lines.buffer().is_empty();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    // ACK at once: lettre writes a message and its final "." in two
                    // writes without TCP_NODELAY, so a delayed ACK here would hold the
                    // "." back (Nagle) for up to 40 ms per message. Linux turns quick
                    // ACK off again by itself, so it is set after every read from the
                    // socket (not after every line: most lines come from the buffer).
                    if read_from_socket {
                        let _ = lines.get_ref().as_ref().set_quickack(true);
                    }
                    if in_data {
                        if line == ".\r\n" || line == ".\n" {
                            in_data = false;
                            count.fetch_add(1, Ordering::Relaxed);
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    if write.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(port)
}

/// CPU seconds (user + system) used so far by process `pid` (`self`: this one); 0 when
/// it cannot be read.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces): utime and stime are
    // fields 14 and 15 of the line, in USER_HZ (100 per second on Linux).
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds so far of each PostgreSQL backend connected to this database.
async fn backend_cpu(
    pool: &hrdd_survey::db::Pool,
) -> anyhow::Result<std::collections::HashMap<i32, f64>> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let mut conn = pool.get().await?;
    let backends: Vec<Backend> =
        diesel::sql_query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            .load(&mut conn)
            .await?;
    Ok(backends
        .into_iter()
        .map(|b| (b.pid, cpu_seconds(&b.pid.to_string())))
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("outbox_delivery: not run (use `cargo bench --bench outbox_delivery`)");
        return Ok(());
    }
    let messages = env_num("BENCH_MESSAGES", 3000) as usize;
    let workers = env_num("BENCH_WORKERS", 4).max(1) as usize;
    let concurrency = env_num("BENCH_CONCURRENCY", 8).max(1) as usize;
    let report = common::with_scratch_database(&common::admin_url(), "outbox", |url| async move {
        run(&url, messages, workers, concurrency).await
    })
    .await?;
    println!("{report}");
    Ok(())
}

async fn run(
    url: &str,
    messages: usize,
    workers: usize,
    concurrency: usize,
) -> anyhow::Result<String> {
    let data_dir = tempfile::tempdir()?;
    // The application's own worker stays idle: the benchmark runs its workers.
    let (state, base) =
        common::start_app(url, data_dir.path(), &[("HRDD_JOB_POLL_SECONDS", "3600")]).await?;

    // 20 contacts with links; `messages` clarification requests spread over them.
    let invitations: Vec<uuid::Uuid> = common::seed_links(&state, &base, 20)
        .await?
        .into_iter()
        .map(|issued| issued.invitation_id.uuid())
        .collect();
    let mut conn = state.pool.get().await?;
    let jobs = Jobs::new();
    for n in 0..messages {
        campaign_mail::queue_clarification(
            &mut conn,
            &jobs,
            invitations[n % invitations.len()],
            uuid::Uuid::new_v4(),
            "Please confirm the number of workers in question 3.",
        )
        .await?;
    }
    drop(conn);

    let count = Arc::new(AtomicU64::new(0));
    let port = sink(count.clone()).await?;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let mailer = Mailer {
        transport: Transport::from_settings(Some(&smtp_url), data_dir.path())?,
        from: "HRDD Survey <no-reply@hrdd-survey.invalid>".parse()?,
    };

    // Baseline: a plain lettre send loop (build the message, send it) on the same pooled
    // transport, with as many concurrent loops as the workers have sends in flight. The
    // message is the one the worker sends (the same clarification email, rendered once
    // here: text and HTML parts; the seeded campaign has no owner, so neither side has a
    // Reply-To or asks for a reply), so both sides put the same bytes on the wire.
    let Transport::Smtp(smtp) = mailer.transport.clone() else {
        anyhow::bail!("SMTP transport expected");
    };
    let email = CampaignEmail {
        lang: Lang::En,
        purpose: Purpose::Clarification,
        contact: "Bench".into(),
        organisation: "Bench supplier 0".into(),
        campaign: "Benchmark".into(),
        deadline: chrono::Utc::now().date_naive() + chrono::Duration::days(30),
        link: format!("{base}/r/0123456789012345678901234567890123456789012/clarification"),
        sender_company: "Bench Company".into(),
        message: Some("Please confirm the number of workers in question 3.".into()),
        overdue: false,
        organisations: Vec::new(),
        organisations_more: 0,
        can_reply: false,
        from_name: String::new(),
        from_email: String::new(),
        last_submitted: None,
        next_reminder: None,
        no_owner: false,
        added_after: false,
    }
    .render("bench0@example.com")?;
    let email = Arc::new(email);
    let loops_n = workers * concurrency;
    let per_loop = messages.div_ceil(loops_n);
    let cpu_before = cpu_seconds("self");
    let started = Instant::now();
    let mut loops = Vec::new();
    for n in 0..loops_n {
        let sends = per_loop.min(messages.saturating_sub(n * per_loop));
        let (smtp, email, from) = (smtp.clone(), email.clone(), mailer.from.clone());
        loops.push(tokio::spawn(async move {
            for _ in 0..sends {
                let message = build_message_full(uuid::Uuid::new_v4(), &from, &email, None, &[])
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                smtp.send(message).await?;
            }
            anyhow::Ok(())
        }));
    }
    for l in loops {
        l.await??;
    }
    let baseline_secs = started.elapsed().as_secs_f64();
    let baseline_cpu = cpu_seconds("self") - cpu_before;
    let baseline_sent = count.swap(0, Ordering::Relaxed);

    // The worker: claim, render (link recomputed), send, record — `workers` side by side.
    let backends_before = backend_cpu(&state.pool).await?;
    let cpu_before = cpu_seconds("self");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let mut worker = Worker::new(
            state.pool.clone(),
            Jobs::new(),
            mailer.clone(),
            state.audit_key.clone(),
            base.clone(),
        )
        .with_campaign_mail(state.link_keys.clone(), "Bench Company".into());
        worker.batch = env_num("BENCH_BATCH", 50) as i64;
        worker.concurrency = concurrency;
        tasks.push(tokio::spawn(async move { run_due(&worker).await }));
    }
    let mut done = 0;
    for t in tasks {
        done += t.await??.done;
    }
    let worker_secs = started.elapsed().as_secs_f64();
    let worker_cpu = cpu_seconds("self") - cpu_before;
    let database_cpu: f64 = backend_cpu(&state.pool)
        .await?
        .into_iter()
        .map(|(pid, cpu)| cpu - backends_before.get(&pid).copied().unwrap_or(0.0))
        .sum();
    let worker_sent = count.load(Ordering::Relaxed);
    anyhow::ensure!(done == messages, "{done} of {messages} delivered");
    anyhow::ensure!(
        worker_sent as usize == messages,
        "the sink got {worker_sent}"
    );

    let baseline_rate = baseline_sent as f64 / baseline_secs;
    let worker_rate = worker_sent as f64 / worker_secs;
    let per_message = |seconds: f64| seconds * 1e6 / messages as f64;
    let (base_us, worker_us, database_us) = (
        per_message(baseline_cpu),
        per_message(worker_cpu),
        per_message(database_cpu),
    );
    Ok(format!(
        "messages: {messages}, workers: {workers} x {concurrency} sends at once\n\
         lettre loop: {baseline_sent} in {baseline_secs:.2} s = {baseline_rate:.0} msg/s\n\
         worker:      {worker_sent} in {worker_secs:.2} s = {worker_rate:.0} msg/s\n\
         ratio worker / lettre: {:.2}\n\
         CPU per message: lettre loop {base_us:.0} us (sender and sink); worker {worker_us:.0} us \
         (worker and sink) + PostgreSQL {database_us:.0} us = {:.0} us; CPU ratio {:.2}",
        worker_rate / baseline_rate,
        worker_us + database_us,
        base_us / (worker_us + database_us)
    ))
}

//! The audit log at a platform's size: its page (the heads' quick check, a filtered
//! page of 100 entries, the subject kinds) and the full verification, on a log of
//! BENCH_ENTRIES (1,000,000) valid, signed entries spread over a year and the 17
//! chains as the service writes them (a tenth staff, API and system entries on chain
//! 0, the rest contacts' on chains 1–16).
//!
//!     cargo bench --bench audit_log
//!
//! Baseline in the same run: the page as it was before `services::audit::page`
//! (every entry read in one query and recomputed at every view: `e3f6e71`), done
//! here with the same hash function. Settings: BENCH_ENTRIES, BENCH_RUNS (50 per
//! page case), DATABASE_URL (a server where a scratch database may be created).

mod common;

use chrono::{Duration as Days, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::audit::{self, entry_hash, AuditKey, Entry};
use hrdd_survey::db::schema::audit_log;
use hrdd_survey::services::audit::{self as service, Query};
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

const STAFF: usize = 20;
const CHAIN0_ACTIONS: [&str; 6] = [
    "flag.assign",
    "flag.accept_risk",
    "flag.close",
    "organisation.updated",
    "campaign.launched",
    "user.signed_in",
];
const CONTACT_ACTIONS: [&str; 3] = [
    "invitation.opened",
    "response.submitted",
    "evidence.uploaded",
];

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("audit_log: not run (use `cargo bench --bench audit_log`)");
        return Ok(());
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(async {
            let (admin, _embedded) = common::admin_url_or_embedded().await?;
            common::with_scratch_database(&admin, "audit", run).await
        })
}

/// Peak resident memory of this process so far (`VmHWM`), in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[(((v.len() as f64) * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One row to insert.
struct Row {
    at: chrono::DateTime<Utc>,
    actor_kind: &'static str,
    actor_id: Option<String>,
    action: &'static str,
    subject_type: &'static str,
    subject_id: String,
    details: serde_json::Value,
    prev: Option<String>,
    hash: String,
    seq: i64,
    chain: i16,
}

/// Seeds `n` entries, linked and hashed as `db::audit::append` writes them, and each
/// chain's signed head. Returns the staff ids, one organisation id with entries, and a
/// staff member with 20 entries (`audit.verified`).
async fn seed(
    conn: &mut hrdd_survey::db::Conn,
    key: &AuditKey,
    n: usize,
) -> anyhow::Result<(Vec<String>, String, String)> {
    let staff: Vec<String> = (0..STAFF).map(|_| Uuid::new_v4().to_string()).collect();
    let rare = Uuid::new_v4().to_string();
    let organisations: Vec<String> = (0..2_000).map(|_| Uuid::new_v4().to_string()).collect();
    let start = Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap();
    let step = Days::days(365).num_microseconds().unwrap() / n as i64;
    let mut heads: Vec<(i64, Option<String>)> = vec![(0, None); 17];
    let mut batch: Vec<Row> = Vec::with_capacity(5_000);
    for i in 0..n {
        let at = start + Days::microseconds(step * i as i64);
        let chain0 = i % 10 == 0;
        let chain: i16 = if chain0 { 0 } else { 1 + (i % 16) as i16 };
        let (actor_kind, actor_id, action, subject_type, subject_id) = if chain0 && i % 50_000 == 0
        {
            // Rare: an auditor's verification, 20 in a million entries.
            (
                "staff",
                Some(rare.clone()),
                "audit.verified",
                "audit",
                "chains".to_string(),
            )
        } else if chain0 {
            let action = CHAIN0_ACTIONS[(i / 10) % CHAIN0_ACTIONS.len()];
            let subject = if action.starts_with("organisation") {
                (
                    "organisation",
                    organisations[(i / 60) % organisations.len()].clone(),
                )
            } else if action.starts_with("flag") {
                ("flag", Uuid::new_v4().to_string())
            } else if action.starts_with("campaign") {
                ("campaign", Uuid::new_v4().to_string())
            } else {
                ("user", staff[(i / 7) % STAFF].clone())
            };
            (
                "staff",
                Some(staff[(i / 10) % STAFF].clone()),
                action,
                subject.0,
                subject.1,
            )
        } else {
            let action = CONTACT_ACTIONS[i % CONTACT_ACTIONS.len()];
            (
                "contact",
                Some(Uuid::new_v4().to_string()),
                action,
                "response",
                Uuid::new_v4().to_string(),
            )
        };
        let details =
            json!({ "n": i, "note": "benchmark entry", "from": "open", "to": "in_review" });
        let (seq, prev) = heads[chain as usize].clone();
        let hash = entry_hash(
            prev.as_deref(),
            &at,
            actor_kind,
            actor_id.as_deref(),
            action,
            subject_type,
            &subject_id,
            &details,
        );
        heads[chain as usize] = (seq + 1, Some(hash.clone()));
        batch.push(Row {
            at,
            actor_kind,
            actor_id,
            action,
            subject_type,
            subject_id,
            details,
            prev,
            hash,
            seq: seq + 1,
            chain,
        });
        if batch.len() == 5_000 || i + 1 == n {
            insert(conn, std::mem::take(&mut batch)).await?;
        }
    }
    for (chain, (seq, hash)) in heads.iter().enumerate() {
        let chain = chain as i16;
        diesel::sql_query(
            "INSERT INTO audit_head (chain, seq, hash, mac) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
        )
        .bind::<diesel::sql_types::SmallInt, _>(chain)
        .bind::<diesel::sql_types::BigInt, _>(*seq)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(hash.clone())
        .bind::<diesel::sql_types::Text, _>(key.sign(chain, *seq, hash.as_deref()))
        .execute(conn)
        .await?;
    }
    Ok((staff, organisations[0].clone(), rare))
}

async fn insert(conn: &mut hrdd_survey::db::Conn, rows: Vec<Row>) -> anyhow::Result<()> {
    use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, SmallInt, Text, Timestamptz};
    diesel::sql_query(
        "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, action, subject_type, \
                                subject_id, details, prev_hash, hash, seq, chain) \
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind::<Array<Timestamptz>, _>(rows.iter().map(|r| r.at).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.actor_kind).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.actor_id.clone()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.action).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.subject_type).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        rows.iter()
            .map(|r| r.subject_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Jsonb>, _>(rows.iter().map(|r| r.details.clone()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.prev.clone()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.hash.clone()).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
    .bind::<Array<SmallInt>, _>(rows.iter().map(|r| r.chain).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// The page as it was before (`e3f6e71`): every entry read in one query, then each
/// chain recomputed. Returns the entries checked.
async fn page_before(conn: &mut hrdd_survey::db::Conn) -> anyhow::Result<usize> {
    let entries: Vec<Entry> = audit_log::table
        .order((audit_log::chain.asc(), audit_log::seq.asc()))
        .select(Entry::as_select())
        .load(conn)
        .await?;
    let mut prev: Option<String> = None;
    let mut chain = -1;
    for e in &entries {
        if e.chain != chain {
            chain = e.chain;
            prev = None;
        }
        let h = entry_hash(
            prev.as_deref(),
            &e.occurred_at,
            &e.actor_kind,
            e.actor_id.as_deref(),
            &e.action,
            &e.subject_type,
            &e.subject_id,
            &e.details,
        );
        anyhow::ensure!(h == e.hash, "entry {} does not verify", e.id);
        prev = Some(h);
    }
    // The newest 200 for the table, as the page read them.
    let newest: Vec<Entry> = audit_log::table
        .order(audit_log::id.desc())
        .limit(200)
        .select(Entry::as_select())
        .load(conn)
        .await?;
    std::hint::black_box(newest);
    Ok(entries.len())
}

async fn run(url: String) -> anyhow::Result<()> {
    let n = common::env_num("BENCH_ENTRIES", 1_000_000) as usize;
    let runs = common::env_num("BENCH_RUNS", 50) as usize;
    let pool = hrdd_survey::db::pool(&url, 2)?;
    let mut conn = pool.get().await?;
    let key = AuditKey::from_secret(common::SECRET.as_bytes());
    let t = Instant::now();
    let (staff, organisation, rare) = seed(&mut conn, &key, n).await?;
    diesel::sql_query("VACUUM ANALYZE audit_log")
        .execute(&mut conn)
        .await?;
    println!(
        "seeded {n} audit entries in {:.1?}; machine load (1, 5, 15 min): {}",
        t.elapsed(),
        load()
    );

    let mid = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let deep: i64 = audit_log::table
        .order(audit_log::id.desc())
        .offset(10_000)
        .select(audit_log::id)
        .first(&mut conn)
        .await?;
    let cases: Vec<(&str, Query, Option<i64>)> = vec![
        ("no filter, newest page", Query::default(), None),
        ("no filter, 100 pages back", Query::default(), Some(deep)),
        (
            "action starts with `flag.` (5 % of entries)",
            Query {
                action: Some("flag.".into()),
                ..Query::default()
            },
            None,
        ),
        (
            "one staff member (0.5 %)",
            Query {
                actor: Some(staff[3].clone()),
                ..Query::default()
            },
            None,
        ),
        (
            "a member with 20 entries in all (by actor)",
            Query {
                actor: Some(rare.clone()),
                ..Query::default()
            },
            None,
        ),
        (
            "a rare action (`audit.`, 20 entries)",
            Query {
                action: Some("audit.".into()),
                ..Query::default()
            },
            None,
        ),
        (
            "one organisation's history (subject)",
            Query {
                subject_type: Some("organisation".into()),
                subject_id: Some(organisation.clone()),
                ..Query::default()
            },
            None,
        ),
        (
            "one day, half a year back",
            Query {
                from: Some(mid),
                until: Some(mid + Days::days(1)),
                ..Query::default()
            },
            None,
        ),
        (
            "one staff member's flag decisions in one month",
            Query {
                action: Some("flag.".into()),
                actor: Some(staff[5].clone()),
                from: Some(mid),
                until: Some(mid + Days::days(30)),
                ..Query::default()
            },
            None,
        ),
    ];
    println!();
    println!("| audit page at {n} entries (`services::audit::page`: heads' check + 100 entries + subject kinds) | p50 | p95 | entries shown |");
    println!("|---|---|---|---|");
    for (label, query, before) in &cases {
        let mut times = Vec::with_capacity(runs);
        let mut shown = 0;
        for i in 0..runs + 3 {
            let t = Instant::now();
            let page = service::page(&mut conn, &key, query, *before)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail()))?;
            if i >= 3 {
                times.push(t.elapsed());
            }
            anyhow::ensure!(page.heads.is_ok(), "the heads do not verify");
            shown = page.entries.len();
        }
        println!(
            "| {label} | {} | {} | {shown} |",
            ms(pct(times.clone(), 0.5)),
            ms(pct(times, 0.95))
        );
    }
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        audit::check_heads(&mut conn, &key)
            .await?
            .map_err(|b| anyhow::anyhow!("{b}"))?;
        times.push(t.elapsed());
    }
    println!(
        "| the heads' check alone | {} | {} | — |",
        ms(pct(times.clone(), 0.5)),
        ms(pct(times, 0.95))
    );

    println!();
    println!("| whole log, {n} entries | time | entries/s | ratio to the baseline | peak RSS of this process after |");
    println!("|---|---|---|---|---|");
    let rss_start = peak_mb();
    let t = Instant::now();
    let verified = audit::verify_chain(&mut conn, &key)
        .await?
        .map_err(|b| anyhow::anyhow!("{b}"))?;
    let ours = t.elapsed();
    anyhow::ensure!(verified == n, "verified {verified} of {n}");
    let rss_ours = peak_mb();
    let t = Instant::now();
    let before = page_before(&mut conn).await?;
    let theirs = t.elapsed();
    let rss_theirs = peak_mb();
    anyhow::ensure!(before == n);
    println!(
        "| baseline: the page before (all entries read at once and recomputed, at every view) | {} | {:.0} | 1.00 | {:.0} MB |",
        ms(theirs),
        n as f64 / theirs.as_secs_f64(),
        rss_theirs
    );
    println!(
        "| `verify_chain` (batches of 2,000 in one snapshot; on demand and daily) | {} | {:.0} | {:.2} | {:.0} MB (from {:.0} MB) |",
        ms(ours),
        n as f64 / ours.as_secs_f64(),
        theirs.as_secs_f64() / ours.as_secs_f64(),
        rss_ours,
        rss_start
    );

    // What the filters' indexes cost a write: appends (one transaction each, as a
    // submission's entry) with and without them, alternating, on the seeded log.
    let appends = common::env_num("BENCH_APPENDS", 2_000) as usize;
    let indexes = [
        "CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at, id)",
        "CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at, id)",
        "CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops, occurred_at, id)",
    ];
    let mut with = Vec::new();
    let mut without = Vec::new();
    for round in 0..4 {
        let indexed = round % 2 == 0;
        if indexed {
            for sql in indexes {
                diesel::sql_query(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
                    .execute(&mut conn)
                    .await?;
            }
        } else {
            for name in [
                "audit_log_occurred_idx",
                "audit_log_actor_idx",
                "audit_log_action_idx",
            ] {
                diesel::sql_query(format!("DROP INDEX IF EXISTS {name}"))
                    .execute(&mut conn)
                    .await?;
            }
        }
        let t = Instant::now();
        for i in 0..appends / 2 {
            let actor = audit::Actor::Contact(Uuid::new_v4());
            hrdd_survey::db::transaction::<_, diesel::result::Error, _>(&mut conn, &key, |tx| {
                use diesel_async::scoped_futures::ScopedFutureExt;
                async move {
                    audit::append(
                        tx,
                        &actor,
                        "response.submitted",
                        "response",
                        i,
                        json!({"n": i}),
                    )
                    .await
                }
                .scope_boxed()
            })
            .await?;
        }
        let per = t.elapsed() / (appends / 2) as u32;
        if indexed {
            with.push(per)
        } else {
            without.push(per)
        }
    }
    let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len() as u32;
    println!();
    println!(
        "| an append (own transaction), {appends} in alternating rounds | with the filters' three indexes | without | ratio |"
    );
    println!("|---|---|---|---|");
    println!(
        "| mean | {:.3} ms | {:.3} ms | {:.2} |",
        mean(&with).as_secs_f64() * 1000.0,
        mean(&without).as_secs_f64() * 1000.0,
        mean(&with).as_secs_f64() / mean(&without).as_secs_f64()
    );
    println!();
    println!("machine load after: {}", load());
    Ok(())
}

//! Benchmark: launching a campaign to 10,000 organisations and 20,000 contacts (one
//! response per organisation, one link and one queued invitation email per contact, in
//! one transaction) against a plain multi-row `INSERT … SELECT` of the same rows,
//! measured on the same PostgreSQL in the same run. Results go in BENCHMARKS.md.
//!
//! Since migration `…000170` a queued email is one row (its `send_email` job carries
//! the message): 10,000 + 20,000 + 20,000 rows, and the baseline writes exactly those
//! (until then both sides also wrote 20,000 `email_outbox` rows).
//!
//! Then the campaign's page reads on the last launched campaign, with every round's
//! rows in the tables (`services::campaign_progress::progress`: one page of 100
//! organisations with their contacts, as `/staff/campaigns/{id}` reads; one
//! organisation, as its timeline does; every organisation, as the API and the CSV
//! export do), each against a plain join of the rows it is built from (responses,
//! organisations, links and their emails: every organisation's for a page, whose totals
//! count them all), in the same run.
//!
//!     cargo bench --bench campaign_launch
//!
//! Settings: BENCH_ORGS (default 10000; two contacts each), BENCH_ROUNDS (default 3;
//! launch and baseline alternate, the median of each is reported). The server is the
//! one named by DATABASE_URL, else 127.0.0.1:5432; a scratch database is created and
//! dropped.

mod common;

use common::{env_num, SECRET};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hrdd_survey::auth::links::LinkKeys;
use hrdd_survey::db::audit::{Actor, AuditKey};
use hrdd_survey::domain::campaign::{Audience, AudienceFilter};
use hrdd_survey::domain::ids::CampaignId;
use hrdd_survey::jobs::Jobs;
use hrdd_survey::services::{
    campaign_lifecycle, campaign_progress, campaigns, questionnaires, Ctx,
};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("campaign_launch: not run (use `cargo bench --bench campaign_launch`)");
        return Ok(());
    }
    let orgs = env_num("BENCH_ORGS", 10_000) as i64;
    let rounds = env_num("BENCH_ROUNDS", 3).max(1) as usize;
    let report = common::with_scratch_database(&common::admin_url(), "launch", |url| async move {
        run(&url, orgs, rounds).await
    })
    .await?;
    println!("{report}");
    Ok(())
}

async fn run(url: &str, orgs: i64, rounds: usize) -> anyhow::Result<String> {
    let pool = hrdd_survey::db::pool(url, 2)?;
    let key = AuditKey::from_secret(SECRET.as_bytes());
    let mut conn = pool.get().await?;
    let registry = questionnaires::prepare(
        &mut conn,
        &key,
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/survey_templates")),
    )
    .await?;
    let keys = LinkKeys::new(1, SECRET.as_bytes(), &[]);
    // Nobody listens to this handle: the emails stay queued, nothing is delivered.
    let jobs = Jobs::new();
    let ctx = Ctx {
        audit_key: &key,
        registry: &registry,
        link_keys: &keys,
        jobs: &jobs,
        public_base_url: "http://127.0.0.1",
        evidence_quota_mb: 0,
    };

    // The audience: organisations with two contacts each, in the three languages.
    diesel::sql_query(
        "INSERT INTO organisations (id, kind, name, country, sector) \
         SELECT gen_random_uuid(), 'supplier', 'Supplier ' || n, 'JP', 'textiles' \
           FROM generate_series(1, $1) AS n",
    )
    .bind::<diesel::sql_types::BigInt, _>(orgs)
    .execute(&mut conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO contacts (id, organisation_id, name, email, language) \
         SELECT gen_random_uuid(), o.id, 'Contact ' || k, k || '-' || o.id || '@example.com', \
                (ARRAY['en','ja','vi'])[1 + (abs(hashtext(o.id::text)) + k) % 3] \
           FROM organisations o, generate_series(1, 2) AS k",
    )
    .execute(&mut conn)
    .await?;
    diesel::sql_query("ANALYZE").execute(&mut conn).await?;

    let mut launch_times = Vec::new();
    let mut baseline_times = Vec::new();
    let mut rows = 0;
    let mut launched = None;
    for round in 0..rounds {
        // Alternate the order so that neither side always runs on the larger tables.
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let campaign = draft(&mut conn, &ctx, round, side).await?;
            let started = Instant::now();
            if side == 0 {
                let out = campaign_lifecycle::launch(&mut conn, &ctx, &Actor::System, campaign)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                launch_times.push(started.elapsed());
                anyhow::ensure!(out.launched && out.links as i64 == 2 * orgs);
                launched = Some(campaign);
                rows = out.responses_created + out.links + out.emails;
            } else {
                baseline(&mut conn, campaign).await?;
                baseline_times.push(started.elapsed());
            }
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let launch = median(&mut launch_times);
    let base = median(&mut baseline_times);
    let pages = page_reads(&mut conn, &registry, launched.expect("a launch"), orgs).await?;
    Ok(format!(
        "campaign_launch: {orgs} organisations, {} contacts, {rows} rows \
         (responses, links, email jobs)\n  launch   median {:.0} ms  (all: {:?})\n  \
         baseline median {:.0} ms  (all: {:?})\n  ratio (baseline time / launch time) {:.2}",
        2 * orgs,
        launch.as_secs_f64() * 1000.0,
        launch_times
            .iter()
            .map(|d| d.as_millis())
            .collect::<Vec<_>>(),
        base.as_secs_f64() * 1000.0,
        baseline_times
            .iter()
            .map(|d| d.as_millis())
            .collect::<Vec<_>>(),
        base.as_secs_f64() / launch.as_secs_f64()
    ) + &pages)
}

/// The campaign page's reads of `campaign` (median of 7 after 2 to warm up), each with
/// its plain join in the same run; the report's lines.
async fn page_reads(
    conn: &mut AsyncPgConnection,
    registry: &questionnaires::QuestionnaireRegistry,
    campaign: CampaignId,
    orgs: i64,
) -> anyhow::Result<String> {
    use campaign_progress::{Filter, Paging};
    diesel::sql_query("ANALYZE").execute(conn).await?;
    let one: uuid::Uuid = {
        #[derive(diesel::QueryableByName)]
        struct Org {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            organisation_id: uuid::Uuid,
        }
        diesel::sql_query("SELECT organisation_id FROM responses WHERE campaign_id = $1 LIMIT 1")
            .bind::<diesel::sql_types::Uuid, _>(campaign)
            .get_result::<Org>(conn)
            .await?
            .organisation_id
    };
    let cases = [
        (
            "page of 100",
            Filter {
                page: Some(Paging {
                    number: 2,
                    size: 100,
                }),
                ..Default::default()
            },
            // Its totals and stages are over every organisation: all their rows.
            "",
        ),
        (
            "one organisation",
            Filter {
                organisation: Some(one),
                ..Default::default()
            },
            "AND r.organisation_id = (SELECT organisation_id FROM responses \
                 WHERE campaign_id = $1 LIMIT 1)",
        ),
        ("every organisation", Filter::default(), ""),
    ];
    let mut out = String::new();
    for (name, filter, only) in cases {
        let plain = format!(
            "SELECT r.id, o.name, i.id, i.contact_id, i.expires_at, j.state \
               FROM responses r JOIN organisations o ON o.id = r.organisation_id \
               JOIN invitations i ON i.response_id = r.id \
               LEFT JOIN jobs j ON j.invitation_id = i.id \
              WHERE r.campaign_id = $1 {only}"
        );
        let mut service = Vec::new();
        let mut baseline = Vec::new();
        for run in 0..9 {
            let started = Instant::now();
            let (_, p) = campaign_progress::progress(conn, registry, campaign, &filter)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let took = started.elapsed();
            anyhow::ensure!(!p.organisations.is_empty() && p.listed as i64 <= orgs);
            let started = Instant::now();
            diesel::sql_query(&plain)
                .bind::<diesel::sql_types::Uuid, _>(campaign)
                .execute(conn)
                .await?;
            if run >= 2 {
                service.push(took);
                baseline.push(started.elapsed());
            }
        }
        service.sort();
        baseline.sort();
        let (s, b) = (service[service.len() / 2], baseline[baseline.len() / 2]);
        out += &format!(
            "\n  campaign page read, {name}: service median {:.1} ms, plain join {:.1} ms, \
             ratio (service / plain) {:.2}",
            s.as_secs_f64() * 1000.0,
            b.as_secs_f64() * 1000.0,
            s.as_secs_f64() / b.as_secs_f64()
        );
    }
    Ok(out)
}

async fn draft(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx<'_>,
    round: usize,
    side: usize,
) -> anyhow::Result<CampaignId> {
    let c = campaigns::create_campaign(
        conn,
        ctx,
        &Actor::System,
        campaigns::NewCampaign {
            name: format!("Benchmark {round}-{side}"),
            template_id: "forced-labour".into(),
            deadline: chrono::Utc::now().date_naive() + chrono::Duration::days(30),
            audience: Some(Audience::Filter(AudienceFilter {
                kind: Some("supplier".into()),
                ..Default::default()
            })),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(c.id)
}

/// The same rows written by plain multi-row `INSERT … SELECT` statements in one
/// transaction: no audience resolution, no per-link key derivation, no audit entry.
async fn baseline(conn: &mut AsyncPgConnection, campaign: CampaignId) -> anyhow::Result<()> {
    use diesel::sql_types::Uuid as U;
    use diesel_async::scoped_futures::ScopedFutureExt;
    conn.transaction::<_, diesel::result::Error, _>(|tx| {
        async move {
            diesel::sql_query(
                "INSERT INTO responses (id, campaign_id, organisation_id, created_at, updated_at) \
                 SELECT gen_random_uuid(), $1, id, now(), now() FROM organisations",
            )
            .bind::<U, _>(campaign)
            .execute(tx)
            .await?;
            diesel::sql_query(
                "INSERT INTO invitations (id, campaign_id, organisation_id, contact_id, response_id, \
                                          token_sha256, language, created_at, expires_at, link_key_id) \
                 SELECT gen_random_uuid(), $1, c.organisation_id, c.id, r.id, \
                        encode(sha256(convert_to(c.id::text || $1::text, 'UTF8')), 'hex'), \
                        c.language, now(), now() + interval '60 days', 1 \
                   FROM contacts c JOIN responses r ON r.organisation_id = c.organisation_id \
                                                   AND r.campaign_id = $1",
            )
            .bind::<U, _>(campaign)
            .execute(tx)
            .await?;
            diesel::sql_query(
                "INSERT INTO jobs (id, kind, payload, run_at, dedup_key, max_attempts, to_address, \
                                   subject, text_body, purpose, invitation_id) \
                 SELECT gen_random_uuid(), 'send_email', '{}'::jsonb, now(), 'invitation:' || i.id, 8, \
                        c.email, 'Questionnaire', '', 'invitation', i.id \
                   FROM invitations i JOIN contacts c ON c.id = i.contact_id \
                  WHERE i.campaign_id = $1",
            )
            .bind::<U, _>(campaign)
            .execute(tx)
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    Ok(())
}

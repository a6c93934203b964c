//! Illustrative bulk data for benchmarks (`hrdd-survey seed`): set-based SQL that makes
//! organisations, submitted responses, answers and flags in a handful of statements.
//! Every row is marked illustrative (names, `external_ref` prefix, campaign name); none
//! of it describes a real organisation.

use super::Conn;
use diesel::sql_types::{Array, BigInt, Jsonb, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// The marker every seeded row carries.
pub const MARK: &str = "ILLUSTRATIVE";

/// Two open campaigns pinned to `template_version_id`; returns their ids.
pub async fn campaigns(
    conn: &mut Conn,
    run: &str,
    template_version_id: Uuid,
) -> QueryResult<(Uuid, Uuid)> {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    diesel::sql_query(
        "INSERT INTO campaigns (id, name, template_version_id, status, deadline, launched_at) VALUES \
         ($1, 'Illustrative benchmark campaign A ' || $3, $4, 'open', current_date + 30, now()), \
         ($2, 'Illustrative benchmark campaign B ' || $3, $4, 'open', current_date + 30, now())",
    )
    .bind::<SqlUuid, _>(a)
    .bind::<SqlUuid, _>(b)
    .bind::<Text, _>(run)
    .bind::<SqlUuid, _>(template_version_id)
    .execute(conn)
    .await?;
    Ok((a, b))
}

/// `n` organisations in ten countries and five sectors (one in ten a production base).
pub async fn organisations(conn: &mut Conn, run: &str, n: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO organisations (id, kind, name, country, sector, external_ref) \
         SELECT gen_random_uuid(), \
                CASE WHEN i % 10 = 0 THEN 'production_base' ELSE 'supplier' END, \
                'Illustrative organisation ' || $1 || '-' || i, \
                (ARRAY['JP','VN','TH','CN','ID','MY','PH','IN','BD','KH'])[1 + i % 10], \
                (ARRAY['electronics','garments','food','automotive','chemicals'])[1 + (i / 10) % 5], \
                $2 || '-' || $1 || '-' || i \
         FROM generate_series(1, $3) AS i",
    )
    .bind::<Text, _>(run)
    .bind::<Text, _>(MARK)
    .bind::<BigInt, _>(n)
    .execute(conn)
    .await
}

/// One submitted response per seeded organisation, alternating between the campaigns.
pub async fn responses(conn: &mut Conn, run: &str, a: Uuid, b: Uuid) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO responses (id, campaign_id, organisation_id, status, language, answers_sha256, submitted_at) \
         SELECT gen_random_uuid(), CASE WHEN row_number() OVER (ORDER BY o.id) % 2 = 0 THEN $1 ELSE $2 END, \
                o.id, 'submitted', (ARRAY['en','ja','vi'])[1 + (abs(hashtext(o.id::text)) % 3)], \
                repeat('0', 64), now() - random() * interval '365 days' \
         FROM organisations o WHERE o.external_ref LIKE $3 || '-' || $4 || '-%'",
    )
    .bind::<SqlUuid, _>(a)
    .bind::<SqlUuid, _>(b)
    .bind::<Text, _>(MARK)
    .bind::<Text, _>(run)
    .execute(conn)
    .await
}

/// `per_response` answers for each seeded response, each a value picked at random from
/// the plausible values given for its question.
pub async fn answers(
    conn: &mut Conn,
    run: &str,
    question_ids: &[String],
    values: &[serde_json::Value],
    per_response: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO answers (response_id, question_id, value, updated_at) \
         SELECT r.id, q.qid, q.vals -> floor(random() * jsonb_array_length(q.vals))::int, r.submitted_at \
         FROM responses r JOIN organisations o ON o.id = r.organisation_id \
         CROSS JOIN (SELECT * FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS t(qid, vals, n)) q \
         WHERE o.external_ref LIKE $3 || '-' || $4 || '-%' AND q.n <= $5",
    )
    .bind::<Array<Text>, _>(question_ids)
    .bind::<Array<Jsonb>, _>(values)
    .bind::<Text, _>(MARK)
    .bind::<Text, _>(run)
    .bind::<BigInt, _>(per_response)
    .execute(conn)
    .await
}

/// `n` flags spread over the seeded responses and the given question ids, with random
/// severity, likelihood, indicator, status and age (3 % knock-outs).
pub async fn flags(
    conn: &mut Conn,
    run: &str,
    question_ids: &[String],
    n: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "WITH rs AS ( \
            SELECT r.id, row_number() OVER (ORDER BY r.id) AS rn, count(*) OVER () AS total \
            FROM responses r JOIN organisations o ON o.id = r.organisation_id \
            WHERE o.external_ref LIKE $1 || '-' || $2 || '-%'), \
         qs AS (SELECT qid, n FROM unnest($3::text[]) WITH ORDINALITY AS t(qid, n)), \
         picks AS ( \
            SELECT i, 1 + i % t.total AS rn, 1 + (i / t.total) % cardinality($3::text[]) AS qn, \
                   (i / (t.total * cardinality($3::text[])))::int AS rule, \
                   1 + floor(random() * 5)::int AS s, 1 + floor(random() * 5)::int AS l, \
                   random() < 0.03 AS ko, random() AS st, random() AS age \
            FROM generate_series(0, $4 - 1) AS i CROSS JOIN (SELECT count(*) AS total FROM rs) t) \
         INSERT INTO flags (id, response_id, question_id, rule_index, indicator, severity, likelihood, score, band, critical, answer, status, created_at, updated_at) \
         SELECT gen_random_uuid(), rs.id, qs.qid, p.rule, \
                (ARRAY['abuse_of_vulnerability','deception','restriction_of_movement','isolation', \
                       'physical_and_sexual_violence','intimidation_and_threats','retention_of_identity_documents', \
                       'withholding_of_wages','debt_bondage','abusive_working_and_living_conditions', \
                       'excessive_overtime','freedom_to_resign','responsible_recruitment','grievance_and_remedy'])[1 + p.i % 14], \
                p.s, p.l, p.s * p.l, \
                CASE WHEN p.ko OR p.s * p.l >= 15 THEN 'critical' WHEN p.s * p.l >= 10 THEN 'high' \
                     WHEN p.s * p.l >= 5 THEN 'medium' ELSE 'low' END, \
                p.ko, '\"illustrative\"'::jsonb, \
                (ARRAY['open','open','open','in_review','clarification_requested','accepted_risk', \
                       'corrective_action_required','closed'])[1 + floor(p.st * 8)::int], \
                now() - p.age * interval '400 days', now() \
         FROM picks p \
         JOIN rs ON rs.rn = p.rn \
         JOIN qs ON qs.n = p.qn",
    )
    .bind::<Text, _>(MARK)
    .bind::<Text, _>(run)
    .bind::<Array<Text>, _>(question_ids)
    .bind::<BigInt, _>(n)
    .execute(conn)
    .await
}

/// Refreshes the planner's statistics after a bulk load.
pub async fn analyze(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("ANALYZE").execute(conn).await.map(|_| ())
}

use super::QueryResult;

//! An organisation's earlier answers to one question: what the flag page shows under
//! "This question before" (the organisation's submissions of the same questionnaire, any
//! version, before the flag's response was submitted); and, for a page of flags at once,
//! which were raised on the same question by the submission just before
//! ([`previous_flags`]: the queue's and the flag export's "flagged last time too").

use super::prepared::Prepare;
use super::schema::{answers, campaigns, responses, template_versions};
use super::views::submissions;
use super::Conn;
use crate::domain::flag::FlagStatus;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// One earlier submission and its answer to the question (none when it was not answered).
#[derive(Debug, Queryable)]
pub struct EarlierAnswer {
    pub response_id: Uuid,
    pub campaign_name: String,
    pub template_version_id: Uuid,
    pub submitted_at: DateTime<Utc>,
    pub value: Option<serde_json::Value>,
}

/// The submissions of `response_id`'s organisation to the same questionnaire submitted
/// before it, newest first, at most `limit`, with their answer to `question_id`.
pub async fn before(
    conn: &mut Conn,
    response_id: Uuid,
    question_id: &str,
    limit: i64,
) -> QueryResult<Vec<EarlierAnswer>> {
    let Some((organisation_id, submitted_at, template_id)) = responses::table
        .inner_join(campaigns::table.inner_join(template_versions::table))
        .filter(responses::id.eq(response_id))
        .select((
            responses::organisation_id,
            responses::submitted_at,
            template_versions::template_id,
        ))
        .first::<(Uuid, Option<DateTime<Utc>>, String)>(conn)
        .await
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let until = submitted_at.unwrap_or_else(Utc::now);
    submissions::table
        .inner_join(campaigns::table)
        .left_join(
            answers::table.on(answers::response_id
                .eq(submissions::response_id)
                .and(answers::question_id.eq(question_id))),
        )
        .filter(submissions::organisation_id.eq(organisation_id))
        .filter(submissions::template_id.eq(template_id))
        .filter(submissions::response_id.ne(response_id))
        .filter(submissions::submitted_at.lt(until))
        .order((
            submissions::submitted_at.desc(),
            submissions::response_id.desc(),
        ))
        .limit(limit)
        .select((
            submissions::response_id,
            campaigns::name,
            submissions::template_version_id,
            submissions::submitted_at,
            answers::value.nullable(),
        ))
        .load(conn)
        .await
}

/// A flag whose question was flagged in its organisation's previous submission of the
/// same questionnaire (any version), with that earlier flag (the worst, when the question
/// raised several) and where it stands now.
#[derive(Debug, Clone, QueryableByName, PartialEq, Eq)]
pub struct PreviousFlag {
    #[diesel(sql_type = SqlUuid)]
    pub flag_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub previous_id: Uuid,
    #[diesel(sql_type = Text)]
    pub previous_status: FlagStatus,
    #[diesel(sql_type = Timestamptz)]
    pub previous_submitted_at: DateTime<Utc>,
}

/// [`previous_flags`]'s statement; `$1` is the page's flag ids.
pub const PREVIOUS_FLAGS: &str = "WITH page AS (SELECT id, response_id, question_id FROM flags WHERE id = ANY($1)), \
         answered AS ( \
           SELECT r.id, r.organisation_id, COALESCE(r.submitted_at, now()) AS until, tv.template_id \
           FROM responses r JOIN campaigns c ON c.id = r.campaign_id \
           JOIN template_versions tv ON tv.id = c.template_version_id \
           WHERE r.id IN (SELECT response_id FROM page)), \
         previous AS ( \
           SELECT a.id AS response_id, p.response_id AS previous_response_id, p.submitted_at \
           FROM answered a CROSS JOIN LATERAL ( \
             SELECT s.response_id, s.submitted_at FROM submissions s \
             WHERE s.organisation_id = a.organisation_id AND s.template_id = a.template_id \
               AND s.response_id <> a.id AND s.submitted_at < a.until \
             ORDER BY s.submitted_at DESC, s.response_id DESC LIMIT 1) p) \
         SELECT DISTINCT ON (f.id) f.id AS flag_id, pf.id AS previous_id, \
                pf.status AS previous_status, pr.submitted_at AS previous_submitted_at \
         FROM page f JOIN previous pr ON pr.response_id = f.response_id \
         JOIN flags pf ON pf.response_id = pr.previous_response_id AND pf.question_id = f.question_id \
         ORDER BY f.id, pf.queue_rank, pf.created_at, pf.id";

/// [`PREVIOUS_FLAGS`] with `flag_ids` written in (the committee benchmark's pgbench
/// baseline runs the statements of a queue page).
pub fn previous_flags_literal(flag_ids: &[Uuid]) -> String {
    let ids: Vec<String> = flag_ids.iter().map(|id| format!("'{id}'")).collect();
    PREVIOUS_FLAGS.replace("$1", &format!("ARRAY[{}]::uuid[]", ids.join(",")))
}

/// Of `flag_ids`, those whose question was also flagged in the submission their
/// organisation made of the same questionnaire just before theirs. One statement for a
/// page of flags: the previous submission is looked up once per response of the page
/// (the latest submitted before it, never a draft, never another organisation's).
pub async fn previous_flags(conn: &mut Conn, flag_ids: &[Uuid]) -> QueryResult<Vec<PreviousFlag>> {
    if flag_ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(PREVIOUS_FLAGS)
        .bind::<Array<SqlUuid>, _>(flag_ids)
        .prepared()
        .load(conn)
        .await
}

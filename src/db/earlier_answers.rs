//! An organisation's earlier answers to one question: what the flag page shows under
//! "This question before" (the organisation's submissions of the same questionnaire, any
//! version, before the flag's response was submitted).

use super::schema::{answers, campaigns, responses, template_versions};
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
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
    responses::table
        .inner_join(campaigns::table.inner_join(template_versions::table))
        .left_join(
            answers::table.on(answers::response_id
                .eq(responses::id)
                .and(answers::question_id.eq(question_id))),
        )
        .filter(responses::organisation_id.eq(organisation_id))
        .filter(responses::id.ne(response_id))
        .filter(responses::submitted_at.lt(until))
        .filter(template_versions::template_id.eq(template_id))
        .order((responses::submitted_at.desc(), responses::id.desc()))
        .limit(limit)
        .select((
            responses::id,
            campaigns::name,
            campaigns::template_version_id,
            responses::submitted_at.assume_not_null(),
            answers::value.nullable(),
        ))
        .load(conn)
        .await
}

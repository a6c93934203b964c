//! Read models for re-scoring: submitted responses with their pinned questionnaire
//! version, and the answers of many responses at once.

use super::schema::*;
use super::Conn;
use crate::domain::states::ResponseStatus;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// A submitted response to re-score: its id, organisation (with country and sector)
/// and pinned version.
#[derive(Debug, Clone, Queryable)]
pub struct ScoredResponse {
    pub response_id: Uuid,
    pub organisation_id: Uuid,
    pub template_version_id: Uuid,
    pub country: String,
    pub sector: Option<String>,
}

/// Submitted responses in id order after `after` (keyset paging), at most `limit`;
/// only those of `campaign` when given.
pub async fn submitted_page(
    conn: &mut Conn,
    campaign: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ScoredResponse>> {
    let mut query = responses::table
        .inner_join(campaigns::table)
        .inner_join(organisations::table)
        .filter(responses::status.eq(ResponseStatus::Submitted))
        .into_boxed();
    if let Some(c) = campaign {
        query = query.filter(responses::campaign_id.eq(c));
    }
    if let Some(a) = after {
        query = query.filter(responses::id.gt(a));
    }
    query
        .order(responses::id.asc())
        .limit(limit)
        .select((
            responses::id,
            responses::organisation_id,
            campaigns::template_version_id,
            organisations::country,
            organisations::sector,
        ))
        .load(conn)
        .await
}

/// Every answer of the given responses: (response, question, value).
pub async fn answers_of_responses(
    conn: &mut Conn,
    response_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, String, serde_json::Value)>> {
    answers::table
        .filter(answers::response_id.eq_any(response_ids))
        .select((answers::response_id, answers::question_id, answers::value))
        .load(conn)
        .await
}

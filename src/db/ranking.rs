//! What the risk ranking reads: the latest submission of every active organisation to
//! each questionnaire (from the `submissions` view, the one definition of an
//! organisation's submissions), and of their flags only what a rating needs
//! (`domain::rating::FlagFacts`).

use super::schema::flags;
use super::{Conn, QueryResult};
use crate::domain::risk::Band;
use crate::domain::states::OrganisationKind;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// An organisation's latest submitted response to one questionnaire.
#[derive(Debug, Clone, QueryableByName)]
pub struct LatestResponse {
    #[diesel(sql_type = SqlUuid)]
    pub response_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: OrganisationKind,
    #[diesel(sql_type = Text)]
    pub country: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub external_ref: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The latest submitted response of each active organisation (of `kind`, in `country`,
/// when given) to each questionnaire, whatever its version.
pub async fn latest_responses(
    conn: &mut Conn,
    kind: Option<OrganisationKind>,
    country: Option<&str>,
) -> QueryResult<Vec<LatestResponse>> {
    diesel::sql_query(
        "SELECT DISTINCT ON (s.organisation_id, s.template_id) \
                s.response_id, o.id AS organisation_id, o.name, o.kind, o.country, \
                o.external_ref, s.submitted_at \
           FROM submissions s \
           JOIN organisations o ON o.id = s.organisation_id \
          WHERE o.deactivated_at IS NULL \
            AND ($1::text IS NULL OR o.kind = $1) AND ($2::text IS NULL OR o.country = $2) \
          ORDER BY s.organisation_id, s.template_id, s.submitted_at DESC, s.response_id",
    )
    .bind::<Nullable<Text>, _>(kind.map(|k| k.as_str()))
    .bind::<Nullable<Text>, _>(country)
    .load(conn)
    .await
}

/// Active organisations (of `kind`, in `country`, when given): those the ranking can
/// name as not rated yet.
pub async fn active_organisations(
    conn: &mut Conn,
    kind: Option<OrganisationKind>,
    country: Option<&str>,
) -> QueryResult<i64> {
    use super::schema::organisations as o;
    let mut q = o::table.filter(o::deactivated_at.is_null()).into_boxed();
    if let Some(kind) = kind {
        q = q.filter(o::kind.eq(kind.as_str()));
    }
    if let Some(country) = country {
        q = q.filter(o::country.eq(country));
    }
    q.count().get_result(conn).await
}

/// What a rating needs of a stored flag.
#[derive(Debug, Clone, Queryable)]
pub struct FlagRatingRow {
    pub response_id: Uuid,
    pub indicator: String,
    pub band: Band,
    pub critical: bool,
    pub score: i16,
    pub affected_workers: Option<i32>,
    pub workforce: Option<i32>,
}

/// The rating facts of every flag of `response_ids`.
pub async fn flags_of(conn: &mut Conn, response_ids: &[Uuid]) -> QueryResult<Vec<FlagRatingRow>> {
    flags::table
        .filter(flags::response_id.eq_any(response_ids))
        .select((
            flags::response_id,
            flags::indicator,
            flags::band,
            flags::critical,
            flags::score,
            flags::affected_workers,
            flags::workforce,
        ))
        .load(conn)
        .await
}

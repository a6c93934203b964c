//! Read models for exports (responses, flags, corrective action plans), read in keyset pages so that an export of any size holds
//! one page in memory at a time.

use super::models::Flag;
use super::schema::*;
use super::Conn;
use crate::domain::flag::FlagStatus;
use crate::domain::i18n::Lang;
use crate::domain::remedy::PlanStatus;
use crate::domain::risk::Band;
use crate::domain::states::{OrganisationKind, ResponseStatus};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// One organisation's response in a campaign.
#[derive(Debug, Clone, Queryable)]
pub struct ResponseRow {
    pub response_id: Uuid,
    pub organisation_name: String,
    pub external_ref: Option<String>,
    pub kind: OrganisationKind,
    pub country: String,
    pub sector: Option<String>,
    pub status: ResponseStatus,
    pub language: Option<Lang>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The campaign's responses by organisation name (then response id), after the
/// `(name, id)` key of the previous page.
pub async fn responses_page(
    conn: &mut Conn,
    campaign_id: Uuid,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ResponseRow>> {
    let mut query = responses::table
        .inner_join(organisations::table)
        .filter(responses::campaign_id.eq(campaign_id))
        .into_boxed();
    if let Some((name, id)) = after {
        query = query.filter(
            organisations::name
                .gt(name.clone())
                .or(organisations::name.eq(name).and(responses::id.gt(id))),
        );
    }
    query
        .order((organisations::name.asc(), responses::id.asc()))
        .limit(limit)
        .select((
            responses::id,
            organisations::name,
            organisations::external_ref,
            organisations::kind,
            organisations::country,
            organisations::sector,
            responses::status,
            responses::language,
            responses::submitted_at,
        ))
        .load(conn)
        .await
}

/// A flag with what an export says about where it comes from.
#[derive(Debug, Clone, Queryable)]
pub struct FlagRow {
    pub flag: Flag,
    pub organisation_name: String,
    pub external_ref: Option<String>,
    pub kind: OrganisationKind,
    pub country: String,
    pub campaign_name: String,
    pub template_version_id: Uuid,
    pub assignee_id: Option<Uuid>,
}

/// Flags (of one campaign, or all) in id order after `after`.
pub async fn flags_page(
    conn: &mut Conn,
    campaign_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<FlagRow>> {
    let mut query = flags::table
        .inner_join(
            responses::table
                .inner_join(organisations::table)
                .inner_join(campaigns::table),
        )
        .into_boxed();
    if let Some(c) = campaign_id {
        query = query.filter(responses::campaign_id.eq(c));
    }
    if let Some(a) = after {
        query = query.filter(flags::id.gt(a));
    }
    query
        .order(flags::id.asc())
        .limit(limit)
        .select((
            Flag::as_select(),
            organisations::name,
            organisations::external_ref,
            organisations::kind,
            organisations::country,
            campaigns::name,
            campaigns::template_version_id,
            flags::assignee_id,
        ))
        .load(conn)
        .await
}

/// Staff members by id as exports name them, "name <email>" (the people a page of
/// flags, its decisions or its plans are assigned to, written or cancelled by).
pub async fn people_of(
    conn: &mut Conn,
    user_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    Ok(users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::name, users::email))
        .load::<(Uuid, String, String)>(conn)
        .await?
        .into_iter()
        .map(|(id, name, email)| (id, crate::domain::text::name_and_email(&name, &email)))
        .collect())
}

/// A corrective action plan with its flag, organisation, campaign, the people on it
/// (addresses only) and its remedy facts, as exported.
#[derive(Debug, Clone, QueryableByName)]
pub struct PlanRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub plan_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub flag_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: PlanStatus,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub root_cause: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub actions: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub start_date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub due_date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub completed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub verified_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub indicator: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub band: Band,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub score: i16,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub critical: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub question_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub flag_status: FlagStatus,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub organisation_name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub external_ref: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: OrganisationKind,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub country: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub campaign_name: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub template_version_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub owner_contact_email: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub owner_staff_email: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub created_by_email: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub verified_by_email: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    pub workers_affected: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub fees_repaid_hundredths: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub fees_currency: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    pub workers_repaid: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub fees_repaid_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    pub documents_returned: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub documents_returned_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub evidence_files: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub cancelled_by_email: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub cancel_reason: Option<String>,
}

/// Corrective action plans (of one campaign, or all) in id order after `after`.
pub async fn plans_page(
    conn: &mut Conn,
    campaign_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<PlanRow>> {
    diesel::sql_query(
        "SELECT p.id AS plan_id, p.flag_id, p.status, p.root_cause, p.actions, \
                p.start_date, p.due_date, p.created_at, p.completed_at, p.verified_at, \
                f.indicator, f.band, f.score, f.critical, f.question_id, \
                f.status AS flag_status, o.name AS organisation_name, o.external_ref, \
                o.kind, o.country, c.name AS campaign_name, c.template_version_id, \
                oc.email AS owner_contact_email, ou.email AS owner_staff_email, \
                cu.email AS created_by_email, vu.email AS verified_by_email, \
                rm.workers_affected, rm.fees_repaid_hundredths, rm.fees_currency, \
                rm.workers_repaid, rm.fees_repaid_on, rm.documents_returned, \
                rm.documents_returned_on, \
                (SELECT count(*) FROM action_plan_evidence e WHERE e.plan_id = p.id) \
                    AS evidence_files, \
                p.cancelled_at, xu.email AS cancelled_by_email, p.cancel_reason \
           FROM action_plans p \
           JOIN flags f ON f.id = p.flag_id \
           JOIN responses r ON r.id = f.response_id \
           JOIN organisations o ON o.id = r.organisation_id \
           JOIN campaigns c ON c.id = r.campaign_id \
           JOIN users cu ON cu.id = p.created_by \
           LEFT JOIN users vu ON vu.id = p.verified_by \
           LEFT JOIN users xu ON xu.id = p.cancelled_by \
           LEFT JOIN contacts oc ON oc.id = p.owner_contact_id \
           LEFT JOIN users ou ON ou.id = p.owner_user_id \
           LEFT JOIN action_plan_remedies rm ON rm.plan_id = p.id \
          WHERE ($1::uuid IS NULL OR r.campaign_id = $1) \
            AND ($2::uuid IS NULL OR p.id > $2) \
          ORDER BY p.id \
          LIMIT $3",
    )
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(campaign_id)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

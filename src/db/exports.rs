//! Read models for exports, read in keyset pages so that an export of any size holds
//! one page in memory at a time.

use super::models::Flag;
use super::schema::*;
use super::Conn;
use crate::domain::i18n::Lang;
use crate::domain::states::{OrganisationKind, ResponseStatus};
use chrono::{DateTime, Utc};
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
    pub decision_reason: Option<String>,
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
            flags::decision_reason,
            flags::assignee_id,
        ))
        .load(conn)
        .await
}

/// Staff emails by id (assignees of a page of flags).
pub async fn emails_of(
    conn: &mut Conn,
    user_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    Ok(users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::email))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect())
}

/// One decision on a flag, as exported.
#[derive(Debug, Clone, Queryable)]
pub struct DecisionRow {
    pub flag_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub action: String,
    pub to_status: String,
    pub reason: Option<String>,
    pub member_email: Option<String>,
}

/// Every decision on the given flags, in order.
pub async fn decisions_of(conn: &mut Conn, flag_ids: &[Uuid]) -> QueryResult<Vec<DecisionRow>> {
    flag_decisions::table
        .left_join(users::table.on(users::id.nullable().eq(flag_decisions::member_id)))
        .filter(flag_decisions::flag_id.eq_any(flag_ids))
        .order((flag_decisions::flag_id, flag_decisions::flag_version))
        .select((
            flag_decisions::flag_id,
            flag_decisions::created_at,
            flag_decisions::action,
            flag_decisions::to_status,
            flag_decisions::reason,
            users::email.nullable(),
        ))
        .load(conn)
        .await
}

//! Read models for the staff pages: lists joined for display.

use super::models::{Campaign, CampaignId, Flag};
use super::schema::*;
use super::Conn;
use crate::domain::states::{CampaignStatus, ResponseStatus};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// A campaign with its questionnaire and progress.
pub struct CampaignRow {
    pub campaign: Campaign,
    pub template_id: String,
    pub version: i32,
    pub responses: i64,
    pub submitted: i64,
    /// Who a draft goes to (picked organisations or a filter), as stored.
    pub audience: Option<serde_json::Value>,
    /// From when its reminder schedule counts (`domain::reminders::counted_from`).
    pub reminders_from: Option<DateTime<Utc>>,
    pub reminders: crate::domain::reminders::Schedule,
    /// The owner's name while their account is active (`None`: no owner, or disabled;
    /// the overdue notice then goes to the administrators).
    pub owner: Option<String>,
}

/// Which campaigns the campaign list shows (every field optional).
#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    pub status: Option<CampaignStatus>,
    pub owner: Option<OwnerFilter>,
    /// The name contains it (any case).
    pub name: Option<String>,
}

/// The campaign list's owner filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerFilter {
    User(Uuid),
    /// No owner, or the owner's account is disabled.
    NoneActive,
}

/// The 500 newest campaigns.
pub async fn campaigns(conn: &mut Conn) -> QueryResult<Vec<CampaignRow>> {
    campaigns_matching(conn, &CampaignFilter::default()).await
}

/// The 500 newest campaigns that `filter` keeps.
pub async fn campaigns_matching(
    conn: &mut Conn,
    filter: &CampaignFilter,
) -> QueryResult<Vec<CampaignRow>> {
    type Loaded = (
        Campaign,
        String,
        i32,
        Option<serde_json::Value>,
        (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        Vec<i32>,
        i32,
        Option<String>,
    );
    let mut query = campaigns::table
        .inner_join(template_versions::table)
        .left_join(
            users::table.on(users::id
                .nullable()
                .eq(campaigns::owner_user_id)
                .and(users::disabled_at.is_null())),
        )
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(campaigns::status.eq(status));
    }
    match filter.owner {
        Some(OwnerFilter::User(id)) => query = query.filter(campaigns::owner_user_id.eq(id)),
        Some(OwnerFilter::NoneActive) => query = query.filter(users::id.nullable().is_null()),
        None => {}
    }
    if let Some(name) = &filter.name {
        query = query.filter(campaigns::name.ilike(format!("%{}%", super::like_escaped(name))));
    }
    let rows: Vec<Loaded> = query
        .order(campaigns::created_at.desc())
        .limit(500)
        .select((
            Campaign::as_select(),
            template_versions::template_id,
            template_versions::version,
            campaigns::audience,
            (campaigns::launched_at, campaigns::deadline_changed_at),
            campaigns::reminder_days_before,
            campaigns::reminder_weekly_after,
            users::name.nullable(),
        ))
        .load(conn)
        .await?;
    let progress: Vec<(CampaignId, ResponseStatus, i64)> = responses::table
        .group_by((responses::campaign_id, responses::status))
        .select((
            responses::campaign_id,
            responses::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                campaign,
                template_id,
                version,
                audience,
                times,
                days_before,
                weekly_after,
                owner,
            )| {
                let of = |status: Option<ResponseStatus>| {
                    progress
                        .iter()
                        .filter(|(c, s, _)| *c == campaign.id && status.is_none_or(|x| x == *s))
                        .map(|(_, _, n)| *n)
                        .sum()
                };
                let reminders_from = crate::domain::reminders::counted_from(
                    campaign.status == CampaignStatus::Draft,
                    times.0,
                    campaign.created_at,
                    times.1,
                );
                CampaignRow {
                    responses: of(None),
                    submitted: of(Some(ResponseStatus::Submitted)),
                    campaign,
                    template_id,
                    version,
                    audience,
                    reminders_from,
                    reminders: crate::domain::reminders::Schedule {
                        days_before,
                        weekly_after,
                    },
                    owner,
                }
            },
        )
        .collect())
}

/// A flag with where it came from. Derefs to the [`Flag`] itself.
pub struct FlagRow {
    pub flag: Flag,
    pub organisation: String,
    pub country: String,
    pub campaign: String,
    pub template_version_id: Uuid,
    pub deadline: NaiveDate,
}

impl std::ops::Deref for FlagRow {
    type Target = Flag;
    fn deref(&self) -> &Flag {
        &self.flag
    }
}

/// Flags, worst first.
pub async fn flags(conn: &mut Conn) -> QueryResult<Vec<FlagRow>> {
    let rows: Vec<(Flag, String, String, String, Uuid, NaiveDate)> = flags::table
        .inner_join(responses::table.inner_join(organisations::table).inner_join(campaigns::table))
        .order((
            diesel::dsl::sql::<diesel::sql_types::Int4>("CASE flags.band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"),
            flags::score.desc(),
            flags::created_at.asc(),
        ))
        .limit(1000)
        .select((
            Flag::as_select(),
            organisations::name,
            organisations::country,
            campaigns::name,
            campaigns::template_version_id,
            campaigns::deadline,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(flag, organisation, country, campaign, template_version_id, deadline)| FlagRow {
                flag,
                organisation,
                country,
                campaign,
                template_version_id,
                deadline,
            },
        )
        .collect())
}

/// The overview's counts that are not about flags (those come from the kept flag
/// counts, `services::listings::overview`).
pub struct Totals {
    pub organisations: i64,
    pub open_campaigns: i64,
    pub submitted: i64,
}

pub async fn totals(conn: &mut Conn) -> QueryResult<Totals> {
    Ok(Totals {
        organisations: organisations::table.count().get_result(conn).await?,
        open_campaigns: campaigns::table
            .filter(campaigns::status.eq(CampaignStatus::Open))
            .count()
            .get_result(conn)
            .await?,
        submitted: responses::table
            .filter(responses::status.eq(ResponseStatus::Submitted))
            .count()
            .get_result(conn)
            .await?,
    })
}

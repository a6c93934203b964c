//! Read models for the staff pages: lists joined for display.

use super::models::{Campaign, Organisation};
use super::schema::*;
use super::Conn;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn organisations(conn: &mut Conn) -> QueryResult<Vec<(Organisation, i64)>> {
    let orgs: Vec<Organisation> = organisations::table
        .order(organisations::name.asc())
        .limit(500)
        .select(Organisation::as_select())
        .load(conn)
        .await?;
    let counts: Vec<(Uuid, i64)> = contacts::table
        .group_by(contacts::organisation_id)
        .select((contacts::organisation_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(orgs
        .into_iter()
        .map(|o| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == o.id)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (o, n)
        })
        .collect())
}

/// A campaign with its questionnaire and progress.
pub struct CampaignRow {
    pub campaign: Campaign,
    pub template_id: String,
    pub version: i32,
    pub responses: i64,
    pub submitted: i64,
}

pub async fn campaigns(conn: &mut Conn) -> QueryResult<Vec<CampaignRow>> {
    let rows: Vec<(Campaign, String, i32)> = campaigns::table
        .inner_join(template_versions::table)
        .order(campaigns::created_at.desc())
        .limit(500)
        .select((
            Campaign::as_select(),
            template_versions::template_id,
            template_versions::version,
        ))
        .load(conn)
        .await?;
    let progress: Vec<(Uuid, String, i64)> = responses::table
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
        .map(|(campaign, template_id, version)| {
            let of = |status: Option<&str>| {
                progress
                    .iter()
                    .filter(|(c, s, _)| *c == campaign.id && status.is_none_or(|x| x == s))
                    .map(|(_, _, n)| *n)
                    .sum()
            };
            CampaignRow {
                responses: of(None),
                submitted: of(Some("submitted")),
                campaign,
                template_id,
                version,
            }
        })
        .collect())
}

/// A flag with where it came from.
pub struct FlagRow {
    pub id: Uuid,
    pub organisation: String,
    pub country: String,
    pub campaign: String,
    pub template_version_id: Uuid,
    pub question_id: String,
    pub rule_index: i32,
    pub indicator: String,
    pub severity: i16,
    pub likelihood: i16,
    pub score: i16,
    pub band: String,
    pub critical: bool,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub deadline: NaiveDate,
}

/// Flags, worst first.
pub async fn flags(conn: &mut Conn) -> QueryResult<Vec<FlagRow>> {
    type Raw = (
        Uuid,
        String,
        String,
        String,
        Uuid,
        String,
        i32,
        String,
        i16,
        i16,
        i16,
        String,
        bool,
        String,
        DateTime<Utc>,
        NaiveDate,
    );
    let rows: Vec<Raw> = flags::table
        .inner_join(responses::table.inner_join(organisations::table).inner_join(campaigns::table))
        .order((
            diesel::dsl::sql::<diesel::sql_types::Int4>("CASE flags.band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"),
            flags::score.desc(),
            flags::created_at.asc(),
        ))
        .limit(1000)
        .select((
            flags::id,
            organisations::name,
            organisations::country,
            campaigns::name,
            campaigns::template_version_id,
            flags::question_id,
            flags::rule_index,
            flags::indicator,
            flags::severity,
            flags::likelihood,
            flags::score,
            flags::band,
            flags::critical,
            flags::status,
            flags::created_at,
            campaigns::deadline,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| FlagRow {
            id: r.0,
            organisation: r.1,
            country: r.2,
            campaign: r.3,
            template_version_id: r.4,
            question_id: r.5,
            rule_index: r.6,
            indicator: r.7,
            severity: r.8,
            likelihood: r.9,
            score: r.10,
            band: r.11,
            critical: r.12,
            status: r.13,
            created_at: r.14,
            deadline: r.15,
        })
        .collect())
}

/// Counts for the overview page.
pub struct Overview {
    pub organisations: i64,
    pub open_campaigns: i64,
    pub submitted: i64,
    pub open_flags: i64,
    pub critical_open_flags: i64,
}

pub async fn overview(conn: &mut Conn) -> QueryResult<Overview> {
    Ok(Overview {
        organisations: organisations::table.count().get_result(conn).await?,
        open_campaigns: campaigns::table
            .filter(campaigns::status.eq("open"))
            .count()
            .get_result(conn)
            .await?,
        submitted: responses::table
            .filter(responses::status.eq("submitted"))
            .count()
            .get_result(conn)
            .await?,
        open_flags: flags::table
            .filter(flags::status.ne("closed"))
            .count()
            .get_result(conn)
            .await?,
        critical_open_flags: flags::table
            .filter(flags::status.ne("closed"))
            .filter(flags::band.eq("critical"))
            .count()
            .get_result(conn)
            .await?,
    })
}

/// The newest audit entries.
pub async fn recent_audit(conn: &mut Conn, limit: i64) -> QueryResult<Vec<super::audit::Entry>> {
    audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(super::audit::Entry::as_select())
        .load(conn)
        .await
}

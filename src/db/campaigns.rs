//! Campaigns: the base row, the whole record with its lifecycle columns (owner,
//! message, reminder schedule, grace, audience, launched/closed), the audience, the
//! launch's state (its responses and links are written by `db::campaign_links`, its
//! emails queued by `jobs::campaign_mail`), deadline and close.

use super::models::*;
use super::schema::*;
use super::Conn;
use crate::domain::states::CampaignStatus;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use uuid::Uuid;

pub async fn insert_campaign(conn: &mut Conn, c: &Campaign) -> QueryResult<Campaign> {
    diesel::insert_into(campaigns::table)
        .values(c)
        .returning(Campaign::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_campaign(conn: &mut Conn, id: CampaignId) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .await
        .optional()
}

/// The id of a campaign with this name whose deadline is `from` or later.
pub async fn find_by_name_due_from(
    conn: &mut Conn,
    name: &str,
    from: chrono::NaiveDate,
) -> QueryResult<Option<CampaignId>> {
    campaigns::table
        .filter(campaigns::name.eq(name))
        .filter(campaigns::deadline.ge(from))
        .select(campaigns::id)
        .first(conn)
        .await
        .optional()
}

/// A campaign with its lifecycle columns.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = campaigns)]
pub struct CampaignRecord {
    pub id: CampaignId,
    pub name: String,
    pub template_version_id: Uuid,
    pub status: CampaignStatus,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub owner_user_id: Option<Uuid>,
    pub message: Option<String>,
    pub reminder_days_before: Vec<i32>,
    pub reminder_weekly_after: i32,
    pub link_grace_days: i32,
    pub audience: Option<serde_json::Value>,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// When its deadline was last changed (`None`: never); once it is open, its
    /// reminders count from then (`domain::reminders::counted_from`).
    pub deadline_changed_at: Option<DateTime<Utc>>,
}

impl CampaignRecord {
    /// Its reminder schedule (`domain::reminders`).
    pub fn reminder_schedule(&self) -> crate::domain::reminders::Schedule {
        crate::domain::reminders::Schedule {
            days_before: self.reminder_days_before.clone(),
            weekly_after: self.reminder_weekly_after,
        }
    }

    /// From when its schedule counts (`domain::reminders::counted_from`).
    pub fn reminders_from(&self) -> Option<DateTime<Utc>> {
        crate::domain::reminders::counted_from(
            self.status == CampaignStatus::Draft,
            self.launched_at,
            self.created_at,
            self.deadline_changed_at,
        )
    }
}

/// The lifecycle fields of a new campaign (the base row is inserted first).
#[allow(clippy::too_many_arguments)]
pub async fn set_details(
    conn: &mut Conn,
    id: CampaignId,
    owner: Option<Uuid>,
    message: Option<&str>,
    days_before: &[i32],
    weekly_after: i32,
    grace_days: i32,
    audience: Option<&serde_json::Value>,
) -> QueryResult<CampaignRecord> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::owner_user_id.eq(owner),
            campaigns::message.eq(message),
            campaigns::reminder_days_before.eq(days_before),
            campaigns::reminder_weekly_after.eq(weekly_after),
            campaigns::link_grace_days.eq(grace_days),
            campaigns::audience.eq(audience),
            campaigns::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CampaignRecord::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: CampaignId) -> QueryResult<Option<CampaignRecord>> {
    campaigns::table
        .find(id)
        .select(CampaignRecord::as_select())
        .first(conn)
        .await
        .optional()
}

/// The campaign, locked for the rest of the transaction (serialises launches, closes).
pub async fn lock(conn: &mut Conn, id: CampaignId) -> QueryResult<Option<CampaignRecord>> {
    campaigns::table
        .find(id)
        .for_update()
        .select(CampaignRecord::as_select())
        .first(conn)
        .await
        .optional()
}

/// All campaigns, newest first.
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<CampaignRecord>> {
    campaigns::table
        .order(campaigns::created_at.desc())
        .select(CampaignRecord::as_select())
        .load(conn)
        .await
}

pub async fn mark_launched(conn: &mut Conn, id: CampaignId) -> QueryResult<DateTime<Utc>> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::status.eq(CampaignStatus::Open),
            campaigns::launched_at.eq(diesel::dsl::now),
            campaigns::updated_at.eq(diesel::dsl::now),
        ))
        .returning(campaigns::launched_at.assume_not_null())
        .get_result(conn)
        .await
}

/// A new deadline; the campaign's active links last at least until `links_until`.
pub async fn set_deadline(
    conn: &mut Conn,
    id: CampaignId,
    deadline: NaiveDate,
    links_until: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::deadline.eq(deadline),
            campaigns::updated_at.eq(diesel::dsl::now),
            // A change before the campaign opened counts for nothing
            // (`domain::reminders::counted_from` takes the later of the two).
            campaigns::deadline_changed_at
                .eq(diesel::dsl::sql::<diesel::sql_types::Nullable<Timestamptz>>("now()")),
        ))
        .execute(conn)
        .await?;
    diesel::sql_query(
        "UPDATE invitations SET expires_at = $2 \
          WHERE campaign_id = $1 AND revoked_at IS NULL AND expires_at > now() AND expires_at < $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Timestamptz, _>(links_until)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Active links never used expire at the latest `grace_days` from now (a link not
/// used by then is not going to be); returns how many were shortened.
pub async fn close(conn: &mut Conn, id: CampaignId, grace_days: i32) -> QueryResult<usize> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::status.eq(CampaignStatus::Closed),
            campaigns::closed_at.eq(diesel::dsl::now),
            campaigns::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::sql_query(
        "UPDATE invitations SET expires_at = now() + make_interval(days => $2) \
          WHERE campaign_id = $1 AND revoked_at IS NULL AND last_used_at IS NULL \
            AND expires_at > now() + make_interval(days => $2)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(grace_days)
    .execute(conn)
    .await
}

/// The active organisations of an audience: picked ids (with `AudienceFilter::default()`),
/// or a filter (absent fields match everything).
pub async fn audience_organisations(
    conn: &mut Conn,
    picked: Option<&[Uuid]>,
    f: &crate::domain::campaign::AudienceFilter,
) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT o.id FROM organisations o \
          WHERE o.deactivated_at IS NULL \
            AND ($1::uuid[] IS NULL OR o.id = ANY($1)) \
            AND ($2::text IS NULL OR o.kind = $2) \
            AND ($3::text IS NULL OR o.country = $3) \
            AND ($4::text IS NULL OR o.sector = $4) \
            AND ($5::text IS NULL OR o.business_unit = $5) \
            AND ($6::uuid IS NULL OR o.owner_user_id = $6) \
            AND ($7::int4 IS NULL OR NOT EXISTS (SELECT 1 FROM responses r \
                  WHERE r.organisation_id = o.id \
                    AND r.submitted_at >= now() - make_interval(days => $7))) \
          ORDER BY o.id",
    )
    .bind::<Nullable<Array<SqlUuid>>, _>(picked)
    .bind::<Nullable<Text>, _>(f.kind.as_deref())
    .bind::<Nullable<Text>, _>(f.country.as_deref())
    .bind::<Nullable<Text>, _>(f.sector.as_deref())
    .bind::<Nullable<Text>, _>(f.business_unit.as_deref())
    .bind::<Nullable<SqlUuid>, _>(f.owner_user_id)
    .bind::<Nullable<Int4>, _>(f.not_answered_within_days)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// An organisation of an audience, with how many contacts a launch would email (active,
/// with a usable address, as [`contacts_to_invite`] picks them), and the audience's
/// totals (the same on every row).
#[derive(Debug, QueryableByName)]
pub struct AudienceMember {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub country: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub active_contacts: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub total_organisations: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub total_contacts: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub total_without_contacts: i64,
}

/// At most `limit` of `organisations` (those without a contact to email first, then by
/// name), each with its contacts counted, and the totals of all of them.
pub async fn audience_members(
    conn: &mut Conn,
    organisations: &[Uuid],
    limit: i64,
) -> QueryResult<Vec<AudienceMember>> {
    diesel::sql_query(concat!(
        "WITH counted AS ( \
             SELECT o.id, o.name, o.country::text AS country, \
                    count(c.id) FILTER (WHERE c.deactivated_at IS NULL AND ",
        usable_email_sql!("c.email"),
        ") AS active_contacts \
               FROM organisations o LEFT JOIN contacts c ON c.organisation_id = o.id \
              WHERE o.id = ANY($1::uuid[]) \
              GROUP BY o.id) \
         SELECT id, name, country, active_contacts, \
                count(*) OVER () AS total_organisations, \
                (sum(active_contacts) OVER ())::bigint AS total_contacts, \
                count(*) FILTER (WHERE active_contacts = 0) OVER () AS total_without_contacts \
           FROM counted \
          ORDER BY active_contacts = 0 DESC, name, id \
          LIMIT $2",
    ))
    .bind::<Array<SqlUuid>, _>(organisations)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

/// An active organisation that a campaign could go to.
#[derive(Debug, Clone, QueryableByName)]
pub struct Pickable {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub country: String,
    /// Its active contacts.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub contacts: i64,
}

/// Active organisations by name (at most `limit`), without those already in campaign
/// `outside` when given, whose name or reference contains `search` when given.
pub async fn pickable_organisations(
    conn: &mut Conn,
    outside: Option<CampaignId>,
    search: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Pickable>> {
    let pattern = search.map(|s| format!("%{}%", super::like_escaped(s)));
    diesel::sql_query(
        "SELECT o.id, o.name, o.country::text AS country, \
                (SELECT count(*) FROM contacts c WHERE c.organisation_id = o.id \
                    AND c.deactivated_at IS NULL) AS contacts \
           FROM organisations o \
          WHERE o.deactivated_at IS NULL \
            AND ($1::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM responses r \
                  WHERE r.campaign_id = $1 AND r.organisation_id = o.id)) \
            AND ($2::text IS NULL OR o.name ILIKE $2 OR o.external_ref ILIKE $2) \
          ORDER BY o.name, o.id LIMIT $3",
    )
    .bind::<Nullable<SqlUuid>, _>(outside)
    .bind::<Nullable<Text>, _>(pattern)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

/// How many organisations [`pickable_organisations`] would list without its limit.
pub async fn count_pickable(
    conn: &mut Conn,
    outside: Option<CampaignId>,
    search: Option<&str>,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let pattern = search.map(|s| format!("%{}%", super::like_escaped(s)));
    let row: Row = diesel::sql_query(
        "SELECT count(*) AS n FROM organisations o \
          WHERE o.deactivated_at IS NULL \
            AND ($1::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM responses r \
                  WHERE r.campaign_id = $1 AND r.organisation_id = o.id)) \
            AND ($2::text IS NULL OR o.name ILIKE $2 OR o.external_ref ILIKE $2)",
    )
    .bind::<Nullable<SqlUuid>, _>(outside)
    .bind::<Nullable<Text>, _>(pattern)
    .get_result(conn)
    .await?;
    Ok(row.n)
}

/// The active organisations among `ids`, by name (a draft form's picks).
pub async fn picked_organisations(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<Pickable>> {
    diesel::sql_query(
        "SELECT o.id, o.name, o.country::text AS country, \
                (SELECT count(*) FROM contacts c WHERE c.organisation_id = o.id \
                    AND c.deactivated_at IS NULL) AS contacts \
           FROM organisations o \
          WHERE o.deactivated_at IS NULL AND o.id = ANY($1::uuid[]) \
          ORDER BY o.name, o.id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await
}

/// A draft's own columns after an edit (its name, pinned questionnaire version and
/// deadline); only while it is a draft and still at `version` (its `updated_at` as the
/// edit read it). Returns whether a row was written.
pub async fn set_draft_basics(
    conn: &mut Conn,
    id: CampaignId,
    version: DateTime<Utc>,
    name: &str,
    template_version_id: Uuid,
    deadline: NaiveDate,
) -> QueryResult<bool> {
    diesel::update(
        campaigns::table
            .find(id)
            .filter(campaigns::status.eq(CampaignStatus::Draft))
            .filter(campaigns::updated_at.eq(version)),
    )
    .set((
        campaigns::name.eq(name),
        campaigns::template_version_id.eq(template_version_id),
        campaigns::deadline.eq(deadline),
        campaigns::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// A contact as a campaign's confirm page names it: with its organisation, and whether
/// it holds a link of the campaign that works now.
#[derive(Debug, Clone, QueryableByName)]
pub struct CampaignContact {
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    pub organisation_name: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Bool)]
    pub has_active_link: bool,
    /// Its organisation's response in the campaign is submitted.
    #[diesel(sql_type = Bool)]
    pub submitted: bool,
}

/// The contact `contact` with its organisation and its active link for `campaign`, if
/// its organisation is in the campaign (has a response in it); `None` otherwise.
pub async fn campaign_contact(
    conn: &mut Conn,
    campaign: CampaignId,
    contact: Uuid,
) -> QueryResult<Option<CampaignContact>> {
    diesel::sql_query(
        "SELECT o.id AS organisation_id, o.name AS organisation_name, \
                c.name AS contact_name, c.email::text AS email, \
                EXISTS (SELECT 1 FROM invitations i \
                         WHERE i.campaign_id = $1 AND i.contact_id = c.id \
                           AND i.revoked_at IS NULL AND i.expires_at > now()) AS has_active_link, \
                EXISTS (SELECT 1 FROM responses r \
                         WHERE r.campaign_id = $1 AND r.organisation_id = c.organisation_id \
                           AND r.status = 'submitted') AS submitted \
           FROM contacts c JOIN organisations o ON o.id = c.organisation_id \
          WHERE c.id = $2 \
            AND EXISTS (SELECT 1 FROM responses r \
                         WHERE r.campaign_id = $1 AND r.organisation_id = c.organisation_id)",
    )
    .bind::<SqlUuid, _>(campaign)
    .bind::<SqlUuid, _>(contact)
    .get_result(conn)
    .await
    .optional()
}

/// Deletes a draft (its picked organisations are in its row); never a launched
/// campaign. Returns whether a row was deleted.
pub async fn delete_draft(conn: &mut Conn, id: CampaignId) -> QueryResult<bool> {
    diesel::delete(
        campaigns::table
            .find(id)
            .filter(campaigns::status.eq(CampaignStatus::Draft)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// The organisations campaign `id` went to (those with a response in it): the active
/// ones by id, and how many of all of them are deactivated since.
pub async fn members(conn: &mut Conn, id: CampaignId) -> QueryResult<(Vec<Uuid>, usize)> {
    let rows: Vec<(Uuid, bool)> = responses::table
        .inner_join(organisations::table)
        .filter(responses::campaign_id.eq(id))
        .select((organisations::id, organisations::deactivated_at.is_null()))
        .order(organisations::id)
        .load(conn)
        .await?;
    let deactivated = rows.iter().filter(|(_, active)| !active).count();
    let active = rows
        .into_iter()
        .filter(|(_, a)| *a)
        .map(|(o, _)| o)
        .collect();
    Ok((active, deactivated))
}

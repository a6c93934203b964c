//! Campaign lifecycle queries (issue 8): the whole campaign row, the audience, the
//! set-based launch (responses, links and invitation emails for thousands of
//! organisations in a handful of statements), deadline, close and progress.

use super::schema::campaigns;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

type Conn = AsyncPgConnection;

/// A campaign with its lifecycle columns.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = campaigns)]
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub template_version_id: Uuid,
    pub status: String,
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
}

/// The lifecycle fields of a new campaign (the base row is inserted first).
#[allow(clippy::too_many_arguments)]
pub async fn set_details(
    conn: &mut Conn,
    id: Uuid,
    owner: Option<Uuid>,
    message: Option<&str>,
    days_before: &[i32],
    weekly_after: i32,
    grace_days: i32,
    audience: Option<&serde_json::Value>,
) -> QueryResult<CampaignRow> {
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
        .returning(CampaignRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: Uuid) -> QueryResult<Option<CampaignRow>> {
    campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The campaign, locked for the rest of the transaction (serialises launches, closes).
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<CampaignRow>> {
    campaigns::table
        .find(id)
        .for_update()
        .select(CampaignRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// All campaigns, newest first.
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<CampaignRow>> {
    campaigns::table
        .order(campaigns::created_at.desc())
        .select(CampaignRow::as_select())
        .load(conn)
        .await
}

pub async fn mark_launched(conn: &mut Conn, id: Uuid) -> QueryResult<DateTime<Utc>> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::status.eq("open"),
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
    id: Uuid,
    deadline: NaiveDate,
    links_until: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::deadline.eq(deadline),
            campaigns::updated_at.eq(diesel::dsl::now),
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
pub async fn close(conn: &mut Conn, id: Uuid, grace_days: i32) -> QueryResult<usize> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::status.eq("closed"),
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

/// The active organisations of an audience: picked ids, or a filter (absent fields
/// match everything).
#[allow(clippy::too_many_arguments)]
pub async fn audience_organisations(
    conn: &mut Conn,
    picked: Option<&[Uuid]>,
    kind: Option<&str>,
    country: Option<&str>,
    sector: Option<&str>,
    business_unit: Option<&str>,
    owner: Option<Uuid>,
) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id FROM organisations \
          WHERE deactivated_at IS NULL \
            AND ($1::uuid[] IS NULL OR id = ANY($1)) \
            AND ($2::text IS NULL OR kind = $2) \
            AND ($3::text IS NULL OR country = $3) \
            AND ($4::text IS NULL OR sector = $4) \
            AND ($5::text IS NULL OR business_unit = $5) \
            AND ($6::uuid IS NULL OR owner_user_id = $6) \
          ORDER BY id",
    )
    .bind::<Nullable<Array<SqlUuid>>, _>(picked)
    .bind::<Nullable<Text>, _>(kind)
    .bind::<Nullable<Text>, _>(country)
    .bind::<Nullable<Text>, _>(sector)
    .bind::<Nullable<Text>, _>(business_unit)
    .bind::<Nullable<SqlUuid>, _>(owner)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// One response (draft) per organisation that has none in the campaign, in one
/// statement; returns how many were created.
pub async fn insert_responses(
    conn: &mut Conn,
    campaign_id: Uuid,
    organisations: &[Uuid],
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO responses (id, campaign_id, organisation_id, created_at, updated_at) \
         SELECT gen_random_uuid(), $1, o, now(), now() FROM unnest($2::uuid[]) AS o \
         ON CONFLICT (campaign_id, organisation_id) DO NOTHING",
    )
    .bind::<SqlUuid, _>(campaign_id)
    .bind::<Array<SqlUuid>, _>(organisations)
    .execute(conn)
    .await
}

/// A contact to invite: active, in one of the organisations, with a well-formed email
/// and no active link for the campaign yet.
#[derive(Debug, Clone, QueryableByName)]
pub struct ToInvite {
    #[diesel(sql_type = SqlUuid)]
    pub contact_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub response_id: Uuid,
    #[diesel(sql_type = Text)]
    pub language: String,
    /// False when the address would be refused by the outbox (no link is issued).
    #[diesel(sql_type = Bool)]
    pub email_ok: bool,
}

/// The contacts of `organisations` (all active ones, or only `contacts` when given)
/// that have no active link for the campaign.
pub async fn contacts_to_invite(
    conn: &mut Conn,
    campaign_id: Uuid,
    organisations: &[Uuid],
    contacts: Option<&[Uuid]>,
) -> QueryResult<Vec<ToInvite>> {
    diesel::sql_query(
        "SELECT c.id AS contact_id, c.organisation_id, r.id AS response_id, c.language, \
                (c.email ~ '^[^@[:space:]]+@[^@[:space:]]+$') AS email_ok \
           FROM contacts c \
           JOIN responses r ON r.campaign_id = $1 AND r.organisation_id = c.organisation_id \
          WHERE c.organisation_id = ANY($2::uuid[]) AND c.deactivated_at IS NULL \
            AND ($3::uuid[] IS NULL OR c.id = ANY($3)) \
            AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.campaign_id = $1 \
                              AND i.contact_id = c.id AND i.revoked_at IS NULL) \
          ORDER BY c.organisation_id, c.id",
    )
    .bind::<SqlUuid, _>(campaign_id)
    .bind::<Array<SqlUuid>, _>(organisations)
    .bind::<Nullable<Array<SqlUuid>>, _>(contacts)
    .load(conn)
    .await
}

/// New links and their invitation emails, column-wise (one entry per link).
#[derive(Debug, Default)]
pub struct NewLinks {
    pub invitation_ids: Vec<Uuid>,
    pub organisation_ids: Vec<Uuid>,
    pub contact_ids: Vec<Uuid>,
    pub response_ids: Vec<Uuid>,
    pub token_hashes: Vec<String>,
    pub languages: Vec<String>,
    /// The `send_email` job (and outbox row) of each link's invitation email.
    pub job_ids: Vec<Uuid>,
}

/// Inserts the links, one `send_email` job per link (dedup key `invitation:<id>`) and
/// its outbox row (purpose `invitation`, body rendered when sent: the link is never
/// stored), in three set-based statements.
pub async fn insert_links(
    conn: &mut Conn,
    campaign_id: Uuid,
    links: &NewLinks,
    expires_at: DateTime<Utc>,
    link_key_id: i32,
    subject: &str,
    send_email: bool,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO invitations (id, campaign_id, organisation_id, contact_id, response_id, \
                                  token_sha256, language, created_at, expires_at, link_key_id) \
         SELECT t.i, $1, t.o, t.c, t.r, t.h, t.l, now(), $8, $9 \
           FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[]) \
                AS t(i, o, c, r, h, l)",
    )
    .bind::<SqlUuid, _>(campaign_id)
    .bind::<Array<SqlUuid>, _>(&links.invitation_ids)
    .bind::<Array<SqlUuid>, _>(&links.organisation_ids)
    .bind::<Array<SqlUuid>, _>(&links.contact_ids)
    .bind::<Array<SqlUuid>, _>(&links.response_ids)
    .bind::<Array<Text>, _>(&links.token_hashes)
    .bind::<Array<Text>, _>(&links.languages)
    .bind::<Timestamptz, _>(expires_at)
    .bind::<Int4, _>(link_key_id)
    .execute(conn)
    .await?;
    if !send_email {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO jobs (id, kind, payload, run_at, dedup_key, max_attempts) \
         SELECT t.j, 'send_email', '{}'::jsonb, now(), 'invitation:' || t.i, 8 \
           FROM unnest($1::uuid[], $2::uuid[]) AS t(j, i)",
    )
    .bind::<Array<SqlUuid>, _>(&links.job_ids)
    .bind::<Array<SqlUuid>, _>(&links.invitation_ids)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO email_outbox (id, job_id, to_address, subject, text_body, purpose, \
                                   campaign_id, invitation_id, contact_id) \
         SELECT t.j, t.j, c.email, $4, '', 'invitation', $5, t.i, t.c \
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(j, i, c) \
           JOIN contacts c ON c.id = t.c",
    )
    .bind::<Array<SqlUuid>, _>(&links.job_ids)
    .bind::<Array<SqlUuid>, _>(&links.invitation_ids)
    .bind::<Array<SqlUuid>, _>(&links.contact_ids)
    .bind::<Text, _>(subject)
    .bind::<SqlUuid, _>(campaign_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// What an invitation email needs at send time.
#[derive(Debug, Clone, QueryableByName)]
pub struct InvitationMail {
    #[diesel(sql_type = SqlUuid)]
    pub invitation_id: Uuid,
    #[diesel(sql_type = Text)]
    pub to_address: String,
    #[diesel(sql_type = Text)]
    pub contact_name: String,
    #[diesel(sql_type = Text)]
    pub organisation_name: String,
    #[diesel(sql_type = Text)]
    pub campaign_name: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub deadline: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub message: Option<String>,
    #[diesel(sql_type = Text)]
    pub language: String,
    #[diesel(sql_type = Bool)]
    pub usable: bool,
}

/// The invitation email behind outbox message `job_id`, if it is one.
pub async fn invitation_mail(conn: &mut Conn, job_id: Uuid) -> QueryResult<Option<InvitationMail>> {
    diesel::sql_query(
        "SELECT i.id AS invitation_id, e.to_address, c.name AS contact_name, \
                o.name AS organisation_name, k.name AS campaign_name, k.deadline, k.message, \
                i.language, (i.revoked_at IS NULL AND i.expires_at > now()) AS usable \
           FROM email_outbox e \
           JOIN invitations i ON i.id = e.invitation_id \
           JOIN contacts c ON c.id = i.contact_id \
           JOIN organisations o ON o.id = i.organisation_id \
           JOIN campaigns k ON k.id = i.campaign_id \
          WHERE e.job_id = $1 AND e.purpose = 'invitation'",
    )
    .bind::<SqlUuid, _>(job_id)
    .get_result(conn)
    .await
    .optional()
}

/// The outbox row of one invitation email (job `job_id` was just queued): body
/// rendered when sent.
pub async fn insert_invitation_email(
    conn: &mut Conn,
    job_id: Uuid,
    invitation_id: Uuid,
    contact_id: Uuid,
    campaign_id: Uuid,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO email_outbox (id, job_id, to_address, subject, text_body, purpose, \
                                   campaign_id, invitation_id, contact_id) \
         SELECT $1, $1, c.email, left('Questionnaire: ' || k.name, 300), '', 'invitation', \
                k.id, $2, c.id \
           FROM contacts c, campaigns k WHERE c.id = $3 AND k.id = $4",
    )
    .bind::<SqlUuid, _>(job_id)
    .bind::<SqlUuid, _>(invitation_id)
    .bind::<SqlUuid, _>(contact_id)
    .bind::<SqlUuid, _>(campaign_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Whether a staff account `id` exists (a campaign owner must be one).
pub async fn user_exists(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    use super::schema::users;
    diesel::select(diesel::dsl::exists(users::table.find(id)))
        .get_result(conn)
        .await
}

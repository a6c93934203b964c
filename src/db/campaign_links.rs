//! The launch's writes: a campaign's responses (one draft per organisation) and links
//! (one per active contact), set-based whatever the audience's size.
//!
//! Who still needs a link is read one table at a time and matched here, not in one
//! join: the launch reads the responses it has just written, which no statistics can
//! know yet, and contacts imported minutes before may still be counted as the empty
//! table they were at the last `ANALYZE`. With both, PostgreSQL read every contact once
//! for each new response (a launch to 45,000 organisations was still running after ten
//! minutes). Each statement here goes to one table by its own index or one scan, so none
//! can multiply another.

use super::schema::{invitations, responses};
use super::Conn;
use crate::domain::i18n::Lang;
use crate::domain::ids::CampaignId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One response (draft) per organisation that has none in the campaign, in one
/// statement; returns how many were created.
pub async fn insert_responses(
    conn: &mut Conn,
    campaign_id: CampaignId,
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

/// An active contact of one of the organisations.
#[derive(Debug, Clone, QueryableByName)]
struct ActiveContact {
    #[diesel(sql_type = SqlUuid)]
    contact_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    language: Lang,
    #[diesel(sql_type = Bool)]
    email_ok: bool,
}

/// A contact to invite: active, in one of the organisations, with no active link for
/// the campaign yet.
#[derive(Debug, Clone)]
pub struct ToInvite {
    pub contact_id: Uuid,
    pub organisation_id: Uuid,
    pub response_id: Uuid,
    pub language: Lang,
    /// False when the address would be refused by the outbox (no link is issued).
    pub email_ok: bool,
}

/// The active contacts of `organisations` (those with a response in the campaign) that
/// have no active link for it, by organisation and contact.
pub async fn contacts_to_invite(
    conn: &mut Conn,
    campaign_id: CampaignId,
    organisations: &[Uuid],
) -> QueryResult<Vec<ToInvite>> {
    let contacts: Vec<ActiveContact> = diesel::sql_query(concat!(
        "SELECT id AS contact_id, organisation_id, language, (",
        usable_email_sql!("email"),
        ") AS email_ok \
           FROM contacts WHERE organisation_id = ANY($1::uuid[]) AND deactivated_at IS NULL \
          ORDER BY organisation_id, id",
    ))
    .bind::<Array<SqlUuid>, _>(organisations)
    .load(conn)
    .await?;
    let response_of: HashMap<Uuid, Uuid> = responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .filter(responses::organisation_id.eq_any(organisations))
        .select((responses::organisation_id, responses::id))
        .load::<(Uuid, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let contact_ids: Vec<Uuid> = contacts.iter().map(|c| c.contact_id).collect();
    let linked: HashSet<Uuid> = invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::contact_id.eq_any(&contact_ids))
        .filter(invitations::revoked_at.is_null())
        .select(invitations::contact_id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(contacts
        .into_iter()
        .filter(|c| !linked.contains(&c.contact_id))
        .filter_map(|c| {
            Some(ToInvite {
                response_id: *response_of.get(&c.organisation_id)?,
                contact_id: c.contact_id,
                organisation_id: c.organisation_id,
                language: c.language,
                email_ok: c.email_ok,
            })
        })
        .collect())
}

/// New links, column-wise (one entry per link).
#[derive(Debug, Default)]
pub struct NewLinks {
    pub invitation_ids: Vec<Uuid>,
    pub organisation_ids: Vec<Uuid>,
    pub contact_ids: Vec<Uuid>,
    pub response_ids: Vec<Uuid>,
    pub token_hashes: Vec<String>,
    pub languages: Vec<Lang>,
}

/// Inserts the links in one set-based statement, whatever their number.
pub async fn insert_links(
    conn: &mut Conn,
    campaign_id: CampaignId,
    links: &NewLinks,
    expires_at: DateTime<Utc>,
    link_key_id: i32,
) -> QueryResult<usize> {
    let languages: Vec<&str> = links.languages.iter().map(|l| l.code()).collect();
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
    .bind::<Array<Text>, _>(&languages)
    .bind::<Timestamptz, _>(expires_at)
    .bind::<Int4, _>(link_key_id)
    .execute(conn)
    .await
}

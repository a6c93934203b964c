//! Invitations: the personal links. Only the SHA-256 of a link token is stored.

use super::models::*;
use super::prepared::Prepare;
use super::schema::*;
use super::Conn;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Whose active links [`revoke_active`] revokes.
#[derive(Debug, Clone, Copy)]
pub enum LinksOf {
    /// A contact's in one campaign (a re-send, a hand-over, a staff revoke).
    ContactIn(CampaignId, ContactId),
    /// A contact's in every campaign (the contact was deactivated).
    Contact(ContactId),
    /// Every contact's of an organisation, in every campaign (it was deactivated).
    Organisation(OrganisationId),
}

/// Revokes the active links of `of`; returns how many.
pub async fn revoke_active(conn: &mut Conn, of: LinksOf) -> QueryResult<usize> {
    let q = diesel::update(invitations::table)
        .into_boxed()
        .filter(invitations::revoked_at.is_null());
    let q = match of {
        LinksOf::ContactIn(campaign, contact) => q
            .filter(invitations::campaign_id.eq(campaign))
            .filter(invitations::contact_id.eq(contact)),
        LinksOf::Contact(contact) => q.filter(invitations::contact_id.eq(contact)),
        // Found through its contacts' links (`invitations (contact_id, …)`): the
        // organisation's id alone would read every link of every campaign.
        LinksOf::Organisation(org) => q.filter(
            invitations::contact_id.eq_any(
                contacts::table
                    .filter(contacts::organisation_id.eq(org))
                    .select(contacts::id),
            ),
        ),
    };
    q.set(invitations::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await
}

pub async fn insert_invitation(conn: &mut Conn, inv: &Invitation) -> QueryResult<()> {
    diesel::insert_into(invitations::table)
        .values(inv)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Inserts the link a hand-over made, recording the contact it came from (`from`), whom
/// its email names.
pub async fn insert_handed_over(
    conn: &mut Conn,
    inv: &Invitation,
    from: ContactId,
) -> QueryResult<()> {
    diesel::insert_into(invitations::table)
        .values((inv, invitations::handed_over_by.eq(from)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Everything a usable link opens, in one query: the invitation (not revoked, not
/// expired), its campaign, organisation and contact (the composite foreign key makes the
/// contact one of that organisation's).
pub async fn find_link(conn: &mut Conn, token_sha256: &str) -> QueryResult<Option<Link>> {
    usable_links(token_sha256, Utc::now())
        .select((
            Invitation::as_select(),
            Campaign::as_select(),
            Organisation::as_select(),
            Contact::as_select(),
            campaigns::message,
        ))
        .first(conn)
        .await
        .optional()
}

/// A usable link: the invitation, its campaign, organisation and contact, and the
/// campaign's message to respondents.
pub type Link = (Invitation, Campaign, Organisation, Contact, Option<String>);

/// The invitation of `token_sha256` if neither revoked nor expired at `now`, joined to
/// its campaign, organisation and contact: the source of both link reads.
#[diesel::dsl::auto_type]
fn usable_links<'a>(token_sha256: &'a str, now: chrono::DateTime<Utc>) -> _ {
    invitations::table
        .inner_join(campaigns::table)
        .inner_join(organisations::table)
        .inner_join(contacts::table)
        .filter(invitations::token_sha256.eq(token_sha256))
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
}

/// What [`find_link_page`] reads: the link as [`find_link`] gives it, its response, and
/// the response's answers with their meta and its revision.
pub type LinkPage = (Link, Response, super::responses::StoredAnswers);

/// A usable link with its response and the response's answers, in **one statement**
/// (a page's read and a draft save's read, without a transaction): the answers come as
/// one JSON array built by a subquery, so the link's columns are not repeated per answer.
pub async fn find_link_page(conn: &mut Conn, token_sha256: &str) -> QueryResult<Option<LinkPage>> {
    type Row = (
        Invitation,
        Campaign,
        Organisation,
        Contact,
        Option<String>,
        Response,
        i64,
        serde_json::Value,
    );
    let row: Option<Row> = usable_links(token_sha256, Utc::now())
        .inner_join(responses::table)
        .select((
            Invitation::as_select(),
            Campaign::as_select(),
            Organisation::as_select(),
            Contact::as_select(),
            campaigns::message,
            Response::as_select(),
            responses::revision,
            super::responses::AnswersJson,
        ))
        .first(conn)
        .await
        .optional()?;
    row.map(|(i, c, o, k, message, response, revision, answers)| {
        Ok((
            (i, c, o, k, message),
            response,
            super::responses::StoredAnswers::from_json(revision, answers)?,
        ))
    })
    .transpose()
}

/// Sets the link's `last_used_at` to now (and `first_opened_at`, the first time) unless
/// it was set after `since`, and when it was written puts an "opened" event on the
/// organisation's timeline, in one statement; returns whether the row was written. The
/// condition is in the `WHERE` clause, so two requests at once write at most once.
pub async fn record_link_use(
    conn: &mut Conn,
    id: InvitationId,
    response_id: ResponseId,
    since: chrono::DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::sql_query(
        "WITH used AS ( \
             UPDATE invitations SET last_used_at = now(), \
                    first_opened_at = coalesce(first_opened_at, now()) \
              WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3) \
             RETURNING id) \
         INSERT INTO response_events (response_id, invitation_id, kind) \
         SELECT $2, id, 'opened' FROM used",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Uuid, _>(response_id)
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .prepared()
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// A link that exists but no longer opens the form (revoked or expired): the
/// invitation, to check a form's CSRF token against, and the questionnaire version its
/// campaign is pinned to. `None` for a token never issued.
pub async fn find_dead_link(
    conn: &mut Conn,
    token_sha256: &str,
) -> QueryResult<Option<(Invitation, Uuid)>> {
    invitations::table
        .inner_join(campaigns::table)
        .filter(invitations::token_sha256.eq(token_sha256))
        .filter(
            invitations::revoked_at
                .is_not_null()
                .or(invitations::expires_at.le(Utc::now())),
        )
        .select((Invitation::as_select(), campaigns::template_version_id))
        .first(conn)
        .await
        .optional()
}

/// Remembers the language the respondent picked for this link.
pub async fn set_chosen_language(
    conn: &mut Conn,
    id: InvitationId,
    language: crate::domain::i18n::Lang,
) -> QueryResult<()> {
    diesel::update(invitations::table.find(id))
        .set(invitations::chosen_language.eq(language))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The language of an invitation's emails, if it exists.
pub async fn language_of(
    conn: &mut Conn,
    id: InvitationId,
) -> QueryResult<Option<crate::domain::i18n::Lang>> {
    invitations::table
        .find(id)
        .select(invitations::language)
        .first(conn)
        .await
        .optional()
}

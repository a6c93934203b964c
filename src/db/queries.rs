//! Queries, one small function each. Lookups that a respondent's link drives always take
//! the owning ids, so a missing access check cannot be written by accident.

use super::models::*;
use super::schema::*;
use crate::domain::answers::Answers;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

type Conn = AsyncPgConnection;

// ---- organisations and contacts -------------------------------------------------------

pub async fn insert_organisation(conn: &mut Conn, org: &Organisation) -> QueryResult<Organisation> {
    diesel::insert_into(organisations::table)
        .values(org)
        .returning(Organisation::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_organisation(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_contact(conn: &mut Conn, contact: &Contact) -> QueryResult<Contact> {
    diesel::insert_into(contacts::table)
        .values(contact)
        .returning(Contact::as_returning())
        .get_result(conn)
        .await
}

/// A contact, only if it belongs to `organisation_id`.
pub async fn find_contact_of(
    conn: &mut Conn,
    contact_id: Uuid,
    organisation_id: Uuid,
) -> QueryResult<Option<Contact>> {
    contacts::table
        .filter(contacts::id.eq(contact_id))
        .filter(contacts::organisation_id.eq(organisation_id))
        .select(Contact::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn contacts_of(conn: &mut Conn, organisation_id: Uuid) -> QueryResult<Vec<Contact>> {
    contacts::table
        .filter(contacts::organisation_id.eq(organisation_id))
        .order(contacts::created_at.asc())
        .select(Contact::as_select())
        .load(conn)
        .await
}

// ---- questionnaire versions -----------------------------------------------------------

pub async fn find_template_version(
    conn: &mut Conn,
    template_id: &str,
    version: i32,
) -> QueryResult<Option<TemplateVersion>> {
    template_versions::table
        .filter(template_versions::template_id.eq(template_id))
        .filter(template_versions::version.eq(version))
        .select(TemplateVersion::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_template_version(conn: &mut Conn, v: &TemplateVersion) -> QueryResult<()> {
    diesel::insert_into(questionnaire_templates::table)
        .values(questionnaire_templates::id.eq(&v.template_id))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    diesel::insert_into(template_versions::table)
        .values(v)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn all_template_versions(conn: &mut Conn) -> QueryResult<Vec<TemplateVersion>> {
    template_versions::table
        .order((
            template_versions::template_id.asc(),
            template_versions::version.asc(),
        ))
        .select(TemplateVersion::as_select())
        .load(conn)
        .await
}

// ---- campaigns, responses, invitations ------------------------------------------------

pub async fn insert_campaign(conn: &mut Conn, c: &Campaign) -> QueryResult<Campaign> {
    diesel::insert_into(campaigns::table)
        .values(c)
        .returning(Campaign::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_campaign(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .await
        .optional()
}

/// The organisation's response in the campaign, created as a draft if missing.
pub async fn ensure_response(
    conn: &mut Conn,
    campaign_id: Uuid,
    organisation_id: Uuid,
) -> QueryResult<Response> {
    let now = Utc::now();
    diesel::insert_into(responses::table)
        .values((
            responses::id.eq(Uuid::new_v4()),
            responses::campaign_id.eq(campaign_id),
            responses::organisation_id.eq(organisation_id),
            responses::created_at.eq(now),
            responses::updated_at.eq(now),
        ))
        .on_conflict((responses::campaign_id, responses::organisation_id))
        .do_nothing()
        .execute(conn)
        .await?;
    responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .filter(responses::organisation_id.eq(organisation_id))
        .select(Response::as_select())
        .first(conn)
        .await
}

pub async fn find_response(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Response>> {
    responses::table
        .find(id)
        .select(Response::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the response row for the rest of the transaction (serialises saves).
pub async fn lock_response(conn: &mut Conn, id: Uuid) -> QueryResult<Response> {
    responses::table
        .find(id)
        .for_update()
        .select(Response::as_select())
        .first(conn)
        .await
}

pub async fn mark_submitted(
    conn: &mut Conn,
    id: Uuid,
    contact_id: Uuid,
    language: &str,
    answers_sha256: &str,
) -> QueryResult<Response> {
    let now = Utc::now();
    diesel::update(responses::table.find(id))
        .set((
            responses::status.eq("submitted"),
            responses::submitted_at.eq(now),
            responses::submitted_by_contact_id.eq(contact_id),
            responses::language.eq(language),
            responses::answers_sha256.eq(answers_sha256),
            responses::updated_at.eq(now),
        ))
        .returning(Response::as_returning())
        .get_result(conn)
        .await
}

pub async fn touch_response(conn: &mut Conn, id: Uuid, language: &str) -> QueryResult<()> {
    diesel::update(responses::table.find(id))
        .set((
            responses::updated_at.eq(Utc::now()),
            responses::language.eq(language),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Revokes the contact's active link for the campaign, if any; returns how many.
pub async fn revoke_active_invitations(
    conn: &mut Conn,
    campaign_id: Uuid,
    contact_id: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        invitations::table
            .filter(invitations::campaign_id.eq(campaign_id))
            .filter(invitations::contact_id.eq(contact_id))
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(Utc::now()))
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

/// Everything a usable link opens, in one query: the invitation (not revoked, not
/// expired), its campaign, organisation and contact (the composite foreign key makes the
/// contact one of that organisation's).
pub async fn find_link(
    conn: &mut Conn,
    token_sha256: &str,
) -> QueryResult<Option<(Invitation, Campaign, Organisation, Contact)>> {
    invitations::table
        .inner_join(campaigns::table)
        .inner_join(organisations::table)
        .inner_join(contacts::table)
        .filter(invitations::token_sha256.eq(token_sha256))
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(Utc::now()))
        .select((
            Invitation::as_select(),
            Campaign::as_select(),
            Organisation::as_select(),
            Contact::as_select(),
        ))
        .first(conn)
        .await
        .optional()
}

/// Sets the link's `last_used_at` to now unless it was set after `since`; returns
/// whether the row was written. The condition is in the `WHERE` clause, so two requests
/// at once write at most once.
pub async fn record_link_use(
    conn: &mut Conn,
    id: Uuid,
    since: chrono::DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        invitations::table.find(id).filter(
            invitations::last_used_at
                .is_null()
                .or(invitations::last_used_at.lt(since)),
        ),
    )
    .set((
        invitations::last_used_at.eq(Utc::now()),
        // Progress: when the link was first opened.
        invitations::first_opened_at.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
        >("coalesce(first_opened_at, now())")),
    ))
    .execute(conn)
    .await
    .map(|n| n > 0)
}

// ---- answers, evidence, flags ---------------------------------------------------------

pub async fn load_answers(conn: &mut Conn, response_id: Uuid) -> QueryResult<Answers> {
    let rows: Vec<(String, serde_json::Value)> = answers::table
        .filter(answers::response_id.eq(response_id))
        .select((answers::question_id, answers::value))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Makes the stored answers equal to `new`: upserts changed values, deletes the rest.
pub async fn replace_answers(
    conn: &mut Conn,
    response_id: Uuid,
    new: &Answers,
    contact_id: Uuid,
) -> QueryResult<()> {
    let keep: Vec<&String> = new.keys().collect();
    diesel::delete(
        answers::table
            .filter(answers::response_id.eq(response_id))
            .filter(answers::question_id.ne_all(keep)),
    )
    .execute(conn)
    .await?;
    if new.is_empty() {
        return Ok(());
    }
    let (ids, values): (Vec<String>, Vec<serde_json::Value>) =
        new.iter().map(|(q, v)| (q.clone(), v.clone())).unzip();
    // Only a changed value moves `answered_by` and `updated_at`: attribution stays with
    // whoever actually gave the answer.
    diesel::sql_query(
        "INSERT INTO answers (response_id, question_id, value, answered_by_contact_id, updated_at) \
         SELECT $1, q, v, $2, now() FROM unnest($3::text[], $4::jsonb[]) AS t(q, v) \
         ON CONFLICT (response_id, question_id) DO UPDATE \
         SET value = excluded.value, answered_by_contact_id = excluded.answered_by_contact_id, updated_at = excluded.updated_at \
         WHERE answers.value IS DISTINCT FROM excluded.value",
    )
    .bind::<diesel::sql_types::Uuid, _>(response_id)
    .bind::<diesel::sql_types::Uuid, _>(contact_id)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(ids)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Jsonb>, _>(values)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_evidence(conn: &mut Conn, file: &NewEvidenceFile) -> QueryResult<()> {
    diesel::insert_into(evidence_files::table)
        .values(file)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The stored evidence files of a response: id and size in bytes.
pub async fn evidence_sizes(conn: &mut Conn, response_id: Uuid) -> QueryResult<Vec<(Uuid, i32)>> {
    evidence_files::table
        .filter(evidence_files::response_id.eq(response_id))
        .select((evidence_files::id, evidence_files::size_bytes))
        .load(conn)
        .await
}

/// Deletes the response's evidence files other than `keep` (files no answer refers to
/// any more: replaced by a new upload, or of a question no longer answered).
pub async fn delete_evidence_except(
    conn: &mut Conn,
    response_id: Uuid,
    keep: &[Uuid],
) -> QueryResult<usize> {
    diesel::delete(
        evidence_files::table
            .filter(evidence_files::response_id.eq(response_id))
            .filter(evidence_files::id.ne_all(keep)),
    )
    .execute(conn)
    .await
}

/// An evidence file's name, type and bytes, only if it belongs to `response_id`.
pub async fn find_evidence_of(
    conn: &mut Conn,
    file_id: Uuid,
    response_id: Uuid,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    evidence_files::table
        .filter(evidence_files::id.eq(file_id))
        .filter(evidence_files::response_id.eq(response_id))
        .select((
            evidence_files::file_name,
            evidence_files::content_type,
            evidence_files::content,
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn insert_flags(conn: &mut Conn, rows: &[Flag]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(flags::table)
        .values(rows)
        .on_conflict((flags::response_id, flags::question_id, flags::rule_index))
        .do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// An organisation's latest submitted response to each questionnaire (whatever the
/// version): `(response id, questionnaire id, version, submitted at)`, by questionnaire.
pub async fn latest_submitted_responses(
    conn: &mut Conn,
    organisation_id: Uuid,
) -> QueryResult<Vec<(Uuid, String, i32, Option<chrono::DateTime<Utc>>)>> {
    responses::table
        .inner_join(campaigns::table.inner_join(template_versions::table))
        .filter(responses::organisation_id.eq(organisation_id))
        .filter(responses::status.eq("submitted"))
        .distinct_on(template_versions::template_id)
        .order((
            template_versions::template_id.asc(),
            responses::submitted_at.desc(),
            responses::id.asc(),
        ))
        .select((
            responses::id,
            template_versions::template_id,
            template_versions::version,
            responses::submitted_at,
        ))
        .load(conn)
        .await
}

/// The flags of several responses, worst first.
pub async fn flags_of_responses(conn: &mut Conn, response_ids: &[Uuid]) -> QueryResult<Vec<Flag>> {
    flags::table
        .filter(flags::response_id.eq_any(response_ids))
        .order((
            flags::score.desc(),
            flags::response_id.asc(),
            flags::question_id.asc(),
            flags::rule_index.asc(),
        ))
        .select(Flag::as_select())
        .load(conn)
        .await
}

pub async fn flags_of(conn: &mut Conn, response_id: Uuid) -> QueryResult<Vec<Flag>> {
    flags::table
        .filter(flags::response_id.eq(response_id))
        .order((
            flags::score.desc(),
            flags::question_id.asc(),
            flags::rule_index.asc(),
        ))
        .select(Flag::as_select())
        .load(conn)
        .await
}

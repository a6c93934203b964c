//! Contacts as the staff pages and the CSV import manage them: with their deactivation,
//! and always addressed together with their organisation (`WHERE id = … AND
//! organisation_id = …`), so a contact of another organisation cannot be reached.

use super::models::ContactRecord;
use super::schema::contacts;
use super::Conn;
use crate::domain::i18n::Lang;
use crate::domain::ids::{ContactId, OrganisationId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::HashMap;

/// A contact's fields as written by an edit or an import.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactChanges<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub language: Lang,
    pub job_title: Option<&'a str>,
}

/// All contacts of the organisations, active first, then by name.
pub async fn records_of(
    conn: &mut Conn,
    org_ids: &[OrganisationId],
) -> QueryResult<Vec<ContactRecord>> {
    contacts::table
        .filter(contacts::organisation_id.eq_any(org_ids))
        .order((
            contacts::deactivated_at.is_not_null(),
            contacts::name.asc(),
            contacts::id.asc(),
        ))
        .select(ContactRecord::as_select())
        .load(conn)
        .await
}

/// The emails of contacts by id, for naming who made audit entries (a reader of the
/// whole log; not an organisation's page, so not scoped to one organisation).
pub async fn emails_of(
    conn: &mut Conn,
    ids: &[ContactId],
) -> QueryResult<Vec<(ContactId, String)>> {
    contacts::table
        .filter(contacts::id.eq_any(ids))
        .select((contacts::id, contacts::email))
        .load(conn)
        .await
}

/// Active contacts per organisation, for the list.
pub async fn active_counts(
    conn: &mut Conn,
    org_ids: &[OrganisationId],
) -> QueryResult<HashMap<OrganisationId, i64>> {
    let rows: Vec<(OrganisationId, i64)> = contacts::table
        .filter(contacts::organisation_id.eq_any(org_ids))
        .filter(contacts::deactivated_at.is_null())
        .group_by(contacts::organisation_id)
        .select((contacts::organisation_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A contact, only if it belongs to the organisation.
pub async fn find_record(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    contact_id: ContactId,
) -> QueryResult<Option<ContactRecord>> {
    contacts::table
        .filter(contacts::id.eq(contact_id))
        .filter(contacts::organisation_id.eq(organisation_id))
        .select(ContactRecord::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut Conn,
    id: ContactId,
    organisation_id: OrganisationId,
    changes: &ContactChanges<'_>,
) -> QueryResult<()> {
    diesel::insert_into(contacts::table)
        .values((
            contacts::id.eq(id),
            contacts::organisation_id.eq(organisation_id),
            contacts::name.eq(changes.name),
            contacts::email.eq(changes.email),
            contacts::language.eq(changes.language),
            contacts::job_title.eq(changes.job_title),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Updates a contact of the organisation; the number of rows changed (0: not its).
pub async fn update(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    contact_id: ContactId,
    changes: &ContactChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(
        contacts::table
            .filter(contacts::id.eq(contact_id))
            .filter(contacts::organisation_id.eq(organisation_id)),
    )
    .set((changes, contacts::updated_at.eq(Utc::now())))
    .execute(conn)
    .await
}

/// Deactivates (`Some(when)`) or reactivates (`None`) a contact of the organisation.
pub async fn set_deactivated(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    contact_id: ContactId,
    at: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    diesel::update(
        contacts::table
            .filter(contacts::id.eq(contact_id))
            .filter(contacts::organisation_id.eq(organisation_id)),
    )
    .set((
        contacts::deactivated_at.eq(at),
        contacts::updated_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await
}

//! Organisations and their contacts. A contact is looked up only together with its
//! organisation, so a missing access check cannot be written by accident.

use super::models::*;
use super::schema::*;
use super::Conn;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

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

/// The organisation with this external reference (the demo finds its supplier so).
pub async fn find_organisation_by_ref(
    conn: &mut Conn,
    external_ref: &str,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::external_ref.eq(external_ref))
        .select(Organisation::as_select())
        .first(conn)
        .await
        .optional()
}

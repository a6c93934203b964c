//! An organisation CSV file kept between its preview and its confirmation (migration
//! `…000085`). Only its uploader finds it, and only within its lifetime.

use super::schema::org_import_uploads;
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// An upload kept between preview and confirmation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = org_import_uploads)]
pub struct Upload {
    pub id: Uuid,
    pub user_id: Uuid,
    pub file_name: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// Deletes the uploads older than `expired_before`.
pub async fn delete_expired(conn: &mut Conn, expired_before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        org_import_uploads::table.filter(org_import_uploads::created_at.lt(expired_before)),
    )
    .execute(conn)
    .await
}

pub async fn insert(conn: &mut Conn, upload: &Upload) -> QueryResult<()> {
    diesel::insert_into(org_import_uploads::table)
        .values(upload)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The user's upload, if it is newer than `not_before`; locked, so two confirmations of
/// one upload run one after the other (the second finds it gone).
pub async fn lock(
    conn: &mut Conn,
    id: Uuid,
    user_id: Uuid,
    not_before: DateTime<Utc>,
) -> QueryResult<Option<Upload>> {
    org_import_uploads::table
        .filter(org_import_uploads::id.eq(id))
        .filter(org_import_uploads::user_id.eq(user_id))
        .filter(org_import_uploads::created_at.ge(not_before))
        .select(Upload::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::delete(org_import_uploads::table.find(id))
        .execute(conn)
        .await
        .map(|_| ())
}

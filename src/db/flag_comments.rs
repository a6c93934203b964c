//! Comments on flags (`flag_comments`).

use super::models::FlagComment;
use super::schema::{flag_comments, users};
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert(conn: &mut Conn, row: &FlagComment) -> QueryResult<()> {
    diesel::insert_into(flag_comments::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The comments on a flag, oldest first, with their authors' names.
pub async fn of_flag(
    conn: &mut Conn,
    flag_id: Uuid,
) -> QueryResult<Vec<(FlagComment, DateTime<Utc>, String)>> {
    flag_comments::table
        .inner_join(users::table.on(users::id.eq(flag_comments::author_id)))
        .filter(flag_comments::flag_id.eq(flag_id))
        .order((flag_comments::created_at.asc(), flag_comments::id.asc()))
        .select((
            FlagComment::as_select(),
            flag_comments::created_at,
            users::name,
        ))
        .load(conn)
        .await
}

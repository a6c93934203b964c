//! Comments on flags (`flag_comments`).

use super::models::FlagComment;
use super::schema::{flag_comments, users};
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Stores a comment with the token of the form it was posted from (if any).
pub async fn insert(
    conn: &mut Conn,
    row: &FlagComment,
    form_token: Option<Uuid>,
) -> QueryResult<()> {
    diesel::insert_into(flag_comments::table)
        .values((row, flag_comments::form_token.eq(form_token)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Whether `author` already posted a comment from the form carrying `form_token`.
pub async fn posted_from(conn: &mut Conn, author: Uuid, form_token: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        flag_comments::table
            .filter(flag_comments::author_id.eq(author))
            .filter(flag_comments::form_token.eq(form_token)),
    ))
    .get_result(conn)
    .await
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

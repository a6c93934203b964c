//! Password-reset links (only the SHA-256 of a link's token is stored).

use super::schema::{password_reset_tokens, users};
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Reset links created for the user after `since`.
pub async fn count_links_since(
    conn: &mut Conn,
    user_id: Uuid,
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    password_reset_tokens::table
        .filter(password_reset_tokens::user_id.eq(user_id))
        .filter(password_reset_tokens::created_at.gt(since))
        .count()
        .get_result(conn)
        .await
}

pub async fn insert_link(
    conn: &mut Conn,
    token_sha256: &str,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(password_reset_tokens::table)
        .values((
            password_reset_tokens::token_sha256.eq(token_sha256),
            password_reset_tokens::user_id.eq(user_id),
            password_reset_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Spends every unused link of the user; returns how many.
pub async fn spend_links_of(conn: &mut Conn, user_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        password_reset_tokens::table
            .filter(password_reset_tokens::user_id.eq(user_id))
            .filter(password_reset_tokens::used_at.is_null()),
    )
    .set(password_reset_tokens::used_at.eq(Utc::now()))
    .execute(conn)
    .await
}

/// `(user id, email)` of a usable link: unused, unexpired, account enabled.
pub async fn find_usable_link(
    conn: &mut Conn,
    token_sha256: &str,
) -> QueryResult<Option<(Uuid, String)>> {
    password_reset_tokens::table
        .inner_join(users::table)
        .filter(password_reset_tokens::token_sha256.eq(token_sha256))
        .filter(password_reset_tokens::used_at.is_null())
        .filter(password_reset_tokens::expires_at.gt(Utc::now()))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::email))
        .first(conn)
        .await
        .optional()
}

/// The user of an unused, unexpired link, with the link's row locked for the rest of
/// the transaction (two submissions cannot both use it).
pub async fn lock_unused_link(conn: &mut Conn, token_sha256: &str) -> QueryResult<Option<Uuid>> {
    password_reset_tokens::table
        .filter(password_reset_tokens::token_sha256.eq(token_sha256))
        .filter(password_reset_tokens::used_at.is_null())
        .filter(password_reset_tokens::expires_at.gt(Utc::now()))
        .select(password_reset_tokens::user_id)
        .for_update()
        .first(conn)
        .await
        .optional()
}

//! API tokens: only the SHA-256 of a token is stored.

use super::models::ApiToken;
use super::schema::{api_tokens, users};
use super::Conn;
use crate::domain::role::Role;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn list(conn: &mut Conn) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)
        .await
}

pub async fn insert(
    conn: &mut Conn,
    name: &str,
    token_sha256: &str,
    role: Role,
    created_by: Uuid,
) -> QueryResult<ApiToken> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(Uuid::new_v4()),
            api_tokens::name.eq(name),
            api_tokens::token_sha256.eq(token_sha256),
            api_tokens::role.eq(role),
            api_tokens::created_by.eq(created_by),
        ))
        .returning(ApiToken::as_returning())
        .get_result(conn)
        .await
}

/// Revokes an active token; whether there was one.
pub async fn revoke(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Revokes every active token `user_id` created; returns their `(id, name)`.
pub async fn revoke_created_by(conn: &mut Conn, user_id: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::created_by.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Utc::now()))
    .returning((api_tokens::id, api_tokens::name))
    .get_results(conn)
    .await
}

/// `(id, name, role)` of the usable token with this hash: not revoked, and its creator
/// not disabled (tokens made by the system, `created_by` NULL, belong to no user).
pub async fn find_usable(
    conn: &mut Conn,
    token_sha256: &str,
) -> QueryResult<Option<(Uuid, String, Role)>> {
    api_tokens::table
        .left_join(users::table.on(api_tokens::created_by.eq(users::id.nullable())))
        .filter(api_tokens::token_sha256.eq(token_sha256))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::created_by
                .is_null()
                .or(users::disabled_at.is_null()),
        )
        .select((api_tokens::id, api_tokens::name, api_tokens::role))
        .first(conn)
        .await
        .optional()
}

pub async fn touch(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Utc::now()))
        .execute(conn)
        .await
        .map(|_| ())
}

//! Staff sessions: only the SHA-256 of the cookie's token is stored.

use super::schema::{staff_sessions, users};
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// A new session row.
pub struct NewSession {
    pub token_sha256: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn insert(conn: &mut Conn, new: NewSession) -> QueryResult<()> {
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::id.eq(Uuid::new_v4()),
            staff_sessions::token_sha256.eq(new.token_sha256),
            staff_sessions::user_id.eq(new.user_id),
            staff_sessions::csrf_token.eq(new.csrf_token),
            staff_sessions::created_at.eq(new.created_at),
            staff_sessions::last_seen_at.eq(new.created_at),
            staff_sessions::expires_at.eq(new.expires_at),
            staff_sessions::ip.eq(new.ip),
            staff_sessions::user_agent.eq(new.user_agent),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A live session and its user, as [`find_live`] reads them.
#[derive(Debug, Clone, Queryable)]
pub struct LiveSession {
    pub session_id: Uuid,
    pub csrf_token: String,
    pub last_seen_at: DateTime<Utc>,
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: crate::domain::role::Role,
    pub must_change_password: bool,
}

/// The session of a token hash, if it is not revoked, not past `expires_at`, seen after
/// `idle_since`, and its account is enabled.
pub async fn find_live(
    conn: &mut Conn,
    token_sha256: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> QueryResult<Option<LiveSession>> {
    staff_sessions::table
        .inner_join(users::table)
        .filter(staff_sessions::token_sha256.eq(token_sha256))
        .filter(staff_sessions::revoked_at.is_null())
        .filter(staff_sessions::expires_at.gt(now))
        .filter(staff_sessions::last_seen_at.gt(idle_since))
        .filter(users::disabled_at.is_null())
        .select((
            staff_sessions::id,
            staff_sessions::csrf_token,
            staff_sessions::last_seen_at,
            users::id,
            users::email,
            users::name,
            users::role,
            users::must_change_password,
        ))
        .first(conn)
        .await
        .optional()
}

/// Moves the session's idle clock to `now`.
pub async fn touch(conn: &mut Conn, session_id: Uuid, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(staff_sessions::table.find(session_id))
        .set(staff_sessions::last_seen_at.eq(now))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Ends one session.
pub async fn revoke(conn: &mut Conn, session_id: Uuid) -> QueryResult<()> {
    diesel::update(
        staff_sessions::table
            .find(session_id)
            .filter(staff_sessions::revoked_at.is_null()),
    )
    .set(staff_sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Ends every session of a user, except `keep`; returns how many ended.
pub async fn revoke_all(conn: &mut Conn, user_id: Uuid, keep: Option<Uuid>) -> QueryResult<usize> {
    let mut query = diesel::update(staff_sessions::table)
        .filter(staff_sessions::user_id.eq(user_id))
        .filter(staff_sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(staff_sessions::id.ne(keep));
    }
    query
        .set(staff_sessions::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await
}

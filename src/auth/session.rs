//! Server-side staff sessions: the cookie holds a random token, the database holds its
//! SHA-256, so a session can be revoked at once (logout, logout everywhere, a disabled
//! account) and a stolen database gives no usable cookie.

use super::principal::StaffUser;
use super::{new_token, permissions::Role, token_sha256};
use crate::db::schema::{staff_sessions, users};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Name of the session cookie.
pub const COOKIE: &str = "hrdd_session";
/// A session unused for this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, used or not.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

/// Starts a session; returns the cookie value (shown once, never stored).
pub async fn create(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    ip: Option<String>,
    user_agent: Option<String>,
) -> QueryResult<String> {
    let token = new_token();
    let now = Utc::now();
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::id.eq(Uuid::new_v4()),
            staff_sessions::token_sha256.eq(token_sha256(&token)),
            staff_sessions::user_id.eq(user_id),
            staff_sessions::csrf_token.eq(new_token()),
            staff_sessions::created_at.eq(now),
            staff_sessions::last_seen_at.eq(now),
            staff_sessions::expires_at.eq(now + ABSOLUTE_TIMEOUT),
            staff_sessions::ip.eq(ip),
            staff_sessions::user_agent
                .eq(user_agent.map(|u| u.chars().take(300).collect::<String>())),
        ))
        .execute(conn)
        .await?;
    Ok(token)
}

/// The user of a live session: not revoked, not past either timeout, account enabled.
/// Refreshes the idle clock.
pub async fn lookup(conn: &mut AsyncPgConnection, token: &str) -> QueryResult<Option<StaffUser>> {
    if token.len() != 43 {
        return Ok(None);
    }
    let now = Utc::now();
    type Row = (
        Uuid,
        String,
        DateTime<Utc>,
        Uuid,
        String,
        String,
        String,
        bool,
    );
    let row: Option<Row> = staff_sessions::table
        .inner_join(users::table)
        .filter(staff_sessions::token_sha256.eq(token_sha256(token)))
        .filter(staff_sessions::revoked_at.is_null())
        .filter(staff_sessions::expires_at.gt(now))
        .filter(staff_sessions::last_seen_at.gt(now - IDLE_TIMEOUT))
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
        .optional()?;
    let Some((session_id, csrf_token, last_seen, user_id, email, name, role, must_change_password)) =
        row
    else {
        return Ok(None);
    };
    // One write a minute at most per session.
    if now - last_seen > Duration::minutes(1) {
        diesel::update(staff_sessions::table.find(session_id))
            .set(staff_sessions::last_seen_at.eq(now))
            .execute(conn)
            .await?;
    }
    Ok(Role::parse(&role).map(|role| StaffUser {
        id: user_id,
        email,
        name,
        role,
        must_change_password,
        session_id,
        csrf_token,
    }))
}

/// Ends one session.
pub async fn revoke(conn: &mut AsyncPgConnection, session_id: Uuid) -> QueryResult<()> {
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
pub async fn revoke_all(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> QueryResult<usize> {
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

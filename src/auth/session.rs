//! Server-side staff sessions: the cookie holds a random token, the database holds its
//! SHA-256, so a session can be revoked at once (logout, logout everywhere, a disabled
//! account) and a stolen database gives no usable cookie. The rows are in
//! [`crate::db::sessions`]; this module holds the rules (timeouts, refresh).

use super::principal::StaffUser;
use super::{new_token, token_sha256};
use crate::db::{self, Conn, DbError};
use crate::domain::token;
use chrono::{Duration, Utc};
use uuid::Uuid;

/// Name of the session cookie.
pub const COOKIE: &str = "hrdd_session";
/// A session unused for this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, used or not.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

/// Starts a session; returns the cookie value (shown once, never stored).
pub async fn create(
    conn: &mut Conn,
    user_id: Uuid,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<String, DbError> {
    let token = new_token();
    let now = Utc::now();
    db::sessions::insert(
        conn,
        db::sessions::NewSession {
            token_sha256: token_sha256(&token),
            user_id,
            csrf_token: new_token(),
            created_at: now,
            expires_at: now + ABSOLUTE_TIMEOUT,
            ip,
            user_agent: user_agent.map(|u| u.chars().take(300).collect::<String>()),
        },
    )
    .await?;
    Ok(token)
}

/// The user of a live session: not revoked, not past either timeout, account enabled.
/// Refreshes the idle clock.
pub async fn lookup(conn: &mut Conn, token: &str) -> Result<Option<StaffUser>, DbError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    let now = Utc::now();
    let Some(live) =
        db::sessions::find_live(conn, &token_sha256(token), now, now - IDLE_TIMEOUT).await?
    else {
        return Ok(None);
    };
    // One write a minute at most per session.
    if now - live.last_seen_at > Duration::minutes(1) {
        db::sessions::touch(conn, live.session_id, now).await?;
    }
    Ok(Some(StaffUser {
        id: live.user_id,
        email: live.email,
        name: live.name,
        role: live.role,
        must_change_password: live.must_change_password,
        session_id: live.session_id,
        csrf_token: live.csrf_token,
    }))
}

/// Ends one session.
pub async fn revoke(conn: &mut Conn, session_id: Uuid) -> Result<(), DbError> {
    db::sessions::revoke(conn, session_id).await
}

/// Ends every session of a user, except `keep`; returns how many ended.
pub async fn revoke_all(
    conn: &mut Conn,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<usize, DbError> {
    db::sessions::revoke_all(conn, user_id, keep).await
}

//! Signing in and out, and changing one's own password.

use super::store_password;
use crate::auth::{password, session, throttle};
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::{self, Conn, Pool};
use crate::error::AppError;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

/// A successful sign-in: the session cookie value and whether a new password is due.
pub struct SignedIn {
    pub cookie: String,
    pub must_change_password: bool,
}

/// Checks the delays and records the attempt (`auth::throttle::reserve_attempt`); a
/// caller who must wait gets [`AppError::TooManyAttempts`].
async fn reserve(conn: &mut Conn, email: &str, source: &str) -> Result<i64, AppError> {
    throttle::reserve_attempt(conn, email, source)
        .await?
        .map_err(AppError::TooManyAttempts)
}

/// Checks a password with throttling; records the attempt and the audit entry.
///
/// Takes the pool, not a connection: no connection is held while the password is
/// verified (argon2 waits for a slot on the blocking pool; holding connections meanwhile
/// would starve every other request).
pub async fn sign_in(
    pool: &Pool,
    key: &AuditKey,
    email: &str,
    pass: &str,
    ip: &str,
    user_agent: Option<String>,
) -> Result<SignedIn, AppError> {
    let email = email.trim().to_lowercase();
    let (attempt, found) = {
        let mut conn = pool.get().await?;
        // Check and record under the account's lock: parallel guesses cannot all pass
        // the check before the first is recorded. Refused attempts are not recorded.
        let attempt = reserve(&mut conn, &email, ip).await?;
        (attempt, db::users::credentials(&mut conn, &email).await?)
    };
    let ok = match &found {
        Some(user) => {
            password::verify_async(pass, &user.password_hash).await && user.disabled_at.is_none()
        }
        None => {
            password::verify_dummy_async(pass).await;
            false
        }
    };
    let email_for_tx = email.clone();
    let ip_owned = ip.to_string();
    let mut conn = pool.get().await?;
    // The transaction returns the failure as a value, not an `Err`: an `Err` would roll
    // back the audit entry.
    db::transaction::<_, AppError, _>(&mut conn, key, |tx| {
        async move {
            match (&found, ok) {
                (Some(user), true) => {
                    throttle::mark_succeeded(tx, attempt).await?;
                    let cookie =
                        session::create(tx, user.id, Some(ip_owned.clone()), user_agent).await?;
                    audit::append(
                        tx,
                        &Actor::Staff(user.id.to_string()),
                        "login.succeeded",
                        "user",
                        user.id,
                        json!({"ip": ip_owned}),
                    )
                    .await?;
                    Ok(Some(SignedIn {
                        cookie,
                        must_change_password: user.must_change_password,
                    }))
                }
                _ => {
                    let subject = found
                        .as_ref()
                        .map(|f| f.id.to_string())
                        .unwrap_or_else(|| email_for_tx.clone());
                    audit::append(
                        tx,
                        &Actor::System,
                        "login.failed",
                        "user",
                        subject,
                        json!({"email": email_for_tx, "ip": ip_owned}),
                    )
                    .await?;
                    Ok(None)
                }
            }
        }
        .scope_boxed()
    })
    .await?
    .ok_or_else(|| AppError::BadRequest("wrong email or password".into()))
}

pub async fn sign_out(
    conn: &mut Conn,
    key: &AuditKey,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<(), AppError> {
    // The revocation and its entry commit together (and `append` needs the transaction).
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            session::revoke(tx, session_id).await?;
            audit::append(
                tx,
                &Actor::Staff(user_id.to_string()),
                "logout",
                "user",
                user_id,
                json!({}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// Ends every other session of the user ("sign out everywhere else").
pub async fn sign_out_elsewhere(
    conn: &mut Conn,
    key: &AuditKey,
    user_id: Uuid,
    keep: Uuid,
) -> Result<usize, AppError> {
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let n = session::revoke_all(tx, user_id, Some(keep)).await?;
            audit::append(
                tx,
                &Actor::Staff(user_id.to_string()),
                "sessions.revoked",
                "user",
                user_id,
                json!({"sessions_ended": n}),
            )
            .await?;
            Ok(n)
        }
        .scope_boxed()
    })
    .await
}

/// Sets a new password after checking the current one; ends the user's other sessions.
pub async fn change_password(
    conn: &mut Conn,
    key: &AuditKey,
    user_id: Uuid,
    session_id: Uuid,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let (email, hash) = db::users::email_and_hash(conn, user_id).await?;
    // Guessing the current password from a stolen session is throttled like sign-in
    // (checked and recorded under the account's lock).
    let attempt = reserve(conn, &email, throttle::CHANGE_PASSWORD_SOURCE).await?;
    if !password::verify_async(current, &hash).await {
        return Err(AppError::field(
            "current_password",
            "this is not your current password",
        ));
    }
    throttle::mark_succeeded(conn, attempt).await?;
    if current == new {
        return Err(AppError::field(
            "new_password",
            "choose a password different from the current one",
        ));
    }
    if let Some(problem) = password::policy_problem(new, &email) {
        return Err(AppError::field("new_password", problem));
    }
    let new_hash = password::hash_async(new).await;
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            store_password(
                tx,
                user_id,
                new_hash,
                Some(session_id),
                "password.changed",
            )
            .await
        }
        .scope_boxed()
    })
    .await
}

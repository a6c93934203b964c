//! Staff accounts: creating users, roles, disabling, signing in and out, changing and
//! resetting passwords, and API tokens. Every change is in the audit log.

use super::Conn;
use crate::auth::permissions::Role;
use crate::auth::{new_token, password, session, throttle, token_sha256};
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::schema::{api_tokens, password_reset_tokens, users};
use crate::db::Tx;
use crate::domain::i18n::Lang;
use crate::domain::text;
use crate::email::templates::PasswordReset;
use crate::error::AppError;
use crate::jobs::{send_email, Jobs, Kind, NewJob};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// Reset emails sent to one account per hour at most (no mail-bombing through the form).
pub const MAX_RESETS_PER_HOUR: i64 = 3;

/// How long a password-reset link works.
pub const RESET_TOKEN_LIFETIME: Duration = Duration::minutes(30);

/// A staff account as listed on the users page.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub must_change_password: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn list_users(conn: &mut Conn) -> Result<Vec<User>, AppError> {
    Ok(users::table
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
        .await?)
}

fn valid_email(email: &str) -> bool {
    use validator::ValidateEmail;
    email.len() <= 254 && email.validate_email()
}

/// Creates an account. Without `password` a one-time password is generated and returned,
/// and the user must change it at first sign-in.
pub async fn create_user(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    email: &str,
    name: &str,
    role: Role,
    password: Option<&str>,
) -> Result<(User, Option<String>), AppError> {
    let email = text::clean_single_line("email", email)?.to_lowercase();
    if !valid_email(&email) {
        return Err(AppError::field("email", "must be an email address"));
    }
    // The name lands in email bodies: one line, no control or bidi characters.
    let name = &text::clean_single_line("name", name)?;
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::field(
            "name",
            "give a name of 1 to 200 characters",
        ));
    }
    let (secret, one_time) = match password {
        Some(p) => {
            if let Some(problem) = password::policy_problem(p, &email) {
                return Err(AppError::field("password", problem));
            }
            (p.to_string(), None)
        }
        None => {
            let p = password::one_time();
            (p.clone(), Some(p))
        }
    };
    let hash = password::hash_async(&secret).await;
    let id = Uuid::new_v4();
    let must_change = one_time.is_some();
    let user = crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let user = diesel::insert_into(users::table)
                .values((
                    users::id.eq(id),
                    users::email.eq(&email),
                    users::name.eq(name),
                    users::role.eq(role.as_str()),
                    users::password_hash.eq(hash),
                    users::must_change_password.eq(must_change),
                ))
                .returning(User::as_returning())
                .get_result(tx.conn())
                .await
                .map_err(|e| match AppError::from(e) {
                    AppError::Conflict(_) => {
                        AppError::field("email", "an account with this email already exists")
                    }
                    other => other,
                })?;
            audit::append(
                tx,
                actor,
                "user.created",
                "user",
                id,
                json!({"email": email, "role": role.as_str()}),
            )
            .await?;
            Ok(user)
        }
        .scope_boxed()
    })
    .await?;
    Ok((user, one_time))
}

/// Changes a user's role; takes effect on their next request.
pub async fn change_role(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    user_id: Uuid,
    role: Role,
) -> Result<(), AppError> {
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let old = lock_role(tx, user_id).await?;
            if old == role.as_str() {
                return Ok(());
            }
            if old == "admin" {
                ensure_another_admin(tx, user_id).await?;
            }
            diesel::update(users::table.find(user_id))
                .set((
                    users::role.eq(role.as_str()),
                    users::updated_at.eq(Utc::now()),
                ))
                .execute(tx.conn())
                .await?;
            audit::append(
                tx,
                actor,
                "user.role_changed",
                "user",
                user_id,
                json!({"from": old, "to": role.as_str()}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// A user's role, with the row locked for the rest of the transaction.
async fn lock_role(conn: &mut Conn, user_id: Uuid) -> Result<String, AppError> {
    users::table
        .find(user_id)
        .select(users::role)
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound("user"))
}

async fn ensure_another_admin(conn: &mut Conn, except: Uuid) -> Result<(), AppError> {
    let others: i64 = users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled_at.is_null())
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
        .await?;
    if others == 0 {
        Err(AppError::Conflict(
            "this is the last active admin: make someone else admin first".into(),
        ))
    } else {
        Ok(())
    }
}

/// Disables (ending every session at once) or re-enables an account.
pub async fn set_disabled(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    user_id: Uuid,
    disabled: bool,
) -> Result<(), AppError> {
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let role = lock_role(tx, user_id).await?;
            if disabled && role == "admin" {
                ensure_another_admin(tx, user_id).await?;
            }
            diesel::update(users::table.find(user_id))
                .set((
                    users::disabled_at.eq(disabled.then(Utc::now)),
                    users::updated_at.eq(Utc::now()),
                ))
                .execute(tx.conn())
                .await?;
            let ended = if disabled {
                session::revoke_all(tx, user_id, None).await?
            } else {
                0
            };
            let revoked_tokens = if disabled {
                revoke_tokens_created_by(tx, actor, user_id).await?
            } else {
                0
            };
            let action = if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            };
            audit::append(
                tx,
                actor,
                action,
                "user",
                user_id,
                json!({"sessions_ended": ended, "api_tokens_revoked": revoked_tokens}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// Revokes every active API token `user_id` created, each with its own audit entry; the
/// caller's transaction disables the user. Re-enabling the user does not bring them back.
async fn revoke_tokens_created_by(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user_id: Uuid,
) -> Result<usize, AppError> {
    let revoked: Vec<(Uuid, String)> = diesel::update(
        api_tokens::table
            .filter(api_tokens::created_by.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Utc::now()))
    .returning((api_tokens::id, api_tokens::name))
    .get_results(tx.conn())
    .await?;
    for (id, name) in &revoked {
        audit::append(
            tx,
            actor,
            "api_token.revoked",
            "api_token",
            id,
            json!({"name": name, "reason": "creator disabled", "creator": user_id}),
        )
        .await?;
    }
    Ok(revoked.len())
}

/// A successful sign-in: the session cookie value and whether a new password is due.
pub struct SignedIn {
    pub cookie: String,
    pub must_change_password: bool,
}

/// Checks a password with throttling; records the attempt and the audit entry.
///
/// Takes the pool, not a connection: no connection is held while the password is
/// verified (argon2 waits for a slot on the blocking pool; holding connections meanwhile
/// would starve every other request).
pub async fn sign_in(
    pool: &crate::db::Pool,
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
        let attempt = match throttle::reserve_attempt(&mut conn, &email, ip).await? {
            Ok(attempt) => attempt,
            Err(wait) => return Err(AppError::TooManyAttempts(wait)),
        };
        let found: Option<(Uuid, String, bool, Option<DateTime<Utc>>)> = users::table
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = ")
                    .bind::<diesel::sql_types::Text, _>(&email),
            )
            .select((
                users::id,
                users::password_hash,
                users::must_change_password,
                users::disabled_at,
            ))
            .first(&mut conn)
            .await
            .optional()?;
        (attempt, found)
    };
    let ok = match &found {
        Some((_, hash, _, disabled)) => {
            password::verify_async(pass, hash).await && disabled.is_none()
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
    crate::db::transaction::<_, AppError, _>(&mut conn, key, |tx| {
        async move {
            match (&found, ok) {
                (Some((id, _, must_change, _)), true) => {
                    throttle::mark_succeeded(tx, attempt).await?;
                    let cookie =
                        session::create(tx, *id, Some(ip_owned.clone()), user_agent).await?;
                    audit::append(
                        tx,
                        &Actor::Staff(id.to_string()),
                        "login.succeeded",
                        "user",
                        id,
                        json!({"ip": ip_owned}),
                    )
                    .await?;
                    Ok(Some(SignedIn {
                        cookie,
                        must_change_password: *must_change,
                    }))
                }
                _ => {
                    let subject = found
                        .as_ref()
                        .map(|f| f.0.to_string())
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
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
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
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
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
    let (email, hash): (String, String) = users::table
        .find(user_id)
        .select((users::email, users::password_hash))
        .first(conn)
        .await?;
    // Guessing the current password from a stolen session is throttled like sign-in
    // (checked and recorded under the account's lock).
    let attempt =
        match throttle::reserve_attempt(conn, &email, throttle::CHANGE_PASSWORD_SOURCE).await? {
            Ok(attempt) => attempt,
            Err(wait) => return Err(AppError::TooManyAttempts(wait)),
        };
    let current_ok = password::verify_async(current, &hash).await;
    if current_ok {
        throttle::mark_succeeded(conn, attempt).await?;
    }
    if !current_ok {
        return Err(AppError::field(
            "current_password",
            "this is not your current password",
        ));
    }
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
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
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

/// Stores a new password hash, clears the one-time-password flag, ends the user's
/// sessions except `keep`, spends their reset links, and records `action`. Runs inside the caller's transaction.
async fn store_password(
    tx: &mut Tx<'_>,
    user_id: Uuid,
    new_hash: String,
    keep: Option<Uuid>,
    action: &str,
) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(new_hash),
            users::must_change_password.eq(false),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(tx.conn())
        .await?;
    let ended = session::revoke_all(tx, user_id, keep).await?;
    // A new password, however it was set, spends every outstanding reset link: a link
    // mailed before the change must not set the password again.
    let links_spent = diesel::update(
        password_reset_tokens::table
            .filter(password_reset_tokens::user_id.eq(user_id))
            .filter(password_reset_tokens::used_at.is_null()),
    )
    .set(password_reset_tokens::used_at.eq(Utc::now()))
    .execute(tx.conn())
    .await?;
    audit::append(
        tx,
        &Actor::Staff(user_id.to_string()),
        action,
        "user",
        user_id,
        json!({"sessions_ended": ended, "reset_links_spent": links_spent}),
    )
    .await?;
    Ok(())
}

/// Queues a reset request for `email` as a `password_reset` job. The request does the
/// same work whatever the address (one job row); the job ([`handle_reset_request`], run
/// by the worker) looks the account up and queues the email. So neither the answer nor
/// its timing tells who has an account.
pub async fn request_reset(conn: &mut Conn, jobs: &Jobs, email: &str) -> Result<(), AppError> {
    // No account has a longer address; the cut keeps the payload small.
    let email: String = email.trim().to_lowercase().chars().take(254).collect();
    jobs.enqueue(
        conn,
        NewJob::new(Kind::PasswordReset, json!({ "email": email })),
    )
    .await?;
    // Committed (no transaction is open here): wake the worker.
    jobs.wake();
    Ok(())
}

/// The `password_reset` job: emails a reset link if the address belongs to an enabled
/// account, within the hourly cap; the token, the `send_email` job and the audit entry
/// are written in one transaction. Returns whether an email was queued.
pub async fn handle_reset_request(
    conn: &mut Conn,
    key: &AuditKey,
    jobs: &Jobs,
    email: &str,
    public_base_url: &str,
) -> Result<bool, AppError> {
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move { reset_in_tx(tx, jobs, email, public_base_url).await }.scope_boxed()
    })
    .await
}

async fn reset_in_tx(
    tx: &mut Tx<'_>,
    jobs: &Jobs,
    email: &str,
    public_base_url: &str,
) -> Result<bool, AppError> {
    let found: Option<(Uuid, String, String)> = users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = ")
                .bind::<diesel::sql_types::Text, _>(&email),
        )
        .filter(users::disabled_at.is_null())
        .select((users::id, users::email, users::name))
        .first(tx.conn())
        .await
        .optional()?;
    let Some((user_id, address, name)) = found else {
        return Ok(false);
    };
    let recent: i64 = password_reset_tokens::table
        .filter(password_reset_tokens::user_id.eq(user_id))
        .filter(password_reset_tokens::created_at.gt(Utc::now() - Duration::hours(1)))
        .count()
        .get_result(tx.conn())
        .await?;
    if recent >= MAX_RESETS_PER_HOUR {
        tracing::warn!(%user_id, "password reset requests over the hourly limit; no email sent");
        return Ok(false);
    }
    let token = new_token();
    let link = format!("{public_base_url}/password/reset/{token}");
    // Staff accounts have no language setting yet: English.
    let message = PasswordReset {
        lang: Lang::En,
        name,
        link,
        minutes: RESET_TOKEN_LIFETIME.num_minutes(),
    }
    .render(&address)
    .map_err(|e| AppError::Internal(e.into()))?;
    diesel::insert_into(password_reset_tokens::table)
        .values((
            password_reset_tokens::token_sha256.eq(token_sha256(&token)),
            password_reset_tokens::user_id.eq(user_id),
            password_reset_tokens::expires_at.eq(Utc::now() + RESET_TOKEN_LIFETIME),
        ))
        .execute(tx.conn())
        .await?;
    send_email::queue(tx, jobs, &message, None).await?;
    audit::append(
        tx,
        &Actor::System,
        "password_reset.requested",
        "user",
        user_id,
        json!({}),
    )
    .await?;
    Ok(true)
}

/// Whether a reset token is usable (unused, unexpired, account enabled).
pub async fn reset_token_valid(conn: &mut Conn, token: &str) -> Result<bool, AppError> {
    Ok(usable_reset(conn, token).await?.is_some())
}

async fn usable_reset(conn: &mut Conn, token: &str) -> QueryResult<Option<(Uuid, String)>> {
    password_reset_tokens::table
        .inner_join(users::table)
        .filter(password_reset_tokens::token_sha256.eq(token_sha256(token)))
        .filter(password_reset_tokens::used_at.is_null())
        .filter(password_reset_tokens::expires_at.gt(Utc::now()))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::email))
        .first(conn)
        .await
        .optional()
}

/// Sets a new password from a reset link; the link is spent and every session ends.
pub async fn complete_reset(
    conn: &mut Conn,
    key: &AuditKey,
    token: &str,
    new: &str,
) -> Result<(), AppError> {
    let hash_of_token = token_sha256(token);
    let new = new.to_string();
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            // Lock the token row so two submissions cannot both use it.
            let locked: Option<Uuid> = password_reset_tokens::table
                .filter(password_reset_tokens::token_sha256.eq(&hash_of_token))
                .filter(password_reset_tokens::used_at.is_null())
                .filter(password_reset_tokens::expires_at.gt(Utc::now()))
                .select(password_reset_tokens::user_id)
                .for_update()
                .first(tx.conn())
                .await
                .optional()?;
            let Some(user_id) = locked else {
                return Err(AppError::BadRequest(
                    "this reset link has expired or was already used: ask for a new one".into(),
                ));
            };
            let (email, disabled): (String, Option<DateTime<Utc>>) = users::table
                .find(user_id)
                .select((users::email, users::disabled_at))
                .first(tx.conn())
                .await?;
            if disabled.is_some() {
                return Err(AppError::BadRequest(
                    "this reset link has expired or was already used: ask for a new one".into(),
                ));
            }
            if let Some(problem) = password::policy_problem(&new, &email) {
                return Err(AppError::field("new_password", problem));
            }
            // The reset proves the mailbox: the account's sign-in delays end.
            throttle::record_reset(tx, &email.to_lowercase()).await?;
            let new_hash = password::hash_async(&new).await;
            store_password(tx, user_id, new_hash, None, "password.reset").await
        }
        .scope_boxed()
    })
    .await
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn list_api_tokens(conn: &mut Conn) -> Result<Vec<ApiToken>, AppError> {
    Ok(api_tokens::table
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)
        .await?)
}

/// Creates an API token; the secret is returned once and only its hash is kept.
pub async fn create_api_token(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    created_by: Uuid,
    name: &str,
    role: Role,
) -> Result<(ApiToken, String), AppError> {
    let name = text::clean_single_line("name", name)?;
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field(
            "name",
            "give a name of 1 to 100 characters",
        ));
    }
    let secret = new_token();
    let hash = token_sha256(&secret);
    let token = crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let t = diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::id.eq(Uuid::new_v4()),
                    api_tokens::name.eq(&name),
                    api_tokens::token_sha256.eq(hash),
                    api_tokens::role.eq(role.as_str()),
                    api_tokens::created_by.eq(created_by),
                ))
                .returning(ApiToken::as_returning())
                .get_result(tx.conn())
                .await?;
            audit::append(
                tx,
                actor,
                "api_token.created",
                "api_token",
                t.id,
                json!({"name": name, "role": role.as_str()}),
            )
            .await?;
            Ok(t)
        }
        .scope_boxed()
    })
    .await?;
    Ok((token, secret))
}

pub async fn revoke_api_token(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let n = diesel::update(
                api_tokens::table
                    .find(id)
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(Utc::now()))
            .execute(tx.conn())
            .await?;
            if n == 0 {
                return Err(AppError::NotFound("active API token"));
            }
            audit::append(tx, actor, "api_token.revoked", "api_token", id, json!({})).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

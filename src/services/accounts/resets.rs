//! Password resets: the public form queues a `password_reset` job, the worker emails a
//! link, the link sets a new password once.

use super::store_password;
use crate::auth::{password, throttle};
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::{self, Conn, Tx};
use crate::domain::i18n::Lang;
use crate::domain::token;
use crate::email::templates::PasswordReset;
use crate::error::AppError;
use crate::jobs::{send_email, Jobs, Kind, NewJob};
use chrono::{Duration, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;

/// Reset emails sent to one account per hour at most (no mail-bombing through the form).
pub const MAX_RESETS_PER_HOUR: i64 = 3;

/// How long a password-reset link works.
pub const RESET_TOKEN_LIFETIME: Duration = Duration::minutes(30);

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
    email: &str,
    public_base_url: &str,
) -> Result<bool, AppError> {
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move { reset_in_tx(tx, email, public_base_url).await }.scope_boxed()
    })
    .await
}

async fn reset_in_tx(
    tx: &mut Tx<'_>,
    email: &str,
    public_base_url: &str,
) -> Result<bool, AppError> {
    let Some((user_id, address, name)) = db::users::find_enabled_by_email(tx, email).await? else {
        return Ok(false);
    };
    let recent =
        db::password_resets::count_links_since(tx, user_id, Utc::now() - Duration::hours(1))
            .await?;
    if recent >= MAX_RESETS_PER_HOUR {
        tracing::warn!(%user_id, "password reset requests over the hourly limit; no email sent");
        return Ok(false);
    }
    let secret = token::new_token();
    let link = format!("{public_base_url}/password/reset/{secret}");
    // Staff accounts have no language setting yet: English.
    let message = PasswordReset {
        lang: Lang::En,
        name,
        link,
        minutes: RESET_TOKEN_LIFETIME.num_minutes(),
    }
    .render(&address)
    .map_err(|e| AppError::Internal(e.into()))?;
    db::password_resets::insert_link(
        tx,
        &token::token_sha256(&secret),
        user_id,
        Utc::now() + RESET_TOKEN_LIFETIME,
    )
    .await?;
    send_email::queue(tx, &message, None).await?;
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
pub async fn reset_token_valid(conn: &mut Conn, secret: &str) -> Result<bool, AppError> {
    Ok(
        db::password_resets::find_usable_link(conn, &token::token_sha256(secret))
            .await?
            .is_some(),
    )
}

/// Sets a new password from a reset link; the link is spent and every session ends.
pub async fn complete_reset(
    conn: &mut Conn,
    key: &AuditKey,
    secret: &str,
    new: &str,
) -> Result<(), AppError> {
    let hash_of_token = token::token_sha256(secret);
    let new = new.to_string();
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let spent = || {
                AppError::BadRequest(
                    "this reset link has expired or was already used: ask for a new one".into(),
                )
            };
            // Lock the token row so two submissions cannot both use it.
            let user_id = db::password_resets::lock_unused_link(tx, &hash_of_token)
                .await?
                .ok_or_else(spent)?;
            let (email, disabled) = db::users::email_and_disabled(tx, user_id).await?;
            if disabled.is_some() {
                return Err(spent());
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

//! Password resets: the public form queues a request, the worker emails a link, the
//! link sets a new password once.

use super::store_password;
use crate::auth::{password, throttle};
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::{self, Conn, Tx};
use crate::domain::token;
use crate::email::{self, Email};
use crate::error::AppError;
use chrono::{Duration, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;

/// Reset emails sent to one account per hour at most (no mail-bombing through the form).
pub const MAX_RESETS_PER_HOUR: i64 = 3;

/// How long a password-reset link works.
pub const RESET_TOKEN_LIFETIME: Duration = Duration::minutes(30);

/// Queues a reset request for `email`. The request does the same work whatever the
/// address (one row in `password_reset_requests`); the background worker
/// ([`process_reset_requests`]) looks the account up and emails a link. So neither the
/// answer nor its timing tells who has an account.
pub async fn request_reset(conn: &mut Conn, email: &str) -> Result<(), AppError> {
    // No account has a longer address; the cut keeps the row within its check.
    let email: String = email.trim().to_lowercase().chars().take(254).collect();
    db::password_resets::insert_request(conn, &email).await?;
    Ok(())
}

/// Handles every queued reset request (each in its own transaction, claimed with
/// `SKIP LOCKED`); returns how many emails were queued. Handled requests are kept a day.
pub async fn process_reset_requests(
    conn: &mut Conn,
    key: &AuditKey,
    public_base_url: &str,
) -> Result<usize, AppError> {
    let mut emailed = 0;
    loop {
        let handled = db::transaction::<_, AppError, _>(conn, key, |tx| {
            async move {
                let Some((id, email)) = db::password_resets::claim_request(tx).await? else {
                    return Ok(None);
                };
                let sent = handle_reset_request(tx, &email, public_base_url).await?;
                db::password_resets::mark_request_processed(tx, id).await?;
                Ok(Some(sent))
            }
            .scope_boxed()
        })
        .await?;
        match handled {
            None => break,
            Some(sent) => emailed += usize::from(sent),
        }
    }
    db::password_resets::delete_requests_processed_before(conn, Utc::now() - Duration::days(1))
        .await?;
    Ok(emailed)
}

/// Emails a reset link if the address belongs to an enabled account, within the hourly
/// cap. Runs in the worker's transaction.
async fn handle_reset_request(
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
    let minutes = RESET_TOKEN_LIFETIME.num_minutes();
    let message = Email {
        to: address,
        subject: "Reset your HRDD Survey password".into(),
        text: format!(
            "Hello {name},\n\nSomeone (hopefully you) asked to reset the password of your HRDD Survey account.\n\nOpen this link within {minutes} minutes to choose a new password:\n\n{link}\n\nThe link works once. If you did not ask for this, ignore this email: your password stays as it is.\n\nHRDD Survey\n"
        ),
        html: None,
    };
    db::password_resets::insert_link(
        tx,
        &token::token_sha256(&secret),
        user_id,
        Utc::now() + RESET_TOKEN_LIFETIME,
    )
    .await?;
    email::enqueue(tx, &message).await?;
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

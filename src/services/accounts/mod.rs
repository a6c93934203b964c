//! Staff accounts: creating users, roles, disabling, signing in and out, changing and
//! resetting passwords, and API tokens. Every change is in the audit log, written in the
//! transaction of the change.

mod api_tokens;
mod resets;
mod sign_in;
mod users;

pub use crate::db::models::{ApiToken, User};
pub use api_tokens::{create_api_token, list_api_tokens, revoke_api_token};
pub use resets::{
    complete_reset, handle_reset_request, request_reset, reset_token_valid, MAX_RESETS_PER_HOUR,
    RESET_TOKEN_LIFETIME,
};
pub use sign_in::{change_password, sign_in, sign_out, sign_out_elsewhere, SignedIn};
pub use users::{change_role, create_user, list_users, open_work, set_disabled, OpenWork};

use crate::auth::session;
use crate::db::audit::{self, Actor};
use crate::db::{self, Tx};
use crate::error::AppError;
use serde_json::json;
use uuid::Uuid;

/// Stores a new password hash, clears the one-time-password flag, ends the user's
/// sessions except `keep`, spends their reset links, and records `action`. Runs inside
/// the caller's transaction.
async fn store_password(
    tx: &mut Tx<'_>,
    user_id: Uuid,
    new_hash: String,
    keep: Option<Uuid>,
    action: &str,
) -> Result<(), AppError> {
    db::users::set_password(tx, user_id, new_hash).await?;
    let ended = session::revoke_all(tx, user_id, keep).await?;
    // A new password, however it was set, spends every outstanding reset link: a link
    // mailed before the change must not set the password again.
    let links_spent = db::password_resets::spend_links_of(tx, user_id).await?;
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

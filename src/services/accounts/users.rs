//! Creating accounts, changing roles, disabling and enabling.

use crate::auth::permissions::{Permission, Role};
use crate::auth::{password, session};
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::models::User;
use crate::db::{self, Conn, Tx};
use crate::domain::text;
use crate::error::AppError;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

pub async fn list_users(conn: &mut Conn) -> Result<Vec<User>, AppError> {
    Ok(db::users::list(conn).await?)
}

/// What is still in a staff member's hands: open flags assigned to them and campaigns
/// they own that are not closed (the users page's "Open work").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenWork {
    pub flags: i64,
    pub campaigns: i64,
}

/// Each member's open work (members with none are absent). The flags are the open
/// queue's kept counts by assignee.
pub async fn open_work(
    conn: &mut Conn,
) -> Result<std::collections::HashMap<uuid::Uuid, OpenWork>, AppError> {
    let mut work: std::collections::HashMap<uuid::Uuid, OpenWork> = Default::default();
    let open = crate::services::flags::queue::open_counts(conn).await?;
    for (id, n) in open.per_assignee() {
        work.entry(id).or_default().flags += n;
    }
    for (id, n) in db::campaign_owners::not_closed_counts(conn).await? {
        work.entry(id).or_default().campaigns += n;
    }
    Ok(work)
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
    let user = db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let new = db::users::NewUser {
                id,
                email: &email,
                name,
                role,
                password_hash: hash,
                must_change_password: must_change,
            };
            let user = db::users::insert(tx, new)
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
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let old = lock_role(tx, user_id).await?;
            if old == role {
                return Ok(());
            }
            if old == Role::Admin {
                ensure_another_admin(tx, user_id).await?;
            }
            db::users::set_role(tx, user_id, role).await?;
            // A token works for as long as its creator may still manage tokens: an admin
            // made a viewer must not keep an admin token they can no longer see or revoke.
            let revoked_tokens = if role.can(Permission::ManageApiTokens) {
                0
            } else {
                revoke_tokens_created_by(tx, actor, user_id, "creator's role changed").await?
            };
            audit::append(
                tx,
                actor,
                "user.role_changed",
                "user",
                user_id,
                json!({"from": old.as_str(), "to": role.as_str(), "api_tokens_revoked": revoked_tokens}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// A user's role, with the row locked for the rest of the transaction.
async fn lock_role(conn: &mut Conn, user_id: Uuid) -> Result<Role, AppError> {
    db::users::lock_standing(conn, user_id)
        .await?
        .map(|(role, _)| role)
        .ok_or(AppError::NotFound("user"))
}

async fn ensure_another_admin(conn: &mut Conn, except: Uuid) -> Result<(), AppError> {
    if db::users::count_other_active_admins(conn, except).await? == 0 {
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
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let role = lock_role(tx, user_id).await?;
            if disabled && role == Role::Admin {
                ensure_another_admin(tx, user_id).await?;
            }
            db::users::set_disabled(tx, user_id, disabled).await?;
            let (ended, revoked_tokens) = if disabled {
                (
                    session::revoke_all(tx, user_id, None).await?,
                    revoke_tokens_created_by(tx, actor, user_id, "creator disabled").await?,
                )
            } else {
                (0, 0)
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

/// Revokes every active API token `user_id` created, each with its own audit entry giving
/// `reason`; the caller's transaction disables the user or takes away their right to
/// manage tokens. Re-enabling the user or giving the right back does not bring them back.
async fn revoke_tokens_created_by(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user_id: Uuid,
    reason: &str,
) -> Result<usize, AppError> {
    let revoked = db::api_tokens::revoke_created_by(tx, user_id).await?;
    for (id, name) in &revoked {
        audit::append(
            tx,
            actor,
            "api_token.revoked",
            "api_token",
            id,
            json!({"name": name, "reason": reason, "creator": user_id}),
        )
        .await?;
    }
    Ok(revoked.len())
}

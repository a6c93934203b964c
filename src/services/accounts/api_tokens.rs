//! API tokens: created by an admin for an integration, shown once, revocable.

use crate::auth::permissions::{Permission, Role};
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::models::ApiToken;
use crate::db::{self, Conn};
use crate::domain::{text, token};
use crate::error::AppError;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

pub async fn list_api_tokens(conn: &mut Conn) -> Result<Vec<ApiToken>, AppError> {
    Ok(db::api_tokens::list(conn).await?)
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
    let secret = token::new_token();
    let hash = token::token_sha256(&secret);
    let created = db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            // The creator's row locked and their right checked in this transaction: a
            // role change or a disable that commits first revokes what they made, and
            // one that comes after waits for this token and then revokes it too.
            let (creator_role, disabled) = db::users::lock_standing(tx, created_by)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            if disabled || !creator_role.can(Permission::ManageApiTokens) {
                return Err(AppError::Forbidden(
                    "this account may no longer create API tokens".into(),
                ));
            }
            let t = db::api_tokens::insert(tx, &name, &hash, role, created_by).await?;
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
    Ok((created, secret))
}

pub async fn revoke_api_token(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            if !db::api_tokens::revoke(tx, id).await? {
                return Err(AppError::NotFound("active API token"));
            }
            audit::append(tx, actor, "api_token.revoked", "api_token", id, json!({})).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

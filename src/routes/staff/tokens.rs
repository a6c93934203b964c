//! API tokens for other systems: the list, creating one (shown once), revoking.

use super::{parse_role, path_id, Table};
use crate::auth::principal::{Principal, StaffUser};
use crate::routes::pages::{see_other, PageError};
use crate::routes::AppState;
use crate::services::accounts;
use crate::views::staff::Feedback;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_tokens)
        .service(create_api_token)
        .service(revoke_api_token);
}

#[get("/staff/api-tokens")]
async fn api_tokens(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Table::ApiTokens.show(&state, &user).await
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: String,
}

#[post("/staff/api-tokens")]
async fn create_api_token(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let role = parse_role(&form.role)?;
    let typed = vec![
        ("name".into(), form.name.clone()),
        ("role".into(), form.role.clone()),
    ];
    Table::ApiTokens
        .create(&state, &user, typed, async |conn| {
            let (token, secret) = accounts::create_api_token(
                conn,
                &state.audit_key,
                &who.actor(),
                user.id,
                &form.name,
                role,
            )
            .await?;
            let label = format!(
                "Token \"{}\" (copy it now: it is shown only once):",
                token.name
            );
            Ok(Feedback::reveal(label, secret))
        })
        .await
}

#[post("/staff/api-tokens/{id}/revoke")]
async fn revoke_api_token(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "API token")?;
    let mut conn = state.pool.get().await?;
    accounts::revoke_api_token(&mut conn, &state.audit_key, &who.actor(), id).await?;
    Ok(see_other("/staff/api-tokens"))
}

//! Staff users: the list, adding one (with a one-time password), role changes,
//! disabling and enabling.

use super::{parse_role, path_id, Table};
use crate::auth::principal::{Principal, StaffUser};
use crate::error::AppError;
use crate::routes::pages::{see_other, PageError};
use crate::routes::AppState;
use crate::services::accounts;
use crate::views::staff::Feedback;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(users)
        .service(create_user)
        .service(set_role)
        .service(disable_user)
        .service(enable_user);
}

#[get("/staff/users")]
async fn users(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    Table::Users.show(&state, &user).await
}

#[derive(Deserialize)]
struct NewUserForm {
    email: String,
    name: String,
    role: String,
}

#[post("/staff/users")]
async fn create_user(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, PageError> {
    let role = parse_role(&form.role)?;
    let typed = vec![
        ("email".into(), form.email.clone()),
        ("name".into(), form.name.clone()),
        ("role".into(), form.role.clone()),
    ];
    Table::Users
        .create(&state, &user, typed, async |conn| {
            let (created, one_time) = accounts::create_user(
                conn,
                &state.audit_key,
                &who.actor(),
                &form.email,
                &form.name,
                role,
                None,
            )
            .await?;
            Ok(Feedback {
                reveal: one_time.map(|p| (format!("One-time password for {} (shown once; they must change it at first sign-in):", created.email), p)),
                ..Feedback::default()
            })
        })
        .await
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

#[post("/staff/users/{id}/role")]
async fn set_role(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let role = parse_role(&form.role)?;
    let id = path_id(&path, "user")?;
    let mut conn = state.pool.get().await?;
    accounts::change_role(&mut conn, &state.audit_key, &who.actor(), id, role).await?;
    Ok(see_other("/staff/users"))
}

#[post("/staff/users/{id}/disable")]
async fn disable_user(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "user")?;
    if id == user.id {
        return Err(PageError(AppError::Conflict(
            "you cannot disable your own account".into(),
        )));
    }
    set_disabled(&state, &who, id, true).await
}

#[post("/staff/users/{id}/enable")]
async fn enable_user(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    set_disabled(&state, &who, path_id(&path, "user")?, false).await
}

async fn set_disabled(
    state: &AppState,
    who: &Principal,
    id: uuid::Uuid,
    disabled: bool,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    accounts::set_disabled(&mut conn, &state.audit_key, &who.actor(), id, disabled).await?;
    Ok(see_other("/staff/users"))
}

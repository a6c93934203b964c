//! `/staff/responses/{id}/clarifications`: the committee asks the supplier about flagged
//! answers and reads the replies next to the original answers, with the score change
//! (`services::clarifications`).

use super::{path_id, render, render_status, AppState, PageError};
use crate::auth::permissions::Permission;
use crate::auth::principal::StaffUser;
use crate::error::AppError;
use crate::services::clarifications;
use crate::views::remedy::clarifications_page;
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use std::collections::{BTreeMap, HashMap};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(ask);
}

#[get("/staff/responses/{id}/clarifications")]
async fn show(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "response")?;
    let mut conn = state.pool.get().await?;
    let data = clarifications::of_response(&mut conn, &state.registry, id).await?;
    Ok(render(&clarifications_page(
        StaffNav::new(&user, "/staff/flags"),
        &data,
        user.role.can(Permission::DecideFlags),
        &HashMap::new(),
        Vec::new(),
        String::new(),
    ))?)
}

#[post("/staff/responses/{id}/clarifications")]
async fn ask(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "response")?;
    let posted: HashMap<String, String> = form.into_inner().into_iter().collect();
    let asked: BTreeMap<String, String> = posted
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("question.")?.to_string(), v.clone())))
        .collect();
    let mut conn = state.pool.get().await?;
    let outcome = clarifications::request(&mut conn, &state.ctx(), user.id, id, &asked).await;
    let data = clarifications::of_response(&mut conn, &state.registry, id).await?;
    let nav = StaffNav::new(&user, "/staff/flags");
    let may = user.role.can(Permission::DecideFlags);
    match outcome {
        Ok(r) => Ok(render(&clarifications_page(
            nav,
            &data,
            may,
            &HashMap::new(),
            Vec::new(),
            format!(
                "Sent: the supplier gets an email with their link (request {}).",
                r.id
            ),
        ))?),
        Err(AppError::Validation(fields)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &clarifications_page(
                nav,
                &data,
                may,
                &posted,
                fields.into_iter().map(|f| (f.field, f.message)).collect(),
                String::new(),
            ),
        )?),
        Err(AppError::Conflict(message)) => Ok(render_status(
            StatusCode::CONFLICT,
            &clarifications_page(
                nav,
                &data,
                may,
                &posted,
                vec![("question".into(), message)],
                String::new(),
            ),
        )?),
        Err(e) => Err(e.into()),
    }
}

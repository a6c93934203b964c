//! `/staff/jobs`: background jobs that failed (dead, or waiting for a retry), for admins,
//! with a retry action for the dead ones, one by one or every dead email the server
//! refused with the same answer.

use super::{path_id, render, AppState, PageError};
use crate::auth::principal::{Principal, StaffUser};
use crate::routes::pages::see_other;
use crate::services::jobs;
use crate::views::tables;
use actix_web::{get, post, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(jobs_page)
        .service(retry_job)
        .service(retry_dead_emails);
}

#[get("/staff/jobs")]
async fn jobs_page(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let list = jobs::troubled(&mut *state.pool.get().await?).await?;
    Ok(render(&tables::jobs(&user, list))?)
}

#[post("/staff/jobs/{id}/retry")]
async fn retry_job(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "job")?;
    let mut conn = state.pool.get().await?;
    jobs::retry(&mut conn, &state.ctx(), &who.actor(), id).await?;
    Ok(see_other("/staff/jobs"))
}

#[derive(serde::Deserialize)]
struct AnswerForm {
    /// The server's answer as the page groups the dead emails.
    answer: String,
}

#[post("/staff/jobs/retry-dead-emails")]
async fn retry_dead_emails(
    state: web::Data<AppState>,
    who: Principal,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    jobs::retry_dead_emails(&mut conn, &state.ctx(), &who.actor(), &form.answer).await?;
    Ok(see_other("/staff/jobs"))
}

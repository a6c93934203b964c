//! `/staff/jobs`: background jobs that failed (dead, or waiting for a retry), for admins,
//! with a retry action for the dead ones.

use super::pages::{render, PageError};
use super::staff::{see_other, table};
use super::AppState;
use crate::auth::principal::{Principal, StaffUser};
use crate::error::AppError;
use crate::services::jobs;
use crate::views::staff::Row;
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(jobs_page).service(retry_job);
}

#[get("/staff/jobs")]
async fn jobs_page(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let list = jobs::troubled(&mut conn).await?;
    let mut page = table(&user, "/staff/jobs", "Jobs");
    page.intro = "Background work that failed. A failing job is retried with growing delays; after its last attempt, or at once on a permanent error (such as a mail server refusing the address), it is dead and waits here for a retry.".into();
    page.empty = "No failed jobs.".into();
    page.headers = [
        "Kind",
        "State",
        "Attempts",
        "For",
        "Last error",
        "Next try / ended (UTC)",
        "Queued (UTC)",
        "Actions",
    ]
    .map(String::from)
    .to_vec();
    let when = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M:%S").to_string();
    page.rows = list
        .into_iter()
        .map(|(job, recipient)| {
            let dead = job.state == "dead";
            Row {
                cells: vec![
                    job.kind.replace('_', " "),
                    if dead {
                        "dead".into()
                    } else {
                        "failing".into()
                    },
                    format!("{} / {}", job.attempts, job.max_attempts),
                    recipient.unwrap_or_default(),
                    job.last_error.unwrap_or_default(),
                    match (dead, job.finished_at) {
                        (true, Some(at)) => when(at),
                        _ => when(job.run_at),
                    },
                    when(job.created_at),
                ],
                actions: if dead {
                    vec![(
                        format!("/staff/jobs/{}/retry", job.id),
                        "Retry".into(),
                        String::new(),
                        String::new(),
                    )]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    Ok(render(&page)?)
}

#[post("/staff/jobs/{id}/retry")]
async fn retry_job(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = Uuid::parse_str(&path).map_err(|_| PageError(AppError::NotFound("job")))?;
    let mut conn = state.pool.get().await?;
    jobs::retry(&mut conn, &state.audit_key, &state.jobs, &who.actor(), id).await?;
    Ok(see_other("/staff/jobs"))
}

//! The JSON API of a campaign's lifecycle (issue 8): launch, add organisations, change
//! the deadline, close, progress (JSON or CSV).

use super::AppState;
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::services::campaign_lifecycle as lifecycle;
use crate::services::campaign_progress as progress;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(launch)
        .service(add_organisations)
        .service(change_deadline)
        .service(close)
        .service(get_progress);
}

fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound("campaign"))
}

/// Launches a draft campaign; a second launch answers 200 with `launched: false`.
#[post("/campaigns/{id}/launch")]
async fn launch(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::launch(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        &state.link_keys,
        &state.jobs,
        id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Organisations to add to a launched campaign.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOrganisations {
    pub organisation_ids: Vec<Uuid>,
}

#[post("/campaigns/{id}/organisations")]
async fn add_organisations(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<AddOrganisations>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::add_organisations(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        &state.link_keys,
        &state.jobs,
        id,
        body.into_inner().organisation_ids,
    )
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[post("/campaigns/{id}/deadline")]
async fn change_deadline(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<lifecycle::NewDeadline>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let mut conn = state.pool.get().await?;
    let campaign = lifecycle::change_deadline(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(campaign))
}

#[post("/campaigns/{id}/close")]
async fn close(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::close(&mut conn, &state.audit_key, &who.actor(), id).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Filters, plus `format=csv` for a CSV export.
#[derive(Debug, Default, Deserialize)]
pub struct ProgressQuery {
    pub stage: Option<String>,
    pub overdue: Option<bool>,
    pub bounced: Option<bool>,
    pub q: Option<String>,
    pub format: Option<String>,
}

#[get("/campaigns/{id}/progress")]
async fn get_progress(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ProgressQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let query = query.into_inner();
    let filter = progress::Filter {
        stage: query.stage,
        overdue: query.overdue,
        bounced: query.bounced,
        q: query.q,
    };
    let mut conn = state.pool.get().await?;
    let (_, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(p)),
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"campaign-progress.csv\"",
            ))
            .body(progress::csv(&p))),
        Some(_) => Err(AppError::field("format", "give json or csv")),
    }
}

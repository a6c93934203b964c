//! `/staff/ranking`: organisations by risk, worst first (`services::ranking`); a filter
//! value it cannot read is named beside its field (422) and nothing is listed.

use super::{render_status, AppState, PageError};
use crate::auth::principal::StaffUser;
use crate::error::AppError;
use crate::services::{organisations, ranking};
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ranking_page).service(ranking_csv);
}

#[get("/staff/ranking")]
async fn ranking_page(
    state: web::Data<AppState>,
    user: StaffUser,
    query: web::Query<ranking::RankingQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let mut conn = state.pool.get().await?;
    let countries = organisations::filter_values(&mut conn).await?.countries;
    let (ranked, errors) = match query.parse() {
        Ok(filter) => (
            Some(ranking::ranking(&mut conn, &filter).await?),
            Vec::new(),
        ),
        Err(AppError::Validation(fields)) => (
            None,
            fields.into_iter().map(|f| (f.field, f.message)).collect(),
        ),
        Err(other) => return Err(other.into()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let nav = StaffNav::new(&user, "/staff/ranking");
    let page = crate::views::ranking::page(nav, &query, &countries, ranked, errors);
    Ok(render_status(status, &page)?)
}

/// The whole ranking under the same filter as CSV (a refused filter: the error page).
#[get("/staff/ranking.csv")]
async fn ranking_csv(
    state: web::Data<AppState>,
    query: web::Query<ranking::RankingQuery>,
) -> Result<HttpResponse, PageError> {
    let filter = query.parse()?;
    let mut conn = state.pool.get().await?;
    let ranked = ranking::ranking(&mut conn, &filter).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"risk-ranking.csv\"",
        ))
        .body(crate::views::ranking::csv(&ranked)))
}

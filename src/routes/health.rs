//! Liveness and readiness.

use super::AppState;
use crate::error::AppError;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health);
}

/// 200 when the database answers, 503 otherwise.
#[get("/health")]
async fn health(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    crate::services::database_answers(&mut conn).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "status": "ok",
        "questionnaire_versions": state.registry.all().len(),
    })))
}

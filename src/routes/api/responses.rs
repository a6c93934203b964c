//! Responses: the flags a submission raised.

use super::path_id;
use super::types::ResponseFlags;
use crate::error::AppError;
use crate::routes::AppState;
use crate::services::flags::organisation::previous_flags;
use crate::services::responses;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(response_flags);
}

/// The flags of a response, worst first, each with the rule that raised it and the flag
/// the same question raised in the organisation's previous submission.
#[get("/responses/{id}/flags")]
async fn response_flags(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "response")?;
    let mut conn = state.pool.get().await?;
    let (response, version) = responses::find_response(&mut conn, &state.registry, id).await?;
    let flags = responses::flags(&mut conn, id).await?;
    let ids: Vec<_> = flags.iter().map(|f| f.id).collect();
    let previous = previous_flags(&mut conn, &ids).await?;
    Ok(HttpResponse::Ok().json(ResponseFlags::new(
        response,
        version.as_deref(),
        flags,
        &previous,
    )))
}

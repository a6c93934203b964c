//! Files of a submitted response as downloads: the receipt PDF and evidence files, for
//! the respondent through the link (`/r/{token}/receipt.pdf`) and for staff who may see
//! answers (`/staff/responses/{id}/…`). Both reach the response only through what they
//! hold: the link's session, or a response id with the staff permission; an evidence
//! file is looked up with its response in the `WHERE` clause (`find_evidence_of`).

use super::pages::PageError;
use super::respondent::session;
use super::AppState;
use crate::domain::i18n::Lang;
use crate::domain::ids::ResponseId;
use crate::error::AppError;
use crate::services::receipts;
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(respondent_receipt)
        .service(staff_receipt)
        .service(staff_evidence);
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The receipt PDF of the link's response: 404 until it is submitted.
#[get("/r/{token}/receipt.pdf")]
async fn respondent_receipt(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let lang = query.lang.as_deref().and_then(Lang::parse);
    let doc = {
        let mut conn = state.pool.get().await?;
        let session = session(&state, &mut conn, &token, &req).await?;
        receipts::for_link(&mut conn, &state.registry, &session, lang).await?
    };
    let doc = doc.ok_or(PageError(AppError::NotFound("receipt")))?;
    let name = doc.file_name();
    let bytes = receipts::pdf(state.receipt_font.clone(), doc, receipts::Waiting::Person).await?;
    Ok(download("application/pdf", &name, "file", bytes))
}

/// The receipt PDF of any submitted response, for staff who may see answers.
#[get("/staff/responses/{id}/receipt.pdf")]
async fn staff_receipt(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, PageError> {
    let id = super::path_id(&id, "response")?;
    let lang = query.lang.as_deref().and_then(Lang::parse);
    let doc = {
        let mut conn = state.pool.get().await?;
        receipts::document(&mut conn, &state.registry, id, lang).await?
    };
    let doc = doc.ok_or(PageError(AppError::NotFound("receipt")))?;
    let name = doc.file_name();
    let bytes = receipts::pdf(state.receipt_font.clone(), doc, receipts::Waiting::Person).await?;
    Ok(download("application/pdf", &name, "file", bytes))
}

/// An evidence file of a response, for staff who may see answers.
#[get("/staff/responses/{id}/evidence/{file_id}")]
async fn staff_evidence(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, file_id) = path.into_inner();
    let not_found = || PageError(AppError::NotFound("file"));
    let id: ResponseId = id.parse().map_err(|_| not_found())?;
    let file_id = Uuid::parse_str(&file_id).map_err(|_| not_found())?;
    let mut conn = state.pool.get().await?;
    file_or_404(
        receipts::evidence_file(&mut conn, id, file_id).await?,
        "file",
    )
}

/// A stored file (name, content type, bytes) as a [`download`]; 404 when there is none.
pub(super) fn file_or_404(
    file: Option<(String, String, Vec<u8>)>,
    fallback: &str,
) -> Result<HttpResponse, PageError> {
    let (name, content_type, bytes) = file.ok_or(PageError(AppError::NotFound("file")))?;
    Ok(download(&content_type, &name, fallback, bytes))
}

/// A file as an attachment (never shown inline in our origin), with an ASCII name
/// (`fallback` when nothing of `name` is left).
pub(super) fn download(
    content_type: &str,
    name: &str,
    fallback: &str,
    bytes: Vec<u8>,
) -> HttpResponse {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(*c))
        .collect();
    let safe = if safe.trim().is_empty() {
        fallback.to_string()
    } else {
        safe
    };
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes)
}

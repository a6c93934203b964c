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
use crate::receipt_pdf::ReceiptDocument;
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
    Ok(download(
        "application/pdf",
        &name,
        "file",
        receipt_pdf(&state, doc).await?,
    ))
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
    Ok(download(
        "application/pdf",
        &name,
        "file",
        receipt_pdf(&state, doc).await?,
    ))
}

/// The PDF of a receipt to download: kept from an earlier download of the same
/// document, or made at a person's priority.
async fn receipt_pdf(state: &AppState, doc: ReceiptDocument) -> Result<Vec<u8>, AppError> {
    let font = state.receipt_font.clone();
    let pdf = state
        .receipt_downloads
        .pdf(doc, |doc| {
            receipts::pdf(font, doc, receipts::Waiting::Person)
        })
        .await?;
    Ok(pdf.to_vec())
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
    // The name as uploaded too (RFC 6266 `filename*`, percent-encoded UTF-8), so that
    // "給与明細.pdf" is saved as such by browsers that read it; `filename` stays ASCII.
    let full: String = name
        .chars()
        .filter(|c| !c.is_control() && !"/\\\"".contains(*c))
        .collect();
    let mut parameters = vec![header::DispositionParam::Filename(safe.clone())];
    if !full.trim().is_empty() && full != safe {
        parameters.push(header::DispositionParam::FilenameExt(
            header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: full.into_bytes(),
            },
        ));
    }
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters,
        })
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes)
}

#[cfg(test)]
mod tests {
    fn disposition(name: &str) -> String {
        super::download("application/pdf", name, "evidence", vec![])
            .headers()
            .get(actix_web::http::header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }

    /// A Japanese file name reaches the browser whole (`filename*`), beside an ASCII one.
    #[test]
    fn a_download_keeps_its_japanese_name() {
        let japanese = disposition("給与明細_payslips.pdf");
        assert!(japanese.starts_with("attachment"), "{japanese}");
        assert!(
            japanese.contains("filename=\"_payslips.pdf\""),
            "{japanese}"
        );
        assert!(
            japanese.contains("filename*=UTF-8''%E7%B5%A6%E4%B8%8E%E6%98%8E%E7%B4%B0_payslips.pdf"),
            "{japanese}"
        );
        let plain = disposition("policy.pdf");
        assert!(!plain.contains("filename*"), "{plain}");
    }
}

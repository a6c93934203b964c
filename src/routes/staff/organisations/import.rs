//! The organisation CSV import: the upload form, the preview (every row error, or what
//! the import will do) and the confirmation of a kept upload.

use super::field_errors;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::org_import::MAX_FILE_BYTES;
use crate::error::{AppError, PageError};
use crate::routes::multipart::{unreadable, Guarded};
use crate::routes::pages::{render, render_status};
use crate::services::organisations::import::{self, ConfirmError, PreviewResult};
use crate::state::AppState;
use crate::views::organisations::{plan_lines, ImportPage};
use crate::views::staff::count_of;
use crate::views::staff::StaffNav;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import_form_handler)
        .service(import_upload_handler)
        .service(import_confirm_handler);
}

fn import_page(user: &StaffUser) -> ImportPage {
    ImportPage {
        lang: "en".into(),
        title: "Import organisations".into(),
        nav: StaffNav::new(user, "/staff/organisations"),
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
        file_error: String::new(),
        notice: String::new(),
        previewed: false,
        file_name: String::new(),
        encoding: String::new(),
        organisations: 0,
        contacts: 0,
        row_errors: Vec::new(),
        plan: Vec::new(),
        unchanged: 0,
        creates: 0,
        updates: 0,
        confirm_action: String::new(),
        digest: String::new(),
    }
}

fn with_preview(mut page: ImportPage, result: PreviewResult) -> ImportPage {
    page.previewed = true;
    page.file_name = result.file_name;
    page.encoding = result.preview.encoding.label().into();
    page.organisations = result.preview.organisations.len();
    page.contacts = result.preview.contact_count();
    page.plan = plan_lines(&result.plan);
    page.creates = result.plan.create.len();
    page.updates = result.plan.update.len();
    page.unchanged = result.plan.unchanged.len();
    page.row_errors = result.preview.errors;
    if let Some(id) = result.upload_id {
        page.confirm_action = format!("/staff/organisations/import/{id}/confirm");
    }
    page.digest = result.digest;
    page
}

/// The messages of an error about the file as a whole, for the file field.
fn file_error(e: AppError) -> Result<String, PageError> {
    Ok(field_errors(e)?
        .into_iter()
        .map(|(_, m)| m)
        .collect::<Vec<_>>()
        .join("; "))
}

#[get("/staff/organisations/import")]
async fn import_form_handler(user: StaffUser) -> Result<HttpResponse, PageError> {
    Ok(render(&import_page(&user))?)
}

/// The uploaded file: its name and bytes. Reading stops at the first chunk past the
/// limit, so an oversized file is refused without being held whole.
async fn read_upload(mut payload: Multipart) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let unreadable = |e: actix_multipart::MultipartError| match unreadable(e) {
        AppError::BadRequest(why) | AppError::TooLarge(why) => {
            AppError::field("file", format!("the upload could not be read: {why}"))
        }
        other => other,
    };
    let mut found = None;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        let is_file = field.name() == Some("file");
        let name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("upload.csv")
            .to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            if !is_file {
                continue;
            }
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(AppError::field(
                    "file",
                    format!(
                        "the file is larger than {} MB: split it into several files",
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file && found.is_none() {
            found = Some((name, bytes));
        }
    }
    Ok(found)
}

#[post("/staff/organisations/import")]
async fn import_upload_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    Guarded(payload): Guarded,
) -> Result<HttpResponse, PageError> {
    let mut page = import_page(&user);
    let result = match read_upload(payload).await {
        Ok(Some((name, bytes))) if !bytes.is_empty() => {
            let mut conn = state.pool.get().await?;
            import::preview(&mut conn, user.id, &name, bytes).await
        }
        // A form sent with no file chosen has a file part with no name and no bytes.
        Ok(Some((name, _))) if !name.is_empty() => Err(AppError::field(
            "file",
            crate::domain::org_import::FileError::Empty.to_string(),
        )),
        Ok(_) => Err(AppError::field("file", "choose a CSV file to upload")),
        Err(e) => Err(e),
    };
    match result {
        Ok(result) => {
            let clean = result.preview.is_clean();
            let page = with_preview(page, result);
            if clean {
                Ok(render(&page)?)
            } else {
                Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
            }
        }
        Err(e) => {
            page.file_error = file_error(e)?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    digest: String,
}

#[post("/staff/organisations/import/{upload}/confirm")]
async fn import_confirm_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    let mut page = import_page(&user);
    let Ok(upload) = Uuid::parse_str(&path) else {
        page.file_error = "this upload is unknown: upload the file again".into();
        return Ok(render_status(StatusCode::NOT_FOUND, &page)?);
    };
    let mut conn = state.pool.get().await?;
    let actor = who.actor();
    let key = &state.audit_key;
    match import::confirm(&mut conn, key, &actor, user.id, upload, &form.digest).await {
        Ok(done) => {
            page.notice = format!(
                "Imported: {} created, {} updated, {} unchanged; {} added, {} updated.",
                count_of(done.created, "organisation"),
                done.updated,
                done.unchanged,
                count_of(done.contacts_added, "contact"),
                done.contacts_updated
            );
            Ok(render(&page)?)
        }
        Err(ConfirmError::Changed(result)) => {
            let mut page = with_preview(page, *result);
            page.file_error = "the stored organisations changed since the preview, so nothing was imported: check the new preview below and confirm again".into();
            Ok(render_status(StatusCode::CONFLICT, &page)?)
        }
        Err(ConfirmError::Failed(e)) => {
            page.file_error = file_error(e)?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

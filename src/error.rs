//! The one error type of the HTTP layer.
//!
//! JSON routes answer with `{"error": code, "message": …, "fields": [...]}`; pages for
//! respondents and staff wrap it in [`PageError`] to get an HTML page. A
//! database constraint a client can trip is a 4xx, never a 500. `anyhow` is for CLI and
//! start-up code only.

use crate::domain::answers::FieldError;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("some fields are not valid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts: try again in {0} seconds")]
    TooManyAttempts(i64),
    #[error("{0}")]
    Conflict(String),
    /// A body over its limit (413).
    #[error("{0}")]
    TooLarge(String),
    #[error("the database is not reachable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// One invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError {
            field: field.to_string(),
            message: message.into(),
        }])
    }

    /// The message for a person: for a validation error, each field with its message.
    pub fn detail(&self) -> String {
        match self {
            // Most messages already start with their field ("band: unknown band").
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| match f.message.strip_prefix(f.field.as_str()) {
                    Some(rest) if rest.starts_with(": ") || f.field.is_empty() => f.message.clone(),
                    _ => format!("{}: {}", f.field, f.message),
                })
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    /// A short machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest(_) => "bad_request",
            AppError::NotFound(_) => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::TooManyAttempts(_) => "too_many_attempts",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(vec![e])
    }
}

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::NotFound => AppError::NotFound("record"),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => AppError::Conflict(format!(
                    "already exists ({})",
                    info.constraint_name().unwrap_or("unique key")
                )),
                DatabaseErrorKind::ForeignKeyViolation => AppError::BadRequest(format!(
                    "refers to something that does not exist ({})",
                    info.constraint_name().unwrap_or("foreign key")
                )),
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    AppError::BadRequest(format!(
                        "a value is not allowed ({})",
                        info.constraint_name()
                            .or(info.column_name())
                            .unwrap_or("constraint")
                    ))
                }
                DatabaseErrorKind::ClosedConnection => AppError::Unavailable,
                _ => AppError::Internal(e.into()),
            },
            _ => AppError::Internal(e.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        tracing::warn!(error = %e, "database pool");
        AppError::Unavailable
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
        let fields = match self {
            AppError::Validation(f) => f.clone(),
            _ => Vec::new(),
        };
        HttpResponse::build(self.status_code()).json(json!({
            "error": self.code(),
            "message": self.to_string(),
            "fields": fields,
        }))
    }
}

/// Turns `validator` errors into field errors.
pub fn from_validator(errors: validator::ValidationErrors) -> AppError {
    let mut out: Vec<FieldError> = errors
        .field_errors()
        .iter()
        .flat_map(|(field, errs)| {
            errs.iter().map(move |e| FieldError {
                field: field.to_string(),
                message: e
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| format!("invalid value ({})", e.code)),
            })
        })
        .collect();
    out.sort_by(|a, b| a.field.cmp(&b.field));
    AppError::Validation(out)
}

/// An [`AppError`] shown as an HTML page, for routes people open in a browser.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PageError(#[from] pub AppError);

impl From<diesel::result::Error> for PageError {
    fn from(e: diesel::result::Error) -> Self {
        PageError(e.into())
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for PageError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        PageError(e.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        public_error_page(&self.0)
    }
}

/// The page of an error for anyone (a supplier's link, the home page): English, then
/// Japanese and Vietnamese.
fn public_error_page(e: &AppError) -> HttpResponse {
    {
        if let AppError::Internal(e) = e {
            tracing::error!(error = ?e, "internal error");
        }
        // No reader's language is known here: English, then Japanese and Vietnamese
        // (the questionnaires' languages), each marked with its language.
        let (title, message, translations) = match e {
            AppError::NotFound(_) => (
                "Not found · 見つかりません · Không tìm thấy",
                "This page does not exist, or the link is no longer valid. If you were invited to answer a questionnaire, use the newest link from your invitation email or ask the sender for a new one.".to_string(),
                vec![
                    ("ja", "このページは存在しないか、リンクが無効になっています。招待メールの最新のリンクをご利用いただくか、送信者に新しいリンクを依頼してください。"),
                    ("vi", "Trang này không tồn tại hoặc đường liên kết không còn hiệu lực. Nếu quý vị được mời trả lời bảng câu hỏi, hãy dùng đường liên kết mới nhất trong email mời hoặc đề nghị người gửi cấp đường liên kết mới."),
                ],
            ),
            AppError::Unavailable | AppError::Internal(_) => (
                "Something went wrong · エラーが発生しました · Đã xảy ra lỗi",
                "We could not complete this request. Nothing you saved before has been lost; please try again in a minute.".to_string(),
                vec![
                    ("ja", "処理を完了できませんでした。保存済みの回答は失われていません。しばらくしてから再度お試しください。"),
                    ("vi", "Không thể hoàn tất yêu cầu này. Những gì quý vị đã lưu trước đó không bị mất; vui lòng thử lại sau một phút."),
                ],
            ),
            other => (
                "Request not accepted · 受け付けられませんでした · Yêu cầu không được chấp nhận",
                other.detail(),
                Vec::new(),
            ),
        };
        let page = crate::views::pages::MessagePage {
            lang: "en".into(),
            title: title.into(),
            message,
            translations,
            back: None,
        };
        let body = askama::Template::render(&page).unwrap_or_else(|_| title.to_string());
        let mut response = HttpResponse::build(e.status_code());
        if let AppError::TooManyAttempts(wait) = e {
            response.insert_header(("Retry-After", wait.to_string()));
        }
        response.content_type("text/html; charset=utf-8").body(body)
    }
}

/// The pages staff read (the staff area, sign-in, their account and password reset):
/// errors there are the staff area's own English page, not the supplier-facing
/// three-language page of [`PageError`].
pub fn is_staff_page(path: &str) -> bool {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    under("/staff")
        || under("/account")
        || under("/password/reset")
        || path == "/login"
        || path == "/logout"
}

/// Middleware: an error raised on a page, by its handler or by an extractor (a missing
/// flag, a query that cannot be read, a database outage), is an HTML page with the
/// error's status and message: on a staff page the staff area's [`staff_message`], on any
/// other page the three-language page of [`PageError`] (an extractor's error is a bare
/// [`AppError`], which would otherwise answer JSON to a browser). The API and `/health`
/// keep their JSON. Pages a handler renders itself (a form with its errors) are left
/// alone: they are not errors to actix.
pub async fn error_pages(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<
        actix_web::body::EitherBody<impl actix_web::body::MessageBody, actix_web::body::BoxBody>,
    >,
    actix_web::Error,
> {
    let path = req.path();
    let staff = is_staff_page(path);
    let json = path.starts_with("/api/") || path == "/health";
    let res = next.call(req).await?;
    let error = res.response().error().filter(|_| !json);
    let replacement = match (
        error.and_then(|e| e.as_error::<PageError>()),
        error.and_then(|e| e.as_error::<AppError>()),
    ) {
        (Some(PageError(e)), _) | (None, Some(e)) if staff => {
            // The member only for an error page: most responses are no error.
            let extensions = res.request().extensions();
            let who = extensions
                .get::<crate::auth::principal::Principal>()
                .and_then(|p| p.staff());
            Some(staff_error_response(e, who))
        }
        (None, Some(e)) => Some(public_error_page(e)),
        _ => None,
    };
    Ok(match replacement {
        Some(page) => res.into_response(page).map_into_right_body(),
        None => res.map_into_left_body(),
    })
}

/// An error as the staff area's message page (`who`: the signed-in member, for the
/// navigation).
pub fn staff_error_response(
    e: &AppError,
    who: Option<&crate::auth::principal::StaffUser>,
) -> HttpResponse {
    let (title, message) = match e {
        // A refusal that says itself ("this contact is not in this campaign").
        AppError::NotFound(what) if what.starts_with("this ") => {
            ("Not found", crate::views::staff::sentence(what))
        }
        AppError::NotFound(what) => (
            "Not found",
            format!("There is no {what} at this address: it may have been removed, or the address is mistyped."),
        ),
        AppError::Forbidden(_) => ("Not allowed", crate::views::staff::sentence(&e.detail())),
        AppError::TooManyAttempts(_) => ("Too many attempts", crate::views::staff::sentence(&e.detail())),
        AppError::Unavailable | AppError::Internal(_) => (
            "Something went wrong",
            "The request could not be completed and nothing it would have changed was saved. Please try again in a minute; if it keeps failing, the service's log has the details.".to_string(),
        ),
        // Field names stay as the form and the API spell them ("band: unknown band").
        AppError::Validation(_) => ("Request not accepted", e.detail()),
        _ => ("Request not accepted", crate::views::staff::sentence(&e.detail())),
    };
    let mut response = staff_message(e.status_code(), who, title, &message);
    if let AppError::TooManyAttempts(wait) = e {
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&wait.to_string()) {
            response
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, value);
        }
    }
    response
}

/// A staff area message page (English, with a way back to the overview): a staff
/// address that does not exist, a page the role may not open. Not the supplier-facing
/// three-language page of [`PageError`].
/// With the signed-in member (`who`), the page has the staff navigation and sign-out.
pub fn staff_message(
    status: StatusCode,
    who: Option<&crate::auth::principal::StaffUser>,
    title: &str,
    message: &str,
) -> HttpResponse {
    let body = match who {
        Some(user) => askama::Template::render(&crate::views::pages::StaffMessagePage {
            lang: "en".into(),
            title: title.into(),
            nav: crate::views::staff::StaffNav::new(user, ""),
            message: message.into(),
        }),
        None => askama::Template::render(&crate::views::pages::MessagePage {
            lang: "en".into(),
            title: title.into(),
            message: message.into(),
            translations: Vec::new(),
            back: Some(("/staff", "Back to the overview")),
        }),
    }
    .unwrap_or_else(|_| title.to_string());
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

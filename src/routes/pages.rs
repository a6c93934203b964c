//! The home page, static assets, and the HTML error page.

use super::AppState;
use crate::error::AppError;
use crate::views::pages::{HomePage, MessagePage, QuestionnaireSummary};
use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpResponse, ResponseError};
use askama::Template;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(app_css).service(form_js);
}

/// Renders a page; a template error is an internal error.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Renders a page with another status.
pub fn render_status(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// 303 See Other to a local path: after a form post, the browser loads `to` with GET.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
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
        if let AppError::Internal(e) = &self.0 {
            tracing::error!(error = ?e, "internal error");
        }
        let (title, message) = match &self.0 {
            AppError::NotFound(_) => (
                "Not found · 見つかりません",
                "This page does not exist, or the link is no longer valid. If you were invited to answer a questionnaire, use the newest link from your invitation email or ask the sender for a new one. · このページは存在しないか、リンクが無効になっています。招待メールの最新のリンクをご利用いただくか、送信者に新しいリンクを依頼してください。".to_string(),
            ),
            AppError::Unavailable | AppError::Internal(_) => (
                "Something went wrong · エラーが発生しました",
                "We could not complete this request. Nothing you saved before has been lost; please try again in a minute. · 処理を完了できませんでした。保存済みの回答は失われていません。しばらくしてから再度お試しください。".to_string(),
            ),
            other => ("Request not accepted · 受け付けられませんでした", other.detail()),
        };
        let page = MessagePage {
            lang: "en".into(),
            title: title.into(),
            message,
        };
        let body = page.render().unwrap_or_else(|_| title.to_string());
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::TooManyAttempts(wait) = &self.0 {
            response.insert_header(("Retry-After", wait.to_string()));
        }
        response.content_type("text/html; charset=utf-8").body(body)
    }
}

#[get("/")]
async fn home(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let questionnaires = state
        .registry
        .all()
        .iter()
        .map(|v| {
            let q = &v.questionnaire;
            QuestionnaireSummary {
                id: q.id.clone(),
                version: q.version,
                title: q.title.get(q.default_lang()).to_string(),
                languages: q
                    .languages
                    .iter()
                    .map(|l| l.native_name())
                    .collect::<Vec<_>>()
                    .join(", "),
                questions: q.questions().count(),
            }
        })
        .collect();
    Ok(render(&HomePage {
        lang: "en".into(),
        title: "HRDD Survey".into(),
        questionnaires,
    })?)
}

/// A file compiled into the binary, cacheable for an hour.
fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body)
}

#[get("/static/app.css")]
async fn app_css() -> HttpResponse {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    )
}

#[get("/static/form.js")]
async fn form_js() -> HttpResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../static/form.js"),
    )
}

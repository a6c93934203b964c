//! The home page, static assets, and the HTML error page.

use super::AppState;
use crate::error::AppError;
/// Moved to [`crate::error`]; re-exported for the handlers that name it from here.
pub use crate::error::PageError;
use crate::views::assets;
use crate::views::pages::{HomePage, QuestionnaireSummary};
use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(app_css)
        .service(form_js)
        .service(favicon);
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

/// A campaign's progress as a CSV attachment (the API's `format=csv` and the staff
/// page's export).
pub fn progress_csv(p: &crate::services::campaign_progress::Progress) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        // One file name per campaign: two exports do not overwrite each other.
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"campaign-progress-{}.csv\"",
                p.campaign_id.simple()
            ),
        ))
        .body(crate::services::campaign_progress::csv(p))
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

/// A file compiled into the binary: kept for a year when asked for by the current
/// version (`?v=`, as every page links it), for an hour otherwise.
fn asset(req: &HttpRequest, content_type: &str, body: &'static str) -> HttpResponse {
    let current = web::Query::<AssetQuery>::from_query(req.query_string())
        .is_ok_and(|q| q.v.as_deref() == Some(assets::version()));
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", cache))
        .body(body)
}

#[derive(Deserialize)]
struct AssetQuery {
    v: Option<String>,
}

#[get("/static/app.css")]
async fn app_css(req: HttpRequest) -> HttpResponse {
    asset(&req, "text/css; charset=utf-8", assets::APP_CSS)
}

#[get("/static/form.js")]
async fn form_js(req: HttpRequest) -> HttpResponse {
    asset(&req, "text/javascript; charset=utf-8", assets::FORM_JS)
}

/// The icon every browser asks for (a 404 there was an error in every page's console).
#[get("/favicon.ico")]
async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(assets::FAVICON_SVG)
}

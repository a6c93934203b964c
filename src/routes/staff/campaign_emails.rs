//! "Preview the emails" of a campaign: its invitation, reminder and new-deadline email
//! as a contact will read them, in each language of its questionnaire, before anything is sent. The HTML
//! part is served at its own address with a policy of its own (inline styles, nothing
//! else) and shown in a sandboxed frame.

use super::{path_id, render, AppState, PageError};
use crate::auth::principal::StaffUser;
use crate::domain::i18n::Lang;
use crate::email::campaign::Purpose;
use crate::error::AppError;
use crate::services::campaign_email_preview::{self as preview, EmailPreview};
use crate::views::campaigns::EmailPreviewPage;
use crate::views::staff::StaffNav;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page).service(html_part);
}

#[derive(Deserialize)]
struct PreviewQuery {
    lang: Option<String>,
    kind: Option<String>,
}

impl PreviewQuery {
    fn purpose(&self) -> Result<Purpose, AppError> {
        match self.kind.as_deref() {
            None => Ok(Purpose::Invitation),
            Some(kind) => Purpose::parse(kind)
                .filter(|p| preview::KINDS.contains(p))
                .ok_or_else(|| {
                    AppError::field("kind", "give invitation, reminder or deadline_extended")
                }),
        }
    }

    fn lang(&self) -> Result<Option<Lang>, AppError> {
        match self.lang.as_deref() {
            None | Some("") => Ok(None),
            Some(code) => Lang::parse(code)
                .map(Some)
                .ok_or_else(|| AppError::field("lang", "an unknown language code")),
        }
    }
}

async fn load(
    state: &AppState,
    path: &str,
    query: &PreviewQuery,
) -> Result<EmailPreview, AppError> {
    let id = path_id(path, "campaign")?;
    let mut conn = state.pool.get().await?;
    preview::preview(
        &mut conn,
        &state.ctx(),
        &state.settings.sender_company,
        id,
        query.lang()?,
        query.purpose()?,
    )
    .await
}

#[get("/staff/campaigns/{id}/email-preview")]
async fn page(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, PageError> {
    let p = load(&state, &path, &query).await?;
    let base = format!("/staff/campaigns/{}/email-preview", path.as_str());
    let url =
        |kind: Purpose, lang: Lang| format!("{base}?kind={}&lang={}", kind.as_str(), lang.code());
    Ok(render(&EmailPreviewPage {
        lang: "en".into(),
        title: format!("Preview the emails of {}", p.campaign_name),
        nav: StaffNav::new(&user, "/staff/campaigns"),
        campaign_id: path.to_string(),
        campaign_name: p.campaign_name.clone(),
        kinds: preview::KINDS
            .iter()
            .map(|k| {
                // "Invitation", "Reminder", "New deadline": the staff pages' words.
                let label = k.label();
                let label = label[..1].to_uppercase() + &label[1..];
                (label, url(*k, p.lang), *k == p.purpose)
            })
            .collect(),
        languages: p
            .languages
            .iter()
            .map(|l| {
                (
                    l.native_name().to_string(),
                    url(p.purpose, *l),
                    *l == p.lang,
                )
            })
            .collect(),
        subject: p.email.subject.clone(),
        text: p.email.text.clone(),
        html_url: format!(
            "{base}.html?kind={}&lang={}",
            p.purpose.as_str(),
            p.lang.code()
        ),
        html: p.email.html.clone().unwrap_or_default(),
    })?)
}

/// The HTML part alone, for the page's sandboxed frame: inline styles and nothing else,
/// framed only by this site.
#[get("/staff/campaigns/{id}/email-preview.html")]
async fn html_part(
    state: web::Data<AppState>,
    _user: StaffUser,
    path: web::Path<String>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, PageError> {
    let p = load(&state, &path, &query).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
        ))
        .insert_header(("X-Frame-Options", "SAMEORIGIN"))
        .body(p.email.html.unwrap_or_default()))
}

//! `/staff/outbox`: the local outbox (`SMTP_URL` unset) for admins and procurement, so
//! a newcomer can read the invitation a campaign sent and click its link. The HTML part
//! is shown as escaped source, never rendered in our origin. Account mail (password
//! resets) is written apart, to `outbox/account/` (`email::Shelf`), and never shown.

use super::{render, AppState, PageError};
use crate::auth::principal::StaffUser;
use crate::error::AppError;
use crate::services::outbox;
use crate::views::outbox::{OutboxMessagePage, OutboxPage, OutboxRow};
use crate::views::staff::StaffNav;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(outbox_page).service(outbox_message);
}

#[get("/staff/outbox")]
async fn outbox_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    let smtp = state.settings.smtp_url.is_some();
    let (listed, total) = if smtp {
        (Vec::new(), 0)
    } else {
        outbox::list(&outbox::folder(&state.settings.data_dir))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
    };
    let rows = listed
        .into_iter()
        .map(|e| OutboxRow {
            written: e.written.format("%Y-%m-%d %H:%M:%S").to_string(),
            name: e.name,
            to: e.to,
            subject: e.subject,
        })
        .collect();
    Ok(render(&OutboxPage {
        lang: "en".into(),
        title: "Outbox".into(),
        nav: StaffNav::new(&user, "/staff/outbox"),
        smtp,
        rows,
        total,
    })?)
}

#[get("/staff/outbox/{name}")]
async fn outbox_message(
    state: web::Data<AppState>,
    user: StaffUser,
    name: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if state.settings.smtp_url.is_some() {
        return Err(PageError(AppError::NotFound("message")));
    }
    let message = outbox::read(&outbox::folder(&state.settings.data_dir), &name)
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .ok_or(PageError(AppError::NotFound("message")))?;
    let shown = [
        "Date",
        "From",
        "Reply-To",
        "To",
        "Subject",
        "Message-ID",
        "Auto-Submitted",
    ];
    let headers = shown
        .iter()
        .filter_map(|h| Some((h.to_string(), message.header(h)?.to_string())))
        .collect();
    let title = message
        .header("Subject")
        .unwrap_or("(no subject)")
        .to_string();
    Ok(render(&OutboxMessagePage {
        lang: "en".into(),
        title,
        nav: StaffNav::new(&user, "/staff/outbox"),
        headers,
        text: outbox::link_runs(
            message.text.as_deref().unwrap_or_default(),
            &state.settings.public_base_url,
        ),
        html: message.html,
    })?)
}

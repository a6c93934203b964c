//! `/r/{token}/clarification`: the committee's questions on flagged answers, with only
//! those questions open again (`services::clarifications`). Its own page, so the main
//! form (`routes::respondent`) stays as it is.

use super::pages::{render, render_status, see_other, PageError};
use super::respondent::{check_csrf, chosen_lang, read_form, session};
use super::AppState;
use crate::auth::csrf;
use crate::error::AppError;
use crate::routes::multipart::Guarded;
use crate::services::clarification_withdraw;
use crate::services::clarifications::{self, ReplyOutcome};
use crate::views::clarification::page;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(reply);
}

#[derive(Deserialize)]
struct Query {
    lang: Option<String>,
    sent: Option<String>,
}

#[get("/r/{token}/clarification")]
async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Query>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let session = session(&state, &mut conn, &token, &req).await?;
    let lang = chosen_lang(&session, query.lang.as_deref(), &req);
    let csrf = csrf::respondent_token(&state.secret_key, session.invitation.id);
    let open = clarifications::open_for(&mut conn, &session).await?;
    let withdrawn =
        open.is_none() && clarification_withdraw::withdrawn_for(&mut conn, &session).await?;
    let (items, current) = match open {
        Some((_, items, current)) => (items, current),
        None => (Vec::new(), Default::default()),
    };
    let notice = match (&query.sent, items.is_empty()) {
        _ if withdrawn => "withdrawn",
        (Some(_), true) => "done",
        (_, true) => "none",
        _ => "",
    };
    Ok(render(&page(
        &session,
        &token,
        csrf,
        lang,
        &items,
        &current,
        None,
        &[],
        notice,
    ))?)
}

#[post("/r/{token}/clarification")]
async fn reply(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Query>,
    Guarded(payload): Guarded,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let session = {
        let mut conn = state.pool.get().await?;
        session(&state, &mut conn, &token, &req).await?
    };
    let lang = chosen_lang(&session, query.lang.as_deref(), &req);
    let (input, _) = read_form(payload).await?;
    check_csrf(&state, &session, &input.values, "open your link again")?;
    let mut conn = state.pool.get().await?;
    let here = format!("/r/{}/clarification?lang={}", token.as_str(), lang.code());
    match clarifications::reply(&mut conn, &state.audit_key, &session, &input, lang).await? {
        ReplyOutcome::Answered { .. } | ReplyOutcome::NothingOpen => {
            Ok(see_other(&format!("{here}&sent=1")))
        }
        ReplyOutcome::Withdrawn => {
            // Refused, nothing written: the page says the question was withdrawn.
            let page = page(
                &session,
                &token,
                csrf::respondent_token(&state.secret_key, session.invitation.id),
                lang,
                &[],
                &Default::default(),
                None,
                &[],
                "withdrawn",
            );
            Ok(render_status(StatusCode::CONFLICT, &page)?)
        }
        ReplyOutcome::Invalid(errors) => {
            let (_, items, current) = clarifications::open_for(&mut conn, &session)
                .await?
                .ok_or(PageError(AppError::NotFound("clarification")))?;
            let page = page(
                &session,
                &token,
                csrf::respondent_token(&state.secret_key, session.invitation.id),
                lang,
                &items,
                &current,
                Some(&input.values),
                &errors,
                "errors",
            );
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

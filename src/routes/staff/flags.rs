//! One flag's page, its decisions and comments (the queue is in `flag_queue`). Every
//! decision goes through `services::flags::transition`, but "Request clarification",
//! which asks the supplier through `services::clarifications::request_about_flag`, and
//! "Withdraw the question", which withdraws the response's waiting request through
//! `services::clarification_withdraw` (both move the flag with the same rules).

use super::path_id;
use crate::auth::principal::StaffUser;
use crate::domain::flag_workflow::{Action, ActionKind};
use crate::error::AppError;
use crate::routes::pages::{render_status, see_other, PageError};
use crate::routes::AppState;
use crate::services::flags::{self, FlagActor};
use crate::services::{clarification_withdraw, clarifications};
use crate::views::flags::flag_page;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse, ResponseError};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(flag).service(decide).service(add_comment);
}

/// The comment form's name in `FlagView::typed`.
const COMMENT: &str = "comment";

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

#[get("/staff/flags/{id}")]
async fn flag(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "flag")?;
    let notice = match query.done.as_deref().and_then(ActionKind::parse) {
        Some(ActionKind::RequestClarification) => {
            "Recorded: requested clarification. The question is on its way to the supplier by email."
                .into()
        }
        Some(ActionKind::WithdrawQuestion) => {
            "Recorded: withdrew the question. Every flag that waited for it is back in review; the supplier's link now says the question was withdrawn and takes no reply."
                .into()
        }
        Some(ActionKind::SignAcceptRisk) => {
            "Recorded: signed the risk acceptance (first of two). A different committee member must confirm it before the risk is accepted."
                .into()
        }
        Some(kind) => format!("Recorded: {}.", kind.label()),
        None if query.done.as_deref() == Some("comment") => "Comment added.".into(),
        None => String::new(),
    };
    show(
        &state,
        &user,
        id,
        notice,
        Vec::new(),
        StatusCode::OK,
        None,
        None,
    )
    .await
}

/// The flag page, with a notice or with what was refused (and the refusal's status);
/// `typed`: the refused form's action and text, shown back in its box; `posted_version`:
/// the flag version the refused form was made from (another one: the flag changed).
#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    notice: String,
    errors: Vec<String>,
    status: StatusCode,
    typed: Option<(String, String)>,
    posted_version: Option<i32>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let page = flags::page::load(&mut conn, id).await?;
    let mut view = flag_page(user, &state.registry, page, notice, errors);
    view.typed = typed.unwrap_or_default();
    view.typed_stale = posted_version.is_some_and(|v| v != view.version);
    Ok(render_status(status, &view)?)
}

#[derive(Deserialize)]
struct DecideForm {
    action: String,
    version: Option<String>,
    #[serde(default)]
    reason: String,
    assignee: Option<String>,
}

/// The action a decision form asks for, or a 422 naming the field.
fn parse_action(form: &DecideForm) -> Result<Action, AppError> {
    let reason = form.reason.clone();
    Ok(
        match ActionKind::parse(&form.action)
            .ok_or_else(|| AppError::field("action", "unknown decision"))?
        {
            ActionKind::Assign => Action::Assign {
                to: form
                    .assignee
                    .as_deref()
                    .and_then(|a| Uuid::parse_str(a).ok())
                    .ok_or_else(|| AppError::field("assignee", "choose a member"))?,
            },
            ActionKind::RequestClarification => Action::RequestClarification { note: reason },
            ActionKind::ClarificationAnswered => Action::ClarificationAnswered,
            ActionKind::WithdrawQuestion => Action::WithdrawQuestion { reason },
            ActionKind::AcceptRisk => Action::AcceptRisk { reason },
            ActionKind::SignAcceptRisk => Action::SignAcceptRisk { reason },
            ActionKind::RequireAction => Action::RequireAction { reason },
            ActionKind::StartAction => Action::StartAction,
            ActionKind::Escalate => Action::Escalate { reason },
            ActionKind::SignClose => Action::SignClose { note: reason },
            ActionKind::Close => Action::Close { note: reason },
            ActionKind::Dissent => Action::Dissent { reason },
        },
    )
}

/// The version field: the flag version the page showed.
fn parse_version(raw: Option<&str>) -> Result<i32, AppError> {
    raw.and_then(|v| v.trim().parse::<i32>().ok())
        .filter(|v| *v >= 1)
        .ok_or_else(|| AppError::field("version", "missing or not a flag version; reload the flag"))
}

#[post("/staff/flags/{id}/decide")]
async fn decide(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "flag")?;
    let result = async {
        let action = parse_action(&form)?;
        let version = parse_version(form.version.as_deref())?;
        let mut conn = state.pool.get().await?;
        if let Action::RequestClarification { note } = &action {
            // The question goes to the supplier, as from the response's clarifications
            // page; the flag moves with it.
            clarifications::request_about_flag(&mut conn, &state.ctx(), user.id, id, version, note)
                .await?;
            return Ok(ActionKind::RequestClarification);
        }
        if let Action::WithdrawQuestion { reason } = &action {
            // The whole waiting request of the response is withdrawn, every flag
            // waiting for it back to review.
            clarification_withdraw::withdraw_from_flag(
                &mut conn,
                &state.ctx(),
                user.id,
                id,
                version,
                reason,
            )
            .await?;
            return Ok(ActionKind::WithdrawQuestion);
        }
        flags::transition(
            &mut conn,
            &state.audit_key,
            FlagActor::Member(user.id),
            id,
            Some(version),
            action,
        )
        .await
        .map(|done| done.kind)
    }
    .await;
    match result {
        Ok(kind) => Ok(see_other(&format!(
            "/staff/flags/{id}?done={}",
            kind.as_str()
        ))),
        Err(e) => {
            let typed = (form.action.clone(), form.reason.clone());
            let posted = parse_version(form.version.as_deref()).ok();
            refused(&state, &user, id, e, Some(typed), posted).await
        }
    }
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
    /// The form's own token (`FlagView::comment_token`): a repeated post is stored once.
    form_token: Option<String>,
}

#[post("/staff/flags/{id}/comments")]
async fn add_comment(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    form: web::Form<CommentForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "flag")?;
    let token = form
        .form_token
        .as_deref()
        .and_then(|t| Uuid::parse_str(t.trim()).ok());
    let mut conn = state.pool.get().await?;
    match flags::comment(&mut conn, &state.audit_key, user.id, id, &form.body, token).await {
        Ok(()) => Ok(see_other(&format!("/staff/flags/{id}?done=comment"))),
        Err(e) => {
            // The typed comment stays in its box, the refusal beside it.
            let typed = (COMMENT.to_string(), form.body.clone());
            refused(&state, &user, id, e, Some(typed), None).await
        }
    }
}

/// A refused decision: the flag page again with the reason and the refusal's status
/// (403, 409 or 422); other errors (not found, database down) are an error page.
async fn refused(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    e: AppError,
    typed: Option<(String, String)>,
    posted_version: Option<i32>,
) -> Result<HttpResponse, PageError> {
    match e {
        AppError::Validation(_)
        | AppError::Conflict(_)
        | AppError::Forbidden(_)
        | AppError::BadRequest(_) => {
            let status = e.status_code();
            show(
                state,
                user,
                id,
                String::new(),
                vec![e.detail()],
                status,
                typed,
                posted_version,
            )
            .await
        }
        other => Err(other.into()),
    }
}

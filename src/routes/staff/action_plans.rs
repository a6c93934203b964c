//! Corrective action plans: `/staff/action-plans` (every plan by state: overdue,
//! pending, waiting for verification …), `/staff/flags/{id}/action-plans` (the plans of
//! a flag and the form for a new one) and `/staff/action-plans/{id}` (one plan: status,
//! remedy facts, evidence, closing the flag, cancelling the plan with a reason).
//! `services::action_plans` and `services::action_plan_cancel` do the work.

use super::{path_id, render, render_status, AppState, PageError};
use crate::auth::permissions::Permission;
use crate::auth::principal::StaffUser;
use crate::domain::remedy::{PlanForm, PlanStatus, RemedyForm};
use crate::error::AppError;
use crate::routes::multipart::Guarded;
use crate::routes::pages::see_other;
use crate::routes::respondent::read_form;
use crate::services::listings::{self, PlanShow};
use crate::services::{action_plan_cancel, action_plans, clarifications, responses};
use crate::views::plan_page::{plan_page, Refused};
use crate::views::remedy::flag_plans_page;
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(plan_list)
        .service(flag_plans)
        .service(create)
        .service(show)
        .service(set_status)
        .service(set_remedy)
        .service(add_evidence)
        .service(evidence)
        .service(close)
        .service(cancel);
}

fn may_decide(user: &StaffUser) -> bool {
    user.role.can(Permission::DecideFlags)
}

/// The form's fields as the plan form reads them.
fn fields<T: serde::de::DeserializeOwned>(posted: &HashMap<String, String>) -> Result<T, AppError> {
    serde_json::from_value(serde_json::json!(posted))
        .map_err(|e| AppError::BadRequest(format!("unreadable form: {e}")))
}

fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn pairs(e: &AppError) -> Vec<(String, String)> {
    action_plans::messages(e)
        .into_iter()
        .map(|f| (f.field, f.message))
        .collect()
}

#[get("/staff/flags/{id}/action-plans")]
async fn flag_plans(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "flag")?;
    let mut conn = state.pool.get().await?;
    let ctx = action_plans::flag_context(&mut conn, id).await?;
    let (_, version) =
        responses::find_response(&mut conn, &state.registry, ctx.flag.response_id.into()).await?;
    let asked = clarifications::of_flag(&mut conn, id).await?;
    Ok(render(&flag_plans_page(
        StaffNav::new(&user, "/staff/flags"),
        &ctx,
        version.as_ref().map(|v| &v.questionnaire),
        &asked,
        may_decide(&user),
        Utc::now().date_naive(),
        HashMap::new(),
        Vec::new(),
    ))?)
}

#[post("/staff/flags/{id}/action-plans")]
async fn create(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "flag")?;
    let posted: HashMap<String, String> = form.into_inner().into_iter().collect();
    let plan_form: PlanForm = fields(&posted)?;
    let today = Utc::now().date_naive();
    let mut conn = state.pool.get().await?;
    match action_plans::create(&mut conn, &state.audit_key, user.id, id, &plan_form, today).await {
        Ok(plan) => Ok(see_other(&format!("/staff/action-plans/{}", plan.id))),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let ctx = action_plans::flag_context(&mut conn, id).await?;
            let (_, version) =
                responses::find_response(&mut conn, &state.registry, ctx.flag.response_id.into())
                    .await?;
            let asked = clarifications::of_flag(&mut conn, id).await?;
            Ok(render_status(
                status_of(&e),
                &flag_plans_page(
                    StaffNav::new(&user, "/staff/flags"),
                    &ctx,
                    version.as_ref().map(|v| &v.questionnaire),
                    &asked,
                    may_decide(&user),
                    today,
                    posted,
                    pairs(&e),
                ),
            )?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

async fn show_plan(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    status: StatusCode,
    notice: String,
    refused: Option<Refused>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let ctx = action_plans::plan_context(&mut conn, id).await?;
    let (_, version) =
        responses::find_response(&mut conn, &state.registry, ctx.flag.flag.response_id.into())
            .await?;
    Ok(render_status(
        status,
        &plan_page(
            StaffNav::new(user, "/staff/action-plans"),
            &ctx,
            version.as_ref().map(|v| &v.questionnaire),
            may_decide(user),
            Utc::now().date_naive(),
            notice,
            refused,
        ),
    )?)
}

#[get("/staff/action-plans/{id}")]
async fn show(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    query: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "action plan")?;
    let notice = query
        .done
        .as_deref()
        .map(|d| match d {
            "status" => "The plan's status was changed.",
            "remedy" => "The remedy facts were saved.",
            "evidence" => "The evidence was stored.",
            "closed" => "The flag is closed.",
            "cancelled" => "The plan is cancelled. A new plan can be written for the flag.",
            _ => "",
        })
        .unwrap_or_default()
        .to_string();
    show_plan(&state, &user, id, StatusCode::OK, notice, None).await
}

/// After a change: back to the plan (303), or the plan with the refusal and what was
/// posted.
async fn after(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    outcome: Result<(), AppError>,
    done: &str,
    posted: HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/staff/action-plans/{id}?done={done}"))),
        Err(
            e @ (AppError::Validation(_)
            | AppError::Conflict(_)
            | AppError::Forbidden(_)
            | AppError::BadRequest(_)),
        ) => {
            let refused = Some(Refused {
                posted,
                errors: pairs(&e),
            });
            show_plan(state, user, id, status_of(&e), String::new(), refused).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct StatusForm {
    to: String,
}

#[post("/staff/action-plans/{id}/status")]
async fn set_status(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "action plan")?;
    let to = PlanStatus::parse(&form.to)
        .ok_or_else(|| AppError::field("to", "to: not a plan status"))?;
    let mut conn = state.pool.get().await?;
    let outcome = action_plans::set_status(&mut conn, &state.audit_key, user.id, id, to)
        .await
        .map(|_| ());
    after(&state, &user, id, outcome, "status", HashMap::new()).await
}

#[post("/staff/action-plans/{id}/remedy")]
async fn set_remedy(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "action plan")?;
    let posted: HashMap<String, String> = form.into_inner().into_iter().collect();
    let remedy: RemedyForm = fields(&posted)?;
    let mut conn = state.pool.get().await?;
    let seen = posted.get("remedy_version").map_or("", String::as_str);
    let outcome =
        action_plans::set_remedy(&mut conn, &state.audit_key, user.id, id, &remedy, seen).await;
    after(&state, &user, id, outcome, "remedy", posted).await
}

#[post("/staff/action-plans/{id}/evidence")]
async fn add_evidence(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    Guarded(payload): Guarded,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "action plan")?;
    let (mut input, _) = read_form(payload).await?;
    // The same clamd hook as a respondent's evidence (with HRDD_CLAMD_SOCKET set); the
    // service then decides the type from the bytes.
    crate::services::malware::screen(state.settings.clamd_socket.as_deref(), &mut input).await;
    let outcome = match (input.refused.get("evidence"), input.uploads.get("evidence")) {
        (Some(refused), _) => Err(AppError::field(
            "evidence",
            format!("evidence: {}", refused.text(crate::domain::i18n::Lang::En)),
        )),
        (None, None) => Err(AppError::field(
            "evidence",
            match input.empty_files.get("evidence") {
                Some(name) => format!(
                    "evidence: the file “{name}” is empty (0 bytes): nothing to store; choose the file again or another one"
                ),
                None => "evidence: choose a file to upload".into(),
            },
        )),
        (None, Some(upload)) => {
            let mut conn = state.pool.get().await?;
            action_plans::add_evidence(&mut conn, &state.ctx(), user.id, id, upload)
                .await
                .map(|_| ())
        }
    };
    after(&state, &user, id, outcome, "evidence", HashMap::new()).await
}

#[get("/staff/action-plans/{id}/evidence/{file_id}")]
async fn evidence(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, file_id) = path.into_inner();
    let id = path_id(&id, "action plan")?;
    let file_id = path_id(&file_id, "file")?;
    let mut conn = state.pool.get().await?;
    let file = action_plans::evidence_file(&mut conn, id, file_id).await?;
    crate::routes::receipt::file_or_404(file, "evidence")
}

#[post("/staff/action-plans/{id}/close")]
async fn close(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "action plan")?;
    let mut conn = state.pool.get().await?;
    let outcome = action_plans::close_flag(&mut conn, &state.audit_key, user.id, id).await;
    after(&state, &user, id, outcome, "closed", HashMap::new()).await
}

/// Cancels the plan with the reason posted; a refusal shows the plan with the error
/// beside the reason and what was typed in it.
#[post("/staff/action-plans/{id}/cancel")]
async fn cancel(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "action plan")?;
    let reason = form
        .into_inner()
        .into_iter()
        .find(|(k, _)| k == "cancel_reason")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let mut conn = state.pool.get().await?;
    let outcome = action_plan_cancel::cancel(&mut conn, &state.audit_key, user.id, id, &reason)
        .await
        .map(|_| ());
    let posted = HashMap::from([("cancel_reason".to_string(), reason)]);
    after(&state, &user, id, outcome, "cancelled", posted).await
}

#[derive(Deserialize)]
struct ListQuery {
    show: Option<String>,
}

/// Every corrective action plan by state, soonest due first (the dashboard's overdue
/// tile opens it with `show=overdue`).
#[get("/staff/action-plans")]
async fn plan_list(
    state: web::Data<AppState>,
    user: StaffUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let which = match query.show.as_deref().filter(|s| !s.is_empty()) {
        None => PlanShow::Pending,
        Some(raw) => PlanShow::parse(raw).ok_or_else(|| {
            AppError::field(
                "show",
                "show: one of overdue, pending, to_verify, verified, cancelled, all",
            )
        })?,
    };
    let today = Utc::now().date_naive();
    let mut conn = state.pool.get().await?;
    let (plans, more) = listings::action_plans(&mut conn, which, today).await?;
    Ok(render(&crate::views::plan_list::page(
        &user, which, plans, more, today,
    ))?)
}

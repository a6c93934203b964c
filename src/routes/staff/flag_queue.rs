//! The committee's overview: the flag queue with bulk assignment, the heat map, the
//! dashboard, and an organisation's responses with their history.

use crate::auth::principal::StaffUser;
use crate::error::AppError;
use crate::routes::pages::{render, render_status, see_other, PageError};
use crate::routes::AppState;
use crate::services::flags::queue::{self, QueueParams};
use crate::services::flags::{self, FlagActor};
use crate::views::flag_queue::{dashboard_page, heat_map_page, queue_page};
use crate::views::org_history::org_responses_page;
use actix_web::{get, post, web, HttpResponse, ResponseError};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(queue_view)
        .service(assign)
        .service(heat_map)
        .service(dashboard)
        .service(organisation_responses);
}

#[get("/staff/flags")]
async fn queue_view(
    state: web::Data<AppState>,
    user: StaffUser,
    params: web::Query<QueueParams>,
    done: web::Query<Assigned>,
) -> Result<HttpResponse, PageError> {
    let notice = match done.assigned {
        Some(n) => format!("Assigned {}.", crate::views::staff::count_of(n, "flag")),
        None => String::new(),
    };
    show(&state, &user, &params, notice, Vec::new()).await
}

/// After a bulk assignment: how many flags were assigned.
#[derive(serde::Deserialize)]
struct Assigned {
    assigned: Option<usize>,
}

/// The queue page; a filter that does not parse is a 422 naming its field.
async fn show(
    state: &AppState,
    user: &StaffUser,
    params: &QueueParams,
    notice: String,
    errors: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let q = queue::queue(&mut conn, params).await?;
    let status = if errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::CONFLICT
    };
    Ok(render_status(
        status,
        &queue_page(user, &state.registry, params, q, notice, errors),
    )?)
}

/// The bulk form: `pick` = `flag id:version` (repeated), `assignee`, `back` (the
/// queue's filter to return to).
#[post("/staff/flags/assign")]
async fn assign(
    state: web::Data<AppState>,
    user: StaffUser,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let back = field("back");
    let params: QueueParams =
        serde_urlencoded::from_str(back.trim_start_matches('?')).unwrap_or_default();
    let result = async {
        let mut picked = Vec::new();
        for (_, v) in form.iter().filter(|(k, _)| k == "pick") {
            let (id, version) = v
                .split_once(':')
                .and_then(|(id, ver)| Some((Uuid::parse_str(id).ok()?, ver.parse::<i32>().ok()?)))
                .ok_or_else(|| AppError::field("pick", "not a flag of this queue; reload it"))?;
            picked.push((id, version));
        }
        let to = Uuid::parse_str(field("assignee").trim())
            .map_err(|_| AppError::field("assignee", "choose a member"))?;
        let mut conn = state.pool.get().await?;
        flags::assign_many(
            &mut conn,
            &state.audit_key,
            FlagActor::Member(user.id),
            &picked,
            to,
        )
        .await
    }
    .await;
    match result {
        Ok(n) => {
            let q = params.query_string();
            let sep = if q.is_empty() { '?' } else { '&' };
            Ok(see_other(&format!("/staff/flags{q}{sep}assigned={n}")))
        }
        Err(
            e @ (AppError::Validation(_)
            | AppError::Conflict(_)
            | AppError::Forbidden(_)
            | AppError::BadRequest(_)),
        ) => {
            let status = e.status_code();
            let mut conn = state.pool.get().await?;
            let q = queue::queue(&mut conn, &params).await?;
            Ok(render_status(
                status,
                &queue_page(
                    &user,
                    &state.registry,
                    &params,
                    q,
                    String::new(),
                    vec![e.detail()],
                ),
            )?)
        }
        Err(other) => Err(other.into()),
    }
}

#[get("/staff/heatmap")]
async fn heat_map(
    state: web::Data<AppState>,
    user: StaffUser,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let counts = queue::heat_map(&mut conn, &params).await?;
    Ok(render(&heat_map_page(&user, &params, &counts))?)
}

#[get("/staff/dashboard")]
async fn dashboard(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let d = queue::dashboard(&mut conn).await?;
    Ok(render(&dashboard_page(&user, d))?)
}

/// Every response of an organisation with its answers, flags, evidence and what changed
/// since the previous campaign (the organisation page links here).
#[get("/staff/organisations/{id}/responses")]
async fn organisation_responses(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = super::path_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let history = flags::organisation::history(&mut conn, id).await?;
    let rated = crate::services::responses::organisation_rating(&mut conn, id).await?;
    Ok(render(&org_responses_page(
        &user,
        &state.registry,
        history,
        &rated,
    ))?)
}

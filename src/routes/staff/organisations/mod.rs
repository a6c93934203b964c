//! The organisation pages: the list (filters, paging, export, create) here; one
//! organisation (details, contacts, campaigns, edit, deactivate) and a contact's edit
//! form in `detail`; the CSV import (upload → preview → confirm) in `import`.

mod detail;
mod import;

use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::ids::OrganisationId;
use crate::error::{AppError, PageError};
use crate::routes::pages::{render, render_status, see_other};
use crate::services::organisations::{edit, import as csv, pages, ListQuery, OrgInput};
use crate::state::AppState;
use crate::views::organisations::{
    country_choices, kind_choices, org_form, owner_label, staff_choices, FormState, ListPage,
    ListRow,
};
use crate::views::staff::StaffNav;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};

/// The example file, served as a download.
const EXAMPLE_CSV: &[u8] = include_bytes!("../../../../static/organisations-example.csv");

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths before `{id}`.
    cfg.service(list_handler)
        .service(create_handler)
        .service(export_handler)
        .service(example_handler)
        .configure(import::configure)
        .configure(detail::configure);
}

/// A form's errors by field; errors that are not about the input are an error page.
fn field_errors(e: AppError) -> Result<Vec<(String, String)>, PageError> {
    match e {
        AppError::Validation(fields) => {
            Ok(fields.into_iter().map(|f| (f.field, f.message)).collect())
        }
        AppError::Conflict(m) | AppError::BadRequest(m) => Ok(vec![("error".into(), m)]),
        other => Err(other.into()),
    }
}

fn org_href(id: OrganisationId) -> String {
    format!("/staff/organisations/{id}")
}

/// The filter form as it was sent, without control characters (a NUL is refused by
/// its field, and never written back into the page).
fn filter_form(q: &ListQuery) -> FormState {
    let shown = crate::domain::text::search_text;
    FormState::with(&[
        ("q", shown(&q.q)),
        ("kind", shown(&q.kind)),
        ("country", shown(&q.country)),
        ("sector", shown(&q.sector)),
        ("business_unit", shown(&q.business_unit)),
        ("owner", shown(&q.owner)),
        ("status", shown(&q.status)),
        ("answered", shown(&q.answered)),
    ])
}

async fn list_page(
    state: &AppState,
    user: &StaffUser,
    query: &ListQuery,
    create: FormState,
) -> Result<ListPage, PageError> {
    let mut filter_state = filter_form(query);
    let (filter, page) = match query.filter() {
        Ok(filter) => (filter, query.page()),
        Err(e) => {
            filter_state.errors = field_errors(e)?;
            (Default::default(), 1)
        }
    };
    let mut conn = state.pool.get().await?;
    let mut list = pages::list(&mut conn, &filter, page).await?;
    if list.rows.is_empty() && list.total > 0 && page > list.pages {
        // A page past the end (an old link after deletions, an edited address): the
        // last page, not "N match" above "no organisation matches".
        list = pages::list(&mut conn, &filter, list.pages).await?;
    }
    if !filter_state.errors.is_empty() {
        // An invalid filter matches nothing rather than everything.
        list.rows.clear();
        list.total = 0;
        list.pages = 1;
    }
    let rows = list
        .rows
        .into_iter()
        .map(|(o, contacts, answered)| ListRow {
            last_answered: answered
                .map(|at| at.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "never".into()),
            href: org_href(o.id),
            kind: o.kind.label(),
            owner: owner_label(&list.staff, o.owner_user_id),
            name: o.name,
            country: o.country,
            sector: o.sector.unwrap_or_default(),
            business_unit: o.business_unit.unwrap_or_default(),
            external_ref: o.external_ref.unwrap_or_default(),
            contacts,
            active: o.deactivated_at.is_none(),
        })
        .collect();
    Ok(ListPage {
        lang: "en".into(),
        title: "Organisations".into(),
        nav: StaffNav::new(user, "/staff/organisations"),
        can_manage: user.role.can(Permission::ManageOrganisations),
        notice: String::new(),
        filter: filter_state,
        kinds: kind_choices(),
        countries: country_choices(&list.values.countries),
        staff: staff_choices(&list.staff),
        sectors: list.values.sectors,
        business_units: list.values.business_units,
        rows,
        total: list.total,
        page: list.page,
        pages: list.pages,
        query: query.query_string(),
        create,
    })
}

#[get("/staff/organisations")]
async fn list_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let page = list_page(&state, &user, &query, FormState::default()).await?;
    if page.filter.errors.is_empty() {
        Ok(render(&page)?)
    } else {
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
    }
}

#[post("/staff/organisations")]
async fn create_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<OrgInput>,
) -> Result<HttpResponse, PageError> {
    let input = form.into_inner();
    let mut conn = state.pool.get().await?;
    match edit::create(&mut conn, &state.audit_key, &who.actor(), &input).await {
        Ok(id) => Ok(see_other(&format!("{}?saved=created", org_href(id)))),
        Err(e) => {
            let mut create = org_form(&input);
            create.errors = field_errors(e)?;
            let page = list_page(&state, &user, &ListQuery::default(), create).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

#[get("/staff/organisations/export.csv")]
async fn export_handler(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let filter = query.filter()?;
    let mut conn = state.pool.get().await?;
    let bytes = csv::export(&mut conn, &filter).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"organisations.csv\"",
        ))
        .body(bytes))
}

#[get("/staff/organisations/example.csv")]
async fn example_handler() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"organisations-example.csv\"",
        ))
        .body(EXAMPLE_CSV)
}

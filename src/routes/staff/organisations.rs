//! Organisations: the list and, for those who may, adding one.

use super::Table;
use crate::auth::principal::{Principal, StaffUser};
use crate::routes::pages::PageError;
use crate::routes::AppState;
use crate::services::organisations;
use crate::views::staff::Feedback;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(organisations_page).service(create_organisation);
}

#[get("/staff/organisations")]
async fn organisations_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Table::Organisations.show(&state, &user).await
}

#[derive(Deserialize)]
struct OrganisationForm {
    name: String,
    kind: String,
    country: String,
    sector: Option<String>,
}

#[post("/staff/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<OrganisationForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = organisations::NewOrganisation {
        kind: form.kind,
        name: form.name,
        country: form.country.trim().to_uppercase(),
        sector: form.sector.filter(|s| !s.trim().is_empty()),
        external_ref: None,
    };
    Table::Organisations
        .create(&state, &user, async |conn| {
            let org =
                organisations::create_organisation(conn, &state.audit_key, &who.actor(), input)
                    .await?;
            Ok(Feedback::notice(format!("Added {}.", org.name)))
        })
        .await
}

//! Organisations, their contacts, an organisation's rating, and the risk ranking.

use super::path_id;
use super::types::{
    ContactBody, NewContact, NewOrganisation, OrganisationBody, OrganisationRating,
    OrganisationWithContacts, RankingBody,
};
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::routes::AppState;
use crate::services::{organisations, ranking, responses};
use actix_web::{get, post, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_organisation)
        .service(get_organisation)
        .service(add_contact)
        .service(organisation_rating)
        .service(risk_ranking);
}

#[post("/organisations")]
async fn create_organisation(
    who: Principal,
    state: web::Data<AppState>,
    body: web::Json<NewOrganisation>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let org = organisations::create_organisation(
        &mut conn,
        &state.ctx(),
        &who.actor(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(OrganisationBody::from(org)))
}

#[get("/organisations/{id}")]
async fn get_organisation(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let (org, contacts) = organisations::find_with_contacts(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(OrganisationWithContacts {
        organisation: org.into(),
        contacts: contacts.into_iter().map(ContactBody::from).collect(),
    }))
}

#[post("/organisations/{id}/contacts")]
async fn add_contact(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NewContact>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let contact =
        organisations::add_contact(&mut conn, &state.ctx(), &who.actor(), id, body.into_inner())
            .await?;
    Ok(HttpResponse::Created().json(ContactBody::from(contact)))
}

/// An organisation's rating from its latest submitted response to each questionnaire:
/// the worst band, what ranks it within the band, the responses used and their flags.
#[get("/organisations/{id}/rating")]
async fn organisation_rating(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let (rating, rated, flags) = responses::organisation_rating(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(OrganisationRating {
        organisation_id: id,
        rating,
        responses: rated,
        flags: flags.into_iter().map(Into::into).collect(),
    }))
}

/// Every active organisation that has submitted, rated as `/organisations/{id}/rating`
/// rates it, worst first; `kind`, `country` and `band` (`none`: no flag) filter it.
#[get("/ranking")]
async fn risk_ranking(
    state: web::Data<AppState>,
    query: web::Query<ranking::RankingQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.parse()?;
    let mut conn = state.pool.get().await?;
    let ranked = ranking::ranking(&mut conn, &filter).await?;
    Ok(HttpResponse::Ok().json(RankingBody::from(ranked)))
}

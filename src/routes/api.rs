//! The JSON API for staff tools and integrations: organisations, contacts, campaigns,
//! invitations and flags.

use super::AppState;
use crate::auth::principal::Principal;
use crate::db::queries;
use crate::error::AppError;
use crate::services::{campaigns, organisations, responses};
use actix_web::{get, post, web, HttpResponse};
use serde_json::json;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_organisation)
        .service(get_organisation)
        .service(add_contact)
        .service(list_templates)
        .service(create_campaign)
        .service(issue_invitation)
        .service(response_flags)
        .service(organisation_rating);
}

/// Path ids that are not UUIDs are simply "not found".
fn parse_id(raw: &str, what: &'static str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound(what))
}

#[post("/organisations")]
async fn create_organisation(
    who: Principal,
    state: web::Data<AppState>,
    body: web::Json<organisations::NewOrganisation>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let org = organisations::create_organisation(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(org))
}

#[get("/organisations/{id}")]
async fn get_organisation(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let org = queries::find_organisation(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let contacts = queries::contacts_of(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(json!({"organisation": org, "contacts": contacts})))
}

#[post("/organisations/{id}/contacts")]
async fn add_contact(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<organisations::NewContact>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let contact = organisations::add_contact(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(contact))
}

#[get("/templates")]
async fn list_templates(state: web::Data<AppState>) -> HttpResponse {
    let list: Vec<_> = state
        .registry
        .all()
        .iter()
        .map(|v| {
            let q = &v.questionnaire;
            json!({
                "version_id": v.id,
                "template_id": q.id,
                "version": q.version,
                "title": q.title.get(q.default_lang()),
                "languages": q.languages,
                "sha256": v.sha256,
                "questions": q.questions().count(),
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

#[post("/campaigns")]
async fn create_campaign(
    who: Principal,
    state: web::Data<AppState>,
    body: web::Json<campaigns::NewCampaign>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let campaign = campaigns::create_campaign(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(campaign))
}

#[post("/campaigns/{id}/invitations")]
async fn issue_invitation(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<campaigns::NewInvitation>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let issued = campaigns::issue_invitation(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        &state.link_keys,
        &state.jobs,
        &state.settings.public_base_url,
        id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(issued))
}

/// The flags of a response, worst first, each with the rule that raised it.
#[get("/responses/{id}/flags")]
async fn response_flags(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "response")?;
    let mut conn = state.pool.get().await?;
    let response = queries::find_response(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("response"))?;
    let campaign = queries::find_campaign(&mut conn, response.campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let version = state.registry.get(campaign.template_version_id);
    let flags = responses::flags(&mut conn, id).await?;
    let worst = flags
        .iter()
        .map(|f| f.band.as_str())
        .max_by_key(|b| crate::domain::risk::Band::parse(b));
    let items: Vec<_> = flags
        .iter()
        .map(|f| {
            let question = version
                .as_ref()
                .and_then(|v| v.questionnaire.find(&f.question_id));
            let rule = question.and_then(|q| q.risk.get(f.rule_index as usize));
            let lang = version
                .as_ref()
                .map(|v| v.questionnaire.default_lang())
                .unwrap_or(crate::domain::i18n::Lang::En);
            json!({
                "id": f.id,
                "question_id": f.question_id,
                "question": question.map(|q| q.label.get(lang)),
                "rule_index": f.rule_index,
                "indicator": f.indicator,
                "severity": f.severity,
                "likelihood": f.likelihood,
                "score": f.score,
                "band": f.band,
                "critical": f.critical,
                // A knock-out rule's flag is critical whatever the matrix says;
                // matrix_band is what the score alone gives.
                "knock_out": f.critical,
                "matrix_band": crate::domain::risk::Band::of(f.score.clamp(0, 25) as u8, false),
                "affected_workers": f.affected_workers,
                "workforce": f.workforce,
                "answer": f.answer,
                "explanation": rule.map(|r| &r.explanation.0),
                "status": f.status,
                "created_at": f.created_at,
            })
        })
        .collect();
    let facts: Vec<_> = flags.iter().filter_map(responses::flag_facts).collect();
    Ok(HttpResponse::Ok().json(json!({
        "response_id": response.id,
        "status": response.status,
        "submitted_at": response.submitted_at,
        "overall_band": worst,
        "rating": crate::domain::rating::Rating::of(&facts),
        "flags": items,
    })))
}

/// An organisation's rating from its latest submitted response to each questionnaire:
/// the worst band, what ranks it within the band, the responses used and their flags.
#[get("/organisations/{id}/rating")]
async fn organisation_rating(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "organisation")?;
    let mut conn = state.pool.get().await?;
    let (rating, rated, flags) = responses::organisation_rating(&mut conn, id).await?;
    let items: Vec<_> = flags
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "response_id": f.response_id,
                "question_id": f.question_id,
                "rule_index": f.rule_index,
                "indicator": f.indicator,
                "score": f.score,
                "band": f.band,
                "knock_out": f.critical,
                "affected_workers": f.affected_workers,
                "workforce": f.workforce,
                "status": f.status,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "organisation_id": id,
        "rating": rating,
        "responses": rated,
        "flags": items,
    })))
}

//! Campaigns and the personal links (invitations) that go with them.

use super::parse_id;
use super::types::{CampaignBody, NewCampaign, NewInvitation};
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::routes::AppState;
use crate::services::campaigns;
use actix_web::{post, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_campaign).service(issue_invitation);
}

#[post("/campaigns")]
async fn create_campaign(
    who: Principal,
    state: web::Data<AppState>,
    body: web::Json<NewCampaign>,
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
    Ok(HttpResponse::Created().json(CampaignBody::from(campaign)))
}

/// A new personal link for a contact; the body ([`IssuedInvitation`]) carries the link
/// once.
///
/// [`IssuedInvitation`]: super::types::IssuedInvitation
#[post("/campaigns/{id}/invitations")]
async fn issue_invitation(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NewInvitation>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let issued = campaigns::issue_invitation(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        &state.link_keys,
        &state.settings.public_base_url,
        id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(issued))
}

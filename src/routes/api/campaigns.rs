//! Campaigns and the personal links (invitations) that go with them.

use super::path_id;
use super::types::{
    AddOrganisations, CampaignBody, CampaignDetailBody, DeadlineChangedBody, DraftChanges,
    NewCampaign, NewDeadline, NewInvitation, NewOwner, ProgressQuery,
};
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::routes::AppState;
use crate::services::campaign_drafts as drafts;
use crate::services::campaign_lifecycle as lifecycle;
use crate::services::campaign_progress as progress;
use crate::services::campaigns;
use actix_web::{get, patch, post, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_campaign)
        .service(edit_draft)
        .service(issue_invitation)
        .service(launch)
        .service(add_organisations)
        .service(change_deadline)
        .service(change_owner)
        .service(close)
        .service(remind)
        .service(get_progress);
}

#[post("/campaigns")]
async fn create_campaign(
    who: Principal,
    state: web::Data<AppState>,
    body: web::Json<NewCampaign>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let campaign =
        campaigns::create_campaign(&mut conn, &state.ctx(), &who.actor(), body.into_inner())
            .await?;
    Ok(HttpResponse::Created().json(CampaignBody::from(campaign)))
}

/// Edits a draft campaign: the fields given change, the others stay (the same checks
/// as a new campaign, every problem at once); a launched or closed campaign: 409. With
/// `updated_at` (as a read of the draft gave it), the edit applies only if the draft
/// is unchanged since: else 409 naming the fields changed meanwhile.
#[patch("/campaigns/{id}")]
async fn edit_draft(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<DraftChanges>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let edited = drafts::edit_draft(
        &mut conn,
        &state.ctx(),
        &who.actor(),
        id,
        drafts::DraftEdit::Changes(body.into_inner()),
        None,
    )
    .await?
    .map_err(|stale| {
        AppError::Conflict(format!(
            "the draft was changed since updated_at{}: read it again and send the changes anew",
            if stale.changed.is_empty() {
                String::new()
            } else {
                format!(" ({} changed)", stale.changed.join(", "))
            }
        ))
    })?;
    Ok(HttpResponse::Ok().json(CampaignDetailBody::from(edited.campaign)))
}

/// A new personal link for a contact, with its invitation email queued unless the body
/// says `"send_email": false`; the answer ([`IssuedInvitation`]) carries the link
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
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let issued =
        campaigns::issue_invitation(&mut conn, &state.ctx(), &who.actor(), id, body.into_inner())
            .await?;
    Ok(HttpResponse::Created().json(issued))
}

/// Launches a draft campaign to its audience in one transaction; a second launch
/// answers 200 with `launched: false` and changes nothing.
#[post("/campaigns/{id}/launch")]
async fn launch(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::launch(&mut conn, &state.ctx(), &who.actor(), id).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Adds organisations to a launched campaign (their links and emails).
#[post("/campaigns/{id}/organisations")]
async fn add_organisations(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<AddOrganisations>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let ids = body.into_inner().organisation_ids;
    let outcome =
        lifecycle::add_organisations(&mut conn, &state.ctx(), &who.actor(), id, ids).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// A new deadline (a launched campaign's only later): the campaign and how many
/// contacts were emailed the new date (`notify_contacts`).
#[post("/campaigns/{id}/deadline")]
async fn change_deadline(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NewDeadline>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let changed =
        lifecycle::change_deadline(&mut conn, &state.ctx(), &who.actor(), id, body.into_inner())
            .await?;
    Ok(HttpResponse::Ok().json(DeadlineChangedBody {
        campaign: CampaignDetailBody::from(changed.campaign),
        contacts_told: changed.contacts_told,
    }))
}

/// Hands a draft or open campaign to another active member who manages campaigns (its
/// emails' Reply-To, and who is told after the deadline which organisations are
/// overdue): the campaign; the same owner again changes nothing.
#[post("/campaigns/{id}/owner")]
async fn change_owner(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NewOwner>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let changed = crate::services::campaign_owner::change_owner(
        &mut conn,
        &state.ctx(),
        &who.actor(),
        id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CampaignDetailBody::from(changed.campaign)))
}

/// Closes the campaign (a second close changes nothing and says so).
#[post("/campaigns/{id}/close")]
async fn close(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::close(&mut conn, &state.ctx(), &who.actor(), id).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// A reminder by hand to one organisation that has not submitted (its contacts with a
/// working link, at most once a contact a day): `{"queued": n, "message": "…"}`.
#[post("/campaigns/{id}/organisations/{org}/remind")]
async fn remind(
    who: Principal,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path.0, "campaign")?;
    let org = path_id(&path.1, "organisation")?;
    let mut conn = state.pool.get().await?;
    let outcome = crate::services::campaign_reminders::remind_organisation(
        &mut conn,
        &state.ctx(),
        &who.actor(),
        id,
        org,
    )
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Progress per organisation and contact with totals ([`Progress`]), filtered; CSV
/// with `format=csv`.
///
/// [`Progress`]: super::types::Progress
#[get("/campaigns/{id}/progress")]
async fn get_progress(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ProgressQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "campaign")?;
    let query = query.into_inner();
    let filter = progress::Filter {
        stage: query.stage,
        overdue: query.overdue,
        bounced: query.bounced,
        q: query.q,
        organisation: None,
        page: None,
    };
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(AppError::field("format", "give json or csv")),
    };
    let mut conn = state.pool.get().await?;
    let (_, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    if csv {
        Ok(crate::routes::pages::progress_csv(&p))
    } else {
        Ok(HttpResponse::Ok().json(p))
    }
}

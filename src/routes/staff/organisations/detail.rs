//! One organisation: its page (details, contacts, campaigns), the edit form,
//! deactivation, and its contacts (add, edit, deactivate).

use super::{field_errors, org_href};
use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::ids::{CampaignId, ContactId, OrganisationId};
use crate::error::{AppError, PageError};
use crate::routes::pages::{render, render_status, see_other};
use crate::services::organisations::{edit, pages, ContactInput, OrgInput};
use crate::state::AppState;
use crate::views::organisations::{
    contact_form, kind_choices, language_choices, org_form, owner_label, staff_choices,
    ContactLine, ContactPage, FormState, OrgPageView, RatingLine,
};
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show_handler)
        .service(update_handler)
        .service(deactivate_handler)
        .service(reactivate_handler)
        .service(add_contact_handler)
        .service(contact_form_handler)
        .service(update_contact_handler)
        .service(deactivate_contact_handler)
        .service(reactivate_contact_handler);
}

fn org_id(raw: &str) -> Result<OrganisationId, AppError> {
    crate::routes::path_id(raw, "organisation")
}

fn contact_id(raw: &str) -> Result<ContactId, AppError> {
    crate::routes::path_id(raw, "contact")
}

/// What was just saved, for the notice on the page after the redirect.
#[derive(Default, Deserialize)]
struct Saved {
    saved: Option<String>,
}

fn notice(saved: Option<&str>) -> String {
    match saved {
        Some("created") => "Organisation added.",
        Some("details") => "Details saved.",
        Some("unchanged") => "Nothing changed.",
        Some("contact") => "Contact added.",
        Some("contact-saved") => "Contact saved.",
        Some("deactivated") => "Deactivated.",
        Some("reactivated") => "Reactivated.",
        _ => "",
    }
    .into()
}

async fn org_page(
    state: &AppState,
    user: &StaffUser,
    id: OrganisationId,
    edit: Option<FormState>,
    contact: FormState,
    notice: String,
) -> Result<OrgPageView, PageError> {
    let mut conn = state.pool.get().await?;
    let page = pages::page(&mut conn, id).await?;
    let href = org_href(id);
    let rating = if user.role.can(Permission::ViewFlags) {
        let (rating, responses, _) =
            crate::services::responses::organisation_rating(&mut conn, id).await?;
        Some(RatingLine {
            responses: responses.len(),
            band: rating.band.map(|b| b.to_string()).unwrap_or_default(),
            flags: rating.flags,
        })
    } else {
        None
    };
    Ok(OrgPageView {
        rating,
        lang: "en".into(),
        title: page.org.name.clone(),
        nav: StaffNav::new(user, "/staff/organisations"),
        can_manage: user.role.can(Permission::ManageOrganisations),
        notice,
        owner: owner_label(&page.staff, page.org.owner_user_id),
        contacts: page
            .contacts
            .into_iter()
            .map(|c| ContactLine {
                href: format!("{href}/contacts/{}", c.id),
                contact: c,
            })
            .collect(),
        campaigns: page.campaigns,
        joinable: if user.role.can(Permission::ManageCampaigns) {
            page.joinable
        } else {
            Vec::new()
        },
        kinds: kind_choices(),
        staff: staff_choices(&page.staff),
        languages: language_choices(),
        edit: edit.unwrap_or_else(|| org_form(&OrgInput::of_record(&page.org))),
        contact_form: contact,
        href,
        org: page.org,
    })
}

#[get("/staff/organisations/{id}")]
async fn show_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    saved: web::Query<Saved>,
) -> Result<HttpResponse, PageError> {
    let id = org_id(&path)?;
    let notice = notice(saved.saved.as_deref());
    let page = org_page(&state, &user, id, None, FormState::default(), notice).await?;
    Ok(render(&page)?)
}

#[post("/staff/organisations/{id}")]
async fn update_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<OrgInput>,
) -> Result<HttpResponse, PageError> {
    let id = org_id(&path)?;
    let input = form.into_inner();
    let mut conn = state.pool.get().await?;
    match edit::update(&mut conn, &state.audit_key, &who.actor(), id, &input).await {
        Ok(true) => Ok(see_other(&format!("{}?saved=details", org_href(id)))),
        Ok(false) => Ok(see_other(&format!("{}?saved=unchanged", org_href(id)))),
        Err(e) => {
            let mut form = org_form(&input);
            form.errors = field_errors(e)?;
            let page = org_page(
                &state,
                &user,
                id,
                Some(form),
                FormState::default(),
                String::new(),
            )
            .await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

async fn set_org_active(
    state: &AppState,
    who: &Principal,
    raw: &str,
    active: bool,
) -> Result<HttpResponse, PageError> {
    let id = org_id(raw)?;
    let mut conn = state.pool.get().await?;
    edit::set_active(&mut conn, &state.audit_key, &who.actor(), id, active).await?;
    let saved = if active { "reactivated" } else { "deactivated" };
    Ok(see_other(&format!("{}?saved={saved}", org_href(id))))
}

#[post("/staff/organisations/{id}/deactivate")]
async fn deactivate_handler(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    set_org_active(&state, &who, &path, false).await
}

#[post("/staff/organisations/{id}/reactivate")]
async fn reactivate_handler(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    set_org_active(&state, &who, &path, true).await
}

#[post("/staff/organisations/{id}/contacts")]
async fn add_contact_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<ContactInput>,
) -> Result<HttpResponse, PageError> {
    let id = org_id(&path)?;
    let input = form.into_inner();
    let mut conn = state.pool.get().await?;
    match edit::add_contact(&mut conn, &state.audit_key, &who.actor(), id, &input).await {
        Ok(_) => Ok(see_other(&format!("{}?saved=contact", org_href(id)))),
        Err(e) => {
            let mut form = contact_form(&input);
            form.errors = field_errors(e)?;
            let page = org_page(&state, &user, id, None, form, String::new()).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

/// The campaign page a contact's edit came from ("Correct the address" beside an email
/// the server refused) and goes back to once saved; anything but a campaign id is
/// ignored, so the way back cannot lead off the site.
#[derive(Default, Deserialize)]
struct FromCampaign {
    campaign: Option<String>,
}

impl FromCampaign {
    fn id(&self) -> Option<CampaignId> {
        self.campaign.as_deref().and_then(|c| c.parse().ok())
    }
}

async fn contact_page(
    state: &AppState,
    user: &StaffUser,
    (id, cid): (OrganisationId, ContactId),
    campaign: Option<CampaignId>,
    form: Option<FormState>,
) -> Result<ContactPage, PageError> {
    let mut conn = state.pool.get().await?;
    let (org, contact) = pages::contact(&mut conn, id, cid).await?;
    let form = form.unwrap_or_else(|| contact_form(&ContactInput::of_record(&contact)));
    let action = format!("{}/contacts/{cid}", org_href(id));
    let (back, action) = match campaign {
        Some(c) => (
            (format!("/staff/campaigns/{c}"), "Campaign".to_string()),
            format!("{action}?campaign={c}"),
        ),
        None => ((org_href(id), org.name.clone()), action),
    };
    Ok(ContactPage {
        lang: "en".into(),
        title: format!("Edit contact {}", contact.name),
        nav: StaffNav::new(user, "/staff/organisations"),
        org_name: org.name,
        back,
        from_campaign: campaign.is_some(),
        action,
        languages: language_choices(),
        form,
    })
}

#[get("/staff/organisations/{id}/contacts/{contact_id}")]
async fn contact_form_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<(String, String)>,
    from: web::Query<FromCampaign>,
) -> Result<HttpResponse, PageError> {
    let ids = (org_id(&path.0)?, contact_id(&path.1)?);
    Ok(render(
        &contact_page(&state, &user, ids, from.id(), None).await?,
    )?)
}

#[post("/staff/organisations/{id}/contacts/{contact_id}")]
async fn update_contact_handler(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<(String, String)>,
    from: web::Query<FromCampaign>,
    form: web::Form<ContactInput>,
) -> Result<HttpResponse, PageError> {
    let (id, cid) = (org_id(&path.0)?, contact_id(&path.1)?);
    let input = form.into_inner();
    let mut conn = state.pool.get().await?;
    let saved =
        edit::update_contact(&mut conn, &state.audit_key, &who.actor(), id, cid, &input).await;
    match (saved, from.id()) {
        // Back to the campaign, whose "Re-send" now emails the address just saved.
        (Ok(changed), Some(campaign)) => {
            let notice = if changed {
                format!(
                    "Contact {} saved: re-send the invitation to reach the new address.",
                    input.name.trim()
                )
            } else {
                "Nothing changed.".to_string()
            };
            let query = crate::auth::csrf::signed_notice_query(
                &state.secret_key,
                user.id,
                &campaign.to_string(),
                &notice,
            );
            Ok(see_other(&format!("/staff/campaigns/{campaign}?{query}")))
        }
        (Ok(true), None) => Ok(see_other(&format!("{}?saved=contact-saved", org_href(id)))),
        (Ok(false), None) => Ok(see_other(&format!("{}?saved=unchanged", org_href(id)))),
        (Err(e), campaign) => {
            let mut form = contact_form(&input);
            form.errors = field_errors(e)?;
            let page = contact_page(&state, &user, (id, cid), campaign, Some(form)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
    }
}

async fn set_contact_active(
    state: &AppState,
    who: &Principal,
    path: &(String, String),
    active: bool,
) -> Result<HttpResponse, PageError> {
    let (id, cid) = (org_id(&path.0)?, contact_id(&path.1)?);
    let mut conn = state.pool.get().await?;
    edit::set_contact_active(&mut conn, &state.audit_key, &who.actor(), id, cid, active).await?;
    let saved = if active { "reactivated" } else { "deactivated" };
    Ok(see_other(&format!("{}?saved={saved}", org_href(id))))
}

#[post("/staff/organisations/{id}/contacts/{contact_id}/deactivate")]
async fn deactivate_contact_handler(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    set_contact_active(&state, &who, &path, false).await
}

#[post("/staff/organisations/{id}/contacts/{contact_id}/reactivate")]
async fn reactivate_contact_handler(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    set_contact_active(&state, &who, &path, true).await
}

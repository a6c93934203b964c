//! A campaign's per-contact actions, each in two steps so that a mis-click costs no
//! supplier their working link: "Re-send" (the old link stops working, a new one is
//! emailed) and "Revoke" (the link stops working, no email). The first post shows a
//! confirm page naming the contact, the organisation and what will happen; only a
//! post with `confirm=yes` acts. No script needed.

use super::campaign_page::after;
use super::{path_id, render, AppState, PageError};
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::ids::{CampaignId, ContactId};
use crate::services::campaigns;
use crate::views::campaigns::ContactConfirmPage;
use crate::views::staff::StaffNav;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resend).service(revoke);
}

/// The contact's organisation is the one it belongs to, and must be in the campaign
/// (an `organisation_id` posted with it is not needed, and not trusted).
#[derive(Deserialize)]
struct ContactForm {
    /// "yes" from the confirm page's button; anything else shows the confirm page.
    confirm: Option<String>,
}

impl ContactForm {
    fn confirmed(&self) -> bool {
        self.confirm.as_deref() == Some("yes")
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ContactAction {
    Resend,
    Revoke,
}

/// The confirm page of `action` on `contact`; a re-send that is refused
/// (a draft, a closed campaign, an organisation that has submitted:
/// `services::campaigns::resend_refusal`) is refused now, as the confirmed post would be.
async fn confirm_page(
    state: &AppState,
    user: &StaffUser,
    id: CampaignId,
    contact: ContactId,
    action: ContactAction,
) -> Result<HttpResponse, PageError> {
    let (campaign, c) = {
        let mut conn = state.pool.get().await?;
        campaigns::campaign_contact(&mut conn, id, contact).await?
    };
    if action == ContactAction::Resend {
        if let Some(refusal) = campaigns::resend_refusal(&campaign, &c) {
            return after(state, user, id, Err(refusal)).await;
        }
    }
    let (title, what, confirm_label, path) = match (action, c.has_active_link) {
        (ContactAction::Resend, true) => (
            format!("Re-send the link to {}?", c.contact_name),
            format!(
                "Their current link stops working at once; a new link is emailed to {}.",
                c.email
            ),
            "Confirm: re-send",
            "resend",
        ),
        (ContactAction::Resend, false) => (
            format!("Invite {}?", c.contact_name),
            format!("A link to the questionnaire is emailed to {}.", c.email),
            "Confirm: invite",
            "resend",
        ),
        (ContactAction::Revoke, true) => (
            format!("Revoke the link of {}?", c.contact_name),
            "Their link stops working at once; no email is sent.".to_string(),
            "Confirm: revoke",
            "revoke",
        ),
        (ContactAction::Revoke, false) => (
            format!("Revoke the link of {}?", c.contact_name),
            "They have no working link now; any link of theirs not yet revoked stops working, and no email is sent.".to_string(),
            "Confirm: revoke",
            "revoke",
        ),
    };
    Ok(render(&ContactConfirmPage {
        lang: "en".into(),
        title,
        nav: StaffNav::new(user, "/staff/campaigns"),
        campaign_id: id.to_string(),
        campaign_name: campaign.name,
        contact_name: c.contact_name,
        email: c.email,
        organisation_id: c.organisation_id.to_string(),
        organisation_name: c.organisation_name,
        action_url: format!("/staff/campaigns/{id}/contacts/{contact}/{path}"),
        what,
        confirm_label: confirm_label.into(),
    })?)
}

/// Confirmed: a new link for the contact (the old one stops working) and its email.
/// Unconfirmed: the confirm page, nothing done.
#[post("/staff/campaigns/{id}/contacts/{contact}/resend")]
async fn resend(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<(String, String)>,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path.0, "campaign")?;
    let contact = path_id(&path.1, "contact")?;
    if !form.confirmed() {
        return confirm_page(&state, &user, id, contact, ContactAction::Resend).await;
    }
    let mut conn = state.pool.get().await?;
    let outcome = campaigns::resend_to_contact(&mut conn, &state.ctx(), &who.actor(), id, contact)
        .await
        .map(|i| {
            if i.revoked_previous > 0 {
                "A new link was emailed; the previous one no longer works.".to_string()
            } else {
                "A link was emailed.".to_string()
            }
        });
    after(&state, &user, id, outcome).await
}

/// Confirmed: the contact's link stops working (no email). Unconfirmed: the confirm
/// page, nothing done.
#[post("/staff/campaigns/{id}/contacts/{contact}/revoke")]
async fn revoke(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<(String, String)>,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path.0, "campaign")?;
    let contact = path_id(&path.1, "contact")?;
    if !form.confirmed() {
        return confirm_page(&state, &user, id, contact, ContactAction::Revoke).await;
    }
    let mut conn = state.pool.get().await?;
    let outcome = campaigns::revoke_contact(&mut conn, &state.ctx(), &who.actor(), id, contact)
        .await
        .map(|n| match n {
            0 => "This contact has no active link: nothing changed.".to_string(),
            _ => "The link was revoked.".to_string(),
        });
    after(&state, &user, id, outcome).await
}

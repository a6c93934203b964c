//! A campaign's owner on its page: who it is, what having none means, and the form that
//! hands the campaign to another member who manages campaigns
//! (`services::campaign_owner`).

use super::campaign_page::after;
use super::{path_id, AppState, PageError};
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::campaign::{Action, Verdict};
use crate::domain::text::name_and_email;
use crate::error::AppError;
use crate::services::campaign_lifecycle::CampaignRecord;
use crate::services::campaign_owner::{self as owners, NewOwner, Standing};
use crate::services::Conn;
use crate::views::campaigns::OwnerBlock;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(change_owner);
}

/// The owner's block of the campaign page.
pub(super) async fn owner_block(
    conn: &mut Conn,
    campaign: &CampaignRecord,
) -> Result<OwnerBlock, AppError> {
    let standing = owners::standing(conn, campaign.owner_user_id).await?;
    let changeable = campaign.status.allows(Action::ChangeOwner) == Verdict::Allowed;
    let label = match &standing {
        Standing::Active(m) => name_and_email(&m.name, &m.email),
        Standing::Disabled(m) => {
            format!("{} (account disabled)", name_and_email(&m.name, &m.email))
        }
        Standing::None => "none".into(),
    };
    let warning = match &standing {
        _ if !changeable || standing.is_active() => String::new(),
        Standing::Disabled(m) => format!(
            "{}'s account is disabled: replies to this campaign's emails reach nobody, and after the deadline the administrators are told which organisations are overdue. Choose a new owner.",
            m.name
        ),
        _ => "This campaign has no owner: replies to its emails reach nobody, and after the deadline the administrators are told which organisations are overdue. Choose an owner.".into(),
    };
    let choices = if changeable {
        owners::candidates(conn)
            .await?
            .into_iter()
            .map(|m| {
                let selected = Some(m.id) == campaign.owner_user_id;
                (
                    m.id.to_string(),
                    name_and_email(&m.name, &m.email),
                    selected,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(OwnerBlock {
        label,
        warning,
        choices,
    })
}

#[derive(Deserialize)]
struct OwnerForm {
    owner_user_id: String,
}

#[post("/staff/campaigns/{id}/owner")]
async fn change_owner(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<OwnerForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    let outcome = match form.owner_user_id.trim().parse() {
        Err(_) => Err(AppError::field(
            "owner_user_id",
            "choose the new owner from the list",
        )),
        Ok(owner_user_id) => {
            let mut conn = state.pool.get().await?;
            owners::change_owner(
                &mut conn,
                &state.ctx(),
                &who.actor(),
                id,
                NewOwner { owner_user_id },
            )
            .await
            .map(|c| {
                let who = name_and_email(&c.owner.name, &c.owner.email);
                if c.changed {
                    format!("{who} now owns this campaign.")
                } else {
                    format!("{who} already owns this campaign: nothing changed.")
                }
            })
        }
    };
    after(&state, &user, id, outcome).await
}

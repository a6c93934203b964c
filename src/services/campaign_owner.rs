//! A campaign's owner: the staff member whose address the campaign's emails give as
//! `Reply-To` (without one, the emails say a reply reaches nobody) and who is told,
//! after the deadline, which organisations are overdue (without an active one, the
//! administrators are: `jobs::campaign_schedule`). Anyone who manages campaigns may
//! hand a draft or an open campaign to another active member who manages campaigns;
//! the change is audited (`campaign.owner_changed`, from and to).

use super::Conn;
use super::Ctx;
use crate::db;
use crate::db::audit::{self, Actor};
use crate::db::campaigns::CampaignRecord;
use crate::db::users::Member;
use crate::domain::campaign::Action;
use crate::domain::ids::CampaignId;
use crate::domain::role::{Permission, Role};
use crate::error::AppError;
use scoped_futures::ScopedFutureExt;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// Input for a new owner (`POST /api/v1/campaigns/{id}/owner`, and the page's form).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOwner {
    pub owner_user_id: Uuid,
}

/// What changing the owner did.
#[derive(Debug, Clone)]
pub struct OwnerChanged {
    pub campaign: CampaignRecord,
    pub owner: Member,
    /// False when the member given owned the campaign already: nothing was written.
    pub changed: bool,
}

/// Where a campaign's owner stands, for its page.
#[derive(Debug, Clone)]
pub enum Standing {
    Active(Member),
    /// The account was disabled: its address is no longer used.
    Disabled(Member),
    /// The campaign was created without an owner (through the API).
    None,
}

impl Standing {
    /// Whether a reply and the overdue notice reach the owner.
    pub fn is_active(&self) -> bool {
        matches!(self, Standing::Active(_))
    }
}

/// The roles whose members may own a campaign: those that manage campaigns.
pub fn owner_roles() -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| r.can(Permission::ManageCampaigns))
        .collect()
}

/// The members a campaign may be handed to: active, managing campaigns, by name.
pub async fn candidates(conn: &mut Conn) -> Result<Vec<Member>, AppError> {
    Ok(db::users::enabled_with_roles(conn, &owner_roles()).await?)
}

/// Where the owner `owner_user_id` stands.
pub async fn standing(conn: &mut Conn, owner_user_id: Option<Uuid>) -> Result<Standing, AppError> {
    let Some(id) = owner_user_id else {
        return Ok(Standing::None);
    };
    Ok(match db::users::find_member(conn, id).await? {
        Some(m) if m.disabled_at.is_none() => Standing::Active(m),
        Some(m) => Standing::Disabled(m),
        None => Standing::None,
    })
}

const NOT_AN_OWNER: &str =
    "choose an active staff member who manages campaigns (an administrator or procurement)";

/// The member `id` when they may own a campaign (an active account whose role manages
/// campaigns): the one rule for a new campaign's owner, a draft's new owner and a
/// hand-over. Else the error on `owner_user_id`.
pub async fn eligible(conn: &mut Conn, id: Uuid) -> Result<Member, AppError> {
    db::users::find_member(conn, id)
        .await?
        .filter(|m| m.disabled_at.is_none() && m.role.can(Permission::ManageCampaigns))
        .ok_or_else(|| AppError::field("owner_user_id", NOT_AN_OWNER))
}

/// Makes `input.owner_user_id` the owner of a draft or open campaign.
pub async fn change_owner(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    input: NewOwner,
) -> Result<OwnerChanged, AppError> {
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let campaign = db::campaigns::lock(tx, campaign_id)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
            super::campaign_allows(campaign.status, Action::ChangeOwner)?;
            let owner = eligible(tx, input.owner_user_id).await?;
            if campaign.owner_user_id == Some(owner.id) {
                return Ok(OwnerChanged {
                    campaign,
                    owner,
                    changed: false,
                });
            }
            db::campaign_owners::set_owner(tx, campaign.id, owner.id).await?;
            audit::append(
                tx,
                actor,
                "campaign.owner_changed",
                "campaign",
                campaign.id,
                json!({"from": campaign.owner_user_id, "to": owner.id}),
            )
            .await?;
            Ok(OwnerChanged {
                campaign: db::campaigns::find(tx, campaign.id)
                    .await?
                    .expect("locked row"),
                owner,
                changed: true,
            })
        }
        .scope_boxed()
    })
    .await
}

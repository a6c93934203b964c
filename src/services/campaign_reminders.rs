//! A reminder sent by hand: procurement nudges one organisation that has not submitted,
//! between the scheduled steps (`jobs::campaign_schedule`). The email is the scheduled
//! reminder's, with the same working link, to each active contact with a working link
//! whose address the mail server has not refused; at most one a contact a day, so a
//! double click or a reload sends nothing more.

use super::{Conn, Ctx};
use crate::db::audit::{self, Actor};
use crate::db::campaign_mail::{self as q, Targets};
use crate::domain::campaign::Action;
use crate::domain::ids::{CampaignId, OrganisationId};
use crate::error::AppError;
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::json;

/// The reminder step a reminder sent by hand is recorded with: like a scheduled step,
/// its email says that the deadline has passed once it has.
pub const BY_HAND_STEP: i32 = 0;

/// What a reminder by hand did: the emails queued (0 when every contact it would reach
/// had one today), and a sentence for the page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reminded {
    pub queued: usize,
    pub message: String,
}

/// Queues the reminder to `organisation_id`'s reachable contacts, in one transaction
/// with its audit entry. Refused for a campaign not launched or closed, an organisation
/// not in it, one that has submitted or is deactivated, and one nobody can be reached at.
pub async fn remind_organisation(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    organisation_id: OrganisationId,
) -> Result<Reminded, AppError> {
    let now = Utc::now();
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let campaign = crate::db::campaigns::lock(tx, campaign_id)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
            super::campaign_allows(campaign.status, Action::Remind)?;
            let target = q::reminder_target(tx, campaign_id.uuid(), organisation_id.uuid(), now)
                .await?
                .ok_or(AppError::NotFound("organisation in this campaign"))?;
            let refused = if target.submitted {
                Some(format!(
                    "{} has submitted: no reminder is needed",
                    target.name
                ))
            } else if target.deactivated {
                Some(format!("{} is deactivated", target.name))
            } else if target.reachable == 0 && !target.refused.is_empty() {
                Some(format!(
                    "the mail server refused every address at {} ({}): correct the address \
                     on the organisation's page, or re-send the link, first",
                    target.name,
                    target.refused.join(", ")
                ))
            } else if target.reachable == 0 {
                Some(format!(
                    "nobody at {} has a working link: re-send or invite a contact first",
                    target.name
                ))
            } else {
                None
            };
            if let Some(why) = refused {
                return Err(AppError::Conflict(why));
            }
            let queued = q::queue_for_invitations(
                tx,
                Targets::UnsubmittedOf {
                    campaign_id: campaign_id.uuid(),
                    organisation_id: organisation_id.uuid(),
                    now,
                },
                crate::email::campaign::Purpose::Reminder.as_str(),
                &format!("reminder:{campaign_id}:"),
                true,
                &format!(":by-hand:{}", now.date_naive()),
                None,
                Some(BY_HAND_STEP),
            )
            .await?;
            let not_to = match target.refused.as_slice() {
                [] => String::new(),
                [one] => format!("; not to {one}, whose address the mail server refused"),
                many => format!(
                    "; not to {}, whose addresses the mail server refused",
                    many.join(", ")
                ),
            };
            if queued.is_empty() {
                return Ok(Reminded {
                    queued: 0,
                    message: format!(
                        "the contacts of {} were already reminded today: nothing sent{not_to}",
                        target.name
                    ),
                });
            }
            audit::append(
                tx,
                actor,
                "campaign.reminder_sent",
                "campaign",
                campaign_id,
                json!({
                    "organisation_id": organisation_id,
                    "email_job_ids": queued,
                    "not_sent_refused": target.refused,
                }),
            )
            .await?;
            Ok(Reminded {
                queued: queued.len(),
                message: format!(
                    "a reminder was queued to {} at {}{not_to}",
                    super::campaign_lifecycle::counted(queued.len(), "contact"),
                    target.name
                ),
            })
        }
        .scope_boxed()
    })
    .await
    .inspect(|reminded| {
        if reminded.queued > 0 {
            ctx.jobs.wake();
        }
    })
}

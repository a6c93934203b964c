//! Campaigns (one questionnaire version sent to many organisations, with a deadline) and
//! the personal links that invite a contact to answer.

use super::{Conn, Ctx};
use crate::db;
use crate::db::audit::{self, Actor};
pub use crate::db::campaigns::{CampaignContact, CampaignRecord, Pickable};
pub use crate::db::models::{Campaign, Invitation};
use crate::domain::answers::FieldError;
use crate::domain::campaign::Action;
use crate::domain::i18n::Lang;
use crate::domain::ids::{CampaignId, ContactId, InvitationId, OrganisationId, ResponseId};
use crate::domain::states::{CampaignStatus, ResponseStatus};
use crate::domain::{dates, text, token};
use crate::error::{from_validator, AppError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

/// Input for a new campaign.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    #[validate(length(min = 1, max = 200, message = "give a name of 1 to 200 characters"))]
    pub name: String,
    /// Questionnaire id, e.g. `forced-labour`.
    pub template_id: String,
    /// Version number; the latest stored version when absent.
    pub template_version: Option<u32>,
    pub deadline: NaiveDate,
    /// The staff member who runs the campaign (Reply-To of its emails, told about
    /// overdue organisations).
    pub owner_user_id: Option<Uuid>,
    /// Shown in the invitation email and on the form's first page.
    pub message: Option<String>,
    /// Days before the deadline for reminders (default 14, 7, 2).
    pub reminder_days_before: Option<Vec<i32>>,
    /// Weekly reminders after the deadline, at most this many (default 4).
    pub reminder_weekly_after: Option<i32>,
    /// Days unused links keep working after the campaign is closed (default 14).
    pub link_grace_days: Option<i32>,
    /// Who the campaign goes to; with one, the campaign is a draft to launch.
    pub audience: Option<crate::domain::campaign::Audience>,
    /// The campaign this one is copied from ("Run again"), named in its audit entry.
    pub copied_from: Option<CampaignId>,
}

pub async fn create_campaign(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    mut input: NewCampaign,
) -> Result<Campaign, AppError> {
    // Every problem at once, each beside its field.
    let version = checked(ctx, &mut input)?;
    // With an audience the campaign is a draft, launched later as a whole; without one
    // it is open at once and links are issued one by one (as before issue 8).
    let details = super::campaign_lifecycle::CampaignDetails::checked(&input)?;
    let copied_from = input.copied_from;
    if let Some(from) = copied_from {
        if db::campaigns::find_campaign(conn, from).await?.is_none() {
            return Err(AppError::Validation(vec![FieldError {
                field: "copied_from".into(),
                message: "no campaign with this id to copy from".into(),
            }]));
        }
    }
    let status = if details.audience.is_some() {
        CampaignStatus::Draft
    } else {
        CampaignStatus::Open
    };
    let campaign = Campaign {
        id: CampaignId::random(),
        name: input.name,
        template_version_id: version.id,
        status,
        deadline: input.deadline,
        created_at: Utc::now(),
    };
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            if let Some(owner) = details.owner_user_id {
                super::campaign_owner::eligible(tx, owner).await?;
            }
            let c = db::campaigns::insert_campaign(tx, &campaign).await?;
            details.store(tx, c.id).await?;
            audit::append(
                tx,
                actor,
                "campaign.created",
                "campaign",
                c.id,
                json!({"template": version.questionnaire.id, "version": version.questionnaire.version, "deadline": c.deadline, "copied_from": copied_from}),
            )
            .await?;
            Ok(c)
        }
        .scope_boxed()
    })
    .await
}

/// The refusal of a re-send or a revoke for a contact whose organisation is not in the
/// campaign (organisations join a campaign only by its launch or "Add organisations").
pub const NOT_IN_CAMPAIGN: &str = "this contact is not in this campaign";

/// A contact of a campaign, as the confirm page of a re-send or a revoke names it;
/// not found unless the contact's organisation is in the campaign.
pub async fn campaign_contact(
    conn: &mut Conn,
    campaign_id: CampaignId,
    contact_id: ContactId,
) -> Result<(CampaignRecord, CampaignContact), AppError> {
    let campaign = db::campaigns::find(conn, campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let contact = db::campaigns::campaign_contact(conn, campaign_id, contact_id.uuid())
        .await?
        .ok_or(AppError::NotFound(NOT_IN_CAMPAIGN))?;
    Ok((campaign, contact))
}

/// A new link for a contact of the campaign (the old one stops working) and its email,
/// from the campaign page: refused (not found) unless the contact's organisation is in
/// the campaign, so that a re-send never adds an organisation.
pub async fn resend_to_contact(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    contact_id: ContactId,
) -> Result<IssuedInvitation, AppError> {
    let (campaign, contact) = campaign_contact(conn, campaign_id, contact_id).await?;
    if let Some(refusal) = resend_refusal(&campaign, &contact) {
        return Err(refusal);
    }
    issue_invitation(
        conn,
        ctx,
        actor,
        campaign_id,
        NewInvitation {
            organisation_id: OrganisationId::from(contact.organisation_id),
            contact_id,
            language: None,
            valid_days: None,
            send_email: Some(true),
        },
    )
    .await
}

/// Why a re-send (or a first link) to `contact` is refused, if it is: a campaign that is
/// not open, or an organisation that has submitted (its contacts' links show the
/// receipt; more answers are asked for by a clarification request, which reopens the
/// response). Asked by the confirm page and by [`resend_to_contact`].
pub fn resend_refusal(campaign: &CampaignRecord, contact: &CampaignContact) -> Option<AppError> {
    if let Err(e) = super::campaign_allows(campaign.status, Action::AddContacts) {
        return Some(e);
    }
    contact
        .submitted
        .then(|| submitted_refusal(&contact.organisation_name))
}

/// The refusal of an invitation email to a contact of `organisation`, which has
/// submitted: the email would ask for answers already given.
fn submitted_refusal(organisation: &str) -> AppError {
    AppError::Conflict(format!(
        "{organisation} has submitted its answers: a new link would show only its receipt. \
         To ask its contacts for more, send a clarification request from its response, \
         which reopens it."
    ))
}

/// The stored questionnaire version `input` asks for, or every problem of `input` at
/// once (its own fields, the questionnaire, the deadline), the name cleaned in place.
pub(super) fn checked(
    ctx: &Ctx<'_>,
    input: &mut NewCampaign,
) -> Result<std::sync::Arc<crate::services::questionnaires::LoadedVersion>, AppError> {
    let mut problems = check_fields(input);
    let version = ctx
        .registry
        .find(&input.template_id, input.template_version);
    if version.is_none() {
        problems.push(FieldError {
            field: "template_id".into(),
            message: format!(
                "no stored questionnaire \"{}\" with that version",
                input.template_id
            ),
        });
    }
    if let Some(problem) = dates::deadline_problem(input.deadline, Utc::now().date_naive()) {
        problems.push(FieldError {
            field: "deadline".into(),
            message: problem.into(),
        });
    }
    match version {
        Some(version) if problems.is_empty() => Ok(version),
        _ => Err(AppError::Validation(problems)),
    }
}

/// The problems of a new campaign's own fields (name, message, reminders, grace,
/// audience: all of them, not the first), the name cleaned in place. The questionnaire
/// and the deadline are checked by [`create_campaign`].
pub fn check_fields(input: &mut NewCampaign) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let name_ok = match text::clean_single_line("name", &input.name) {
        Ok(name) => {
            input.name = name;
            true
        }
        Err(e) => {
            problems.push(e);
            false
        }
    };
    if let Err(e) = input.validate() {
        if let AppError::Validation(fields) = from_validator(e) {
            problems.extend(fields.into_iter().filter(|f| name_ok || f.field != "name"));
        }
    }
    if let Err(AppError::Validation(fields)) =
        super::campaign_lifecycle::CampaignDetails::checked(input)
    {
        problems.extend(fields);
    }
    problems
}

/// Input for a personal link.
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub organisation_id: OrganisationId,
    pub contact_id: ContactId,
    /// Language the form opens in; the contact's language when absent.
    pub language: Option<String>,
    /// Days the link stays valid; default: until 30 days after the deadline.
    #[validate(range(min = 1, max = 400, message = "between 1 and 400 days"))]
    pub valid_days: Option<u32>,
    /// Queue the invitation email (default true).
    pub send_email: Option<bool>,
}

/// A link just issued. The token is shown here once; only its hash is stored.
#[derive(Debug, Serialize)]
pub struct IssuedInvitation {
    pub invitation_id: InvitationId,
    pub response_id: ResponseId,
    pub link: String,
    pub language: String,
    pub expires_at: DateTime<Utc>,
    /// How many earlier links of this contact for this campaign were revoked.
    pub revoked_previous: usize,
    /// The `send_email` job of the invitation email, when one was queued.
    pub email_job_id: Option<Uuid>,
}

/// Issues a link for a contact; any earlier link of the same contact for the campaign
/// stops working. The token is derived from the new invitation's id under the current
/// link key (`auth::links`), so a reminder can recompute it; only its hash is stored.
/// The invitation email is queued in the same transaction unless `send_email` is false.
pub async fn issue_invitation(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    input: NewInvitation,
) -> Result<IssuedInvitation, AppError> {
    input.validate().map_err(from_validator)?;
    let campaign = db::campaigns::find_campaign(conn, campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    super::campaign_allows(campaign.status, Action::AddContacts)?;
    let send_email = input.send_email.unwrap_or(true);
    let contact = db::organisations::find_contact_of(conn, input.contact_id, input.organisation_id)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "contact_id",
                "no such active contact in this organisation (a deactivated contact or organisation gets no link)",
            )
        })?;
    let version = ctx
        .registry
        .pinned(campaign.id, campaign.template_version_id)?;
    let questionnaire = &version.questionnaire;
    let offered = questionnaire
        .languages
        .iter()
        .map(|l| l.code())
        .collect::<Vec<_>>()
        .join(", ");
    // The form must open in a language the questionnaire has; without one given, the
    // contact's language if the questionnaire has it, else the questionnaire's default.
    let language = match &input.language {
        Some(code) => Lang::parse(code)
            .filter(|l| questionnaire.languages.contains(l))
            .ok_or_else(|| {
                AppError::field(
                    "language",
                    format!("this questionnaire is in {offered}: give one of these"),
                )
            })?,
        None => questionnaire.pick_lang(Some(contact.language)),
    };
    let invitation_id = InvitationId::random();
    // 256 bits (43 characters of 62 symbols each), unguessable without the secret key.
    let (token, link_key_id) = ctx.link_keys.issue(invitation_id);
    let now = Utc::now();
    // Checked: the deadline is validated on the way in, but a date stored before that
    // rule (or written by hand) must give a field error here, not a panic.
    let expires_at = match input.valid_days {
        Some(days) => now.checked_add_signed(Duration::days(days.into())),
        None => crate::domain::campaign::link_expiry(campaign.deadline, now),
    }
    .filter(|t| t.date_naive() <= dates::latest())
    .ok_or_else(|| {
        AppError::field(
            "valid_days",
            "the link would expire after the latest date this service accepts",
        )
    })?;
    let token_sha256 = token::token_sha256(&token);
    let jobs = ctx.jobs;
    let link = format!("{}/r/{token}", ctx.public_base_url);
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let response = db::responses::ensure_response(tx, campaign.id, contact.organisation_id).await?;
            // The API's invitations too (the staff page asks `resend_refusal` first); a
            // link without its email (`send_email: false`) is the caller's to give.
            if send_email && response.status == ResponseStatus::Submitted {
                return Err(submitted_refusal("This organisation"));
            }
            let revoked_previous = db::invitations::revoke_active(tx, db::invitations::LinksOf::ContactIn(campaign.id, contact.id)).await?;
            let invitation = Invitation {
                id: invitation_id,
                campaign_id: campaign.id.uuid(),
                organisation_id: contact.organisation_id,
                contact_id: contact.id,
                response_id: response.id,
                token_sha256,
                language,
                created_at: now,
                expires_at,
                revoked_at: None,
                last_used_at: None,
                link_key_id: Some(link_key_id),
                chosen_language: None,
            };
            db::invitations::insert_invitation(tx, &invitation).await?;
            let email_job_id = if send_email {
                crate::jobs::campaign_mail::queue_invitation(tx, jobs, invitation.id.uuid()).await?
            } else {
                None
            };
            audit::append(
                tx,
                actor,
                "invitation.issued",
                "response",
                response.id,
                json!({"invitation_id": invitation.id, "contact_id": contact.id, "expires_at": expires_at, "revoked_previous": revoked_previous, "email_job_id": email_job_id}),
            )
            .await?;
            Ok(IssuedInvitation {
                invitation_id: invitation.id,
                response_id: response.id,
                link,
                language: language.code().into(),
                expires_at,
                revoked_previous,
                email_job_id,
            })
        }
        .scope_boxed()
    })
    .await
    .inspect(|issued| {
        if issued.email_job_id.is_some() {
            jobs.wake();
        }
    })
}

/// Organisations a picker lists at most (the search narrows the rest).
pub const PICKER_ROWS: i64 = 2000;

/// Active organisations a draft can pick, or (with `campaign_id`) that a launched
/// campaign can add (those not in it yet), whose name or reference contains `search`:
/// at most [`PICKER_ROWS`] by name, and how many match in all.
pub async fn pickable_organisations(
    conn: &mut Conn,
    campaign_id: Option<CampaignId>,
    search: Option<&str>,
) -> Result<(Vec<Pickable>, usize), AppError> {
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    let rows =
        db::campaigns::pickable_organisations(conn, campaign_id, search, PICKER_ROWS).await?;
    let total = if rows.len() < PICKER_ROWS as usize {
        rows.len()
    } else {
        usize::try_from(db::campaigns::count_pickable(conn, campaign_id, search).await?)
            .unwrap_or(0)
    };
    Ok((rows, total))
}

/// The active organisations among those picked on a draft form (kept across a search).
pub async fn picked_organisations(
    conn: &mut Conn,
    ids: &[Uuid],
) -> Result<Vec<Pickable>, AppError> {
    let ids: Vec<Uuid> = ids
        .iter()
        .take(crate::domain::campaign::MAX_PICKED)
        .copied()
        .collect();
    Ok(db::campaigns::picked_organisations(conn, &ids).await?)
}

/// Revokes a contact's active link for the campaign (the email already sent stops
/// working); returns how many links were revoked. Not found unless the contact's
/// organisation is in the campaign.
pub async fn revoke_contact(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    contact_id: ContactId,
) -> Result<usize, AppError> {
    campaign_contact(conn, campaign_id, contact_id).await?;
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let n = db::invitations::revoke_active(
                tx,
                db::invitations::LinksOf::ContactIn(campaign_id, contact_id),
            )
            .await?;
            if n == 0 {
                // Already the state asked for: nothing to write.
                return Ok(0);
            }
            audit::append(
                tx,
                actor,
                "invitation.revoked",
                "campaign",
                campaign_id,
                json!({"contact_id": contact_id, "revoked": n}),
            )
            .await?;
            Ok(n)
        }
        .scope_boxed()
    })
    .await
}

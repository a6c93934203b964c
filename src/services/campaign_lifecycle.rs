//! A campaign's lifecycle (issue 8): the details of a new campaign, launch (one
//! transaction: responses, links and invitation emails for the whole audience, in
//! set-based statements), adding organisations, extending the deadline, closing.
//! The rules of each state are in `domain::campaign`.

use super::campaigns::NewCampaign;
use super::{Conn, Ctx};
use crate::db;
use crate::db::audit::{self, Actor};
use crate::db::campaign_links::{self as links_q, NewLinks};
use crate::db::campaigns as q;
pub use crate::db::campaigns::{AudienceMember, CampaignRecord};
use crate::db::Tx;
use crate::domain::answers::FieldError;
use crate::domain::campaign::{self as rules, Action, Audience, Verdict};
use crate::domain::ids::{CampaignId, InvitationId};
use crate::domain::token::token_sha256;
use crate::domain::{dates, text};
use crate::error::AppError;
use crate::jobs::campaign_mail;
use chrono::{DateTime, NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// The lifecycle fields of a new campaign, checked.
#[derive(Debug, Clone)]
pub struct CampaignDetails {
    pub owner_user_id: Option<Uuid>,
    pub message: Option<String>,
    pub reminder_days_before: Vec<i32>,
    pub reminder_weekly_after: i32,
    pub link_grace_days: i32,
    pub audience: Option<Audience>,
}

impl CampaignDetails {
    /// The optional fields of `input` with their defaults, or every field that is wrong.
    pub fn checked(input: &NewCampaign) -> Result<CampaignDetails, AppError> {
        let mut problems: Vec<FieldError> = Vec::new();
        let mut problem = |field: &str, message: String| {
            problems.push(FieldError {
                field: field.into(),
                message,
            })
        };
        let message = match input.message.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => match text::clean_multi_line("message", m) {
                Err(e) => {
                    problem(&e.field, e.message);
                    None
                }
                Ok(m) if m.chars().count() > 4000 => {
                    problem("message", "at most 4000 characters".into());
                    None
                }
                Ok(m) => Some(m),
            },
        };
        let schedule = rules::reminder_schedule(
            input
                .reminder_days_before
                .clone()
                .unwrap_or_else(|| vec![14, 7, 2]),
            input.reminder_weekly_after.unwrap_or(4),
        )
        .map_err(|wrong| {
            for (f, m) in wrong {
                problem(f, m.into());
            }
        })
        .ok();
        let grace = input.link_grace_days.unwrap_or(14);
        if !(0..=365).contains(&grace) {
            problem("link_grace_days", "between 0 and 365 days".into());
        }
        let audience = match input.audience.clone() {
            None => None,
            Some(a) => a
                .normalised()
                .map_err(|wrong| {
                    for (f, m) in wrong {
                        problem(f, m);
                    }
                })
                .ok(),
        };
        match schedule {
            Some((days, weekly)) if problems.is_empty() => Ok(CampaignDetails {
                owner_user_id: input.owner_user_id,
                message,
                reminder_days_before: days,
                reminder_weekly_after: weekly,
                link_grace_days: grace,
                audience,
            }),
            _ => Err(AppError::Validation(problems)),
        }
    }

    /// Writes the details on campaign `id` (inside its creating transaction).
    pub async fn store(&self, tx: &mut Tx<'_>, id: CampaignId) -> Result<CampaignRecord, AppError> {
        if let Some(owner) = self.owner_user_id {
            if !db::users::exists(tx, owner).await? {
                return Err(AppError::field(
                    "owner_user_id",
                    "no staff account with this id",
                ));
            }
        }
        let audience = match &self.audience {
            Some(a) => Some(serde_json::to_value(a).map_err(|e| AppError::Internal(e.into()))?),
            None => None,
        };
        if let Some(Audience::Organisations(ids)) = &self.audience {
            let found = q::audience_organisations(tx, Some(ids), &Default::default()).await?;
            if found.len() != ids.len() {
                return Err(AppError::field(
                    "audience",
                    format!(
                        "{} of the organisations picked do not exist or are deactivated",
                        ids.len() - found.len()
                    ),
                ));
            }
        }
        Ok(q::set_details(
            tx,
            id,
            self.owner_user_id,
            self.message.as_deref(),
            &self.reminder_days_before,
            self.reminder_weekly_after,
            self.link_grace_days,
            audience.as_ref(),
        )
        .await?)
    }
}

/// What a launch (or adding organisations) did.
#[derive(Debug, Clone, Serialize)]
pub struct LaunchOutcome {
    pub campaign_id: CampaignId,
    /// False when nothing was done (the campaign was launched before).
    pub launched: bool,
    pub message: String,
    pub launched_at: Option<DateTime<Utc>>,
    /// Organisations of the audience (each has a response in the campaign).
    pub organisations: usize,
    /// Of those, the ones that got at least one new link (an invitation).
    pub organisations_invited: usize,
    /// Of those, the ones without an active contact with a usable address: no one
    /// there was invited.
    pub organisations_not_invited: usize,
    pub responses_created: usize,
    pub links: usize,
    pub emails: usize,
    /// Active contacts left out because their email address is not usable.
    pub contacts_skipped: usize,
}

/// The active organisations an audience stands for now (what a launch invites).
async fn organisations_of(conn: &mut Conn, audience: &Audience) -> Result<Vec<Uuid>, AppError> {
    Ok(match audience {
        Audience::Organisations(ids) => {
            q::audience_organisations(conn, Some(ids), &Default::default()).await?
        }
        Audience::Filter(f) => q::audience_organisations(conn, None, f).await?,
    })
}

/// The organisations a draft's preview lists at most (those without a contact first).
pub const PREVIEW_ROWS: i64 = 200;

/// Who a draft's launch would invite, as it stands now: at most [`PREVIEW_ROWS`] active
/// organisations of the audience with the contacts the launch would email (one with
/// none would get no email), and the audience's totals on every row. Empty for a
/// campaign without an audience.
pub async fn launch_preview(
    conn: &mut Conn,
    audience: Option<&Audience>,
) -> Result<Vec<q::AudienceMember>, AppError> {
    let Some(audience) = audience else {
        return Ok(Vec::new());
    };
    let organisations = organisations_of(conn, audience).await?;
    Ok(q::audience_members(conn, &organisations, PREVIEW_ROWS).await?)
}

/// Launches a draft campaign to its audience in one transaction. A second launch
/// changes nothing and says so (`launched: false`).
pub async fn launch(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
) -> Result<LaunchOutcome, AppError> {
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let campaign = lock(tx, campaign_id).await?;
            if let Some(message) = already_done(&campaign, Action::Launch)? {
                // An open campaign that was never launched invites contacts one by one:
                // there is nothing to launch, and "already launched" would be untrue.
                let message = if campaign.launched_at.is_none() {
                    "this campaign invites contacts one by one (it has no audience to launch): nothing changed".to_string()
                } else {
                    message
                };
                return Ok(LaunchOutcome {
                    campaign_id,
                    launched: false,
                    message,
                    launched_at: campaign.launched_at,
                    organisations: 0,
                    organisations_invited: 0,
                    organisations_not_invited: 0,
                    responses_created: 0,
                    links: 0,
                    emails: 0,
                    contacts_skipped: 0,
                });
            }
            if let Some(problem) = dates::deadline_problem(campaign.deadline, Utc::now().date_naive()) {
                return Err(AppError::field("deadline", problem));
            }
            let audience: Audience = campaign
                .audience
                .clone()
                .and_then(|a| serde_json::from_value(a).ok())
                .ok_or_else(|| AppError::field("audience", "this campaign has no audience: pick organisations or give a filter"))?;
            let organisations = organisations_of(tx, &audience).await?;
            if organisations.is_empty() {
                return Err(AppError::field("audience", "no active organisation is in this audience"));
            }
            let mut outcome = issue_links(tx, ctx, &campaign, &organisations).await?;
            if outcome.links == 0 {
                // Returning the error rolls back what `issue_links` wrote.
                return Err(AppError::field(
                    "audience",
                    format!(
                        "nobody would be invited: no organisation of the audience ({}) has an active contact with a usable email address; add a contact on the organisation's page first",
                        counted(organisations.len(), "organisation")
                    ),
                ));
            }
            let launched_at = q::mark_launched(tx, campaign.id).await?;
            outcome.launched = true;
            outcome.launched_at = Some(launched_at);
            outcome.message = format!(
                "launched to {}: {} queued",
                counted(outcome.organisations_invited, "organisation"),
                counted(outcome.emails, "invitation email")
            );
            if outcome.organisations_not_invited > 0 {
                outcome.message.push_str(&format!(
                    "; {} no active contact with a usable email address and {} not invited",
                    match outcome.organisations_not_invited {
                        1 => "1 organisation has".to_string(),
                        n => format!("{n} organisations have"),
                    },
                    if outcome.organisations_not_invited == 1 { "is" } else { "are" },
                ));
            }
            audit::append(
                tx,
                actor,
                "campaign.launched",
                "campaign",
                campaign.id,
                json!({"organisations": outcome.organisations, "organisations_invited": outcome.organisations_invited, "links": outcome.links, "emails": outcome.emails, "contacts_skipped": outcome.contacts_skipped}),
            )
            .await?;
            Ok(outcome)
        }
        .scope_boxed()
    })
    .await
    .inspect(|outcome| wake_if_queued(ctx, outcome))
}

/// Adds organisations to a launched campaign: responses, links and emails for them (in
/// one transaction); organisations already in the campaign get links only for contacts
/// that have none.
pub async fn add_organisations(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    organisation_ids: Vec<Uuid>,
) -> Result<LaunchOutcome, AppError> {
    let ids = match Audience::Organisations(organisation_ids).normalised() {
        Ok(Audience::Organisations(ids)) => ids,
        _ => {
            return Err(AppError::field(
                "organisation_ids",
                "pick at least one organisation",
            ))
        }
    };
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let campaign = lock(tx, campaign_id).await?;
            super::campaign_allows(campaign.status, Action::AddOrganisations)?;
            let found = q::audience_organisations(tx, Some(&ids), &Default::default()).await?;
            if found.len() != ids.len() {
                return Err(AppError::field(
                    "organisation_ids",
                    "some organisations do not exist or are deactivated",
                ));
            }
            let mut outcome = issue_links(tx, ctx, &campaign, &found).await?;
            outcome.launched_at = campaign.launched_at;
            // Organisations already in the campaign are not "added": say what happened.
            outcome.message = match (outcome.responses_created, outcome.emails) {
                (0, 0) => "already in the campaign: nothing changed".to_string(),
                (0, emails) => format!(
                    "already in the campaign: {} queued for contacts without a link",
                    counted(emails, "invitation email")
                ),
                (added, emails) => format!(
                    "{} added: {} queued",
                    counted(added, "organisation"),
                    counted(emails, "invitation email")
                ),
            };
            audit::append(
                tx,
                actor,
                "campaign.organisations_added",
                "campaign",
                campaign.id,
                json!({"organisations": found, "links": outcome.links, "emails": outcome.emails}),
            )
            .await?;
            Ok(outcome)
        }
        .scope_boxed()
    })
    .await
    .inspect(|outcome| wake_if_queued(ctx, outcome))
}

/// Wakes the worker (after the commit) when the outcome queued emails.
fn wake_if_queued(ctx: &Ctx<'_>, outcome: &LaunchOutcome) {
    if outcome.emails > 0 {
        ctx.jobs.wake();
    }
}

/// The campaign, locked for the rest of the transaction.
async fn lock(tx: &mut Tx<'_>, id: CampaignId) -> Result<CampaignRecord, AppError> {
    q::lock(tx, id).await?.ok_or(AppError::NotFound("campaign"))
}

/// `Some(message)` when `action` was already taken (nothing to do, and no error);
/// `None` when it may be taken now; refused otherwise.
fn already_done(c: &CampaignRecord, action: Action) -> Result<Option<String>, AppError> {
    match c.status.allows(action) {
        Verdict::Allowed => Ok(None),
        Verdict::AlreadyDone(why) => Ok(Some(format!("{why}: nothing changed"))),
        Verdict::Refused(why) => Err(AppError::Conflict(why.into())),
    }
}

/// Responses for `organisations` and a link (with its invitation email) for each of
/// their active contacts without one, in a few set-based statements whatever the
/// audience's size.
async fn issue_links(
    tx: &mut Tx<'_>,
    ctx: &Ctx<'_>,
    campaign: &CampaignRecord,
    organisations: &[Uuid],
) -> Result<LaunchOutcome, AppError> {
    let version = ctx
        .registry
        .pinned(campaign.id, campaign.template_version_id)?;
    let questionnaire = &version.questionnaire;
    let responses_created = links_q::insert_responses(tx, campaign.id, organisations).await?;
    let candidates = links_q::contacts_to_invite(tx, campaign.id, organisations).await?;
    let skipped = candidates.iter().filter(|c| !c.email_ok).count();
    let mut links = NewLinks::default();
    for c in candidates.into_iter().filter(|c| c.email_ok) {
        let id = InvitationId::random();
        let (token, _) = ctx.link_keys.issue(id);
        links.invitation_ids.push(id.uuid());
        links.organisation_ids.push(c.organisation_id);
        links.contact_ids.push(c.contact_id);
        links.response_ids.push(c.response_id);
        links.token_hashes.push(token_sha256(&token));
        links
            .languages
            .push(questionnaire.pick_lang(Some(c.language)));
    }
    let n = links.invitation_ids.len();
    let invited: std::collections::HashSet<Uuid> = links.organisation_ids.iter().copied().collect();
    let mut emails = 0;
    if n > 0 {
        links_q::insert_links(
            tx,
            campaign.id,
            &links,
            link_expiry(campaign.deadline)?,
            ctx.link_keys.current_id(),
        )
        .await?;
        emails = campaign_mail::queue_invitations(tx, ctx.jobs, &links.invitation_ids)
            .await?
            .len();
    }
    Ok(LaunchOutcome {
        campaign_id: campaign.id,
        launched: false,
        message: String::new(),
        launched_at: None,
        organisations: organisations.len(),
        organisations_invited: invited.len(),
        organisations_not_invited: organisations.len() - invited.len(),
        responses_created,
        links: n,
        emails,
        contacts_skipped: skipped,
    })
}

/// When links issued now stop working (`domain::campaign::link_expiry`).
fn link_expiry(deadline: NaiveDate) -> Result<DateTime<Utc>, AppError> {
    crate::domain::campaign::link_expiry(deadline, Utc::now()).ok_or_else(|| {
        AppError::field(
            "deadline",
            "links would expire after the latest date this service accepts",
        )
    })
}

/// Input for a new deadline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDeadline {
    pub deadline: NaiveDate,
    /// A launched campaign: email the new date to every contact with a working link of
    /// every organisation that has not submitted (once per contact and deadline).
    #[serde(default)]
    pub notify_contacts: bool,
}

/// What changing the deadline did.
#[derive(Debug, Clone)]
pub struct DeadlineChanged {
    pub campaign: CampaignRecord,
    /// Contacts emailed the new date (`NewDeadline::notify_contacts`).
    pub contacts_told: usize,
    /// False when the date given was the deadline already: nothing was written.
    pub changed: bool,
}

/// Moves the deadline (a launched campaign's only later); active links of the campaign
/// then last until 30 days after the new deadline; a launched campaign's reminders
/// follow the new deadline (`domain::reminders::counted_from`), and, when asked, the
/// contacts who have not submitted are told the new date.
pub async fn change_deadline(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    input: NewDeadline,
) -> Result<DeadlineChanged, AppError> {
    let changed = crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let campaign = lock(tx, campaign_id).await?;
            super::campaign_allows(campaign.status, Action::ExtendDeadline)?;
            if let Some(p) = rules::deadline_change_problem(
                campaign.status,
                campaign.deadline,
                input.deadline,
                Utc::now().date_naive(),
            ) {
                return Err(AppError::field("deadline", p));
            }
            if input.deadline == campaign.deadline {
                // Nothing moves: no write, no audit entry, no email, and the reminders
                // keep counting from where they did (a step due this minute still goes).
                return Ok(DeadlineChanged {
                    campaign,
                    contacts_told: 0,
                    changed: false,
                });
            }
            let expiry = link_expiry(input.deadline)?;
            q::set_deadline(tx, campaign.id, input.deadline, expiry).await?;
            let told = if input.notify_contacts
                && campaign.status == crate::domain::states::CampaignStatus::Open
            {
                campaign_mail::queue_deadline_extended(
                    tx,
                    ctx.jobs,
                    (campaign.id.uuid(), input.deadline),
                    Utc::now(),
                )
                .await?
                .len()
            } else {
                0
            };
            audit::append(
                tx,
                actor,
                "campaign.deadline_changed",
                "campaign",
                campaign.id,
                json!({"from": campaign.deadline, "to": input.deadline, "contacts_told": told}),
            )
            .await?;
            Ok(DeadlineChanged {
                campaign: q::find(tx, campaign.id).await?.expect("locked row"),
                contacts_told: told,
                changed: true,
            })
        }
        .scope_boxed()
    })
    .await?;
    if changed.contacts_told > 0 {
        ctx.jobs.wake();
    }
    Ok(changed)
}

/// What closing did.
#[derive(Debug, Clone, Serialize)]
pub struct CloseOutcome {
    pub campaign_id: CampaignId,
    pub closed: bool,
    pub message: String,
    /// Unused links now expiring at the end of the grace period.
    pub links_expiring: usize,
}

/// Closes the campaign: unused links expire after its grace period; links in use keep
/// working until they expire (a respondent can finish). Closing twice changes nothing.
pub async fn close(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
) -> Result<CloseOutcome, AppError> {
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let campaign = lock(tx, campaign_id).await?;
            if let Some(message) = already_done(&campaign, Action::Close)? {
                return Ok(CloseOutcome {
                    campaign_id,
                    closed: false,
                    message,
                    links_expiring: 0,
                });
            }
            let n = q::close(tx, campaign.id, campaign.link_grace_days).await?;
            audit::append(
                tx,
                actor,
                "campaign.closed",
                "campaign",
                campaign.id,
                json!({"grace_days": campaign.link_grace_days, "links_expiring": n}),
            )
            .await?;
            Ok(CloseOutcome {
                campaign_id,
                closed: true,
                message: format!(
                    "closed: answers are no longer accepted; {} that no one opened {} in {} (until then {} that the campaign is closed)",
                    counted(n, "link"),
                    if n == 1 { "stops opening" } else { "stop opening" },
                    counted(campaign.link_grace_days.max(0) as usize, "day"),
                    if n == 1 { "it says" } else { "they say" },
                ),
                links_expiring: n,
            })
        }
        .scope_boxed()
    })
    .await
}

/// "1 organisation", "2 organisations": a count with its noun (English staff pages).
pub fn counted(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

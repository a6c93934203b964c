//! Campaign progress (issue 8, item 6): each organisation's stage, the totals and each
//! contact's link and email delivery (a refused email shows the server's answer), with
//! filters; and an organisation's timeline. The rules are in `domain::progress`.

use super::questionnaires::QuestionnaireRegistry;
use super::Conn;
use crate::db;
use crate::db::campaigns::CampaignRecord;
pub use crate::domain::campaign_progress::Progress;
use crate::domain::campaign_progress::{self as rules, ContactProgress, LinkState, Stage};
use crate::domain::ids::{CampaignId, OrganisationId};
use crate::domain::reminders;
use crate::domain::states::CampaignStatus;
use crate::email::campaign::Purpose;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use crate::domain::campaign_progress::{chart_svg, csv};

/// Filters of the progress page and API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    pub stage: Option<String>,
    pub overdue: Option<bool>,
    pub bounced: Option<bool>,
    /// Part of the organisation's name (case-insensitive).
    pub q: Option<String>,
    /// One organisation only (its timeline page; only its rows are read, so the totals
    /// are its own); not a filter of the API.
    #[serde(skip)]
    pub organisation: Option<Uuid>,
    /// One page of the organisations (and only their contacts): the staff page's.
    #[serde(skip)]
    pub page: Option<Paging>,
}

/// A page of the progress's organisations: `number` from 1 (past the last page: the
/// last), `size` organisations each.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub number: usize,
    pub size: usize,
}

/// The campaign and its progress, filtered (the totals are over every organisation but
/// with `Filter::organisation`, where only that one is read).
pub async fn progress(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    campaign_id: CampaignId,
    filter: &Filter,
) -> Result<(CampaignRecord, Progress), AppError> {
    let campaign = db::campaigns::find(conn, campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let stage_filter = match filter.stage.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Stage::parse(s).ok_or_else(|| {
            AppError::field(
                "stage",
                "give submitted, in_progress, opened, invited, link_expired or not_invited",
            )
        })?),
    };
    let required: Vec<String> = registry
        .get(campaign.template_version_id)
        .map(|v| {
            v.questionnaire
                .questions()
                .filter(|q| q.required)
                .map(|q| q.id.clone())
                .collect()
        })
        .unwrap_or_default();
    let now = Utc::now();
    let past_deadline = crate::domain::reminders::deadline_passed(campaign.deadline, now);
    let mut all: Vec<_> =
        db::progress::organisations(conn, campaign.id, &required, filter.organisation)
            .await?
            .into_iter()
            .map(|r| {
                rules::organisation_progress(
                    rules::OrganisationFacts {
                        organisation_id: r.organisation_id,
                        name: r.organisation_name,
                        country: r.country,
                        external_ref: r.external_ref,
                        response_id: r.response_id,
                        submitted: r.status == crate::domain::states::ResponseStatus::Submitted,
                        submitted_at: r.submitted_at,
                        links: r.links,
                        usable_links: r.usable_links,
                        first_opened_at: r.first_opened_at,
                        answers: r.answers,
                        required_answered: r.required_answered,
                        bounced: r.bounced,
                    },
                    required.len(),
                    past_deadline,
                )
            })
            .collect();
    let totals = rules::totals(&all);
    let needle = filter
        .q
        .as_deref()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    all.retain(|o| {
        stage_filter.is_none_or(|s| o.stage == s)
            && filter.organisation.is_none_or(|id| o.organisation_id == id)
            && filter.overdue.is_none_or(|v| o.overdue == v)
            && filter.bounced.is_none_or(|v| o.bounced == v)
            && needle
                .as_ref()
                .is_none_or(|n| o.name.to_lowercase().contains(n))
    });
    let listed = all.len();
    let mut page = 1;
    if let Some(paging) = filter.page {
        let size = paging.size.max(1);
        page = paging.number.clamp(1, listed.div_ceil(size).max(1));
        all = all.into_iter().skip((page - 1) * size).take(size).collect();
    }
    let shown: std::collections::HashSet<Uuid> = all.iter().map(|o| o.organisation_id).collect();
    let only: Option<Vec<Uuid>> = (filter.page.is_some() || filter.organisation.is_some())
        .then(|| shown.iter().copied().collect());
    let contacts = db::progress::contacts(conn, campaign.id, only.as_deref())
        .await?
        .into_iter()
        .filter(|c| shown.contains(&c.organisation_id))
        .map(|c| ContactProgress {
            link: LinkState::of(
                c.invitation_id.is_some(),
                c.revoked_at.is_some(),
                c.expires_at,
                now,
            ),
            contact_id: c.contact_id,
            organisation_id: c.organisation_id,
            name: c.name,
            email: c.email,
            invitation_id: c.invitation_id,
            first_opened_at: c.first_opened_at,
            email_status: c.email_status,
            email_error: c.email_error,
            address_refused: c.address_refused,
            contact_deactivated: c.contact_deactivated,
            organisation_deactivated: c.organisation_deactivated,
        })
        .collect();
    let next_reminder = (campaign.status != CampaignStatus::Closed)
        .then(|| {
            reminders::next_step(
                campaign.deadline,
                &campaign.reminder_schedule(),
                campaign.reminders_from(),
                now,
            )
        })
        .flatten();
    let progress = Progress {
        campaign_id: campaign.id.uuid(),
        name: campaign.name.clone(),
        status: campaign.status,
        deadline: campaign.deadline,
        next_reminder,
        required_questions: required.len(),
        totals,
        listed,
        page,
        organisations: all,
        contacts,
    };
    Ok((campaign, progress))
}

/// One event on an organisation's timeline.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub what: String,
    pub detail: String,
}

/// An organisation's timeline in a campaign, oldest first: every email (queued,
/// delivered, refused), link (issued, opened, revoked), save and the submission.
pub async fn timeline(
    conn: &mut Conn,
    campaign_id: CampaignId,
    organisation_id: OrganisationId,
) -> Result<Vec<Event>, AppError> {
    Ok(db::progress::timeline(conn, campaign_id, organisation_id)
        .await?
        .into_iter()
        .map(|r| Event {
            at: r.at,
            what: r.what,
            // An email: "reminder to a@example.com".
            detail: match r.purpose {
                Some(code) => match Purpose::parse(&code) {
                    Some(purpose) => format!("{} to {}", purpose.label(), r.detail),
                    None => format!("{code} to {}", r.detail),
                },
                None => r.detail,
            },
        })
        .collect())
}

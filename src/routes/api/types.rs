//! The JSON bodies of the API, in and out. Requests are the services' input types
//! (validated there, re-exported here); responses are built here from rows and domain
//! values, never rows themselves, so the wire format changes only when these types do.
//! Field names are the published ones (e.g. `template_id`, kept for compatibility).

use crate::domain::flag::FlagStatus;
use crate::domain::i18n::Lang;
use crate::domain::ids::{CampaignId, ContactId, OrganisationId, ResponseId};
use crate::domain::rating::Rating;
use crate::domain::risk::Band;
use crate::domain::states::{CampaignStatus, OrganisationKind, ResponseStatus};
use crate::services::campaign_lifecycle::CampaignRecord;
use crate::services::campaigns::Campaign;
use crate::services::flags::organisation::PreviousFlag;
use crate::services::organisations::{Contact, Organisation};
use crate::services::questionnaires::LoadedVersion;
use crate::services::responses::{Flag, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

pub use crate::domain::campaign_progress::Progress;
pub use crate::services::campaign_drafts::DraftChanges;
pub use crate::services::campaign_lifecycle::{CloseOutcome, LaunchOutcome, NewDeadline};
pub use crate::services::campaign_owner::NewOwner;
pub use crate::services::campaigns::{IssuedInvitation, NewCampaign, NewInvitation};
pub use crate::services::organisations::{NewContact, NewOrganisation};
pub use crate::services::responses::RatedResponse;

/// An organisation (`POST /organisations`, and inside [`OrganisationWithContacts`]).
#[derive(Debug, Serialize)]
pub struct OrganisationBody {
    pub id: OrganisationId,
    pub kind: OrganisationKind,
    pub name: String,
    pub country: String,
    pub sector: Option<String>,
    pub external_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationBody {
    fn from(o: Organisation) -> Self {
        OrganisationBody {
            id: o.id,
            kind: o.kind,
            name: o.name,
            country: o.country,
            sector: o.sector,
            external_ref: o.external_ref,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A contact of an organisation (`POST /organisations/{id}/contacts`).
#[derive(Debug, Serialize)]
pub struct ContactBody {
    pub id: ContactId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub email: String,
    pub language: Lang,
    pub job_title: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Contact> for ContactBody {
    fn from(c: Contact) -> Self {
        ContactBody {
            id: c.id,
            organisation_id: c.organisation_id,
            name: c.name,
            email: c.email,
            language: c.language,
            job_title: c.job_title,
            created_at: c.created_at,
        }
    }
}

/// `GET /organisations/{id}`.
#[derive(Debug, Serialize)]
pub struct OrganisationWithContacts {
    pub organisation: OrganisationBody,
    pub contacts: Vec<ContactBody>,
}

/// One stored questionnaire version (`GET /templates`).
#[derive(Debug, Serialize)]
pub struct QuestionnaireVersionBody {
    pub version_id: Uuid,
    /// The questionnaire's id (the published name of the key).
    pub template_id: String,
    pub version: u32,
    /// In the questionnaire's default language.
    pub title: String,
    pub languages: Vec<Lang>,
    pub sha256: String,
    pub questions: usize,
}

impl From<&LoadedVersion> for QuestionnaireVersionBody {
    fn from(v: &LoadedVersion) -> Self {
        let q = &v.questionnaire;
        QuestionnaireVersionBody {
            version_id: v.id,
            template_id: q.id.clone(),
            version: q.version,
            title: q.title.get(q.default_lang()).to_string(),
            languages: q.languages.clone(),
            sha256: v.sha256.clone(),
            questions: q.questions().count(),
        }
    }
}

/// A campaign (`POST /campaigns`).
#[derive(Debug, Serialize)]
pub struct CampaignBody {
    pub id: CampaignId,
    pub name: String,
    pub template_version_id: Uuid,
    pub status: CampaignStatus,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<Campaign> for CampaignBody {
    fn from(c: Campaign) -> Self {
        CampaignBody {
            id: c.id,
            name: c.name,
            template_version_id: c.template_version_id,
            status: c.status,
            deadline: c.deadline,
            created_at: c.created_at,
        }
    }
}

/// `POST /campaigns/{id}/deadline`: the campaign, and the contacts emailed the new date.
#[derive(Debug, Serialize)]
pub struct DeadlineChangedBody {
    #[serde(flatten)]
    pub campaign: CampaignDetailBody,
    pub contacts_told: usize,
}

/// A campaign with its lifecycle fields (`POST /campaigns/{id}/deadline`).
#[derive(Debug, Serialize)]
pub struct CampaignDetailBody {
    pub id: CampaignId,
    pub name: String,
    pub template_version_id: Uuid,
    pub status: CampaignStatus,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub owner_user_id: Option<Uuid>,
    pub message: Option<String>,
    pub reminder_days_before: Vec<i32>,
    pub reminder_weekly_after: i32,
    pub link_grace_days: i32,
    pub audience: Option<Value>,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The draft's version: `PATCH` with it as `updated_at` applies only if unchanged.
    pub updated_at: DateTime<Utc>,
}

impl From<CampaignRecord> for CampaignDetailBody {
    fn from(c: CampaignRecord) -> Self {
        CampaignDetailBody {
            id: c.id,
            name: c.name,
            template_version_id: c.template_version_id,
            status: c.status,
            deadline: c.deadline,
            created_at: c.created_at,
            owner_user_id: c.owner_user_id,
            message: c.message,
            reminder_days_before: c.reminder_days_before,
            reminder_weekly_after: c.reminder_weekly_after,
            link_grace_days: c.link_grace_days,
            audience: c.audience,
            launched_at: c.launched_at,
            closed_at: c.closed_at,
            updated_at: c.updated_at,
        }
    }
}

/// `POST /campaigns/{id}/organisations`: organisations to add to a launched campaign.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOrganisations {
    pub organisation_ids: Vec<Uuid>,
}

/// `GET /campaigns/{id}/progress`: filters, and `format=csv` for a CSV export.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// `submitted`, `in_progress`, `opened`, `invited`, `link_expired`, `not_invited`.
    pub stage: Option<String>,
    pub overdue: Option<bool>,
    pub bounced: Option<bool>,
    /// Part of the organisation's name.
    pub q: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// `GET /responses/{id}/flags`: a response's flags, worst first, and its rating.
#[derive(Debug, Serialize)]
pub struct ResponseFlags {
    pub response_id: ResponseId,
    pub status: ResponseStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The worst band among the flags (`null` without flags).
    pub overall_band: Option<Band>,
    pub rating: Rating,
    pub flags: Vec<FlagBody>,
}

/// A flag with the question and the rule that raised it.
#[derive(Debug, Serialize)]
pub struct FlagBody {
    pub id: Uuid,
    pub question_id: String,
    /// The question's label in the questionnaire's default language.
    pub question: Option<String>,
    pub rule_index: i32,
    pub indicator: String,
    pub severity: i16,
    pub likelihood: i16,
    pub score: i16,
    pub band: Band,
    pub critical: bool,
    /// A knock-out rule's flag is critical whatever the matrix says.
    pub knock_out: bool,
    /// What the score alone gives.
    pub matrix_band: Band,
    pub affected_workers: Option<i32>,
    pub workforce: Option<i32>,
    pub answer: Value,
    /// The rule's explanation in every language of the questionnaire.
    pub explanation: Option<BTreeMap<Lang, String>>,
    pub status: FlagStatus,
    pub created_at: DateTime<Utc>,
    /// The flag this question raised in the organisation's previous submission of the
    /// questionnaire, if it raised one ("flagged last time too").
    pub previous: Option<PreviousFlagBody>,
}

/// The flag a question raised in the organisation's previous submission.
#[derive(Debug, Serialize)]
pub struct PreviousFlagBody {
    pub id: Uuid,
    /// Its state now.
    pub status: FlagStatus,
    /// When that submission was made.
    pub submitted_at: DateTime<Utc>,
}

impl ResponseFlags {
    /// `version`: the questionnaire version the response answers, for the questions'
    /// labels and the rules' explanations (left `null` when it is not loaded);
    /// `previous`: the flags raised last time too, by flag id.
    pub fn new(
        response: Response,
        version: Option<&LoadedVersion>,
        flags: Vec<Flag>,
        previous: &HashMap<Uuid, PreviousFlag>,
    ) -> Self {
        let overall_band = flags.iter().map(|f| f.band).max();
        let facts: Vec<_> = flags
            .iter()
            .filter_map(crate::services::responses::flag_facts)
            .collect();
        let questionnaire = version.map(|v| &v.questionnaire);
        let lang = questionnaire.map(|q| q.default_lang()).unwrap_or(Lang::En);
        let flags = flags
            .into_iter()
            .map(|f| {
                let question = questionnaire.and_then(|q| q.find(&f.question_id));
                let rule = question.and_then(|q| q.risk.get(f.rule_index as usize));
                FlagBody {
                    id: f.id,
                    question: question.map(|q| q.label.get(lang).to_string()),
                    question_id: f.question_id,
                    rule_index: f.rule_index,
                    indicator: f.indicator,
                    severity: f.severity,
                    likelihood: f.likelihood,
                    score: f.score,
                    band: f.band,
                    critical: f.critical,
                    knock_out: f.critical,
                    matrix_band: Band::of(f.score.clamp(0, 25) as u8, false),
                    affected_workers: f.affected_workers,
                    workforce: f.workforce,
                    answer: f.answer,
                    explanation: rule.map(|r| r.explanation.0.clone()),
                    status: f.status,
                    created_at: f.created_at,
                    previous: previous.get(&f.id).map(|p| PreviousFlagBody {
                        id: p.previous_id,
                        status: p.previous_status,
                        submitted_at: p.previous_submitted_at,
                    }),
                }
            })
            .collect();
        ResponseFlags {
            response_id: response.id,
            status: response.status,
            submitted_at: response.submitted_at,
            overall_band,
            rating: Rating::of(&facts),
            flags,
        }
    }
}

/// `GET /organisations/{id}/rating`.
#[derive(Debug, Serialize)]
pub struct OrganisationRating {
    pub organisation_id: OrganisationId,
    pub rating: Rating,
    /// The latest submitted response to each questionnaire.
    pub responses: Vec<RatedResponse>,
    pub flags: Vec<RatedFlag>,
}

/// `GET /ranking`: organisations worst first (`services::ranking`).
#[derive(Debug, Serialize)]
pub struct RankingBody {
    pub organisations: Vec<RankedBody>,
    /// Active organisations of the filter's kind and country that have not submitted.
    pub not_rated: i64,
}

#[derive(Debug, Serialize)]
pub struct RankedBody {
    /// 1 for the worst.
    pub rank: usize,
    pub organisation_id: Uuid,
    pub name: String,
    pub kind: crate::domain::states::OrganisationKind,
    pub country: String,
    pub rating: Rating,
    /// Its latest submitted responses the rating is built from (one per questionnaire).
    pub responses: usize,
    pub last_submitted: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<crate::services::ranking::Ranking> for RankingBody {
    fn from(r: crate::services::ranking::Ranking) -> Self {
        RankingBody {
            organisations: r
                .rows
                .into_iter()
                .enumerate()
                .map(|(i, o)| RankedBody {
                    rank: i + 1,
                    organisation_id: o.organisation_id,
                    name: o.name,
                    kind: o.kind,
                    country: o.country,
                    rating: o.rating,
                    responses: o.responses,
                    last_submitted: o.last_submitted,
                })
                .collect(),
            not_rated: r.not_rated,
        }
    }
}

/// A flag as the rating counts it.
#[derive(Debug, Serialize)]
pub struct RatedFlag {
    pub id: Uuid,
    pub response_id: Uuid,
    pub question_id: String,
    pub rule_index: i32,
    pub indicator: String,
    pub score: i16,
    pub band: Band,
    pub knock_out: bool,
    pub affected_workers: Option<i32>,
    pub workforce: Option<i32>,
    pub status: FlagStatus,
}

impl From<Flag> for RatedFlag {
    fn from(f: Flag) -> Self {
        RatedFlag {
            id: f.id,
            response_id: f.response_id,
            question_id: f.question_id,
            rule_index: f.rule_index,
            indicator: f.indicator,
            score: f.score,
            band: f.band,
            knock_out: f.critical,
            affected_workers: f.affected_workers,
            workforce: f.workforce,
            status: f.status,
        }
    }
}

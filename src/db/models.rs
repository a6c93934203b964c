//! Rows as read from and written to the tables in `schema.rs`.

use super::schema::*;
use crate::domain::flag::FlagStatus;
use crate::domain::i18n::Lang;
// The typed ids, for the modules that read these rows (`use super::models::*`).
pub use crate::domain::ids::{CampaignId, ContactId, InvitationId, OrganisationId, ResponseId};
use crate::domain::risk::Band;
use crate::domain::role::Role;
use crate::domain::states::{CampaignStatus, OrganisationKind, ResponseStatus};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: OrganisationId,
    pub kind: OrganisationKind,
    pub name: String,
    pub country: String,
    pub sector: Option<String>,
    pub external_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = contacts)]
pub struct Contact {
    pub id: ContactId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub email: String,
    pub language: Lang,
    pub job_title: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An organisation with every field the staff pages show (owner, business unit,
/// deactivation).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrgRecord {
    pub id: OrganisationId,
    pub kind: OrganisationKind,
    pub name: String,
    pub country: String,
    pub sector: Option<String>,
    pub business_unit: Option<String>,
    pub owner_user_id: Option<Uuid>,
    pub external_ref: Option<String>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A contact with its deactivation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct ContactRecord {
    pub id: ContactId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub email: String,
    pub language: Lang,
    pub job_title: Option<String>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = template_versions)]
pub struct TemplateVersion {
    pub id: Uuid,
    pub template_id: String,
    pub version: i32,
    pub title: String,
    pub languages: Vec<String>,
    pub source: String,
    pub content_sha256: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub template_version_id: Uuid,
    pub status: CampaignStatus,
    pub deadline: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = responses)]
pub struct Response {
    pub id: ResponseId,
    pub campaign_id: CampaignId,
    pub organisation_id: OrganisationId,
    pub status: ResponseStatus,
    pub language: Option<Lang>,
    pub answers_sha256: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by_contact_id: Option<ContactId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The declaration signed with the submission (all three set, or none).
    pub signatory_name: Option<String>,
    pub signatory_title: Option<String>,
    pub declared_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: InvitationId,
    /// A plain UUID until `db::campaign_mail` reads it as a `CampaignId`.
    pub campaign_id: Uuid,
    pub organisation_id: OrganisationId,
    pub contact_id: ContactId,
    pub response_id: ResponseId,
    pub token_sha256: String,
    pub language: Lang,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The link key the token was derived with (`auth::links`); `None` for an older
    /// random token, which cannot be recomputed.
    pub link_key_id: Option<i32>,
    /// The language the respondent picked on the start page (`None`: not picked yet).
    pub chosen_language: Option<Lang>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = answers)]
pub struct Answer {
    pub response_id: ResponseId,
    pub question_id: String,
    pub value: serde_json::Value,
    pub answered_by_contact_id: Option<ContactId>,
    pub updated_at: DateTime<Utc>,
    /// One more on every change of `value` (optimistic concurrency per question).
    pub version: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = evidence_files)]
pub struct NewEvidenceFile {
    pub id: Uuid,
    pub response_id: ResponseId,
    pub question_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by_contact_id: Option<ContactId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = flags)]
pub struct Flag {
    pub id: Uuid,
    pub response_id: Uuid,
    pub question_id: String,
    pub rule_index: i32,
    pub indicator: String,
    pub severity: i16,
    pub likelihood: i16,
    pub score: i16,
    pub band: Band,
    pub critical: bool,
    pub answer: serde_json::Value,
    pub status: FlagStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Workers the flag concerns and the site's workforce, as answered (see
    /// `domain::risk::RaisedFlag`).
    pub affected_workers: Option<i32>,
    pub workforce: Option<i32>,
}

impl Flag {
    /// Whether its risk acceptance and close take two members (a trigger, or a
    /// critical band: `domain::flag_workflow::four_eyes`).
    pub fn four_eyes(&self) -> bool {
        crate::domain::flag_workflow::four_eyes(self.critical, self.band)
    }
}

/// A staff account as listed (never its password hash).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What signing in needs of an account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct Credentials {
    pub id: Uuid,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A clarification request: the committee's questions on flagged answers of a response.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = clarification_requests)]
pub struct ClarificationRequest {
    pub id: Uuid,
    pub response_id: Uuid,
    pub invitation_id: Uuid,
    pub requested_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by_contact_id: Option<Uuid>,
    pub score_before: i16,
    pub flags_before: i32,
    pub score_after: Option<i16>,
    pub flags_after: Option<i32>,
    /// Withdrawn by a member before the supplier replied (`withdraw_question`): when,
    /// by whom and why. A withdrawn request no longer waits.
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawn_reason: Option<String>,
}

impl ClarificationRequest {
    /// Neither answered nor withdrawn: the supplier's reply is awaited.
    pub fn is_waiting(&self) -> bool {
        self.answered_at.is_none() && self.withdrawn_at.is_none()
    }
}

/// One reopened answer of a clarification request, with the reply next to the original.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = clarification_items)]
pub struct ClarificationItem {
    pub request_id: Uuid,
    pub question_id: String,
    pub flag_ids: Vec<Uuid>,
    pub question: String,
    pub original_answer: Option<serde_json::Value>,
    pub reply_answer: Option<serde_json::Value>,
    pub reply_note: Option<String>,
    pub score_before: i16,
    pub score_after: Option<i16>,
}

/// A corrective action plan on a flag.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = action_plans)]
pub struct ActionPlan {
    pub id: Uuid,
    pub flag_id: Uuid,
    pub root_cause: String,
    pub actions: String,
    pub owner_contact_id: Option<Uuid>,
    pub owner_user_id: Option<Uuid>,
    pub start_date: chrono::NaiveDate,
    pub due_date: chrono::NaiveDate,
    pub status: crate::domain::remedy::PlanStatus,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
    pub verified_by: Option<Uuid>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
}

/// The remedy facts of a plan (numbers and dates, never names).
#[derive(Debug, Clone, Default, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = action_plan_remedies, primary_key(plan_id), treat_none_as_null = true)]
pub struct ActionPlanRemedy {
    pub plan_id: Uuid,
    pub workers_affected: Option<i32>,
    pub fees_repaid_hundredths: Option<i64>,
    pub fees_currency: Option<String>,
    pub workers_repaid: Option<i32>,
    pub fees_repaid_on: Option<chrono::NaiveDate>,
    pub documents_returned: Option<i32>,
    pub documents_returned_on: Option<chrono::NaiveDate>,
}

/// A flag's committee state: what a decision checks and changes.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = flags)]
pub struct FlagWork {
    pub id: Uuid,
    pub status: FlagStatus,
    pub critical: bool,
    pub band: Band,
    pub version: i32,
    pub assignee_id: Option<Uuid>,
    pub decision_reason: Option<String>,
    /// The pending first signature of a four-eyes decision: who, when, for which.
    pub signed_by: Option<Uuid>,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_for: Option<crate::domain::flag_workflow::Signed>,
    pub campaign_id: CampaignId,
    pub organisation_id: OrganisationId,
}

/// One decision on a flag (`flag_decisions`), as written and read.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = flag_decisions)]
pub struct FlagDecision {
    pub id: Uuid,
    pub flag_id: Uuid,
    pub member_id: Option<Uuid>,
    pub actor_kind: String,
    pub action: crate::domain::flag_workflow::ActionKind,
    pub from_status: FlagStatus,
    pub to_status: FlagStatus,
    pub assignee_id: Option<Uuid>,
    pub reason: Option<String>,
    pub flag_version: i32,
}

/// A comment on a flag.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = flag_comments)]
pub struct FlagComment {
    pub id: Uuid,
    pub flag_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
}

//! Use cases. Each public function owns its transaction (when it writes) and records
//! what it did in the audit log; handlers only parse input and render output.

pub mod accounts;
pub mod action_plan_cancel;
pub mod action_plans;
pub mod answer_saves;
pub mod audit;
pub mod campaign_copies;
pub mod campaign_drafts;
pub mod campaign_email_preview;
pub mod campaign_lifecycle;
pub mod campaign_owner;
pub mod campaign_progress;
pub mod campaign_reminders;
pub mod campaigns;
pub mod carry_over;
pub mod clarification_withdraw;
pub mod clarifications;
pub mod ctx;
pub mod exports;
pub mod flags;
pub mod inherent_risk;
pub mod jobs;
pub mod link_requests;
pub mod listings;
pub mod malware;
pub mod organisations;
pub mod outbox;
pub mod questionnaires;
pub mod ranking;
pub mod reassessments;
pub mod receipt_downloads;
pub mod receipts;
pub mod respondent;
pub mod responses;
pub mod scoring;
pub mod seed;

pub use ctx::Ctx;

/// The connection type every service takes (defined once, in `db`).
pub use crate::db::Conn;

/// `action` on a campaign in `status`, or the refusal as a conflict (409) naming why:
/// the one way the services ask `domain::campaign`'s rules, where nothing done is no
/// answer of its own.
pub(crate) fn campaign_allows(
    status: crate::domain::states::CampaignStatus,
    action: crate::domain::campaign::Action,
) -> Result<(), crate::error::AppError> {
    use crate::domain::campaign::Verdict;
    match status.allows(action) {
        Verdict::Allowed => Ok(()),
        Verdict::AlreadyDone(why) | Verdict::Refused(why) => {
            Err(crate::error::AppError::Conflict(why.into()))
        }
    }
}

/// Whether the database answers (the health check).
pub async fn database_answers(conn: &mut Conn) -> Result<(), crate::error::AppError> {
    Ok(crate::db::ping(conn).await?)
}

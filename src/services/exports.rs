//! Exports for the committee: a campaign's responses (one row per organisation, one
//! column per question), flags and corrective action plans, read in pages so an export of any size keeps one
//! page in memory. The file formats (CSV, XLSX) are written in `views::exports`.

use super::flags::organisation::{previous_flags, PreviousFlag};
use super::questionnaires::QuestionnaireRegistry;
use super::scoring::group_answers;
use super::Conn;
use crate::db;
pub use crate::db::exports::{FlagRow, PlanRow, ResponseRow};
pub use crate::db::flag_decisions::DecisionRow;
use crate::db::models::{ActionPlan, Campaign};
use crate::domain::answers::Answers;
use crate::domain::exports;
use crate::domain::ids::CampaignId;
use crate::domain::questionnaire::{Question, Questionnaire};
use crate::error::AppError;
use std::collections::HashMap;
use uuid::Uuid;

/// Rows read per page.
pub const PAGE: i64 = 500;

/// What a responses export is about: the campaign and the question columns.
#[derive(Debug, Clone)]
pub struct ResponsesExport {
    pub campaign: Campaign,
    /// The questionnaire's id (columns come from all its stored versions).
    pub questionnaire_id: String,
    pub columns: Vec<Question>,
}

/// The campaign and its columns; `NotFound` for an unknown campaign.
pub async fn responses_export(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    campaign_id: CampaignId,
) -> Result<ResponsesExport, AppError> {
    let campaign = db::campaigns::find_campaign(conn, campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let pinned = registry
        .get(campaign.template_version_id)
        .ok_or(AppError::NotFound("questionnaire version"))?;
    let questionnaire_id = pinned.questionnaire.id.clone();
    let all = registry.all();
    let versions: Vec<&Questionnaire> = all
        .iter()
        .map(|l| &l.questionnaire)
        .filter(|q| q.id == questionnaire_id)
        .collect();
    let columns = exports::columns(&versions).into_iter().cloned().collect();
    Ok(ResponsesExport {
        campaign,
        questionnaire_id,
        columns,
    })
}

/// One page of the campaign's responses (by organisation name) with their answers;
/// pass the last row's [`page_key`] to get the next page.
pub async fn responses_page(
    conn: &mut Conn,
    campaign_id: Uuid,
    after: Option<(String, Uuid)>,
) -> Result<Vec<(ResponseRow, Answers)>, AppError> {
    let rows = db::exports::responses_page(conn, campaign_id, after, PAGE).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.response_id).collect();
    let mut answers = group_answers(db::scoring::answers_of_responses(conn, &ids).await?);
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = answers.remove(&r.response_id).unwrap_or_default();
            (r, a)
        })
        .collect())
}

/// The paging key of a responses row.
pub fn page_key(row: &ResponseRow) -> (String, Uuid) {
    (row.organisation_name.clone(), row.response_id)
}

/// A page of flags as exported: each flag with the decisions on it and its corrective
/// action plans (each oldest first), every staff member they name ("name <email>"), and
/// the flags raised on the same question by the organisation's previous submission.
pub struct FlagsPage {
    pub flags: Vec<(FlagRow, Vec<DecisionRow>, Vec<ActionPlan>)>,
    pub people: HashMap<Uuid, String>,
    /// The page's flags whose question was flagged in the organisation's previous
    /// submission too, by flag id.
    pub previous: HashMap<Uuid, PreviousFlag>,
}

/// One page of flags (of a campaign, or all), in id order after `after`.
pub async fn flags_page(
    conn: &mut Conn,
    campaign_id: Option<Uuid>,
    after: Option<Uuid>,
) -> Result<FlagsPage, AppError> {
    let rows = db::exports::flags_page(conn, campaign_id, after, PAGE).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.flag.id).collect();
    let mut decisions: HashMap<Uuid, Vec<DecisionRow>> = HashMap::new();
    for d in db::flag_decisions::of_flags(conn, &ids).await? {
        decisions.entry(d.0.flag_id).or_default().push(d);
    }
    let mut plans: HashMap<Uuid, Vec<ActionPlan>> = HashMap::new();
    for p in db::action_plans::plans_of_flags(conn, &ids).await? {
        plans.entry(p.flag_id).or_default().push(p);
    }
    let named: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.assignee_id)
        .chain(decisions.values().flatten().filter_map(|d| d.0.assignee_id))
        .chain(
            plans
                .values()
                .flatten()
                .flat_map(|p| [Some(p.created_by), p.cancelled_by])
                .flatten(),
        )
        .collect();
    let people = db::exports::people_of(conn, &named).await?;
    let previous = previous_flags(conn, &ids).await?;
    let flags = rows
        .into_iter()
        .map(|r| {
            let d = decisions.remove(&r.flag.id).unwrap_or_default();
            let p = plans.remove(&r.flag.id).unwrap_or_default();
            (r, d, p)
        })
        .collect();
    Ok(FlagsPage {
        flags,
        people,
        previous,
    })
}

/// One page of corrective action plans (of a campaign, or all), in id order after
/// `after`.
pub async fn plans_page(
    conn: &mut Conn,
    campaign_id: Option<Uuid>,
    after: Option<Uuid>,
) -> Result<Vec<PlanRow>, AppError> {
    Ok(db::exports::plans_page(conn, campaign_id, after, PAGE).await?)
}

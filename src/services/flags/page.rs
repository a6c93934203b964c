//! What the flag page shows: the flag, where it comes from, its committee state, every
//! decision (dissents included) and comment, the clarifications of its answer, and who
//! it can be assigned to, and the organisation's earlier answers to the flag's question.

use super::deciding_roles;
use crate::db::earlier_answers::{self, EarlierAnswer};
use crate::db::flag_decisions::DecisionRow;
use crate::db::models::{
    ActionPlan, Campaign, ClarificationItem, ClarificationRequest, Flag, FlagComment, FlagWork,
    Organisation,
};
use crate::db::{
    campaigns, clarifications, flag_comments, flag_decisions, flags, organisations, users,
};
use crate::domain::flag_workflow::plan_standing;
use crate::domain::remedy::PlanStatus;
use crate::error::AppError;
use crate::services::Conn;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use crate::db::users::Member;

/// Everything on one flag's page.
pub struct FlagPage {
    pub flag: Flag,
    pub work: FlagWork,
    pub organisation: Organisation,
    pub campaign: Campaign,
    pub assignee: Option<Member>,
    pub signed_by: Option<Member>,
    pub decisions: Vec<DecisionRow>,
    pub comments: Vec<(FlagComment, DateTime<Utc>, String)>,
    /// Members a flag can be assigned to.
    pub members: Vec<Member>,
    /// The clarifications that reopened the flag's answer, newest first.
    pub clarifications: Vec<(ClarificationRequest, ClarificationItem)>,
    /// A question to the supplier waits for their reply on the flag's response (about
    /// this flag's answer or another's): no other can be asked until they reply.
    pub question_waiting: bool,
    /// The flag's corrective action plan still planned or in progress: the flag is not
    /// closed over it (`domain::flag_workflow::UnfinishedPlan`).
    pub unfinished_plan: Option<(Uuid, PlanStatus)>,
    /// The flag's plans, oldest first (its history says when each was written and
    /// cancelled), and the names of the members who wrote or cancelled them.
    pub plans: Vec<ActionPlan>,
    pub plan_people: std::collections::HashMap<Uuid, String>,
    /// The flag's newest plan is cancelled: a new one can be written, and a flag that
    /// requires corrective action may be closed (`domain::flag_workflow::FlagNow`).
    pub plan_cancelled: bool,
    /// The organisation's submissions of the same questionnaire before this one (newest
    /// first, at most [`EARLIER_SHOWN`]), each with its answer to the flag's question and
    /// the flags that answer raised.
    pub earlier: Vec<(EarlierAnswer, Vec<(Flag, FlagWork)>)>,
    /// The earlier response this flag's response was started from, when its contact chose
    /// "Start from your last answers".
    pub carried_from: Option<Uuid>,
}

/// How many earlier submissions the flag page lists.
pub const EARLIER_SHOWN: i64 = 5;

async fn earlier_answers(
    conn: &mut Conn,
    flag: &Flag,
) -> Result<Vec<(EarlierAnswer, Vec<(Flag, FlagWork)>)>, AppError> {
    let earlier =
        earlier_answers::before(conn, flag.response_id, &flag.question_id, EARLIER_SHOWN).await?;
    let ids: Vec<Uuid> = earlier.iter().map(|e| e.response_id).collect();
    let raised = flags::with_work_of_responses(conn, &ids).await?;
    Ok(earlier
        .into_iter()
        .map(|e| {
            let mine = raised
                .iter()
                .filter(|(f, _)| {
                    f.response_id == e.response_id && f.question_id == flag.question_id
                })
                .cloned()
                .collect();
            (e, mine)
        })
        .collect())
}

pub async fn load(conn: &mut Conn, flag_id: Uuid) -> Result<FlagPage, AppError> {
    let (flag, work) = flags::find_with_work(conn, flag_id)
        .await?
        .ok_or(AppError::NotFound("flag"))?;
    let organisation = organisations::find_organisation(conn, work.organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let campaign = campaigns::find_campaign(conn, work.campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let members = users::enabled_with_roles(conn, &deciding_roles()).await?;
    let mut named = async |id: Option<Uuid>| -> Result<Option<Member>, AppError> {
        Ok(match id {
            Some(id) => users::find_member(conn, id).await?,
            None => None,
        })
    };
    let assignee = named(work.assignee_id).await?;
    let signed_by = named(work.signed_by).await?;
    let plans = crate::db::action_plans::plans_of_flag(conn, flag_id).await?;
    let (unfinished_plan, plan_cancelled) =
        plan_standing(&plans.iter().map(|p| (p.id, p.status)).collect::<Vec<_>>());
    let plans: Vec<ActionPlan> = plans.into_iter().rev().collect();
    let people: std::collections::BTreeSet<Uuid> = plans
        .iter()
        .flat_map(|p| [Some(p.created_by), p.cancelled_by])
        .flatten()
        .collect();
    let mut plan_people = std::collections::HashMap::new();
    for id in people {
        if let Some(m) = users::find_member(conn, id).await? {
            plan_people.insert(id, m.name);
        }
    }
    let earlier = earlier_answers(conn, &flag).await?;
    let carried_from = crate::services::carry_over::carried_into(conn, &[flag.response_id])
        .await?
        .remove(&flag.response_id)
        .map(|c| c.response_id);
    Ok(FlagPage {
        earlier,
        carried_from,
        decisions: flag_decisions::of_flag(conn, flag_id).await?,
        comments: flag_comments::of_flag(conn, flag_id).await?,
        clarifications: clarifications::items_of_flag(conn, flag_id).await?,
        question_waiting: clarifications::open_request(conn, flag.response_id)
            .await?
            .is_some(),
        unfinished_plan: unfinished_plan.map(|p| (p.id, p.status)),
        plans,
        plan_people,
        plan_cancelled,
        flag,
        work,
        organisation,
        campaign,
        assignee,
        signed_by,
        members,
    })
}

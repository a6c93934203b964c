//! A flag's corrective action plans as its close reads them: the plan still to be
//! carried out holds the close; a flag that requires corrective action closes once its
//! newest plan was cancelled.

use super::{FlagNow, Refusal};
use crate::domain::flag::FlagStatus;
use crate::domain::remedy::PlanStatus;
use uuid::Uuid;

/// Where a flag's corrective action plans leave its close, from their ids and states
/// newest first: the plan still to be carried out, if any, and whether the newest was
/// cancelled ([`FlagNow::unfinished_plan`], [`FlagNow::plan_cancelled`]). The one
/// reading, for `decide`, for writing a plan and for the flag page.
pub fn plan_standing(plans: &[(Uuid, PlanStatus)]) -> (Option<UnfinishedPlan>, bool) {
    let unfinished = plans
        .iter()
        .find(|(_, status)| UnfinishedPlan::blocks(*status))
        .map(|&(id, status)| UnfinishedPlan { id, status });
    let cancelled = plans
        .first()
        .is_some_and(|(_, status)| *status == PlanStatus::Cancelled);
    (unfinished, cancelled)
}

/// A corrective action plan that is still to be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnfinishedPlan {
    pub id: Uuid,
    pub status: PlanStatus,
}

impl UnfinishedPlan {
    /// Whether a plan in `status` still blocks its flag's close: planned or in progress
    /// (a completed plan waits only for the committee's verification; a verified one
    /// is final; a cancelled one was abandoned, with its reason, and holds nothing).
    pub fn blocks(status: PlanStatus) -> bool {
        status.is_pending()
    }

    /// The refusal of a close over this plan, with where to finish it.
    pub(super) fn refusal(self) -> Refusal {
        Refusal::NotNow(format!(
            "this flag's corrective action plan is still {}: complete and verify the corrective action plan first: /staff/action-plans/{}",
            self.status.label(),
            self.id
        ))
    }
}

/// Whether the flag's plans let it be closed: none planned or in progress, and, on a
/// flag that still requires corrective action, its plan cancelled.
pub(super) fn closable(now: FlagNow) -> Result<(), Refusal> {
    if let Some(plan) = now.unfinished_plan {
        return Err(plan.refusal());
    }
    if now.status == FlagStatus::CorrectiveActionRequired && !now.plan_cancelled {
        return Err(Refusal::NotNow(
            "corrective action is required on this flag: it is closed once the action is in progress, or after its corrective action plan is cancelled".into(),
        ));
    }
    Ok(())
}

//! Cancelling a corrective action plan (`domain::remedy::PlanStatus::Cancelled`): a
//! member who may decide on flags abandons a plan that is planned, in progress or
//! completed (never a verified one) with a reason: the supplier relationship ended, the
//! plan was written against the wrong finding, the finding turned out false after a
//! site visit. The plan keeps who cancelled it, when and why; one
//! `action_plan.cancelled` audit entry with the reason, in the same transaction. The
//! flag does not move: a cancelled plan no longer holds its close (and a flag that
//! still requires corrective action may then be closed, `domain::flag_workflow`), and a
//! new plan can be written for it. Reminders and overdue notices stop, as they follow
//! only pending plans. The owner is not emailed: plan changes send no email (only the
//! scheduled reminders and overdue notices do).

use super::Conn;
use crate::db;
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::models::ActionPlan;
use crate::domain::remedy::{parse_cancel_reason, PlanStatus};
use crate::error::AppError;
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

/// Cancels the plan with `reason` (required, refused beside its field and nothing
/// written when missing); a verified or already cancelled plan is refused (409).
pub async fn cancel(
    conn: &mut Conn,
    key: &AuditKey,
    member: Uuid,
    plan_id: Uuid,
    reason: &str,
) -> Result<ActionPlan, AppError> {
    let reason = parse_cancel_reason(reason).map_err(|e| AppError::Validation(vec![e]))?;
    let actor = Actor::Staff(member.to_string());
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let plan = db::action_plans::lock_plan(tx, plan_id)
                .await?
                .ok_or(AppError::NotFound("action plan"))?;
            if !plan.status.can_move_to(PlanStatus::Cancelled) {
                return Err(AppError::Conflict(format!(
                    "the plan is {}: {}",
                    plan.status.label(),
                    match plan.status {
                        PlanStatus::Verified => "a verified plan is final and cannot be cancelled",
                        _ => "it was cancelled already",
                    }
                )));
            }
            let now = Utc::now();
            if !db::action_plans::cancel(tx, plan_id, plan.status, member, &reason, now).await? {
                return Err(AppError::Conflict(
                    "the plan was changed by someone else meanwhile; reload the page".into(),
                ));
            }
            audit::append(
                tx,
                &actor,
                "action_plan.cancelled",
                "action_plan",
                plan_id,
                json!({
                    "flag_id": plan.flag_id,
                    "from": plan.status.as_str(),
                    "to": PlanStatus::Cancelled.as_str(),
                    "reason": reason,
                }),
            )
            .await?;
            db::action_plans::find_plan(tx, plan_id)
                .await?
                .ok_or(AppError::NotFound("action plan"))
        }
        .scope_boxed()
    })
    .await
}

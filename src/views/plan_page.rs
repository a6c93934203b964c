//! One corrective action plan's page (`/staff/action-plans/{id}`): the plan, its
//! moves, remedy facts, evidence, closing the flag, and cancelling the plan with a
//! reason (or, once cancelled, who cancelled it, when and why).

use super::remedy::{flag_summary, remedy_lines, FlagSummary, REMEDY_FIELDS};
use super::staff::{FieldErrors, StaffNav};
use crate::domain::flag::FlagStatus;
use crate::domain::questionnaire::Questionnaire;
use crate::domain::remedy::{format_amount, PlanStatus};
use crate::services::action_plans::{ActionPlan, PlanContext, User};
use askama::Template;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "staff/action_plan.html")]
pub struct PlanPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub flag: FlagSummary,
    pub id: String,
    pub status: String,
    pub root_cause: String,
    pub actions: String,
    pub owner: String,
    pub start: String,
    pub due: String,
    pub overdue: bool,
    pub remedy: Vec<(String, String)>,
    pub remedy_values: HashMap<String, String>,
    /// The remedy form is offered: the member decides and the plan is neither verified
    /// nor cancelled (its facts are final then, shown read-only).
    pub remedy_form: bool,
    /// The stored facts' version, carried by the remedy form (a stale save is refused).
    pub remedy_version: String,
    /// A refused remedy save whose form is no longer offered: what was typed, to copy.
    pub unsaved: Vec<(String, String)>,
    /// (download URL, name, size in KB, uploaded at)
    pub evidence: Vec<(String, String, String, String)>,
    pub may_decide: bool,
    /// The next statuses offered: (value, button text).
    pub moves: Vec<(String, String)>,
    pub can_add_evidence: bool,
    pub can_close: bool,
    pub verified_by: String,
    /// The cancel form (with its reason) is offered: the member decides and the plan is
    /// neither verified nor cancelled.
    pub cancel_form: bool,
    /// The reason typed in a refused cancel, shown back in its field.
    pub cancel_reason: String,
    /// A cancelled plan: when, by whom and why ([`cancellation`]).
    pub cancelled: String,
    pub csrf: String,
    pub notice: String,
    pub errors: FieldErrors,
}

impl PlanPage {
    /// A remedy field's value: what was posted, after a refusal; else what is stored.
    /// Whether the plan may be moved to `to` (a state's `as_str`) from this page.
    pub fn moves_to(&self, to: &str) -> bool {
        self.moves.iter().any(|(m, _)| m == to)
    }

    pub fn v(&self, name: &str) -> String {
        self.remedy_values.get(name).cloned().unwrap_or_default()
    }
}

/// A refused post on the plan page: what was posted, and the refusals as (field,
/// message).
pub struct Refused {
    pub posted: HashMap<String, String>,
    pub errors: Vec<(String, String)>,
}

/// A cancelled plan in words: "2026-12-01 09:30 UTC by Aiko Tanaka: the
/// supplier relationship ended"; empty for a plan that is not cancelled.
pub fn cancellation(p: &ActionPlan, staff: &[User]) -> String {
    let (Some(at), Some(reason)) = (p.cancelled_at, p.cancel_reason.as_deref()) else {
        return String::new();
    };
    let by = p
        .cancelled_by
        .and_then(|id| staff.iter().find(|u| u.id == id))
        .map_or("a former staff member", |u| u.name.as_str());
    format!("{} UTC by {by}: {reason}", at.format("%Y-%m-%d %H:%M"))
}

pub fn plan_page(
    nav: StaffNav,
    ctx: &PlanContext,
    questionnaire: Option<&Questionnaire>,
    may_decide: bool,
    today: chrono::NaiveDate,
    notice: String,
    refused: Option<Refused>,
) -> PlanPage {
    let p = &ctx.plan;
    let owner = match (p.owner_contact_id, p.owner_user_id) {
        (Some(id), _) => ctx
            .flag
            .contacts
            .iter()
            .find(|c| c.id.uuid() == id)
            .map(|c| format!("{} (supplier contact)", c.name))
            .unwrap_or_else(|| "a former contact".into()),
        (_, Some(id)) => ctx
            .flag
            .staff
            .iter()
            .find(|u| u.id == id)
            .map(|u| format!("{} (staff)", u.name))
            .unwrap_or_else(|| "a former staff member".into()),
        _ => String::new(),
    };
    // Cancelling takes a reason: its own form, not a move button.
    let moves = PlanStatus::ALL
        .into_iter()
        .filter(|to| *to != PlanStatus::Cancelled && p.status.can_move_to(*to))
        .map(|to| {
            let text = match (p.status, to) {
                (PlanStatus::Planned, PlanStatus::InProgress) => "Start the plan",
                (PlanStatus::InProgress, PlanStatus::Completed) => "Mark completed",
                (PlanStatus::Completed, PlanStatus::Verified) => "Verify the evidence",
                (PlanStatus::Completed, PlanStatus::InProgress) => "Evidence insufficient: reopen",
                _ => "Move",
            };
            (to.as_str().to_string(), text.to_string())
        })
        .collect();
    let r = &ctx.remedy;
    let remedy_values: HashMap<String, String> = [
        (
            "workers_affected",
            r.workers_affected.map(|n| n.to_string()),
        ),
        (
            "fees_repaid_amount",
            r.fees_repaid_hundredths
                .map(|a| format_amount(a, r.fees_currency.as_deref())),
        ),
        ("fees_currency", r.fees_currency.clone()),
        ("workers_repaid", r.workers_repaid.map(|n| n.to_string())),
        ("fees_repaid_on", r.fees_repaid_on.map(|d| d.to_string())),
        (
            "documents_returned",
            r.documents_returned.map(|n| n.to_string()),
        ),
        (
            "documents_returned_on",
            r.documents_returned_on.map(|d| d.to_string()),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_string(), v?)))
    .collect();
    // After a refused remedy save (only it posts values) the form shows what was
    // typed, never the stored values over it; without a form, the page quotes it.
    let remedy_form = may_decide && !p.status.is_final();
    let cancel_form = may_decide && p.status.can_move_to(PlanStatus::Cancelled);
    // A refused cancel posts only its reason: back in its field (or quoted when the
    // form is gone), never over the remedy facts.
    let mut refused = refused;
    let typed_reason = refused
        .as_mut()
        .and_then(|r| r.posted.remove("cancel_reason"))
        .unwrap_or_default();
    let (cancel_reason, reason_unsaved) = if cancel_form || typed_reason.trim().is_empty() {
        (typed_reason, None)
    } else {
        (
            String::new(),
            Some(("Reason for cancelling".to_string(), typed_reason)),
        )
    };
    let (remedy_values, errors, mut unsaved) = match refused {
        Some(Refused { posted, errors }) if !posted.is_empty() && remedy_form => {
            (posted, errors, Vec::new())
        }
        Some(Refused { posted, errors }) => (
            remedy_values,
            errors,
            super::unsaved::typed_lines(&posted, &[]),
        ),
        None => (remedy_values, Vec::new(), Vec::new()),
    };
    unsaved.extend(reason_unsaved);
    PlanPage {
        lang: "en".into(),
        title: format!("Action plan · {}", ctx.flag.organisation.name),
        csrf: nav.csrf.clone(),
        nav,
        flag: flag_summary(&ctx.flag, questionnaire),
        id: p.id.to_string(),
        status: p.status.label(),
        root_cause: p.root_cause.clone(),
        actions: p.actions.clone(),
        owner,
        start: p.start_date.to_string(),
        due: p.due_date.to_string(),
        overdue: p.status.is_pending() && today > p.due_date,
        remedy: remedy_lines(r),
        remedy_values,
        remedy_form,
        remedy_version: ctx.remedy_version.clone(),
        unsaved,
        evidence: ctx
            .evidence
            .iter()
            .map(|(id, name, size, at)| {
                (
                    format!("/staff/action-plans/{}/evidence/{id}", p.id),
                    name.clone(),
                    format!("{:.1}", f64::from(*size) / 1024.0),
                    at.format("%Y-%m-%d %H:%M UTC").to_string(),
                )
            })
            .collect(),
        may_decide,
        moves,
        can_add_evidence: may_decide && p.status.is_pending(),
        can_close: may_decide
            && p.status == PlanStatus::Verified
            && ctx.flag.flag.status == FlagStatus::ActionInProgress,
        verified_by: p
            .verified_by
            .and_then(|id| ctx.flag.staff.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        cancel_form,
        cancel_reason,
        cancelled: cancellation(p, &ctx.flag.staff),
        notice,
        errors: FieldErrors::new(
            &[
                REMEDY_FIELDS,
                &["evidence"],
                if cancel_form { &["cancel_reason"] } else { &[] },
            ]
            .concat(),
            errors,
        ),
    }
}

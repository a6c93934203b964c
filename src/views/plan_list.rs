//! The corrective actions across every flag (`/staff/action-plans`): overdue, pending,
//! waiting for verification, verified, cancelled or all, soonest due first.

use super::staff::StaffNav;
use crate::auth::principal::StaffUser;
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::services::listings::{ListedPlan, PlanShow, PLANS_SHOWN};
use askama::Template;
use chrono::NaiveDate;

pub struct ListedPlanRow {
    pub plan_href: String,
    pub flag_href: String,
    pub organisation: String,
    pub campaign: String,
    pub indicator: String,
    pub band: String,
    pub owner: String,
    pub status: String,
    pub due: String,
    /// Days past the due date of a plan still planned or in progress (0: not overdue).
    pub overdue_days: i64,
    /// How soon a plan still planned or in progress is due ("in 14 days", "today");
    /// empty when it is overdue or no longer pending.
    pub due_in: String,
}

#[derive(Template)]
#[template(path = "staff/action_plans.html")]
pub struct PlanListPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// (value, label, selected) of the "show" choices.
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub rows: Vec<ListedPlanRow>,
    /// More plans than shown (the export has them all).
    pub more: bool,
    pub shown: i64,
}

fn label(show: PlanShow) -> &'static str {
    match show {
        PlanShow::Overdue => "Overdue (planned or in progress, past due)",
        PlanShow::Pending => "Planned or in progress",
        PlanShow::ToVerify => "Completed, waiting for verification",
        PlanShow::Verified => "Verified",
        PlanShow::Cancelled => "Cancelled",
        PlanShow::All => "All",
    }
}

pub fn page(
    user: &StaffUser,
    show: PlanShow,
    plans: Vec<ListedPlan>,
    more: bool,
    today: NaiveDate,
) -> PlanListPage {
    let rows = plans
        .into_iter()
        .map(|p| ListedPlanRow {
            plan_href: format!("/staff/action-plans/{}", p.plan_id),
            flag_href: format!("/staff/flags/{}", p.flag_id),
            organisation: p.organisation,
            campaign: p.campaign,
            indicator: Indicator::name_of(&p.indicator, Lang::En),
            band: p.band.as_str().to_string(),
            owner: p.owner.unwrap_or_else(|| "—".into()),
            status: p.status.label(),
            due: p.due_date.to_string(),
            overdue_days: if p.status.is_pending() {
                (today - p.due_date).num_days().max(0)
            } else {
                0
            },
            due_in: if p.status.is_pending() && p.due_date >= today {
                super::tables::days_from(p.due_date, today)
            } else {
                String::new()
            },
        })
        .collect();
    PlanListPage {
        lang: "en".into(),
        title: "Corrective actions".into(),
        nav: StaffNav::new(user, "/staff/action-plans"),
        choices: PlanShow::ALL
            .into_iter()
            .map(|s| (s.as_str(), label(s), s == show))
            .collect(),
        rows,
        more,
        shown: PLANS_SHOWN,
    }
}

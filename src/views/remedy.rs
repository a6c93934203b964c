//! Staff pages of the committee's remedy work: the clarifications of a response
//! (`/staff/responses/{id}/clarifications`) and the plans of a flag
//! (`/staff/flags/{id}/action-plans`); one plan's page is `views::plan_page`.

use super::flags::withdrawal_text;
use super::respondent::answer_text;
use super::staff::{FieldErrors, StaffNav};
use crate::domain::flag::FlagStatus;
use crate::domain::i18n::Lang;
use crate::domain::questionnaire::Questionnaire;
use crate::domain::remedy::display_amount;
use crate::services::action_plans::{ActionPlan, ActionPlanRemedy, FlagContext};
use crate::services::clarifications::ResponseClarifications;
use crate::services::clarifications::{ClarificationItem, ClarificationRequest as Request};
use askama::Template;
use serde_json::Value;
use std::collections::HashMap;

/// An answer in words (English labels: the committee's language), or "not answered".
fn words(q: Option<&Questionnaire>, question_id: &str, v: Option<&Value>) -> String {
    match (q.and_then(|q| q.find(question_id)), v) {
        (Some(x), Some(v)) => answer_text(x, v, Lang::En),
        (None, Some(v)) => v.to_string(),
        (_, None) => "(not answered)".into(),
    }
}

fn label(q: Option<&Questionnaire>, question_id: &str) -> String {
    q.and_then(|q| q.find(question_id))
        .map(|x| x.label.get(Lang::En).to_string())
        .unwrap_or_else(|| question_id.to_string())
}

/// A flagged answer the committee may ask about.
pub struct AskRow {
    pub question_id: String,
    pub label: String,
    pub answer: String,
    /// "debt bondage · critical · 20 · in review", one per flag on the answer.
    pub flags: Vec<String>,
    /// Whether a question can be asked now (an open flag, not already waiting).
    pub askable: bool,
    pub value: String,
    pub error: String,
}

/// A reopened answer: the original and the reply side by side, with the scores.
pub struct ItemView {
    pub label: String,
    pub asked: String,
    pub original: String,
    pub reply: String,
    pub note: String,
    pub score_before: i16,
    pub score_after: String,
}

pub struct RequestView {
    pub id: String,
    pub asked_at: String,
    pub answered_at: String,
    pub score_before: i16,
    pub flags_before: i32,
    pub score_after: String,
    pub flags_after: String,
    /// Withdrawn without a reply: when, by whom, why (`views::flags::withdrawal_text`).
    pub withdrawn: String,
    pub items: Vec<ItemView>,
}

fn item_view(q: Option<&Questionnaire>, i: &ClarificationItem, r: &Request) -> ItemView {
    ItemView {
        label: label(q, &i.question_id),
        asked: i.question.clone(),
        original: words(q, &i.question_id, i.original_answer.as_ref()),
        reply: match (r.answered_at, r.withdrawn_at) {
            (Some(_), _) => words(q, &i.question_id, i.reply_answer.as_ref()),
            (None, Some(_)) => "(no reply: the question was withdrawn)".into(),
            (None, None) => "(waiting for the reply)".into(),
        },
        note: i.reply_note.clone().unwrap_or_default(),
        score_before: i.score_before,
        score_after: i.score_after.map(|s| s.to_string()).unwrap_or_default(),
    }
}

pub fn request_views(
    q: Option<&Questionnaire>,
    requests: &[(Request, Vec<ClarificationItem>)],
    withdrawers: &HashMap<uuid::Uuid, String>,
) -> Vec<RequestView> {
    requests
        .iter()
        .map(|(r, items)| RequestView {
            id: r.id.to_string(),
            asked_at: r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            answered_at: r
                .answered_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
            score_before: r.score_before,
            flags_before: r.flags_before,
            score_after: r.score_after.map(|s| s.to_string()).unwrap_or_default(),
            flags_after: r.flags_after.map(|s| s.to_string()).unwrap_or_default(),
            withdrawn: withdrawal_text(r, r.withdrawn_by.and_then(|id| withdrawers.get(&id))),
            items: items.iter().map(|i| item_view(q, i, r)).collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/clarifications.html")]
pub struct ClarificationsPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub response_id: String,
    pub organisation: String,
    pub may_decide: bool,
    pub waiting: bool,
    pub notice: String,
    pub errors: Vec<(String, String)>,
    pub rows: Vec<AskRow>,
    pub requests: Vec<RequestView>,
}

pub fn clarifications_page(
    nav: StaffNav,
    data: &ResponseClarifications,
    may_decide: bool,
    posted: &HashMap<String, String>,
    errors: Vec<(String, String)>,
    notice: String,
) -> ClarificationsPage {
    let q = data.version.as_ref().map(|v| &v.questionnaire);
    let waiting = data.requests.iter().any(|(r, _)| r.is_waiting());
    let mut rows: Vec<AskRow> = Vec::new();
    for f in &data.flags {
        let text = format!(
            "{} · {}{} · score {} · {}",
            f.indicator.replace('_', " "),
            f.band,
            if f.critical { " (knock-out)" } else { "" },
            f.score,
            f.status.label()
        );
        let open = matches!(
            f.status,
            FlagStatus::Open | FlagStatus::InReview | FlagStatus::Escalated
        );
        match rows.iter_mut().find(|r| r.question_id == f.question_id) {
            Some(r) => {
                r.flags.push(text);
                r.askable |= open && !waiting;
            }
            None => {
                let field = format!("question.{}", f.question_id);
                rows.push(AskRow {
                    question_id: f.question_id.clone(),
                    label: label(q, &f.question_id),
                    answer: words(q, &f.question_id, data.answers.get(&f.question_id)),
                    flags: vec![text],
                    askable: open && !waiting,
                    value: posted.get(&field).cloned().unwrap_or_default(),
                    error: errors
                        .iter()
                        .find(|(k, _)| *k == field)
                        .map(|(_, m)| m.clone())
                        .unwrap_or_default(),
                });
            }
        }
    }
    ClarificationsPage {
        lang: "en".into(),
        title: format!("Clarifications · {}", data.organisation),
        nav,
        response_id: data.response.id.to_string(),
        organisation: data.organisation.clone(),
        may_decide,
        waiting,
        notice,
        errors,
        rows,
        requests: request_views(q, &data.requests, &data.withdrawers),
    }
}

/// The remedy facts in words, numbers only.
pub fn remedy_lines(r: &ActionPlanRemedy) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push((k.to_string(), v));
        }
    };
    push(
        "Workers affected",
        r.workers_affected.map(|n| n.to_string()),
    );
    push(
        "Recruitment fees repaid",
        r.fees_repaid_hundredths.map(|a| {
            format!(
                "{} {}",
                display_amount(a, r.fees_currency.as_deref()),
                r.fees_currency.as_deref().unwrap_or_default()
            )
        }),
    );
    push("Workers repaid", r.workers_repaid.map(|n| n.to_string()));
    push("Fees repaid on", r.fees_repaid_on.map(|d| d.to_string()));
    push(
        "Identity documents returned",
        r.documents_returned.map(|n| n.to_string()),
    );
    push(
        "Documents returned on",
        r.documents_returned_on.map(|d| d.to_string()),
    );
    out
}

/// The owner choices of the plan form: (value, label).
pub fn owner_options(ctx: &FlagContext) -> Vec<(String, String)> {
    ctx.contacts
        .iter()
        .map(|c| {
            (
                format!("contact:{}", c.id),
                format!("{} (supplier contact, {})", c.name, c.email),
            )
        })
        .chain(ctx.staff.iter().map(|u| {
            (
                format!("user:{}", u.id),
                format!("{} (staff, {})", u.name, u.role),
            )
        }))
        .collect()
}

pub struct FlagSummary {
    pub id: String,
    pub response_id: String,
    pub organisation: String,
    pub question: String,
    pub indicator: String,
    pub band: String,
    pub critical: bool,
    /// Closed by two members (a trigger, or a critical band).
    pub four_eyes: bool,
    pub score: i16,
    pub status: String,
}

/// The flag as the plan pages head it: its question's label (the id when the
/// questionnaire is not loaded) and its indicator's name.
pub(super) fn flag_summary(
    ctx: &FlagContext,
    questionnaire: Option<&Questionnaire>,
) -> FlagSummary {
    let question = questionnaire
        .and_then(|q| {
            q.find(&ctx.flag.question_id)
                .map(|x| x.label.get(q.default_lang()).to_string())
        })
        .unwrap_or_else(|| ctx.flag.question_id.clone());
    FlagSummary {
        id: ctx.flag.id.to_string(),
        response_id: ctx.flag.response_id.to_string(),
        organisation: ctx.organisation.name.clone(),
        question,
        indicator: crate::domain::indicator::Indicator::name_of(
            &ctx.flag.indicator,
            crate::domain::i18n::Lang::En,
        ),
        band: ctx.flag.band.to_string(),
        critical: ctx.flag.critical,
        four_eyes: ctx.flag.four_eyes(),
        score: ctx.flag.score,
        status: ctx.flag.status.label(),
    }
}

pub struct PlanRow {
    pub id: String,
    pub status: String,
    pub due: String,
    pub root_cause: String,
    /// A cancelled plan's when, by whom and why (`views::plan_page::cancellation`).
    pub cancelled: String,
}

fn plan_row(p: &ActionPlan, ctx: &FlagContext) -> PlanRow {
    PlanRow {
        id: p.id.to_string(),
        status: p.status.label(),
        due: p.due_date.to_string(),
        root_cause: p.root_cause.clone(),
        cancelled: super::plan_page::cancellation(p, &ctx.staff),
    }
}

#[derive(Template)]
#[template(path = "staff/flag_plans.html")]
pub struct FlagPlansPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub flag: FlagSummary,
    pub plans: Vec<PlanRow>,
    /// The form is shown: the member may decide and no plan is active.
    pub form: bool,
    pub owners: Vec<(String, String)>,
    pub today: String,
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
    /// A refused new plan whose form is no longer offered (the flag got a plan from
    /// another tab meanwhile): what was typed, (label, text), to copy.
    pub unsaved: Vec<(String, String)>,
    /// The clarifications that reopened this flag's answer: (asked at, answered at,
    /// the answer's original and reply with the scores).
    pub clarifications: Vec<(String, String, ItemView)>,
}

impl FlagPlansPage {
    /// The posted value of a field (after an error), else empty.
    pub fn v(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// The due date's label, with the rule an empty field follows: counted from the
    /// start date (`domain::remedy::default_due`), whatever the start is.
    pub fn due_label(&self) -> String {
        use crate::domain::remedy::{CRITICAL_DUE_DAYS, DEFAULT_DUE_DAYS};
        if self.flag.four_eyes {
            format!(
                "Due (empty: {CRITICAL_DUE_DAYS} days after the start, as the flag is critical)"
            )
        } else {
            format!(
                "Due (empty: {DEFAULT_DUE_DAYS} days after the start; {CRITICAL_DUE_DAYS} for a critical flag)"
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn flag_plans_page(
    nav: StaffNav,
    ctx: &FlagContext,
    questionnaire: Option<&Questionnaire>,
    clarifications: &[(
        crate::services::clarifications::ClarificationRequest,
        ClarificationItem,
    )],
    may_decide: bool,
    today: chrono::NaiveDate,
    values: HashMap<String, String>,
    errors: Vec<(String, String)>,
) -> FlagPlansPage {
    // A verified or cancelled plan leaves room for a new one.
    let active = ctx.plans.iter().any(|p| !p.status.is_final());
    let form = may_decide && !active && ctx.flag.status.is_open();
    let owners = owner_options(ctx);
    FlagPlansPage {
        unsaved: if form {
            Vec::new()
        } else {
            super::unsaved::typed_lines(&values, &owners)
        },
        lang: "en".into(),
        title: format!("Corrective action · {}", ctx.organisation.name),
        nav,
        flag: flag_summary(ctx, questionnaire),
        plans: ctx.plans.iter().map(|p| plan_row(p, ctx)).collect(),
        form,
        owners,
        today: today.to_string(),
        values,
        // Without the form every refusal is general: no field shows it.
        errors: FieldErrors::new(
            &if form {
                [PLAN_FIELDS, REMEDY_FIELDS].concat()
            } else {
                Vec::new()
            },
            errors,
        ),
        clarifications: clarifications
            .iter()
            .map(|(r, i)| {
                (
                    r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    match (r.answered_at, r.withdrawn_at.is_some()) {
                        (Some(t), _) => t.format("answered %Y-%m-%d %H:%M UTC").to_string(),
                        (None, true) => withdrawal_text(r, None),
                        (None, false) => String::new(),
                    },
                    item_view(questionnaire, i, r),
                )
            })
            .collect(),
    }
}

/// The remedy facts' fields, on the plan form and the plan page.
pub(super) const REMEDY_FIELDS: &[&str] = &[
    "workers_affected",
    "fees_repaid_amount",
    "fees_currency",
    "workers_repaid",
    "fees_repaid_on",
    "documents_returned",
    "documents_returned_on",
];

/// The new plan form's own fields, beside its remedy facts.
const PLAN_FIELDS: &[&str] = &["root_cause", "actions", "owner", "start_date", "due_date"];

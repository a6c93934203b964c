//! Corrective action plans on a flag (issue 10, part 2): created by the committee with
//! a root cause, actions, one owner (a contact of the flagged organisation or a staff
//! member), start and due dates (14 days by default on a critical flag) and remedy
//! facts (numbers only); started, completed with evidence (files stored as evidence of
//! the flag's response), verified, and the flag closed; or cancelled with a reason
//! (`services::action_plan_cancel`), after which a new plan can be written for the
//! flag. Every change moves the flag through `domain::flag` where the workflow says so
//! and is audited in its own transaction. Reminders and overdue notices:
//! `jobs::action_plan_schedule`.

use super::clarifications::{bring_to_review, decide, reviewable};
use super::flags::FlagActor;
use super::Conn;
use crate::db;
use crate::db::audit::{self, Actor, AuditKey};
pub use crate::db::models::{
    ActionPlan, ActionPlanRemedy, Contact, Flag, NewEvidenceFile, Organisation, User,
};
use crate::domain::answers::{check_upload, FieldError, Upload};
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::{plan_standing, Action};
use crate::domain::i18n::Lang;
use crate::domain::remedy::{parse_plan, parse_remedy, Owner, PlanForm, PlanStatus, RemedyForm};
use crate::domain::role::Permission;
use crate::error::AppError;
use chrono::{NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

/// A flag with what its plan pages show around it.
pub struct FlagContext {
    pub flag: Flag,
    pub organisation: Organisation,
    pub contacts: Vec<Contact>,
    /// Staff who may own a plan (enabled accounts).
    pub staff: Vec<User>,
    pub plans: Vec<ActionPlan>,
}

pub async fn flag_context(conn: &mut Conn, flag_id: Uuid) -> Result<FlagContext, AppError> {
    let flag = db::flags::find_flag(conn, flag_id)
        .await?
        .ok_or(AppError::NotFound("flag"))?;
    let response = db::responses::find_response(conn, flag.response_id.into())
        .await?
        .ok_or(AppError::NotFound("response"))?;
    let organisation = db::organisations::find_organisation(conn, response.organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let contacts = db::organisations::contacts_of(conn, organisation.id).await?;
    let staff = db::users::list(conn)
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .collect();
    let plans = db::action_plans::plans_of_flag(conn, flag_id).await?;
    Ok(FlagContext {
        flag,
        organisation,
        contacts,
        staff,
        plans,
    })
}

/// A plan with its flag's context and its evidence files (id, name, bytes, when).
pub struct PlanContext {
    pub plan: ActionPlan,
    pub remedy: ActionPlanRemedy,
    /// The remedy facts' version ([`remedy_version`]), carried by the remedy form.
    pub remedy_version: String,
    pub flag: FlagContext,
    pub evidence: Vec<(Uuid, String, i32, chrono::DateTime<Utc>)>,
}

pub async fn plan_context(conn: &mut Conn, plan_id: Uuid) -> Result<PlanContext, AppError> {
    let plan = db::action_plans::find_plan(conn, plan_id)
        .await?
        .ok_or(AppError::NotFound("action plan"))?;
    let flag = flag_context(conn, plan.flag_id).await?;
    let evidence = db::action_plans::evidence_of(conn, plan_id).await?;
    let remedy = db::action_plans::remedy_of(conn, plan_id).await?;
    let remedy_version = remedy_version(db::action_plans::remedy_saved_at(conn, plan_id).await?);
    Ok(PlanContext {
        plan,
        remedy,
        remedy_version,
        flag,
        evidence,
    })
}

fn stale() -> AppError {
    AppError::Conflict("the plan was changed by someone else meanwhile; reload the page".into())
}

/// Creates a plan on a flag: the flag becomes "corrective action required". Refused
/// with field messages, nothing written, on bad input; refused when the flag already
/// has a plan in progress or cannot require corrective action from its state. A flag
/// whose plan was cancelled gets a new plan in the state it is in (corrective action
/// required, or in progress when the cancelled plan had started).
pub async fn create(
    conn: &mut Conn,
    key: &AuditKey,
    member: Uuid,
    flag_id: Uuid,
    form: &PlanForm,
    today: NaiveDate,
) -> Result<ActionPlan, AppError> {
    let ctx = flag_context(conn, flag_id).await?;
    // The shorter default due date for every critical flag: a trigger or a critical band.
    let input = parse_plan(form, today, ctx.flag.four_eyes()).map_err(AppError::Validation)?;
    match input.owner {
        Owner::Contact(id) if !ctx.contacts.iter().any(|c| c.id.uuid() == id) => {
            return Err(AppError::field(
                "owner",
                "owner: not an active contact of this organisation",
            ))
        }
        Owner::Staff(id) if !ctx.staff.iter().any(|u| u.id == id) => {
            return Err(AppError::field(
                "owner",
                "owner: not an active staff member",
            ))
        }
        _ => {}
    }
    let actor = Actor::Staff(member.to_string());
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            // The flag locked first, as a close locks it: a close that found its plan
            // cancelled and a new plan written meanwhile are serialised.
            db::flags::lock_work(tx, flag_id)
                .await?
                .ok_or(AppError::NotFound("flag"))?;
            let flag = db::flags::find_flag(tx, flag_id)
                .await?
                .ok_or(AppError::NotFound("flag"))?;
            let rewrite = flag.status == FlagStatus::ActionInProgress
                && plan_standing(&db::action_plans::states_of_flag(tx, flag_id).await?).1;
            if flag.status != FlagStatus::CorrectiveActionRequired && !rewrite {
                if !reviewable(flag.status) {
                    return Err(AppError::Conflict(format!(
                        "the flag is {}: a plan can be made on a flag that is open, in review or escalated",
                        flag.status.label()
                    )));
                }
                bring_to_review(tx, member, &flag).await?;
                decide(
                    tx,
                    FlagActor::Member(member),
                    flag_id,
                    Action::RequireAction {
                        reason: input.root_cause.clone(),
                    },
                )
                .await?;
            }
            let now = Utc::now();
            let (owner_contact_id, owner_user_id) = match input.owner {
                Owner::Contact(id) => (Some(id), None),
                Owner::Staff(id) => (None, Some(id)),
            };
            let plan = ActionPlan {
                id: Uuid::new_v4(),
                flag_id,
                root_cause: input.root_cause.clone(),
                actions: input.actions.clone(),
                owner_contact_id,
                owner_user_id,
                start_date: input.start_date,
                due_date: input.due_date,
                status: PlanStatus::Planned,
                created_by: member,
                created_at: now,
                updated_at: now,
                completed_at: None,
                verified_at: None,
                verified_by: None,
                cancelled_at: None,
                cancelled_by: None,
                cancel_reason: None,
            };
            let plan = db::action_plans::insert_plan(tx, &plan)
                .await
                .map_err(|e| match AppError::from(e) {
                    AppError::Conflict(_) => AppError::Conflict(
                        "this flag already has a plan that is neither verified nor cancelled".into(),
                    ),
                    other => other,
                })?;
            db::action_plans::set_remedy(tx, plan.id, &input.remedy, now).await?;
            audit::append(
                tx,
                &actor,
                "action_plan.created",
                "flag",
                flag_id,
                json!({
                    "plan_id": plan.id,
                    "owner": input.owner.form_value(),
                    "start_date": plan.start_date,
                    "due_date": plan.due_date,
                    "remedy": input.remedy,
                }),
            )
            .await?;
            Ok(plan)
        }
        .scope_boxed()
    })
    .await
}

/// Moves a plan (`domain::remedy::PlanStatus::can_move_to`): starting it puts the flag
/// "in progress"; completing it needs evidence; verifying it records the member.
pub async fn set_status(
    conn: &mut Conn,
    key: &AuditKey,
    member: Uuid,
    plan_id: Uuid,
    to: PlanStatus,
) -> Result<ActionPlan, AppError> {
    let actor = Actor::Staff(member.to_string());
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let plan = locked_plan(tx, plan_id).await?;
            if to == PlanStatus::Cancelled {
                // Only with its reason (`services::action_plan_cancel`).
                return Err(AppError::field(
                    "cancel_reason",
                    "cancel_reason: a reason for cancelling the plan is required",
                ));
            }
            if !plan.status.can_move_to(to) {
                return Err(AppError::field(
                    "status",
                    format!(
                        "status: a plan that is {} cannot become {}",
                        plan.status.label(),
                        to.label()
                    ),
                ));
            }
            if to == PlanStatus::Completed
                && db::action_plans::evidence_of(tx, plan_id).await?.is_empty()
            {
                return Err(AppError::field(
                    "evidence",
                    "evidence: attach evidence of completion before marking the plan completed",
                ));
            }
            if to == PlanStatus::InProgress && plan.status == PlanStatus::Planned {
                let flag = db::flags::find_flag(tx, plan.flag_id)
                    .await?
                    .ok_or(AppError::NotFound("flag"))?;
                // A plan written after a cancelled one that had started finds the flag
                // in progress already.
                if flag.status != FlagStatus::ActionInProgress {
                    decide(tx, FlagActor::Member(member), flag.id, Action::StartAction).await?;
                }
            }
            if to == PlanStatus::Verified {
                let flag = db::flags::find_flag(tx, plan.flag_id)
                    .await?
                    .ok_or(AppError::NotFound("flag"))?;
                // Verifying the plan of a critical flag is the first signature of its
                // four-eyes close; another member closes it.
                if flag.four_eyes() && flag.status == FlagStatus::ActionInProgress {
                    decide(
                        tx,
                        FlagActor::Member(member),
                        flag.id,
                        Action::SignClose {
                            note: "corrective action plan verified".into(),
                        },
                    )
                    .await?;
                }
            }
            let now = Utc::now();
            let verifier = (to == PlanStatus::Verified).then_some(member);
            let completed = match to {
                PlanStatus::Completed => Some(now),
                _ => plan.completed_at,
            };
            if !db::action_plans::set_status(tx, plan_id, plan.status, to, now, completed, verifier)
                .await?
            {
                return Err(stale());
            }
            audit::append(
                tx,
                &actor,
                "action_plan.status_changed",
                "action_plan",
                plan_id,
                json!({"flag_id": plan.flag_id, "from": plan.status.as_str(), "to": to.as_str()}),
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

/// The version of a plan's remedy facts as the remedy form carries it: when they were
/// last saved, in microseconds ("0": never).
pub fn remedy_version(saved_at: Option<chrono::DateTime<Utc>>) -> String {
    saved_at.map_or_else(|| "0".into(), |t| t.timestamp_micros().to_string())
}

/// Replaces the remedy facts of a plan that is not verified or cancelled, from the form that showed
/// the facts at version `seen` ([`remedy_version`]): if they were saved since (another
/// tab, another member), refused as stale (409), nothing written: no lost update.
pub async fn set_remedy(
    conn: &mut Conn,
    key: &AuditKey,
    member: Uuid,
    plan_id: Uuid,
    form: &RemedyForm,
    seen: &str,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let facts = parse_remedy(form, Utc::now().date_naive(), &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let seen = seen.trim().to_string();
    let actor = Actor::Staff(member.to_string());
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let plan = locked_plan(tx, plan_id).await?;
            if plan.status.is_final() {
                return Err(AppError::Conflict(format!(
                    "the plan is {}: its remedy facts are final",
                    plan.status.label()
                )));
            }
            let saved_at = db::action_plans::remedy_saved_at(tx, plan_id).await?;
            if seen.is_empty() {
                return Err(AppError::BadRequest(
                    "the form does not say which remedy facts it showed: reload the plan and save again".into(),
                ));
            }
            if remedy_version(saved_at) != seen {
                return Err(AppError::Conflict(format!(
                    "the remedy facts changed since you opened it (saved again at {} UTC): nothing was saved. What is stored now is shown above; what you typed is kept in the form: check it and save again to replace the stored facts.",
                    saved_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default()
                )));
            }
            db::action_plans::set_remedy(tx, plan_id, &facts, Utc::now()).await?;
            audit::append(
                tx,
                &actor,
                "action_plan.remedy_recorded",
                "action_plan",
                plan_id,
                json!({"flag_id": plan.flag_id, "remedy": facts}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// Stores an evidence file of completion (same checks and per-response quota as a
/// respondent's evidence).
pub async fn add_evidence(
    conn: &mut Conn,
    ctx: &crate::services::Ctx<'_>,
    member: Uuid,
    plan_id: Uuid,
    upload: &Upload,
) -> Result<Uuid, AppError> {
    let quota_mb = ctx.evidence_quota_mb;
    // The type is decided from the bytes, and the stored name gets its extension.
    let mut checked = upload.clone();
    let meta = check_upload(&mut checked)
        .map_err(|m| AppError::field("evidence", format!("evidence: {}", m.text(Lang::En))))?;
    let upload = &checked;
    let content_type = meta
        .get("content_type")
        .and_then(|v| v.as_str())
        .ok_or_else(|| AppError::field("evidence", "evidence: this file type is not accepted"))?
        .to_string();
    let actor = Actor::Staff(member.to_string());
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let plan = locked_plan(tx, plan_id).await?;
            if !plan.status.is_pending() {
                return Err(AppError::Conflict(format!(
                    "the plan is {}: evidence is added while it is planned or in progress",
                    plan.status.label()
                )));
            }
            let flag = db::flags::find_flag(tx, plan.flag_id)
                .await?
                .ok_or(AppError::NotFound("flag"))?;
            // The response's row locked: uploads to its other plans (and the supplier's
            // own) wait, so the quota is counted one upload at a time.
            db::responses::lock(tx, flag.response_id.into()).await?;
            let used: i64 = db::evidence::evidence_sizes(tx, flag.response_id.into())
                .await?
                .iter()
                .map(|(_, s)| i64::from(*s))
                .sum();
            let quota = i64::try_from(quota_mb)
                .unwrap_or(i64::MAX)
                .saturating_mul(1024 * 1024);
            if used.saturating_add(upload.bytes.len() as i64) > quota {
                return Err(AppError::field(
                    "evidence",
                    format!("evidence: the response's files would exceed {quota_mb} MB"),
                ));
            }
            let file_id = Uuid::new_v4();
            db::evidence::insert_evidence(
                tx,
                &NewEvidenceFile {
                    id: file_id,
                    response_id: flag.response_id.into(),
                    question_id: flag.question_id.clone(),
                    file_name: crate::domain::text::clean_answer(&upload.file_name, false)
                        .chars()
                        .take(255)
                        .collect(),
                    content_type: content_type.clone(),
                    size_bytes: upload.bytes.len() as i32,
                    sha256: upload.sha256(),
                    content: upload.bytes.clone(),
                    uploaded_by_contact_id: None,
                },
            )
            .await?;
            db::action_plans::add_evidence(tx, plan_id, file_id, member).await?;
            audit::append(
                tx,
                &actor,
                "action_plan.evidence_added",
                "action_plan",
                plan_id,
                json!({"file_id": file_id, "sha256": upload.sha256(), "size": upload.bytes.len()}),
            )
            .await?;
            Ok(file_id)
        }
        .scope_boxed()
    })
    .await
}

/// Closes the flag of a verified plan. A critical flag needs a second member: the one
/// who closes it cannot be the one who verified the plan (four eyes).
pub async fn close_flag(
    conn: &mut Conn,
    key: &AuditKey,
    member: Uuid,
    plan_id: Uuid,
) -> Result<(), AppError> {
    let actor = Actor::Staff(member.to_string());
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let plan = locked_plan(tx, plan_id).await?;
            if plan.status != PlanStatus::Verified {
                return Err(AppError::Conflict(
                    "the plan is not verified yet: verify the evidence first".into(),
                ));
            }
            let flag = db::flags::find_flag(tx, plan.flag_id)
                .await?
                .ok_or(AppError::NotFound("flag"))?;
            if flag.four_eyes() && plan.verified_by == Some(member) {
                return Err(AppError::Forbidden(
                    "a critical flag is closed by two committee members: another member than the one who verified the plan must close it".into(),
                ));
            }
            decide(
                tx,
                FlagActor::Member(member),
                flag.id,
                Action::Close {
                    note: "corrective action plan verified".into(),
                },
            )
            .await?;
            audit::append(
                tx,
                &actor,
                "action_plan.flag_closed",
                "action_plan",
                plan_id,
                json!({"flag_id": flag.id, "verified_by": plan.verified_by, "knock_out": flag.critical, "four_eyes": flag.four_eyes()}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

/// The plan, locked for the rest of the transaction.
async fn locked_plan(tx: &mut crate::db::Tx<'_>, plan_id: Uuid) -> Result<ActionPlan, AppError> {
    db::action_plans::lock_plan(tx, plan_id)
        .await?
        .ok_or(AppError::NotFound("action plan"))
}

/// An evidence file of a plan (name, content type, bytes).
pub async fn evidence_file(
    conn: &mut Conn,
    plan_id: Uuid,
    file_id: Uuid,
) -> Result<Option<(String, String, Vec<u8>)>, AppError> {
    Ok(db::action_plans::find_evidence_of_plan(conn, plan_id, file_id).await?)
}

/// Whether the role may act on plans (the pages hide the forms otherwise; the
/// middleware refuses the posts).
pub fn may_decide(role: crate::domain::role::Role) -> bool {
    role.can(Permission::DecideFlags)
}

/// A field error as the plan form shows it.
pub fn messages(e: &AppError) -> Vec<FieldError> {
    match e {
        AppError::Validation(f) => f.clone(),
        other => vec![FieldError {
            field: String::new(),
            message: other.to_string(),
        }],
    }
}

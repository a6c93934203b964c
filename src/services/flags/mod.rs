//! The committee's work on flags: the one transition function every decision goes
//! through, comments, and bulk assignment; read models for the flag page (`page`).
//!
//! `transition` locks the flag, asks `domain::flag_workflow::decide`, writes the change,
//! the decision row and an audit entry naming the member, all in one transaction. A
//! refusal (role, state, reason, same member twice, stale version) is an error and
//! writes nothing. Other services that must decide inside their own transaction (the
//! clarification round trip, corrective action plans) call [`transition_in`].

pub mod organisation;
pub mod page;
pub mod queue;

use crate::db::audit::{self, Actor};
use crate::db::models::{FlagComment, FlagDecision, FlagWork};
use crate::db::{self, flag_comments, flag_decisions, flags, users, Tx};
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::{
    self, decide, plan_standing, Action, ActionKind, FlagNow, PendingSignature, Refusal, Signature,
    Who,
};
use crate::domain::role::{Permission, Role};
use crate::error::AppError;
use crate::services::Conn;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

/// Who acts on a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagActor {
    /// A staff member; their role is read from the database when they act.
    Member(Uuid),
    /// The supplier's contact, through their link (answering a clarification).
    Contact(Uuid),
    /// The platform (e.g. an overdue plan escalated by a job).
    System,
}

/// What a transition did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transitioned {
    pub flag_id: Uuid,
    pub kind: ActionKind,
    pub from: FlagStatus,
    pub to: FlagStatus,
    /// The flag's version now.
    pub version: i32,
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        match r {
            Refusal::Forbidden(m) => AppError::Forbidden(m),
            Refusal::Invalid { field, message } => AppError::field(field, message),
            stale @ Refusal::Stale { .. } => AppError::Conflict(stale.to_string()),
            Refusal::NotNow(m) => AppError::Conflict(m),
        }
    }
}

/// Roles that decide on flags (and to whom a flag can be assigned).
pub fn deciding_roles() -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| r.can(Permission::DecideFlags))
        .collect()
}

/// Does `action` on the flag, decided from the page that showed `expected_version`
/// (`None` only for the supplier and the platform). One transaction; see the module.
pub async fn transition(
    conn: &mut Conn,
    audit_key: &audit::AuditKey,
    actor: FlagActor,
    flag_id: Uuid,
    expected_version: Option<i32>,
    action: Action,
) -> Result<Transitioned, AppError> {
    db::transaction(conn, audit_key, |tx| {
        async move { transition_in(tx, actor, flag_id, expected_version, &action).await }
            .scope_boxed()
    })
    .await
}

/// [`transition`] inside a transaction the caller owns (it rolls back on an error).
pub async fn transition_in(
    tx: &mut Tx<'_>,
    actor: FlagActor,
    flag_id: Uuid,
    expected_version: Option<i32>,
    action: &Action,
) -> Result<Transitioned, AppError> {
    let (who, audit_actor, member) = identify(tx, actor).await?;
    let work = flags::lock_work(tx, flag_id)
        .await?
        .ok_or(AppError::NotFound("flag"))?;
    // A close waits for the flag's plan: read here, under the flag's lock, for the rule.
    let (unfinished_plan, plan_cancelled) = match action.kind() {
        ActionKind::Close | ActionKind::SignClose => {
            plan_standing(&db::action_plans::states_of_flag(tx, flag_id).await?)
        }
        _ => (None, false),
    };
    let now_flag = FlagNow {
        unfinished_plan,
        plan_cancelled,
        ..now_of(&work)
    };
    let outcome = decide(now_flag, who, expected_version, action)?;
    let assignee = match action {
        Action::Assign { to } => Some(assignable(tx, *to).await?),
        _ => None,
    };
    // The second signature of a four-eyes decision names the first in its audit entry.
    let first_signer = match now_of(&work).signature {
        Some(s) if outcome.signature == Signature::Clear && s.decision.given_by(outcome.kind) => {
            let signer = users::find_member(tx, s.by).await?;
            Some(json!({
                "id": s.by,
                "name": signer.as_ref().map(|m| &m.name),
                "email": signer.as_ref().map(|m| &m.email),
                "signed_at": work.signed_at,
            }))
        }
        _ => None,
    };
    // A first signature this change drops without its decision lapses, and says so.
    let lapsed = match outcome.lapsed {
        Some(l) => {
            let signer = users::find_member(tx, l.by).await?;
            Some(json!({
                "id": l.by,
                "name": signer.as_ref().map(|m| &m.name),
                "email": signer.as_ref().map(|m| &m.email),
                "decision": l.decision.as_str(),
                "signed_at": work.signed_at,
            }))
        }
        None => None,
    };
    let now = chrono::Utc::now();
    let signed = match outcome.signature {
        Signature::Keep => work
            .signed_by
            .zip(work.signed_at)
            .zip(work.signed_for)
            .map(|((by, at), which)| (by, at, which)),
        Signature::Clear => None,
        Signature::Set(s) => Some((s.by, now, s.decision)),
    };
    let written = flags::apply_work(
        tx,
        flag_id,
        work.version,
        &flags::WorkChange {
            status: outcome.to,
            assignee_id: outcome.assignee,
            decision_reason: outcome
                .sets_decision_reason
                .then_some(outcome.reason.as_deref())
                .flatten(),
            signed,
            version: outcome.version,
        },
    )
    .await?;
    if written != 1 {
        // Cannot happen under the row lock; refuse rather than write a decision twice.
        return Err(AppError::Conflict(
            Refusal::Stale {
                expected: work.version,
                current: work.version + 1,
            }
            .to_string(),
        ));
    }
    flag_decisions::insert(
        tx,
        &FlagDecision {
            id: Uuid::new_v4(),
            flag_id,
            member_id: member.as_ref().map(|m| m.id),
            actor_kind: match actor {
                FlagActor::Member(_) => "staff",
                FlagActor::Contact(_) => "contact",
                FlagActor::System => "system",
            }
            .into(),
            action: outcome.kind,
            from_status: outcome.from,
            to_status: outcome.to,
            assignee_id: assignee.as_ref().map(|a| a.id),
            reason: outcome.reason.clone(),
            flag_version: outcome.version,
        },
    )
    .await?;
    let mut details = json!({
        "member": member.as_ref().map(|m| json!({"id": m.id, "name": m.name, "email": m.email})),
        "from": outcome.from,
        "to": outcome.to,
        "version": outcome.version,
        "assignee": assignee.as_ref().map(|a| json!({"id": a.id, "name": a.name})),
        "reason": outcome.reason,
        "trigger": work.critical,
    });
    if let Some(first) = first_signer {
        details["first_signature"] = first;
    }
    if let Some(lapsed) = lapsed {
        details["lapsed_signature"] = lapsed;
    }
    audit::append(
        tx,
        &audit_actor,
        &format!("flag.{}", outcome.kind.as_str()),
        "flag",
        flag_id,
        details,
    )
    .await?;
    Ok(Transitioned {
        flag_id,
        kind: outcome.kind,
        from: outcome.from,
        to: outcome.to,
        version: outcome.version,
    })
}

/// Assigns several flags (from the queue) to one member: all or nothing. Each flag
/// carries the version the queue showed; one stale or refused flag refuses the lot,
/// naming it.
pub async fn assign_many(
    conn: &mut Conn,
    audit_key: &audit::AuditKey,
    actor: FlagActor,
    picked: &[(Uuid, i32)],
    to: Uuid,
) -> Result<usize, AppError> {
    if picked.is_empty() {
        return Err(AppError::field("flags", "tick at least one flag"));
    }
    if picked.len() > 500 {
        return Err(AppError::field("flags", "at most 500 flags at once"));
    }
    let picked = picked.to_vec();
    db::transaction(conn, audit_key, |tx| {
        async move {
            for (n, (id, version)) in picked.iter().enumerate() {
                let action = Action::Assign { to };
                transition_in(tx, actor, *id, Some(*version), &action)
                    .await
                    .map_err(|e| match e {
                        AppError::Conflict(m) => {
                            AppError::Conflict(format!("flag {} of {}: {m}", n + 1, picked.len()))
                        }
                        other => other,
                    })?;
            }
            Ok(picked.len())
        }
        .scope_boxed()
    })
    .await
}

/// Adds a comment. Comments are discussion, not decisions: they need
/// `CommentOnFlags` (procurement may comment) and do not change the flag's version.
/// `form_token`, the comment form's own token (new at each page view): a second post
/// from the same form (a double click, two posts at once) stores nothing and succeeds,
/// as the two are serialised on the flag's row lock.
pub async fn comment(
    conn: &mut Conn,
    audit_key: &audit::AuditKey,
    author: Uuid,
    flag_id: Uuid,
    body: &str,
    form_token: Option<Uuid>,
) -> Result<(), AppError> {
    let body = flag_workflow::required_text("comment", body, "the comment")?;
    db::transaction(conn, audit_key, |tx| {
        async move {
            let member = users::find_member(tx, author)
                .await?
                .filter(|m| m.disabled_at.is_none())
                .ok_or_else(|| AppError::Forbidden("unknown or disabled member".into()))?;
            if !member.role.can(Permission::CommentOnFlags) {
                return Err(AppError::Forbidden(
                    "your role may view flags but not comment on them".into(),
                ));
            }
            flags::lock_work(tx, flag_id)
                .await?
                .ok_or(AppError::NotFound("flag"))?;
            if let Some(token) = form_token {
                if flag_comments::posted_from(tx, author, token).await? {
                    return Ok(());
                }
            }
            let row = FlagComment {
                id: Uuid::new_v4(),
                flag_id,
                author_id: author,
                body,
            };
            flag_comments::insert(tx, &row, form_token).await?;
            audit::append(
                tx,
                &Actor::Staff(author.to_string()),
                "flag.comment",
                "flag",
                flag_id,
                json!({"member": {"id": member.id, "name": member.name, "email": member.email}, "comment_id": row.id, "body": row.body}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

fn now_of(work: &FlagWork) -> FlagNow {
    FlagNow {
        status: work.status,
        critical: work.critical,
        band: work.band,
        version: work.version,
        assignee: work.assignee_id,
        signature: pending_signature(work),
        unfinished_plan: None,
        plan_cancelled: false,
    }
}

/// The flag's pending first signature of a four-eyes decision, if one waits.
pub fn pending_signature(work: &FlagWork) -> Option<PendingSignature> {
    work.signed_by
        .zip(work.signed_for)
        .map(|(by, decision)| PendingSignature { by, decision })
}

/// The actor as the workflow sees it, as the audit log names it, and the member row.
async fn identify(
    tx: &mut Tx<'_>,
    actor: FlagActor,
) -> Result<(Who, Actor, Option<users::Member>), AppError> {
    Ok(match actor {
        FlagActor::Member(id) => {
            let member = users::find_member(tx, id)
                .await?
                .filter(|m| m.disabled_at.is_none())
                .ok_or_else(|| AppError::Forbidden("unknown or disabled member".into()))?;
            let who = Who::Member {
                id,
                may_decide: member.role.can(Permission::DecideFlags),
            };
            (who, Actor::Staff(id.to_string()), Some(member))
        }
        FlagActor::Contact(id) => (Who::Contact(id), Actor::Contact(id), None),
        FlagActor::System => (Who::System, Actor::System, None),
    })
}

/// The member a flag is assigned to: enabled, and with a role that decides.
async fn assignable(tx: &mut Tx<'_>, to: Uuid) -> Result<users::Member, AppError> {
    users::find_member(tx, to)
        .await?
        .filter(|m| m.disabled_at.is_none() && m.role.can(Permission::DecideFlags))
        .ok_or_else(|| {
            AppError::field(
                "assignee",
                "choose an enabled committee member or administrator",
            )
        })
}

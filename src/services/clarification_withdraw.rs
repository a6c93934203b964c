//! "Withdraw the question": a member takes back a question the supplier never answered
//! (they ignore it, the campaign closed, their link expired), so that the flags waiting
//! for it can be decided again. Nothing says the supplier answered: the flags move back
//! to review with a `withdraw_question` decision naming the member and the reason, and
//! the request is marked withdrawn (who, when, why), so that the supplier's link no
//! longer takes a reply to it and says that nothing more is needed; and the contact the
//! question was sent to is told by email, in the invitation's language (queued in the
//! same transaction, `jobs::campaign_mail::queue_clarification_withdrawn`), since they
//! may still be preparing an answer.
//!
//! Withdrawing from one flag's page withdraws the whole waiting request of its response
//! (every question it reopened): the supplier is asked one set of questions at a time.
//! One transaction: the request row locked first (as a reply locks it: a reply and a
//! withdrawal at the same moment, the second finds nothing waiting), the page's flag
//! decided from the version its page showed (a stale page is refused, nothing written),
//! the request marked, every other flag waiting for it moved, the email queued, one
//! audit entry.

use super::clarifications::decide;
use super::responses::LinkSession;
use super::{Conn, Ctx};
use crate::db;
use crate::db::audit::{self, Actor};
use crate::db::models::{ClarificationItem, ClarificationRequest};
use crate::domain::clarification::questions_text;
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::{required_text, Action};
use crate::domain::ids::{InvitationId, ResponseId};
use crate::error::AppError;
use crate::jobs::campaign_mail;
use crate::services::flags::{self, FlagActor};
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// What a withdrawal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    /// The request withdrawn (`None`: the flag waited for no request still open, a flag
    /// left waiting by older data; it alone went back to review).
    pub request_id: Option<Uuid>,
    /// Every flag moved back to review, the page's first.
    pub flags: Vec<Uuid>,
}

/// Withdraws the question the flag `flag_id` waits for, decided by `member` on the
/// page that showed `expected_version`, with `reason` (required, as accepting a risk's).
pub async fn withdraw_from_flag(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    member: Uuid,
    flag_id: Uuid,
    expected_version: i32,
    reason: &str,
) -> Result<Withdrawn, AppError> {
    let flag = db::flags::find_flag(conn, flag_id)
        .await?
        .ok_or(AppError::NotFound("flag"))?;
    let response_id = flag.response_id;
    // The questionnaire names the withdrawn questions in the email.
    let (_, version) =
        super::responses::find_response(conn, ctx.registry, ResponseId::from(response_id)).await?;
    let action = Action::WithdrawQuestion {
        reason: reason.to_string(),
    };
    let jobs = ctx.jobs;
    let withdrawn = db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let request = db::clarifications::lock_open_request(tx, response_id).await?;
            // The workflow's checks (role, state, reason, stale page) on the page's flag.
            flags::transition_in(
                tx,
                FlagActor::Member(member),
                flag_id,
                Some(expected_version),
                &action,
            )
            .await?;
            let reason = required_text("reason", reason, "a reason for withdrawing the question")?;
            let mut moved = vec![flag_id];
            let Some(request) = request else {
                return Ok(Withdrawn {
                    request_id: None,
                    flags: moved,
                });
            };
            let items = db::clarifications::items_of(tx, request.id).await?;
            if !items.iter().any(|i| i.flag_ids.contains(&flag_id)) {
                // The waiting question is about other answers: it stays asked.
                return Ok(Withdrawn {
                    request_id: None,
                    flags: moved,
                });
            }
            let now = Utc::now();
            if db::clarifications::mark_withdrawn(tx, request.id, member, now, &reason).await? != 1
            {
                return Err(AppError::Conflict(
                    "the supplier replied or the question was withdrawn meanwhile; reload the flag"
                        .into(),
                ));
            }
            for other in db::flags::lock_flags_of(tx, response_id).await? {
                if other.id != flag_id
                    && other.status == FlagStatus::ClarificationRequested
                    && items.iter().any(|i| i.flag_ids.contains(&other.id))
                {
                    decide(
                        tx,
                        FlagActor::Member(member),
                        other.id,
                        Action::WithdrawQuestion {
                            reason: reason.clone(),
                        },
                    )
                    .await?;
                    moved.push(other.id);
                }
            }
            // The contact the question went to, in the language it went in.
            let invitation = InvitationId::from(request.invitation_id);
            if let Some(lang) = db::invitations::language_of(tx, invitation).await? {
                let q = version.as_ref().map(|v| &v.questionnaire);
                let questions = questions_text(
                    q,
                    q.map_or(lang, |q| q.pick_lang(Some(lang))),
                    items
                        .iter()
                        .map(|i| (i.question_id.as_str(), i.question.as_str())),
                );
                campaign_mail::queue_clarification_withdrawn(
                    tx,
                    jobs,
                    request.invitation_id,
                    request.id,
                    &questions,
                )
                .await?;
            }
            audit::append(
                tx,
                &Actor::Staff(member.to_string()),
                "clarification.withdrawn",
                "response",
                response_id,
                json!({
                    "request_id": request.id,
                    "questions": items.iter().map(|i| &i.question_id).collect::<Vec<_>>(),
                    "flags": moved,
                    "reason": reason,
                    "from_flag": flag_id,
                }),
            )
            .await?;
            Ok(Withdrawn {
                request_id: Some(request.id),
                flags: moved,
            })
        }
        .scope_boxed()
    })
    .await?;
    if withdrawn.request_id.is_some() {
        jobs.wake();
    }
    Ok(withdrawn)
}

/// Whether the newest question on the link's response was withdrawn (the supplier's
/// clarification page then says so: nothing more is needed).
pub async fn withdrawn_for(conn: &mut Conn, session: &LinkSession) -> Result<bool, AppError> {
    Ok(
        db::clarifications::latest_request(conn, session.response_id().uuid())
            .await?
            .is_some_and(|r| r.withdrawn_at.is_some()),
    )
}

/// The names of the members who withdrew any of `requests`, by id.
pub async fn withdrawers(
    conn: &mut Conn,
    requests: &[(ClarificationRequest, Vec<ClarificationItem>)],
) -> Result<HashMap<Uuid, String>, AppError> {
    let mut names = HashMap::new();
    for id in requests.iter().filter_map(|(r, _)| r.withdrawn_by) {
        if let Some(m) = db::users::find_member(conn, id).await? {
            names.insert(id, m.name);
        }
    }
    Ok(names)
}

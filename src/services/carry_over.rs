//! The next round: a response with no answers yet may start from its organisation's
//! last submission of the same questionnaire (any version, any campaign). The start page
//! offers it ([`offer`]); the respondent's choice copies what the new version still asks
//! and accepts ([`carry_over`], `domain::answers::carry`) as a draft saved by that
//! contact, in one transaction with its audit entry. Nothing is submitted: every carried
//! answer is on the sections and the review page to check and change, under the same
//! declaration as any other.

use super::responses::LinkSession;
use super::{Conn, Ctx};
use crate::db;
use crate::db::audit::{self, Actor};
pub use crate::db::responses::LastSubmission;
use crate::domain::answers::carry;
use crate::domain::answers::{Answers, AnswersDiff};
use crate::domain::dates::Today;
use crate::domain::i18n::Lang;
use crate::domain::states::ResponseStatus;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The audit action of a copy; its entry is the record of where a response's answers
/// came from ([`carried_into`]).
pub const CARRIED_OVER: &str = "response.carried_over";

/// What a response's `response.carried_over` audit entry records was copied into it.
pub struct CarriedFrom {
    pub response_id: Uuid,
    pub answers: u64,
    pub left_out: usize,
    pub at: DateTime<Utc>,
}

impl CarriedFrom {
    /// The response an entry is about, and what it says was copied into it.
    fn of(entry: &audit::Entry) -> Option<(Uuid, CarriedFrom)> {
        let d = &entry.details;
        let from = CarriedFrom {
            response_id: d["from_response_id"].as_str()?.parse().ok()?,
            answers: d["answers"].as_u64()?,
            left_out: d["left_out"].as_array().map_or(0, Vec::len),
            at: entry.occurred_at,
        };
        Some((entry.subject_id.parse().ok()?, from))
    }
}

/// Which of `responses` were started from an earlier response's answers, and from which.
pub async fn carried_into(
    conn: &mut Conn,
    responses: &[Uuid],
) -> Result<HashMap<Uuid, CarriedFrom>, AppError> {
    let subjects: Vec<String> = responses.iter().map(Uuid::to_string).collect();
    Ok(
        audit::with_action_about(conn, CARRIED_OVER, "response", &subjects)
            .await?
            .iter()
            .filter_map(CarriedFrom::of)
            .collect(),
    )
}

/// The earlier submission the response of `session` may start from: only while the
/// response has no answers (`answers`, as the page read them) and takes saves.
pub async fn offer(
    conn: &mut Conn,
    session: &LinkSession,
    answers: &Answers,
) -> Result<Option<LastSubmission>, AppError> {
    if !answers.is_empty() || !session.writable() {
        return Ok(None);
    }
    Ok(db::responses::last_submission(
        conn,
        session.organisation.id,
        &session.version.questionnaire.id,
        session.response_id(),
    )
    .await?)
}

/// What [`carry_over`] did.
#[derive(Debug)]
pub enum CarryOutcome {
    /// `count` answers copied from `from`; `left_out` of its answers were not (not asked,
    /// offered or accepted by this version, or evidence files).
    Copied {
        count: usize,
        left_out: usize,
        from: LastSubmission,
    },
    /// Nothing copied: the response has answers now (a colleague or another tab saved).
    AlreadyStarted,
    /// Nothing copied: no earlier submission, or none of its answers fits this version.
    NothingToCopy,
    /// Nothing copied: the response was submitted meanwhile.
    Submitted,
    /// Nothing copied: the link was revoked or expired, or its campaign closed.
    Gone,
}

/// Copies the organisation's last submission into the (empty) response of `session`,
/// read in `lang`.
pub async fn carry_over(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    session: &LinkSession,
    lang: Lang,
) -> Result<CarryOutcome, AppError> {
    let registry = ctx.registry;
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let response_id = session.response_id();
            let Some((status, stored)) = db::responses::lock_with_answers(tx, response_id).await?
            else {
                return Ok(CarryOutcome::Gone);
            };
            if status == ResponseStatus::Submitted {
                return Ok(CarryOutcome::Submitted);
            }
            if !stored.answers.is_empty() {
                return Ok(CarryOutcome::AlreadyStarted);
            }
            let current = &session.version.questionnaire;
            let Some(from) = db::responses::last_submission(
                tx,
                session.organisation.id,
                &current.id,
                response_id,
            )
            .await?
            else {
                return Ok(CarryOutcome::NothingToCopy);
            };
            let earlier = registry.pinned(&from.campaign, from.version_id)?;
            let previous = db::responses::load_answers(tx, from.response_id).await?;
            let carried = carry::carry_over(
                &earlier.questionnaire,
                &previous,
                current,
                lang,
                Today::at(Utc::now()),
            );
            if carried.answers.is_empty() {
                return Ok(CarryOutcome::NothingToCopy);
            }
            let diff = AnswersDiff::between(&stored.answers, &carried.answers);
            let written = db::responses::replace_answers(
                tx,
                response_id,
                stored.revision,
                &diff,
                session.contact.id,
                lang,
                session.invitation.id,
                db::responses::SaveEvent::CarriedOver,
            )
            .await?;
            if written.is_none() {
                return Ok(CarryOutcome::Gone);
            }
            audit::append(
                tx,
                &Actor::Contact(session.contact.id.uuid()),
                CARRIED_OVER,
                "response",
                response_id,
                json!({
                    "from_response_id": from.response_id,
                    "answers": carried.answers.len(),
                    "left_out": carried.left_out,
                }),
            )
            .await?;
            Ok(CarryOutcome::Copied {
                count: carried.answers.len(),
                left_out: carried.left_out.len(),
                from,
            })
        }
        .scope_boxed()
    })
    .await
}

//! The clarification round trip (issue 10, part 2).
//!
//! - [`request`]: a committee member asks about one or more **flagged** answers of a
//!   submitted response. One transaction: the request and its items (each with the
//!   answer as it stands and its score), the flags moved to "clarification requested"
//!   (`services::flags::transition_in`), the email to the contact queued in the outbox
//!   (`jobs::campaign_mail::queue_clarification`, rendered at send time with the link
//!   to `/r/{token}/clarification`), and the audit entry.
//! - [`reply`]: through the link, the respondent answers **only the reopened
//!   questions** (validated by `domain::answers::parse_form`, the form's own parser).
//!   The reply is written next to the original (`clarification_items`), never over the
//!   `answers` row; the response is re-scored as its submission was scored
//!   (`services::scoring::score_stored`: the campaign's pinned questionnaire version and
//!   the inherent value recorded with the response); flags the reply newly raises are stored;
//!   the flags go back to "in review"; the audit entry names the scores before and after.

use super::questionnaires::{LoadedVersion, QuestionnaireRegistry};
use super::responses::LinkSession;
use super::scoring::{flag_rows, score_stored};
use super::Conn;
use crate::db;
use crate::db::audit::{self, Actor, AuditKey};
pub use crate::db::models::{ClarificationItem, ClarificationRequest, Flag};
use crate::domain::answers::{parse_form, to_form_values, Answers, FieldError, Mode, RawInput};
use crate::domain::clarification::{self as rules, QUESTION_MAX};
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::Action;
use crate::domain::i18n::Lang;
use crate::domain::ids::ResponseId;
use crate::domain::states::ResponseStatus;
use crate::domain::text::{clean_answer, clean_multi_line};
use crate::error::AppError;
use crate::jobs::campaign_mail;
use crate::services::flags::{self, FlagActor};
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// The form field of the respondent's note beside a reopened question.
pub fn note_field(question_id: &str) -> String {
    format!("{question_id}.note")
}

/// One decision on a flag through the flag workflow's one transition function
/// (`services::flags::transition_in`: its rules, decision row and audit entry), in the
/// caller's transaction, from the flag's version as read in that transaction.
pub(crate) async fn decide(
    tx: &mut db::Tx<'_>,
    actor: FlagActor,
    flag_id: Uuid,
    action: Action,
) -> Result<(), AppError> {
    let version = db::flags::lock_work(tx, flag_id)
        .await?
        .ok_or(AppError::NotFound("flag"))?
        .version;
    flags::transition_in(tx, actor, flag_id, Some(version), &action).await?;
    Ok(())
}

/// Whether a flag in this state can be taken to review by `bring_to_review`.
pub(crate) fn reviewable(status: FlagStatus) -> bool {
    matches!(
        status,
        FlagStatus::Open | FlagStatus::InReview | FlagStatus::Escalated
    )
}

/// An open or escalated flag is first assigned to the member acting on it (which puts
/// it in review), as the workflow requires before a decision.
pub(crate) async fn bring_to_review(
    tx: &mut db::Tx<'_>,
    member: Uuid,
    flag: &Flag,
) -> Result<(), AppError> {
    if matches!(flag.status, FlagStatus::Open | FlagStatus::Escalated) {
        decide(
            tx,
            FlagActor::Member(member),
            flag.id,
            Action::Assign { to: member },
        )
        .await?;
    }
    Ok(())
}

/// The answers a response stands on now: the stored answers with the replies already
/// given over them.
async fn current_answers(conn: &mut Conn, response_id: ResponseId) -> Result<Answers, AppError> {
    let stored = db::responses::load_answers(conn, response_id).await?;
    let replies = db::clarifications::answered_replies(conn, response_id.uuid()).await?;
    Ok(rules::with_replies(
        &stored,
        replies.iter().map(|(q, v)| (q.as_str(), v.as_ref())),
    ))
}

/// Everything the staff page of a response's clarifications shows.
pub struct ResponseClarifications {
    pub response: super::responses::Response,
    pub version: Option<Arc<LoadedVersion>>,
    pub organisation: String,
    pub answers: Answers,
    pub flags: Vec<Flag>,
    pub requests: Vec<(ClarificationRequest, Vec<ClarificationItem>)>,
    /// The names of the members who withdrew requests, by id.
    pub withdrawers: std::collections::HashMap<Uuid, String>,
}

pub async fn of_response(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    response_id: ResponseId,
) -> Result<ResponseClarifications, AppError> {
    let (response, version) = super::responses::find_response(conn, registry, response_id).await?;
    let organisation = db::organisations::find_organisation(conn, response.organisation_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let answers = current_answers(conn, response_id).await?;
    let flags = db::flags::flags_of(conn, response_id.uuid()).await?;
    let mut requests = Vec::new();
    for r in db::clarifications::requests_of(conn, response_id.uuid()).await? {
        let items = db::clarifications::items_of(conn, r.id).await?;
        requests.push((r, items));
    }
    let withdrawers = super::clarification_withdraw::withdrawers(conn, &requests).await?;
    Ok(ResponseClarifications {
        response,
        version,
        organisation,
        answers,
        flags,
        requests,
        withdrawers,
    })
}

/// The clarification items that reopened a flag's answer, with their request.
pub async fn of_flag(
    conn: &mut Conn,
    flag_id: Uuid,
) -> Result<Vec<(ClarificationRequest, ClarificationItem)>, AppError> {
    Ok(db::clarifications::items_of_flag(conn, flag_id).await?)
}

/// Whether a committee's question waits for a reply on the link's response (any of its
/// contacts may answer it; the receipt page points to it).
pub async fn waiting_for(conn: &mut Conn, session: &LinkSession) -> Result<bool, AppError> {
    Ok(
        db::clarifications::open_request(conn, session.response_id().uuid())
            .await?
            .is_some(),
    )
}

/// "Request clarification" from a flag's page, decided on the page that showed
/// `expected_version`: [`request`] with the flag's answer and `question`, so that the
/// supplier is asked (email, reopened answer) and the flag moves in the same transaction;
/// a flag never waits for a question nobody sent. Every open flag on the same answer
/// moves with it, as from the clarifications page. A page older than the flag is
/// refused as stale; the errors name the page's one field, `reason`.
pub async fn request_about_flag(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    member: Uuid,
    flag_id: Uuid,
    expected_version: i32,
    question: &str,
) -> Result<ClarificationRequest, AppError> {
    let flag = db::flags::find_flag(conn, flag_id)
        .await?
        .ok_or(AppError::NotFound("flag"))?;
    let asked = BTreeMap::from([(flag.question_id.clone(), question.to_string())]);
    let from_page = Some((flag_id, expected_version));
    request_checked(
        conn,
        ctx,
        member,
        ResponseId::from(flag.response_id),
        &asked,
        from_page,
    )
    .await
    .map_err(|e| match e {
        AppError::Validation(fields) => AppError::Validation(
            fields
                .into_iter()
                .map(|f| FieldError {
                    field: "reason".into(),
                    // "passports: at most 2000 characters" → "at most 2000 characters"
                    message: f
                        .message
                        .split_once(": ")
                        .map(|(_, m)| m.to_string())
                        .unwrap_or(f.message),
                })
                .collect(),
        ),
        other => other,
    })
}

/// Asks the supplier about the flagged answers in `asked` (question id → the
/// committee's question). Refused with a message per field, nothing written, when an
/// answer has no open flag, a question is empty or too long, a request is already
/// waiting, or the response has no working link.
pub async fn request(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    member: Uuid,
    response_id: ResponseId,
    asked: &BTreeMap<String, String>,
) -> Result<ClarificationRequest, AppError> {
    request_checked(conn, ctx, member, response_id, asked, None).await
}

/// [`request`], refused as stale when `from_page` (a flag and the version its page
/// showed) no longer matches the flag.
async fn request_checked(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    member: Uuid,
    response_id: ResponseId,
    asked: &BTreeMap<String, String>,
    from_page: Option<(Uuid, i32)>,
) -> Result<ClarificationRequest, AppError> {
    let (response, version) =
        super::responses::find_response(conn, ctx.registry, response_id).await?;
    let version = version.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "the response's questionnaire is not loaded"
        ))
    })?;
    if response.status != ResponseStatus::Submitted {
        return Err(AppError::BadRequest(
            "the response is not submitted: there is nothing to clarify yet".into(),
        ));
    }
    let actor = Actor::Staff(member.to_string());
    let jobs = ctx.jobs;
    let created = crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let q = &version.questionnaire;
            let flags = db::flags::lock_flags_of(tx, response_id.uuid()).await?;
            if let Some((flag_id, expected)) = from_page {
                let current = db::flags::lock_work(tx, flag_id)
                    .await?
                    .ok_or(AppError::NotFound("flag"))?
                    .version;
                if current != expected {
                    let stale = crate::domain::flag_workflow::Refusal::Stale { expected, current };
                    return Err(stale.into());
                }
            }
            if db::clarifications::open_request(tx, response_id.uuid())
                .await?
                .is_some()
            {
                return Err(AppError::Conflict(
                    "a clarification is already waiting for the supplier's reply".into(),
                ));
            }
            let mut errors = Vec::new();
            let mut chosen: Vec<(String, String, Vec<&Flag>)> = Vec::new();
            for (question_id, text) in asked {
                let field = format!("question.{question_id}");
                let text = match clean_multi_line(&field, text) {
                    Ok(t) => t,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                if text.is_empty() {
                    continue;
                }
                if text.chars().count() > QUESTION_MAX {
                    errors.push(FieldError {
                        field,
                        message: format!("{question_id}: at most {QUESTION_MAX} characters"),
                    });
                    continue;
                }
                let open: Vec<&Flag> = flags
                    .iter()
                    .filter(|f| &f.question_id == question_id)
                    .filter(|f| reviewable(f.status))
                    .collect();
                if let Some(problem) = rules::cannot_reopen(q, question_id, !open.is_empty()) {
                    errors.push(FieldError {
                        field,
                        message: problem,
                    });
                    continue;
                }
                chosen.push((question_id.clone(), text, open));
            }
            if errors.is_empty() && chosen.is_empty() {
                errors.push(FieldError {
                    field: "question".into(),
                    message: "question: write a question beside at least one flagged answer".into(),
                });
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let now = Utc::now();
            let invitation = db::clarifications::link_for(
                tx,
                response_id,
                response.submitted_by_contact_id,
                now,
            )
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "question",
                    "question: the supplier has no working link; issue a new link first",
                )
            })?;
            let answers = current_answers(tx, response_id).await?;
            let raised = score_stored(tx, q, response_id.uuid(), &answers).await?;
            let (score_before, flags_before) = rules::summary(&raised);
            let request = ClarificationRequest {
                id: Uuid::new_v4(),
                response_id: response_id.uuid(),
                invitation_id: invitation.id.uuid(),
                requested_by: member,
                created_at: now,
                answered_at: None,
                answered_by_contact_id: None,
                score_before,
                flags_before,
                score_after: None,
                flags_after: None,
                withdrawn_at: None,
                withdrawn_by: None,
                withdrawn_reason: None,
            };
            db::clarifications::insert_request(tx, &request).await?;
            let items: Vec<ClarificationItem> = chosen
                .iter()
                .map(|(question_id, text, open)| ClarificationItem {
                    request_id: request.id,
                    question_id: question_id.clone(),
                    flag_ids: open.iter().map(|f| f.id).collect(),
                    question: text.clone(),
                    original_answer: answers.get(question_id).cloned(),
                    reply_answer: None,
                    reply_note: None,
                    score_before: rules::question_score(&raised, question_id),
                    score_after: None,
                })
                .collect();
            db::clarifications::insert_items(tx, &items).await?;
            for (_, text, open) in &chosen {
                for flag in open {
                    bring_to_review(tx, member, flag).await?;
                    decide(
                        tx,
                        FlagActor::Member(member),
                        flag.id,
                        Action::RequestClarification { note: text.clone() },
                    )
                    .await?;
                }
            }
            // The email lists the questions in the contact's language.
            let message = rules::questions_text(
                Some(q),
                q.pick_lang(Some(invitation.language)),
                chosen
                    .iter()
                    .map(|(id, text, _)| (id.as_str(), text.as_str())),
            );
            campaign_mail::queue_clarification(
                tx,
                jobs,
                invitation.id.uuid(),
                request.id,
                &message,
            )
            .await?;
            audit::append(
                tx,
                &actor,
                "clarification.requested",
                "response",
                response_id,
                json!({
                    "request_id": request.id,
                    "questions": chosen.iter().map(|(id, _, _)| id).collect::<Vec<_>>(),
                    "flags": items.iter().flat_map(|i| i.flag_ids.clone()).collect::<Vec<_>>(),
                    "invitation_id": invitation.id,
                    "score_before": score_before,
                }),
            )
            .await?;
            Ok(request)
        }
        .scope_boxed()
    })
    .await?;
    jobs.wake();
    Ok(created)
}

/// The open request of a link's response, with its items (`None` when nothing waits).
pub async fn open_for(
    conn: &mut Conn,
    session: &LinkSession,
) -> Result<Option<(ClarificationRequest, Vec<ClarificationItem>, Answers)>, AppError> {
    let Some(request) =
        db::clarifications::open_request(conn, session.response_id().uuid()).await?
    else {
        return Ok(None);
    };
    let items = db::clarifications::items_of(conn, request.id).await?;
    let answers = current_answers(conn, session.response_id()).await?;
    Ok(Some((request, items, answers)))
}

/// What a reply did.
#[derive(Debug)]
pub enum ReplyOutcome {
    /// Recorded and re-scored: (score before, score after).
    Answered { score_before: i16, score_after: i16 },
    /// Nothing was waiting (answered before: a double click or an old tab).
    NothingOpen,
    /// The question was withdrawn by a member: nothing was written, none is expected.
    Withdrawn,
    /// Some reopened answers are not valid: nothing was written.
    Invalid(Vec<FieldError>),
}

/// The form values a reply is parsed from: the current answers, with the posted values
/// of the reopened questions (and only those) in place of theirs.
fn merged_input(
    q: &crate::domain::questionnaire::Questionnaire,
    current: &Answers,
    items: &[ClarificationItem],
    posted: &RawInput,
) -> RawInput {
    let mut values = to_form_values(q, current);
    for item in items {
        let id = &item.question_id;
        let dont_know = crate::domain::answers::dont_know_field(id);
        values.remove(id);
        values.remove(&dont_know);
        for name in [id, &dont_know] {
            if let Some(v) = posted.values.get(name.as_str()) {
                values.insert(name.clone(), v.clone());
            }
        }
    }
    RawInput {
        values,
        ..RawInput::default()
    }
}

/// Records the respondent's reply to the open request (see the module note).
pub async fn reply(
    conn: &mut Conn,
    key: &AuditKey,
    session: &LinkSession,
    posted: &RawInput,
    lang: Lang,
) -> Result<ReplyOutcome, AppError> {
    let response_id = session.response_id();
    let contact_id = session.contact.id;
    let version = session.version.clone();
    crate::db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let q = &version.questionnaire;
            let Some(request) =
                db::clarifications::lock_open_request(tx, response_id.uuid()).await?
            else {
                return Ok(
                    match db::clarifications::latest_request(tx, response_id.uuid()).await? {
                        Some(r) if r.withdrawn_at.is_some() => ReplyOutcome::Withdrawn,
                        _ => ReplyOutcome::NothingOpen,
                    },
                );
            };
            let items = db::clarifications::items_of(tx, request.id).await?;
            let current = current_answers(tx, response_id).await?;
            let input = merged_input(q, &current, &items, posted);
            let parsed = parse_form(
                q,
                &input,
                &current,
                lang,
                Mode::Submit,
                crate::domain::dates::Today::at(chrono::Utc::now()),
            );
            let reopened: Vec<&str> = items.iter().map(|i| i.question_id.as_str()).collect();
            let mut errors = parsed.errors_on(q, &reopened, lang);
            let mut notes = BTreeMap::new();
            for id in &reopened {
                let field = note_field(id);
                let note = posted
                    .values
                    .get(&field)
                    .and_then(|v| v.first())
                    .map(|v| clean_answer(v, true))
                    .filter(|v| !v.is_empty());
                if note
                    .as_ref()
                    .is_some_and(|n| n.chars().count() > rules::NOTE_MAX)
                {
                    errors.push(FieldError {
                        field,
                        message: crate::domain::i18n::Msg::TooLong(rules::NOTE_MAX).text(lang),
                    });
                }
                notes.insert(id.to_string(), note);
            }
            if !errors.is_empty() {
                return Ok(ReplyOutcome::Invalid(errors));
            }
            let replies: Vec<(&str, Option<&serde_json::Value>)> = reopened
                .iter()
                .map(|id| (*id, parsed.answers.get(*id)))
                .collect();
            let after = rules::with_replies(&current, replies.iter().copied());
            let raised = score_stored(tx, q, response_id.uuid(), &after).await?;
            let (score_after, flags_after) = rules::summary(&raised);
            for (id, reply) in &replies {
                db::clarifications::record_reply(
                    tx,
                    request.id,
                    id,
                    *reply,
                    notes.get(*id).and_then(|n| n.as_deref()),
                    rules::question_score(&raised, id),
                )
                .await?;
            }
            let now = Utc::now();
            db::clarifications::mark_answered(
                tx,
                request.id,
                contact_id.uuid(),
                now,
                score_after,
                flags_after,
            )
            .await?;
            // A reply can raise a rule that did not fire before: a new flag.
            db::flags::insert_flags(tx, &flag_rows(response_id.uuid(), &raised, now)).await?;
            let actor = Actor::Contact(contact_id.uuid());
            let flags = db::flags::lock_flags_of(tx, response_id.uuid()).await?;
            for flag in flags.iter().filter(|f| {
                f.status == FlagStatus::ClarificationRequested
                    && items.iter().any(|i| i.flag_ids.contains(&f.id))
            }) {
                decide(
                    tx,
                    FlagActor::Contact(contact_id.uuid()),
                    flag.id,
                    Action::ClarificationAnswered,
                )
                .await?;
            }
            audit::append(
                tx,
                &actor,
                "clarification.answered",
                "response",
                response_id,
                json!({
                    "request_id": request.id,
                    "questions": reopened,
                    "score_before": request.score_before,
                    "score_after": score_after,
                    "flags_before": request.flags_before,
                    "flags_after": flags_after,
                    "template_version_id": version.id,
                }),
            )
            .await?;
            Ok(ReplyOutcome::Answered {
                score_before: request.score_before,
                score_after,
            })
        }
        .scope_boxed()
    })
    .await
}

//! A respondent's link session: opening the form, saving drafts, submitting, and the
//! flags a submission raises.
//!
//! Everything here is reached through [`LinkSession`], which can only be made from a
//! valid link token, and carries the one response that link may touch.

use super::questionnaires::{LoadedVersion, QuestionnaireRegistry};
use super::Conn;
use crate::db;
use crate::db::audit::{self, Actor};
pub use crate::db::models::{
    Campaign, Contact, Flag, Invitation, NewEvidenceFile, Organisation, Response,
};
pub use crate::db::responses::{AnswerMeta, AnswerMetas};
use crate::domain::answers::{parse_section, Answers, AnswersDiff, FieldError, Mode, RawInput};
use crate::domain::declaration::{self, Declaration};
use crate::domain::i18n::{Lang, Msg};
use crate::domain::ids::{OrganisationId, ResponseId};
use crate::domain::risk::overall_band;
use crate::domain::states::ResponseStatus;
use crate::domain::token;
use crate::error::AppError;
use chrono::{Duration, Utc};
use scoped_futures::ScopedFutureExt;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// What a valid link gives access to: exactly one organisation's response in one campaign.
#[derive(Debug, Clone)]
pub struct LinkSession {
    pub invitation: Invitation,
    pub campaign: Campaign,
    pub organisation: Organisation,
    pub contact: Contact,
    pub version: Arc<LoadedVersion>,
    /// The campaign's message to respondents, shown on the start page.
    pub campaign_message: Option<String>,
}

impl LinkSession {
    pub fn response_id(&self) -> ResponseId {
        self.invitation.response_id
    }

    /// Whether answers may still be saved: not once the campaign is closed.
    pub fn writable(&self) -> bool {
        self.campaign.status != crate::domain::states::CampaignStatus::Closed
    }
}

/// The invitation of a link that was issued but no longer opens the form (revoked or
/// expired); `None` for a malformed or never-issued token.
pub async fn dead_link(conn: &mut Conn, token: &str) -> Result<Option<Invitation>, AppError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    Ok(db::invitations::find_dead_link(conn, &token::token_sha256(token)).await?)
}

/// How often a link's use is written down (`invitations.last_used_at`) at most. Writing
/// it on every page view and save made each respondent cost dozens of row updates.
pub const LINK_USE_INTERVAL: Duration = Duration::minutes(5);

/// Records that the link was used, unless that was done within [`LINK_USE_INTERVAL`]:
/// usually no statement at all. Runs on the caller's connection, inside the caller's
/// transaction when there is one (a save).
pub async fn record_use(conn: &mut Conn, session: &LinkSession) -> Result<(), AppError> {
    // A constant offset from now: cannot overflow.
    let since = Utc::now() - LINK_USE_INTERVAL;
    if session.invitation.last_used_at.is_some_and(|t| t >= since) {
        return Ok(());
    }
    // On the organisation's timeline as "opened" (as often as the use is recorded).
    db::invitations::record_link_use(conn, session.invitation.id, session.response_id(), since)
        .await?;
    Ok(())
}

/// Remembers `lang` as the link's language when the respondent picked another one
/// (no statement otherwise).
pub async fn remember_language(
    conn: &mut Conn,
    session: &LinkSession,
    lang: Lang,
) -> Result<(), AppError> {
    if session.invitation.chosen_language != Some(lang) {
        db::invitations::set_chosen_language(conn, session.invitation.id, lang).await?;
    }
    Ok(())
}

/// Opens a link. `None` for an unknown, revoked or expired token (the caller shows the
/// same page for all three, so a guesser learns nothing). Reads only; the use is
/// recorded by [`current`] and [`save`].
pub async fn open_link(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
) -> Result<Option<LinkSession>, AppError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    let Some((invitation, campaign, organisation, contact, campaign_message)) =
        db::invitations::find_link(conn, &token::token_sha256(token)).await?
    else {
        return Ok(None);
    };
    let version = registry.pinned(campaign.id, campaign.template_version_id)?;
    Ok(Some(LinkSession {
        invitation,
        campaign,
        organisation,
        contact,
        version,
        campaign_message,
    }))
}

/// The response and its stored answers (the link's use is recorded, at most every few
/// minutes).
pub async fn current(
    conn: &mut Conn,
    session: &LinkSession,
) -> Result<(Response, Answers), AppError> {
    record_use(conn, session).await?;
    let response = db::responses::find_response(conn, session.response_id())
        .await?
        .ok_or(AppError::NotFound("response"))?;
    let answers = db::responses::load_answers(conn, response.id).await?;
    Ok((response, answers))
}

/// A posted answer not applied because another contact changed the question after the
/// page was loaded (optimistic concurrency per question).
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub question_id: String,
    /// The stored answer, kept (`None`: the other contact cleared it).
    pub theirs: Option<Value>,
    /// What this contact posted, as parsed (`None`: blank).
    pub mine: Option<Value>,
    pub by: Option<String>,
    pub at: chrono::DateTime<Utc>,
}

/// The form field carrying the version of question `id` the page was loaded with.
pub fn version_field(id: &str) -> String {
    format!("_v.{id}")
}

/// What a save or submit did.
#[derive(Debug)]
pub enum SaveOutcome {
    /// Stored as a draft; `errors` are the fields to fix (their old values were kept),
    /// `conflicts` the answers another contact changed meanwhile (theirs were kept);
    /// `meta` the stored answers' versions after the save.
    Saved {
        answers: Answers,
        errors: Vec<FieldError>,
        conflicts: Vec<Conflict>,
        meta: AnswerMetas,
    },
    /// Submitted now, with this many flags raised.
    Submitted { response: Response, flags: usize },
    /// It was submitted before (a double click, a stale page): nothing changed.
    AlreadySubmitted { response: Response },
}

/// SHA-256 of the answers' canonical JSON: the receipt's fingerprint.
pub fn answers_fingerprint(answers: &Answers) -> String {
    // BTreeMap keys are sorted and serde_json sorts object keys: canonical bytes.
    hex::encode(Sha256::digest(
        serde_json::to_string(answers)
            .unwrap_or_default()
            .as_bytes(),
    ))
}

/// The stored file an evidence answer refers to.
fn evidence_file_id(answer: &Value) -> Option<Uuid> {
    answer.get("file_id")?.as_str()?.parse().ok()
}

/// Saves the posted form (every section, or only `section` when given: the others keep
/// their stored answers) as a draft, or submits it when `mode` is `Submit`, every
/// answer is valid and the declaration is complete. Runs in one transaction with the response row locked, so two
/// tabs or a double click cannot interleave.
///
/// Evidence: a new upload replaces the question's earlier file, which is deleted in the
/// same transaction, and the response's files together may not exceed
/// `evidence_quota_mb` (an upload over it is refused next to its field; the other
/// answers are saved).
pub async fn save(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    session: &LinkSession,
    input: &RawInput,
    lang: Lang,
    mode: Mode,
    section: Option<usize>,
) -> Result<SaveOutcome, AppError> {
    let outcome = crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        save_in(tx, ctx, session, input, lang, mode, section).scope_boxed()
    })
    .await?;
    if matches!(outcome, SaveOutcome::Submitted { .. }) {
        ctx.jobs.wake();
    }
    Ok(outcome)
}

/// A response locked for a save or a submit (`db::responses::lock_with_answers`).
pub(crate) enum Locked {
    /// Already submitted: nothing more is written.
    Submitted(Response),
    /// Its stored answers, with their versions and who changed them last.
    Open { answers: Answers, meta: AnswerMetas },
}

/// Locks the response for the rest of the transaction and reads its answers: one
/// statement (the whole response is read again only when it was already submitted).
pub(crate) async fn locked(conn: &mut Conn, response_id: ResponseId) -> Result<Locked, AppError> {
    match db::responses::lock_with_answers(conn, response_id).await? {
        None => Err(AppError::NotFound("response")),
        Some((ResponseStatus::Submitted, _, _)) => db::responses::find_response(conn, response_id)
            .await?
            .map(Locked::Submitted)
            .ok_or(AppError::NotFound("response")),
        Some((_, answers, meta)) => Ok(Locked::Open { answers, meta }),
    }
}

/// [`save`] inside the caller's transaction (the caller wakes the job worker after the
/// commit when it submitted).
pub(crate) async fn save_in(
    tx: &mut crate::db::Tx<'_>,
    ctx: &super::Ctx<'_>,
    session: &LinkSession,
    input: &RawInput,
    lang: Lang,
    mode: Mode,
    section: Option<usize>,
) -> Result<SaveOutcome, AppError> {
    let q = &session.version.questionnaire;
    let contact_id = session.contact.id;
    let response_id = session.response_id();
    let declared = match mode {
        Mode::Submit => Some(declaration::parse(&input.values, lang)),
        Mode::Draft => None,
    };
    let (jobs, evidence_quota_mb) = (ctx.jobs, ctx.evidence_quota_mb);
    record_use(tx, session).await?;
    let (previous, before) = match locked(tx, response_id).await? {
        Locked::Submitted(response) => return Ok(SaveOutcome::AlreadySubmitted { response }),
        Locked::Open { answers, meta } => (answers, meta),
    };
    let mut parsed = parse_section(q, input, &previous, lang, mode, section);
    let conflicts = keep_theirs(q, input, &previous, &before, &mut parsed.answers, section);
    if let Some(Err(errors)) = &declared {
        parsed.errors.extend(errors.iter().cloned());
    }
    // The stored files' sizes count against the quota only when files come in.
    let stored: HashMap<Uuid, i64> = if parsed.uploads.is_empty() {
        HashMap::new()
    } else {
        db::evidence::evidence_sizes(tx, response_id)
            .await?
            .into_iter()
            .map(|(id, size)| (id, i64::from(size)))
            .collect()
    };
    let uploaded = !parsed.uploads.is_empty();
    let quota = i64::try_from(evidence_quota_mb)
        .unwrap_or(i64::MAX)
        .saturating_mul(1024 * 1024);
    // Bytes of the files that stay: those of answers without a new upload.
    let mut total: i64 = parsed
        .answers
        .iter()
        .filter(|(q, _)| !parsed.uploads.iter().any(|(u, _)| u == *q))
        .filter_map(|(_, v)| evidence_file_id(v))
        .filter_map(|id| stored.get(&id))
        .sum();
    for (question_id, upload) in std::mem::take(&mut parsed.uploads) {
        let file_id = Uuid::new_v4();
        let Some(content_type) = upload.content_type() else {
            continue;
        };
        let size = upload.bytes.len() as i64;
        if total.saturating_add(size) > quota {
            // Refused: the question keeps its earlier file (if any).
            match previous.get(&question_id) {
                Some(old) => {
                    total += evidence_file_id(old)
                        .and_then(|id| stored.get(&id).copied())
                        .unwrap_or(0);
                    parsed.answers.insert(question_id.clone(), old.clone());
                }
                None => {
                    parsed.answers.remove(&question_id);
                }
            }
            parsed.errors.push(FieldError {
                field: question_id,
                message: Msg::EvidenceQuota(evidence_quota_mb).text(lang),
            });
            continue;
        }
        total += size;
        db::evidence::insert_evidence(
            tx,
            &NewEvidenceFile {
                id: file_id,
                response_id,
                question_id: question_id.clone(),
                file_name: upload.file_name.chars().take(255).collect(),
                content_type: content_type.into(),
                size_bytes: upload.bytes.len() as i32,
                sha256: upload.sha256(),
                content: upload.bytes.clone(),
                uploaded_by_contact_id: Some(contact_id),
            },
        )
        .await?;
        if let Some(Value::Object(meta)) = parsed.answers.get_mut(&question_id) {
            meta.insert("file_id".into(), json!(file_id));
        }
    }
    let changed = db::responses::replace_answers(
        tx,
        response_id,
        &AnswersDiff::between(&previous, &parsed.answers),
        contact_id,
        lang,
        session.invitation.id,
    )
    .await?;
    // Files no answer refers to any more (replaced, or their question hidden or
    // cleared) go with the answers that referred to them. Every save keeps this
    // true, so without an upload and with every file referred to before still
    // referred to, there is nothing to delete.
    let referenced: Vec<Uuid> = parsed
        .answers
        .values()
        .filter_map(evidence_file_id)
        .collect();
    let dropped = previous
        .values()
        .filter_map(evidence_file_id)
        .any(|id| !referenced.contains(&id));
    if uploaded || dropped {
        db::evidence::delete_evidence_except(tx, response_id, &referenced).await?;
    }
    let declaration = match declared {
        Some(Ok(d)) if parsed.errors.is_empty() && conflicts.is_empty() => d,
        _ => {
            let meta = meta_after(before, &parsed.answers, changed, &session.contact);
            return Ok(SaveOutcome::Saved {
                answers: parsed.answers,
                errors: parsed.errors,
                conflicts,
                meta,
            });
        }
    };
    finish_submit(tx, jobs, session, &parsed.answers, lang, &declaration).await
}

/// The answers' versions after a save: those the save changed (`changed`, as the
/// database returned them) by `contact`, the others as they were; none for answers the
/// save removed.
fn meta_after(
    mut before: AnswerMetas,
    answers: &Answers,
    changed: Vec<db::responses::ChangedAnswer>,
    contact: &Contact,
) -> AnswerMetas {
    before.retain(|question, _| answers.contains_key(question));
    for c in changed {
        before.insert(
            c.question_id,
            AnswerMeta {
                version: c.version,
                contact_id: Some(contact.id),
                contact_name: Some(contact.name.clone()),
                updated_at: c.updated_at,
            },
        );
    }
    before
}

/// Answers of the posted section that another contact changed since the page was
/// loaded (its `_v.<id>` field differs from the stored version) and that this post
/// would change: the stored answer is put back, and the conflict reported.
fn keep_theirs(
    q: &crate::domain::questionnaire::Questionnaire,
    input: &RawInput,
    previous: &Answers,
    before: &AnswerMetas,
    answers: &mut Answers,
    section: Option<usize>,
) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    for (n, s) in q.sections.iter().enumerate() {
        if section.is_some_and(|wanted| wanted != n) {
            continue;
        }
        for question in &s.questions {
            let id = &question.id;
            let Some(loaded) = input
                .values
                .get(&version_field(id))
                .and_then(|v| v.first())
                .and_then(|v| v.parse::<i32>().ok())
            else {
                continue;
            };
            let meta = before.get(id);
            let current = meta.map_or(0, |m| m.version);
            if loaded == current || answers.get(id) == previous.get(id) {
                continue;
            }
            let mine = match previous.get(id) {
                Some(old) => answers.insert(id.clone(), old.clone()),
                None => answers.remove(id),
            };
            conflicts.push(Conflict {
                question_id: id.clone(),
                theirs: previous.get(id).cloned(),
                mine,
                by: meta.and_then(|m| m.contact_name.clone()),
                at: meta.map_or_else(Utc::now, |m| m.updated_at),
            });
        }
    }
    conflicts
}

/// Flags, fingerprint, the submitted state with the declaration, and the audit entry:
/// the end of a valid submission, inside its transaction.
pub(crate) async fn finish_submit(
    tx: &mut crate::db::Tx<'_>,
    jobs: &crate::jobs::Jobs,
    session: &LinkSession,
    answers: &Answers,
    lang: Lang,
    declaration: &Declaration,
) -> Result<SaveOutcome, AppError> {
    let q = &session.version.questionnaire;
    let contact_id = session.contact.id;
    let response_id = session.response_id();
    let raised =
        super::scoring::score_submission(tx, q, &session.organisation, response_id.uuid(), answers)
            .await?;
    let now = Utc::now();
    let rows = super::scoring::flag_rows(response_id.uuid(), &raised, now);
    db::flags::insert_flags(tx, &rows).await?;
    let fingerprint = answers_fingerprint(answers);
    let response = db::responses::mark_submitted(
        tx,
        response_id,
        contact_id,
        lang,
        &fingerprint,
        (&declaration.name, &declaration.title),
    )
    .await?;
    // The receipt email (with the PDF, made when it is sent) to the contact who
    // submitted; the caller wakes the worker after the commit. Queued before the audit
    // entry, the last statement: appends wait for each other until commit.
    crate::jobs::campaign_mail::queue_receipt(tx, jobs, session.invitation.id.uuid()).await?;
    let worst = overall_band(raised.iter().map(|f| &f.band));
    audit::append(
        tx,
        &Actor::Contact(contact_id.uuid()),
        "response.submitted",
        "response",
        response_id,
        json!({
            "answers": answers.len(),
            "signatory_name": declaration.name,
            "signatory_title": declaration.title,
            "answers_sha256": fingerprint,
            "flags": rows.len(),
            "worst_band": worst.map(|b| b.as_str()),
            "template_version_id": session.version.id,
        }),
    )
    .await?;
    Ok(SaveOutcome::Submitted {
        response,
        flags: rows.len(),
    })
}

/// The flags of a response.
pub async fn flags(conn: &mut Conn, response_id: ResponseId) -> Result<Vec<Flag>, AppError> {
    Ok(db::flags::flags_of(conn, response_id.uuid()).await?)
}

/// A stored flag as the rating sees it (`None` for an indicator or band this build does
/// not know, which a migration would have to bring first).
pub fn flag_facts(f: &Flag) -> Option<crate::domain::rating::FlagFacts> {
    use crate::domain::indicator::Indicator;
    Some(crate::domain::rating::FlagFacts {
        indicator: Indicator::parse(&f.indicator)?,
        band: f.band,
        knock_out: f.critical,
        score: u8::try_from(f.score).ok()?,
        affected_workers: f.affected_workers.and_then(|n| u32::try_from(n).ok()),
        workforce: f.workforce.and_then(|n| u32::try_from(n).ok()),
    })
}

/// One response an organisation's rating is built from.
#[derive(Debug, Serialize)]
pub struct RatedResponse {
    pub response_id: ResponseId,
    pub template_id: String,
    pub version: i32,
    pub submitted_at: Option<chrono::DateTime<Utc>>,
}

/// An organisation's rating from its latest submitted response to each questionnaire,
/// with the responses it used and their flags (worst first).
pub async fn organisation_rating(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> Result<(crate::domain::rating::Rating, Vec<RatedResponse>, Vec<Flag>), AppError> {
    db::organisations::find_organisation(conn, organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let latest: Vec<RatedResponse> =
        db::responses::latest_submitted_responses(conn, organisation_id)
            .await?
            .into_iter()
            .map(
                |(response_id, template_id, version, submitted_at)| RatedResponse {
                    response_id,
                    template_id,
                    version,
                    submitted_at,
                },
            )
            .collect();
    let ids: Vec<Uuid> = latest.iter().map(|r| r.response_id.uuid()).collect();
    let flags = db::flags::flags_of_responses(conn, &ids).await?;
    let facts: Vec<_> = flags.iter().filter_map(flag_facts).collect();
    Ok((crate::domain::rating::Rating::of(&facts), latest, flags))
}

/// A response and the questionnaire version its campaign is pinned to (`None` when the
/// version is not loaded); `NotFound` when there is no such response.
pub async fn find_response(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    id: ResponseId,
) -> Result<(Response, Option<Arc<LoadedVersion>>), AppError> {
    let response = db::responses::find_response(conn, id)
        .await?
        .ok_or(AppError::NotFound("response"))?;
    let campaign = db::campaigns::find_campaign(conn, response.campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    Ok((response, registry.get(campaign.template_version_id)))
}

/// An evidence file (name, content type, bytes) of the link's own response only.
pub async fn evidence(
    conn: &mut Conn,
    session: &LinkSession,
    file_id: Uuid,
) -> Result<Option<(String, String, Vec<u8>)>, AppError> {
    Ok(db::evidence::find_evidence_of(conn, file_id, session.response_id()).await?)
}

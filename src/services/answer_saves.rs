//! Saving a respondent's answers through a link: the post parsed and validated against
//! the stored answers, other contacts' newer answers kept (conflicts), files within
//! the quota, and the write, either **without a lock** (a draft without files: read,
//! then one statement that writes only if the response is still at the revision read,
//! `save_draft_unlocked`) or **in a transaction with the response locked** (files, a
//! submission, a draft that deletes a file: `save_locked`). `link_requests::save`
//! chooses and tries again when the response changed in between.

use super::responses::{finish_submit, record_use, LinkSession};
use super::Conn;
use crate::db;
use crate::db::models::{Contact, NewEvidenceFile, Response};
use crate::db::responses::{AnswerMeta, AnswerMetas, StoredAnswers};
use crate::domain::answers::{parse_section, Answers, AnswersDiff, FieldError, Mode, RawInput};
use crate::domain::declaration::{self, Declaration};
use crate::domain::i18n::{Lang, Msg};
use crate::domain::ids::ResponseId;
use crate::domain::states::ResponseStatus;
use crate::error::AppError;
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

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

/// The form field carrying a fingerprint of question `id`'s answer as the page was
/// loaded (`_h.<id>`, beside `_v.<id>`): a post whose answer still has it did not
/// change the question, whatever the version says.
pub fn base_field(id: &str) -> String {
    format!("_h.{id}")
}

/// The fingerprint of an answer for [`base_field`] (empty for no answer): the first
/// 16 hex digits of the SHA-256 of its JSON.
pub fn answer_fingerprint(answer: Option<&Value>) -> String {
    use sha2::{Digest, Sha256};
    match answer {
        None => String::new(),
        Some(v) => hex::encode(&Sha256::digest(v.to_string().as_bytes())[..8]),
    }
}

/// What a save or submit did.
#[derive(Debug)]
pub enum SaveOutcome {
    /// Stored as a draft; `errors` are the fields to fix (their old values were kept),
    /// `conflicts` the answers another contact changed meanwhile (theirs were kept);
    /// `meta` the stored answers' versions after the save; `removed` the stored answers
    /// the save dropped because the new answers hide their questions (any section),
    /// with the values they had, for the respondent to be told.
    Saved {
        answers: Answers,
        errors: Vec<FieldError>,
        conflicts: Vec<Conflict>,
        meta: AnswerMetas,
        removed: Answers,
    },
    /// Submitted now, with this many flags raised.
    Submitted { response: Response, flags: usize },
    /// It was submitted before (a double click, a stale page): nothing changed.
    AlreadySubmitted { response: Response },
}

/// The stored file an evidence answer refers to.
fn evidence_file_id(answer: &Value) -> Option<Uuid> {
    answer.get("file_id")?.as_str()?.parse().ok()
}

/// How many times a save reads and tries again when the response changed between its
/// read and its write (another contact's save in between) before giving up.
pub(crate) const SAVE_ATTEMPTS: usize = 5;

/// Saves the posted form (every section, or only `section` when given: the others keep
/// their stored answers) as a draft, or submits it when `mode` is `Submit`, every
/// answer is valid and the declaration is complete, in one transaction with the
/// response row locked ([`save_locked`]; the demo's path, `link_requests::save` is the
/// respondent's, which reads the link again and retries).
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
    let attempt = crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        save_locked(tx, ctx, session, input, lang, mode, section).scope_boxed()
    })
    .await?;
    match attempt {
        Attempt::Done(outcome) => {
            if matches!(outcome, SaveOutcome::Submitted { .. }) {
                ctx.jobs.wake();
            }
            Ok(outcome)
        }
        // Under the lock only a link that stopped working makes a save stale; this
        // session's link would be stale again on every try.
        Attempt::Stale | Attempt::NeedsLock => Err(AppError::Conflict(Msg::SaveBusy.text(lang))),
    }
}

/// A response locked for a save or a submit (`db::responses::lock_with_answers`).
pub(crate) enum Locked {
    /// Already submitted: nothing more is written.
    Submitted(Response),
    /// Its stored answers, with their versions and who changed them last.
    Open(StoredAnswers),
}

/// Locks the response for the rest of the transaction and reads its answers: one
/// statement (the whole response is read again only when it was already submitted).
pub(crate) async fn locked(conn: &mut Conn, response_id: ResponseId) -> Result<Locked, AppError> {
    match db::responses::lock_with_answers(conn, response_id).await? {
        None => Err(AppError::NotFound("response")),
        Some((ResponseStatus::Submitted, _)) => db::responses::find_response(conn, response_id)
            .await?
            .map(Locked::Submitted)
            .ok_or(AppError::NotFound("response")),
        Some((_, stored)) => Ok(Locked::Open(stored)),
    }
}

/// What one try of a save did.
#[derive(Debug)]
pub(crate) enum Attempt {
    Done(SaveOutcome),
    /// The response (another contact saved or submitted) or the link (revoked, expired,
    /// its campaign closed) changed since it was read: no answer was written; read
    /// again and try again.
    Stale,
    /// A draft save read without the lock would have to delete a file: done again with
    /// the lock, in a transaction.
    NeedsLock,
}

/// What a save writes, decided from the stored answers and the post (no database).
struct Plan {
    parsed: crate::domain::answers::Parsed,
    conflicts: Vec<Conflict>,
    declared: Option<Result<Declaration, Vec<FieldError>>>,
    /// New evidence files, their ids already in their answers.
    files: Vec<NewEvidenceFile>,
    /// The stored files the answers refer to after the save.
    referenced: Vec<Uuid>,
    /// Whether a stored file is no longer referred to by any answer.
    drops_files: bool,
}

/// Parses and validates the post against the stored answers, keeps other contacts'
/// newer answers (conflicts), and accepts new files within the quota (`sizes`: the
/// stored files' sizes, read only when files come in).
#[allow(clippy::too_many_arguments)]
fn plan(
    ctx: &super::Ctx<'_>,
    session: &LinkSession,
    input: &RawInput,
    lang: Lang,
    mode: Mode,
    section: Option<usize>,
    stored: &StoredAnswers,
    sizes: &HashMap<Uuid, i64>,
) -> Plan {
    let q = &session.version.questionnaire;
    let previous = &stored.answers;
    let declared = match mode {
        Mode::Submit => Some(declaration::parse(&input.values, lang)),
        Mode::Draft => None,
    };
    let mut parsed = parse_section(
        q,
        input,
        previous,
        lang,
        mode,
        crate::domain::dates::Today::at(chrono::Utc::now()),
        section,
    );
    let conflicts = keep_theirs(
        q,
        input,
        previous,
        &stored.meta,
        &mut parsed.answers,
        section,
    );
    if let Some(Err(errors)) = &declared {
        parsed.errors.extend(errors.iter().cloned());
    }
    let evidence_quota_mb = ctx.evidence_quota_mb;
    let quota = i64::try_from(evidence_quota_mb)
        .unwrap_or(i64::MAX)
        .saturating_mul(1024 * 1024);
    // Bytes of the files that stay: those of answers without a new upload.
    let mut total: i64 = parsed
        .answers
        .iter()
        .filter(|(q, _)| !parsed.uploads.iter().any(|(u, _)| u == *q))
        .filter_map(|(_, v)| evidence_file_id(v))
        .filter_map(|id| sizes.get(&id))
        .sum();
    let mut files = Vec::new();
    for (question_id, upload) in std::mem::take(&mut parsed.uploads) {
        let Some(content_type) = upload.content_type() else {
            continue;
        };
        let size = upload.bytes.len() as i64;
        if total.saturating_add(size) > quota {
            // Refused: the question keeps its earlier file (if any).
            match previous.get(&question_id) {
                Some(old) => {
                    total += evidence_file_id(old)
                        .and_then(|id| sizes.get(&id).copied())
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
        let file_id = Uuid::new_v4();
        if let Some(Value::Object(meta)) = parsed.answers.get_mut(&question_id) {
            meta.insert("file_id".into(), json!(file_id));
        }
        files.push(NewEvidenceFile {
            id: file_id,
            response_id: session.response_id(),
            question_id,
            file_name: upload.file_name.chars().take(255).collect(),
            content_type: content_type.into(),
            size_bytes: upload.bytes.len() as i32,
            sha256: upload.sha256(),
            content: upload.bytes,
            uploaded_by_contact_id: Some(session.contact.id),
        });
    }
    // Files no answer refers to any more (replaced, or their question hidden or
    // cleared) go with the answers that referred to them. Every save keeps this true,
    // so without an upload and with every file referred to before still referred to,
    // there is nothing to delete.
    let referenced: Vec<Uuid> = parsed
        .answers
        .values()
        .filter_map(evidence_file_id)
        .collect();
    let drops_files = previous
        .values()
        .filter_map(evidence_file_id)
        .any(|id| !referenced.contains(&id));
    Plan {
        parsed,
        conflicts,
        declared,
        files,
        referenced,
        drops_files,
    }
}

impl Plan {
    /// The stored answers the save removes because the new answers hide their
    /// questions (one a conflict kept, another contact's newer answer, stays).
    fn hidden_removed(&self) -> Vec<&str> {
        let answers = &self.parsed.answers;
        let hidden = self.parsed.hidden.iter();
        hidden
            .filter(|q| !answers.contains_key(*q))
            .map(String::as_str)
            .collect()
    }
}

/// Writes the plan's answers if the response is still at `stored.revision`
/// (`db::responses::replace_answers`); `None` when it is not.
async fn write_answers(
    conn: &mut Conn,
    session: &LinkSession,
    stored: &StoredAnswers,
    plan: &Plan,
    lang: Lang,
) -> Result<Option<Vec<db::responses::ChangedAnswer>>, AppError> {
    Ok(db::responses::replace_answers(
        conn,
        session.response_id(),
        stored.revision,
        &AnswersDiff::between(&stored.answers, &plan.parsed.answers).hiding(plan.hidden_removed()),
        session.contact.id,
        lang,
        session.invitation.id,
        db::responses::SaveEvent::Saved,
    )
    .await?)
}

/// The outcome of a save that did not submit.
fn saved(
    plan: Plan,
    stored: StoredAnswers,
    changed: Vec<db::responses::ChangedAnswer>,
    session: &LinkSession,
) -> SaveOutcome {
    let meta = meta_after(stored.meta, &plan.parsed.answers, changed, &session.contact);
    let removed = plan
        .hidden_removed()
        .into_iter()
        .filter_map(|q| Some((q.to_string(), stored.answers.get(q)?.clone())))
        .collect();
    SaveOutcome::Saved {
        answers: plan.parsed.answers,
        errors: plan.parsed.errors,
        conflicts: plan.conflicts,
        meta,
        removed,
    }
}

/// A draft save without files on answers read **without a lock**, in one statement
/// with the link (`stored`; the caller saw the response not submitted): one writing
/// statement, outside any transaction, that writes only if the response is still at the
/// revision read (`db::responses::replace_answers`). A post with files, or a save that
/// would delete a file, asks for the lock instead ([`Attempt::NeedsLock`]).
pub(crate) async fn save_draft_unlocked(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    session: &LinkSession,
    input: &RawInput,
    lang: Lang,
    section: Option<usize>,
    stored: StoredAnswers,
) -> Result<Attempt, AppError> {
    if !input.uploads.is_empty() {
        return Ok(Attempt::NeedsLock);
    }
    let plan = plan(
        ctx,
        session,
        input,
        lang,
        Mode::Draft,
        section,
        &stored,
        &HashMap::new(),
    );
    if plan.drops_files {
        return Ok(Attempt::NeedsLock);
    }
    Ok(
        match write_answers(conn, session, &stored, &plan, lang).await? {
            None => Attempt::Stale,
            Some(changed) => Attempt::Done(saved(plan, stored, changed, session)),
        },
    )
}

/// A save in the caller's transaction with the response row locked: the one for posts
/// with files, submissions, and drafts that delete a file (the caller wakes the job
/// worker after the commit when it submitted). [`Attempt::Stale`] only when the link
/// stopped working since the transaction read it; nothing but its use was written.
pub(crate) async fn save_locked(
    tx: &mut crate::db::Tx<'_>,
    ctx: &super::Ctx<'_>,
    session: &LinkSession,
    input: &RawInput,
    lang: Lang,
    mode: Mode,
    section: Option<usize>,
) -> Result<Attempt, AppError> {
    let response_id = session.response_id();
    record_use(tx, session).await?;
    let stored = match locked(tx, response_id).await? {
        Locked::Submitted(response) => {
            return Ok(Attempt::Done(SaveOutcome::AlreadySubmitted { response }))
        }
        Locked::Open(stored) => stored,
    };
    // The stored files' sizes count against the quota only when files come in.
    let sizes: HashMap<Uuid, i64> = if input.uploads.is_empty() {
        HashMap::new()
    } else {
        db::evidence::evidence_sizes(tx, response_id)
            .await?
            .into_iter()
            .map(|(id, size)| (id, i64::from(size)))
            .collect()
    };
    let mut plan = plan(ctx, session, input, lang, mode, section, &stored, &sizes);
    let Some(changed) = write_answers(tx, session, &stored, &plan, lang).await? else {
        return Ok(Attempt::Stale);
    };
    let uploaded = !plan.files.is_empty();
    for file in std::mem::take(&mut plan.files) {
        db::evidence::insert_evidence(tx, &file).await?;
    }
    if uploaded || plan.drops_files {
        db::evidence::delete_evidence_except(tx, response_id, &plan.referenced).await?;
    }
    let declaration = match &plan.declared {
        Some(Ok(d)) if plan.parsed.errors.is_empty() && plan.conflicts.is_empty() => d.clone(),
        _ => return Ok(Attempt::Done(saved(plan, stored, changed, session))),
    };
    Ok(Attempt::Done(
        finish_submit(
            tx,
            ctx.jobs,
            session,
            &plan.parsed.answers,
            lang,
            &declaration,
        )
        .await?,
    ))
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
/// would change: the stored answer is put back, and the conflict reported. A posted
/// answer that is still the one the page was loaded with (its `_h.<id>` fingerprint)
/// was not changed on this page: the stored answer stays, silently, whatever the
/// versions say. (An autosave posts the whole section: without this, a page left open
/// wrote its stale value over a colleague's newer answer to a question it never
/// touched, once the script had taken the new versions from a reply.)
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
            if answers.get(id) == previous.get(id) {
                continue;
            }
            let untouched = input
                .values
                .get(&base_field(id))
                .and_then(|v| v.first())
                .is_some_and(|base| *base == answer_fingerprint(answers.get(id)));
            if untouched {
                match previous.get(id) {
                    Some(old) => answers.insert(id.clone(), old.clone()),
                    None => answers.remove(id),
                };
                continue;
            }
            let meta = before.get(id);
            let current = meta.map_or(0, |m| m.version);
            if loaded == current {
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

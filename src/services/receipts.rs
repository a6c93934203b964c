//! Receipts of submitted responses as PDF (`receipt_pdf`): for the respondent's link,
//! for staff, and for the receipt email. Made from the stored answers each time (the
//! email's job row stays small and the PDF always matches the fingerprint); the job
//! worker reads the receipts of a whole batch of receipt emails at once (`documents_in`).

use super::questionnaires::QuestionnaireRegistry;
use super::responses::LinkSession;
use super::Conn;
use crate::db;
use crate::domain::i18n::Lang;
use crate::domain::ids::ResponseId;
use crate::domain::states::ResponseStatus;
use crate::error::AppError;
use crate::receipt_pdf::{self, FontSource, ReceiptDocument, ReceiptFacts};
use scoped_futures::ScopedFutureExt;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The receipt of response `response_id` in `lang` (when its questionnaire has it;
/// otherwise the language it was submitted in). `None` when there is no such response
/// or it is not submitted.
pub async fn document(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    response_id: ResponseId,
    lang: Option<Lang>,
) -> Result<Option<ReceiptDocument>, AppError> {
    documents(conn, registry, &[(response_id, lang)])
        .await?
        .remove(&response_id)
        .transpose()
}

/// The receipts of several responses (each in its language, as [`document`]), keyed by
/// response, each on its own (one whose questionnaire version is not loaded does not
/// stop the others); the ones missing are not submitted or do not exist. Two reads in one
/// transaction (one snapshot) whatever their number.
pub async fn documents(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    wanted: &[(ResponseId, Option<Lang>)],
) -> Result<HashMap<ResponseId, Result<ReceiptDocument, AppError>>, AppError> {
    db::plain_transaction::<_, AppError, _>(conn, |tx| {
        documents_in(tx, registry, wanted).scope_boxed()
    })
    .await
}

/// [`documents`] inside the caller's transaction (the job worker reads a whole batch's
/// messages and receipts in one).
pub async fn documents_in(
    tx: &mut Conn,
    registry: &QuestionnaireRegistry,
    wanted: &[(ResponseId, Option<Lang>)],
) -> Result<HashMap<ResponseId, Result<ReceiptDocument, AppError>>, AppError> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<ResponseId> = wanted.iter().map(|(id, _)| *id).collect();
    let rows = db::receipts::responses_with_context(tx, &ids).await?;
    let submitted: Vec<ResponseId> = rows
        .iter()
        .filter(|(r, ..)| r.status == ResponseStatus::Submitted)
        .map(|(r, ..)| r.id)
        .collect();
    let mut answers = db::responses::load_answers_of(tx, &submitted).await?;
    let mut docs = HashMap::with_capacity(rows.len());
    for (response, campaign, organisation, contact) in rows {
        if response.status != ResponseStatus::Submitted {
            continue;
        }
        let asked = wanted
            .iter()
            .find(|(id, _)| *id == response.id)
            .and_then(|(_, lang)| *lang);
        let version = match registry.pinned(campaign.id, campaign.template_version_id) {
            Ok(version) => version,
            Err(e) => {
                docs.insert(response.id, Err(e));
                continue;
            }
        };
        let q = &version.questionnaire;
        let lang = q.pick_lang(
            asked
                .filter(|l| q.languages.contains(l))
                .or(response.language),
        );
        let facts = ReceiptFacts {
            campaign: campaign.name,
            organisation: organisation.name,
            contact: contact
                .map(|(name, email)| crate::domain::text::name_and_email(&name, &email))
                .unwrap_or_default(),
            receipt_id: response.id.to_string(),
            submitted_at: response.submitted_at,
            fingerprint: response.answers_sha256.unwrap_or_default(),
            declaration: match (
                response.signatory_name,
                response.signatory_title,
                response.declared_at,
            ) {
                (Some(signatory_name), Some(signatory_title), Some(declared_at)) => {
                    Some(receipt_pdf::Declaration {
                        signatory_name,
                        signatory_title,
                        declared_at,
                    })
                }
                _ => None,
            },
        };
        let stored = answers.remove(&response.id).unwrap_or_default();
        docs.insert(
            response.id,
            Ok(ReceiptDocument::new(q, &stored, lang, facts)),
        );
    }
    Ok(docs)
}

/// The receipt of the link's own response (`None` before it is submitted).
pub async fn for_link(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    session: &LinkSession,
    lang: Option<Lang>,
) -> Result<Option<ReceiptDocument>, AppError> {
    document(conn, registry, session.response_id(), lang).await
}

/// Who waits for a receipt PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// A person downloading it: made on the blocking pool at normal priority.
    Person,
    /// The receipt email's job: made on a thread of its own at a lower CPU priority
    /// (nice 10), so that under load the requests of people filling in the form go
    /// first and the receipts follow when the cores are free (they are the same
    /// outbox rows either way; only when they are made changes).
    Email,
}

/// The receipt as PDF bytes (shaping and font subsetting are CPU work, kept off the
/// async threads), at most one per core at once for each kind of [`Waiting`]: a
/// download does not wait behind emails' receipts made at the lower priority.
pub async fn pdf(
    font: Arc<FontSource>,
    doc: ReceiptDocument,
    waiting: Waiting,
) -> Result<Vec<u8>, AppError> {
    let failed = |e: &dyn std::fmt::Display| {
        AppError::Internal(anyhow::anyhow!("making the receipt PDF: {e}"))
    };
    let source = font.clone();
    let make = move || font.get().and_then(|font| receipt_pdf::render(&doc, &font));
    let made = match waiting {
        Waiting::Person => {
            let _turn = source.turn().await;
            tokio::task::spawn_blocking(make)
                .await
                .map_err(|e| failed(&e))?
        }
        Waiting::Email => {
            let _turn = source.background_turn().await;
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::Builder::new()
                .name("receipt-pdf".into())
                .spawn(move || {
                    lower_this_threads_priority();
                    let _ = tx.send(make());
                })
                .map_err(|e| failed(&e))?;
            rx.await.map_err(|e| failed(&e))?
        }
    };
    made.map_err(|e| failed(&e))
}

/// Nice 10 for the calling thread only (on Linux the nice value is a thread's). Best
/// effort: where it cannot be lowered the PDF is made at normal priority.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: nice only changes the calling thread's scheduling weight.
    unsafe {
        libc::nice(10);
    }
}

/// An evidence file (name, content type, bytes) of response `response_id`, for staff
/// who may see answers; `None` when the file is not that response's.
pub async fn evidence_file(
    conn: &mut Conn,
    response_id: ResponseId,
    file_id: Uuid,
) -> Result<Option<(String, String, Vec<u8>)>, AppError> {
    Ok(db::evidence::find_evidence_of(conn, file_id, response_id).await?)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::lower_this_threads_priority;

    fn nice_of_this_thread() -> i32 {
        // SAFETY: getpriority only reads the calling thread's nice value.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[test]
    fn an_email_receipts_thread_gives_way_and_no_other_thread_does() {
        let before = nice_of_this_thread();
        let lowered = std::thread::spawn(|| {
            lower_this_threads_priority();
            nice_of_this_thread()
        })
        .join()
        .expect("the thread ran");
        assert_eq!(lowered, (before + 10).min(19));
        assert_eq!(nice_of_this_thread(), before, "the caller keeps its own");
    }
}

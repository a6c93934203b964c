//! Receipts of submitted responses as PDF (`receipt_pdf`): for the respondent's link,
//! for staff, and for the receipt email. Made from the stored answers each time (the
//! email's job row stays small and the PDF always matches the fingerprint).

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
use std::sync::Arc;
use uuid::Uuid;

/// The receipt of response `response_id` in `lang` (when its questionnaire has it;
/// otherwise the language it was submitted in). `None` when there is no such response
/// or it is not submitted.
/// Its three reads are one transaction: one snapshot, and one PostgreSQL transaction per
/// receipt email instead of three.
pub async fn document(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    response_id: ResponseId,
    lang: Option<Lang>,
) -> Result<Option<ReceiptDocument>, AppError> {
    db::plain_transaction::<_, AppError, _>(conn, |tx| {
        document_in(tx, registry, response_id, lang).scope_boxed()
    })
    .await
}

async fn document_in(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    response_id: ResponseId,
    lang: Option<Lang>,
) -> Result<Option<ReceiptDocument>, AppError> {
    let Some((response, campaign, organisation)) =
        db::receipts::response_with_context(conn, response_id).await?
    else {
        return Ok(None);
    };
    if response.status != ResponseStatus::Submitted {
        return Ok(None);
    }
    let version = registry.pinned(campaign.id, campaign.template_version_id)?;
    let q = &version.questionnaire;
    let lang = q.pick_lang(
        lang.filter(|l| q.languages.contains(l))
            .or(response.language),
    );
    let contact = match response.submitted_by_contact_id {
        Some(id) => db::organisations::find_contact_of(conn, id, organisation.id)
            .await?
            .map(|c| format!("{} <{}>", c.name, c.email))
            .unwrap_or_default(),
        None => String::new(),
    };
    let answers = db::responses::load_answers(conn, response.id).await?;
    let facts = ReceiptFacts {
        campaign: campaign.name,
        organisation: organisation.name,
        contact,
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
    Ok(Some(ReceiptDocument::new(q, &answers, lang, facts)))
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

/// The receipt as PDF bytes, made on the blocking pool (shaping and font subsetting
/// are CPU work).
pub async fn pdf(font: Arc<FontSource>, doc: ReceiptDocument) -> Result<Vec<u8>, AppError> {
    let source = font.clone();
    let _turn = source.turn().await;
    tokio::task::spawn_blocking(move || {
        let font = font.get()?;
        receipt_pdf::render(&doc, &font)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("making the receipt PDF: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("making the receipt PDF: {e}")))
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

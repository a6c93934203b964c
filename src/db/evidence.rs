//! Evidence files, always scoped to their response.

use super::models::*;
use super::schema::*;
use super::Conn;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert_evidence(conn: &mut Conn, file: &NewEvidenceFile) -> QueryResult<()> {
    diesel::insert_into(evidence_files::table)
        .values(file)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The stored evidence files of a response: id and size in bytes.
pub async fn evidence_sizes(
    conn: &mut Conn,
    response_id: ResponseId,
) -> QueryResult<Vec<(Uuid, i32)>> {
    evidence_files::table
        .filter(evidence_files::response_id.eq(response_id))
        .select((evidence_files::id, evidence_files::size_bytes))
        .load(conn)
        .await
}

/// Deletes the response's evidence files other than `keep` (files no answer refers to
/// any more: replaced by a new upload, or of a question no longer answered).
pub async fn delete_evidence_except(
    conn: &mut Conn,
    response_id: ResponseId,
    keep: &[Uuid],
) -> QueryResult<usize> {
    diesel::delete(
        evidence_files::table
            .filter(evidence_files::response_id.eq(response_id))
            .filter(evidence_files::id.ne_all(keep)),
    )
    .execute(conn)
    .await
}

/// An evidence file's name, type and bytes, only if it belongs to `response_id`.
pub async fn find_evidence_of(
    conn: &mut Conn,
    file_id: Uuid,
    response_id: ResponseId,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    find_evidence(conn, file_id, response_id, false).await
}

/// [`find_evidence_of`] for the response's own link: the supplier's files only, not the
/// committee's corrective-action evidence stored with the response.
pub async fn find_answer_evidence_of(
    conn: &mut Conn,
    file_id: Uuid,
    response_id: ResponseId,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    find_evidence(conn, file_id, response_id, true).await
}

async fn find_evidence(
    conn: &mut Conn,
    file_id: Uuid,
    response_id: ResponseId,
    answers_only: bool,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    use super::schema::action_plan_evidence;
    if answers_only {
        let of_a_plan: bool = diesel::select(diesel::dsl::exists(
            action_plan_evidence::table.filter(action_plan_evidence::evidence_file_id.eq(file_id)),
        ))
        .get_result(conn)
        .await?;
        if of_a_plan {
            return Ok(None);
        }
    }
    evidence_files::table
        .filter(evidence_files::id.eq(file_id))
        .filter(evidence_files::response_id.eq(response_id))
        .select((
            evidence_files::file_name,
            evidence_files::content_type,
            evidence_files::content,
        ))
        .first(conn)
        .await
        .optional()
}

/// An evidence file as listed for staff (never its content).
#[derive(Debug, Clone, Queryable)]
pub struct EvidenceListed {
    pub response_id: Uuid,
    pub id: Uuid,
    pub question_id: String,
    pub file_name: String,
    pub size_bytes: i32,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The evidence files of several responses, by question and upload time.
pub async fn listed_of_responses(
    conn: &mut Conn,
    response_ids: &[Uuid],
) -> QueryResult<Vec<EvidenceListed>> {
    evidence_files::table
        .filter(evidence_files::response_id.eq_any(response_ids))
        .order((
            evidence_files::response_id.asc(),
            evidence_files::question_id.asc(),
            evidence_files::created_at.asc(),
        ))
        .select((
            evidence_files::response_id,
            evidence_files::id,
            evidence_files::question_id,
            evidence_files::file_name,
            evidence_files::size_bytes,
            evidence_files::sha256,
            evidence_files::created_at,
        ))
        .load(conn)
        .await
}

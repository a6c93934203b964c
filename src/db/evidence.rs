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
pub async fn evidence_sizes(conn: &mut Conn, response_id: Uuid) -> QueryResult<Vec<(Uuid, i32)>> {
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
    response_id: Uuid,
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
    response_id: Uuid,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
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

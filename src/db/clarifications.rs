//! Clarification requests and their reopened answers (`clarification_requests`,
//! `clarification_items`). Replies are written to the item, never to `answers`.

use super::models::{ClarificationItem, ClarificationRequest, ContactId, Invitation, ResponseId};
use super::schema::*;
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert_request(conn: &mut Conn, row: &ClarificationRequest) -> QueryResult<()> {
    diesel::insert_into(clarification_requests::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_items(conn: &mut Conn, rows: &[ClarificationItem]) -> QueryResult<()> {
    diesel::insert_into(clarification_items::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The response's request still waiting for the supplier (neither answered nor
/// withdrawn), if any.
pub async fn open_request(
    conn: &mut Conn,
    response_id: Uuid,
) -> QueryResult<Option<ClarificationRequest>> {
    clarification_requests::table
        .filter(clarification_requests::response_id.eq(response_id))
        .filter(clarification_requests::answered_at.is_null())
        .filter(clarification_requests::withdrawn_at.is_null())
        .select(ClarificationRequest::as_select())
        .first(conn)
        .await
        .optional()
}

/// The response's waiting request, locked until the end of the transaction (a double
/// click on "send" replies once; a reply and a withdrawal at the same moment: the
/// second finds it no longer waiting).
pub async fn lock_open_request(
    conn: &mut Conn,
    response_id: Uuid,
) -> QueryResult<Option<ClarificationRequest>> {
    clarification_requests::table
        .filter(clarification_requests::response_id.eq(response_id))
        .filter(clarification_requests::answered_at.is_null())
        .filter(clarification_requests::withdrawn_at.is_null())
        .select(ClarificationRequest::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The response's newest request, whatever its state.
pub async fn latest_request(
    conn: &mut Conn,
    response_id: Uuid,
) -> QueryResult<Option<ClarificationRequest>> {
    clarification_requests::table
        .filter(clarification_requests::response_id.eq(response_id))
        .order(clarification_requests::created_at.desc())
        .select(ClarificationRequest::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks a waiting request withdrawn by `member`; the number of rows changed (0: it
/// was answered or withdrawn meanwhile).
pub async fn mark_withdrawn(
    conn: &mut Conn,
    request_id: Uuid,
    member: Uuid,
    at: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        clarification_requests::table
            .find(request_id)
            .filter(clarification_requests::answered_at.is_null())
            .filter(clarification_requests::withdrawn_at.is_null()),
    )
    .set((
        clarification_requests::withdrawn_at.eq(at),
        clarification_requests::withdrawn_by.eq(member),
        clarification_requests::withdrawn_reason.eq(reason),
    ))
    .execute(conn)
    .await
}

/// The reopened answers of a request, in question order as asked.
pub async fn items_of(conn: &mut Conn, request_id: Uuid) -> QueryResult<Vec<ClarificationItem>> {
    clarification_items::table
        .filter(clarification_items::request_id.eq(request_id))
        .order(clarification_items::question_id.asc())
        .select(ClarificationItem::as_select())
        .load(conn)
        .await
}

/// Every request on a response, newest first.
pub async fn requests_of(
    conn: &mut Conn,
    response_id: Uuid,
) -> QueryResult<Vec<ClarificationRequest>> {
    clarification_requests::table
        .filter(clarification_requests::response_id.eq(response_id))
        .order(clarification_requests::created_at.desc())
        .select(ClarificationRequest::as_select())
        .load(conn)
        .await
}

/// The items that reopened the answer of flag `flag_id`, with their request, newest
/// first.
pub async fn items_of_flag(
    conn: &mut Conn,
    flag_id: Uuid,
) -> QueryResult<Vec<(ClarificationRequest, ClarificationItem)>> {
    clarification_items::table
        .inner_join(clarification_requests::table)
        .filter(clarification_items::flag_ids.contains(vec![flag_id]))
        .order(clarification_requests::created_at.desc())
        .select((
            ClarificationRequest::as_select(),
            ClarificationItem::as_select(),
        ))
        .load(conn)
        .await
}

/// The replies already given on a response (answered requests), oldest first, so that
/// a later reply to the same question wins when they are laid over the answers.
pub async fn answered_replies(
    conn: &mut Conn,
    response_id: Uuid,
) -> QueryResult<Vec<(String, Option<serde_json::Value>)>> {
    clarification_items::table
        .inner_join(clarification_requests::table)
        .filter(clarification_requests::response_id.eq(response_id))
        .filter(clarification_requests::answered_at.is_not_null())
        .order(clarification_requests::answered_at.asc())
        .select((
            clarification_items::question_id,
            clarification_items::reply_answer,
        ))
        .load(conn)
        .await
}

/// Records the reply to one reopened answer.
pub async fn record_reply(
    conn: &mut Conn,
    request_id: Uuid,
    question_id: &str,
    reply: Option<&serde_json::Value>,
    note: Option<&str>,
    score_after: i16,
) -> QueryResult<()> {
    diesel::update(
        clarification_items::table
            .filter(clarification_items::request_id.eq(request_id))
            .filter(clarification_items::question_id.eq(question_id)),
    )
    .set((
        clarification_items::reply_answer.eq(reply),
        clarification_items::reply_note.eq(note),
        clarification_items::score_after.eq(score_after),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Marks a request answered, with the response's score after re-scoring.
pub async fn mark_answered(
    conn: &mut Conn,
    request_id: Uuid,
    contact_id: Uuid,
    at: DateTime<Utc>,
    score_after: i16,
    flags_after: i32,
) -> QueryResult<()> {
    diesel::update(clarification_requests::table.find(request_id))
        .set((
            clarification_requests::answered_at.eq(at),
            clarification_requests::answered_by_contact_id.eq(contact_id),
            clarification_requests::score_after.eq(score_after),
            clarification_requests::flags_after.eq(flags_after),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The link a clarification email goes to: the active, unexpired invitation of the
/// response for `contact_id` if there is one, else the newest active one.
pub async fn link_for(
    conn: &mut Conn,
    response_id: ResponseId,
    contact_id: Option<ContactId>,
    now: DateTime<Utc>,
) -> QueryResult<Option<Invitation>> {
    let preferred = contact_id.map_or(Uuid::nil(), ContactId::uuid);
    invitations::table
        .filter(invitations::response_id.eq(response_id))
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order((
            invitations::contact_id.eq(preferred).desc(),
            invitations::created_at.desc(),
        ))
        .select(Invitation::as_select())
        .first(conn)
        .await
        .optional()
}

//! Risk flags raised by submitted responses.

use super::models::*;
use super::schema::*;
use super::Conn;
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::Signed;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert_flags(conn: &mut Conn, rows: &[Flag]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(flags::table)
        .values(rows)
        .on_conflict((flags::response_id, flags::question_id, flags::rule_index))
        .do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The flags of several responses, worst first.
pub async fn flags_of_responses(conn: &mut Conn, response_ids: &[Uuid]) -> QueryResult<Vec<Flag>> {
    flags::table
        .filter(flags::response_id.eq_any(response_ids))
        .order((
            flags::score.desc(),
            flags::response_id.asc(),
            flags::question_id.asc(),
            flags::rule_index.asc(),
        ))
        .select(Flag::as_select())
        .load(conn)
        .await
}

pub async fn flags_of(conn: &mut Conn, response_id: Uuid) -> QueryResult<Vec<Flag>> {
    flags::table
        .filter(flags::response_id.eq(response_id))
        .order((
            flags::score.desc(),
            flags::question_id.asc(),
            flags::rule_index.asc(),
        ))
        .select(Flag::as_select())
        .load(conn)
        .await
}

/// A flag's committee state, locked for the rest of the transaction (decisions on one
/// flag are serialised here; the version then tells a stale page apart).
pub async fn lock_work(conn: &mut Conn, id: Uuid) -> QueryResult<Option<FlagWork>> {
    flags::table
        .find(id)
        .select(FlagWork::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The committee state after a decision.
pub struct WorkChange<'a> {
    pub status: FlagStatus,
    pub assignee_id: Option<Uuid>,
    /// `Some` replaces the decision reason.
    pub decision_reason: Option<&'a str>,
    /// The pending first signature of a four-eyes decision: `(member, when, which)`
    /// or none.
    pub signed: Option<(Uuid, DateTime<Utc>, Signed)>,
    pub version: i32,
}

/// Writes a decision's change, only over the version it was decided from (0 rows: the
/// flag moved on in between).
pub async fn apply_work(
    conn: &mut Conn,
    id: Uuid,
    from_version: i32,
    change: &WorkChange<'_>,
) -> QueryResult<usize> {
    let target = flags::table
        .filter(flags::id.eq(id))
        .filter(flags::version.eq(from_version));
    let (signed_by, signed_at, signed_for) = match change.signed {
        Some((by, at, which)) => (Some(by), Some(at), Some(which)),
        None => (None, None, None),
    };
    let set = (
        flags::status.eq(change.status),
        flags::assignee_id.eq(change.assignee_id),
        flags::signed_by.eq(signed_by),
        flags::signed_at.eq(signed_at),
        flags::signed_for.eq(signed_for.map(Signed::as_str)),
        flags::version.eq(change.version),
        flags::updated_at.eq(diesel::dsl::now),
    );
    match change.decision_reason {
        Some(reason) => {
            diesel::update(target)
                .set((set, flags::decision_reason.eq(reason)))
                .execute(conn)
                .await
        }
        None => diesel::update(target).set(set).execute(conn).await,
    }
}

/// A flag with its committee state.
pub async fn find_with_work(conn: &mut Conn, id: Uuid) -> QueryResult<Option<(Flag, FlagWork)>> {
    flags::table
        .find(id)
        .select((Flag::as_select(), FlagWork::as_select()))
        .first(conn)
        .await
        .optional()
}

/// The flags of several responses with their committee state, worst first.
pub async fn with_work_of_responses(
    conn: &mut Conn,
    response_ids: &[Uuid],
) -> QueryResult<Vec<(Flag, FlagWork)>> {
    flags::table
        .filter(flags::response_id.eq_any(response_ids))
        .order((
            flags::queue_rank.asc(),
            flags::created_at.asc(),
            flags::id.asc(),
        ))
        .select((Flag::as_select(), FlagWork::as_select()))
        .load(conn)
        .await
}

/// One flag.
pub async fn find_flag(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Flag>> {
    flags::table
        .find(id)
        .select(Flag::as_select())
        .first(conn)
        .await
        .optional()
}

/// The flags of a response, locked until the end of the transaction.
pub async fn lock_flags_of(conn: &mut Conn, response_id: Uuid) -> QueryResult<Vec<Flag>> {
    flags::table
        .filter(flags::response_id.eq(response_id))
        .order((flags::question_id.asc(), flags::rule_index.asc()))
        .select(Flag::as_select())
        .for_update()
        .load(conn)
        .await
}

//! Risk flags raised by submitted responses.

use super::models::*;
use super::schema::*;
use super::Conn;
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

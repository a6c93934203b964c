//! The decisions taken on flags (`flag_decisions`): written once, read in order.

use super::models::FlagDecision;
use super::schema::{flag_decisions, users};
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert(conn: &mut Conn, row: &FlagDecision) -> QueryResult<()> {
    diesel::insert_into(flag_decisions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A decision with when it was taken and the member's name.
pub type DecisionRow = (FlagDecision, DateTime<Utc>, Option<String>);

/// The decisions on a flag, oldest first, with the name of the member who took each.
pub async fn of_flag(conn: &mut Conn, flag_id: Uuid) -> QueryResult<Vec<DecisionRow>> {
    flag_decisions::table
        .left_join(users::table.on(users::id.nullable().eq(flag_decisions::member_id)))
        .filter(flag_decisions::flag_id.eq(flag_id))
        .order(flag_decisions::flag_version.asc())
        .select((
            FlagDecision::as_select(),
            flag_decisions::created_at,
            users::name.nullable(),
        ))
        .load(conn)
        .await
}

/// The decisions on several flags (an export's page), each flag's oldest first, with
/// the member who took each as "name <email>" (the address identifies them outside the
/// service).
pub async fn of_flags(conn: &mut Conn, flag_ids: &[Uuid]) -> QueryResult<Vec<DecisionRow>> {
    flag_decisions::table
        .left_join(users::table.on(users::id.nullable().eq(flag_decisions::member_id)))
        .filter(flag_decisions::flag_id.eq_any(flag_ids))
        .order((flag_decisions::flag_id, flag_decisions::flag_version.asc()))
        .select((
            FlagDecision::as_select(),
            flag_decisions::created_at,
            users::name
                .concat(" <")
                .concat(users::email)
                .concat(">")
                .nullable(),
        ))
        .load(conn)
        .await
}

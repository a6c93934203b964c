//! The respondent side of an organisation's timeline: each recorded open of a link and
//! each save of a response (`response_events`).

use super::schema::response_events;
use super::Conn;
use crate::domain::ids::{InvitationId, ResponseId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// A link was opened (recorded as often as `last_used_at` is written).
pub async fn record_open(
    conn: &mut Conn,
    response_id: ResponseId,
    invitation_id: InvitationId,
) -> QueryResult<()> {
    diesel::insert_into(response_events::table)
        .values((
            response_events::response_id.eq(response_id),
            response_events::invitation_id.eq(invitation_id),
            response_events::kind.eq("opened"),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The response was saved through a link; it now holds `answers` answers.
pub async fn record_save(
    conn: &mut Conn,
    response_id: ResponseId,
    invitation_id: InvitationId,
    answers: usize,
) -> QueryResult<()> {
    diesel::insert_into(response_events::table)
        .values((
            response_events::response_id.eq(response_id),
            response_events::invitation_id.eq(invitation_id),
            response_events::kind.eq("saved"),
            response_events::answers.eq(i32::try_from(answers).unwrap_or(i32::MAX)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

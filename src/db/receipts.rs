//! What a receipt is made from: the response with its campaign and organisation.

use super::models::*;
use super::schema::*;
use super::Conn;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// The response `response_id` with its campaign and organisation (one query).
pub async fn response_with_context(
    conn: &mut Conn,
    response_id: ResponseId,
) -> QueryResult<Option<(Response, Campaign, Organisation)>> {
    responses::table
        .inner_join(campaigns::table)
        .inner_join(organisations::table)
        .filter(responses::id.eq(response_id))
        .select((
            Response::as_select(),
            Campaign::as_select(),
            Organisation::as_select(),
        ))
        .first(conn)
        .await
        .optional()
}

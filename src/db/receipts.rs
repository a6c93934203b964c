//! What a receipt is made from: the response with its campaign, organisation and the
//! contact who submitted it.

use super::models::*;
use super::schema::*;
use super::Conn;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// A response with its campaign, organisation, and the name and address of the contact
/// who submitted it (`None` when nobody did, or that contact is not the organisation's).
pub type ReceiptRow = (Response, Campaign, Organisation, Option<(String, String)>);

/// Each of the responses `ids` that exists, with what its receipt names: one query
/// whatever their number (the job worker reads a whole batch of receipts at once).
pub async fn responses_with_context(
    conn: &mut Conn,
    ids: &[ResponseId],
) -> QueryResult<Vec<ReceiptRow>> {
    responses::table
        .inner_join(campaigns::table)
        .inner_join(organisations::table)
        .left_join(
            contacts::table.on(contacts::id
                .nullable()
                .eq(responses::submitted_by_contact_id)
                .and(contacts::organisation_id.eq(responses::organisation_id))),
        )
        .filter(responses::id.eq_any(ids))
        .select((
            Response::as_select(),
            Campaign::as_select(),
            Organisation::as_select(),
            (contacts::name, contacts::email).nullable(),
        ))
        .load(conn)
        .await
}

//! Campaigns.

use super::models::*;
use super::schema::*;
use super::Conn;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert_campaign(conn: &mut Conn, c: &Campaign) -> QueryResult<Campaign> {
    diesel::insert_into(campaigns::table)
        .values(c)
        .returning(Campaign::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_campaign(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .await
        .optional()
}

/// The id of a campaign with this name whose deadline is `from` or later.
pub async fn find_by_name_due_from(
    conn: &mut Conn,
    name: &str,
    from: chrono::NaiveDate,
) -> QueryResult<Option<Uuid>> {
    campaigns::table
        .filter(campaigns::name.eq(name))
        .filter(campaigns::deadline.ge(from))
        .select(campaigns::id)
        .first(conn)
        .await
        .optional()
}

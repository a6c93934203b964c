//! Who owns a campaign: the owner's change, and the campaigns a staff member owns that
//! are not closed (the users page names them when the member is disabled).

use super::schema::*;
use super::Conn;
use crate::domain::ids::CampaignId;
use crate::domain::states::CampaignStatus;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Makes `owner` the campaign's owner; a draft's version (`updated_at`) moves, so a
/// draft form opened before says the owner changed meanwhile.
pub async fn set_owner(conn: &mut Conn, id: CampaignId, owner: Uuid) -> QueryResult<()> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::owner_user_id.eq(owner),
            campaigns::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The campaigns `user_id` owns that are not closed (drafts and open ones), by name.
pub async fn not_closed_owned_by(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<Vec<(CampaignId, String)>> {
    campaigns::table
        .filter(campaigns::owner_user_id.eq(user_id))
        .filter(campaigns::status.ne(CampaignStatus::Closed))
        .order((campaigns::name.asc(), campaigns::id.asc()))
        .select((campaigns::id, campaigns::name))
        .load(conn)
        .await
}

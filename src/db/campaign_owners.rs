//! Who owns a campaign: the owner's change, and how many campaigns that are not closed
//! each member owns (the users page's open work).

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

/// How many campaigns that are not closed (drafts and open ones) each owner has.
pub async fn not_closed_counts(conn: &mut Conn) -> QueryResult<Vec<(Uuid, i64)>> {
    campaigns::table
        .filter(campaigns::status.ne(CampaignStatus::Closed))
        .filter(campaigns::owner_user_id.is_not_null())
        .group_by(campaigns::owner_user_id)
        .select((
            campaigns::owner_user_id.assume_not_null(),
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await
}

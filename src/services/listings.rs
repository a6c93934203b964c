//! Read-only lists for the staff pages (joined for display, no writes).

use super::Conn;
use crate::db::listings;
use crate::domain::flag::FlagStatus;
use crate::domain::risk::Band;
use crate::error::AppError;

pub use crate::db::listings::{CampaignRow, FlagRow};

/// Counts for the overview page of staff member `me`.
pub struct Overview {
    pub organisations: i64,
    pub open_campaigns: i64,
    pub submitted: i64,
    pub open_flags: i64,
    pub critical_open_flags: i64,
    /// Flags not closed that are assigned to `me`.
    pub my_open_flags: i64,
    /// Flags not closed that nobody is assigned to.
    pub unassigned_open_flags: i64,
    /// Flags whose corrective action failed or is overdue.
    pub escalated_flags: i64,
}

/// The overview's counts: the flag counts are the open queue's (the dashboard's kept
/// counts, a few hundred rows whatever the number of flags), so each tile equals the
/// queue's total for its filter.
pub async fn overview(conn: &mut Conn, me: uuid::Uuid) -> Result<Overview, AppError> {
    let totals = listings::totals(conn).await?;
    let open = super::flags::queue::open_counts(conn).await?;
    Ok(Overview {
        organisations: totals.organisations,
        open_campaigns: totals.open_campaigns,
        submitted: totals.submitted,
        open_flags: open.total,
        critical_open_flags: open.of("band", Some(Band::Critical.as_str())),
        my_open_flags: open.of("assignee", Some(&me.to_string())),
        unassigned_open_flags: open.of("assignee", None),
        escalated_flags: open.of("status", Some(FlagStatus::Escalated.as_str())),
    })
}

/// Campaigns, newest first, with their questionnaire and progress.
pub async fn campaigns(conn: &mut Conn) -> Result<Vec<CampaignRow>, AppError> {
    Ok(listings::campaigns(conn).await?)
}

/// Flags, worst first, with where they came from.
pub async fn flags(conn: &mut Conn) -> Result<Vec<FlagRow>, AppError> {
    Ok(listings::flags(conn).await?)
}

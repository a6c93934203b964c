//! Read-only lists for the staff pages (joined for display, no writes).

use super::Conn;
use crate::db::listings;
use crate::error::AppError;

pub use crate::db::listings::{CampaignRow, FlagRow, Overview};

/// Counts for the overview page of staff member `me`.
pub async fn overview(conn: &mut Conn, me: uuid::Uuid) -> Result<Overview, AppError> {
    Ok(listings::overview(conn, me).await?)
}

/// Campaigns, newest first, with their questionnaire and progress.
pub async fn campaigns(conn: &mut Conn) -> Result<Vec<CampaignRow>, AppError> {
    Ok(listings::campaigns(conn).await?)
}

/// Flags, worst first, with where they came from.
pub async fn flags(conn: &mut Conn) -> Result<Vec<FlagRow>, AppError> {
    Ok(listings::flags(conn).await?)
}

//! What the organisation pages read: one page of the filtered list, one organisation
//! with its contacts and campaigns, one contact.

use super::forms::PAGE_SIZE;
use super::Conn;
use crate::db;
use crate::db::models::{ContactRecord, OrgRecord};
use crate::db::organisations::{FilterValues, JoinableCampaign, OrgCampaign, OrgFilter};
use crate::db::users::StaffMember;
use crate::domain::ids::{ContactId, OrganisationId};
use crate::error::AppError;
use chrono::{DateTime, Utc};

/// One page of the list.
pub struct ListPage {
    /// Each organisation with its number of active contacts and when it last
    /// submitted a response (`None`: never).
    pub rows: Vec<(OrgRecord, i64, Option<DateTime<Utc>>)>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub staff: Vec<StaffMember>,
    /// The countries, sectors and business units the filter offers.
    pub values: FilterValues,
}

pub async fn list(conn: &mut Conn, filter: &OrgFilter, page: i64) -> Result<ListPage, AppError> {
    let (rows, total) =
        db::organisations::list_page(conn, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let ids: Vec<OrganisationId> = rows.iter().map(|r| r.id).collect();
    let counts = db::contacts::active_counts(conn, &ids).await?;
    let answered = db::organisations::last_submitted(conn, &ids).await?;
    Ok(ListPage {
        rows: rows
            .into_iter()
            .map(|r| {
                let n = counts.get(&r.id).copied().unwrap_or(0);
                let last = answered.get(&r.id).copied();
                (r, n, last)
            })
            .collect(),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        staff: db::users::staff_members(conn).await?,
        values: db::organisations::filter_values(conn).await?,
    })
}

/// Everything the organisation's page shows.
pub struct OrgPage {
    pub org: OrgRecord,
    pub contacts: Vec<ContactRecord>,
    pub campaigns: Vec<OrgCampaign>,
    /// Open campaigns it is not in (none for a deactivated organisation).
    pub joinable: Vec<JoinableCampaign>,
    pub staff: Vec<StaffMember>,
}

/// Open campaigns listed on an organisation's page to add it to, at most.
pub const JOINABLE_SHOWN: i64 = 10;

pub async fn page(conn: &mut Conn, id: OrganisationId) -> Result<OrgPage, AppError> {
    let org = db::organisations::find_record(conn, id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    Ok(OrgPage {
        contacts: db::contacts::records_of(conn, &[id]).await?,
        campaigns: db::organisations::campaigns_of(conn, id).await?,
        joinable: if org.deactivated_at.is_none() {
            db::organisations::joinable_campaigns(conn, id, JOINABLE_SHOWN).await?
        } else {
            Vec::new()
        },
        staff: db::users::staff_members(conn).await?,
        org,
    })
}

/// A contact with its organisation; `NotFound` unless the contact is the organisation's.
pub async fn contact(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    contact_id: ContactId,
) -> Result<(OrgRecord, ContactRecord), AppError> {
    let org = db::organisations::find_record(conn, organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let contact = db::contacts::find_record(conn, organisation_id, contact_id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    Ok((org, contact))
}

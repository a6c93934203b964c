//! Read-only lists for the staff pages (joined for display, no writes).

use super::Conn;
use crate::db::listings;
use crate::domain::flag::FlagStatus;
use crate::domain::remedy::PlanStatus;
use crate::domain::risk::Band;
use crate::domain::states::CampaignStatus;
use crate::error::AppError;
use chrono::NaiveDate;

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
    /// Corrective action plans still planned or in progress past their due date.
    pub overdue_plans: i64,
    /// Flags not closed that are assigned to a member whose account is disabled.
    pub disabled_assignee_flags: i64,
    /// Emails failing now (asked for members who send or fix mail only).
    pub failing_emails: Option<crate::db::jobs::FailingEmails>,
}

/// The overview's counts: the flag counts are the open queue's (the dashboard's kept
/// counts, a few hundred rows whatever the number of flags), so each tile equals the
/// queue's total for its filter. `mail`: whether to read the emails failing now.
pub async fn overview(conn: &mut Conn, me: uuid::Uuid, mail: bool) -> Result<Overview, AppError> {
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
        overdue_plans: super::flags::queue::overdue_plans(conn, chrono::Utc::now().date_naive())
            .await?,
        disabled_assignee_flags: super::flags::queue::assigned_to_disabled(conn, &open).await?,
        failing_emails: match mail {
            true => crate::db::jobs::failing_emails(conn).await?,
            false => None,
        },
    })
}

/// Campaigns, newest first, with their questionnaire and progress.
pub async fn campaigns(conn: &mut Conn) -> Result<Vec<CampaignRow>, AppError> {
    Ok(listings::campaigns(conn).await?)
}

pub use crate::db::listings::{CampaignFilter, OwnerFilter};

/// The campaign list's filter as its form gives it ("" or absent: any).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CampaignQuery {
    /// draft, open or closed.
    pub status: Option<String>,
    /// `me`, `none` (no active owner) or a staff member's id.
    pub owner: Option<String>,
    /// The name contains it.
    pub q: Option<String>,
}

impl CampaignQuery {
    /// The filter for staff member `me`, or what is wrong with the query.
    pub fn filter(&self, me: uuid::Uuid) -> Result<CampaignFilter, AppError> {
        use crate::domain::text::given;
        let status = match given(&self.status) {
            None => None,
            Some(s) => Some(CampaignStatus::parse(s).ok_or_else(|| {
                AppError::BadRequest("status: give draft, open or closed".into())
            })?),
        };
        let owner = match given(&self.owner) {
            None => None,
            Some("me") => Some(OwnerFilter::User(me)),
            Some("none") => Some(OwnerFilter::NoneActive),
            Some(id) => Some(OwnerFilter::User(id.parse().map_err(|_| {
                AppError::BadRequest("owner: give me, none or a staff member's id".into())
            })?)),
        };
        Ok(CampaignFilter {
            status,
            owner,
            name: given(&self.q).map(crate::domain::text::search_text),
        })
    }
}

/// The newest campaigns `filter` keeps (at most 500), with their questionnaire and
/// progress.
pub async fn campaigns_matching(
    conn: &mut Conn,
    filter: &CampaignFilter,
) -> Result<Vec<CampaignRow>, AppError> {
    Ok(listings::campaigns_matching(conn, filter).await?)
}

/// Flags, worst first, with where they came from.
pub async fn flags(conn: &mut Conn) -> Result<Vec<FlagRow>, AppError> {
    Ok(listings::flags(conn).await?)
}

pub use crate::db::action_plans::ListedPlan;

/// Which corrective action plans the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanShow {
    /// Planned or in progress, past their due date.
    Overdue,
    /// Planned or in progress (the default).
    Pending,
    /// Completed by their owner, waiting for the committee to verify them.
    ToVerify,
    Verified,
    /// Cancelled with a reason: neither open nor overdue.
    Cancelled,
    All,
}

impl PlanShow {
    pub const ALL: [PlanShow; 6] = [
        PlanShow::Overdue,
        PlanShow::Pending,
        PlanShow::ToVerify,
        PlanShow::Verified,
        PlanShow::Cancelled,
        PlanShow::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanShow::Overdue => "overdue",
            PlanShow::Pending => "pending",
            PlanShow::ToVerify => "to_verify",
            PlanShow::Verified => "verified",
            PlanShow::Cancelled => "cancelled",
            PlanShow::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<PlanShow> {
        PlanShow::ALL.into_iter().find(|p| p.as_str() == s)
    }

    fn statuses(self) -> Vec<PlanStatus> {
        match self {
            PlanShow::Overdue | PlanShow::Pending => PlanStatus::PENDING.to_vec(),
            PlanShow::ToVerify => vec![PlanStatus::Completed],
            PlanShow::Verified => vec![PlanStatus::Verified],
            PlanShow::Cancelled => vec![PlanStatus::Cancelled],
            PlanShow::All => PlanStatus::ALL.to_vec(),
        }
    }
}

/// Plans shown at once; the export has them all.
pub const PLANS_SHOWN: i64 = 500;

/// The plans `show` asks for, soonest due first (at most [`PLANS_SHOWN`]; `true` when
/// there are more). Overdue is as of `today`.
pub async fn action_plans(
    conn: &mut Conn,
    show: PlanShow,
    today: NaiveDate,
) -> Result<(Vec<ListedPlan>, bool), AppError> {
    let due_before = (show == PlanShow::Overdue).then_some(today);
    let mut plans =
        crate::db::action_plans::listing(conn, &show.statuses(), due_before, PLANS_SHOWN + 1)
            .await?;
    let more = plans.len() as i64 > PLANS_SHOWN;
    plans.truncate(PLANS_SHOWN as usize);
    Ok((plans, more))
}

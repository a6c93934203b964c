//! The queue, the heat map and the dashboard: read models over the same filter, so a
//! heat-map cell's count is the number of flags its link opens in the queue.

use super::organisation::{previous_flags, PreviousFlag};
use crate::db::flag_queue::{self, After, AssigneeFilter, FacetCount, QueueFilter, StatusFilter};
use crate::db::users::{self, Member};
use crate::domain::flag::FlagStatus;
use crate::domain::indicator::Indicator;
use crate::domain::risk::Band;
use crate::domain::states::OrganisationKind;
use crate::error::AppError;
use crate::services::Conn;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

pub use crate::db::flag_queue::{CampaignBand, QueueRow};

/// Rows per queue page.
pub const PAGE_SIZE: i64 = 50;

/// The queue's filters as they travel in a URL (`/staff/flags?band=critical&…`); empty
/// values are "any". Links (filters, heat-map cells, next page) are built from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueParams {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub campaign: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub indicator: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub band: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `not_closed` (the default), `all`, or one state.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// A member's id, or `nobody`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub assignee: String,
    /// Raised at least this many days ago.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub age: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub severity: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub likelihood: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub organisation: String,
    /// The page start: `rank.micros.id` of the previous page's last row.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
}

fn bad(field: &str, message: &str) -> AppError {
    AppError::field(field, message)
}

fn opt(raw: &str) -> Option<&str> {
    let t = raw.trim();
    (!t.is_empty()).then_some(t)
}

fn uuid_param(field: &str, raw: &str) -> Result<Option<Uuid>, AppError> {
    opt(raw)
        .map(|v| Uuid::parse_str(v).map_err(|_| bad(field, "not a valid id")))
        .transpose()
}

fn level(field: &str, raw: &str) -> Result<Option<i16>, AppError> {
    opt(raw)
        .map(|v| {
            v.parse::<i16>()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| bad(field, "must be a whole number from 1 to 5"))
        })
        .transpose()
}

impl QueueParams {
    /// The filter these parameters ask for, as of `now`; a wrong value is a 422 naming
    /// its field.
    pub fn filter(&self, now: DateTime<Utc>) -> Result<QueueFilter, AppError> {
        Ok(QueueFilter {
            campaign: uuid_param("campaign", &self.campaign)?,
            organisation: uuid_param("organisation", &self.organisation)?,
            indicator: opt(&self.indicator)
                .map(|i| {
                    Indicator::parse(i)
                        .map(|i| i.as_str().to_string())
                        .ok_or_else(|| bad("indicator", "unknown indicator"))
                })
                .transpose()?,
            band: opt(&self.band)
                .map(|b| Band::parse(b).ok_or_else(|| bad("band", "unknown band")))
                .transpose()?,
            country: opt(&self.country)
                .map(|c| {
                    let c = c.to_ascii_uppercase();
                    if c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase()) {
                        Ok(c)
                    } else {
                        Err(bad("country", "must be a two-letter ISO code"))
                    }
                })
                .transpose()?,
            kind: opt(&self.kind)
                .map(|k| {
                    OrganisationKind::parse(k)
                        .ok_or_else(|| bad("kind", "unknown organisation kind"))
                })
                .transpose()?,
            status: match opt(&self.status) {
                None | Some("not_closed") => StatusFilter::Open,
                Some("all") => StatusFilter::All,
                Some(s) => StatusFilter::Only(
                    FlagStatus::parse(s).ok_or_else(|| bad("status", "unknown state"))?,
                ),
            },
            assignee: match opt(&self.assignee) {
                None => None,
                Some("nobody") => Some(AssigneeFilter::Nobody),
                Some("disabled") => Some(AssigneeFilter::Disabled),
                Some(id) => Some(AssigneeFilter::Member(
                    Uuid::parse_str(id).map_err(|_| bad("assignee", "not a valid member"))?,
                )),
            },
            raised_before: opt(&self.age)
                .map(|a| {
                    a.parse::<i64>()
                        .ok()
                        .filter(|d| (1..=3650).contains(d))
                        .map(|d| now - chrono::Duration::days(d))
                        .ok_or_else(|| bad("age", "must be a number of days from 1 to 3650"))
                })
                .transpose()?,
            severity: level("severity", &self.severity)?,
            likelihood: level("likelihood", &self.likelihood)?,
        })
    }

    /// The page start, if any.
    pub fn after(&self) -> Result<Option<After>, AppError> {
        let Some(raw) = opt(&self.after) else {
            return Ok(None);
        };
        let wrong = || bad("after", "not a page position; start from the first page");
        let mut parts = raw.splitn(3, '.');
        let rank = parts.next().and_then(|p| p.parse::<i16>().ok());
        let micros = parts.next().and_then(|p| p.parse::<i64>().ok());
        let id = parts.next().and_then(|p| Uuid::parse_str(p).ok());
        match (rank, micros.and_then(DateTime::from_timestamp_micros), id) {
            (Some(rank), Some(created_at), Some(id)) => Ok(Some(After {
                rank,
                created_at,
                id,
            })),
            _ => Err(wrong()),
        }
    }

    /// The same parameters with `key` set to `value` (and the page start dropped).
    pub fn with(&self, key: &str, value: &str) -> QueueParams {
        let mut p = self.clone();
        p.after.clear();
        let v = value.to_string();
        match key {
            "campaign" => p.campaign = v,
            "indicator" => p.indicator = v,
            "band" => p.band = v,
            "country" => p.country = v,
            "kind" => p.kind = v,
            "status" => p.status = v,
            "assignee" => p.assignee = v,
            "age" => p.age = v,
            "severity" => p.severity = v,
            "likelihood" => p.likelihood = v,
            "organisation" => p.organisation = v,
            "after" => p.after = v,
            _ => {}
        }
        p
    }

    /// `?a=b&…` (empty when no filter is set).
    pub fn query_string(&self) -> String {
        match serde_urlencoded::to_string(self) {
            Ok(q) if !q.is_empty() => format!("?{q}"),
            _ => String::new(),
        }
    }
}

/// The page position after `row`.
pub fn position_after(row: &QueueRow) -> String {
    format!(
        "{}.{}.{}",
        row.queue_rank,
        row.created_at.timestamp_micros(),
        row.id
    )
}

/// Counts over a filter: per filter value, per heat-map cell, and in all.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub total: i64,
    /// facet → (value, count), largest first.
    pub by: BTreeMap<String, Vec<(Option<String>, i64)>>,
    /// `cells[severity - 1][likelihood - 1]`.
    pub cells: [[i64; 5]; 5],
}

impl Counts {
    /// The assignee facet: (member, flags assigned to them), nobody's left out.
    pub fn per_assignee(&self) -> impl Iterator<Item = (Uuid, i64)> + '_ {
        self.by
            .get("assignee")
            .into_iter()
            .flatten()
            .filter_map(|(id, n)| Some((id.as_deref()?.parse().ok()?, *n)))
    }

    /// The flags assigned to one of `members` (their assignee facet summed).
    pub fn assigned_to(&self, members: &HashSet<Uuid>) -> i64 {
        self.per_assignee()
            .filter(|(id, _)| members.contains(id))
            .map(|(_, n)| n)
            .sum()
    }

    fn from_rows(rows: Vec<FacetCount>) -> Counts {
        let mut c = Counts::default();
        for r in rows {
            match r.facet.as_str() {
                "total" => c.total = r.n,
                "cell" => {
                    let (s, l) = r
                        .value
                        .as_deref()
                        .and_then(|v| v.split_once(':'))
                        .map(|(s, l)| {
                            (
                                s.parse::<usize>().unwrap_or(0),
                                l.parse::<usize>().unwrap_or(0),
                            )
                        })
                        .unwrap_or((0, 0));
                    if (1..=5).contains(&s) && (1..=5).contains(&l) {
                        c.cells[s - 1][l - 1] = r.n;
                    }
                }
                facet => {
                    c.by.entry(facet.to_string())
                        .or_default()
                        .push((r.value, r.n))
                }
            }
        }
        for values in c.by.values_mut() {
            values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        c
    }

    /// The count for one value of a facet (0 when none).
    pub fn of(&self, facet: &str, value: Option<&str>) -> i64 {
        self.by
            .get(facet)
            .and_then(|v| v.iter().find(|(x, _)| x.as_deref() == value))
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

/// One page of the queue with the counts of the whole filter.
pub struct Queue {
    pub rows: Vec<QueueRow>,
    /// The position to ask for the next page, when there is one.
    pub next: Option<String>,
    pub counts: Counts,
    /// Members flags can be assigned to: enabled, with a role that decides.
    pub members: Vec<Member>,
    /// The member the filter names when they are not among `members` (disabled, or no
    /// longer deciding: their flags wait for someone), so the filter can show them.
    pub filtered_member: Option<Member>,
    /// Flags of the filter assigned to a member whose account is disabled.
    pub assigned_to_disabled: i64,
    pub campaigns: Vec<(Uuid, String)>,
    /// The page's flags whose question was flagged in the organisation's previous
    /// submission too, by flag id.
    pub previous: HashMap<Uuid, PreviousFlag>,
}

pub async fn queue(conn: &mut Conn, params: &QueueParams) -> Result<Queue, AppError> {
    let filter = params.filter(Utc::now())?;
    let after = params.after()?;
    let mut rows = flag_queue::page(conn, &filter, after.as_ref(), PAGE_SIZE + 1).await?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(position_after)
    } else {
        None
    };
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    // Every account at once (a staff table, small): those flags can be assigned to, the
    // one the filter names, and the disabled ones, without a statement each.
    let everyone = users::all_members(conn).await?;
    let deciding = super::deciding_roles();
    let members: Vec<Member> = everyone
        .iter()
        .filter(|m| m.disabled_at.is_none() && deciding.contains(&m.role))
        .cloned()
        .collect();
    let filtered_member = match filter.assignee {
        Some(AssigneeFilter::Member(id)) if !members.iter().any(|m| m.id == id) => {
            everyone.iter().find(|m| m.id == id).cloned()
        }
        _ => None,
    };
    let disabled: HashSet<Uuid> = everyone
        .iter()
        .filter(|m| m.disabled_at.is_some())
        .map(|m| m.id)
        .collect();
    let counts = Counts::from_rows(flag_queue::counts(conn, &filter).await?);
    Ok(Queue {
        previous: previous_flags(conn, &ids).await?,
        rows,
        next,
        assigned_to_disabled: counts.assigned_to(&disabled),
        counts,
        members,
        filtered_member,
        campaigns: flag_queue::campaign_names(conn).await?,
    })
}

/// The heat map of a filter: its severity and likelihood parts are ignored (they are
/// the cells).
pub async fn heat_map(conn: &mut Conn, params: &QueueParams) -> Result<Counts, AppError> {
    let mut filter = params.filter(Utc::now())?;
    filter.severity = None;
    filter.likelihood = None;
    Ok(Counts::from_rows(flag_queue::counts(conn, &filter).await?))
}

/// The dashboard: open flags counted by band, indicator, country and kind; flags per
/// campaign and band (the trend); corrective action plans past their due date.
pub struct Dashboard {
    pub open: Counts,
    pub trend: Vec<CampaignBand>,
    /// Plans still planned or in progress whose due date has passed.
    pub overdue_plans: i64,
}

pub async fn dashboard(conn: &mut Conn) -> Result<Dashboard, AppError> {
    Ok(Dashboard {
        open: open_counts(conn).await?,
        trend: flag_queue::per_campaign_and_band(conn).await?,
        overdue_plans: overdue_plans(conn, Utc::now().date_naive()).await?,
    })
}

/// Of `counts`, the flags assigned to a member whose account is disabled.
pub async fn assigned_to_disabled(conn: &mut Conn, counts: &Counts) -> Result<i64, AppError> {
    let disabled: HashSet<Uuid> = users::disabled_ids(conn).await?.into_iter().collect();
    Ok(counts.assigned_to(&disabled))
}

/// The counts of the flags not closed (the queue as it opens), from the kept counts.
pub async fn open_counts(conn: &mut Conn) -> Result<Counts, AppError> {
    Ok(Counts::from_rows(
        flag_queue::counts(conn, &QueueFilter::default()).await?,
    ))
}

/// The number of corrective action plans still planned or in progress whose due date
/// is before `today`.
pub async fn overdue_plans(conn: &mut Conn, today: NaiveDate) -> Result<i64, AppError> {
    Ok(crate::db::action_plans::count_overdue(conn, today).await?)
}

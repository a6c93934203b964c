//! Campaign progress (issue 8, item 6): where each organisation stands, the totals, and
//! each contact's link and email delivery (a bounce shows the server's answer).

use super::templates::TemplateRegistry;
use super::Conn;
use crate::db::campaigns::{self as cq, CampaignRow};
use crate::db::progress as q;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Where an organisation stands, most advanced first: one state each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Submitted,
    /// Some answers saved, not submitted.
    InProgress,
    /// A link was opened, nothing saved.
    Opened,
    /// Links sent, none opened.
    Invited,
    /// No usable link left (all expired or revoked) and not submitted.
    LinkExpired,
    /// No link (no active contact with an address).
    NotInvited,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Submitted,
        Stage::InProgress,
        Stage::Opened,
        Stage::Invited,
        Stage::LinkExpired,
        Stage::NotInvited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Submitted => "submitted",
            Stage::InProgress => "in_progress",
            Stage::Opened => "opened",
            Stage::Invited => "invited",
            Stage::LinkExpired => "link_expired",
            Stage::NotInvited => "not_invited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Submitted => "Submitted",
            Stage::InProgress => "In progress",
            Stage::Opened => "Opened",
            Stage::Invited => "Invited",
            Stage::LinkExpired => "Link expired",
            Stage::NotInvited => "Not invited",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OrganisationProgress {
    pub organisation_id: Uuid,
    pub name: String,
    pub country: String,
    pub response_id: Uuid,
    pub stage: Stage,
    pub invited: bool,
    pub opened: bool,
    pub first_opened_at: Option<DateTime<Utc>>,
    pub in_progress: bool,
    /// Share of the required questions answered (100 once submitted).
    pub percent_required: u32,
    pub submitted: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Past the deadline and not submitted.
    pub overdue: bool,
    /// An invitation email was refused by the server (5xx).
    pub bounced: bool,
    pub link_expired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactProgress {
    pub contact_id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub email: String,
    pub invitation_id: Option<Uuid>,
    /// `active`, `revoked`, `expired` or `none`.
    pub link: &'static str,
    pub first_opened_at: Option<DateTime<Utc>>,
    /// Delivery of the latest email: `queued`, `sent`, `failed`.
    pub email_status: Option<String>,
    /// The server's answer when the email failed.
    pub email_error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub organisations: usize,
    pub invited: usize,
    pub opened: usize,
    pub in_progress: usize,
    pub submitted: usize,
    pub overdue: usize,
    pub bounced: usize,
    pub link_expired: usize,
    /// Organisations per stage (each in exactly one).
    pub by_stage: Vec<(Stage, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub campaign_id: Uuid,
    pub name: String,
    pub status: String,
    pub deadline: NaiveDate,
    pub required_questions: usize,
    pub totals: Totals,
    pub organisations: Vec<OrganisationProgress>,
    pub contacts: Vec<ContactProgress>,
}

/// Filters of the progress page and API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    pub stage: Option<String>,
    pub overdue: Option<bool>,
    pub bounced: Option<bool>,
    /// Part of the organisation's name (case-insensitive).
    pub q: Option<String>,
}

pub async fn progress(
    conn: &mut Conn,
    registry: &TemplateRegistry,
    campaign_id: Uuid,
    filter: &Filter,
) -> Result<(CampaignRow, Progress), AppError> {
    let campaign = cq::find(conn, campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let stage_filter = match filter.stage.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Stage::parse(s).ok_or_else(|| {
            AppError::field(
                "stage",
                "give submitted, in_progress, opened, invited, link_expired or not_invited",
            )
        })?),
    };
    let required: Vec<String> = registry
        .get(campaign.template_version_id)
        .map(|v| {
            v.questionnaire
                .questions()
                .filter(|q| q.required)
                .map(|q| q.id.clone())
                .collect()
        })
        .unwrap_or_default();
    let today = Utc::now().date_naive();
    let rows = q::organisations(conn, campaign.id, &required).await?;
    let mut all: Vec<OrganisationProgress> = rows
        .into_iter()
        .map(|r| org_progress(r, required.len(), campaign.deadline < today))
        .collect();
    let totals = totals(&all);
    let needle = filter
        .q
        .as_deref()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    all.retain(|o| {
        stage_filter.is_none_or(|s| o.stage == s)
            && filter.overdue.is_none_or(|v| o.overdue == v)
            && filter.bounced.is_none_or(|v| o.bounced == v)
            && needle
                .as_ref()
                .is_none_or(|n| o.name.to_lowercase().contains(n))
    });
    let shown: std::collections::HashSet<Uuid> = all.iter().map(|o| o.organisation_id).collect();
    let now = Utc::now();
    let contacts = q::contacts(conn, campaign.id)
        .await?
        .into_iter()
        .filter(|c| shown.contains(&c.organisation_id))
        .map(|c| ContactProgress {
            link: match (c.invitation_id, c.revoked_at, c.expires_at) {
                (None, _, _) => "none",
                (Some(_), Some(_), _) => "revoked",
                (Some(_), None, Some(e)) if e <= now => "expired",
                _ => "active",
            },
            contact_id: c.contact_id,
            organisation_id: c.organisation_id,
            name: c.name,
            email: c.email,
            invitation_id: c.invitation_id,
            first_opened_at: c.first_opened_at,
            email_status: c.email_status,
            email_error: c.email_error,
        })
        .collect();
    let progress = Progress {
        campaign_id: campaign.id,
        name: campaign.name.clone(),
        status: campaign.status.clone(),
        deadline: campaign.deadline,
        required_questions: required.len(),
        totals,
        organisations: all,
        contacts,
    };
    Ok((campaign, progress))
}

fn org_progress(r: q::OrgRow, required: usize, past_deadline: bool) -> OrganisationProgress {
    let submitted = r.status == "submitted";
    let in_progress = !submitted && r.answers > 0;
    let opened = r.first_opened_at.is_some();
    let invited = r.links > 0;
    let link_expired = !submitted && invited && r.usable_links == 0;
    let percent_required = if submitted {
        100
    } else {
        ((r.required_answered.max(0) as usize).min(required) * 100)
            .checked_div(required)
            // No required question: any answer counts as all of them.
            .unwrap_or(if r.answers > 0 { 100 } else { 0 }) as u32
    };
    let stage = if submitted {
        Stage::Submitted
    } else if link_expired {
        Stage::LinkExpired
    } else if in_progress {
        Stage::InProgress
    } else if opened {
        Stage::Opened
    } else if invited {
        Stage::Invited
    } else {
        Stage::NotInvited
    };
    OrganisationProgress {
        organisation_id: r.organisation_id,
        name: r.organisation_name,
        country: r.country,
        response_id: r.response_id,
        stage,
        invited,
        opened,
        first_opened_at: r.first_opened_at,
        in_progress,
        percent_required,
        submitted,
        submitted_at: r.submitted_at,
        overdue: past_deadline && !submitted,
        bounced: r.bounced,
        link_expired,
    }
}

fn totals(all: &[OrganisationProgress]) -> Totals {
    let count = |f: &dyn Fn(&OrganisationProgress) -> bool| all.iter().filter(|o| f(o)).count();
    Totals {
        organisations: all.len(),
        invited: count(&|o| o.invited),
        opened: count(&|o| o.opened),
        in_progress: count(&|o| o.in_progress),
        submitted: count(&|o| o.submitted),
        overdue: count(&|o| o.overdue),
        bounced: count(&|o| o.bounced),
        link_expired: count(&|o| o.link_expired),
        by_stage: Stage::ALL
            .into_iter()
            .map(|s| (s, count(&|o| o.stage == s)))
            .collect(),
    }
}

/// The progress as CSV (one row per organisation), cells guarded against formulas.
pub fn csv(p: &Progress) -> String {
    let mut out = String::from(
        "organisation,country,stage,percent_required,opened,submitted_at,overdue,bounced,link_expired\r\n",
    );
    for o in &p.organisations {
        let cells = [
            cell(&o.name),
            cell(&o.country),
            o.stage.as_str().to_string(),
            o.percent_required.to_string(),
            o.opened.to_string(),
            o.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            o.overdue.to_string(),
            o.bounced.to_string(),
            o.link_expired.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A CSV cell: quoted when needed, and a leading `= + - @` defused with a quote mark so
/// a spreadsheet never runs it as a formula.
fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A horizontal bar of the organisations per stage, drawn on the server (no script).
pub fn chart_svg(t: &Totals) -> String {
    const W: f64 = 600.0;
    let colours = [
        "#2e7d32", "#f9a825", "#0277bd", "#90a4ae", "#c62828", "#e0e0e0",
    ];
    let total = t.organisations.max(1) as f64;
    let mut x = 0.0;
    let mut bars = String::new();
    let mut legend = String::new();
    for (i, (stage, n)) in t.by_stage.iter().enumerate() {
        let w = W * (*n as f64) / total;
        if *n > 0 {
            bars.push_str(&format!(
                r#"<rect x="{x:.1}" y="0" width="{w:.1}" height="28" fill="{}"><title>{}: {n}</title></rect>"#,
                colours[i % colours.len()],
                stage.label()
            ));
        }
        x += w;
        let lx = (i % 3) as f64 * 200.0;
        let ly = 48.0 + (i / 3) as f64 * 20.0;
        legend.push_str(&format!(
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" font-size="13" font-family="sans-serif">{} {n}</text>"#,
            ly - 10.0,
            colours[i % colours.len()],
            lx + 16.0,
            ly,
            stage.label()
        ));
    }
    let pct = (t.submitted * 100)
        .checked_div(t.organisations)
        .unwrap_or(0);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 96" width="600" height="96" role="img" aria-label="{pct}% submitted ({} of {} organisations)"><title>{pct}% submitted</title>{bars}{legend}</svg>"#,
        t.submitted, t.organisations
    )
}

/// An organisation's timeline in a campaign: (when, what, detail), oldest first.
pub async fn timeline(
    conn: &mut Conn,
    campaign_id: Uuid,
    organisation_id: Uuid,
) -> Result<Vec<(DateTime<Utc>, String, String)>, AppError> {
    Ok(q::timeline(conn, campaign_id, organisation_id)
        .await?
        .into_iter()
        .map(|r| (r.at, r.what, r.detail))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("Acme, Ltd"), "\"Acme, Ltd\"");
        assert_eq!(cell("plain"), "plain");
    }

    #[test]
    fn chart_shows_every_stage_and_the_share_submitted() {
        let t = Totals {
            organisations: 4,
            submitted: 1,
            by_stage: Stage::ALL.into_iter().map(|s| (s, 1)).collect(),
            ..Default::default()
        };
        let svg = chart_svg(&t);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("25% submitted"));
        for s in Stage::ALL {
            assert!(svg.contains(s.label()));
        }
        assert!(!svg.contains("<script"));
    }
}

//! Campaign progress (issue 8, item 6), pure: where each organisation stands (one
//! stage each, most advanced first), the totals, the CSV export and the completion
//! chart drawn on the server as SVG. The facts come from `db::progress`.

use super::csv_file;
use super::states::CampaignStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A contact's latest link in the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Active,
    Revoked,
    Expired,
    /// No link issued yet.
    None,
}

impl LinkState {
    /// The state of a link issued (or not), revoked (or not), expiring at `expires_at`.
    pub fn of(
        issued: bool,
        revoked: bool,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> LinkState {
        match (issued, revoked, expires_at) {
            (false, _, _) => LinkState::None,
            (true, true, _) => LinkState::Revoked,
            (true, false, Some(e)) if e <= now => LinkState::Expired,
            _ => LinkState::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Active => "active",
            LinkState::Revoked => "revoked",
            LinkState::Expired => "expired",
            LinkState::None => "none",
        }
    }
}

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
    pub external_ref: Option<String>,
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
    pub link: LinkState,
    pub first_opened_at: Option<DateTime<Utc>>,
    /// Delivery of the latest email: `queued`, `sent`, `failed`.
    pub email_status: Option<String>,
    /// The server's answer when the email failed.
    pub email_error: Option<String>,
    /// The mail server refused an email of this link to this address (a 5xx): no
    /// reminder goes there until the address is corrected.
    pub address_refused: bool,
    /// A deactivated contact, or one of a deactivated organisation, gets no new link.
    pub contact_deactivated: bool,
    pub organisation_deactivated: bool,
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
    pub status: CampaignStatus,
    pub deadline: NaiveDate,
    /// The reminder the scheduler sends next ([`super::reminders::next_step`]; a draft's
    /// as if launched now); `None` when closed or when no step is left.
    pub next_reminder: Option<super::reminders::Step>,
    pub required_questions: usize,
    pub totals: Totals,
    /// How many organisations the filter matched (`organisations` holds one page of
    /// them when a page was asked for; the API asks for none).
    #[serde(skip)]
    pub listed: usize,
    /// The page `organisations` is (1 without paging).
    #[serde(skip)]
    pub page: usize,
    pub organisations: Vec<OrganisationProgress>,
    pub contacts: Vec<ContactProgress>,
}

/// What the database knows of one organisation in a campaign.
#[derive(Debug, Clone)]
pub struct OrganisationFacts {
    pub organisation_id: Uuid,
    pub name: String,
    pub country: String,
    /// The organisation's key in the buyer's systems (the CSV import's), if any.
    pub external_ref: Option<String>,
    pub response_id: Uuid,
    pub submitted: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Links ever issued, and those still usable (not revoked, not expired).
    pub links: i64,
    pub usable_links: i64,
    pub first_opened_at: Option<DateTime<Utc>>,
    /// Answers stored, and how many of them answer a required question.
    pub answers: i64,
    pub required_answered: i64,
    /// An email to one of its contacts was refused (5xx).
    pub bounced: bool,
}

/// Where one organisation stands, given `required` questions and whether the
/// deadline has passed.
pub fn organisation_progress(
    r: OrganisationFacts,
    required: usize,
    past_deadline: bool,
) -> OrganisationProgress {
    let submitted = r.submitted;
    let in_progress = !submitted && r.answers > 0;
    let opened = r.first_opened_at.is_some();
    let invited = r.links > 0;
    let link_expired = !submitted && invited && r.usable_links == 0;
    let percent_required = if submitted {
        100
    } else {
        percent(
            (r.required_answered.max(0) as usize).min(required),
            required,
        )
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
        name: r.name,
        country: r.country,
        external_ref: r.external_ref,
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

/// The totals over every organisation (each in exactly one stage).
pub fn totals(all: &[OrganisationProgress]) -> Totals {
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

/// The progress as CSV (one row per organisation), cells guarded against formulas. It
/// starts with a UTF-8 byte order mark, as the organisation export does, so that Excel
/// reads Japanese and Vietnamese names right; the organisation's id and external
/// reference tell apart two organisations of the same name. `refused_addresses` lists
/// the addresses the mail server refused (no reminder goes there until corrected), for
/// whoever collects the right ones.
pub fn csv(p: &Progress) -> Vec<u8> {
    let mut refused: std::collections::HashMap<Uuid, Vec<&str>> = Default::default();
    for c in p.contacts.iter().filter(|c| c.address_refused) {
        refused.entry(c.organisation_id).or_default().push(&c.email);
    }
    let header = [
        "organisation",
        "external_ref",
        "organisation_id",
        "country",
        "stage",
        "percent_required",
        "opened",
        "submitted_at",
        "overdue",
        "bounced",
        "link_expired",
        "refused_addresses",
    ]
    .map(String::from);
    let rows = p.organisations.iter().map(|o| {
        [
            o.name.clone(),
            o.external_ref.clone().unwrap_or_default(),
            o.organisation_id.to_string(),
            o.country.clone(),
            o.stage.as_str().to_string(),
            o.percent_required.to_string(),
            o.opened.to_string(),
            o.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            o.overdue.to_string(),
            o.bounced.to_string(),
            o.link_expired.to_string(),
            refused
                .get(&o.organisation_id)
                .map(|a| a.join(" "))
                .unwrap_or_default(),
        ]
    });
    csv_file::file(std::iter::once(header).chain(rows))
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
    let grouped = |n: usize| super::text::grouped_digits(&n.to_string());
    for (i, (stage, count)) in t.by_stage.iter().enumerate() {
        let n = grouped(*count);
        let w = W * (*count as f64) / total;
        if *count > 0 {
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
    let pct = percent(t.submitted, t.organisations).unwrap_or(0);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 96" width="600" height="96" role="img" aria-label="{pct}% submitted ({} of {} organisations)"><title>{pct}% submitted</title>{bars}{legend}</svg>"#,
        grouped(t.submitted),
        grouped(t.organisations)
    )
}

/// `part` of `whole` in per cent, rounded to the nearest (4 of 6: 67), but never 100
/// before all nor 0 after some; `None` of nothing.
pub fn percent(part: usize, whole: usize) -> Option<usize> {
    let nearest = (part.min(whole) * 200 + whole).checked_div(whole * 2)?;
    Some(match part {
        0 => 0,
        p if p >= whole => 100,
        _ => nearest.clamp(1, 99),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Rounded to the nearest, not cut: 4 of 6 is 67 %.
        let t = Totals {
            organisations: 6,
            submitted: 4,
            ..t
        };
        assert!(chart_svg(&t).contains("67% submitted (4 of 6 organisations)"));
        let big = Totals {
            organisations: 45000,
            submitted: 1250,
            by_stage: vec![(Stage::Submitted, 1250), (Stage::Invited, 43750)],
            ..Default::default()
        };
        let big = chart_svg(&big);
        assert!(big.contains("(1,250 of 45,000 organisations)"), "{big}");
        assert!(big.contains("Invited 43,750</text>"), "{big}");
        assert_eq!(percent(4, 6), Some(67));
        assert_eq!(percent(1, 6), Some(17));
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(199, 200), Some(99));
        assert_eq!(percent(1, 300), Some(1));
        assert_eq!(percent(6, 6), Some(100));
        assert_eq!(percent(0, 0), None);
        for s in Stage::ALL {
            assert!(svg.contains(s.label()));
        }
        assert!(!svg.contains("<script"));
    }

    fn facts() -> OrganisationFacts {
        OrganisationFacts {
            organisation_id: Uuid::new_v4(),
            name: "Acme".into(),
            country: "JP".into(),
            external_ref: None,
            response_id: Uuid::new_v4(),
            submitted: false,
            submitted_at: None,
            links: 1,
            usable_links: 1,
            first_opened_at: None,
            answers: 0,
            required_answered: 0,
            bounced: false,
        }
    }

    #[test]
    fn each_organisation_is_in_one_stage_most_advanced_first() {
        let invited = organisation_progress(facts(), 4, false);
        assert_eq!(
            (invited.stage, invited.percent_required),
            (Stage::Invited, 0)
        );
        let opened = organisation_progress(
            OrganisationFacts {
                first_opened_at: Some(Utc::now()),
                ..facts()
            },
            4,
            false,
        );
        assert_eq!(opened.stage, Stage::Opened);
        let saving = organisation_progress(
            OrganisationFacts {
                first_opened_at: Some(Utc::now()),
                answers: 5,
                required_answered: 3,
                ..facts()
            },
            4,
            true,
        );
        assert_eq!(saving.stage, Stage::InProgress);
        assert_eq!(saving.percent_required, 75);
        assert!(saving.overdue, "past the deadline and not submitted");
        let expired = organisation_progress(
            OrganisationFacts {
                answers: 5,
                usable_links: 0,
                ..facts()
            },
            4,
            false,
        );
        assert_eq!(expired.stage, Stage::LinkExpired);
        let done = organisation_progress(
            OrganisationFacts {
                submitted: true,
                usable_links: 0,
                bounced: true,
                ..facts()
            },
            4,
            true,
        );
        assert_eq!((done.stage, done.percent_required), (Stage::Submitted, 100));
        assert!(!done.overdue && done.bounced);
        let none = organisation_progress(
            OrganisationFacts {
                links: 0,
                usable_links: 0,
                ..facts()
            },
            4,
            false,
        );
        assert_eq!(none.stage, Stage::NotInvited);
        let t = totals(&[invited, opened, saving, expired, done, none]);
        assert_eq!(t.organisations, 6);
        assert_eq!(t.by_stage.iter().map(|(_, n)| n).sum::<usize>(), 6);
        assert_eq!((t.submitted, t.bounced, t.overdue), (1, 1, 1));
    }

    #[test]
    fn a_link_is_active_revoked_expired_or_none() {
        let now = Utc::now();
        let later = Some(now + chrono::Duration::days(1));
        let earlier = Some(now - chrono::Duration::days(1));
        assert_eq!(LinkState::of(false, false, None, now), LinkState::None);
        assert_eq!(LinkState::of(true, true, later, now), LinkState::Revoked);
        assert_eq!(LinkState::of(true, false, earlier, now), LinkState::Expired);
        assert_eq!(LinkState::of(true, false, later, now), LinkState::Active);
    }
}

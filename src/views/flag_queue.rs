//! The committee's overview pages: the flag queue (filters with counts, bulk
//! assignment, key paging), the 5×5 heat map (an SVG drawn here, with the same counts
//! as a table) and the dashboard.

use super::staff::StaffNav;
use crate::auth::permissions::Permission;
use crate::auth::principal::StaffUser;
use crate::domain::flag::FlagStatus;
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::domain::risk::Band;
use crate::domain::states::OrganisationKind;
use crate::services::flags::queue::{Counts, Dashboard, Queue, QueueParams};
use crate::services::questionnaires::QuestionnaireRegistry;
use askama::Template;
use chrono::Utc;

/// The bands, worst first.
pub(super) const BANDS: [Band; 4] = [Band::Critical, Band::High, Band::Medium, Band::Low];

/// An option of a filter.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A filter of the queue: a select whose options carry their counts.
pub struct FilterSelect {
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

/// A row of the queue.
pub struct QueueLine {
    pub id: String,
    pub pick: String,
    pub band: String,
    pub trigger: bool,
    pub score: String,
    pub organisation: String,
    pub organisation_id: String,
    pub place: String,
    pub indicator: String,
    pub question: String,
    pub status: String,
    pub assignee: String,
    /// The assignee's account is disabled.
    pub assignee_disabled: bool,
    pub age_days: i64,
    /// The question was flagged in the organisation's previous submission too.
    pub previous: Option<PreviousMark>,
}

/// "Flagged last time too": the earlier flag, when its submission was made, and where
/// that flag stands now (a risk that comes back after its flag was closed shows here).
pub struct PreviousMark {
    pub href: String,
    pub submitted: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
pub struct QueuePage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// Filters with no select of their own (a heat map cell, an organisation): kept
    /// through the filter form as (name, value), and said beside it.
    pub kept: Vec<(&'static str, String)>,
    pub notice: String,
    pub errors: Vec<String>,
    pub total: i64,
    pub selects: Vec<FilterSelect>,
    pub lines: Vec<QueueLine>,
    pub next_href: String,
    pub first_href: String,
    pub can_decide: bool,
    pub members: Vec<(String, String)>,
    /// The current filter as a query string (kept by the bulk form).
    pub back: String,
    pub heatmap_href: String,
}

fn indicator_name(id: &str) -> String {
    Indicator::name_of(id, Lang::En)
}

fn choice(current: &str, value: &str, label: String) -> Choice {
    Choice {
        selected: current == value,
        value: value.to_string(),
        label,
    }
}

/// The queue's filters: every value with its count within the current filter.
fn selects(p: &QueueParams, q: &Queue) -> Vec<FilterSelect> {
    let c = &q.counts;
    let any = |current: &str| choice(current, "", "any".into());
    let counted =
        |facet: &str, value: &str, label: &str| format!("{label} ({})", c.of(facet, Some(value)));
    let mut campaign = vec![any(&p.campaign)];
    campaign.extend(q.campaigns.iter().map(|(id, name)| {
        let id = id.to_string();
        choice(&p.campaign, &id, counted("campaign", &id, name))
    }));
    let mut indicator = vec![any(&p.indicator)];
    indicator.extend(Indicator::ALL.iter().map(|i| {
        choice(
            &p.indicator,
            i.as_str(),
            counted("indicator", i.as_str(), i.name()),
        )
    }));
    let mut band = vec![any(&p.band)];
    band.extend(
        BANDS
            .iter()
            .map(|b| choice(&p.band, b.as_str(), counted("band", b.as_str(), b.as_str()))),
    );
    let mut countries: Vec<String> =
        c.by.get("country")
            .map(|v| v.iter().filter_map(|(x, _)| x.clone()).collect())
            .unwrap_or_default();
    if !p.country.is_empty() && !countries.contains(&p.country.to_ascii_uppercase()) {
        countries.push(p.country.to_ascii_uppercase());
    }
    countries.sort();
    let mut country = vec![any(&p.country)];
    country.extend(countries.iter().map(|x| {
        let label = crate::domain::countries::labelled(x);
        choice(
            &p.country.to_ascii_uppercase(),
            x,
            counted("country", x, &label),
        )
    }));
    let mut kind = vec![any(&p.kind)];
    kind.extend(
        OrganisationKind::ALL
            .iter()
            .map(|k| choice(&p.kind, k.as_str(), counted("kind", k.as_str(), &k.label()))),
    );
    let status_now = if p.status.is_empty() {
        "not_closed"
    } else {
        p.status.as_str()
    };
    let mut status = vec![
        choice(status_now, "not_closed", "not closed".into()),
        choice(status_now, "all", "all".into()),
    ];
    status.extend(FlagStatus::ALL.iter().map(|s| {
        choice(
            status_now,
            s.as_str(),
            counted("status", s.as_str(), &s.label()),
        )
    }));
    let mut assignee = vec![
        any(&p.assignee),
        choice(
            &p.assignee,
            "nobody",
            format!("nobody ({})", c.of("assignee", None)),
        ),
        choice(
            &p.assignee,
            "disabled",
            format!("a disabled member ({})", q.assigned_to_disabled),
        ),
    ];
    assignee.extend(q.members.iter().map(|m| {
        let id = m.id.to_string();
        choice(&p.assignee, &id, counted("assignee", &id, &m.name))
    }));
    if let Some(m) = &q.filtered_member {
        let id = m.id.to_string();
        let why = if m.disabled_at.is_some() {
            "disabled"
        } else {
            "no longer decides"
        };
        let name = format!("{} ({why})", m.name);
        assignee.push(choice(&p.assignee, &id, counted("assignee", &id, &name)));
    }
    let mut age = vec![any(&p.age)];
    age.extend(
        ["7", "14", "30", "90", "365"]
            .iter()
            .map(|d| choice(&p.age, d, format!("raised over {d} days ago"))),
    );
    vec![
        FilterSelect {
            name: "campaign",
            label: "Campaign",
            choices: campaign,
        },
        FilterSelect {
            name: "indicator",
            label: "Indicator",
            choices: indicator,
        },
        FilterSelect {
            name: "band",
            label: "Band",
            choices: band,
        },
        FilterSelect {
            name: "country",
            label: "Country",
            choices: country,
        },
        FilterSelect {
            name: "kind",
            label: "Organisation kind",
            choices: kind,
        },
        FilterSelect {
            name: "status",
            label: "Status",
            choices: status,
        },
        FilterSelect {
            name: "assignee",
            label: "Assigned to",
            choices: assignee,
        },
        FilterSelect {
            name: "age",
            label: "Age",
            choices: age,
        },
    ]
}

pub fn queue_page(
    user: &StaffUser,
    registry: &QuestionnaireRegistry,
    params: &QueueParams,
    q: Queue,
    notice: String,
    errors: Vec<String>,
) -> QueuePage {
    let now = Utc::now();
    let lines = q
        .rows
        .iter()
        .map(|r| {
            let version = registry.get(r.template_version_id);
            let question = version.as_ref().and_then(|v| {
                let lang = v.questionnaire.default_lang();
                v.questionnaire
                    .find(&r.question_id)
                    .map(|q| q.label.get(lang).to_string())
            });
            QueueLine {
                id: r.id.to_string(),
                pick: format!("{}:{}", r.id, r.version),
                band: r.band.to_string(),
                trigger: r.critical,
                score: format!("{} = {}×{}", r.score, r.severity, r.likelihood),
                organisation: format!("{} · {}", r.organisation, r.campaign),
                organisation_id: r.organisation_id.to_string(),
                place: format!("{}, {}", r.country, r.kind.label()),
                indicator: indicator_name(&r.indicator),
                question: question.unwrap_or_else(|| r.question_id.clone()),
                status: r.status.label(),
                assignee: r.assignee.clone().unwrap_or_default(),
                assignee_disabled: r.assignee_disabled,
                age_days: (now - r.created_at).num_days(),
                previous: q.previous.get(&r.id).map(|p| PreviousMark {
                    href: format!("/staff/flags/{}", p.previous_id),
                    submitted: p.previous_submitted_at.format("%Y-%m-%d").to_string(),
                    status: p.previous_status.label(),
                }),
            }
        })
        .collect();
    let mut plain = params.clone();
    plain.after.clear();
    QueuePage {
        lang: Lang::En.code().into(),
        title: "Flag queue".into(),
        nav: StaffNav::new(user, "/staff/flags"),
        notice,
        errors,
        total: q.counts.total,
        selects: selects(params, &q),
        next_href: q
            .next
            .as_deref()
            .map(|n| format!("/staff/flags{}", params.with("after", n).query_string()))
            .unwrap_or_default(),
        first_href: if params.after.is_empty() {
            String::new()
        } else {
            format!("/staff/flags{}", plain.query_string())
        },
        can_decide: user.role.can(Permission::DecideFlags),
        members: q
            .members
            .iter()
            .map(|m| (m.id.to_string(), format!("{} ({})", m.name, m.role)))
            .collect(),
        back: plain.query_string(),
        heatmap_href: format!("/staff/heatmap{}", plain.query_string()),
        lines,
        kept: [
            ("severity", &params.severity),
            ("likelihood", &params.likelihood),
            ("organisation", &params.organisation),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect(),
    }
}

/// A cell of the heat map, placed on the SVG.
pub struct HeatCell {
    pub severity: usize,
    pub likelihood: usize,
    pub n: i64,
    pub band: &'static str,
    pub href: String,
    pub x: usize,
    pub y: usize,
}

#[derive(Template)]
#[template(path = "staff/heatmap.html")]
pub struct HeatMapPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub total: i64,
    /// Severity 5 first (the top row), likelihood 1 to 5.
    pub rows: Vec<(usize, Vec<HeatCell>)>,
    pub queue_href: String,
    pub filtered: bool,
}

/// Cell size and margins of the SVG, in its own units.
const CELL: usize = 84;
const LEFT: usize = 70;
const TOP: usize = 10;

pub fn heat_map_page(user: &StaffUser, params: &QueueParams, counts: &Counts) -> HeatMapPage {
    let mut plain = params.clone();
    plain.after.clear();
    plain.severity.clear();
    plain.likelihood.clear();
    let rows = (1..=5)
        .rev()
        .map(|s| {
            let cells = (1..=5)
                .map(|l| HeatCell {
                    severity: s,
                    likelihood: l,
                    n: counts.cells[s - 1][l - 1],
                    band: Band::of((s * l) as u8, false).as_str(),
                    href: format!(
                        "/staff/flags{}",
                        plain
                            .with("severity", &s.to_string())
                            .with("likelihood", &l.to_string())
                            .query_string()
                    ),
                    x: LEFT + (l - 1) * CELL,
                    y: TOP + (5 - s) * CELL,
                })
                .collect();
            (s, cells)
        })
        .collect();
    HeatMapPage {
        lang: Lang::En.code().into(),
        title: "Heat map".into(),
        nav: StaffNav::new(user, "/staff/heatmap"),
        total: counts.total,
        rows,
        queue_href: format!("/staff/flags{}", plain.query_string()),
        filtered: plain != QueueParams::default(),
    }
}

/// A line of a count table on the dashboard.
pub struct CountLine {
    pub label: String,
    pub n: i64,
    pub href: String,
}

/// Where the trend's bars start (the campaign's label is left of it).
const TREND_LABEL_WIDTH: i64 = 200;

/// A campaign's name cut to fit left of the bars: 30 columns, a wide character (CJK,
/// full-width) taking two, with "…" when cut.
fn trend_label(name: &str) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if name.width() <= 30 {
        return name.to_string();
    }
    let mut used = 0;
    let mut out: String = name
        .chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= 29
        })
        .collect();
    out.push('…');
    out
}

/// A campaign's flags by band (the trend).
pub struct TrendLine {
    pub campaign: String,
    /// The queue of the campaign's flags in every state (the counts' scope).
    pub href: String,
    /// The campaign's name as the chart labels its bar (at most 30 columns wide).
    pub label: String,
    pub started: String,
    /// critical, high, medium, low, total
    pub counts: [i64; 5],
    /// Bar segments on the SVG: (x, width, band).
    pub bars: Vec<(i64, i64, &'static str)>,
    pub y: usize,
}

impl TrendLine {
    /// Where the bar ends (its total is written after it).
    pub fn end(&self) -> i64 {
        self.bars
            .last()
            .map(|(x, w, _)| x + w)
            .unwrap_or(TREND_LABEL_WIDTH)
    }
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
pub struct DashboardPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub open_total: i64,
    pub open_critical: i64,
    pub overdue_plans: i64,
    /// Each table's caption, the heading of its first column, and its lines.
    pub tables: Vec<(&'static str, &'static str, Vec<CountLine>)>,
    pub trend: Vec<TrendLine>,
    pub trend_height: usize,
}

pub fn dashboard_page(user: &StaffUser, d: Dashboard) -> DashboardPage {
    let open = QueueParams::default();
    let line = |facet: &str, label: String, value: Option<String>, n: i64| CountLine {
        href: format!(
            "/staff/flags{}",
            open.with(facet, value.as_deref().unwrap_or(""))
                .query_string()
        ),
        label,
        n,
    };
    let table = |facet: &str, name: &dyn Fn(&str) -> String| -> Vec<CountLine> {
        d.open
            .by
            .get(facet)
            .map(|v| {
                v.iter()
                    .map(|(value, n)| {
                        let label = value.as_deref().map(name).unwrap_or_default();
                        line(facet, label, value.clone(), *n)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut bands: Vec<CountLine> = table("band", &|b| b.to_string());
    bands.sort_by_key(|l| BANDS.iter().position(|b| b.as_str() == l.label));
    let kind_name = |k: &str| {
        OrganisationKind::parse(k)
            .map(|k| k.label())
            .unwrap_or_else(|| k.to_string())
    };
    let mut trend: Vec<TrendLine> = Vec::new();
    for row in &d.trend {
        if trend.last().is_none_or(|t| {
            t.campaign != row.campaign || t.started != row.created_at.format("%Y-%m-%d").to_string()
        }) {
            let label = trend_label(&row.campaign);
            let all = open.with("status", "all");
            trend.push(TrendLine {
                label,
                href: format!(
                    "/staff/flags{}",
                    all.with("campaign", &row.campaign_id.to_string())
                        .query_string()
                ),
                campaign: row.campaign.clone(),
                started: row.created_at.format("%Y-%m-%d").to_string(),
                counts: [0; 5],
                bars: Vec::new(),
                y: 0,
            });
        }
        let t = trend.last_mut().expect("pushed above");
        let i = BANDS.iter().position(|b| *b == row.band).unwrap_or(3);
        t.counts[i] += row.n;
        t.counts[4] += row.n;
    }
    let widest = trend.iter().map(|t| t.counts[4]).max().unwrap_or(1).max(1);
    // Each bar after its campaign's label (200 units), its total after it; the legend of
    // bands under the bars.
    for (n, t) in trend.iter_mut().enumerate() {
        t.y = 4 + n * 28;
        let mut x = TREND_LABEL_WIDTH;
        for (i, b) in BANDS.iter().enumerate() {
            let w = t.counts[i] * 600 / widest;
            if w > 0 {
                t.bars.push((x, w, b.as_str()));
            }
            x += w;
        }
    }
    DashboardPage {
        lang: Lang::En.code().into(),
        title: "Committee dashboard".into(),
        nav: StaffNav::new(user, "/staff/dashboard"),
        open_total: d.open.total,
        open_critical: d.open.of("band", Some(Band::Critical.as_str())),
        overdue_plans: d.overdue_plans,
        tables: vec![
            ("Flags not closed, by band", "Band", bands),
            (
                "Flags not closed, by indicator",
                "Indicator",
                table("indicator", &indicator_name),
            ),
            (
                "Flags not closed, by country",
                "Country",
                table("country", &crate::domain::countries::labelled),
            ),
            (
                "Flags not closed, by organisation kind",
                "Kind",
                table("kind", &kind_name),
            ),
        ],
        trend_height: 8 + trend.len() * 28 + 24,
        trend,
    }
}

#[cfg(test)]
mod trend_tests {
    #[test]
    fn labels_are_cut_by_their_width_on_screen() {
        let latin = super::trend_label("Illustrative 2026 supplier survey (demo data)");
        assert_eq!(latin, "Illustrative 2026 supplier su…");
        let japanese = super::trend_label("二〇二六年度サプライヤー人権デューディリジェンス調査");
        assert_eq!(japanese, "二〇二六年度サプライヤー人権…");
        assert_eq!(super::trend_label("Short"), "Short");
    }
}

//! The risk ranking page (`/staff/ranking`): organisations worst first, each with what
//! its place comes from (`domain::rating`, in the order the ranking compares), 100 a
//! page, filtered by kind, country and band.

use super::staff::StaffNav;
use crate::domain::countries::labelled;
use crate::domain::i18n::Lang;
use crate::domain::states::OrganisationKind;
use crate::services::ranking::{RankedOrganisation, Ranking, RankingQuery};
use askama::Template;

/// Organisations a page of the ranking shows.
pub const PER_PAGE: usize = 100;

pub struct RankingRow {
    pub rank: usize,
    /// The organisation's responses page, which shows the answers behind its rating.
    pub href: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    /// The worst band; empty when no answer showed risk.
    pub band: String,
    pub indicators: String,
    pub share: String,
    pub knock_outs: usize,
    pub flags: String,
    pub top_score: u8,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "staff/ranking.html")]
pub struct RankingPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// (value, label, selected) of each filter's choices.
    pub kinds: Vec<(String, String, bool)>,
    pub countries: Vec<(String, String, bool)>,
    pub bands: Vec<(String, String, bool)>,
    /// (field, message) of each refused filter value.
    pub errors: Vec<(String, String)>,
    pub rows: Vec<RankingRow>,
    pub total: usize,
    pub not_rated: i64,
    pub page: usize,
    pub pages: usize,
    /// The filter as a query string, without the page.
    pub query: String,
}

impl RankingPage {
    pub fn error(&self, field: &str) -> &str {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or("")
    }
}

fn row(rank: usize, o: &RankedOrganisation) -> RankingRow {
    let r = &o.rating;
    RankingRow {
        rank,
        href: format!(
            "/staff/organisations/{}/responses#rating",
            o.organisation_id
        ),
        name: o.name.clone(),
        kind: o.kind.label(),
        country: labelled(&o.country),
        band: r.band.map(|b| b.to_string()).unwrap_or_default(),
        indicators: r.indicator_names(Lang::En).join(", "),
        share: if r.band.is_some() {
            format!("{} %", r.percent_affected())
        } else {
            String::new()
        },
        knock_outs: r.knock_outs,
        flags: if r.flags == 0 {
            "none".into()
        } else {
            format!("{} of {}", r.flags_in_band, r.flags)
        },
        top_score: r.top_score,
        submitted: o
            .last_submitted
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

/// The page of `ranking` (`None` when the filter was refused: `errors` say why).
pub fn page(
    nav: StaffNav,
    query: &RankingQuery,
    countries_in_use: &[String],
    ranking: Option<Ranking>,
    errors: Vec<(String, String)>,
) -> RankingPage {
    let given = |v: &Option<String>| v.clone().unwrap_or_default();
    let (kind, country, band) = (
        given(&query.kind),
        given(&query.country).to_ascii_uppercase(),
        given(&query.band),
    );
    let kinds = OrganisationKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label(), k.as_str() == kind))
        .collect();
    let countries = countries_in_use
        .iter()
        .map(|c| (c.clone(), labelled(c), *c == country))
        .collect();
    let bands = super::flag_queue::BANDS
        .iter()
        .map(|b| {
            (
                b.as_str().to_string(),
                b.as_str().to_string(),
                b.as_str() == band,
            )
        })
        .chain(std::iter::once((
            "none".to_string(),
            "no flag".to_string(),
            band == "none",
        )))
        .collect();
    let (all, not_rated) = ranking.map(|r| (r.rows, r.not_rated)).unwrap_or_default();
    let pages = all.len().div_ceil(PER_PAGE).max(1);
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows = all
        .iter()
        .enumerate()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|(i, o)| row(i + 1, o))
        .collect();
    let pairs: Vec<(&str, &String)> = [("kind", &kind), ("country", &country), ("band", &band)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    RankingPage {
        lang: Lang::En.code().into(),
        title: "Organisations by risk".into(),
        nav,
        kinds,
        countries,
        bands,
        errors,
        rows,
        total: all.len(),
        not_rated,
        page,
        pages,
        query: serde_urlencoded::to_string(pairs).unwrap_or_default(),
    }
}

/// The whole ranking (every page) as CSV: one row per organisation, worst first, with
/// each factor of its place; `none` for the band of an organisation without a flag.
pub fn csv(ranking: &Ranking) -> Vec<u8> {
    let header = [
        "rank",
        "organisation",
        "external_ref",
        "organisation_id",
        "kind",
        "country",
        "band",
        "indicators_hit",
        "indicators",
        "share_affected_percent",
        "knock_outs",
        "critical_by_score",
        "flags_in_band",
        "flags",
        "top_score",
        "responses_rated",
        "last_submitted",
    ]
    .map(String::from);
    let rows = ranking.rows.iter().enumerate().map(|(i, o)| {
        let r = &o.rating;
        [
            (i + 1).to_string(),
            o.name.clone(),
            o.external_ref.clone().unwrap_or_default(),
            o.organisation_id.to_string(),
            o.kind.as_str().to_string(),
            o.country.clone(),
            r.band
                .map(|b| b.to_string())
                .unwrap_or_else(|| "none".into()),
            r.indicators_hit.to_string(),
            r.indicator_names(Lang::En).join("; "),
            r.percent_affected().to_string(),
            r.knock_outs.to_string(),
            r.matrix_critical.to_string(),
            r.flags_in_band.to_string(),
            r.flags.to_string(),
            r.top_score.to_string(),
            o.responses.to_string(),
            o.last_submitted.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ]
    });
    crate::domain::csv_file::file(std::iter::once(header).chain(rows))
}

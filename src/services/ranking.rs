//! The risk ranking: every active organisation that has submitted, rated as its own
//! page rates it (the latest submitted response to each questionnaire, the worst band of
//! their flags, never an average) and ordered worst first by `domain::rating::rank`.

use super::Conn;
use crate::db::ranking;
use crate::domain::countries;
use crate::domain::rating::{rank_by, FlagFacts, Rating};
use crate::domain::risk::Band;
use crate::domain::states::OrganisationKind;
use crate::domain::text::given;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// The ranking's filters as the page's query gives them ("" or absent: any).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RankingQuery {
    pub kind: Option<String>,
    pub country: Option<String>,
    /// Only organisations rated in this band (`none`: submitted without a flag).
    pub band: Option<String>,
    pub page: Option<String>,
}

/// Which band the ranking shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandFilter {
    Band(Band),
    /// Submitted, and no answer showed risk.
    NoFlag,
}

#[derive(Debug, Clone, Default)]
pub struct RankingFilter {
    pub kind: Option<OrganisationKind>,
    pub country: Option<String>,
    pub band: Option<BandFilter>,
}

impl RankingQuery {
    /// The filter, or every field's problem at once.
    pub fn parse(&self) -> Result<RankingFilter, AppError> {
        let mut problems = Vec::new();
        let kind = given(&self.kind).and_then(|k| {
            let kind = OrganisationKind::parse(k);
            if kind.is_none() {
                problems.push(("kind", "kind: give supplier or production_base"));
            }
            kind
        });
        let country = given(&self.country).and_then(|c| {
            let code = c.to_ascii_uppercase();
            if countries::is_code(&code) {
                Some(code)
            } else {
                problems.push((
                    "country",
                    "country: give an ISO 3166-1 country code, e.g. JP",
                ));
                None
            }
        });
        let band = given(&self.band).and_then(|b| match b {
            "none" => Some(BandFilter::NoFlag),
            b => match Band::parse(b) {
                Some(band) => Some(BandFilter::Band(band)),
                None => {
                    problems.push(("band", "band: give critical, high, medium, low or none"));
                    None
                }
            },
        });
        if problems.is_empty() {
            Ok(RankingFilter {
                kind,
                country,
                band,
            })
        } else {
            Err(AppError::Validation(
                problems
                    .into_iter()
                    .map(|(f, m)| crate::domain::answers::FieldError {
                        field: f.to_string(),
                        message: m.to_string(),
                    })
                    .collect(),
            ))
        }
    }
}

/// One organisation in the ranking.
#[derive(Debug, Clone)]
pub struct RankedOrganisation {
    pub organisation_id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub country: String,
    pub external_ref: Option<String>,
    pub rating: Rating,
    /// Its latest submitted responses the rating is built from (one per questionnaire).
    pub responses: usize,
    pub last_submitted: Option<DateTime<Utc>>,
}

/// The ranking, worst first, and how many active organisations of the filter's kind and
/// country have not submitted (not rated).
pub struct Ranking {
    pub rows: Vec<RankedOrganisation>,
    pub not_rated: i64,
}

pub async fn ranking(conn: &mut Conn, filter: &RankingFilter) -> Result<Ranking, AppError> {
    let latest = ranking::latest_responses(conn, filter.kind, filter.country.as_deref()).await?;
    let ids: Vec<Uuid> = latest.iter().map(|r| r.response_id).collect();
    let mut facts: HashMap<Uuid, Vec<FlagFacts>> = HashMap::new();
    for f in ranking::flags_of(conn, &ids).await? {
        if let Some(fact) = FlagFacts::stored(
            &f.indicator,
            f.band,
            f.critical,
            f.score,
            f.affected_workers,
            f.workforce,
        ) {
            facts.entry(f.response_id).or_default().push(fact);
        }
    }
    // The responses of one organisation are next to each other (the query's order):
    // each organisation's first response row, its number of responses, its latest
    // submission and the facts of all their flags.
    type Group = (
        ranking::LatestResponse,
        usize,
        Option<DateTime<Utc>>,
        Vec<FlagFacts>,
    );
    let mut grouped: Vec<Group> = Vec::new();
    for r in latest {
        let mine = facts.remove(&r.response_id).unwrap_or_default();
        match grouped.last_mut() {
            Some((first, responses, last_submitted, flags))
                if first.organisation_id == r.organisation_id =>
            {
                *responses += 1;
                *last_submitted = (*last_submitted).max(r.submitted_at);
                flags.extend(mine);
            }
            _ => {
                let submitted = r.submitted_at;
                grouped.push((r, 1, submitted, mine));
            }
        }
    }
    let rated = grouped.len() as i64;
    let mut rows: Vec<RankedOrganisation> = grouped
        .into_iter()
        .map(|(r, responses, last_submitted, flags)| RankedOrganisation {
            organisation_id: r.organisation_id,
            name: r.name,
            kind: r.kind,
            country: r.country,
            external_ref: r.external_ref,
            rating: Rating::of(&flags),
            responses,
            last_submitted,
        })
        .filter(|row| match filter.band {
            None => true,
            Some(BandFilter::NoFlag) => row.rating.band.is_none(),
            Some(BandFilter::Band(b)) => row.rating.band == Some(b),
        })
        .collect();
    // Equal ratings by name, so that the order is the same on every visit.
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rank_by(&mut rows, |row| &row.rating);
    let active =
        ranking::active_organisations(conn, filter.kind, filter.country.as_deref()).await?;
    Ok(Ranking {
        rows,
        not_rated: (active - rated).max(0),
    })
}

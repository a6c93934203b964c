//! An organisation's overall rating on the committee's page of it
//! (`staff/org_responses.html`): the worst band of its flags, never an average, what
//! ranks it within that band (`domain::rating`, in the order the ranking compares), and
//! the answers that produced it, each linked to its line on the page and to its flag.

use super::org_history::ResponseBlock;
use super::staff::count_of;
use crate::db::models::Flag;
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::domain::rating::Rating;

/// One flag of the worst band, with the answer that raised it.
pub struct RatingFlag {
    pub flag_href: String,
    /// The answer's line further down the page.
    pub answer_href: String,
    pub band: String,
    pub score: i16,
    pub knock_out: bool,
    pub indicator: String,
    pub question: String,
    pub answer: String,
    pub status: String,
}

pub struct RatingView {
    /// The latest submitted response to each questionnaire: what the rating is built on.
    pub responses: usize,
    /// The worst band; empty without flags.
    pub band: String,
    /// What ranks the organisation within its band, one sentence each.
    pub facts: Vec<String>,
    pub produced_by: Vec<RatingFlag>,
}

/// The rating of `flags` (those of the `responses` rated), their lines found in the
/// page's `blocks`.
pub fn rating_view(
    rating: &Rating,
    responses: usize,
    flags: &[Flag],
    blocks: &[ResponseBlock],
) -> RatingView {
    let Some(band) = rating.band else {
        return RatingView {
            responses,
            band: String::new(),
            facts: Vec::new(),
            produced_by: Vec::new(),
        };
    };
    let mut facts = vec![
        format!(
            "{} in this band: {}",
            count_of(rating.indicators_hit, "forced-labour indicator"),
            rating.indicator_names(Lang::En).join(", ")
        ),
        format!(
            "up to {} % of the workforce concerned by one of its flags (a flag whose \
             counts were not given counts as the whole workforce)",
            rating.percent_affected()
        ),
    ];
    if rating.knock_outs > 0 {
        facts.push(format!(
            "{} (critical whatever the score)",
            count_of(rating.knock_outs, "knock-out answer")
        ));
    }
    if rating.matrix_critical > 0 {
        facts.push(format!(
            "{} critical by its score alone",
            count_of(rating.matrix_critical, "flag")
        ));
    }
    facts.push(format!(
        "{} of {} in this band, the highest scoring {}",
        rating.flags_in_band,
        count_of(rating.flags, "flag"),
        rating.top_score
    ));
    let produced_by = flags
        .iter()
        .filter(|f| f.band == band)
        .map(|f| {
            let anchor = f.response_id.to_string();
            let line = blocks
                .iter()
                .find(|b| b.anchor == anchor)
                .and_then(|b| b.lines.iter().find(|l| l.question_id == f.question_id));
            RatingFlag {
                flag_href: format!("/staff/flags/{}", f.id),
                answer_href: format!("#a-{anchor}-{}", f.question_id),
                band: f.band.to_string(),
                score: f.score,
                knock_out: f.critical,
                indicator: Indicator::name_of(&f.indicator, Lang::En),
                question: line
                    .map(|l| l.label.clone())
                    .unwrap_or_else(|| f.question_id.clone()),
                answer: line.map(|l| l.answer.clone()).unwrap_or_default(),
                status: f.status.label(),
            }
        })
        .collect();
    RatingView {
        responses,
        band: band.to_string(),
        facts,
        produced_by,
    }
}

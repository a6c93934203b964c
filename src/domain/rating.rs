//! Ratings that still rank: the worst flag decides the band (never an average), and
//! within a band sites are ordered by how much of the forced-labour picture they show.
//!
//! When most sites that employ migrants reach "critical", the band alone no longer
//! ranks them. A [`Rating`] therefore also carries, for the flags of its band:
//! - the number of distinct indicators hit (several indicators together are stronger
//!   evidence of forced labour than one);
//! - the share of the workforce affected, from the count question a rule names
//!   (`affects`) over the site's workforce; a flag whose rule names no count, or whose
//!   counts were not given, is taken to concern the whole workforce (unknown scope is
//!   never assumed small);
//! - knock-out flags (raised by a `critical: true` rule) apart from flags that are
//!   critical by their score alone.
//!
//! Ordering (worst first): band, then indicators hit, then share affected, then
//! knock-outs, then flags in the band, then the highest score. Every input is shown
//! with the rating, so the order can be explained on screen.

use super::indicator::Indicator;
use super::risk::{share, Band, RaisedFlag};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// What a rating needs of one flag, from a [`RaisedFlag`] or a stored flag row.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagFacts {
    pub indicator: Indicator,
    pub band: Band,
    /// Raised by a knock-out rule.
    pub knock_out: bool,
    pub score: u8,
    pub affected_workers: Option<u32>,
    pub workforce: Option<u32>,
}

impl From<&RaisedFlag> for FlagFacts {
    fn from(f: &RaisedFlag) -> FlagFacts {
        FlagFacts {
            indicator: f.indicator,
            band: f.band,
            knock_out: f.critical,
            score: f.score,
            affected_workers: f.affected_workers,
            workforce: f.workforce,
        }
    }
}

impl FlagFacts {
    /// A stored flag's facts (`None` for an indicator this build does not know or a
    /// score out of range, which a migration would have to bring first).
    pub fn stored(
        indicator: &str,
        band: Band,
        knock_out: bool,
        score: i16,
        affected_workers: Option<i32>,
        workforce: Option<i32>,
    ) -> Option<FlagFacts> {
        Some(FlagFacts {
            indicator: Indicator::parse(indicator)?,
            band,
            knock_out,
            score: u8::try_from(score).ok()?,
            affected_workers: affected_workers.and_then(|n| u32::try_from(n).ok()),
            workforce: workforce.and_then(|n| u32::try_from(n).ok()),
        })
    }

    /// The share of the workforce the flag concerns, 1 when not scoped.
    pub fn scope(&self) -> f64 {
        share(self.affected_workers, self.workforce).unwrap_or(1.0)
    }
}

/// The rating of one response or one organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    /// The worst band among the flags; `None` without flags.
    pub band: Option<Band>,
    /// Flags raised by knock-out rules (always critical).
    pub knock_outs: usize,
    /// Flags critical by their matrix score alone (not knock-outs).
    pub matrix_critical: usize,
    /// Distinct indicators among the flags of the worst band.
    pub indicators_hit: usize,
    /// The indicators themselves, for the screen.
    pub indicators: Vec<Indicator>,
    /// The largest share of the workforce (0–1) concerned by a flag of the worst band.
    pub share_affected: f64,
    /// Flags in the worst band, and in all.
    pub flags_in_band: usize,
    pub flags: usize,
    /// The highest matrix score among the flags of the worst band.
    pub top_score: u8,
}

impl Rating {
    /// Rates a set of flags (one response's, or the latest responses of an organisation).
    pub fn of(flags: &[FlagFacts]) -> Rating {
        let band = flags.iter().map(|f| f.band).max();
        let in_band: Vec<&FlagFacts> = flags.iter().filter(|f| Some(f.band) == band).collect();
        let indicators: BTreeSet<Indicator> = in_band.iter().map(|f| f.indicator).collect();
        Rating {
            band,
            knock_outs: flags.iter().filter(|f| f.knock_out).count(),
            matrix_critical: flags
                .iter()
                .filter(|f| !f.knock_out && f.band == Band::Critical)
                .count(),
            indicators_hit: indicators.len(),
            indicators: indicators.into_iter().collect(),
            share_affected: in_band.iter().map(|f| f.scope()).fold(0.0, f64::max),
            flags_in_band: in_band.len(),
            flags: flags.len(),
            top_score: in_band.iter().map(|f| f.score).max().unwrap_or(0),
        }
    }

    /// [`Rating::share_affected`] as a whole percentage, as the screens and exports
    /// give it.
    pub fn percent_affected(&self) -> f64 {
        (self.share_affected * 100.0).round()
    }

    /// The names of the indicators hit in the worst band, in `lang`.
    pub fn indicator_names(&self, lang: crate::domain::i18n::Lang) -> Vec<&'static str> {
        self.indicators.iter().map(|i| i.name_in(lang)).collect()
    }

    /// Compares two ratings: `Greater` means `self` is the worse (ranks first).
    pub fn severity_cmp(&self, other: &Rating) -> Ordering {
        self.band
            .cmp(&other.band)
            .then(self.indicators_hit.cmp(&other.indicators_hit))
            .then(self.share_affected.total_cmp(&other.share_affected))
            .then(self.knock_outs.cmp(&other.knock_outs))
            .then(self.flags_in_band.cmp(&other.flags_in_band))
            .then(self.top_score.cmp(&other.top_score))
    }
}

/// Sorts rated items worst first (stable: equal ratings keep their order).
pub fn rank<T>(items: &mut [(T, Rating)]) {
    rank_by(items, |(_, rating)| rating);
}

/// Sorts items worst first by the rating each carries (stable, as [`rank`]).
pub fn rank_by<T>(items: &mut [T], rating: impl Fn(&T) -> &Rating) {
    items.sort_by(|a, b| rating(b).severity_cmp(rating(a)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(indicator: Indicator, band: Band, knock_out: bool, score: u8) -> FlagFacts {
        FlagFacts {
            indicator,
            band,
            knock_out,
            score,
            affected_workers: None,
            workforce: None,
        }
    }

    fn scoped(mut f: FlagFacts, affected: u32, workforce: u32) -> FlagFacts {
        f.affected_workers = Some(affected);
        f.workforce = Some(workforce);
        f
    }

    #[test]
    fn the_band_is_the_worst_flag_never_an_average() {
        let r = Rating::of(&[
            flag(Indicator::Isolation, Band::Low, false, 2),
            flag(Indicator::Isolation, Band::Low, false, 2),
            flag(Indicator::DebtBondage, Band::Critical, true, 20),
        ]);
        assert_eq!(r.band, Some(Band::Critical));
        assert_eq!(r.flags, 3);
        assert_eq!(r.flags_in_band, 1);
        assert_eq!(Rating::of(&[]).band, None);
    }

    #[test]
    fn knock_outs_are_counted_apart_from_matrix_critical_flags() {
        let r = Rating::of(&[
            flag(Indicator::DebtBondage, Band::Critical, true, 20),
            flag(Indicator::DebtBondage, Band::Critical, false, 20),
            flag(Indicator::ExcessiveOvertime, Band::Critical, false, 16),
            flag(Indicator::Isolation, Band::High, false, 12),
        ]);
        assert_eq!(r.knock_outs, 1);
        assert_eq!(r.matrix_critical, 2);
        assert_eq!(r.indicators_hit, 2);
        assert_eq!(
            r.indicators,
            vec![Indicator::DebtBondage, Indicator::ExcessiveOvertime]
        );
    }

    #[test]
    fn within_a_band_more_indicators_rank_first() {
        let one = Rating::of(&[
            flag(Indicator::DebtBondage, Band::Critical, true, 20),
            flag(Indicator::DebtBondage, Band::Critical, true, 20),
        ]);
        let three = Rating::of(&[
            flag(Indicator::DebtBondage, Band::Critical, false, 16),
            flag(Indicator::Isolation, Band::Critical, false, 16),
            flag(Indicator::RestrictionOfMovement, Band::Critical, false, 16),
        ]);
        let high = Rating::of(&[
            flag(Indicator::DebtBondage, Band::High, false, 12),
            flag(Indicator::Isolation, Band::High, false, 12),
            flag(Indicator::Deception, Band::High, false, 12),
            flag(Indicator::ExcessiveOvertime, Band::High, false, 12),
        ]);
        let mut items = vec![("high", high), ("one", one), ("three", three)];
        rank(&mut items);
        let order: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
        // The band comes first whatever the counts; within it, three indicators beat one.
        assert_eq!(order, vec!["three", "one", "high"]);
    }

    #[test]
    fn with_equal_indicators_the_larger_share_of_workers_ranks_first() {
        let passport = |affected, workforce| {
            Rating::of(&[scoped(
                flag(
                    Indicator::RetentionOfIdentityDocuments,
                    Band::Critical,
                    true,
                    20,
                ),
                affected,
                workforce,
            )])
        };
        let few = passport(5, 500); // 1 %
        let many = passport(300, 500); // 60 %
        assert_eq!(few.share_affected, 0.01);
        assert_eq!(many.share_affected, 0.6);
        // A rule that names no count concerns the whole workforce.
        let unscoped = Rating::of(&[flag(
            Indicator::RetentionOfIdentityDocuments,
            Band::Critical,
            true,
            20,
        )]);
        assert_eq!(unscoped.share_affected, 1.0);
        let mut items = vec![("few", few), ("unscoped", unscoped), ("many", many)];
        rank(&mut items);
        let order: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, vec!["unscoped", "many", "few"]);
    }

    #[test]
    fn then_knock_outs_then_the_number_of_flags_then_the_score() {
        let matrix = Rating::of(&[flag(Indicator::DebtBondage, Band::Critical, false, 25)]);
        let knock_out = Rating::of(&[flag(Indicator::DebtBondage, Band::Critical, true, 16)]);
        assert_eq!(knock_out.severity_cmp(&matrix), Ordering::Greater);
        let two = Rating::of(&[
            flag(Indicator::Isolation, Band::High, false, 10),
            flag(Indicator::Isolation, Band::High, false, 10),
        ]);
        let one = Rating::of(&[flag(Indicator::Isolation, Band::High, false, 14)]);
        assert_eq!(two.severity_cmp(&one), Ordering::Greater);
        let low = Rating::of(&[flag(Indicator::Isolation, Band::High, false, 10)]);
        assert_eq!(one.severity_cmp(&low), Ordering::Greater);
        assert_eq!(Rating::of(&[]).severity_cmp(&low), Ordering::Less);
    }

    #[test]
    fn a_workforce_of_zero_or_missing_counts_leave_the_flag_unscoped() {
        let f = scoped(flag(Indicator::Isolation, Band::High, false, 12), 3, 0);
        assert_eq!(f.scope(), 1.0);
        let f = scoped(flag(Indicator::Isolation, Band::High, false, 12), 900, 100);
        assert_eq!(f.scope(), 1.0, "more affected than the workforce is capped");
    }
}

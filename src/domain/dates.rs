//! The range of dates the platform accepts from people.
//!
//! chrono reads years far beyond 9999 (`+262142-01-01`), and adding a duration to such a
//! date overflows and panics. Dates from users are kept to a range a survey can mean, and
//! every date the platform computes from one uses checked arithmetic as well.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};

/// The latest date accepted anywhere (a deadline, an answer).
pub fn latest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).expect("a valid date")
}

/// The earliest date accepted as an answer (e.g. when a site opened).
pub fn earliest_answer() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date")
}

/// "Today" as a date question's `validation.max` / `min: today` reads it, judged
/// generously across time zones: a respondent anywhere on earth is never refused their
/// own today. The domain is given `now`; it never reads the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Today {
    earliest: NaiveDate,
    latest: NaiveDate,
}

impl Today {
    /// Today at `now`: the date at UTC−12h (earliest) and at UTC+14h (latest).
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            earliest: (now - Duration::hours(12)).date_naive(),
            latest: (now + Duration::hours(14)).date_naive(),
        }
    }

    /// The earliest date that is today somewhere (UTC−12h): `min: today` refuses
    /// dates before it.
    pub fn earliest(self) -> NaiveDate {
        self.earliest
    }

    /// The latest date that is today somewhere (UTC+14h): `max: today` refuses dates
    /// after it.
    pub fn latest(self) -> NaiveDate {
        self.latest
    }
}

/// How far ahead a campaign's deadline may be.
pub const MAX_DEADLINE_MONTHS_AHEAD: u32 = 5 * 12;

/// Why `deadline` is not a usable campaign deadline on `today`, if it is not.
pub fn deadline_problem(deadline: NaiveDate, today: NaiveDate) -> Option<&'static str> {
    let furthest = today
        .checked_add_months(Months::new(MAX_DEADLINE_MONTHS_AHEAD))
        .unwrap_or_else(latest)
        .min(latest());
    if deadline < today {
        Some("the deadline is in the past")
    } else if deadline > furthest {
        Some("the deadline is more than 5 years away")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn today_is_the_latest_date_at_utc_plus_14_and_the_earliest_at_utc_minus_12() {
        // 09:59 UTC is 23:59 at UTC+14: still the same day there.
        let t = Today::at(at("2026-06-15T09:59:59Z"));
        assert_eq!(t.latest(), d("2026-06-15"));
        // 10:00 UTC is already the next day at UTC+14.
        let t = Today::at(at("2026-06-15T10:00:00Z"));
        assert_eq!(t.latest(), d("2026-06-16"));
        // 11:59 UTC is 23:59 the day before at UTC−12.
        let t = Today::at(at("2026-06-15T11:59:59Z"));
        assert_eq!(t.earliest(), d("2026-06-14"));
        let t = Today::at(at("2026-06-15T12:00:00Z"));
        assert_eq!(t.earliest(), d("2026-06-15"));
        // Across a year's end.
        let t = Today::at(at("2026-12-31T23:00:00Z"));
        assert_eq!(
            (t.earliest(), t.latest()),
            (d("2026-12-31"), d("2027-01-01"))
        );
        let t = Today::at(at("2027-01-01T01:00:00Z"));
        assert_eq!(
            (t.earliest(), t.latest()),
            (d("2026-12-31"), d("2027-01-01"))
        );
    }

    #[test]
    fn deadlines_are_between_today_and_five_years_ahead() {
        let today = d("2026-06-15");
        assert_eq!(deadline_problem(today, today), None);
        assert_eq!(deadline_problem(d("2031-06-15"), today), None);
        assert!(deadline_problem(d("2031-06-16"), today).is_some());
        assert!(deadline_problem(d("2026-06-14"), today).is_some());
        assert!(deadline_problem(d("+262142-01-01"), today).is_some());
        // Close to the end of the range the absolute limit wins.
        assert!(deadline_problem(d("2101-01-01"), d("2099-01-01")).is_some());
    }
}

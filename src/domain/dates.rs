//! The range of dates the platform accepts from people.
//!
//! chrono reads years far beyond 9999 (`+262142-01-01`), and adding a duration to such a
//! date overflows and panics. Dates from users are kept to a range a survey can mean, and
//! every date the platform computes from one uses checked arithmetic as well.

use chrono::{Months, NaiveDate};

/// The latest date accepted anywhere (a deadline, an answer).
pub fn latest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).expect("a valid date")
}

/// The earliest date accepted as an answer (e.g. when a site opened).
pub fn earliest_answer() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date")
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

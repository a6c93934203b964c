//! When a campaign's reminders and its escalation are due: pure arithmetic on the
//! deadline, the schedule and "now", so the scheduler (`jobs::campaign_schedule`) can be
//! tested with any clock.
//!
//! Steps are numbered from 1: first the "days before the deadline" steps, earliest
//! first (with the default `{14, 7, 2}`: step 1 at deadline − 14 days, step 2 at − 7,
//! step 3 at − 2), then the weekly steps after the deadline (step 4 at deadline + 7 days,
//! step 5 at + 14 …, `weekly_after` of them). A step is due from 00:00 UTC of its day.
//!
//! Only the **latest** due step is sent: a scheduler that was stopped for a week sends
//! one reminder, not a burst. A step that fell before the launch is never sent (the
//! invitation itself just went). The escalation is due once the deadline day has ended.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A campaign's reminder schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Days before the deadline (any order, duplicates ignored, each 1..=365).
    pub days_before: Vec<i32>,
    /// Weekly reminders after the deadline, at most this many.
    pub weekly_after: i32,
}

/// One reminder step: its number and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub number: i32,
    pub at: DateTime<Utc>,
    /// After the deadline (a weekly reminder): the email says the deadline has passed.
    pub overdue: bool,
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// Every step of the schedule, in time order.
pub fn steps(deadline: NaiveDate, schedule: &Schedule) -> Vec<Step> {
    let mut before: Vec<i32> = schedule
        .days_before
        .iter()
        .copied()
        .filter(|d| (1..=365).contains(d))
        .collect();
    before.sort_unstable_by(|a, b| b.cmp(a));
    before.dedup();
    let mut out: Vec<Step> = before
        .iter()
        .map(|d| (midnight(deadline) - Duration::days(i64::from(*d)), false))
        .chain((1..=schedule.weekly_after.clamp(0, 52)).map(|week| {
            (
                midnight(deadline) + Duration::days(7 * i64::from(week)),
                true,
            )
        }))
        .enumerate()
        .map(|(i, (at, overdue))| Step {
            number: i as i32 + 1,
            at,
            overdue,
        })
        .collect();
    out.sort_by_key(|s| s.at);
    out
}

/// The step to send now: the latest one due at `now` that fell after `launched_at`;
/// `None` when there is none.
pub fn due_step(
    deadline: NaiveDate,
    schedule: &Schedule,
    launched_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Step> {
    steps(deadline, schedule)
        .into_iter()
        .rev()
        .find(|s| s.at <= now)
        .filter(|s| s.at > launched_at)
}

/// When an organisation that has not submitted becomes overdue: the end of the
/// deadline day (UTC).
pub fn overdue_at(deadline: NaiveDate) -> DateTime<Utc> {
    midnight(deadline) + Duration::days(1)
}

/// Whether the owner should be told about overdue organisations now.
pub fn escalation_due(deadline: NaiveDate, now: DateTime<Utc>) -> bool {
    now >= overdue_at(deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        format!("{s}T00:00:00Z").parse().unwrap()
    }

    fn default_schedule() -> Schedule {
        Schedule {
            days_before: vec![14, 7, 2],
            weekly_after: 4,
        }
    }

    #[test]
    fn steps_run_before_then_weekly_after() {
        let s = steps(day("2027-03-31"), &default_schedule());
        let got: Vec<(i32, DateTime<Utc>, bool)> =
            s.iter().map(|s| (s.number, s.at, s.overdue)).collect();
        assert_eq!(
            got,
            vec![
                (1, at("2027-03-17"), false),
                (2, at("2027-03-24"), false),
                (3, at("2027-03-29"), false),
                (4, at("2027-04-07"), true),
                (5, at("2027-04-14"), true),
                (6, at("2027-04-21"), true),
                (7, at("2027-04-28"), true),
            ]
        );
    }

    #[test]
    fn order_and_duplicates_of_days_do_not_matter() {
        let a = steps(day("2027-03-31"), &default_schedule());
        let b = steps(
            day("2027-03-31"),
            &Schedule {
                days_before: vec![2, 14, 7, 7, 0, 400],
                weekly_after: 4,
            },
        );
        assert_eq!(a, b);
    }

    #[test]
    fn the_latest_due_step_after_the_launch_is_sent() {
        let deadline = day("2027-03-31");
        let s = default_schedule();
        let launched = at("2027-03-01");
        assert_eq!(due_step(deadline, &s, launched, at("2027-03-16")), None);
        assert_eq!(
            due_step(deadline, &s, launched, at("2027-03-17")).map(|s| s.number),
            Some(1)
        );
        assert_eq!(
            due_step(deadline, &s, launched, at("2027-03-23")).map(|s| s.number),
            Some(1)
        );
        // A scheduler stopped for a long time sends the latest step only.
        assert_eq!(
            due_step(deadline, &s, launched, at("2027-03-30")).map(|s| s.number),
            Some(3)
        );
        let weekly = due_step(deadline, &s, launched, at("2027-04-08")).unwrap();
        assert_eq!((weekly.number, weekly.overdue), (4, true));
        assert_eq!(
            due_step(deadline, &s, launched, at("2028-01-01")).map(|s| s.number),
            Some(7),
            "no more than weekly_after weekly steps"
        );
    }

    #[test]
    fn steps_before_the_launch_are_skipped() {
        let deadline = day("2027-03-31");
        let s = default_schedule();
        // Launched 5 days before the deadline: the 14- and 7-day steps never go.
        let launched: DateTime<Utc> = "2027-03-26T10:00:00Z".parse().unwrap();
        assert_eq!(due_step(deadline, &s, launched, at("2027-03-27")), None);
        assert_eq!(
            due_step(deadline, &s, launched, at("2027-03-29")).map(|s| s.number),
            Some(3)
        );
    }

    #[test]
    fn no_weekly_steps_when_the_limit_is_zero() {
        let s = Schedule {
            days_before: vec![],
            weekly_after: 0,
        };
        assert!(steps(day("2027-03-31"), &s).is_empty());
        assert_eq!(
            due_step(day("2027-03-31"), &s, at("2027-01-01"), at("2027-06-01")),
            None
        );
    }

    #[test]
    fn escalation_after_the_deadline_day() {
        let deadline = day("2027-03-31");
        assert!(!escalation_due(
            deadline,
            "2027-03-31T23:59:59Z".parse().unwrap()
        ));
        assert!(escalation_due(deadline, at("2027-04-01")));
    }
}

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
//!
//! The schedule follows the deadline in force: when a launched campaign's deadline is
//! extended, its steps are those of the new deadline, counted from the change
//! ([`counted_from`]: a step that fell between the launch and the change is never sent),
//! and each step and the escalation are sent once per deadline (the scheduler's
//! deduplication keys name it), so contacts are reminded before the new deadline and the
//! owner is told again who is overdue after it.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// From when a campaign's schedule counts: when it was opened to answers (its launch;
/// for a campaign created open, without an audience, its links issued one by one and
/// never launched, its creation), or the last change of its deadline if that came
/// later; `None` for a draft, which has no schedule yet.
pub fn counted_from(
    draft: bool,
    launched_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    deadline_changed_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let opened = launched_at.or((!draft).then_some(created_at))?;
    Some(deadline_changed_at.map_or(opened, |changed| changed.max(opened)))
}

/// The step to send now: the latest one due at `now` that fell after `from`
/// ([`counted_from`]); `None` when there is none.
pub fn due_step(
    deadline: NaiveDate,
    schedule: &Schedule,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Step> {
    steps(deadline, schedule)
        .into_iter()
        .rev()
        .find(|s| s.at <= now)
        .filter(|s| s.at > from)
}

/// The next reminder the schedule will send after `now`: the first step after both `now`
/// and `from` ([`counted_from`]: a step before it is never sent); for a draft (`from`
/// `None`), as if it were launched at `now`. `None`: no reminder is left.
pub fn next_step(
    deadline: NaiveDate,
    schedule: &Schedule,
    from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Step> {
    let after = from.map_or(now, |from| from.max(now));
    steps(deadline, schedule).into_iter().find(|s| s.at > after)
}

/// What the overview and the campaign page say of the next reminder once every
/// organisation has submitted (the schedule's next step would reach nobody).
pub const NONE_NEEDED: &str = "none needed: every organisation has submitted";

/// A step as the campaign page says it: "2027-03-17 (14 days before the deadline)",
/// "2027-04-07 (1 week after the deadline)".
pub fn describe_step(step: &Step, deadline: NaiveDate) -> String {
    let days = (midnight(deadline) - step.at).num_days();
    let when = if step.overdue {
        let weeks = -days / 7;
        format!("{weeks} week{} after", if weeks == 1 { "" } else { "s" })
    } else {
        format!("{days} day{} before", if days == 1 { "" } else { "s" })
    };
    format!("{} ({when} the deadline)", step.at.date_naive())
}

/// A schedule as the campaign page says it: "14, 7, 2 days before the deadline, then
/// weekly (at most 4)".
pub fn describe_schedule(schedule: &Schedule) -> String {
    let before = match schedule.days_before.as_slice() {
        [] => "none before the deadline".to_string(),
        [1] => "1 day before the deadline".to_string(),
        days => format!(
            "{} days before the deadline",
            days.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    match schedule.weekly_after {
        0 => format!("{before}, none after it"),
        n => format!("{before}, then weekly (at most {n})"),
    }
}

/// When an organisation that has not submitted becomes overdue: the end of the
/// deadline day (UTC).
pub fn overdue_at(deadline: NaiveDate) -> DateTime<Utc> {
    midnight(deadline) + Duration::days(1)
}

/// Whether `deadline` has passed at `now` (its day has ended, UTC): the organisations
/// that have not submitted are overdue, the owner is told, and an email or page that
/// names the deadline says it has passed.
pub fn deadline_passed(deadline: NaiveDate, now: DateTime<Utc>) -> bool {
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
    fn the_next_step_is_the_first_after_now_and_the_launch() {
        let deadline = day("2027-03-31");
        let s = default_schedule();
        let next = |launched: Option<&str>, now: &str| {
            next_step(deadline, &s, launched.map(at), at(now))
                .map(|step| describe_step(&step, deadline))
        };
        assert_eq!(
            next(Some("2027-03-01"), "2027-03-02").as_deref(),
            Some("2027-03-17 (14 days before the deadline)")
        );
        // The step of today is due now: the next one is the following step.
        assert_eq!(
            next(Some("2027-03-01"), "2027-03-17").as_deref(),
            Some("2027-03-24 (7 days before the deadline)")
        );
        // Launched after two steps had passed; a draft reads as if launched now.
        assert_eq!(
            next(Some("2027-03-25"), "2027-03-25").as_deref(),
            Some("2027-03-29 (2 days before the deadline)")
        );
        assert_eq!(
            next(None, "2027-03-25").as_deref(),
            Some("2027-03-29 (2 days before the deadline)")
        );
        assert_eq!(
            next(Some("2027-03-01"), "2027-04-01").as_deref(),
            Some("2027-04-07 (1 week after the deadline)")
        );
        assert_eq!(
            next(Some("2027-03-01"), "2027-04-08").as_deref(),
            Some("2027-04-14 (2 weeks after the deadline)")
        );
        assert_eq!(next(Some("2027-03-01"), "2027-04-28"), None);
    }

    #[test]
    fn a_schedule_reads_as_a_sentence() {
        assert_eq!(
            describe_schedule(&default_schedule()),
            "14, 7, 2 days before the deadline, then weekly (at most 4)"
        );
        let only_after = Schedule {
            days_before: vec![],
            weekly_after: 2,
        };
        assert_eq!(
            describe_schedule(&only_after),
            "none before the deadline, then weekly (at most 2)"
        );
        let one_day = Schedule {
            days_before: vec![1],
            weekly_after: 0,
        };
        assert_eq!(
            describe_schedule(&one_day),
            "1 day before the deadline, none after it"
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
    fn an_extended_deadline_counts_its_steps_from_the_change() {
        let s = default_schedule();
        let launched: DateTime<Utc> = "2027-03-01T10:00:00Z".parse().unwrap();
        // Three days before the old deadline (2027-03-31), it moves to 2027-04-03: the new
        // schedule's 7-day step (2027-03-27) fell before the change and never goes.
        let changed: DateTime<Utc> = "2027-03-28T09:00:00Z".parse().unwrap();
        let created = launched - Duration::days(5);
        let from = counted_from(false, Some(launched), created, Some(changed)).unwrap();
        assert_eq!(from, changed);
        let new_deadline = day("2027-04-03");
        assert_eq!(
            due_step(
                new_deadline,
                &s,
                from,
                at("2027-03-28") + Duration::hours(12)
            ),
            None
        );
        let next = next_step(new_deadline, &s, Some(from), changed).unwrap();
        assert_eq!((next.number, next.at), (3, at("2027-04-01")));
        assert_eq!(
            due_step(new_deadline, &s, from, at("2027-04-01")).map(|s| s.number),
            Some(3)
        );
        // A change before the launch (a draft's) counts from the launch; a draft from none.
        assert_eq!(
            counted_from(
                false,
                Some(launched),
                created,
                Some(launched - Duration::days(3))
            ),
            Some(launched)
        );
        assert_eq!(counted_from(true, None, created, Some(changed)), None);
        // Opened: the launch; a campaign created open (links one by one) at its creation.
        let created: DateTime<Utc> = "2027-02-20T08:00:00Z".parse().unwrap();
        assert_eq!(
            counted_from(false, Some(launched), created, None),
            Some(launched)
        );
        assert_eq!(counted_from(false, None, created, None), Some(created));
        assert_eq!(counted_from(true, None, created, None), None);
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
        assert!(!deadline_passed(
            deadline,
            "2027-03-31T23:59:59Z".parse().unwrap()
        ));
        assert!(deadline_passed(deadline, at("2027-04-01")));
    }
}

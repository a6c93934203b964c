//! A campaign's life: draft → open (launched) → closed, what each state allows, and the
//! audience a draft is launched to. Pure rules; the services apply them in transactions.
//!
//! A campaign pins one questionnaire version for its whole life: no state allows
//! changing it. It is launched once: launching an open or closed campaign changes
//! nothing (the service says so). A launched campaign can still reach more
//! organisations or contacts, extend its deadline and be closed.

pub use super::states::CampaignStatus;
use super::states::OrganisationKind;
use super::{countries, dates};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Something a person asks of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Launch,
    AddOrganisations,
    AddContacts,
    ExtendDeadline,
    EditDraft,
    Close,
    /// A reminder sent now by hand to one organisation.
    Remind,
    /// Another staff member becomes the owner (the emails' Reply-To, the escalation).
    ChangeOwner,
}

/// What happens when `action` is asked of a campaign in a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Nothing to do, and that is not an error (a second launch): say so.
    AlreadyDone(&'static str),
    /// Refused, with the reason for a person.
    Refused(&'static str),
}

impl CampaignStatus {
    /// A label for the staff pages.
    pub fn label(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "Draft",
            CampaignStatus::Open => "Launched",
            CampaignStatus::Closed => "Closed",
        }
    }

    /// Whether `action` may be done in this state.
    pub fn allows(self, action: Action) -> Verdict {
        use Action::*;
        use CampaignStatus::*;
        match (self, action) {
            (Draft, Launch) => Verdict::Allowed,
            (Open, Launch) => Verdict::AlreadyDone("the campaign is already launched"),
            (Closed, Launch) => Verdict::AlreadyDone("the campaign was launched and is closed"),
            (Draft, EditDraft) => Verdict::Allowed,
            (Open, EditDraft) => Verdict::Refused(
                "only a draft can be edited: this campaign is launched, so its questionnaire version is pinned for life; change its deadline, add organisations or re-send to contacts with the actions on its page",
            ),
            (Closed, EditDraft) => Verdict::Refused(
                "only a draft can be edited: this campaign is closed, and its questionnaire version is pinned for life",
            ),
            (Draft, AddOrganisations | AddContacts | Remind) => {
                Verdict::Refused("launch the campaign first: a draft sends nothing")
            }
            (Open, AddOrganisations | AddContacts | ExtendDeadline | Remind) => Verdict::Allowed,
            (Draft, ExtendDeadline) => Verdict::Allowed,
            (Closed, AddOrganisations | AddContacts | ExtendDeadline | Remind) => {
                Verdict::Refused("the campaign is closed")
            }
            // Nothing was sent: a draft is deleted, never closed.
            (Draft, Close) => Verdict::Refused(
                "a draft was never launched: delete it instead of closing it",
            ),
            (Open, Close) => Verdict::Allowed,
            (Closed, Close) => Verdict::AlreadyDone("the campaign is already closed"),
            (Draft | Open, ChangeOwner) => Verdict::Allowed,
            (Closed, ChangeOwner) => {
                Verdict::Refused("the campaign is closed: it sends nothing more, so its owner stays as it was")
            }
        }
    }
}

/// Why `new` cannot replace the deadline `current` on `today`, if it cannot: it must
/// be a usable deadline (`dates::deadline_problem`) and, once launched, not earlier
/// than the one the invitations announced.
pub fn deadline_change_problem(
    status: CampaignStatus,
    current: NaiveDate,
    new: NaiveDate,
    today: NaiveDate,
) -> Option<&'static str> {
    if let Some(p) = dates::deadline_problem(new, today) {
        return Some(p);
    }
    if new < earliest_deadline(status, current, today) {
        return Some("an open campaign's deadline can only be extended");
    }
    None
}

/// The earliest deadline a change may set (the date field's `min`): today, and for a
/// campaign that is no longer a draft, not before its current deadline.
pub fn earliest_deadline(
    status: CampaignStatus,
    current: NaiveDate,
    today: NaiveDate,
) -> NaiveDate {
    if status == CampaignStatus::Draft {
        today
    } else {
        today.max(current)
    }
}

/// Which organisations a campaign goes to: some picked by hand, or every active one
/// that matches a filter (empty fields match everything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Audience {
    Organisations(Vec<Uuid>),
    Filter(AudienceFilter),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceFilter {
    /// `production_base` or `supplier`.
    pub kind: Option<String>,
    /// ISO 3166 alpha-2 code.
    pub country: Option<String>,
    pub sector: Option<String>,
    pub business_unit: Option<String>,
    pub owner_user_id: Option<Uuid>,
    /// Only organisations that have not submitted a response (in any campaign) in
    /// this many days before the launch: next round's audience without those that
    /// answered recently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_answered_within_days: Option<i32>,
}

/// The longest look-back of [`AudienceFilter::not_answered_within_days`].
pub const MAX_NOT_ANSWERED_DAYS: i32 = 3650;

/// Organisations picked for one audience, at most.
pub const MAX_PICKED: usize = 50_000;

impl Audience {
    /// The audience cleaned (trimmed, empty strings as absent, picked ids without
    /// duplicates, country upper case), or the field and message of everything wrong.
    pub fn normalised(self) -> Result<Audience, Vec<(&'static str, String)>> {
        match self {
            Audience::Organisations(ids) => {
                let mut seen = std::collections::HashSet::new();
                let ids: Vec<Uuid> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
                if ids.is_empty() {
                    return Err(vec![(
                        "audience",
                        "pick at least one organisation, or give a filter".into(),
                    )]);
                }
                if ids.len() > MAX_PICKED {
                    return Err(vec![(
                        "audience",
                        format!("pick at most {MAX_PICKED} organisations, or give a filter"),
                    )]);
                }
                Ok(Audience::Organisations(ids))
            }
            Audience::Filter(f) => {
                let clean =
                    |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
                let f = AudienceFilter {
                    kind: clean(f.kind),
                    country: clean(f.country).map(|c| c.to_ascii_uppercase()),
                    sector: clean(f.sector),
                    business_unit: clean(f.business_unit),
                    owner_user_id: f.owner_user_id,
                    not_answered_within_days: f.not_answered_within_days,
                };
                let mut problems = Vec::new();
                if f.not_answered_within_days
                    .is_some_and(|d| !(1..=MAX_NOT_ANSWERED_DAYS).contains(&d))
                {
                    problems.push((
                        "audience.not_answered_within_days",
                        format!("give 1 to {MAX_NOT_ANSWERED_DAYS} days"),
                    ));
                }
                if let Some(k) = &f.kind {
                    if OrganisationKind::parse(k).is_none() {
                        problems.push(("audience.kind", "give production_base or supplier".into()));
                    }
                }
                if let Some(c) = &f.country {
                    // The same check as the organisations' own country and their list's filter.
                    if !countries::is_code(c) {
                        problems.push((
                            "audience.country",
                            format!("\"{c}\" is not an ISO 3166 country code (e.g. JP, VN)"),
                        ));
                    }
                }
                for (field, v) in [
                    ("audience.sector", &f.sector),
                    ("audience.business_unit", &f.business_unit),
                ] {
                    if v.as_ref().is_some_and(|v| v.chars().count() > 100) {
                        problems.push((field, "at most 100 characters".into()));
                    }
                }
                if problems.is_empty() {
                    Ok(Audience::Filter(f))
                } else {
                    Err(problems)
                }
            }
        }
    }
}

/// A field's name and what is wrong with it.
pub type FieldProblem = (&'static str, &'static str);

/// A reminder schedule: days before the deadline (distinct, 1 to 365, at most 10,
/// latest first) and how many weekly reminders after it (0 to 52), or every field
/// that is wrong.
pub fn reminder_schedule(
    days_before: Vec<i32>,
    weekly_after: i32,
) -> Result<(Vec<i32>, i32), Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if days_before.iter().any(|d| !(1..=365).contains(d)) {
        problems.push(("reminder_days_before", "each day must be between 1 and 365"));
    }
    let mut days = days_before;
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() > 10 {
        problems.push((
            "reminder_days_before",
            "at most 10 reminders before the deadline",
        ));
    }
    if !(0..=52).contains(&weekly_after) {
        problems.push(("reminder_weekly_after", "between 0 and 52 weekly reminders"));
    }
    if problems.is_empty() {
        Ok((days, weekly_after))
    } else {
        Err(problems)
    }
}

/// Days a campaign's links work after its deadline.
pub const LINK_DAYS_AFTER_DEADLINE: i64 = 30;

/// Days a link issued late works at least: an organisation added, or a link sent again,
/// near or after the deadline gets this long to answer (its email says the deadline has
/// passed).
pub const LATE_LINK_DAYS: i64 = 14;

/// When a link issued at `now` for a campaign due on `deadline` stops working: at the
/// end of the deadline's day plus [`LINK_DAYS_AFTER_DEADLINE`], and never sooner than
/// [`LATE_LINK_DAYS`] from `now`; `None` past the latest date this service accepts.
pub fn link_expiry(deadline: NaiveDate, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    deadline
        .and_hms_opt(23, 59, 59)
        .and_then(|end| {
            end.and_utc()
                .checked_add_signed(Duration::days(LINK_DAYS_AFTER_DEADLINE))
        })
        .and_then(|end| Some(end.max(now.checked_add_signed(Duration::days(LATE_LINK_DAYS))?)))
        .filter(|t| t.date_naive() <= dates::latest())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn launch_once_then_already_done() {
        assert_eq!(
            CampaignStatus::Draft.allows(Action::Launch),
            Verdict::Allowed
        );
        assert!(matches!(
            CampaignStatus::Open.allows(Action::Launch),
            Verdict::AlreadyDone(_)
        ));
        assert!(matches!(
            CampaignStatus::Closed.allows(Action::Launch),
            Verdict::AlreadyDone(_)
        ));
    }

    #[test]
    fn launched_campaign_grows_and_closes_but_keeps_its_questionnaire() {
        for a in [
            Action::AddOrganisations,
            Action::AddContacts,
            Action::ExtendDeadline,
            Action::Close,
        ] {
            assert_eq!(CampaignStatus::Open.allows(a), Verdict::Allowed, "{a:?}");
        }
        assert!(matches!(
            CampaignStatus::Open.allows(Action::EditDraft),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            CampaignStatus::Closed.allows(Action::AddContacts),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            CampaignStatus::Draft.allows(Action::Close),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            CampaignStatus::Closed.allows(Action::Close),
            Verdict::AlreadyDone(_)
        ));
        assert!(matches!(
            CampaignStatus::Draft.allows(Action::AddOrganisations),
            Verdict::Refused(_)
        ));
    }

    #[test]
    fn a_draft_or_open_campaign_changes_hands_a_closed_one_keeps_its_owner() {
        for status in [CampaignStatus::Draft, CampaignStatus::Open] {
            assert_eq!(status.allows(Action::ChangeOwner), Verdict::Allowed);
        }
        assert!(matches!(
            CampaignStatus::Closed.allows(Action::ChangeOwner),
            Verdict::Refused(_)
        ));
    }

    #[test]
    fn deadlines_not_in_the_past_and_only_extended_once_launched() {
        let today = d("2026-11-29");
        assert!(deadline_change_problem(
            CampaignStatus::Draft,
            d("2026-12-31"),
            d("2026-11-28"),
            today
        )
        .is_some());
        assert_eq!(
            deadline_change_problem(
                CampaignStatus::Draft,
                d("2026-12-31"),
                d("2026-12-10"),
                today
            ),
            None
        );
        assert!(deadline_change_problem(
            CampaignStatus::Open,
            d("2026-12-31"),
            d("2026-12-10"),
            today
        )
        .is_some());
        assert_eq!(
            deadline_change_problem(
                CampaignStatus::Open,
                d("2026-12-31"),
                d("2027-01-31"),
                today
            ),
            None
        );
        assert!(deadline_change_problem(
            CampaignStatus::Open,
            d("2026-12-31"),
            d("2099-01-31"),
            today
        )
        .is_some());
        // The date field's lower bound says the same.
        assert_eq!(
            earliest_deadline(CampaignStatus::Draft, d("2026-12-31"), today),
            today
        );
        assert_eq!(
            earliest_deadline(CampaignStatus::Open, d("2026-12-31"), today),
            d("2026-12-31")
        );
        // An open campaign already past its deadline: from today.
        assert_eq!(
            earliest_deadline(CampaignStatus::Open, d("2026-11-01"), today),
            today
        );
    }

    #[test]
    fn audience_rules() {
        let id = Uuid::new_v4();
        assert_eq!(
            Audience::Organisations(vec![id, id]).normalised().unwrap(),
            Audience::Organisations(vec![id])
        );
        assert_eq!(
            Audience::Organisations(vec![]).normalised().unwrap_err()[0].0,
            "audience"
        );
        let f = Audience::Filter(AudienceFilter {
            kind: Some("supplier".into()),
            country: Some(" jp ".into()),
            sector: Some("  ".into()),
            ..Default::default()
        })
        .normalised()
        .unwrap();
        assert_eq!(
            f,
            Audience::Filter(AudienceFilter {
                kind: Some("supplier".into()),
                country: Some("JP".into()),
                ..Default::default()
            })
        );
        let bad = Audience::Filter(AudienceFilter {
            kind: Some("factory".into()),
            ..Default::default()
        });
        assert_eq!(bad.normalised().unwrap_err()[0].0, "audience.kind");
        // Every wrong field at once; a country must be an ISO code, not just two letters.
        let bad = Audience::Filter(AudienceFilter {
            kind: Some("factory".into()),
            country: Some("zz".into()),
            ..Default::default()
        });
        let fields: Vec<_> = bad
            .normalised()
            .unwrap_err()
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(fields, ["audience.kind", "audience.country"]);
        let json: Audience =
            serde_json::from_str(r#"{"filter": {"country": "VN"}}"#).expect("filter json");
        assert!(matches!(json, Audience::Filter(_)));
        let json: Audience =
            serde_json::from_str(&format!(r#"{{"organisations": ["{id}"]}}"#)).unwrap();
        assert_eq!(json, Audience::Organisations(vec![id]));
    }

    #[test]
    fn reminder_schedule_rules() {
        assert_eq!(
            reminder_schedule(vec![2, 14, 7, 7], 4).unwrap(),
            (vec![14, 7, 2], 4)
        );
        assert_eq!(
            reminder_schedule(vec![0], 4).unwrap_err()[0].0,
            "reminder_days_before"
        );
        assert_eq!(
            reminder_schedule(vec![], 53).unwrap_err()[0].0,
            "reminder_weekly_after"
        );
    }

    #[test]
    fn a_link_works_30_days_past_the_deadline_and_at_least_14_days_from_its_issue() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let deadline: NaiveDate = "2027-03-31".parse().unwrap();
        // Issued well before the deadline: 30 days after its end.
        assert_eq!(
            link_expiry(deadline, at("2027-03-01T09:00:00Z")),
            Some(at("2027-04-30T23:59:59Z"))
        );
        // Issued 25 days after it: 14 days from then, not 5.
        assert_eq!(
            link_expiry(deadline, at("2027-04-25T09:00:00Z")),
            Some(at("2027-05-09T09:00:00Z"))
        );
        // Past the dates the service accepts.
        assert_eq!(
            link_expiry(dates::latest(), at("2027-03-01T09:00:00Z")),
            None
        );
    }
}

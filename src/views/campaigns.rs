//! Staff pages of campaigns (issue 8): the list, the draft form, and the campaign page
//! with its progress (totals, a server-drawn SVG chart, filters, organisations and
//! contacts with their actions) and an organisation's timeline.

use super::staff::StaffNav;
use crate::domain::campaign_progress::{ContactProgress, OrganisationProgress, Progress, Stage};
use askama::Template;

pub struct ListItem {
    pub id: String,
    pub name: String,
    pub questionnaire: String,
    pub deadline: String,
    /// "in 5 days", "3 days ago"; empty for a closed campaign.
    pub deadline_when: String,
    pub status: String,
    pub progress: String,
    /// The owner's name; empty when the campaign has no active owner.
    pub owner: String,
}

#[derive(Template)]
#[template(path = "staff/campaigns.html")]
pub struct CampaignList {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub can_manage: bool,
    pub items: Vec<ListItem>,
    /// Whether any filter is set (the empty list then says nothing matched).
    pub filtered: bool,
    /// The filter as given: status, owner (`me`, `none` or an id) and name.
    pub filter_status: String,
    pub filter_owner: String,
    pub filter_q: String,
    /// Members who can own a campaign: (id, "Name <email>").
    pub owners: Vec<(String, String)>,
}

/// The draft form, for a new draft or to edit one; it keeps what was typed when it
/// comes back with errors.
#[derive(Template)]
#[template(path = "staff/campaign_new.html")]
pub struct NewCampaignPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// Where the form posts: a new draft, or the draft's edit.
    pub action: String,
    /// The way back: (url, label).
    pub back: (String, String),
    /// Editing a stored draft (not a new one).
    pub editing: bool,
    pub errors: Vec<(String, String)>,
    /// (value, label, selected) of each stored questionnaire version.
    pub versions: Vec<(String, String, bool)>,
    /// (id, label, checked): the organisations picked, then those the search finds.
    pub organisations: Vec<(String, String, bool)>,
    /// The search that narrows the organisations listed.
    pub org_q: String,
    /// Says when the list is cut ("" when every match is listed).
    pub picker_note: String,
    pub name: String,
    pub deadline: String,
    pub message: String,
    pub reminders: String,
    pub weekly_after: String,
    pub kind: String,
    /// (value, label, selected) of the countries, sectors and business units in use
    /// (`audience_choices`).
    pub countries: Vec<(String, String, bool)>,
    pub sectors: Vec<(String, String, bool)>,
    pub business_units: Vec<(String, String, bool)>,
    /// (id, label, selected) of each staff member who may own organisations.
    pub owners: Vec<(String, String, bool)>,
    /// (value, label, selected) of the filter's "not answered in …" choices.
    pub not_answered: Vec<(String, String, bool)>,
    pub use_filter: bool,
    /// The draft's version the form was read at (editing only).
    pub draft_version: String,
    /// The campaign this draft is copied from ("Run again"), carried by the form.
    pub copied_from: String,
    /// What the copy took from it and what to check, above the form (on its first
    /// opening only).
    pub copy_notes: Vec<String>,
    /// After a save refused because the draft changed meanwhile: (field, value saved
    /// now) of each field changed; empty otherwise.
    pub stale: Vec<(String, String)>,
}

/// The choices of one audience filter field: the values in use (`label` of each), the
/// draft's `current` one selected, and kept as a choice when no organisation has it
/// any more (so that editing the draft does not silently drop it).
pub fn audience_choices(
    in_use: &[String],
    current: &str,
    label: impl Fn(&str) -> String,
) -> Vec<(String, String, bool)> {
    let current = current.trim();
    let mut out: Vec<_> = in_use
        .iter()
        .map(|v| (v.clone(), label(v), v == current))
        .collect();
    if !current.is_empty() && !out.iter().any(|c| c.2) {
        out.push((current.to_string(), label(current), true));
    }
    out
}

/// The values a draft has now, for the fields changed meanwhile (all of them when
/// which cannot be told): (label, value) from the draft as form fields and the names
/// of its picked organisations.
pub fn stale_values(
    current: &[(String, String)],
    changed: &[String],
    picked_names: &[String],
) -> Vec<(String, String)> {
    let get = |k: &str| {
        current
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = [
        "name",
        "questionnaire",
        "deadline",
        "message",
        "reminder_days_before",
        "reminder_weekly_after",
        "audience",
    ];
    let fields: Vec<&str> = if changed.is_empty() {
        all.to_vec()
    } else {
        changed.iter().map(String::as_str).collect()
    };
    let none = |v: String| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            v
        }
    };
    fields
        .into_iter()
        .map(|f| {
            let value = match f {
                "questionnaire" => get("version"),
                "audience" if get("use_filter").is_empty() => {
                    format!("{} picked: {}", picked_names.len(), picked_names.join(", "))
                }
                "audience" => {
                    let parts: Vec<String> = ["kind", "country", "sector", "business_unit"]
                        .iter()
                        .filter(|k| !get(k).is_empty())
                        .map(|k| format!("{}: {}", k.replace('_', " "), get(k)))
                        .collect();
                    format!("the filter ({})", none(parts.join(", ")))
                }
                "owner_user_id" | "link_grace_days" => "(not on this form)".into(),
                other => get(other),
            };
            (field_label(f).to_string(), none(value))
        })
        .collect()
}

/// A draft's field as the notice after an edit names it.
pub fn field_label(field: &str) -> &str {
    match field {
        "reminder_days_before" => "reminders before the deadline",
        "reminder_weekly_after" => "weekly reminders",
        "link_grace_days" => "link grace period",
        "owner_user_id" => "owner",
        other => other,
    }
}

/// What the "Add an organisation" block says once the deadline has passed (empty
/// before): an organisation added now is asked to answer soon, until when its links
/// work, and that a new deadline gives it a date.
pub fn late_addition_note(
    deadline: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    if !crate::domain::reminders::deadline_passed(deadline, now) {
        return String::new();
    }
    let until = crate::domain::campaign::link_expiry(deadline, now)
        .map(|t| format!(" until {}", t.date_naive()))
        .unwrap_or_default();
    format!(
        "The deadline ({deadline}) has passed: an organisation added now is asked to answer as soon as it can, and its links work{until}. To give it a date to answer by, change the deadline first."
    )
}

/// What a picker says of its list: nothing when it lists every match, else how many
/// of how many and that a search narrows it.
pub fn picker_note(shown: usize, matching: usize, search: &str) -> String {
    if shown >= matching {
        if !search.trim().is_empty() && matching == 0 {
            return format!(
                "No active organisation matches \u{201c}{}\u{201d}.",
                search.trim()
            );
        }
        return String::new();
    }
    format!(
        "Showing {} of {} organisations{}: search to narrow.",
        crate::domain::text::grouped_digits(&shown.to_string()),
        crate::domain::text::grouped_digits(&matching.to_string()),
        if search.trim().is_empty() {
            String::new()
        } else {
            format!(" matching \u{201c}{}\u{201d}", search.trim())
        }
    )
}

/// The audience filter's look-back choices: any organisation, or those that have not
/// answered in the last 12 months or 2 years; a stored number of days that is neither
/// (the API takes any) is offered too, so that saving the form keeps it.
pub fn not_answered_choices(value: &str) -> Vec<(String, String, bool)> {
    let mut choices: Vec<(String, String, bool)> = [
        ("", "whether or not it answered before"),
        ("365", "not answered in the last 12 months"),
        ("730", "not answered in the last 2 years"),
    ]
    .into_iter()
    .map(|(v, l)| (v.to_string(), l.to_string(), v == value))
    .collect();
    if !choices.iter().any(|c| c.2) && value.parse::<i32>().is_ok() {
        choices.push((
            value.to_string(),
            format!("not answered in the last {value} days"),
            true,
        ));
    }
    choices
}

/// The form's fields and the error names that belong to each (the service names the
/// questionnaire `template_id` and the filter's fields `audience.*`).
const FIELD_ERRORS: [(&str, &[&str]); 11] = [
    ("name", &["name"]),
    ("version", &["version", "template_id", "template_version"]),
    ("deadline", &["deadline"]),
    ("reminder_days_before", &["reminder_days_before"]),
    ("reminder_weekly_after", &["reminder_weekly_after"]),
    ("message", &["message"]),
    ("audience", &["audience", "organisation_ids"]),
    ("kind", &["audience.kind"]),
    ("country", &["audience.country"]),
    ("owner", &["owner"]),
    (
        "not_answered_within_days",
        &[
            "not_answered_within_days",
            "audience.not_answered_within_days",
        ],
    ),
];

impl NewCampaignPage {
    /// The deadline field's `min`: today (UTC, as the check that refuses a past date).
    pub fn deadline_min(&self) -> String {
        chrono::Utc::now().date_naive().to_string()
    }

    /// The messages for the form field `field`, joined ("" when none).
    pub fn err(&self, field: &str) -> String {
        let names = FIELD_ERRORS
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, n)| *n)
            .unwrap_or(&[]);
        self.errors
            .iter()
            .filter(|(f, _)| names.contains(&f.as_str()))
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Errors that belong to no field of the form, as "field: message".
    pub fn general(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(f, _)| !FIELD_ERRORS.iter().any(|(_, n)| n.contains(&f.as_str())))
            .map(|(f, m)| {
                if f == "error" {
                    m.clone()
                } else {
                    format!("{f}: {m}")
                }
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "staff/campaign.html")]
pub struct CampaignPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub id: String,
    pub notice: String,
    pub errors: Vec<(String, String)>,
    pub can_manage: bool,
    pub status: String,
    pub status_label: String,
    pub questionnaire: String,
    pub deadline: String,
    /// "in 20 days", "today", "3 days ago".
    pub deadline_when: String,
    /// The "New deadline" field: the deadline, or the date typed when it was refused.
    pub new_deadline: String,
    /// The date field's `min` (`domain::campaign::earliest_deadline`).
    pub deadline_min: String,
    /// The campaign this one was copied from ("Run again"): (url, name).
    pub copied_from: Option<(String, String)>,
    pub message: String,
    pub reminders: String,
    /// The next reminder's date and to whom (empty once closed).
    pub next_reminder: String,
    pub audience: String,
    /// The chart, drawn by the service from fixed labels and numbers only.
    pub chart_svg: String,
    pub progress: Progress,
    /// Organisations that may be added: (id, label), at most the picker's rows.
    pub addable: Vec<(String, String)>,
    /// The search that narrows `addable`, and what is said when the list is cut.
    pub org_q: String,
    pub addable_note: String,
    /// Once the deadline has passed: what adding an organisation now means.
    pub late_note: String,
    /// A draft's audience as a launch would invite it now.
    pub preview: Preview,
    pub filter_stage: String,
    pub filter_q: String,
    pub filter_bounced: bool,
    pub filter_overdue: bool,
    pub query: String,
    pub pager: Pager,
    pub owner: OwnerBlock,
}

/// The campaign's owner on its page, and the form that hands it to someone else.
pub struct OwnerBlock {
    /// "Name <email>", "Name <email> (account disabled)" or "none".
    pub label: String,
    /// What having no active owner means (empty while the owner is active, and once
    /// the campaign is closed: it sends nothing more).
    pub warning: String,
    /// The form's choices (id, label, selected): active members who manage campaigns;
    /// empty once the campaign is closed.
    pub choices: Vec<(String, String, bool)>,
}

/// Where the progress table's page is among all the organisations the filter keeps.
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    /// Organisations the filter keeps (on every page).
    pub listed: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// An organisation a draft's launch would invite.
pub struct PreviewRow {
    pub id: String,
    pub name: String,
    pub country: String,
    pub contacts: i64,
}

/// A draft's audience: the listed organisations and the totals of all of them.
#[derive(Default)]
pub struct Preview {
    pub rows: Vec<PreviewRow>,
    pub organisations: usize,
    pub contacts: usize,
    pub without_contacts: usize,
}

/// The campaign page's fields whose errors are shown beside them.
const BESIDE_FIELDS: [&str; 4] = ["confirm", "deadline", "delete_confirm", "owner_user_id"];

impl CampaignPage {
    /// The messages for the form field `field` (shown beside it), joined.
    pub fn err(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Errors shown at the top: all but those shown beside their field.
    pub fn general(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(f, _)| !BESIDE_FIELDS.contains(&f.as_str()))
            .map(|(f, m)| {
                if f == "error" {
                    m.clone()
                } else {
                    format!("{f}: {m}")
                }
            })
            .collect()
    }

    pub fn contacts_of<'a>(&'a self, o: &OrganisationProgress) -> Vec<&'a ContactProgress> {
        self.progress
            .contacts
            .iter()
            .filter(|c| c.organisation_id == o.organisation_id)
            .collect()
    }

    /// Whether "Re-send" / "Invite" is offered for the contacts of `o`: a launched
    /// campaign, a user who manages campaigns, not submitted
    /// (`services::campaigns::resend_refusal` refuses it then).
    pub fn can_resend(&self, o: &OrganisationProgress) -> bool {
        self.can_manage && self.status == "open" && !o.submitted
    }

    /// Whether "Remind now" is offered for `o`: a launched campaign, a user who manages
    /// campaigns, not submitted, and a contact a reminder reaches (a working link, an
    /// address the mail server has not refused).
    pub fn can_remind(&self, o: &OrganisationProgress) -> bool {
        self.can_manage
            && self.status == "open"
            && !o.submitted
            && self.contacts_of(o).iter().any(|c| {
                c.link == crate::domain::campaign_progress::LinkState::Active
                    && !c.address_refused
                    && !c.contact_deactivated
                    && !c.organisation_deactivated
            })
    }
}

/// One event on an organisation's timeline.
pub struct Event {
    pub at: String,
    pub what: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "staff/campaign_timeline.html")]
pub struct TimelinePage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub campaign_id: String,
    pub campaign_name: String,
    pub closed: bool,
    /// Where the organisation stands in the campaign, as its line on the campaign page.
    pub org: OrganisationProgress,
    pub submitted_at: String,
    pub contacts: Vec<ContactProgress>,
    pub events: Vec<Event>,
    /// Offer "Correct the address" beside a refused email (roles that manage
    /// organisations).
    pub can_correct: bool,
}

/// A contact's link as the campaign pages say it: a closed campaign's usable link takes
/// no more answers.
pub fn link_label(closed: bool, c: &ContactProgress) -> &'static str {
    if closed && c.link.as_str() == "active" {
        "closed with the campaign (no more answers)"
    } else {
        c.link.as_str()
    }
}

/// The timeline page of the one organisation `progress` was filtered to (`None` when
/// it is not in the campaign).
pub fn timeline_page(
    nav: StaffNav,
    progress: &Progress,
    closed: bool,
    events: Vec<crate::services::campaign_progress::Event>,
) -> Option<TimelinePage> {
    let org = progress.organisations.first()?.clone();
    Some(TimelinePage {
        lang: "en".into(),
        title: format!("{} in {}", org.name, progress.name),
        nav,
        campaign_id: progress.campaign_id.to_string(),
        campaign_name: progress.name.clone(),
        closed,
        can_correct: false,
        submitted_at: org
            .submitted_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default(),
        contacts: progress
            .contacts
            .iter()
            .filter(|c| c.organisation_id == org.organisation_id)
            .cloned()
            .collect(),
        events: events
            .into_iter()
            .map(|e| Event {
                at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                what: e.what,
                detail: e.detail,
            })
            .collect(),
        org,
    })
}

/// The confirm page of a re-send or a revoke: who, where, and what will happen.
#[derive(Template)]
#[template(path = "staff/campaign_confirm.html")]
pub struct ContactConfirmPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub campaign_id: String,
    pub campaign_name: String,
    pub contact_name: String,
    pub email: String,
    pub organisation_id: String,
    pub organisation_name: String,
    /// Where the confirmed form posts.
    pub action_url: String,
    /// What the action does, in one sentence.
    pub what: String,
    pub confirm_label: String,
}

/// A campaign's invitation or reminder email as it will read: subject, text and the
/// HTML part (rendered in a sandboxed frame from its own address).
#[derive(Template)]
#[template(path = "staff/campaign_email_preview.html")]
pub struct EmailPreviewPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub campaign_id: String,
    pub campaign_name: String,
    /// (label, URL, current) for each kind and each language.
    pub kinds: Vec<(String, String, bool)>,
    pub languages: Vec<(String, String, bool)>,
    pub subject: String,
    pub text: String,
    /// Where the frame loads the HTML part from.
    pub html_url: String,
    pub html: String,
}

#[cfg(test)]
mod tests {
    use super::audience_choices;

    #[test]
    fn an_audience_choice_is_selected_and_a_value_no_longer_in_use_is_kept() {
        let in_use = vec!["apparel".to_string(), "textiles".to_string()];
        let label = |v: &str| format!("<{v}>");
        assert_eq!(
            audience_choices(&in_use, "textiles", label),
            vec![
                ("apparel".into(), "<apparel>".into(), false),
                ("textiles".into(), "<textiles>".into(), true),
            ]
        );
        assert!(audience_choices(&in_use, "", label).iter().all(|c| !c.2));
        let kept = audience_choices(&in_use, " dyeing ", label);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[2], ("dyeing".into(), "<dyeing>".into(), true));
    }
}

//! The organisation pages: the filtered list, one organisation (details, contacts,
//! campaigns, edit forms), a contact's edit form and the CSV import. Forms keep what was
//! typed and show each error next to its field (`FormState`). Templates in
//! `templates/staff/orgs/`.

use crate::domain::org_import::{ImportPlan, RowError};
use crate::domain::states::OrganisationKind;
use crate::domain::text::name_and_email;
use crate::services::organisations::{
    ContactInput, ContactRecord, JoinableCampaign, OrgCampaign, OrgInput, OrgRecord, StaffMember,
};
use crate::views::staff::{count_of, noun_for, StaffNav};
use askama::Template;
use std::collections::HashMap;

/// A form's values and its errors by field.
#[derive(Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String)>,
}

impl FormState {
    pub fn with(values: &[(&str, String)]) -> FormState {
        FormState {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            errors: Vec::new(),
        }
    }

    /// The value of a field ("" when none).
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// The errors of a field, joined ("" when none).
    pub fn e(&self, name: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == name)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Errors on no field of the form (shown above it).
    pub fn general(&self, fields: &[&str]) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(f, _)| !fields.contains(&f.as_str()))
            .map(|(f, m)| format!("{f}: {m}"))
            .collect()
    }
}

/// A choice of a select: (value, label).
pub type Choice = (String, String);

pub fn kind_choices() -> Vec<Choice> {
    OrganisationKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label()))
        .collect()
}

/// An organisation form showing `input`.
pub fn org_form(input: &OrgInput) -> FormState {
    FormState::with(&[
        ("kind", input.kind.clone()),
        ("name", input.name.clone()),
        ("country", input.country.clone()),
        ("sector", input.sector.clone()),
        ("business_unit", input.business_unit.clone()),
        ("owner", input.owner.clone()),
        ("external_ref", input.external_ref.clone()),
    ])
}

/// A contact form showing `input`.
pub fn contact_form(input: &ContactInput) -> FormState {
    FormState::with(&[
        ("name", input.name.clone()),
        ("email", input.email.clone()),
        ("language", input.language.clone()),
        ("job_title", input.job_title.clone()),
    ])
}

pub fn language_choices() -> Vec<Choice> {
    crate::domain::i18n::Lang::ALL
        .iter()
        .map(|l| {
            (
                l.code().to_string(),
                format!("{} ({})", l.native_name(), l.code()),
            )
        })
        .collect()
}

/// The countries in use, as the filter's choices: "JP · Japan" for `JP`.
pub fn country_choices(codes: &[String]) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| (c.clone(), crate::domain::countries::labelled(c)))
        .collect()
}

/// Every country, by English name, for the organisation forms: "Japan (JP)" for `JP`
/// (typing a name's first letters in the list jumps to it).
pub fn all_country_choices() -> Vec<Choice> {
    crate::domain::countries::all(crate::domain::i18n::Lang::En)
        .into_iter()
        .map(|(code, name)| (code.to_string(), format!("{name} ({code})")))
        .collect()
}

pub fn staff_choices(staff: &[StaffMember]) -> Vec<Choice> {
    staff
        .iter()
        .map(|s| {
            let label = if s.disabled {
                format!("{} (disabled)", name_and_email(&s.name, &s.email))
            } else {
                name_and_email(&s.name, &s.email)
            };
            (s.id.to_string(), label)
        })
        .collect()
}

pub fn owner_label(staff: &[StaffMember], id: Option<uuid::Uuid>) -> String {
    id.and_then(|id| staff.iter().find(|s| s.id == id))
        .map(|s| name_and_email(&s.name, &s.email))
        .unwrap_or_default()
}

/// One line of the list.
pub struct ListRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub sector: String,
    pub business_unit: String,
    pub owner: String,
    pub external_ref: String,
    pub contacts: i64,
    /// The date it last submitted a response, or "never".
    pub last_answered: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "staff/orgs/list.html")]
pub struct ListPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub can_manage: bool,
    pub notice: String,
    /// The filter form (its values and errors).
    pub filter: FormState,
    pub kinds: Vec<Choice>,
    pub countries: Vec<Choice>,
    pub staff: Vec<Choice>,
    pub sectors: Vec<String>,
    pub business_units: Vec<String>,
    pub rows: Vec<ListRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// The query string of the filter, without the page (for paging and export links).
    pub query: String,
    pub create: FormState,
}

pub struct ContactLine {
    pub contact: ContactRecord,
    pub href: String,
}

/// The organisation's risk rating as its page states it (`views::org_rating` has the
/// whole of it on the responses page).
pub struct RatingLine {
    /// Its latest submitted responses, one per questionnaire (0: not rated).
    pub responses: usize,
    /// The worst band; empty when no answer showed risk.
    pub band: String,
    pub flags: usize,
}

#[derive(Template)]
#[template(path = "staff/orgs/organisation.html")]
pub struct OrgPageView {
    /// `None` for a role that may not see flags.
    pub rating: Option<RatingLine>,
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub can_manage: bool,
    pub notice: String,
    pub org: OrgRecord,
    pub href: String,
    pub owner: String,
    pub contacts: Vec<ContactLine>,
    pub campaigns: Vec<OrgCampaign>,
    /// Open campaigns it is not in, each with "Add and invite" (roles that manage
    /// campaigns; empty for others).
    pub joinable: Vec<JoinableCampaign>,
    pub kinds: Vec<Choice>,
    pub staff: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub edit: FormState,
    pub contact_form: FormState,
}

impl OrgPageView {
    /// Whether a joinable campaign's deadline has passed (an organisation added now is
    /// asked to answer as soon as it can).
    pub fn deadline_passed(&self, j: &JoinableCampaign) -> bool {
        crate::domain::reminders::deadline_passed(j.deadline, chrono::Utc::now())
    }
}

#[derive(Template)]
#[template(path = "staff/orgs/contact.html")]
pub struct ContactPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub org_name: String,
    /// The way back: (url, label), the organisation or the campaign the edit came from.
    pub back: (String, String),
    /// Opened from a campaign's "Correct the address".
    pub from_campaign: bool,
    pub action: String,
    pub languages: Vec<Choice>,
    pub form: FormState,
}

/// A line of the plan table.
pub struct PlanLine {
    pub line: u64,
    pub external_ref: String,
    pub name: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "staff/orgs/import.html")]
pub struct ImportPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub max_mb: usize,
    /// An error with the file as a whole, next to the file field.
    pub file_error: String,
    pub notice: String,
    /// The preview, when a file was read.
    pub previewed: bool,
    pub file_name: String,
    pub encoding: String,
    pub organisations: usize,
    pub contacts: usize,
    pub row_errors: Vec<RowError>,
    pub plan: Vec<PlanLine>,
    pub unchanged: usize,
    pub creates: usize,
    pub updates: usize,
    pub confirm_action: String,
    pub digest: String,
}

/// The plan as lines for the preview table (creates and updates; unchanged counted).
pub fn plan_lines(plan: &ImportPlan) -> Vec<PlanLine> {
    let mut lines: Vec<PlanLine> = plan
        .create
        .iter()
        .map(|o| PlanLine {
            line: o.line,
            external_ref: o.external_ref.clone(),
            name: o.fields.name.clone(),
            action: "create".into(),
            detail: format!("with {}", count_of(o.contacts.len(), "contact")),
        })
        .collect();
    lines.extend(plan.update.iter().map(|u| {
        let mut parts = Vec::new();
        if !u.changed.is_empty() {
            parts.push(format!("changes {}", u.changed.join(", ")));
        }
        if !u.new_contacts.is_empty() {
            let emails: Vec<&str> = u
                .new_contacts
                .iter()
                .map(|c| c.fields.email.as_str())
                .collect();
            parts.push(format!(
                "adds {} {}",
                noun_for(emails.len(), "contact"),
                emails.join(", ")
            ));
        }
        for c in &u.changed_contacts {
            parts.push(format!(
                "changes contact {} ({})",
                c.row.fields.email,
                c.changed.join(", ")
            ));
        }
        PlanLine {
            line: u.row.line,
            external_ref: u.row.external_ref.clone(),
            name: u.row.fields.name.clone(),
            action: "update".into(),
            detail: parts.join("; "),
        }
    }));
    lines.sort_by_key(|l| l.line);
    lines
}

//! Pages for staff: sign-in, password, and the role-dependent staff area.

use crate::auth::permissions::{Permission, Role};
use crate::auth::principal::StaffUser;
use askama::Template;

/// A link in the staff navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The header of every staff page: who is signed in and what they may open.
pub struct StaffNav {
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub links: Vec<NavLink>,
}

impl StaffNav {
    /// Only the sections the user's role allows.
    pub fn new(user: &StaffUser, current: &str) -> StaffNav {
        let all: [(&str, &str, Option<Permission>); 16] = [
            ("/staff", "Overview", None),
            (
                "/staff/organisations",
                "Organisations",
                Some(Permission::ViewOrganisations),
            ),
            (
                "/staff/campaigns",
                "Campaigns",
                Some(Permission::ViewCampaigns),
            ),
            ("/staff/flags", "Flags", Some(Permission::ViewFlags)),
            (
                "/staff/action-plans",
                "Corrective actions",
                Some(Permission::ViewFlags),
            ),
            (
                "/staff/inherent-risk",
                "Risk data",
                Some(Permission::ViewFlags),
            ),
            (
                "/staff/reassessments",
                "Re-assessments",
                Some(Permission::ViewFlags),
            ),
            ("/staff/exports", "Exports", Some(Permission::ViewFlags)),
            ("/staff/heatmap", "Heat map", Some(Permission::ViewFlags)),
            ("/staff/dashboard", "Dashboard", Some(Permission::ViewFlags)),
            (
                "/staff/ranking",
                "Risk ranking",
                Some(Permission::ViewFlags),
            ),
            ("/staff/audit", "Audit log", Some(Permission::ViewAudit)),
            ("/staff/users", "Users", Some(Permission::ManageUsers)),
            (
                "/staff/api-tokens",
                "API tokens",
                Some(Permission::ManageApiTokens),
            ),
            ("/staff/jobs", "Jobs", Some(Permission::ManageJobs)),
            ("/staff/outbox", "Outbox", Some(Permission::ManageCampaigns)),
        ];
        StaffNav {
            user_name: user.name.clone(),
            role: user.role.as_str().into(),
            csrf: user.csrf_token.clone(),
            links: all
                .into_iter()
                .filter(|(_, _, p)| p.is_none_or(|p| user.role.can(p)))
                .map(|(href, label, _)| NavLink {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/login.html")]
pub struct LoginPage {
    pub lang: String,
    pub title: String,
    pub csrf: String,
    pub email: String,
    pub next: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "staff/password_change.html")]
pub struct PasswordChangePage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub forced: bool,
    /// The refusals: beside the current or the new password, the others on top.
    pub errors: FieldErrors,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "staff/reset_request.html")]
pub struct ResetRequestPage {
    pub lang: String,
    pub title: String,
    pub csrf: String,
    pub sent: bool,
}

#[derive(Template)]
#[template(path = "staff/reset_form.html")]
pub struct ResetFormPage {
    pub lang: String,
    pub title: String,
    pub csrf: String,
    pub action: String,
    pub error: String,
}

/// A count on the overview page.
pub struct Tile {
    pub label: String,
    pub value: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// Emails not going out now, said in a sentence (empty when mail flows), and
    /// whether the member may open the jobs page about it.
    pub mail_failing: String,
    pub jobs_link: bool,
    /// What needs the member: their flags, the unassigned and the escalated ones.
    pub attention: Vec<Tile>,
    /// Open campaigns, nearest deadline first (only for roles that see campaigns).
    pub due: Vec<DueCampaign>,
    pub tiles: Vec<Tile>,
}

/// An open campaign on the overview, with how far its deadline is.
pub struct DueCampaign {
    pub href: String,
    pub name: String,
    pub deadline: String,
    /// "in 5 days", "today", "3 days ago".
    pub when: String,
    pub submitted: String,
    /// Organisations that have not submitted (overdue once the deadline has passed).
    pub outstanding: i64,
    pub past_deadline: bool,
    /// "2027-03-17 (14 days before the deadline)", or "none left".
    pub next_reminder: String,
    /// No active owner: the page says so beside the name (the overdue notice goes to the
    /// administrators, and replies to its emails reach nobody).
    pub no_owner: bool,
}

/// Generic table page: headers, rows of cells, and optional forms rendered by kind.
pub struct Row {
    pub cells: Vec<String>,
    /// A cell of links after the cells, for tables that have one: (whether it needs
    /// attention, shown strong; links (href, label); what it says without any).
    pub links: Option<LinksCell>,
    /// Row actions: (form action URL, button label, hidden field name, hidden value).
    pub actions: Vec<(String, String, String, String)>,
}

/// A table cell of links (the users table's open work).
pub struct LinksCell {
    pub attention: bool,
    pub links: Vec<(String, String)>,
    pub empty: String,
}

impl Row {
    /// A row without actions.
    pub fn cells(cells: Vec<String>) -> Row {
        Row {
            cells,
            links: None,
            actions: Vec::new(),
        }
    }
}

/// A row action: a button that posts to `url` (with one hidden field when `field` is
/// given as `(name, value)`).
pub fn action(
    url: String,
    label: &str,
    field: Option<(&str, &str)>,
) -> (String, String, String, String) {
    let (name, value) = field.unwrap_or_default();
    (url, label.into(), name.into(), value.into())
}

/// What a table page shows after a create form was posted.
#[derive(Default)]
pub struct Feedback {
    /// A secret shown once: (label, secret).
    pub reveal: Option<(String, String)>,
    pub notice: String,
    /// (field, message)
    pub errors: Vec<(String, String)>,
    /// What the refused form held, (field, value), shown in it again.
    pub typed: Vec<(String, String)>,
}

impl Feedback {
    pub fn notice(notice: String) -> Feedback {
        Feedback {
            notice,
            ..Feedback::default()
        }
    }

    /// A secret shown once, under `label`.
    pub fn reveal(label: String, secret: String) -> Feedback {
        Feedback {
            reveal: Some((label, secret)),
            ..Feedback::default()
        }
    }

    /// A refused form: its refusals and what it held.
    pub fn refused(errors: Vec<(String, String)>, typed: Vec<(String, String)>) -> Feedback {
        Feedback {
            errors,
            typed,
            ..Feedback::default()
        }
    }
}

#[derive(Template)]
#[template(path = "staff/table.html")]
pub struct TablePage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub intro: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub empty: String,
    /// A secret shown once (new one-time password or API token).
    pub reveal: String,
    pub reveal_label: String,
    pub notice: String,
    /// The create form's refusals: beside their fields, the others on top.
    pub errors: FieldErrors,
    /// The create form, when the user may create: (action, submit label, fields).
    pub form_action: String,
    pub form_submit: String,
    pub form_fields: Vec<FormField>,
    /// A class for the table's own layout rules in `app.css` ("" for none).
    pub table_class: &'static str,
    /// A smaller table above the main one (the jobs page's dead emails by answer).
    pub summary: Option<Summary>,
}

/// A table of a few rows above a table page's main one.
pub struct Summary {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

impl TablePage {
    /// An empty table page of the staff area, `current` being its place in the navigation.
    pub fn new(user: &StaffUser, current: &str, title: &str, intro: &str) -> TablePage {
        TablePage {
            lang: "en".into(),
            title: title.into(),
            nav: StaffNav::new(user, current),
            intro: intro.into(),
            headers: Vec::new(),
            rows: Vec::new(),
            empty: "Nothing here yet.".into(),
            reveal: String::new(),
            reveal_label: String::new(),
            notice: String::new(),
            errors: FieldErrors::default(),
            form_action: String::new(),
            form_submit: String::new(),
            form_fields: Vec::new(),
            table_class: "",
            summary: None,
        }
    }

    pub fn headers(mut self, headers: &[&str]) -> TablePage {
        self.headers = headers.iter().map(|h| h.to_string()).collect();
        self
    }

    /// The create form above the table.
    pub fn form(mut self, action: &str, submit: &str, fields: Vec<FormField>) -> TablePage {
        self.form_action = action.into();
        self.form_submit = submit.into();
        self.form_fields = fields;
        self
    }

    /// The outcome of a create form, shown above the table.
    pub fn with(mut self, feedback: Feedback) -> TablePage {
        if let Some((label, secret)) = feedback.reveal {
            self.reveal_label = label;
            self.reveal = secret;
        }
        self.notice = feedback.notice;
        let names: Vec<&'static str> = self.form_fields.iter().map(|f| f.name).collect();
        self.errors = FieldErrors::new(&names, feedback.errors);
        for field in &mut self.form_fields {
            field.error = self.errors.on(field.name);
            if let Some((_, value)) = feedback.typed.iter().find(|(n, _)| n == field.name) {
                field.value = value.clone();
            }
        }
        self
    }
}

/// `n` and an English noun that takes an "s" in the plural: "1 flag", "3 flags" (the
/// staff pages are in English).
pub fn count_of(n: usize, noun: &str) -> String {
    format!("{} {}", number(n), noun_for(n, noun))
}

/// A count as the staff pages write it, in groups of three: "45,000".
pub fn number(n: impl std::fmt::Display) -> String {
    crate::domain::text::grouped_digits(&n.to_string())
}

/// The noun of [`count_of`] alone, singular or plural for `n`: "adds contact a@x",
/// "adds contacts a@x, b@y".
pub fn noun_for(n: usize, noun: &str) -> String {
    format!("{noun}{}", if n == 1 { "" } else { "s" })
}

/// A service's outcome message ("launched to 1 organisation: …", written to be read in
/// an API answer too) as a sentence of a staff page's notice: a capital first letter and
/// a full stop.
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let end = if message.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    format!("{}{}{end}", first.to_uppercase(), chars.as_str())
}

/// A staff form's refusals, shown by their fields: `on(field)` is what goes under the
/// field (its messages without the "field: " prefix that API answers carry), and
/// `general()` the refusals of no field on the form, for the notice at the top.
#[derive(Default)]
pub struct FieldErrors {
    fields: Vec<&'static str>,
    errors: Vec<(String, String)>,
}

impl FieldErrors {
    /// `fields`: the names of the fields the form shows.
    pub fn new(fields: &[&'static str], errors: Vec<(String, String)>) -> FieldErrors {
        FieldErrors {
            fields: fields.to_vec(),
            errors,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The messages of one field, joined; empty when it has none.
    pub fn on(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(f, m)| sentence(m.strip_prefix(&format!("{f}: ")).unwrap_or(m)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether a refusal is shown beside a field of the form.
    pub fn any_on_fields(&self) -> bool {
        self.errors
            .iter()
            .any(|(f, _)| self.fields.contains(&f.as_str()))
    }

    /// The refusals that belong to no field of the form.
    pub fn general(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(f, _)| !self.fields.contains(&f.as_str()))
            .map(|(_, m)| sentence(m))
            .collect()
    }
}

/// The roles as options of a select field.
pub fn role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.as_str().to_string()))
        .collect()
}

/// A field of a create form.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    /// `text`, `email`, `date` or `select`.
    pub input: String,
    pub options: Vec<(String, String)>,
    /// What the field holds (the value typed or the option chosen, when a refused form
    /// is shown again).
    pub value: String,
    /// Its refusal, shown beside it.
    pub error: String,
}

impl FormField {
    pub fn text(name: &'static str, label: &str, input: &str) -> FormField {
        FormField {
            name,
            label: label.into(),
            input: input.into(),
            options: Vec::new(),
            value: String::new(),
            error: String::new(),
        }
    }

    pub fn select(name: &'static str, label: &str, options: Vec<(String, String)>) -> FormField {
        FormField {
            input: "select".into(),
            options,
            ..FormField::text(name, label, "")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn count_of_says_one_or_many() {
        assert_eq!(super::count_of(0, "flag"), "0 flags");
        assert_eq!(super::count_of(1, "organisation"), "1 organisation");
        assert_eq!(super::count_of(2, "flag"), "2 flags");
        assert_eq!(super::noun_for(1, "contact"), "contact");
        assert_eq!(super::noun_for(2, "contact"), "contacts");
    }

    #[test]
    fn field_errors_go_under_their_fields_and_the_rest_on_top() {
        let errors = super::FieldErrors::new(
            &["workers_repaid", "evidence"],
            vec![
                (
                    "workers_repaid".into(),
                    "workers_repaid: cannot be more than the workers affected".into(),
                ),
                ("".into(), "the plan was changed by someone else".into()),
                ("to".into(), "to: not a plan status".into()),
            ],
        );
        assert_eq!(
            errors.on("workers_repaid"),
            "Cannot be more than the workers affected."
        );
        assert_eq!(errors.on("evidence"), "");
        assert_eq!(
            errors.general(),
            [
                "The plan was changed by someone else.",
                "To: not a plan status."
            ]
        );
        assert!(!errors.is_empty());
        assert!(super::FieldErrors::default().is_empty());
    }

    #[test]
    fn sentence_capitalises_and_ends_with_a_full_stop() {
        assert_eq!(
            super::sentence("launched to 1 organisation: 1 invitation email queued"),
            "Launched to 1 organisation: 1 invitation email queued."
        );
        assert_eq!(
            super::sentence("The deadline is now 2026-12-25."),
            "The deadline is now 2026-12-25."
        );
        assert_eq!(super::sentence("élan"), "Élan.");
        assert_eq!(super::sentence("  "), "");
    }
}

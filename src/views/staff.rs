//! Pages for staff: sign-in, password, and the role-dependent staff area.

use crate::auth::permissions::Permission;
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
        let all: [(&str, &str, Option<Permission>); 9] = [
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
    pub errors: Vec<(String, String)>,
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
    pub tiles: Vec<Tile>,
}

/// Generic table page: headers, rows of cells, and optional forms rendered by kind.
pub struct Row {
    pub cells: Vec<String>,
    /// Row actions: (form action URL, button label, hidden field name, hidden value).
    pub actions: Vec<(String, String, String, String)>,
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
    pub errors: Vec<(String, String)>,
    /// The create form, when the user may create: (action, submit label, fields).
    pub form_action: String,
    pub form_submit: String,
    pub form_fields: Vec<FormField>,
}

/// A field of a create form.
pub struct FormField {
    pub name: String,
    pub label: String,
    /// `text`, `email`, `date` or `select`.
    pub input: String,
    pub options: Vec<(String, String)>,
    pub value: String,
}

impl FormField {
    pub fn text(name: &str, label: &str, input: &str) -> FormField {
        FormField {
            name: name.into(),
            label: label.into(),
            input: input.into(),
            options: Vec::new(),
            value: String::new(),
        }
    }

    pub fn select(name: &str, label: &str, options: Vec<(String, String)>) -> FormField {
        FormField {
            name: name.into(),
            label: label.into(),
            input: "select".into(),
            options,
            value: String::new(),
        }
    }
}

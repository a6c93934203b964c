//! Pages for the committee's data: the inherent-risk table, re-assessments and exports.

use super::staff::StaffNav;
use askama::Template;

/// A row of the inherent-risk table as shown.
pub struct InherentRowView {
    pub country: String,
    pub country_name: String,
    pub sector: String,
    pub value: i16,
    pub source: String,
    pub year: i32,
}

/// A version in the import history.
pub struct InherentVersionView {
    pub version: i32,
    pub imported_at: String,
    pub imported_by: String,
    pub file_name: String,
    pub rows: i32,
    pub sha256: String,
}

#[derive(Template)]
#[template(path = "staff/inherent_risk.html")]
pub struct InherentRiskPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// The current version number, `None`: no data loaded.
    pub current: Option<i32>,
    pub no_data: String,
    pub rows: Vec<InherentRowView>,
    pub history: Vec<InherentVersionView>,
    /// Whether the user may import.
    pub can_import: bool,
    pub csv: String,
    pub notice: String,
    pub errors: Vec<(String, String)>,
}

/// A campaign offered for export.
pub struct ExportCampaign {
    pub id: String,
    pub name: String,
    pub questionnaire: String,
    pub responses: i64,
}

#[derive(Template)]
#[template(path = "staff/exports.html")]
pub struct ExportsPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub campaigns: Vec<ExportCampaign>,
    /// (code, native name) of the label languages.
    pub languages: Vec<(String, String)>,
}

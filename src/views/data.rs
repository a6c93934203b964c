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

impl ExportCampaign {
    /// "1 organisation", "3 organisations": its responses, one per organisation.
    pub fn organisations(&self) -> String {
        super::staff::count_of(usize::try_from(self.responses).unwrap_or(0), "organisation")
    }
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

/// A re-assessment in the list.
pub struct ReassessmentRow {
    pub id: String,
    pub created_at: String,
    pub campaign: String,
    pub applied: String,
    pub by: String,
    pub responses: i32,
    pub flags: i32,
}

/// A choice in a select: (value, label).
pub type Choice = (String, String);

#[derive(Template)]
#[template(path = "staff/reassessments.html")]
pub struct ReassessmentsPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub rows: Vec<ReassessmentRow>,
    /// The run form, for those who may decide.
    pub can_run: bool,
    pub campaigns: Vec<Choice>,
    /// The versions by questionnaire: (questionnaire id, its versions).
    pub versions: Vec<(String, Vec<Choice>)>,
    pub no_inherent_data: Option<String>,
    /// After a refusal: what was chosen, kept chosen.
    pub chosen_campaign: String,
    pub chosen_version: String,
    pub errors: super::staff::FieldErrors,
}

/// One organisation, original beside re-assessed.
pub struct ComparisonRow {
    pub organisation: String,
    pub original_flags: usize,
    pub original_band: String,
    pub reassessed_flags: usize,
    pub reassessed_band: String,
    pub changed: bool,
}

/// One flag the re-assessment changes, before beside after.
pub struct FlagChangeRow {
    pub organisation: String,
    pub question: String,
    pub indicator: String,
    /// "high (12)", or "—" when there was none.
    pub before: String,
    pub after: String,
    /// "new", "gone", "higher" or "lower".
    pub change: &'static str,
    /// Why, where the page can say (a gone flag's question dropped from the version).
    pub why: String,
}

/// One re-assessed flag.
pub struct ReassessedFlagRow {
    pub organisation: String,
    /// The question's label (and id).
    pub question: String,
    pub indicator: String,
    pub severity: i16,
    pub likelihood: i16,
    pub score: i16,
    pub band: String,
    pub knock_out: bool,
}

#[derive(Template)]
#[template(path = "staff/reassessment.html")]
pub struct ReassessmentPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub summary: ReassessmentRow,
    pub inherent: String,
    pub comparison: Vec<ComparisonRow>,
    pub changes: Vec<FlagChangeRow>,
    /// "3 new, 1 gone, 2 higher, 0 lower; 40 unchanged".
    pub change_counts: String,
    pub flags: Vec<ReassessedFlagRow>,
}

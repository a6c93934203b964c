//! Page templates: one struct per page, rendered by askama (escaped, compiled in).

use super::form::SectionView;
use askama::Template;

/// A link in the language switcher.
pub struct LangLink {
    pub code: String,
    pub name: String,
    pub url: String,
    pub current: bool,
}

impl LangLink {
    /// The switcher of a page at `path`: one link per language (`path?lang=…`),
    /// `current` marked.
    pub fn all(
        languages: &[crate::domain::i18n::Lang],
        current: crate::domain::i18n::Lang,
        path: &str,
    ) -> Vec<LangLink> {
        languages
            .iter()
            .map(|l| LangLink {
                code: l.code().into(),
                name: l.native_name().into(),
                url: format!("{path}?lang={}", l.code()),
                current: *l == current,
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    /// The respondent CSRF token (see `auth::csrf`).
    pub csrf: String,
    pub lang: String,
    pub title: String,
    pub description: String,
    pub organisation: String,
    pub campaign: String,
    /// The deadline as the emails write it in the page's language ("31 March 2027").
    pub deadline: String,
    /// The deadline as `YYYY-MM-DD`, for `<time datetime>`.
    pub deadline_iso: String,
    pub action: String,
    pub languages: Vec<LangLink>,
    /// `saved` or `errors` or empty.
    pub notice_kind: String,
    pub notice: String,
    /// (field name, question label, message) for the error summary at the top.
    pub error_summary: Vec<(String, String, String)>,
    pub sections: Vec<SectionView>,
    pub t_required: String,
    pub t_save: String,
    pub t_submit: String,
    pub t_add_row: String,
    pub t_row: String,
    pub t_select: String,
    pub t_deadline: String,
    pub t_for_org: String,
    pub t_language: String,
    pub t_current_file: String,
    pub t_remove_file: String,
    pub t_empty_row_hint: String,
    /// The interface language (for [`FormPage::t`]).
    pub ui: crate::domain::i18n::Lang,
    /// The page's `<h1>`: the section's title on a section page.
    pub heading: String,
    /// The section list (empty on the one-page form).
    pub nav: Vec<NavItem>,
    /// "1 of 3 sections done · 4 required questions left".
    pub progress: String,
    /// "section 2 of 3", beside the collapsed section list of a section page.
    pub nav_position: String,
    /// One section with "Save" / "Save and continue" (else every section with "Submit").
    pub one_section: bool,
    pub start_url: String,
    /// "Saved at 14:03 UTC" after a save.
    pub saved_at: String,
    /// The script refuses a file over `MAX_EVIDENCE_BYTES`, or files over
    /// `MAX_FORM_BYTES` together, beside the field before posting (the server would
    /// refuse the whole post).
    pub max_file_bytes: usize,
    pub max_form_bytes: usize,
    pub t_file_too_large: String,
    pub t_files_too_large: String,
    /// The same time for the script, which shows it in the respondent's own time zone.
    pub saved_at_iso: String,
    /// Some answers were not applied: another contact changed them meanwhile.
    pub conflict_notice: bool,
    /// Stored answers the save removed because their questions no longer apply,
    /// labelled by question.
    pub removed: Vec<super::typed::TypedLine>,
    /// For the script's note of what an answer hides: the answered questions of other
    /// sections whose condition reads a question of this page (JSON `[{"q", "if"}]`),
    /// and the stored answers of the questions off this page those conditions read
    /// (JSON object, values as the script reads fields: text, or a list of texts).
    pub elsewhere: String,
    pub elsewhere_answers: String,
}

impl FormPage {
    /// A word of the sectioned pages in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        crate::domain::respondent_text::t(key, self.ui)
    }
}

/// One entry of the section list.
pub struct NavItem {
    pub number: usize,
    pub title: String,
    pub url: String,
    pub done: bool,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub lang: String,
    pub languages: Vec<LangLink>,
    /// The clarification page when the committee's question waits for a reply.
    pub clarification_url: Option<String>,
    pub t_clarification: String,
    pub t_clarification_answer: String,
    pub title: String,
    pub questionnaire: String,
    pub organisation: String,
    pub campaign: String,
    pub receipt_id: String,
    pub submitted_at: String,
    pub fingerprint: String,
    /// "name, job title" of the declaration's signatory.
    pub signatory: String,
    pub t_signed_by: String,
    pub thanks: String,
    pub pdf_url: String,
    pub t_pdf: String,
    /// (question label, answer text) in questionnaire order.
    pub answers: Vec<(String, String)>,
    pub t_receipt: String,
    pub t_submitted_at: String,
    pub t_fingerprint: String,
    pub t_for_org: String,
    pub t_your_answers: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub lang: String,
    pub title: String,
    pub message: String,
    /// The message again in other languages (`(lang, text)`), each its own paragraph
    /// marked with its language: the error pages, which know no reader's language.
    pub translations: Vec<(&'static str, &'static str)>,
    /// A way on from the page: (href, label).
    pub back: Option<(&'static str, &'static str)>,
}

/// A staff area message (an error, a refusal) inside the staff navigation, for a
/// signed-in member.
#[derive(Template)]
#[template(path = "staff/message.html")]
pub struct StaffMessagePage {
    pub lang: String,
    pub title: String,
    pub nav: super::staff::StaffNav,
    pub message: String,
}

/// A questionnaire on the home page.
pub struct QuestionnaireSummary {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub languages: String,
    pub questions: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub lang: String,
    pub title: String,
    pub questionnaires: Vec<QuestionnaireSummary>,
}

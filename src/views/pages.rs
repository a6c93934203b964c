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
    pub deadline: String,
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
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub lang: String,
    pub title: String,
    pub questionnaire: String,
    pub organisation: String,
    pub campaign: String,
    pub receipt_id: String,
    pub submitted_at: String,
    pub fingerprint: String,
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

//! The respondent's pages as view models: the form (with its errors and notices), the
//! receipt after submission, and answers as a person reads them.

use super::form::{sections, FormContext};
use super::pages::{FormPage, LangLink, ReceiptPage};
use super::typed::TypedLine;
use crate::domain::answers::{
    format_number, Answers, FieldError, MAX_EVIDENCE_BYTES, MAX_FORM_BYTES,
};
use crate::domain::dates::Today;
use crate::domain::i18n::{ui, Lang, Msg};
use crate::domain::questionnaire::{Question, QuestionKind};
use crate::domain::visibility::visible_questions;
use crate::services::responses::LinkSession;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// What every showing of one link's form shares.
pub struct FormScreen<'a> {
    /// The respondent CSRF token (see `auth::csrf::respondent_token`).
    pub csrf: String,
    pub token: &'a str,
    pub session: &'a LinkSession,
    pub lang: Lang,
}

/// What differs between showings: the values in the fields, stored answers (for
/// evidence files), errors, extra group rows and a notice (`saved` / `errors`).
#[derive(Default)]
pub struct FormState<'a> {
    pub values: Option<&'a HashMap<String, Vec<String>>>,
    pub errors: &'a [FieldError],
    pub extra_rows: HashMap<String, usize>,
    pub notice: Option<(&'static str, String)>,
    /// The table whose row this post removed, and that row's number (from 1).
    pub removed_row: Option<(String, usize)>,
    /// Stored answers the save removed because their questions no longer apply.
    pub removed: Vec<TypedLine>,
}

impl<'a> FormState<'a> {
    /// A posted form shown again: what was typed, its errors, one more row of the group
    /// whose "add a row" was pressed, and the notice.
    pub fn posted(
        values: &'a HashMap<String, Vec<String>>,
        errors: &'a [FieldError],
        add_row: Option<&str>,
        notice: Option<(&'static str, String)>,
    ) -> Self {
        FormState {
            values: Some(values),
            errors,
            extra_rows: add_row
                .map(|group| HashMap::from([(group.to_string(), 1)]))
                .unwrap_or_default(),
            notice,
            removed_row: None,
            removed: Vec::new(),
        }
    }

    /// What the post removed: the table row removed by its button, and the stored
    /// answers the save removed because their questions no longer apply. A save that
    /// went through (`saved`) and removed such answers shows the fields as stored now:
    /// the posted form still held them, in questions now hidden.
    pub fn with_removed(
        mut self,
        removed_row: Option<(String, usize)>,
        removed: Vec<TypedLine>,
        saved: bool,
    ) -> Self {
        if saved && !removed.is_empty() {
            self.values = None;
        }
        (self.removed_row, self.removed) = (removed_row, removed);
        self
    }
}

impl FormScreen<'_> {
    /// The form page (every section, or section `only`, from 0) with `answers` as stored
    /// and `state` on top.
    pub fn page(&self, answers: &Answers, state: FormState, only: Option<usize>) -> FormPage {
        let (token, lang) = (self.token, self.lang);
        let q = &self.session.version.questionnaire;
        let stored_values;
        let values = match state.values {
            Some(v) => v,
            None => {
                stored_values = crate::domain::answers::to_form_values(q, answers);
                &stored_values
            }
        };
        let error_map: HashMap<String, String> = state
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect();
        let files: HashMap<String, (String, String)> = answers
            .iter()
            .filter_map(|(qid, v)| {
                let name = v.get("file_name")?.as_str()?.to_string();
                let id = v.get("file_id")?.as_str()?;
                Some((qid.clone(), (name, format!("/r/{token}/evidence/{id}"))))
            })
            .collect();
        let ctx = FormContext {
            lang,
            values,
            errors: &error_map,
            extra_rows: &state.extra_rows,
            files: &files,
            removed_row: state.removed_row.as_ref().map(|(g, n)| (g.as_str(), *n)),
            today: Today::at(Utc::now()),
        };
        let error_summary = state
            .errors
            .iter()
            .map(|e| {
                let qid = e.field.rsplit('.').next().unwrap_or(&e.field);
                let label = q
                    .find(qid)
                    .map(|x| x.label.get(lang).to_string())
                    .unwrap_or_else(|| e.field.clone());
                (e.field.clone(), label, e.message.clone())
            })
            .collect();
        let (notice_kind, notice) = state
            .notice
            .map(|(k, n)| (k.to_string(), n))
            .unwrap_or_default();
        FormPage {
            csrf: self.csrf.clone(),
            lang: lang.code().into(),
            title: q.title.get(lang).into(),
            description: q.description_in(lang),
            organisation: self.session.organisation.name.clone(),
            campaign: self.session.campaign.name.clone(),
            deadline: crate::email::written::date_text(self.session.campaign.deadline, lang),
            deadline_iso: self.session.campaign.deadline.to_string(),
            action: format!("/r/{token}?lang={}", lang.code()),
            languages: LangLink::all(&q.languages, lang, &format!("/r/{token}")),
            notice_kind,
            notice,
            error_summary,
            sections: sections(q, &ctx, only),
            ui: lang,
            heading: q.title.get(lang).into(),
            nav: Vec::new(),
            progress: String::new(),
            nav_position: String::new(),
            one_section: false,
            start_url: format!("/r/{token}?start=1"),
            saved_at: String::new(),
            saved_at_iso: String::new(),
            max_file_bytes: MAX_EVIDENCE_BYTES,
            max_form_bytes: MAX_FORM_BYTES,
            t_file_too_large: Msg::FileTooLarge(MAX_EVIDENCE_BYTES / 1024 / 1024).text(lang),
            t_files_too_large: crate::domain::respondent_text::t("files_too_large", lang)
                .replace("{mb}", &(MAX_FORM_BYTES / 1024 / 1024).to_string()),
            conflict_notice: false,
            removed: state.removed,
            elsewhere: String::new(),
            elsewhere_answers: String::new(),
            t_required: ui("required", lang).into(),
            t_save: ui("save", lang).into(),
            t_submit: ui("submit", lang).into(),
            t_add_row: ui("add_row", lang).into(),
            t_row: ui("row", lang).into(),
            t_select: ui("select", lang).into(),
            t_deadline: ui("deadline", lang).into(),
            t_for_org: ui("for_org", lang).into(),
            t_language: ui("language", lang).into(),
            t_current_file: ui("current_file", lang).into(),
            t_remove_file: ui("remove_file", lang).into(),
            t_empty_row_hint: ui("empty_row_hint", lang).into(),
        }
    }
}

/// The facts of a submission shown on the receipt.
pub struct Submission<'a> {
    /// "name, job title" of the signatory (empty when there was no declaration).
    pub signatory: String,
    pub receipt_id: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub fingerprint: &'a str,
    /// Where the receipt PDF is downloaded (`/r/{token}/receipt.pdf?lang=…`).
    pub pdf_url: String,
    /// The link's token (the page's language links and the clarification's link).
    pub token: &'a str,
    /// Whether a committee's question waits for the supplier's reply.
    pub clarification_waiting: bool,
    /// Whether the contact of this link submitted it (else a colleague did, and the
    /// receipt email went to them).
    pub by_this_contact: bool,
}

/// The receipt: every visible question with its answer, in questionnaire order.
pub fn receipt(
    session: &LinkSession,
    submission: Submission,
    answers: &Answers,
    lang: Lang,
) -> ReceiptPage {
    let q = &session.version.questionnaire;
    let visible = visible_questions(q, answers);
    let listed = q
        .questions()
        .filter(|x| visible.contains(x.id.as_str()))
        .map(|x| {
            let text = answers
                .get(&x.id)
                .map(|v| answer_text(x, v, lang))
                .unwrap_or_else(|| ui("not_answered", lang).to_string());
            (x.label.get(lang).to_string(), text)
        })
        .collect();
    let token = &submission.token;
    ReceiptPage {
        lang: lang.code().into(),
        languages: LangLink::all(&q.languages, lang, &format!("/r/{token}")),
        clarification_url: submission
            .clarification_waiting
            .then(|| format!("/r/{token}/clarification?lang={}", lang.code())),
        t_clarification: crate::domain::respondent_text::t("clarification_waiting", lang).into(),
        t_clarification_answer: crate::domain::respondent_text::t("clarification_answer", lang)
            .into(),
        title: if submission.by_this_contact {
            ui("submitted_title", lang).into()
        } else {
            crate::domain::respondent_text::t("submitted_by_colleague_title", lang).into()
        },
        questionnaire: format!("{} (v{})", q.title.get(lang), q.version),
        organisation: session.organisation.name.clone(),
        campaign: session.campaign.name.clone(),
        receipt_id: submission.receipt_id,
        submitted_at: submission
            .submitted_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default(),
        fingerprint: submission.fingerprint.to_string(),
        signatory: submission.signatory,
        t_signed_by: crate::domain::respondent_text::t("signed_by", lang).into(),
        thanks: crate::domain::respondent_text::t(
            if submission.by_this_contact {
                "thanks"
            } else {
                "thanks_colleague"
            },
            lang,
        )
        .into(),
        pdf_url: submission.pdf_url,
        t_pdf: crate::receipt_pdf::labels::label("download", lang).into(),
        answers: listed,
        t_receipt: ui("receipt", lang).into(),
        t_submitted_at: ui("submitted_at", lang).into(),
        t_fingerprint: ui("answers_fingerprint", lang).into(),
        t_for_org: ui("for_org", lang).into(),
        t_your_answers: ui("your_answers", lang).into(),
    }
}
/// An answer as a person reads it: choice labels, units, group rows.
pub fn answer_text(question: &Question, value: &Value, lang: Lang) -> String {
    let choice = |id: &str| -> String {
        match question.kind {
            QuestionKind::YesNoDk => ui(id, lang).to_string(),
            _ => question
                .choices
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.label.get(lang).to_string())
                .unwrap_or_else(|| id.to_string()),
        }
    };
    match (question.kind, value) {
        (QuestionKind::Group, Value::Array(rows)) => rows
            .iter()
            .enumerate()
            .map(|(n, row)| {
                let cells: Vec<String> = question
                    .fields
                    .iter()
                    .filter_map(|f| {
                        row.get(&f.id)
                            .map(|v| format!("{}: {}", f.label.get(lang), answer_text(f, v, lang)))
                    })
                    .collect();
                format!("{} {}: {}", ui("row", lang), n + 1, cells.join("; "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (QuestionKind::Evidence, v) => v
            .get("file_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        (_, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(choice)
            .collect::<Vec<_>>()
            .join(", "),
        (k, Value::String(s)) if k.has_choices() => choice(s),
        (QuestionKind::Country, Value::String(code)) => crate::domain::countries::name(code, lang)
            .map(String::from)
            .unwrap_or_else(|| code.clone()),
        (QuestionKind::Percentage, v) => {
            format!("{} %", format_number(v.as_f64().unwrap_or_default()))
        }
        (_, Value::Number(n)) => {
            let unit = question
                .unit
                .as_ref()
                .map(|u| format!(" {}", u.get(lang)))
                .unwrap_or_default();
            format!("{}{}", format_number(n.as_f64().unwrap_or_default()), unit)
        }
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

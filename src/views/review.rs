//! The review page: every shown answer by section, what keeps the submission back, and
//! the declaration. The page carries the fingerprint of the answers it shows
//! (`reviewed`) and when it was made (`reviewed_at`): a submission whose answers changed
//! since (a colleague, another tab) is refused and the page shown again with the
//! changed answers marked (`services::respondent::submit_in`).

use super::pages::LangLink;
use super::respondent::{answer_text, FormScreen};
use super::sections::{summary, time};
use crate::domain::answers::{Answers, FieldError};
use crate::domain::i18n::Lang;
use crate::domain::progress::{progress, section_of};
use crate::domain::respondent_text::t;
use crate::domain::visibility::only_visible;
use crate::domain::visibility::visible_questions;
use crate::services::responses::{answers_fingerprint, AnswerMetas};
use askama::Template;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One answered (or unanswered) question on the review page.
pub struct ReviewItem {
    pub label: String,
    pub answer: String,
    pub url: String,
    /// "Changed by Minh Tran, 2026-12-01 09:14 UTC" when the answer changed after the
    /// page the respondent signed from was made; else empty.
    pub changed: String,
}

pub struct ReviewSection {
    pub number: usize,
    pub title: String,
    pub url: String,
    pub items: Vec<ReviewItem>,
}

/// One group of the list of what keeps the submission back.
pub struct MissingGroup {
    /// "2. Recruitment (5)", or "Declaration (2)"; empty when the list is one group.
    pub heading: String,
    /// (link to the field, question label, message).
    pub items: Vec<(String, String, String)>,
}

/// How many problems in several groups are listed unfolded.
pub const FOLD_AFTER: usize = 10;

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub lang: String,
    pub ui: Lang,
    pub title: String,
    /// The questionnaire's title (the `<title>` after the page's own).
    pub questionnaire: String,
    pub organisation: String,
    pub languages: Vec<LangLink>,
    pub progress: String,
    pub sections: Vec<ReviewSection>,
    /// What keeps the submission back: a group per section with unanswered or invalid
    /// questions, in the questionnaire's order, then the declaration's fields.
    pub missing: Vec<MissingGroup>,
    pub missing_heading: &'static str,
    /// A long list (more than [`FOLD_AFTER`] in several groups) shows each group folded
    /// under its heading, the first one open: on a phone, sixty links were six screens.
    pub missing_folded: bool,
    pub csrf: String,
    pub action: String,
    pub start_url: String,
    pub today: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub agreed: bool,
    pub errors: HashMap<String, String>,
    pub not_answered: String,
    pub t_submit: String,
    /// The fingerprint of the answers shown, and when the page was made (hidden fields).
    pub reviewed: String,
    pub reviewed_at: String,
    /// The answers changed since the page signed from was made: said at the top.
    pub changed_notice: bool,
}

impl ReviewPage {
    pub fn t(&self, key: &str) -> &'static str {
        t(key, self.ui)
    }
    pub fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// The review page: every shown question with its answer, by section; what is missing
/// or invalid (`problems`, from `responses::review`) linked to its field; the
/// declaration form (`posted`: what was typed in it, after a refused submit).
/// `changed_since`: the answers' meta and when the page signed from was made, when the
/// submission was refused because answers changed after it (those are marked).
pub fn review_page(
    screen: &FormScreen,
    answers: &Answers,
    problems: &[FieldError],
    posted: Option<&HashMap<String, Vec<String>>>,
    changed_since: Option<(&AnswerMetas, DateTime<Utc>)>,
) -> ReviewPage {
    use crate::domain::declaration::{AGREE, NAME, TITLE};
    let (token, lang, session) = (screen.token, screen.lang, screen.session);
    let q = &session.version.questionnaire;
    let visible = visible_questions(q, answers);
    let not_answered = crate::domain::i18n::ui("not_answered", lang).to_string();
    let sections: Vec<ReviewSection> = q
        .sections
        .iter()
        .enumerate()
        .map(|(n, s)| ReviewSection {
            number: n + 1,
            title: s.title.get(lang).to_string(),
            url: format!("/r/{token}/s/{}", n + 1),
            items: s
                .questions
                .iter()
                .filter(|x| visible.contains(x.id.as_str()))
                .map(|x| ReviewItem {
                    label: x.label.get(lang).to_string(),
                    answer: answers
                        .get(&x.id)
                        .map(|v| answer_text(x, v, lang))
                        .unwrap_or_default(),
                    url: format!("/r/{token}/s/{}#q-{}", n + 1, x.id),
                    changed: changed_since
                        .and_then(|(meta, since)| meta.get(&x.id).filter(|m| m.updated_at > since))
                        .map(|m| {
                            format!(
                                "{}: {}, {}",
                                t("changed_by", lang),
                                m.contact_name.as_deref().unwrap_or("?"),
                                time(m.updated_at)
                            )
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let (declaration_errors, answer_errors): (Vec<&FieldError>, Vec<&FieldError>) = problems
        .iter()
        .partition(|e| [NAME, TITLE, AGREE].contains(&e.field.as_str()));
    // What keeps the submission back is listed at the top, each linked to its field:
    // unanswered questions (on their sections) and then the declaration's own fields
    // (further down this page), so a refused submit never looks like a reload.
    let missing_heading = if answer_errors.is_empty() {
        t("declaration_problems", lang)
    } else {
        t("missing", lang)
    };
    let mut missing: Vec<MissingGroup> = Vec::new();
    let mut by_section: Vec<(usize, (String, String, String))> = answer_errors
        .iter()
        .map(|e| {
            let n = section_of(q, &e.field).unwrap_or(0);
            let qid = e.field.split('.').next().unwrap_or(&e.field);
            let label = q
                .find(qid)
                .map(|x| x.label.get(lang).to_string())
                .unwrap_or_else(|| e.field.clone());
            let url = format!("/r/{token}/s/{}#q-{}", n + 1, e.field);
            (n, (url, label, e.message.clone()))
        })
        .collect();
    by_section.sort_by_key(|(n, _)| *n);
    for group in by_section.chunk_by(|a, b| a.0 == b.0) {
        missing.push(MissingGroup {
            heading: sections
                .get(group[0].0)
                .map(|s| format!("{}. {}", s.number, s.title))
                .unwrap_or_default(),
            items: group.iter().map(|(_, item)| item.clone()).collect(),
        });
    }
    if !declaration_errors.is_empty() {
        missing.push(MissingGroup {
            heading: t("declaration", lang).to_string(),
            items: declaration_errors
                .iter()
                .map(|e| {
                    let label = match e.field.as_str() {
                        NAME => t("signatory_name", lang),
                        TITLE => t("signatory_title", lang),
                        _ => t("declaration", lang),
                    };
                    (
                        format!("#q-{}", e.field),
                        label.to_string(),
                        e.message.clone(),
                    )
                })
                .collect(),
        });
    }
    let total: usize = missing.iter().map(|g| g.items.len()).sum();
    let missing_folded = missing.len() > 1 && total > FOLD_AFTER;
    if missing.len() == 1 {
        missing[0].heading.clear();
    } else {
        for g in &mut missing {
            g.heading = format!("{} ({})", g.heading, g.items.len());
        }
    }
    let field = |k: &str| {
        posted
            .and_then(|p| p.get(k))
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    ReviewPage {
        lang: lang.code().into(),
        ui: lang,
        title: t("review_title", lang).into(),
        questionnaire: q.title.get(lang).into(),
        organisation: session.organisation.name.clone(),
        languages: LangLink::all(&q.languages, lang, &format!("/r/{token}/review")),
        progress: summary(&progress(q, answers), lang),
        sections,
        missing,
        missing_heading,
        missing_folded,
        csrf: screen.csrf.clone(),
        action: format!("/r/{token}/submit"),
        start_url: format!("/r/{token}?start=1"),
        today: crate::email::written::date_text(Utc::now().date_naive(), lang),
        // Before any submit, the contact's own name and job title as the platform has
        // them (whoever signs may change them); after a refused one, what was posted.
        signatory_name: match posted {
            Some(_) => field(NAME),
            None => session.contact.name.clone(),
        },
        signatory_title: match posted {
            Some(_) => field(TITLE),
            None => session.contact.job_title.clone().unwrap_or_default(),
        },
        agreed: field(AGREE) == "yes",
        errors: declaration_errors
            .into_iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect(),
        not_answered,
        t_submit: crate::domain::i18n::ui("submit", lang).into(),
        reviewed: answers_fingerprint(&only_visible(q, answers)),
        reviewed_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        changed_notice: changed_since.is_some(),
    }
}

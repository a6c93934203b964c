//! The respondent's pages in sections: start page, one section, review with the
//! declaration, and the page that keeps what was typed when a link stopped working.

use super::pages::{FormPage, LangLink, NavItem};
use super::respondent::{answer_text, FormScreen, FormState};
use super::typed::TypedLine;
use crate::domain::answers::{Answers, FieldError};
use crate::domain::i18n::Lang;
use crate::domain::progress::{progress, resume_at, SectionProgress};
use crate::domain::questionnaire::Questionnaire;
use crate::domain::respondent_text::t;
use crate::domain::visibility::visible_questions;
use crate::services::carry_over::LastSubmission;
use crate::services::responses::AnswerMetas;
use crate::services::responses::{answer_fingerprint, version_field, Conflict};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// The section list with each section's state.
fn nav(
    token: &str,
    q: &Questionnaire,
    p: &[SectionProgress],
    lang: Lang,
    current: Option<usize>,
) -> Vec<NavItem> {
    q.sections
        .iter()
        .zip(p)
        .enumerate()
        .map(|(n, (s, sp))| NavItem {
            number: n + 1,
            title: s.title.get(lang).to_string(),
            url: format!("/r/{token}/s/{}", n + 1),
            done: sp.done(),
            current: current == Some(n),
        })
        .collect()
}

/// "1 / 3 sections done · 2 required questions left".
pub(super) fn summary(p: &[SectionProgress], lang: Lang) -> String {
    let done = p.iter().filter(|s| s.done()).count();
    let left: usize = p.iter().map(|s| s.required_left.len()).sum();
    let required_left = t("required_left", lang);
    let left = match lang {
        // Japanese counts after the noun: "未回答の必須質問 2 問".
        Lang::Ja => format!("{required_left} {left} 問"),
        _ => format!("{left} {required_left}"),
    };
    format!("{done} / {} {} · {left}", p.len(), t("sections_done", lang))
}

pub(super) fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// One section's page. `answers` are stored (or just saved), `meta` their versions,
/// `conflicts` the answers of this post that were not applied.
#[allow(clippy::too_many_arguments)]
pub fn section_page(
    screen: &FormScreen,
    section: usize,
    answers: &Answers,
    meta: &AnswerMetas,
    state: FormState,
    conflicts: &[Conflict],
    saved_at: Option<DateTime<Utc>>,
) -> FormPage {
    let (token, lang) = (screen.token, screen.lang);
    let q = &screen.session.version.questionnaire;
    let me = screen.session.contact.id;
    let mut page = screen.page(answers, state, Some(section));
    let p = progress(q, answers);
    page.nav = nav(token, q, &p, lang, Some(section));
    page.progress = summary(&p, lang);
    page.nav_position = t("section_n_of", lang)
        .replace("{n}", &(section + 1).to_string())
        .replace("{total}", &q.sections.len().to_string());
    page.one_section = true;
    page.heading = q.sections[section].title.get(lang).to_string();
    // The questionnaire's description opens its first section (and the start page).
    if section > 0 {
        page.description.clear();
    }
    page.action = format!("/r/{token}/s/{}", section + 1);
    page.saved_at = saved_at.map(time).unwrap_or_default();
    page.saved_at_iso = saved_at
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    page.conflict_notice = !conflicts.is_empty();
    page.languages = languages(token, q, lang)
        .into_iter()
        .map(|mut l| {
            l.url = format!("/r/{token}/s/{}?lang={}", section + 1, l.code);
            l
        })
        .collect();
    // A question hidden by answers of other sections is not on this page at all (the
    // script can only decide conditions on questions it sees).
    let visible = visible_questions(q, answers);
    let here: Vec<&str> = q.sections[section]
        .questions
        .iter()
        .map(|x| x.id.as_str())
        .collect();
    (page.elsewhere, page.elsewhere_answers) = elsewhere(q, section, &here, answers, &visible);
    for s in &mut page.sections {
        s.questions.retain(|v| {
            visible.contains(v.id.as_str())
                || q.find(&v.id)
                    .and_then(|x| x.show_if.as_ref())
                    .is_some_and(|c| c.referenced().iter().any(|r| here.contains(r)))
        });
    }
    for s in &mut page.sections {
        for v in &mut s.questions {
            let m = meta.get(&v.id);
            v.version = m.map_or(0, |m| m.version).to_string();
            v.base = answer_fingerprint(answers.get(&v.id));
            if let Some(m) = m.filter(|m| m.contact_id.is_some_and(|c| c != me)) {
                v.changed_by = format!(
                    "{}, {}",
                    m.contact_name.clone().unwrap_or_default(),
                    time(m.updated_at)
                );
            }
            if let Some(c) = conflicts.iter().find(|c| c.question_id == v.id) {
                let question = q.find(&c.question_id);
                let text = |value: &Option<serde_json::Value>| match (question, value) {
                    (Some(question), Some(value)) => answer_text(question, value, lang),
                    _ => t("nothing", lang).to_string(),
                };
                v.conflict = true;
                v.theirs = text(&c.theirs);
                v.theirs_by = format!("{}, {}", c.by.clone().unwrap_or_default(), time(c.at));
                v.mine = text(&c.mine);
            }
        }
    }
    page
}

/// The reply to an autosave (`action=autosave`), read by `static/form.js`.
#[derive(Debug, Serialize)]
pub struct AutosaveReply {
    /// "saved", "errors", "conflict" or "submitted".
    pub status: &'static str,
    pub saved_at: String,
    /// The stored versions after the save, by question (the script updates `_v.<id>`).
    pub versions: HashMap<String, i32>,
    pub errors: Vec<FieldError>,
    /// Questions whose answer another contact changed (theirs kept): reload to compare.
    pub conflicts: Vec<String>,
    pub message: String,
    /// Stored answers the save removed because their questions no longer apply (any
    /// section), labelled by question: the script lists them under `removed_title`.
    pub removed: Vec<TypedLine>,
    pub removed_title: String,
    pub removed_restore: String,
}

impl AutosaveReply {
    /// The reply to an autosave that came after the questionnaire was submitted: nothing
    /// was saved, and the script stops saving (the typed values stay on screen).
    pub fn submitted(lang: Lang) -> AutosaveReply {
        AutosaveReply {
            status: "submitted",
            saved_at: String::new(),
            versions: HashMap::new(),
            errors: Vec::new(),
            conflicts: Vec::new(),
            // Said in the status line under the form: what was typed is in the fields.
            message: t("submitted_meanwhile_status", lang).to_string(),
            removed: Vec::new(),
            removed_title: String::new(),
            removed_restore: String::new(),
        }
    }

    pub fn new(
        meta: &AnswerMetas,
        errors: Vec<FieldError>,
        conflicts: &[Conflict],
        lang: Lang,
        removed: Vec<TypedLine>,
    ) -> AutosaveReply {
        let status = if !conflicts.is_empty() {
            "conflict"
        } else if !errors.is_empty() {
            "errors"
        } else {
            "saved"
        };
        AutosaveReply {
            status,
            saved_at: time(Utc::now()),
            versions: meta
                .iter()
                .map(|(k, m)| (version_field(k), m.version))
                .collect(),
            errors,
            conflicts: conflicts.iter().map(|c| c.question_id.clone()).collect(),
            message: match status {
                "conflict" => t("conflict_notice", lang).to_string(),
                // Said in the status line under the form: the marks are above it.
                "errors" => t("autosave_errors", lang).to_string(),
                _ => t("saved_at", lang).to_string(),
            },
            removed,
            removed_title: t("removed_title", lang).to_string(),
            removed_restore: t("removed_restore", lang).to_string(),
        }
    }
}

fn languages(token: &str, q: &Questionnaire, lang: Lang) -> Vec<LangLink> {
    LangLink::all(&q.languages, lang, &format!("/r/{token}"))
}

#[derive(Template)]
#[template(path = "start.html")]
pub struct StartPage {
    pub lang: String,
    pub ui: Lang,
    pub title: String,
    pub description: String,
    pub organisation: String,
    pub campaign: String,
    pub asked_by: String,
    pub message: String,
    pub t_for_org: String,
    pub t_deadline: String,
    /// As the emails write it; `deadline_iso` for `<time datetime>`.
    pub deadline: String,
    /// The deadline has passed (the link still works: answers are still welcome).
    pub deadline_passed: bool,
    pub deadline_iso: String,
    pub minutes: usize,
    pub languages: Vec<LangLink>,
    pub nav: Vec<NavItem>,
    pub progress: String,
    pub started: bool,
    pub resume_url: String,
    pub review_url: String,
    pub handover_url: String,
    pub csrf: String,
    /// `saved`, `handed_over` or `errors`.
    pub notice_kind: String,
    pub notice: String,
    pub colleague_name: String,
    pub colleague_email: String,
    pub errors: HashMap<String, String>,
    /// The offer to start from the organisation's last submission (its text), while
    /// the response has no answers.
    pub carry: Option<String>,
    pub carry_url: String,
}

impl StartPage {
    pub fn t(&self, key: &str) -> &'static str {
        t(key, self.ui)
    }
    pub fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

/// What the start page shows besides the link's facts.
#[derive(Default)]
pub struct StartState {
    pub notice: Option<(&'static str, String)>,
    pub colleague: (String, String),
    pub errors: Vec<FieldError>,
    /// The earlier submission the response may start from (`services::carry_over`).
    pub carry_from: Option<LastSubmission>,
}

/// When an earlier submission was made, as the respondent's pages write dates.
pub fn submitted_on(from: &LastSubmission, lang: Lang) -> String {
    from.submitted_at
        .map(|at| crate::email::written::date_text(at.date_naive(), lang))
        .unwrap_or_default()
}

/// The start page: who asks and why, the message, deadline, estimated time, languages,
/// progress and the section list, and the hand-over form.
pub fn start_page(
    screen: &FormScreen,
    answers: &Answers,
    sender_company: &str,
    state: StartState,
) -> StartPage {
    let (token, lang, session) = (screen.token, screen.lang, screen.session);
    let q = &session.version.questionnaire;
    let p = progress(q, answers);
    let resume_url = match resume_at(&p) {
        Some(n) => format!("/r/{token}/s/{}", n + 1),
        None => format!("/r/{token}/review"),
    };
    let (notice_kind, notice) = state
        .notice
        .map(|(k, n)| (k.to_string(), n))
        .unwrap_or_default();
    StartPage {
        lang: lang.code().into(),
        ui: lang,
        title: q.title.get(lang).into(),
        description: q.description_in(lang),
        organisation: session.organisation.name.clone(),
        campaign: session.campaign.name.clone(),
        asked_by: sender_company.to_string(),
        message: session.campaign_message.clone().unwrap_or_default(),
        t_for_org: crate::domain::i18n::ui("for_org", lang).into(),
        t_deadline: crate::domain::i18n::ui("deadline", lang).into(),
        deadline: crate::email::written::date_text(session.campaign.deadline, lang),
        deadline_iso: session.campaign.deadline.to_string(),
        deadline_passed: crate::domain::reminders::deadline_passed(
            session.campaign.deadline,
            chrono::Utc::now(),
        ),
        // About half a minute a question, rounded up to five minutes.
        minutes: q.questions().count().div_ceil(10) * 5,
        languages: languages(token, q, lang),
        nav: nav(token, q, &p, lang, None),
        progress: summary(&p, lang),
        started: !answers.is_empty(),
        resume_url,
        review_url: format!("/r/{token}/review"),
        handover_url: format!("/r/{token}/handover"),
        csrf: screen.csrf.clone(),
        notice_kind,
        notice,
        colleague_name: state.colleague.0,
        colleague_email: state.colleague.1,
        errors: state
            .errors
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect(),
        carry: state.carry_from.map(|from| {
            t("carry_offer", lang)
                .replace("{date}", &submitted_on(&from, lang))
                .replace("{campaign}", &from.campaign)
        }),
        carry_url: format!("/r/{token}/carry-over"),
    }
}

#[derive(Template)]
#[template(path = "gone.html")]
pub struct GonePage {
    pub lang: String,
    pub title: String,
    pub message: String,
    /// Where to go from here, and its words (the receipt, once submitted).
    pub link: Option<(String, String)>,
    pub t_typed: String,
    /// What was typed, labelled by question.
    pub typed: Vec<TypedLine>,
}

/// The page for a form posted to a link that stopped working (revoked or expired,
/// or its campaign closed): nothing was saved, and what was typed is shown back.
pub fn gone_page(lang: Lang, typed: Vec<TypedLine>) -> GonePage {
    GonePage {
        lang: lang.code().into(),
        title: t("gone_title", lang).into(),
        message: t("gone_text", lang).into(),
        link: None,
        t_typed: t("what_you_typed", lang).into(),
        typed,
    }
}

/// The page for a section posted after the questionnaire was submitted (from another
/// page, or by a colleague): what differs from the submission is shown back, with the
/// way to the receipt.
pub fn submitted_meanwhile_page(lang: Lang, token: &str, typed: Vec<TypedLine>) -> GonePage {
    GonePage {
        lang: lang.code().into(),
        title: t("submitted_meanwhile_title", lang).into(),
        message: t("submitted_meanwhile_text", lang).into(),
        link: Some((format!("/r/{token}"), t("see_receipt", lang).into())),
        t_typed: t("what_you_typed", lang).into(),
        typed,
    }
}

/// The answered, shown questions of sections other than `section` whose condition reads
/// one of its questions (`here`, their ids: an answer changed here may hide them, and a
/// save would then remove them), as JSON for the script; and the stored answers of the
/// other questions those conditions read, which are not on the page.
fn elsewhere(
    q: &crate::domain::questionnaire::Questionnaire,
    section: usize,
    here: &[&str],
    answers: &crate::domain::answers::Answers,
    visible: &std::collections::HashSet<&str>,
) -> (String, String) {
    let mut rules = Vec::new();
    let mut off_page = serde_json::Map::new();
    for (n, s) in q.sections.iter().enumerate() {
        if n == section {
            continue;
        }
        for question in &s.questions {
            let Some(rule) = &question.show_if else {
                continue;
            };
            let read = rule.referenced();
            if !answers.contains_key(&question.id)
                || !visible.contains(question.id.as_str())
                || !read.iter().any(|r| here.contains(r))
            {
                continue;
            }
            rules.push(serde_json::json!({"q": question.id, "if": rule}));
            for r in read.into_iter().filter(|r| !here.contains(r)) {
                if let Some(v) = answers.get(r) {
                    off_page.insert(r.to_string(), as_field(v));
                }
            }
        }
    }
    if rules.is_empty() {
        return (String::new(), String::new());
    }
    (
        serde_json::Value::Array(rules).to_string(),
        serde_json::Value::Object(off_page).to_string(),
    )
}

/// A stored answer as the script reads a field: a text, or a list of texts (choices).
fn as_field(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(_) => v.clone(),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(if *b { "yes" } else { "no" }.into()),
        Value::Array(items) => Value::Array(items.iter().map(as_field).collect()),
        // A table or a file: answered.
        _ => Value::String("1".into()),
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::respondent_text::known;

    #[test]
    fn every_word_the_templates_ask_for_is_known() {
        for file in ["start.html", "review.html", "form.html"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("templates")
                .join(file);
            let source = std::fs::read_to_string(path).unwrap();
            for part in source.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(known(key), "{file} asks for an unknown text: {key}");
            }
        }
    }
}

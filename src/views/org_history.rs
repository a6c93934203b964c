//! The committee's page of one organisation: each response with all its answers, the
//! flagged ones highlighted with the rule's explanation, the evidence, and what changed
//! since the organisation's previous submitted response to the same questionnaire
//! (`staff/org_responses.html`).

use super::respondent::answer_text;
use super::staff::StaffNav;
use crate::auth::principal::StaffUser;
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::domain::states::ResponseStatus;
use crate::services::flags::organisation::{OrganisationHistory, ResponseRecord};
use crate::services::questionnaires::QuestionnaireRegistry;
use crate::services::responses::OrganisationRating;
use askama::Template;
use std::collections::HashMap;

/// A flag beside its answer.
pub struct FlagNote {
    pub id: String,
    pub band: String,
    pub indicator: String,
    pub explanation: String,
    pub status: String,
}

/// One question's line.
pub struct AnswerLine {
    pub question_id: String,
    pub label: String,
    pub answer: String,
    pub flags: Vec<FlagNote>,
    pub evidence: Vec<String>,
    /// The previous response's answer, when it differs from this one.
    pub before: Option<String>,
}

/// One response.
pub struct ResponseBlock {
    pub anchor: String,
    pub campaign: String,
    pub questionnaire: String,
    /// "answered in Japanese" when the supplier answered in another language than the
    /// questions are shown in; else empty.
    pub answered_in: String,
    pub status: String,
    pub submitted: String,
    pub flag_count: usize,
    pub compared_with: String,
    pub changed: usize,
    /// When the contact started this response from an earlier one's answers.
    pub carried: Option<CarriedNote>,
    pub lines: Vec<AnswerLine>,
}

#[derive(Template)]
#[template(path = "staff/org_responses.html")]
pub struct OrgResponsesPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub organisation_id: String,
    pub place: String,
    /// The overall rating, from the latest submitted response to each questionnaire.
    pub rating: super::org_rating::RatingView,
    pub blocks: Vec<ResponseBlock>,
}

/// What the block says about answers copied from an earlier response.
pub struct CarriedNote {
    /// The source: its campaign and when it was submitted.
    pub source: String,
    /// Its block on this page (`#response-…`); empty when it is not listed.
    pub href: String,
    /// How many answers, when, and how many were left out.
    pub rest: String,
}

fn carried_note(r: &ResponseRecord, all: &[ResponseRecord]) -> Option<CarriedNote> {
    let c = r.carried_from.as_ref()?;
    let source = all.iter().find(|s| s.response.id.uuid() == c.response_id);
    let (source, href) = match source {
        Some(s) => (
            format!("{} ({})", s.campaign.name, submitted_on(s)),
            format!("#response-{}", c.response_id),
        ),
        None => ("an earlier response".to_string(), String::new()),
    };
    let left_out = match c.left_out {
        0 => String::new(),
        1 => "; 1 left out (not asked or not accepted by this version, or a file)".into(),
        n => format!("; {n} left out (not asked or not accepted by this version, or files)"),
    };
    let rest = format!(
        "{} answer{} copied by the contact on {}{left_out}.",
        c.answers,
        if c.answers == 1 { "" } else { "s" },
        c.at.format("%Y-%m-%d"),
    );
    Some(CarriedNote { source, href, rest })
}

fn submitted_on(r: &ResponseRecord) -> String {
    r.response
        .submitted_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "not submitted".into())
}

fn block(
    registry: &QuestionnaireRegistry,
    r: &ResponseRecord,
    previous: Option<&ResponseRecord>,
    all: &[ResponseRecord],
) -> ResponseBlock {
    let version = registry.get(r.campaign.template_version_id);
    let carried = carried_note(r, all);
    let previous_version = previous.and_then(|p| registry.get(p.campaign.template_version_id));
    let mut lines = Vec::new();
    let mut questionnaire = String::from("(questionnaire not loaded)");
    let mut answered_in = String::new();
    if let Some(v) = version.as_ref() {
        let q = &v.questionnaire;
        // The committee reads the questionnaire's own language (English in ours), as
        // on the flag pages; what the supplier typed stays as typed, and the block says
        // which language they answered in.
        let lang = q.default_lang();
        questionnaire = format!("{} v{}", q.title.get(lang), q.version);
        if let Some(answered) = r.response.language.filter(|l| *l != lang) {
            answered_in = format!("answered in {}", answered.english_name());
        }
        for question in q.questions() {
            let value = r.answers.get(&question.id);
            let answer = value
                .map(|v| answer_text(question, v, lang))
                .unwrap_or_else(|| "(not answered)".into());
            let before = previous.and_then(|p| {
                let old = p.answers.get(&question.id);
                if old == value {
                    return None;
                }
                let old_question = previous_version
                    .as_ref()
                    .and_then(|pv| pv.questionnaire.find(&question.id))
                    .unwrap_or(question);
                Some(
                    old.map(|o| answer_text(old_question, o, lang))
                        .unwrap_or_else(|| "(not answered)".into()),
                )
            });
            let flags = r
                .flags
                .iter()
                .filter(|(f, _)| f.question_id == question.id)
                .map(|(f, w)| FlagNote {
                    id: f.id.to_string(),
                    band: f.band.to_string(),
                    indicator: Indicator::name_of(&f.indicator, Lang::En),
                    explanation: question
                        .risk
                        .get(f.rule_index as usize)
                        .map(|rule| rule.explanation.get(lang).to_string())
                        .unwrap_or_default(),
                    status: w.status.label(),
                })
                .collect();
            let evidence = r
                .evidence
                .iter()
                .filter(|e| e.question_id == question.id)
                .map(|e| {
                    format!(
                        "{} ({} KB, SHA-256 {}…, {})",
                        e.file_name,
                        (e.size_bytes + 1023) / 1024,
                        &e.sha256[..12.min(e.sha256.len())],
                        e.created_at.format("%Y-%m-%d")
                    )
                })
                .collect();
            lines.push(AnswerLine {
                question_id: question.id.clone(),
                label: question.label.get(lang).to_string(),
                answer,
                flags,
                evidence,
                before,
            });
        }
    }
    ResponseBlock {
        anchor: r.response.id.to_string(),
        campaign: r.campaign.name.clone(),
        questionnaire,
        answered_in,
        status: r.response.status.to_string(),
        submitted: submitted_on(r),
        flag_count: r.flags.len(),
        compared_with: previous
            .map(|p| p.campaign.name.clone())
            .unwrap_or_default(),
        changed: lines.iter().filter(|l| l.before.is_some()).count(),
        carried,
        lines,
    }
}

/// Which questionnaire a response answers, across its versions: the questionnaire's id,
/// or its version's id when that version is not loaded.
fn questionnaire_key(registry: &QuestionnaireRegistry, r: &ResponseRecord) -> String {
    let version = r.campaign.template_version_id;
    registry
        .get(version)
        .map(|v| v.questionnaire.id.clone())
        .unwrap_or_else(|| format!("version {version}"))
}

/// Responses not submitted first, then the latest submission first; each compared with
/// the organisation's submitted response to the same questionnaire before it (any
/// version), never with another questionnaire's.
pub fn org_responses_page(
    user: &StaffUser,
    registry: &QuestionnaireRegistry,
    h: OrganisationHistory,
    rated: &OrganisationRating,
) -> OrgResponsesPage {
    let mut blocks = Vec::new();
    let mut previous: HashMap<String, &ResponseRecord> = HashMap::new();
    for r in &h.responses {
        let key = questionnaire_key(registry, r);
        blocks.push(block(
            registry,
            r,
            previous.get(&key).copied(),
            &h.responses,
        ));
        if r.response.status == ResponseStatus::Submitted {
            previous.insert(key, r);
        }
    }
    blocks.reverse();
    let (rating, responses, flags) = rated;
    let rating = super::org_rating::rating_view(rating, responses.len(), flags, &blocks);
    OrgResponsesPage {
        lang: Lang::En.code().into(),
        title: format!("{}: responses and history", h.organisation.name),
        nav: StaffNav::new(user, "/staff/organisations"),
        organisation_id: h.organisation.id.to_string(),
        place: format!(
            "{}, {}",
            h.organisation.kind.label(),
            crate::domain::countries::labelled(&h.organisation.country)
        ),
        rating,
        blocks,
    }
}

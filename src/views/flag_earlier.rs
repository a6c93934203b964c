//! "This question before" on the flag page (`staff/flag.html`, `#earlier`): the
//! organisation's earlier answers to the flag's question, each with the flags it raised
//! and their state, so the committee sees a risk that comes back after it was closed or
//! accepted, and an answer copied unchanged from the last round.

use super::respondent::answer_text;
use crate::domain::i18n::Lang;
use crate::domain::questionnaire::Question;
use crate::services::flags::page::FlagPage;
use crate::services::questionnaires::QuestionnaireRegistry;

/// A flag that an earlier answer raised.
pub struct EarlierFlag {
    pub href: String,
    pub band: String,
    pub status: String,
    /// Why the risk was accepted or corrective action required (empty when neither).
    pub reason: String,
}

/// One earlier submission's answer.
pub struct EarlierLine {
    pub campaign: String,
    /// The answer's line on the organisation's responses page.
    pub href: String,
    pub submitted: String,
    pub answer: String,
    /// The same answer as the flagged one.
    pub same: bool,
    /// The flag's response was started from this submission's answers.
    pub copied: bool,
    pub flags: Vec<EarlierFlag>,
}

/// The lines, newest submission first; `question` is the flag's question in its own
/// version, used when an earlier version is not loaded or no longer has it.
pub fn lines(
    registry: &QuestionnaireRegistry,
    p: &FlagPage,
    question: Option<&Question>,
    lang: Lang,
) -> Vec<EarlierLine> {
    p.earlier
        .iter()
        .map(|(e, raised)| {
            let version = registry.get(e.template_version_id);
            let asked = version
                .as_ref()
                .and_then(|v| v.questionnaire.find(&p.flag.question_id))
                .or(question);
            let answer = match (&e.value, asked) {
                (None, _) => "(not answered)".to_string(),
                (Some(v), Some(q)) => answer_text(q, v, lang),
                (Some(v), None) => v.to_string(),
            };
            EarlierLine {
                campaign: e.campaign_name.clone(),
                href: format!(
                    "/staff/organisations/{}/responses#a-{}-{}",
                    p.organisation.id, e.response_id, p.flag.question_id
                ),
                submitted: e.submitted_at.format("%Y-%m-%d").to_string(),
                answer,
                same: e.value.as_ref() == Some(&p.flag.answer),
                copied: p.carried_from == Some(e.response_id),
                flags: raised
                    .iter()
                    .map(|(f, w)| EarlierFlag {
                        href: format!("/staff/flags/{}", f.id),
                        band: f.band.to_string(),
                        status: w.status.label(),
                        reason: w.decision_reason.clone().unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect()
}

//! Scoring a submission (answers → flags, with the inherent country/sector value), and
//! re-scoring stored responses to prove the flags are reproducible.
//!
//! A submission's flags come from its pinned questionnaire version, its answers and the
//! inherent value of the current table, which is recorded with the response
//! (`response_inherent_risk`). Re-scoring reads the same three things back, so it gives
//! the stored flags again whatever happened to the table since.

use super::questionnaires::QuestionnaireRegistry;
use super::Conn;
use crate::db;
use crate::db::inherent_risk::ResponseInherent;
use crate::db::models::{Flag, Organisation};
use crate::domain::answers::Answers;
use crate::domain::flag::FlagStatus;
use crate::domain::inherent_risk;
use crate::domain::questionnaire::Questionnaire;
use crate::domain::risk::{self, RaisedFlag};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The flags a submission raises, with the current inherent value applied; the value
/// used is recorded with the response (inside the caller's transaction).
pub async fn score_submission(
    tx: &mut Conn,
    questionnaire: &Questionnaire,
    organisation: &Organisation,
    response_id: Uuid,
    answers: &Answers,
) -> Result<Vec<RaisedFlag>, AppError> {
    let raised = risk::evaluate(questionnaire, answers);
    let found =
        super::inherent_risk::value_for(tx, &organisation.country, organisation.sector.as_deref())
            .await?;
    let Some((version_id, row)) = found else {
        return Ok(raised);
    };
    db::inherent_risk::record_response_value(
        tx,
        &ResponseInherent {
            response_id,
            version_id,
            country: row.country.clone(),
            sector: row.sector.clone(),
            value: i16::from(row.value),
        },
    )
    .await?;
    Ok(inherent_risk::apply(raised, Some(row.value)))
}

/// The flags a submitted response's answers raise, scored as its submission was: the
/// pinned version's rules and the inherent value recorded with the response at
/// submission (none recorded: the answers alone). A table imported since changes
/// nothing here (it is for re-assessments). Used to re-score after a clarification,
/// where `answers` are the stored answers with the replies laid over them.
pub async fn score_stored(
    conn: &mut Conn,
    questionnaire: &Questionnaire,
    response_id: Uuid,
    answers: &Answers,
) -> Result<Vec<RaisedFlag>, AppError> {
    let recorded = db::inherent_risk::response_values(conn, &[response_id])
        .await?
        .into_iter()
        .find(|r| r.response_id == response_id)
        .map(|r| u8::try_from(r.value).unwrap_or(1));
    Ok(inherent_risk::apply(
        risk::evaluate(questionnaire, answers),
        recorded,
    ))
}

/// How a raised flag's answer is stored: the answer itself, or for a group field the
/// matching rows and their cells.
pub fn stored_answer(f: &RaisedFlag) -> Value {
    if f.rows.is_empty() {
        f.answer.clone()
    } else {
        json!({"rows": f.rows, "values": f.answer})
    }
}

/// The rows to store for raised flags (all open).
pub fn flag_rows(response_id: Uuid, raised: &[RaisedFlag], now: DateTime<Utc>) -> Vec<Flag> {
    raised
        .iter()
        .map(|f| Flag {
            id: Uuid::new_v4(),
            response_id,
            question_id: f.question_id.clone(),
            rule_index: f.rule_index as i32,
            indicator: f.indicator.as_str().into(),
            severity: f.severity.into(),
            likelihood: f.likelihood.into(),
            score: f.score.into(),
            band: f.band,
            critical: f.critical,
            answer: stored_answer(f),
            status: FlagStatus::Open,
            created_at: now,
            updated_at: now,
            affected_workers: f.affected_workers.and_then(|n| i32::try_from(n).ok()),
            workforce: f.workforce.and_then(|n| i32::try_from(n).ok()),
        })
        .collect()
}

/// What decides a flag's score, for comparing a stored flag with a recomputed one.
type Facts = (
    String,
    i16,
    i16,
    i16,
    String,
    bool,
    Value,
    Option<i32>,
    Option<i32>,
);

fn facts(f: &Flag) -> ((String, i32), Facts) {
    (
        (f.question_id.clone(), f.rule_index),
        (
            f.indicator.clone(),
            f.severity,
            f.likelihood,
            f.score,
            f.band.as_str().to_string(),
            f.critical,
            f.answer.clone(),
            f.affected_workers,
            f.workforce,
        ),
    )
}

/// A response whose recomputed flags differ from the stored ones.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub response_id: Uuid,
    pub detail: String,
}

/// The outcome of re-scoring stored responses.
#[derive(Debug, Default, Serialize)]
pub struct RescoreReport {
    pub responses: usize,
    pub flags: usize,
    /// Responses whose questionnaire version is not loaded (cannot be re-scored).
    pub unloaded: usize,
    pub mismatches: Vec<Mismatch>,
}

/// Responses read per page.
const PAGE: i64 = 500;

/// Groups `(response, question, value)` rows into each response's answers.
pub fn group_answers(rows: Vec<(Uuid, String, Value)>) -> HashMap<Uuid, Answers> {
    let mut by: HashMap<Uuid, Answers> = HashMap::new();
    for (response, question, value) in rows {
        by.entry(response).or_default().insert(question, value);
    }
    by
}

/// Re-scores stored submitted responses (all, or the first `limit`) with their pinned
/// questionnaire version, their answers and the inherent value recorded with them, and
/// compares the result with the stored flags. Reads only, in pages of 500.
pub async fn rescore_check(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    limit: Option<usize>,
) -> Result<RescoreReport, AppError> {
    let mut report = RescoreReport::default();
    let mut after = None;
    loop {
        let remaining = limit.map(|l| l.saturating_sub(report.responses + report.unloaded));
        if remaining == Some(0) {
            break;
        }
        let page_size = remaining.map_or(PAGE, |r| PAGE.min(r as i64));
        let page = db::scoring::submitted_page(conn, None, after, page_size).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.response_id);
        let ids: Vec<Uuid> = page.iter().map(|r| r.response_id).collect();
        let mut answers = group_answers(db::scoring::answers_of_responses(conn, &ids).await?);
        let inherent: HashMap<Uuid, u8> = db::inherent_risk::response_values(conn, &ids)
            .await?
            .into_iter()
            .map(|r| (r.response_id, u8::try_from(r.value).unwrap_or(1)))
            .collect();
        let mut stored: HashMap<Uuid, Vec<Flag>> = HashMap::new();
        for f in db::flags::flags_of_responses(conn, &ids).await? {
            stored.entry(f.response_id).or_default().push(f);
        }
        for r in &page {
            let Some(version) = registry.get(r.template_version_id) else {
                report.unloaded += 1;
                continue;
            };
            report.responses += 1;
            let given = answers.remove(&r.response_id).unwrap_or_default();
            let raised = inherent_risk::apply(
                risk::evaluate(&version.questionnaire, &given),
                inherent.get(&r.response_id).copied(),
            );
            let now = Utc::now();
            let recomputed: BTreeMap<_, _> = flag_rows(r.response_id, &raised, now)
                .iter()
                .map(facts)
                .collect();
            let kept: BTreeMap<_, _> = stored
                .remove(&r.response_id)
                .unwrap_or_default()
                .iter()
                .map(facts)
                .collect();
            report.flags += kept.len();
            if recomputed != kept {
                let missing: Vec<String> = recomputed
                    .keys()
                    .filter(|k| !kept.contains_key(*k))
                    .map(|(q, i)| format!("{q}#{i}"))
                    .collect();
                let extra: Vec<String> = kept
                    .keys()
                    .filter(|k| !recomputed.contains_key(*k))
                    .map(|(q, i)| format!("{q}#{i}"))
                    .collect();
                let changed: Vec<String> = kept
                    .iter()
                    .filter(|(k, v)| recomputed.get(*k).is_some_and(|n| n != *v))
                    .map(|((q, i), _)| format!("{q}#{i}"))
                    .collect();
                report.mismatches.push(Mismatch {
                    response_id: r.response_id,
                    detail: format!(
                        "not stored: [{}]; stored but not raised: [{}]; different: [{}]",
                        missing.join(", "),
                        extra.join(", "),
                        changed.join(", ")
                    ),
                });
            }
        }
    }
    Ok(report)
}

//! Illustrative bulk data for benchmarks (`hrdd-survey seed`). Everything it writes is
//! marked illustrative (`ILLUSTRATIVE-…` references, "Illustrative" names); it is for
//! measuring, never for a production database.

use super::questionnaires::QuestionnaireRegistry;
use super::Conn;
use crate::db;
use crate::domain::seed::answer_choices;
use crate::error::AppError;
use serde::Serialize;
use std::time::{Duration, Instant};

/// What was asked for.
#[derive(Debug, Clone, Copy)]
pub struct SeedSize {
    pub organisations: i64,
    pub answers: i64,
    pub flags: i64,
}

/// What was written, and how long each step took.
#[derive(Debug, Serialize)]
pub struct SeedReport {
    pub run: String,
    pub questionnaire: String,
    pub organisations: usize,
    pub responses: usize,
    pub answers: usize,
    pub flags: usize,
    pub steps: Vec<(String, Duration)>,
}

/// Seeds `size` on the latest version of `questionnaire_id` (the first questionnaire
/// when `None`).
pub async fn seed(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    questionnaire_id: Option<&str>,
    size: SeedSize,
) -> Result<SeedReport, AppError> {
    if size.organisations < 1 || size.answers < 0 || size.flags < 0 {
        return Err(AppError::field(
            "organisations",
            "give at least one organisation and no negative counts",
        ));
    }
    let version = match questionnaire_id {
        Some(id) => registry.find(id, None),
        None => registry.all().last().cloned(),
    }
    .ok_or_else(|| AppError::field("questionnaire", "no such questionnaire"))?;
    let choices = answer_choices(&version.questionnaire);
    if choices.is_empty() {
        return Err(AppError::field(
            "questionnaire",
            "the questionnaire has no question that takes a plain value",
        ));
    }
    let per_response = (size.answers + size.organisations - 1) / size.organisations;
    if per_response > choices.len() as i64 {
        return Err(AppError::field(
            "answers",
            format!(
                "at most {} answers per organisation with {} ({} questions)",
                choices.len(),
                version.questionnaire.id,
                choices.len()
            ),
        ));
    }
    let (ids, values): (Vec<String>, Vec<serde_json::Value>) = choices
        .into_iter()
        .map(|(id, v)| (id, serde_json::Value::Array(v)))
        .unzip();
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let mut steps = Vec::new();
    let mut step = |name: &str, started: Instant| steps.push((name.to_string(), started.elapsed()));
    let t = Instant::now();
    let (a, b) = db::seed::campaigns(conn, &run, version.id).await?;
    let organisations = db::seed::organisations(conn, &run, size.organisations).await?;
    step("organisations", t);
    let t = Instant::now();
    let responses = db::seed::responses(conn, &run, a, b).await?;
    step("responses", t);
    let t = Instant::now();
    let answers = db::seed::answers(conn, &run, &ids, &values, per_response).await?;
    step("answers", t);
    let t = Instant::now();
    let flags = db::seed::flags(conn, &run, &ids, size.flags).await?;
    step("flags", t);
    let t = Instant::now();
    db::seed::analyze(conn).await?;
    step("analyze", t);
    Ok(SeedReport {
        run,
        questionnaire: format!(
            "{} v{}",
            version.questionnaire.id, version.questionnaire.version
        ),
        organisations,
        responses,
        answers,
        flags,
        steps,
    })
}

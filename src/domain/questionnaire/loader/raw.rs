//! The YAML as serde-saphyr reads it, before any check: every node a message may need
//! keeps its line.

use super::super::*;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub(super) type RawText = BTreeMap<String, String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub(super) id: Spanned<String>,
    pub(super) version: Spanned<i64>,
    pub(super) languages: Spanned<Vec<String>>,
    pub(super) title: Spanned<RawText>,
    pub(super) description: Option<Spanned<RawText>>,
    pub(super) workforce: Option<Spanned<String>>,
    pub(super) sections: Spanned<Vec<RawSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSection {
    pub(super) id: Spanned<String>,
    pub(super) title: Spanned<RawText>,
    pub(super) description: Option<Spanned<RawText>>,
    pub(super) questions: Spanned<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuestion {
    pub(super) id: Spanned<String>,
    #[serde(rename = "type")]
    pub(super) kind: Spanned<String>,
    pub(super) label: Spanned<RawText>,
    pub(super) help: Option<Spanned<RawText>>,
    #[serde(default)]
    pub(super) required: bool,
    pub(super) unit: Option<Spanned<RawText>>,
    pub(super) choices: Option<Spanned<Vec<RawChoice>>>,
    pub(super) fields: Option<Spanned<Vec<RawQuestion>>>,
    pub(super) min_rows: Option<u32>,
    pub(super) max_rows: Option<u32>,
    pub(super) show_if: Option<Spanned<RawCondition>>,
    pub(super) validation: Option<Spanned<RawValidation>>,
    #[serde(default)]
    pub(super) risk: Vec<Spanned<RawRule>>,
    pub(super) dont_know: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChoice {
    pub(super) id: Spanned<String>,
    pub(super) label: Spanned<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawValidation {
    pub(super) min: Option<serde_json::Value>,
    pub(super) max: Option<serde_json::Value>,
    pub(super) pattern: Option<String>,
    pub(super) min_length: Option<usize>,
    pub(super) max_length: Option<usize>,
    pub(super) max_answer: Option<Spanned<String>>,
    pub(super) min_answer: Option<Spanned<String>>,
    pub(super) message: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum RawCondition {
    All(Vec<RawCondition>),
    Any(Vec<RawCondition>),
    Not(Box<RawCondition>),
    Equals(RawCompare),
    Includes(RawCompare),
    GreaterThan(RawCompare),
    LessThan(RawCompare),
    Answered(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompare {
    pub(super) question: String,
    pub(super) value: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) when: RawWhen,
    pub(super) indicator: String,
    pub(super) severity: RawSeverity,
    pub(super) likelihood: i64,
    #[serde(default)]
    pub(super) critical: bool,
    pub(super) affects: Option<String>,
    pub(super) explanation: RawText,
}

/// A rule condition: exactly one test key, plus `question` on a leaf that reads
/// another question. A struct rather than an enum so that `question` can sit next to
/// the test key; [`Checker::when`] enforces "exactly one".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWhen {
    pub(super) question: Option<String>,
    pub(super) answer_in: Option<Vec<String>>,
    pub(super) not_selected: Option<Vec<String>>,
    pub(super) above: Option<f64>,
    pub(super) below: Option<f64>,
    pub(super) blank: Option<bool>,
    pub(super) all_of: Option<Vec<RawWhen>>,
    pub(super) any_of: Option<Vec<RawWhen>>,
}

/// The question a rule condition is judged on, as the checker knows it.
pub(super) struct Target {
    pub(super) kind: QuestionKind,
    pub(super) choice_ids: Vec<String>,
    pub(super) required: bool,
    pub(super) dont_know: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeverity {
    pub(super) scale: i64,
    pub(super) scope: i64,
    pub(super) irremediability: i64,
}

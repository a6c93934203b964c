//! The risk engine: stored answers in, flags out. Pure and reproducible: the same
//! questionnaire version and answers always give the same flags.
//!
//! Scoring (also in `docs/questionnaire-format.md`): severity is the highest of scale,
//! scope and irremediability; score = severity × likelihood on a 5×5 matrix; bands
//! 1–4 low, 5–9 medium, 10–14 high, 15–25 critical; a rule marked `critical` is critical
//! whatever its score; an organisation is rated by its worst flag.

use super::answers::Answers;
use super::indicator::Indicator;
use super::questionnaire::{Question, QuestionKind, Questionnaire, RiskRule, RuleWhen};
use super::visibility::visible_questions;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Risk band of a flag or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    Low,
    Medium,
    High,
    Critical,
}

impl Band {
    /// The band of a matrix score (1–25), or critical when the rule is a trigger.
    pub fn of(score: u8, critical_trigger: bool) -> Band {
        match (critical_trigger, score) {
            (true, _) | (_, 15..) => Band::Critical,
            (_, 10..=14) => Band::High,
            (_, 5..=9) => Band::Medium,
            _ => Band::Low,
        }
    }

    /// The id used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
            Band::Critical => "critical",
        }
    }

    /// Parses a database / API id.
    pub fn parse(s: &str) -> Option<Band> {
        [Band::Low, Band::Medium, Band::High, Band::Critical]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

/// A flag raised by one rule on one question (or group field).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaisedFlag {
    pub question_id: String,
    /// Position of the rule in the question's `risk` list: with the template version, it
    /// names the rule that produced the flag.
    pub rule_index: usize,
    pub indicator: Indicator,
    pub severity: u8,
    pub likelihood: u8,
    pub score: u8,
    pub band: Band,
    pub critical: bool,
    /// The answer that fired the rule (for a group field: the matching cells).
    pub answer: Value,
    /// For a group field: the matching rows, counted from 1.
    pub rows: Vec<usize>,
}

/// Every flag the answers raise.
pub fn evaluate(questionnaire: &Questionnaire, answers: &Answers) -> Vec<RaisedFlag> {
    let visible = visible_questions(questionnaire, answers);
    let mut flags = Vec::new();
    for q in questionnaire
        .questions()
        .filter(|q| visible.contains(q.id.as_str()))
    {
        if q.kind == QuestionKind::Group {
            let rows: &[Value] = answers
                .get(&q.id)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for field in &q.fields {
                for (index, rule) in field.risk.iter().enumerate() {
                    let matching: Vec<(usize, Value)> = rows
                        .iter()
                        .enumerate()
                        .filter(|(_, row)| fires(&rule.when, row.get(&field.id)))
                        .map(|(n, row)| (n + 1, row.get(&field.id).cloned().unwrap_or(Value::Null)))
                        .collect();
                    if !matching.is_empty() {
                        let (rows, values): (Vec<usize>, Vec<Value>) = matching.into_iter().unzip();
                        flags.push(raise(field, index, rule, Value::Array(values), rows));
                    }
                }
            }
        } else {
            let answer = answers.get(&q.id);
            for (index, rule) in q.risk.iter().enumerate() {
                if fires(&rule.when, answer) {
                    flags.push(raise(
                        q,
                        index,
                        rule,
                        answer.cloned().unwrap_or(Value::Null),
                        Vec::new(),
                    ));
                }
            }
        }
    }
    flags
}

fn raise(
    q: &Question,
    rule_index: usize,
    rule: &RiskRule,
    answer: Value,
    rows: Vec<usize>,
) -> RaisedFlag {
    let severity = rule.severity.overall();
    let score = severity * rule.likelihood;
    RaisedFlag {
        question_id: q.id.clone(),
        rule_index,
        indicator: rule.indicator,
        severity,
        likelihood: rule.likelihood,
        score,
        band: Band::of(score, rule.critical),
        critical: rule.critical,
        answer,
        rows,
    }
}

/// Whether a rule fires on an answer (`None`: not answered).
pub fn fires(when: &RuleWhen, answer: Option<&Value>) -> bool {
    match (when, answer) {
        (RuleWhen::Blank, None | Some(Value::Null)) => true,
        (RuleWhen::Blank, Some(_)) => false,
        (_, None) => false,
        (RuleWhen::AnswerIn(ids), Some(Value::String(s))) => ids.contains(s),
        (RuleWhen::AnswerIn(ids), Some(Value::Array(items))) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|s| ids.iter().any(|id| id == s))),
        (RuleWhen::Above(limit), Some(v)) => v.as_f64().is_some_and(|n| n > *limit),
        (RuleWhen::Below(limit), Some(v)) => v.as_f64().is_some_and(|n| n < *limit),
        _ => false,
    }
}

/// An organisation's rating: the worst band among its flags, `None` without flags.
pub fn overall_band<'a>(bands: impl IntoIterator<Item = &'a Band>) -> Option<Band> {
    bands.into_iter().max().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bands_follow_the_matrix() {
        assert_eq!(Band::of(1, false), Band::Low);
        assert_eq!(Band::of(4, false), Band::Low);
        assert_eq!(Band::of(5, false), Band::Medium);
        assert_eq!(Band::of(9, false), Band::Medium);
        assert_eq!(Band::of(10, false), Band::High);
        assert_eq!(Band::of(14, false), Band::High);
        assert_eq!(Band::of(15, false), Band::Critical);
        assert_eq!(Band::of(25, false), Band::Critical);
        assert_eq!(
            Band::of(1, true),
            Band::Critical,
            "a trigger is critical regardless"
        );
    }

    #[test]
    fn rules_fire_on_their_conditions() {
        let ids = RuleWhen::AnswerIn(vec!["employer".into(), "dont_know".into()]);
        assert!(fires(&ids, Some(&json!("employer"))));
        assert!(!fires(&ids, Some(&json!("worker"))));
        assert!(fires(&ids, Some(&json!(["worker", "dont_know"]))));
        assert!(!fires(&ids, None));
        assert!(fires(&RuleWhen::Above(60.0), Some(&json!(61))));
        assert!(!fires(&RuleWhen::Above(60.0), Some(&json!(60))));
        assert!(fires(&RuleWhen::Below(1.0), Some(&json!(0.5))));
        assert!(fires(&RuleWhen::Blank, None));
        assert!(!fires(&RuleWhen::Blank, Some(&json!("x"))));
    }

    #[test]
    fn overall_is_the_worst_not_an_average() {
        let bands = [Band::Low, Band::Low, Band::Low, Band::Critical];
        assert_eq!(overall_band(&bands), Some(Band::Critical));
        assert_eq!(overall_band(&[]), None);
    }
}

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
use super::visibility::{only_visible, visible_questions};
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

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// Raised by a knock-out ("trigger") rule: critical whatever the matrix says. A
    /// flag with band critical and `critical: false` is critical by its score alone.
    pub critical: bool,
    /// The answer that fired the rule (for a group field: the matching cells).
    pub answer: Value,
    /// For a group field: the matching rows, counted from 1.
    pub rows: Vec<usize>,
    /// Workers the flag concerns, from the count question the rule names (`affects`).
    pub affected_workers: Option<u32>,
    /// The site's workforce, from the questionnaire's `workforce` question.
    pub workforce: Option<u32>,
}

impl RaisedFlag {
    /// The share of the workforce the flag concerns (0–1), when both counts are known.
    pub fn share_affected(&self) -> Option<f64> {
        share(self.affected_workers, self.workforce)
    }
}

/// `affected / workforce`, at most 1; `None` unless both are known and the workforce
/// is not zero.
pub fn share(affected: Option<u32>, workforce: Option<u32>) -> Option<f64> {
    match (affected, workforce) {
        (Some(a), Some(w)) if w > 0 => Some((f64::from(a) / f64::from(w)).min(1.0)),
        _ => None,
    }
}

/// Every flag the answers raise.
pub fn evaluate(questionnaire: &Questionnaire, answers: &Answers) -> Vec<RaisedFlag> {
    // Hidden questions count as unanswered, for their own rules and for the rules of
    // other questions that read them.
    let visible = visible_questions(questionnaire, answers);
    let answers = &only_visible(questionnaire, answers);
    let count = |id: Option<&String>| -> Option<u32> {
        answers
            .get(id?)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let workforce = count(questionnaire.workforce.as_ref());
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
                        .filter(|(_, row)| fires_in(&rule.when, row.get(&field.id), answers))
                        .map(|(n, row)| (n + 1, row.get(&field.id).cloned().unwrap_or(Value::Null)))
                        .collect();
                    if !matching.is_empty() {
                        let (rows, values): (Vec<usize>, Vec<Value>) = matching.into_iter().unzip();
                        let mut flag = raise(field, index, rule, Value::Array(values), rows);
                        flag.affected_workers = count(rule.affects.as_ref());
                        flag.workforce = workforce;
                        flags.push(flag);
                    }
                }
            }
        } else {
            let answer = answers.get(&q.id);
            for (index, rule) in q.risk.iter().enumerate() {
                if fires_in(&rule.when, answer, answers) {
                    let mut flag = raise(
                        q,
                        index,
                        rule,
                        answer.cloned().unwrap_or(Value::Null),
                        Vec::new(),
                    );
                    flag.affected_workers = count(rule.affects.as_ref());
                    flag.workforce = workforce;
                    flags.push(flag);
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
        affected_workers: None,
        workforce: None,
    }
}

/// Whether a rule that reads only its own question fires on an answer (`None`: not
/// answered).
pub fn fires(when: &RuleWhen, answer: Option<&Value>) -> bool {
    fires_in(when, answer, &Answers::new())
}

/// Whether a rule fires: `own` is the rule's question's answer (for a group field, the
/// row's cell), `answers` the visible answers, read by leaves that name a question.
pub fn fires_in(when: &RuleWhen, own: Option<&Value>, answers: &Answers) -> bool {
    match when {
        RuleWhen::AllOf(items) => items.iter().all(|w| fires_in(w, own, answers)),
        RuleWhen::AnyOf(items) => items.iter().any(|w| fires_in(w, own, answers)),
        RuleWhen::Of { question, when } => fires_in(when, answers.get(question), answers),
        leaf => fires_leaf(leaf, own),
    }
}

fn fires_leaf(when: &RuleWhen, answer: Option<&Value>) -> bool {
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
        (RuleWhen::NotSelected(ids), Some(Value::Array(items))) => ids
            .iter()
            .any(|id| !items.iter().any(|i| i.as_str() == Some(id.as_str()))),
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
    fn not_selected_fires_when_a_listed_choice_is_missing() {
        let w = RuleWhen::NotSelected(vec!["no_fees".into(), "no_retention".into()]);
        assert!(fires(&w, Some(&json!(["audits"]))));
        assert!(fires(&w, Some(&json!(["no_fees", "audits"]))));
        assert!(!fires(&w, Some(&json!(["no_fees", "no_retention"]))));
        assert!(!fires(&w, None), "unanswered is for a blank rule");
    }

    #[test]
    fn combined_conditions_read_other_answers() {
        let answers: Answers = [
            ("workers_from_abroad".to_string(), json!("yes")),
            ("headcount".to_string(), json!("dont_know")),
        ]
        .into_iter()
        .collect();
        let on_arrival = RuleWhen::AllOf(vec![
            RuleWhen::AnswerIn(vec!["on_arrival".into()]),
            RuleWhen::Of {
                question: "workers_from_abroad".into(),
                when: Box::new(RuleWhen::AnswerIn(vec!["yes".into()])),
            },
        ]);
        assert!(fires_in(&on_arrival, Some(&json!("on_arrival")), &answers));
        assert!(!fires_in(
            &on_arrival,
            Some(&json!("before_departure")),
            &answers
        ));
        assert!(!fires_in(
            &on_arrival,
            Some(&json!("on_arrival")),
            &Answers::new()
        ));
        let any = RuleWhen::AnyOf(vec![
            RuleWhen::Above(60.0),
            RuleWhen::Of {
                question: "headcount".into(),
                when: Box::new(RuleWhen::AnswerIn(vec!["dont_know".into()])),
            },
        ]);
        assert!(fires_in(&any, Some(&json!(40)), &answers));
        assert!(!fires_in(&any, Some(&json!(40)), &Answers::new()));
        // A number answered "don't know" is not a number: above/below never fire on it.
        assert!(!fires(&RuleWhen::Above(0.0), Some(&json!("dont_know"))));
        assert!(!fires(&RuleWhen::Below(1.0), Some(&json!("dont_know"))));
    }

    #[test]
    fn overall_is_the_worst_not_an_average() {
        let bands = [Band::Low, Band::Low, Band::Low, Band::Critical];
        assert_eq!(overall_band(&bands), Some(Band::Critical));
        assert_eq!(overall_band(&[]), None);
    }
}

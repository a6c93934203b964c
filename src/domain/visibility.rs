//! Which questions are shown, given the answers so far.
//!
//! Conditions only look backwards, so one pass in document order decides everything. A
//! hidden question counts as unanswered for the conditions after it, whatever value an
//! old draft may still hold for it.

use super::answers::Answers;
use super::questionnaire::{Condition, Questionnaire};
use serde_json::Value;
use std::collections::HashSet;

/// Whether `condition` holds over `answers`.
pub fn holds(condition: &Condition, answers: &Answers) -> bool {
    match condition {
        Condition::All(cs) => cs.iter().all(|c| holds(c, answers)),
        Condition::Any(cs) => cs.iter().any(|c| holds(c, answers)),
        Condition::Not(c) => !holds(c, answers),
        Condition::Answered(q) => answers.contains_key(q),
        Condition::Equals { question, value } => match answers.get(question) {
            Some(Value::String(s)) => s == value,
            Some(Value::Number(n)) => value
                .parse::<f64>()
                .ok()
                .zip(n.as_f64())
                .is_some_and(|(a, b)| a == b),
            _ => false,
        },
        Condition::Includes { question, value } => match answers.get(question) {
            Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(value)),
            _ => false,
        },
        Condition::GreaterThan { question, value } => answers
            .get(question)
            .and_then(Value::as_f64)
            .is_some_and(|n| n > *value),
        Condition::LessThan { question, value } => answers
            .get(question)
            .and_then(Value::as_f64)
            .is_some_and(|n| n < *value),
    }
}

/// The ids of the top-level questions shown for `answers`.
pub fn visible_questions<'q>(
    questionnaire: &'q Questionnaire,
    answers: &Answers,
) -> HashSet<&'q str> {
    let mut effective = Answers::new();
    let mut visible = HashSet::new();
    for q in questionnaire.questions() {
        let shown = q.show_if.as_ref().is_none_or(|c| holds(c, &effective));
        if shown {
            visible.insert(q.id.as_str());
            if let Some(v) = answers.get(&q.id) {
                effective.insert(q.id.clone(), v.clone());
            }
        }
    }
    visible
}

/// `answers` without the values of hidden questions (and of unknown ids).
pub fn only_visible(questionnaire: &Questionnaire, answers: &Answers) -> Answers {
    let visible = visible_questions(questionnaire, answers);
    answers
        .iter()
        .filter(|(k, _)| visible.contains(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

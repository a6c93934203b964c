//! Checking `show_if` conditions, which may only look backwards.

use super::*;

impl Checker<'_> {
    pub(super) fn condition(
        &mut self,
        raw: &RawCondition,
        line: u64,
        what: &str,
    ) -> Option<Condition> {
        let cond = match raw {
            RawCondition::All(list) | RawCondition::Any(list) => {
                if list.is_empty() {
                    self.error(
                        line,
                        format!("{what}: an all/any condition needs at least one item"),
                    );
                    return None;
                }
                let items: Vec<Condition> = list
                    .iter()
                    .filter_map(|c| self.condition(c, line, what))
                    .collect();
                if items.len() != list.len() {
                    return None;
                }
                if matches!(raw, RawCondition::All(_)) {
                    Condition::All(items)
                } else {
                    Condition::Any(items)
                }
            }
            RawCondition::Not(inner) => {
                Condition::Not(Box::new(self.condition(inner, line, what)?))
            }
            RawCondition::Answered(q) => {
                self.referenced_question(q, line, what)?;
                Condition::Answered(q.clone())
            }
            RawCondition::Equals(c) => {
                let seen_kind = self.referenced_question(&c.question, line, what)?;
                let value = match &c.value {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
                    other => {
                        self.error(
                            line,
                            format!("{what}: condition value {other} must be text or a number"),
                        );
                        return None;
                    }
                };
                if seen_kind.has_choices() {
                    self.check_choice(&c.question, &value, line, what)?;
                }
                Condition::Equals {
                    question: c.question.clone(),
                    value,
                }
            }
            RawCondition::Includes(c) => {
                let seen_kind = self.referenced_question(&c.question, line, what)?;
                if seen_kind != QuestionKind::MultipleChoice {
                    self.error(
                        line,
                        format!(
                            "{what}: \"includes\" needs a multiple_choice question, {} is not one",
                            c.question
                        ),
                    );
                    return None;
                }
                let value = c.value.as_str().unwrap_or_default().to_string();
                self.check_choice(&c.question, &value, line, what)?;
                Condition::Includes {
                    question: c.question.clone(),
                    value,
                }
            }
            RawCondition::GreaterThan(c) | RawCondition::LessThan(c) => {
                let seen_kind = self.referenced_question(&c.question, line, what)?;
                if !seen_kind.is_numeric() {
                    self.error(
                        line,
                        format!("{what}: a greater_than/less_than condition needs a number question, {} is not one", c.question),
                    );
                    return None;
                }
                let Some(value) = c.value.as_f64() else {
                    self.error(line, format!("{what}: condition value must be a number"));
                    return None;
                };
                if matches!(raw, RawCondition::GreaterThan(_)) {
                    Condition::GreaterThan {
                        question: c.question.clone(),
                        value,
                    }
                } else {
                    Condition::LessThan {
                        question: c.question.clone(),
                        value,
                    }
                }
            }
        };
        Some(cond)
    }

    /// Checks that a condition's question exists earlier and is not a group field.
    pub(super) fn referenced_question(
        &mut self,
        id: &str,
        line: u64,
        what: &str,
    ) -> Option<QuestionKind> {
        match self.seen_questions.get(id) {
            Some(seen) if seen.in_group() => {
                self.error(line, format!("{what}: condition refers to group field {id}; conditions may only use top-level questions"));
                None
            }
            Some(seen) => Some(seen.kind),
            None => {
                self.error(
                    line,
                    format!("{what}: condition refers to unknown or later question \"{id}\" (a condition may only use questions that come before it)"),
                );
                None
            }
        }
    }

    pub(super) fn check_choice(
        &mut self,
        question: &str,
        value: &str,
        line: u64,
        what: &str,
    ) -> Option<()> {
        let known = self
            .seen_questions
            .get(question)
            .map(|s| s.choice_ids.iter().any(|c| c == value))
            .unwrap_or(false);
        if known {
            Some(())
        } else {
            self.error(
                line,
                format!("{what}: condition uses choice \"{value}\", which question {question} does not have"),
            );
            None
        }
    }
}

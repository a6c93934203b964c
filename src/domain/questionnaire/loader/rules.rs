//! Checking risk rules and their `when` conditions.

use super::*;

impl Checker<'_> {
    pub(super) fn rule(
        &mut self,
        raw: &Spanned<RawRule>,
        own: &Target,
        what: &str,
    ) -> Option<RiskRule> {
        let line = raw.referenced.line();
        let r = &raw.value;
        let kind = own.kind;
        let before = self.errors.len();
        let when = self.when(&r.when, own, line, what, true);
        if kind == QuestionKind::Group {
            self.error(
                line,
                format!("{what}: put risk rules on the group's fields, not on the group"),
            );
        }
        let indicator = Indicator::parse(&r.indicator);
        if indicator.is_none() {
            self.error(
                line,
                format!("{what}: unknown indicator \"{}\" (see docs/questionnaire-format.md for the list)", r.indicator),
            );
        }
        let mut dim = |name: &str, v: i64| -> u8 {
            if (1..=5).contains(&v) {
                v as u8
            } else {
                self.error(
                    line,
                    format!("{what}: {name} must be between 1 and 5, not {v}"),
                );
                1
            }
        };
        let severity = Severity {
            scale: dim("severity.scale", r.severity.scale),
            scope: dim("severity.scope", r.severity.scope),
            irremediability: dim("severity.irremediability", r.severity.irremediability),
        };
        let likelihood = dim("likelihood", r.likelihood);
        let explanation = self.plain_text(
            &r.explanation,
            line,
            &format!("explanation of a risk rule of {what}"),
        );
        if let Some(a) = &r.affects {
            // Checked once the whole file is read: the count may come later (e.g. the
            // number of workers who paid fees, asked after whether any did).
            self.pending_affects
                .push((line, what.to_string(), a.clone()));
        }
        if self.errors.len() > before {
            return None;
        }
        Some(RiskRule {
            when: when?,
            indicator: indicator?,
            severity,
            likelihood,
            critical: r.critical,
            affects: r.affects.clone(),
            explanation,
        })
    }

    /// Checks one rule condition against the question it is judged on (`own`, or the
    /// question a leaf names) and builds it. `top` is false inside all_of / any_of.
    pub(super) fn when(
        &mut self,
        raw: &RawWhen,
        own: &Target,
        line: u64,
        what: &str,
        top: bool,
    ) -> Option<RuleWhen> {
        let keys = [
            raw.answer_in.is_some(),
            raw.not_selected.is_some(),
            raw.above.is_some(),
            raw.below.is_some(),
            raw.blank.is_some(),
            raw.all_of.is_some(),
            raw.any_of.is_some(),
        ];
        if keys.iter().filter(|k| **k).count() != 1 {
            self.error(
                line,
                format!("{what}: a rule condition needs exactly one of answer_in, not_selected, above, below, blank, all_of, any_of"),
            );
            return None;
        }
        if let Some(list) = raw.all_of.as_ref().or(raw.any_of.as_ref()) {
            if raw.question.is_some() {
                self.error(
                    line,
                    format!(
                        "{what}: put question on the items of all_of / any_of, not on the list"
                    ),
                );
                return None;
            }
            if list.len() < 2 {
                self.error(
                    line,
                    format!("{what}: all_of / any_of need at least two conditions"),
                );
                return None;
            }
            let items: Vec<Option<RuleWhen>> = list
                .iter()
                .map(|w| self.when(w, own, line, what, false))
                .collect();
            let items: Option<Vec<RuleWhen>> = items.into_iter().collect();
            let items = items?;
            return Some(if raw.all_of.is_some() {
                RuleWhen::AllOf(items)
            } else {
                RuleWhen::AnyOf(items)
            });
        }
        // The leaf's question: the rule's own, or an earlier top-level one.
        let other;
        let target = match &raw.question {
            None => own,
            Some(q) => {
                let seen = match self.seen_questions.get(q) {
                    Some(seen) if seen.in_group() => {
                        self.error(line, format!("{what}: rule condition refers to group field {q}; it may only use top-level questions"));
                        return None;
                    }
                    Some(seen) => seen,
                    None => {
                        self.error(
                            line,
                            format!("{what}: rule condition refers to unknown or later question \"{q}\""),
                        );
                        return None;
                    }
                };
                other = Target {
                    kind: seen.kind,
                    choice_ids: if seen.kind.is_numeric() {
                        if seen.dont_know {
                            vec![DONT_KNOW.to_string()]
                        } else {
                            Vec::new()
                        }
                    } else {
                        seen.choice_ids.clone()
                    },
                    required: seen.required,
                    dont_know: seen.dont_know,
                };
                &other
            }
        };
        let about = match &raw.question {
            Some(q) => format!("{what} (condition on {q})"),
            None => what.to_string(),
        };
        let before = self.errors.len();
        let leaf = if let Some(ids) = &raw.answer_in {
            self.choice_list(ids, target, "answer_in", line, &about);
            RuleWhen::AnswerIn(ids.clone())
        } else if let Some(ids) = &raw.not_selected {
            if target.kind != QuestionKind::MultipleChoice {
                self.error(
                    line,
                    format!("{about}: not_selected needs a multiple_choice question"),
                );
            } else {
                self.choice_list(ids, target, "not_selected", line, &about);
            }
            RuleWhen::NotSelected(ids.clone())
        } else if let Some(n) = raw.above.or(raw.below) {
            if !target.kind.is_numeric() {
                self.error(line, format!("{about}: above/below need a number question"));
            }
            if raw.above.is_some() {
                RuleWhen::Above(n)
            } else {
                RuleWhen::Below(n)
            }
        } else {
            if raw.blank != Some(true) {
                self.error(
                    line,
                    format!("{about}: write blank: true or leave the rule out"),
                );
            }
            if target.required && raw.question.is_none() && top {
                self.error(
                    line,
                    format!("{about}: a blank rule on a required question can never fire"),
                );
            }
            RuleWhen::Blank
        };
        if self.errors.len() > before {
            return None;
        }
        Some(match &raw.question {
            Some(q) => RuleWhen::Of {
                question: q.clone(),
                when: Box::new(leaf),
            },
            None => leaf,
        })
    }

    /// Checks the ids of answer_in / not_selected against the target's choices.
    pub(super) fn choice_list(
        &mut self,
        ids: &[String],
        target: &Target,
        key: &str,
        line: u64,
        what: &str,
    ) {
        if ids.is_empty() {
            self.error(line, format!("{what}: {key} needs at least one choice"));
            return;
        }
        if target.kind.is_numeric() {
            if !target.dont_know || ids.iter().any(|id| id != DONT_KNOW) {
                self.error(
                    line,
                    format!("{what}: {key} on a number question can only name dont_know, and the question needs dont_know: true"),
                );
            }
            return;
        }
        if !target.kind.has_choices() {
            self.error(
                line,
                format!("{what}: {key} needs a choice or yes_no_dk question"),
            );
            return;
        }
        for id in ids {
            if !target.choice_ids.contains(id) {
                self.error(
                    line,
                    format!(
                        "{what}: risk rule on choice \"{id}\", which does not exist (choices: {})",
                        target.choice_ids.join(", ")
                    ),
                );
            }
        }
    }
}

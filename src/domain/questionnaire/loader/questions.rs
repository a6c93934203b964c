//! Checking questions, their texts and their validation.

use super::*;

impl Checker<'_> {
    pub(super) fn question(&mut self, raw: RawQuestion, in_group: bool) -> Question {
        let id = raw.id.value.clone();
        let line = raw.id.referenced.line();
        let what = format!("question {id}");
        if !is_snake_id(&id) {
            self.error(line, format!("question id \"{id}\" must be snake_case"));
        }
        let kind = match QuestionKind::parse(&raw.kind.value) {
            Some(k) => k,
            None => {
                self.error(
                    raw.kind.referenced.line(),
                    format!(
                        "unknown question type \"{}\" for {what} (one of: single_choice, multiple_choice, yes_no_dk, integer, decimal, percentage, short_text, long_text, date, country, group, evidence)",
                        raw.kind.value
                    ),
                );
                QuestionKind::ShortText
            }
        };
        if in_group && matches!(kind, QuestionKind::Group | QuestionKind::Evidence) {
            self.error(
                raw.kind.referenced.line(),
                format!("{what}: a group field cannot be of type {}", raw.kind.value),
            );
        }

        // The condition is checked before this question is recorded as seen, so that a
        // question cannot depend on itself. A group field cannot have one: visibility,
        // validation and scoring only read the conditions of top-level questions, so it
        // would be silently ignored.
        let show_if = raw.show_if.as_ref().and_then(|c| {
            let line = c.referenced.line();
            if in_group {
                self.error(
                    line,
                    format!("{what}: a group field cannot have show_if (put the condition on the group)"),
                );
                return None;
            }
            self.condition(&c.value, line, &what)
        });

        let label = self.text(&raw.label, &format!("label of {what}"));
        let help = raw
            .help
            .as_ref()
            .map(|h| self.text(h, &format!("help of {what}")));
        let unit = raw
            .unit
            .as_ref()
            .map(|u| self.text(u, &format!("unit of {what}")));
        if unit.is_some() && !kind.is_numeric() {
            self.error(
                raw.unit
                    .as_ref()
                    .map(|u| u.referenced.line())
                    .unwrap_or(line),
                format!("{what}: a unit only applies to number questions"),
            );
        }

        let mut choices = Vec::new();
        match (&raw.choices, kind) {
            (Some(list), QuestionKind::SingleChoice | QuestionKind::MultipleChoice) => {
                if list.value.len() < 2 {
                    self.error(
                        list.referenced.line(),
                        format!("{what} needs at least two choices"),
                    );
                }
                let mut ids = HashSet::new();
                for c in &list.value {
                    if !is_snake_id(&c.id.value) {
                        self.error(
                            c.id.referenced.line(),
                            format!("choice id \"{}\" must be snake_case", c.id.value),
                        );
                    }
                    if !ids.insert(c.id.value.clone()) {
                        self.error(
                            c.id.referenced.line(),
                            format!("duplicate choice id \"{}\" in {what}", c.id.value),
                        );
                    }
                    let label = self.text(&c.label, &format!("choice {} of {what}", c.id.value));
                    choices.push(Choice {
                        id: c.id.value.clone(),
                        label,
                    });
                }
            }
            (None, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) => {
                self.error(
                    line,
                    format!("{what} is a choice question but has no choices"),
                );
            }
            (Some(list), _) => self.error(
                list.referenced.line(),
                format!("{what}: choices only apply to single_choice and multiple_choice"),
            ),
            (None, _) => {}
        }

        self.current_id = id.clone();
        let validation = raw
            .validation
            .as_ref()
            .map(|v| self.validation(v, kind, &what))
            .unwrap_or_default();
        let dont_know = match &raw.dont_know {
            Some(dk) if dk.value && !kind.is_numeric() => {
                self.error(
                    dk.referenced.line(),
                    format!("{what}: dont_know only applies to number questions (choice questions list a dont_know choice, yes_no_dk has one)"),
                );
                false
            }
            Some(dk) => dk.value,
            None => false,
        };
        self.current_dont_know = dont_know;
        self.current_required = raw.required;

        let mut fields = Vec::new();
        match (raw.fields, kind) {
            (Some(list), QuestionKind::Group) => {
                if list.value.is_empty() {
                    self.error(
                        list.referenced.line(),
                        format!("{what}: a group needs fields"),
                    );
                }
                // The group itself is recorded first so fields cannot reuse its id.
                self.record(&id, line, kind, &choices, in_group);
                let (required, dk) = (self.current_required, self.current_dont_know);
                self.current_group = Some(id.clone());
                for f in list.value {
                    fields.push(self.question(f, true));
                }
                self.current_group = None;
                (self.current_required, self.current_dont_know) = (required, dk);
            }
            (None, QuestionKind::Group) => {
                self.error(line, format!("{what} is a group but has no fields"));
                self.record(&id, line, kind, &choices, in_group);
            }
            (Some(list), _) => {
                self.error(
                    list.referenced.line(),
                    format!("{what}: fields only apply to a group"),
                );
                self.record(&id, line, kind, &choices, in_group);
            }
            (None, _) => self.record(&id, line, kind, &choices, in_group),
        }
        if kind != QuestionKind::Group && (raw.min_rows.is_some() || raw.max_rows.is_some()) {
            self.error(
                line,
                format!("{what}: min_rows and max_rows only apply to a group"),
            );
        }
        if let (Some(min), Some(max)) = (raw.min_rows, raw.max_rows) {
            if min > max {
                self.error(line, format!("{what}: min_rows is greater than max_rows"));
            }
        }

        let own = Target {
            kind,
            choice_ids: target_choice_ids(kind, &choices, dont_know),
            required: raw.required,
            dont_know,
        };
        let mut risk = Vec::new();
        for rule in &raw.risk {
            if let Some(r) = self.rule(rule, &own, &what) {
                risk.push(r);
            }
        }

        Question {
            id,
            kind,
            label,
            help,
            required: raw.required,
            unit,
            choices,
            fields,
            min_rows: raw.min_rows,
            max_rows: raw.max_rows,
            show_if,
            validation,
            risk,
            dont_know,
        }
    }

    pub(super) fn record(
        &mut self,
        id: &str,
        line: u64,
        kind: QuestionKind,
        choices: &[Choice],
        in_group: bool,
    ) {
        if self.seen_questions.contains_key(id) {
            self.error(line, format!("duplicate question id \"{id}\""));
            return;
        }
        let choice_ids = match kind {
            QuestionKind::YesNoDk => YES_NO_DK.iter().map(|s| s.to_string()).collect(),
            _ => choices.iter().map(|c| c.id.clone()).collect(),
        };
        self.seen_questions.insert(
            id.to_string(),
            Seen {
                kind,
                choice_ids,
                required: self.current_required,
                dont_know: self.current_dont_know,
                order: self.seen_questions.len(),
                group: if in_group {
                    self.current_group.clone()
                } else {
                    None
                },
            },
        );
    }

    pub(super) fn text(&mut self, raw: &Spanned<RawText>, what: &str) -> Text {
        self.plain_text(&raw.value, raw.referenced.line(), what)
    }

    pub(super) fn plain_text(&mut self, raw: &RawText, line: u64, what: &str) -> Text {
        let mut map = BTreeMap::new();
        for (code, value) in raw {
            match Lang::parse(code) {
                Some(lang) if self.languages.contains(&lang) => {
                    if value.trim().is_empty() {
                        self.error(line, format!("empty \"{code}\" text for {what}"));
                    }
                    map.insert(lang, value.trim().to_string());
                }
                _ => self.error(
                    line,
                    format!("{what} has text in \"{code}\", which is not a declared language"),
                ),
            }
        }
        for lang in self.languages.clone() {
            if !map.contains_key(&lang) {
                self.error(line, format!("missing translation \"{lang}\" for {what}"));
            }
        }
        Text(map)
    }

    pub(super) fn validation(
        &mut self,
        raw: &Spanned<RawValidation>,
        kind: QuestionKind,
        what: &str,
    ) -> Validation {
        let line = raw.referenced.line();
        let v = &raw.value;
        let mut out = Validation::default();
        let numeric = kind.is_numeric();
        let textual = matches!(kind, QuestionKind::ShortText | QuestionKind::LongText);
        for (key, value, slot_num, slot_date) in [
            ("min", &v.min, &mut out.min, &mut out.min_date),
            ("max", &v.max, &mut out.max, &mut out.max_date),
        ] {
            let Some(value) = value else { continue };
            if numeric {
                match value.as_f64() {
                    Some(n) => *slot_num = Some(n),
                    None => self.errors.push(LoadError {
                        file: self.file.to_path_buf(),
                        line,
                        message: format!("{what}: validation {key} must be a number"),
                    }),
                }
            } else if kind == QuestionKind::Date {
                let bound = match value.as_str() {
                    Some("today") => Some(DateBound::Today),
                    Some(s) => s.parse().ok().map(DateBound::On),
                    None => None,
                };
                match bound {
                    Some(b) => *slot_date = Some(b),
                    None => self.errors.push(LoadError {
                        file: self.file.to_path_buf(),
                        line,
                        message: format!(
                            "{what}: validation {key} must be a date \"YYYY-MM-DD\" or today"
                        ),
                    }),
                }
            } else {
                self.errors.push(LoadError {
                    file: self.file.to_path_buf(),
                    line,
                    message: format!("{what}: validation {key} only applies to numbers and dates"),
                });
            }
        }
        if let (Some(a), Some(b)) = (out.min, out.max) {
            if a > b {
                self.error(line, format!("{what}: validation min is greater than max"));
            }
        }
        if let Some(p) = &v.pattern {
            if kind != QuestionKind::ShortText {
                self.error(line, format!("{what}: pattern only applies to short_text"));
            }
            match regex::Regex::new(&format!("^(?:{p})$")) {
                Ok(re) => out.pattern = Some(re),
                Err(e) => self.error(
                    line,
                    format!("{what}: invalid pattern: {}", first_line(&e.to_string())),
                ),
            }
        }
        if (v.min_length.is_some() || v.max_length.is_some()) && !textual {
            self.error(
                line,
                format!("{what}: min_length and max_length only apply to text"),
            );
        }
        out.min_length = v.min_length;
        out.max_length = v.max_length;
        out.max_answer = self.answer_reference("max_answer", v.max_answer.as_ref(), kind, what);
        out.min_answer = self.answer_reference("min_answer", v.min_answer.as_ref(), kind, what);
        if let Some(m) = &v.message {
            out.message = Some(self.plain_text(m, line, &format!("validation message of {what}")));
        }
        out
    }
}

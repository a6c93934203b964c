//! Reads a questionnaire file and checks it completely.
//!
//! Parsing happens in two steps: serde-saphyr turns YAML into the `Raw*` structs below,
//! keeping the line of every node a message may need, then [`Checker`] walks them and
//! builds the model, collecting *every* problem instead of stopping at the first.

use super::*;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a template file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// A template file read from disk: its path, source text and SHA-256.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub path: PathBuf,
    pub source: String,
}

impl TemplateFile {
    /// Reads every `*.yaml` / `*.yml` file of `dir`, sorted by name.
    pub fn read_dir(dir: &Path) -> std::io::Result<Vec<TemplateFile>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml") | Some("yml")
                )
            })
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let source = std::fs::read_to_string(&path)?;
                Ok(TemplateFile { path, source })
            })
            .collect()
    }

    /// The SHA-256 of the source, hex-encoded: a version's identity in the database.
    pub fn sha256(&self) -> String {
        content_sha256(&self.source)
    }
}

/// SHA-256 of a template source, hex-encoded.
pub fn content_sha256(source: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(source.as_bytes()))
}

type RawText = BTreeMap<String, String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: Spanned<String>,
    version: Spanned<i64>,
    languages: Spanned<Vec<String>>,
    title: Spanned<RawText>,
    description: Option<Spanned<RawText>>,
    workforce: Option<Spanned<String>>,
    sections: Spanned<Vec<RawSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Spanned<RawText>,
    description: Option<Spanned<RawText>>,
    questions: Spanned<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    label: Spanned<RawText>,
    help: Option<Spanned<RawText>>,
    #[serde(default)]
    required: bool,
    unit: Option<Spanned<RawText>>,
    choices: Option<Spanned<Vec<RawChoice>>>,
    fields: Option<Spanned<Vec<RawQuestion>>>,
    min_rows: Option<u32>,
    max_rows: Option<u32>,
    show_if: Option<Spanned<RawCondition>>,
    validation: Option<Spanned<RawValidation>>,
    #[serde(default)]
    risk: Vec<Spanned<RawRule>>,
    dont_know: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    id: Spanned<String>,
    label: Spanned<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidation {
    min: Option<serde_json::Value>,
    max: Option<serde_json::Value>,
    pattern: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    message: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum RawCondition {
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
struct RawCompare {
    question: String,
    value: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    when: RawWhen,
    indicator: String,
    severity: RawSeverity,
    likelihood: i64,
    #[serde(default)]
    critical: bool,
    affects: Option<String>,
    explanation: RawText,
}

/// A rule condition: exactly one test key, plus `question` on a leaf that reads
/// another question. A struct rather than an enum so that `question` can sit next to
/// the test key; [`Checker::when`] enforces "exactly one".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    question: Option<String>,
    answer_in: Option<Vec<String>>,
    not_selected: Option<Vec<String>>,
    above: Option<f64>,
    below: Option<f64>,
    blank: Option<bool>,
    all_of: Option<Vec<RawWhen>>,
    any_of: Option<Vec<RawWhen>>,
}

/// The question a rule condition is judged on, as the checker knows it.
struct Target {
    kind: QuestionKind,
    choice_ids: Vec<String>,
    required: bool,
    dont_know: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeverity {
    scale: i64,
    scope: i64,
    irremediability: i64,
}

/// Parses and checks one template file. `Err` holds every problem found.
pub fn parse(file: &TemplateFile) -> Result<Questionnaire, Vec<LoadError>> {
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
    let raw: RawTemplate =
        serde_saphyr::from_str_with_options(&file.source, options).map_err(|e| {
            vec![LoadError {
                file: file.path.clone(),
                line: e.location().map(|l| l.line()).unwrap_or(1),
                message: first_line(&e.to_string()),
            }]
        })?;
    let mut checker = Checker {
        file: &file.path,
        errors: Vec::new(),
        languages: Vec::new(),
        seen_questions: HashMap::new(),
        current_required: false,
        current_dont_know: false,
        pending_affects: Vec::new(),
    };
    let questionnaire = checker.template(raw);
    if checker.errors.is_empty() {
        Ok(questionnaire)
    } else {
        checker.errors.sort_by_key(|e| e.line);
        Err(checker.errors)
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// What the checker knows about a question already seen, for conditions.
struct Seen {
    kind: QuestionKind,
    choice_ids: Vec<String>,
    in_group: bool,
    required: bool,
    dont_know: bool,
}

struct Checker<'a> {
    file: &'a Path,
    errors: Vec<LoadError>,
    languages: Vec<Lang>,
    seen_questions: HashMap<String, Seen>,
    /// `required` and `dont_know` of the question being read, for [`Checker::record`].
    current_required: bool,
    current_dont_know: bool,
    /// `(line, question, count id)` of every rule's `affects`, checked at the end.
    pending_affects: Vec<(u64, String, String)>,
}

impl Checker<'_> {
    fn error(&mut self, line: u64, message: impl Into<String>) {
        self.errors.push(LoadError {
            file: self.file.to_path_buf(),
            line,
            message: message.into(),
        });
    }

    fn template(&mut self, raw: RawTemplate) -> Questionnaire {
        let id = raw.id.value.clone();
        if !is_template_id(&id) {
            self.error(
                raw.id.referenced.line(),
                format!("template id \"{id}\" must use lowercase letters, digits and '-'"),
            );
        }
        let version = match u32::try_from(raw.version.value) {
            Ok(v) if v > 0 => v,
            _ => {
                self.error(
                    raw.version.referenced.line(),
                    format!(
                        "version must be a positive integer, not {}",
                        raw.version.value
                    ),
                );
                1
            }
        };
        let mut seen_langs = HashSet::new();
        for code in &raw.languages.value {
            match Lang::parse(code) {
                Some(lang) if seen_langs.insert(lang) => self.languages.push(lang),
                Some(_) => self.error(
                    raw.languages.referenced.line(),
                    format!("language \"{code}\" is listed twice"),
                ),
                None => self.error(
                    raw.languages.referenced.line(),
                    format!("unsupported language \"{code}\" (supported: en, ja, vi, zh)"),
                ),
            }
        }
        if self.languages.is_empty() {
            self.error(
                raw.languages.referenced.line(),
                "declare at least one language",
            );
            self.languages.push(Lang::En);
        }
        let title = self.text(&raw.title, "title of the questionnaire");
        let description = raw
            .description
            .as_ref()
            .map(|d| self.text(d, "description of the questionnaire"));
        if raw.sections.value.is_empty() {
            self.error(
                raw.sections.referenced.line(),
                "a questionnaire needs at least one section",
            );
        }
        let mut section_ids = HashSet::new();
        let sections = raw
            .sections
            .value
            .into_iter()
            .map(|s| {
                if !section_ids.insert(s.id.value.clone()) {
                    self.error(
                        s.id.referenced.line(),
                        format!("duplicate section id \"{}\"", s.id.value),
                    );
                }
                self.section(s)
            })
            .collect();
        for (line, what, a) in std::mem::take(&mut self.pending_affects) {
            match self.seen_questions.get(&a) {
                Some(seen) if seen.kind == QuestionKind::Integer && !seen.in_group => {}
                Some(_) => self.error(
                    line,
                    format!("{what}: affects must name a top-level integer question (a count of workers), {a} is not one"),
                ),
                None => self.error(line, format!("{what}: affects names unknown question \"{a}\"")),
            }
        }
        let workforce = raw.workforce.map(|w| {
            let line = w.referenced.line();
            match self.seen_questions.get(&w.value) {
                Some(seen) if seen.kind == QuestionKind::Integer && !seen.in_group => {}
                Some(_) => self.error(
                    line,
                    format!(
                        "workforce must name a top-level integer question, {} is not one",
                        w.value
                    ),
                ),
                None => self.error(
                    line,
                    format!("workforce names unknown question \"{}\"", w.value),
                ),
            }
            w.value
        });
        Questionnaire {
            id,
            version,
            languages: self.languages.clone(),
            title,
            description,
            workforce,
            sections,
        }
    }

    fn section(&mut self, raw: RawSection) -> Section {
        let what = format!("section {}", raw.id.value);
        if !is_snake_id(&raw.id.value) {
            self.error(
                raw.id.referenced.line(),
                format!("section id \"{}\" must be snake_case", raw.id.value),
            );
        }
        let title = self.text(&raw.title, &format!("title of {what}"));
        let description = raw
            .description
            .as_ref()
            .map(|d| self.text(d, &format!("description of {what}")));
        if raw.questions.value.is_empty() {
            self.error(
                raw.questions.referenced.line(),
                format!("{what} has no questions"),
            );
        }
        let questions = raw
            .questions
            .value
            .into_iter()
            .map(|q| self.question(q, false))
            .collect();
        Section {
            id: raw.id.value,
            title,
            description,
            questions,
        }
    }

    fn question(&mut self, raw: RawQuestion, in_group: bool) -> Question {
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
                for f in list.value {
                    fields.push(self.question(f, true));
                }
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

    fn record(
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
                in_group,
                required: self.current_required,
                dont_know: self.current_dont_know,
            },
        );
    }

    fn text(&mut self, raw: &Spanned<RawText>, what: &str) -> Text {
        self.plain_text(&raw.value, raw.referenced.line(), what)
    }

    fn plain_text(&mut self, raw: &RawText, line: u64, what: &str) -> Text {
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

    fn validation(
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
                match value.as_str().and_then(|s| s.parse().ok()) {
                    Some(d) => *slot_date = Some(d),
                    None => self.errors.push(LoadError {
                        file: self.file.to_path_buf(),
                        line,
                        message: format!("{what}: validation {key} must be a date \"YYYY-MM-DD\""),
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
        if let Some(m) = &v.message {
            out.message = Some(self.plain_text(m, line, &format!("validation message of {what}")));
        }
        out
    }

    fn condition(&mut self, raw: &RawCondition, line: u64, what: &str) -> Option<Condition> {
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
    fn referenced_question(&mut self, id: &str, line: u64, what: &str) -> Option<QuestionKind> {
        match self.seen_questions.get(id) {
            Some(seen) if seen.in_group => {
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

    fn check_choice(&mut self, question: &str, value: &str, line: u64, what: &str) -> Option<()> {
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

    fn rule(&mut self, raw: &Spanned<RawRule>, own: &Target, what: &str) -> Option<RiskRule> {
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
    fn when(
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
                    Some(seen) if seen.in_group => {
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
    fn choice_list(&mut self, ids: &[String], target: &Target, key: &str, line: u64, what: &str) {
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

fn is_template_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_snake_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The ids `answer_in` may name on a question: its choices, the built-in yes/no/don't
/// know, or only `dont_know` on a number question that offers it.
fn target_choice_ids(kind: QuestionKind, choices: &[Choice], dont_know: bool) -> Vec<String> {
    match kind {
        QuestionKind::YesNoDk => YES_NO_DK.iter().map(|s| s.to_string()).collect(),
        k if k.is_numeric() && dont_know => vec![DONT_KNOW.to_string()],
        _ => choices.iter().map(|c| c.id.clone()).collect(),
    }
}

//! The questionnaire model: what a validated template file becomes.
//!
//! Values of this module are only built by [`loader::parse`], which checks every rule of
//! `docs/questionnaire-format.md`; code that holds a [`Questionnaire`] may rely on ids
//! being unique, conditions pointing backwards and every text existing in every language.

pub mod loader;

use super::i18n::Lang;
use super::indicator::Indicator;
use std::collections::BTreeMap;

pub use loader::{parse, LoadError, TemplateFile};

/// A text in every language of its questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(pub BTreeMap<Lang, String>);

impl Text {
    /// The text in `lang`, or in the first language present when `lang` is missing.
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(&lang)
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// One questionnaire version.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub id: String,
    pub version: u32,
    /// Declared languages; the first is the default.
    pub languages: Vec<Lang>,
    pub title: Text,
    pub description: Option<Text>,
    /// The integer question giving the site's total workforce (`workforce:` in the
    /// file): with a rule's `affects`, it gives the share of workers a flag concerns.
    pub workforce: Option<String>,
    pub sections: Vec<Section>,
}

impl Questionnaire {
    /// The description in `lang` (empty when there is none).
    pub fn description_in(&self, lang: Lang) -> String {
        self.description
            .as_ref()
            .map(|d| d.get(lang).to_string())
            .unwrap_or_default()
    }

    /// The default language (the first declared).
    pub fn default_lang(&self) -> Lang {
        self.languages[0]
    }

    /// `wanted` when the questionnaire has it, otherwise the default language.
    pub fn pick_lang(&self, wanted: Option<Lang>) -> Lang {
        wanted
            .filter(|l| self.languages.contains(l))
            .unwrap_or_else(|| self.default_lang())
    }

    /// Top-level questions in document order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// Finds a top-level question or group field by id.
    pub fn find(&self, id: &str) -> Option<&Question> {
        self.questions().find_map(|q| {
            if q.id == id {
                Some(q)
            } else {
                q.fields.iter().find(|f| f.id == id)
            }
        })
    }
}

/// A titled part of a questionnaire.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: Text,
    pub description: Option<Text>,
    pub questions: Vec<Question>,
}

/// The type of a question, which decides its input and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    YesNoDk,
    Integer,
    Decimal,
    Percentage,
    ShortText,
    LongText,
    Date,
    Country,
    Group,
    Evidence,
}

impl QuestionKind {
    /// Parses the `type` key of a template.
    pub fn parse(s: &str) -> Option<QuestionKind> {
        Some(match s {
            "single_choice" => QuestionKind::SingleChoice,
            "multiple_choice" => QuestionKind::MultipleChoice,
            "yes_no_dk" => QuestionKind::YesNoDk,
            "integer" => QuestionKind::Integer,
            "decimal" => QuestionKind::Decimal,
            "percentage" => QuestionKind::Percentage,
            "short_text" => QuestionKind::ShortText,
            "long_text" => QuestionKind::LongText,
            "date" => QuestionKind::Date,
            "country" => QuestionKind::Country,
            "group" => QuestionKind::Group,
            "evidence" => QuestionKind::Evidence,
            _ => return None,
        })
    }

    /// Whether the answer is one or several choice ids.
    pub fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice | QuestionKind::YesNoDk
        )
    }

    /// Whether the answer is a number.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            QuestionKind::Integer | QuestionKind::Decimal | QuestionKind::Percentage
        )
    }
}

/// The choice ids of a `yes_no_dk` question.
pub const YES_NO_DK: [&str; 3] = ["yes", "no", "dont_know"];

/// One option of a choice question.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub label: Text,
}

/// Rules on a value; each failure shows `message` when the template gives one.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_date: Option<DateBound>,
    pub max_date: Option<DateBound>,
    pub pattern: Option<regex::Regex>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// Number questions: the answer must be at most (`max_answer`) or at least
    /// (`min_answer`) the answer to this other question: an earlier top-level number
    /// question for a top-level question, an earlier field of the same group (same row)
    /// for a group field.
    pub max_answer: Option<String>,
    pub min_answer: Option<String>,
    pub message: Option<Text>,
}

/// A date question's `validation.min` / `max`: a date, or the word `today`
/// ([`super::dates::Today`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    On(chrono::NaiveDate),
    Today,
}

impl DateBound {
    /// The earliest date this bound allows as a `min` on `today`.
    pub fn as_min(self, today: super::dates::Today) -> chrono::NaiveDate {
        match self {
            DateBound::On(d) => d,
            DateBound::Today => today.earliest(),
        }
    }

    /// The latest date this bound allows as a `max` on `today`.
    pub fn as_max(self, today: super::dates::Today) -> chrono::NaiveDate {
        match self {
            DateBound::On(d) => d,
            DateBound::Today => today.latest(),
        }
    }
}

/// One question, or one field of a group.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub label: Text,
    pub help: Option<Text>,
    pub required: bool,
    pub unit: Option<Text>,
    /// Choices for `single_choice` and `multiple_choice`; the three built-in ones for
    /// `yes_no_dk` are not listed here (see [`YES_NO_DK`]).
    pub choices: Vec<Choice>,
    /// Fields of a `group` (one value of each per row).
    pub fields: Vec<Question>,
    pub min_rows: Option<u32>,
    pub max_rows: Option<u32>,
    pub show_if: Option<Condition>,
    pub validation: Validation,
    pub risk: Vec<RiskRule>,
    /// A number question that offers "don't know" next to the input (`dont_know: true`);
    /// that answer is stored as the text [`DONT_KNOW`], never as a number.
    pub dont_know: bool,
}

/// The stored answer of a number question answered "don't know", and the choice id of
/// "don't know" in the built-in `yes_no_dk` choices.
pub const DONT_KNOW: &str = "dont_know";

impl Question {
    /// The ids a choice answer may take.
    pub fn choice_ids(&self) -> Vec<&str> {
        match self.kind {
            QuestionKind::YesNoDk => YES_NO_DK.to_vec(),
            _ => self.choices.iter().map(|c| c.id.as_str()).collect(),
        }
    }
}

/// A condition over earlier answers, deciding whether a question is shown.
///
/// Serialises to the same shape as in the template file; the form's script reads it to
/// hide questions as the respondent types (the server decides again on save).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// The answer to `question` is `value` (a choice id, text or number as text).
    Equals {
        question: String,
        value: String,
    },
    /// The multiple-choice answer to `question` contains `value`.
    Includes {
        question: String,
        value: String,
    },
    GreaterThan {
        question: String,
        value: f64,
    },
    LessThan {
        question: String,
        value: f64,
    },
    Answered(String),
}

impl Condition {
    /// Every question id the condition reads.
    pub fn referenced(&self) -> Vec<&str> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().flat_map(|c| c.referenced()).collect()
            }
            Condition::Not(c) => c.referenced(),
            Condition::Equals { question, .. }
            | Condition::Includes { question, .. }
            | Condition::GreaterThan { question, .. }
            | Condition::LessThan { question, .. }
            | Condition::Answered(question) => vec![question.as_str()],
        }
    }
}

/// When a risk rule fires. A leaf is judged on the rule's own question (for a group
/// field: the cell of each row), unless wrapped in [`RuleWhen::Of`].
#[derive(Debug, Clone, PartialEq)]
pub enum RuleWhen {
    /// A single choice / yes-no answer is one of the ids, a multiple-choice answer
    /// contains one of them, or a number question was answered "don't know".
    AnswerIn(Vec<String>),
    /// A multiple-choice answer was given and lacks at least one of the ids.
    NotSelected(Vec<String>),
    Above(f64),
    Below(f64),
    Blank,
    /// The leaf `when`, judged on another (earlier, top-level) question's answer.
    Of {
        question: String,
        when: Box<RuleWhen>,
    },
    /// Every item holds.
    AllOf(Vec<RuleWhen>),
    /// At least one item holds.
    AnyOf(Vec<RuleWhen>),
}

/// Severity as the UNGP define it: each dimension 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Severity {
    pub scale: u8,
    pub scope: u8,
    pub irremediability: u8,
}

impl Severity {
    /// The highest of the three: any one can make an impact severe.
    pub fn overall(self) -> u8 {
        self.scale.max(self.scope).max(self.irremediability)
    }
}

/// Turns an answer into a flag.
#[derive(Debug, Clone)]
pub struct RiskRule {
    pub when: RuleWhen,
    pub indicator: Indicator,
    pub severity: Severity,
    pub likelihood: u8,
    /// A knock-out ("trigger") rule: its flag is critical whatever the matrix says.
    pub critical: bool,
    /// The integer question counting the workers this rule concerns (`affects:`), for
    /// the share of the workforce a flag reaches; `None`: not scoped by the rule.
    pub affects: Option<String>,
    pub explanation: Text,
}

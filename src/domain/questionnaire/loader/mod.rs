//! Reads a questionnaire file and checks it completely.
//!
//! Parsing happens in two steps: serde-saphyr turns YAML into the `Raw*` structs below,
//! keeping the line of every node a message may need, then [`Checker`] walks them and
//! builds the model, collecting *every* problem instead of stopping at the first.

mod conditions;
mod questions;
mod raw;
mod references;
mod rules;

use super::*;
use raw::*;
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
        current_id: String::new(),
        current_group: None,
        pending_answer_refs: Vec::new(),
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
    required: bool,
    dont_know: bool,
    /// Position in the file (questions and group fields counted in document order).
    order: usize,
    /// The group a field belongs to; `None` for a top-level question.
    group: Option<String>,
}

impl Seen {
    fn in_group(&self) -> bool {
        self.group.is_some()
    }
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
    /// The id of the question being read, and the group whose fields are being read.
    current_id: String,
    current_group: Option<String>,
    /// Every `max_answer` / `min_answer`, checked at the end (`references`).
    pending_answer_refs: Vec<references::AnswerRef>,
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
        self.check_answer_refs();
        for (line, what, a) in std::mem::take(&mut self.pending_affects) {
            match self.seen_questions.get(&a) {
                Some(seen) if seen.kind == QuestionKind::Integer && !seen.in_group() => {}
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
                Some(seen) if seen.kind == QuestionKind::Integer && !seen.in_group() => {}
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

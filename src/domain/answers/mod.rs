//! Turning what a respondent typed into typed answers, with messages in their language.
//!
//! The same function serves "save draft" and "submit": a draft accepts blanks, a
//! submission needs every visible required question. Either way a value that does not
//! parse is reported next to its field and the previous stored value is kept, so a
//! mistyped number never erases an earlier good answer.

pub mod carry;
mod cross;
mod single;

use super::dates::Today;
use super::i18n::{Lang, Msg};
use super::questionnaire::{Question, QuestionKind, Questionnaire, DONT_KNOW};
pub use super::rows::posted_rows;
use super::text::clean_answer;
use super::visibility::holds;
use serde::Serialize;
use serde_json::{json, Map, Value};
pub use single::format_number;
use single::parse_single;
use std::collections::{BTreeMap, HashMap};

/// Answers by question id, as stored in the `answers` table (`value jsonb`).
pub type Answers = BTreeMap<String, Value>;

/// Largest evidence file accepted, in bytes.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;
/// Largest form post: every text field plus evidence files.
pub const MAX_FORM_BYTES: usize = 3 * MAX_EVIDENCE_BYTES;
/// Longest `short_text` answer, in characters.
pub const SHORT_TEXT_MAX: usize = 500;
/// Longest `long_text` answer, in characters.
pub const LONG_TEXT_MAX: usize = 10_000;

/// What came in from a form: text values by field name, and uploaded files.
///
/// Field names are question ids; group cells are `group_id.row.field_id` (row from 0).
#[derive(Debug, Default, Clone)]
pub struct RawInput {
    pub values: HashMap<String, Vec<String>>,
    pub uploads: HashMap<String, Upload>,
    /// Files refused before parsing (the malware scan), by field: reported next to the
    /// field like any invalid upload.
    pub refused: HashMap<String, Msg>,
    /// Files chosen but empty (0 bytes), by field: their names. Not uploads (a form
    /// posted with no file chosen looks the same to the answers); a page that takes
    /// one file says so.
    pub empty_files: HashMap<String, String>,
}

impl RawInput {
    fn first(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.iter().map(|s| s.as_str()).find(|s| !s.trim().is_empty()))
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .get(name)
            .map(|v| {
                v.iter()
                    .map(|s| s.as_str())
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An uploaded evidence file.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// The content type the file will be served with, from its bytes
    /// (`evidence_type::sniff`); `None` when the type is not accepted.
    pub fn content_type(&self) -> Option<&'static str> {
        super::evidence_type::sniff(&self.file_name, &self.bytes)
            .ok()
            .map(|t| t.content_type)
    }

    /// SHA-256 of the content, hex-encoded.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// Draft saves accept blanks; submissions do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Draft,
    Submit,
}

/// A message for one field, already in the respondent's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The form field name: a question id, or `group.row.field` for a group cell.
    pub field: String,
    pub message: String,
}

/// The result of reading a form.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Answers of the visible questions (hidden ones are dropped). Evidence answers hold
    /// the file's metadata; the service adds `file_id` once the file is stored.
    pub answers: Answers,
    /// New files, by evidence question id.
    pub uploads: Vec<(String, Upload)>,
    pub errors: Vec<FieldError>,
    /// Questions (any section) whose stored answer was dropped: the new answers hide them.
    pub hidden: Vec<String>,
}

impl Parsed {
    /// The errors of a reply to reopened questions (a clarification): those on the
    /// reopened fields, and, for an answer kept as it was that now disagrees with a
    /// reopened one it names (a total lowered below a count), the message beside the
    /// reopened field, since only those can change.
    pub fn errors_on(
        &self,
        questionnaire: &Questionnaire,
        reopened: &[&str],
        lang: Lang,
    ) -> Vec<FieldError> {
        let mut errors: Vec<FieldError> = self
            .errors
            .iter()
            .filter(|e| reopened.contains(&e.field.as_str()))
            .cloned()
            .collect();
        let find = |id: &str| {
            reopened
                .contains(&id)
                .then(|| self.answers.get(id))
                .flatten()
        };
        for q in questionnaire
            .questions()
            .filter(|q| !reopened.contains(&q.id.as_str()))
        {
            let Some(kept) = self.answers.get(&q.id) else {
                continue;
            };
            for (field, message) in cross::check_posted(q, kept, find, lang) {
                if !errors.iter().any(|e| e.field == field) {
                    errors.push(FieldError { field, message });
                }
            }
        }
        errors
    }
}

/// Reads `input` against `questionnaire`. `previous` are the stored answers (kept for
/// evidence not re-uploaded and for fields whose new value is invalid).
pub fn parse_form(
    questionnaire: &Questionnaire,
    input: &RawInput,
    previous: &Answers,
    lang: Lang,
    mode: Mode,
    today: Today,
) -> Parsed {
    parse_section(questionnaire, input, previous, lang, mode, today, None)
}

/// [`parse_form`] for the questions of one section (`section`, from 0) only: the
/// questions of the other sections keep their `previous` value while they stay shown;
/// a question hidden by the new answers loses its value, whichever section it is in.
/// `None` reads every section from `input`. `today` judges `max: today` / `min: today`.
///
/// A posted answer that disagrees with a kept answer of another section
/// (`max_answer` / `min_answer`) is refused like an invalid value: the form is read
/// again with that field keeping its stored value, so that what it shows or hides
/// follows the value kept.
pub fn parse_section(
    questionnaire: &Questionnaire,
    input: &RawInput,
    previous: &Answers,
    lang: Lang,
    mode: Mode,
    today: Today,
    section: Option<usize>,
) -> Parsed {
    let read = Reading {
        questionnaire,
        input,
        previous,
        lang,
        mode,
        today,
        section,
    };
    let mut refused = BTreeMap::new();
    loop {
        let (parsed, more) = read.pass(&refused);
        let new: Vec<_> = more
            .into_iter()
            .filter(|(id, _)| !refused.contains_key(id))
            .collect();
        if new.is_empty() {
            return parsed;
        }
        refused.extend(new);
    }
}

/// One read of a post ([`parse_section`]'s arguments).
struct Reading<'a> {
    questionnaire: &'a Questionnaire,
    input: &'a RawInput,
    previous: &'a Answers,
    lang: Lang,
    mode: Mode,
    today: Today,
    section: Option<usize>,
}

impl Reading<'_> {
    /// Reads the post with the posted fields of `refused` refused with their message; also
    /// gives the posted fields a kept answer disagrees with, and their messages.
    fn pass(&self, refused: &BTreeMap<String, String>) -> (Parsed, Vec<(String, String)>) {
        let Reading {
            questionnaire,
            input,
            previous,
            lang,
            mode,
            today,
            section,
        } = *self;
        let mut disagreeing = Vec::new();
        let mut accepted: Vec<&str> = Vec::new();
        let mut out = Parsed::default();
        let scoped = questionnaire
            .sections
            .iter()
            .enumerate()
            .flat_map(|(n, s)| {
                let posted = section.is_none_or(|wanted| wanted == n);
                s.questions.iter().map(move |q| (q, posted))
            });
        for (q, posted) in scoped {
            let shown = q.show_if.as_ref().is_none_or(|c| holds(c, &out.answers));
            if !shown {
                if previous.contains_key(&q.id) {
                    out.hidden.push(q.id.clone());
                }
                continue;
            }
            if !posted {
                if let Some(old) = previous.get(&q.id) {
                    let answers = &out.answers;
                    let find = |id: &str| accepted.contains(&id).then(|| answers.get(id)).flatten();
                    disagreeing.extend(cross::check_posted(q, old, find, lang));
                    out.answers.insert(q.id.clone(), old.clone());
                }
                continue;
            }
            let result = match q.kind {
                _ if refused.contains_key(&q.id) => Err(refused[&q.id].clone()),
                QuestionKind::Group => parse_group(q, input, lang, mode, today, &mut out.errors),
                QuestionKind::Evidence => match input.uploads.get(&q.id).map(|u| Upload {
                    // The name is shown and stored: no NUL, line breaks or bidi overrides.
                    file_name: clean_answer(&u.file_name, false),
                    bytes: u.bytes.clone(),
                }) {
                    _ if input.refused.contains_key(&q.id) => Err(input.refused[&q.id].text(lang)),
                    None if input.empty_files.contains_key(&q.id) => Err(Msg::FileEmpty.text(lang)),
                    // "Remove this file" ticked and no new file: the answer (and the file) go.
                    None if input.first(&remove_field(&q.id)).is_some() => Ok(None),
                    Some(mut upload) => match check_upload(&mut upload) {
                        Ok(meta) => {
                            out.uploads.push((q.id.clone(), upload));
                            Ok(Some(meta))
                        }
                        Err(msg) => Err(msg.text(lang)),
                    },
                    None => Ok(previous.get(&q.id).cloned()),
                },
                _ => parse_single(q, input, &q.id, lang, today),
            };
            let answers = &out.answers;
            let find = |id: &str| Some((questionnaire.find(id)?, answers.get(id)?));
            let result = match result {
                Ok(Some(v)) => cross::check(q, &v, find, lang).map(|()| Some(v)),
                other => other,
            };
            match result {
                Ok(Some(v)) => {
                    out.answers.insert(q.id.clone(), v);
                    accepted.push(&q.id);
                }
                Ok(None) => {
                    if q.required && mode == Mode::Submit {
                        out.errors.push(FieldError {
                            field: q.id.clone(),
                            message: Msg::Required.text(lang),
                        });
                    }
                }
                Err(message) => {
                    out.errors.push(FieldError {
                        field: q.id.clone(),
                        message,
                    });
                    if let Some(old) = previous.get(&q.id) {
                        out.answers.insert(q.id.clone(), old.clone());
                    }
                }
            }
        }
        (out, disagreeing)
    }
}

/// Size and type of an upload, decided from its bytes; the stored name gets the
/// extension of the type the file really is.
pub fn check_upload(upload: &mut Upload) -> Result<Value, Msg> {
    if upload.bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(Msg::FileTooLarge(MAX_EVIDENCE_BYTES / 1024 / 1024));
    }
    let kind = super::evidence_type::sniff(&upload.file_name, &upload.bytes)?;
    upload.file_name = super::evidence_type::stored_name(&upload.file_name, kind);
    Ok(json!({
        "file_name": upload.file_name,
        "content_type": kind.content_type,
        "size": upload.bytes.len(),
        "sha256": upload.sha256(),
    }))
}

/// Rows of a group: every `group.N.field` name seen, blank rows dropped.
fn parse_group(
    q: &Question,
    input: &RawInput,
    lang: Lang,
    mode: Mode,
    today: Today,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Value>, String> {
    let row_numbers = posted_rows(&input.values, &q.id);
    let mut rows = Vec::new();
    let mut row_errors = false;
    // Rows past the group's limit are never read (one more than the limit is enough to
    // refuse them); a group without a limit still stops at 1,000.
    let read_at_most = q.max_rows.map_or(1000, |m| m as usize + 1);
    for n in row_numbers.into_iter().take(read_at_most) {
        let names: Vec<String> = q
            .fields
            .iter()
            .map(|f| format!("{}.{n}.{}", q.id, f.id))
            .collect();
        if names.iter().all(|name| {
            input.first(name).is_none() && input.first(&dont_know_field(name)).is_none()
        }) {
            continue;
        }
        let mut row = Map::new();
        for (f, name) in q.fields.iter().zip(&names) {
            match parse_single(f, input, name, lang, today) {
                Ok(Some(v)) => {
                    row.insert(f.id.clone(), v);
                }
                Ok(None) if f.required && mode == Mode::Submit => {
                    row_errors = true;
                    errors.push(FieldError {
                        field: name.clone(),
                        message: Msg::Required.text(lang),
                    });
                }
                Ok(None) => {}
                Err(message) => {
                    row_errors = true;
                    errors.push(FieldError {
                        field: name.clone(),
                        message,
                    });
                }
            }
        }
        // Within the row: a cell that disagrees with an earlier cell it names is
        // refused like an invalid value (dropped from the row).
        for (f, name) in q.fields.iter().zip(&names) {
            let Some(v) = row.get(&f.id) else { continue };
            let find = |id: &str| Some((q.fields.iter().find(|g| g.id == id)?, row.get(id)?));
            if let Err(message) = cross::check(f, v, find, lang) {
                row_errors = true;
                errors.push(FieldError {
                    field: name.clone(),
                    message,
                });
                row.remove(&f.id);
            }
        }
        rows.push(Value::Object(row));
    }
    let count = rows.len() as u32;
    // Too many rows is refused in a draft too (the form never shows more than the limit,
    // so only a crafted post has them); too few only at submission.
    if let Some(max) = q.max_rows.filter(|m| count > *m) {
        return Err(Msg::TooManyRows(max).text(lang));
    }
    if mode == Mode::Submit && !row_errors {
        if let Some(min) = q
            .min_rows
            .filter(|m| count < *m && (count > 0 || q.required))
        {
            return Err(Msg::TooFewRows(min).text(lang));
        }
    }
    if rows.is_empty() {
        Ok(None)
    } else {
        Ok(Some(Value::Array(rows)))
    }
}

/// The box beside a stored evidence file that removes it on the save.
pub fn remove_field(name: &str) -> String {
    format!("{name}.remove")
}

/// The form field of the "don't know" box of number field `name`.
pub fn dont_know_field(name: &str) -> String {
    format!("{name}.dont_know")
}

/// The form field values that show `answers` again (the inverse of [`parse_form`]).
pub fn to_form_values(
    questionnaire: &Questionnaire,
    answers: &Answers,
) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for q in questionnaire.questions() {
        let Some(v) = answers.get(&q.id) else {
            continue;
        };
        match (q.kind, v) {
            (QuestionKind::Group, Value::Array(rows)) => {
                for (n, row) in rows.iter().enumerate() {
                    for f in &q.fields {
                        if let Some(cell) = row.get(&f.id) {
                            insert_value(&mut out, f, format!("{}.{n}.{}", q.id, f.id), cell);
                        }
                    }
                }
            }
            (QuestionKind::Evidence, _) => {}
            _ => insert_value(&mut out, q, q.id.clone(), v),
        }
    }
    out
}

/// One field's form values; a number answered "don't know" ticks its box instead.
fn insert_value(out: &mut HashMap<String, Vec<String>>, q: &Question, name: String, v: &Value) {
    if q.kind.is_numeric() && v.as_str() == Some(DONT_KNOW) {
        out.insert(dont_know_field(&name), vec!["yes".to_string()]);
    } else {
        out.insert(name, value_strings(v));
    }
}

fn value_strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().flat_map(value_strings).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![super::numbers::unambiguous(
            n.as_f64()
                .map(format_number)
                .unwrap_or_else(|| n.to_string()),
        )],
        Value::Bool(b) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

/// What a save changes in a response's stored answers: the answers to write (new, or
/// with a value other than the stored one), the questions whose answers go, and how
/// many answers the response has after it.
#[derive(Debug, PartialEq)]
pub struct AnswersDiff<'a> {
    pub write: Vec<(&'a String, &'a Value)>,
    pub removed: Vec<&'a str>,
    pub count: usize,
    /// Of `removed`, those whose questions the new answers hide ([`Parsed::hidden`]).
    pub hidden: Vec<&'a str>,
}

impl<'a> AnswersDiff<'a> {
    /// From the stored answers (`before`, read under the response's lock) to `after`.
    pub fn between(before: &'a Answers, after: &'a Answers) -> Self {
        Self {
            write: after
                .iter()
                .filter(|(q, v)| before.get(*q) != Some(*v))
                .collect(),
            removed: before
                .keys()
                .filter(|q| !after.contains_key(*q))
                .map(String::as_str)
                .collect(),
            count: after.len(),
            hidden: Vec::new(),
        }
    }

    /// The diff with `hidden`, the removed answers whose questions are now hidden.
    pub fn hiding(self, hidden: Vec<&'a str>) -> Self {
        Self { hidden, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_writes_only_new_and_changed_answers_and_removes_the_dropped() {
        let before: Answers = [("a", json!(1)), ("b", json!("x")), ("c", json!(true))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let after: Answers = [("a", json!(1)), ("b", json!("y")), ("d", json!(2))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let diff = AnswersDiff::between(&before, &after);
        let written: Vec<(&str, &Value)> =
            diff.write.iter().map(|(q, v)| (q.as_str(), *v)).collect();
        assert_eq!(written, vec![("b", &json!("y")), ("d", &json!(2))]);
        assert_eq!(diff.removed, vec!["c"]);
        assert_eq!(diff.count, 3);
        let same = AnswersDiff::between(&after, &after);
        assert!(same.write.is_empty() && same.removed.is_empty());
    }
}

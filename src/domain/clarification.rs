//! The clarification round trip, as pure rules: which answers may be reopened, the
//! answers a response is re-scored with (the replies over the originals, which stay
//! stored as they were), and the scores before and after.

use super::answers::Answers;
use super::i18n::Lang;
use super::questionnaire::{QuestionKind, Questionnaire};
use super::risk::RaisedFlag;
use serde_json::Value;

/// Longest question the committee may ask about one answer, in characters.
pub const QUESTION_MAX: usize = 2000;
/// Longest note a respondent may add to a reply, in characters.
pub const NOTE_MAX: usize = 10_000;

/// Why an answer cannot be reopened, or `None` when it can: it must be a top-level
/// question of the questionnaire, not a table or a file, and carry an open flag.
pub fn cannot_reopen(
    questionnaire: &Questionnaire,
    question_id: &str,
    has_open_flag: bool,
) -> Option<String> {
    let top = questionnaire.questions().find(|q| q.id == question_id);
    match top {
        None => Some(format!(
            "{question_id}: not a question of this questionnaire (answers inside a table are clarified by asking about the table's flag by email)"
        )),
        Some(q) if matches!(q.kind, QuestionKind::Group | QuestionKind::Evidence) => Some(
            format!("{question_id}: tables and files cannot be reopened; ask by email instead"),
        ),
        Some(_) if !has_open_flag => Some(format!(
            "{question_id}: this answer has no open flag; only flagged answers can be reopened"
        )),
        Some(_) => None,
    }
}

/// The answers to score: the stored answers with each reply in place of its original
/// (a reply of `None` clears the answer).
pub fn with_replies<'a>(
    stored: &Answers,
    replies: impl IntoIterator<Item = (&'a str, Option<&'a Value>)>,
) -> Answers {
    let mut out = stored.clone();
    for (question_id, reply) in replies {
        match reply {
            Some(v) => {
                out.insert(question_id.to_string(), v.clone());
            }
            None => {
                out.remove(question_id);
            }
        }
    }
    out
}

/// A response's score: its highest flag score (0 without flags) and its number of flags.
pub fn summary(flags: &[RaisedFlag]) -> (i16, i32) {
    (
        flags.iter().map(|f| i16::from(f.score)).max().unwrap_or(0),
        flags.len() as i32,
    )
}

/// The highest score of the flags on one question (0 when none fires).
pub fn question_score(flags: &[RaisedFlag], question_id: &str) -> i16 {
    flags
        .iter()
        .filter(|f| f.question_id == question_id)
        .map(|f| i16::from(f.score))
        .max()
        .unwrap_or(0)
}

/// The questions of a clarification as its emails list them (the request, and its
/// withdrawal): each reopened question's label in `lang` (its id when the questionnaire
/// is not at hand), the committee's question under it.
pub fn questions_text<'a>(
    q: Option<&Questionnaire>,
    lang: Lang,
    asked: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    asked
        .into_iter()
        .map(|(id, text)| {
            let label = q.and_then(|q| q.find(id)).map_or(id, |x| x.label.get(lang));
            format!("• {label}\n  {text}")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replies_replace_without_touching_the_rest() {
        let stored: Answers = [
            ("passports".to_string(), json!("employer")),
            ("headcount".to_string(), json!(40)),
        ]
        .into_iter()
        .collect();
        let reply = json!("worker");
        let out = with_replies(&stored, [("passports", Some(&reply)), ("notes", None)]);
        assert_eq!(out["passports"], json!("worker"));
        assert_eq!(out["headcount"], json!(40));
        assert_eq!(stored["passports"], json!("employer"));
        let cleared = with_replies(&stored, [("headcount", None)]);
        assert!(!cleared.contains_key("headcount"));
    }
}

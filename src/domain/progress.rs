//! How far a response is: per section, the questions shown, those answered and the
//! required ones still unanswered; where to resume. Pure: from the questionnaire and
//! the stored answers.

use super::answers::Answers;
use super::questionnaire::Questionnaire;
use super::visibility::visible_questions;

/// One section's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionProgress {
    /// Questions shown for the current answers.
    pub shown: usize,
    /// Shown questions with an answer.
    pub answered: usize,
    /// Shown required questions without an answer, in order.
    pub required_left: Vec<String>,
}

impl SectionProgress {
    /// Nothing required is left, and something was answered (or nothing is asked).
    pub fn done(&self) -> bool {
        self.required_left.is_empty() && (self.answered > 0 || self.shown == 0)
    }
}

/// The progress of every section, in order.
pub fn progress(q: &Questionnaire, answers: &Answers) -> Vec<SectionProgress> {
    let visible = visible_questions(q, answers);
    q.sections
        .iter()
        .map(|s| {
            let shown: Vec<_> = s
                .questions
                .iter()
                .filter(|x| visible.contains(x.id.as_str()))
                .collect();
            SectionProgress {
                shown: shown.len(),
                answered: shown.iter().filter(|x| answers.contains_key(&x.id)).count(),
                required_left: shown
                    .iter()
                    .filter(|x| x.required && !answers.contains_key(&x.id))
                    .map(|x| x.id.clone())
                    .collect(),
            }
        })
        .collect()
}

/// The section to resume at (from 0): the first one not done; `None` when all are
/// done (then the review page is next).
pub fn resume_at(sections: &[SectionProgress]) -> Option<usize> {
    sections.iter().position(|s| !s.done())
}

/// The section (from 0) holding the top-level question `id` (or the group whose cell
/// field name is `group.row.field`).
pub fn section_of(q: &Questionnaire, field: &str) -> Option<usize> {
    let id = field.split('.').next().unwrap_or(field);
    q.sections
        .iter()
        .position(|s| s.questions.iter().any(|x| x.id == id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::loader::{parse, TemplateFile};
    use serde_json::json;

    fn two_sections() -> Questionnaire {
        parse(&TemplateFile {
            path: "t.yaml".into(),
            source: r#"
id: t
version: 1
languages: [en]
title: {en: T}
sections:
  - id: a
    title: {en: A}
    questions:
      - {id: q1, type: yes_no_dk, required: true, label: {en: Q1}}
      - {id: q2, type: integer, required: true, label: {en: Q2}, show_if: {equals: {question: q1, value: "yes"}}}
  - id: b
    title: {en: B}
    questions:
      - {id: q3, type: short_text, label: {en: Q3}}
"#
            .into(),
        })
        .unwrap()
    }

    #[test]
    fn required_hidden_questions_do_not_count_and_resume_finds_the_first_gap() {
        let q = two_sections();
        let none = Answers::new();
        let p = progress(&q, &none);
        assert_eq!(p[0].required_left, vec!["q1".to_string()]);
        assert_eq!(p[0].shown, 1, "q2 is hidden until q1 = yes");
        assert!(!p[1].done(), "nothing answered in b");
        assert_eq!(resume_at(&p), Some(0));

        let mut a = Answers::new();
        a.insert("q1".into(), json!("no"));
        let p = progress(&q, &a);
        assert!(p[0].done());
        assert_eq!(resume_at(&p), Some(1));

        a.insert("q1".into(), json!("yes"));
        let p = progress(&q, &a);
        assert_eq!(p[0].required_left, vec!["q2".to_string()], "shown now");
        a.insert("q2".into(), json!(3));
        a.insert("q3".into(), json!("x"));
        assert_eq!(resume_at(&progress(&q, &a)), None);
        assert_eq!(section_of(&q, "q3"), Some(1));
        assert_eq!(section_of(&q, "nope"), None);
    }
}

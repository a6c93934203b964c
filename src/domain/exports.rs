//! Export layout (pure): which question is which column, so that a campaign's export
//! has the same columns in the same order whatever version of the questionnaire each
//! campaign was pinned to.

use super::questionnaire::{Question, Questionnaire};
use std::collections::HashSet;

/// The question columns for every version of one questionnaire: the newest version's
/// top-level questions in document order, then each question that only older versions
/// have (newer versions first, in their document order). A column is keyed by the
/// question id, so the same id is the same column in every version; its label comes
/// from the newest version that has it.
pub fn columns<'a>(versions: &[&'a Questionnaire]) -> Vec<&'a Question> {
    let mut sorted: Vec<&Questionnaire> = versions.to_vec();
    sorted.sort_by_key(|q| std::cmp::Reverse(q.version));
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for q in sorted {
        for question in q.questions() {
            if seen.insert(question.id.as_str()) {
                out.push(question);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::{parse, TemplateFile};

    fn version(v: u32, questions: &[&str]) -> Questionnaire {
        let qs: String = questions
            .iter()
            .map(|id| {
                format!(
                    "      - id: {id}\n        type: short_text\n        label: {{en: \"{id} v{v}\"}}\n"
                )
            })
            .collect();
        let source = format!(
            "id: t\nversion: {v}\nlanguages: [en]\ntitle: {{en: T}}\nsections:\n  - id: s\n    title: {{en: S}}\n    questions:\n{qs}"
        );
        parse(&TemplateFile {
            path: "t.yaml".into(),
            source,
        })
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn columns_follow_the_newest_version_then_dropped_questions() {
        let v1 = version(1, &["a", "b", "old"]);
        let v2 = version(2, &["b", "a", "new"]);
        let cols = columns(&[&v1, &v2]);
        let ids: Vec<&str> = cols.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "new", "old"]);
        // The same, whatever order the versions come in.
        let again: Vec<&str> = columns(&[&v2, &v1]).iter().map(|q| q.id.as_str()).collect();
        assert_eq!(again, ids);
        // Labels from the newest version that has the question.
        assert_eq!(cols[0].label.get(crate::domain::i18n::Lang::En), "b v2");
        assert_eq!(cols[3].label.get(crate::domain::i18n::Lang::En), "old v1");
    }
}

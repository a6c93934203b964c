//! Plausible answer values per question for illustrative bulk data (`hrdd-survey
//! seed`): pure, from the questionnaire alone.

use super::questionnaire::{QuestionKind, Questionnaire, DONT_KNOW};
use serde_json::{json, Value};

/// `(question id, values to pick from)` for every top-level question that takes a plain
/// value (groups and evidence are left out).
pub fn answer_choices(q: &Questionnaire) -> Vec<(String, Vec<Value>)> {
    q.questions()
        .filter_map(|question| {
            let values: Vec<Value> = match question.kind {
                QuestionKind::SingleChoice | QuestionKind::YesNoDk => question
                    .choice_ids()
                    .into_iter()
                    .map(|c| json!(c))
                    .collect(),
                QuestionKind::MultipleChoice => question
                    .choice_ids()
                    .into_iter()
                    .map(|c| json!([c]))
                    .collect(),
                QuestionKind::Integer | QuestionKind::Decimal => {
                    let mut v = vec![json!(0), json!(8), json!(40), json!(120), json!(900)];
                    if question.dont_know {
                        v.push(json!(DONT_KNOW));
                    }
                    v
                }
                QuestionKind::Percentage => vec![json!(0), json!(5), json!(35), json!(80)],
                QuestionKind::ShortText | QuestionKind::LongText => {
                    vec![json!("Illustrative answer")]
                }
                QuestionKind::Date => vec![json!("2025-04-01"), json!("2026-01-15")],
                QuestionKind::Country => vec![json!("JP"), json!("VN"), json!("TH")],
                QuestionKind::Group | QuestionKind::Evidence => return None,
            };
            (!values.is_empty()).then(|| (question.id.clone(), values))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::{parse, TemplateFile};

    #[test]
    fn every_plain_question_gets_values_its_validation_would_read() {
        let source = "id: t\nversion: 1\nlanguages: [en]\ntitle: {en: T}\nsections:\n  - id: s\n    title: {en: S}\n    questions:\n      - id: a\n        type: yes_no_dk\n        label: {en: A}\n      - id: b\n        type: integer\n        label: {en: B}\n      - id: c\n        type: evidence\n        label: {en: C}\n";
        let q = parse(&TemplateFile {
            path: "t.yaml".into(),
            source: source.into(),
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
        let choices = answer_choices(&q);
        let ids: Vec<&str> = choices.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "evidence is left out");
        assert_eq!(
            choices[0].1,
            vec![json!("yes"), json!("no"), json!("dont_know")]
        );
        assert!(choices[1].1.iter().all(Value::is_number));
    }
}

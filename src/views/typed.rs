//! What a respondent typed on a page that could not save it (the link stopped working,
//! or a colleague submitted the questionnaire while the page was open), written out as
//! they would read it, so that they can copy it: each field that holds something,
//! under its question's label in their language (a table's cells with their row),
//! choices by their label, in the questionnaire's order. The declaration's name and
//! job title follow under their labels, any other field under its own name; the
//! page's hidden fields and the declaration's tick box are left out.

use super::respondent::answer_text;
use crate::domain::answers::{dont_know_field, posted_rows, remove_field, to_form_values, Answers};
use crate::domain::declaration;
use crate::domain::i18n::{ui, Lang};
use crate::domain::questionnaire::{Question, QuestionKind, Questionnaire, DONT_KNOW};
use crate::domain::respondent_text::t;
use crate::services::respondent::{REVIEWED, REVIEWED_AT};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// One line of what was typed: the question (and row) it was typed for, and the text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TypedLine {
    pub label: String,
    pub value: String,
}

/// Fields a form carries that nobody typed: the CSRF token, the answers' versions and
/// fingerprints, the button pressed, the review page's fingerprint and time. (A
/// question's "don't know" and "remove this file" boxes are read with the question.)
fn hidden(name: &str) -> bool {
    name == crate::auth::csrf::FIELD
        || name == "action"
        || name.starts_with("_v.")
        || name.starts_with("_h.")
        || name == REVIEWED
        || name == REVIEWED_AT
}

/// The lines of `posted` worth showing back. With `stored` (the answers saved before),
/// only the fields whose values differ from the stored ones: what would be lost.
pub fn typed_lines(
    questionnaire: &Questionnaire,
    lang: Lang,
    posted: &HashMap<String, Vec<String>>,
    stored: Option<&Answers>,
) -> Vec<TypedLine> {
    let before = stored.map(|a| to_form_values(questionnaire, a));
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let mut line = |label: String, name: &str, q: &Question| {
        let dont_know = dont_know_field(name);
        seen.extend([name.to_string(), dont_know.clone(), remove_field(name)]);
        let now = filled(posted, name, &dont_know);
        if now.is_empty() {
            return;
        }
        if let Some(before) = &before {
            if filled(before, name, &dont_know) == now {
                return;
            }
        }
        let value = now
            .iter()
            .map(|v| shown_value(q, v, lang))
            .collect::<Vec<_>>()
            .join("\n");
        out.push(TypedLine { label, value });
    };
    for q in questionnaire.questions() {
        if q.kind == QuestionKind::Group {
            for row in posted_rows(posted, &q.id) {
                for f in &q.fields {
                    let label = format!(
                        "{} — {} {}: {}",
                        q.label.get(lang),
                        ui("row", lang),
                        row + 1,
                        f.label.get(lang)
                    );
                    line(label, &format!("{}.{row}.{}", q.id, f.id), f);
                }
            }
        } else {
            line(q.label.get(lang).to_string(), &q.id, q);
        }
    }
    let mut rest: Vec<(&String, &Vec<String>)> = posted
        .iter()
        .filter(|(k, _)| !hidden(k) && !seen.contains(k.as_str()))
        .collect();
    // The declaration's fields first (name, then job title), then any other by name.
    rest.sort_by_key(|(k, _)| {
        let rank = match k.as_str() {
            declaration::NAME => 0,
            declaration::TITLE => 1,
            _ => 2,
        };
        (rank, k.as_str())
    });
    for (name, values) in rest {
        // The declaration's tick box holds nothing to copy; its names are labelled.
        let label = match name.as_str() {
            declaration::AGREE => continue,
            declaration::NAME | declaration::TITLE => t(name, lang).to_string(),
            _ => name.clone(),
        };
        for v in values.iter().filter(|v| !v.trim().is_empty()) {
            out.push(TypedLine {
                label: label.clone(),
                value: v.clone(),
            });
        }
    }
    out
}

/// Stored answers a save removed (their questions hidden by the new answers), labelled
/// by question and written as the receipt writes them (a table's rows each on a line),
/// in the questionnaire's order.
pub fn removed_lines(
    questionnaire: &Questionnaire,
    lang: Lang,
    removed: &Answers,
) -> Vec<TypedLine> {
    questionnaire
        .questions()
        .filter_map(|q| {
            Some(TypedLine {
                label: q.label.get(lang).to_string(),
                value: answer_text(q, removed.get(&q.id)?, lang),
            })
        })
        .collect()
}

/// A field's non-blank values, "don't know" written as the box's value.
fn filled(values: &HashMap<String, Vec<String>>, name: &str, dont_know: &str) -> Vec<String> {
    let mut out: Vec<String> = values
        .get(name)
        .into_iter()
        .flatten()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if values
        .get(dont_know)
        .is_some_and(|v| v.iter().any(|v| !v.trim().is_empty()))
    {
        out.push(DONT_KNOW.to_string());
    }
    out
}

/// A value as the form showed it: a choice's label, a country's name, "don't know" in
/// words, else as typed.
fn shown_value(q: &Question, value: &str, lang: Lang) -> String {
    if value == DONT_KNOW && q.dont_know {
        return ui("dont_know", lang).to_string();
    }
    answer_text(q, &Value::String(value.to_string()), lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::loader::{parse, TemplateFile};
    use serde_json::json;

    fn questionnaire() -> Questionnaire {
        parse(&TemplateFile {
            path: "t.yaml".into(),
            source: r#"
id: t
version: 1
languages: [en, ja]
title: {en: T, ja: T}
sections:
  - id: a
    title: {en: A, ja: A}
    questions:
      - {id: fees, type: yes_no_dk, label: {en: Did workers pay fees?, ja: 手数料を払いましたか}}
      - {id: workers, type: integer, dont_know: true, label: {en: Workers, ja: 労働者数}}
      - id: agencies
        type: group
        label: {en: Agencies, ja: 紹介会社}
        fields:
          - {id: name, type: short_text, label: {en: Name, ja: 名称}}
"#
            .into(),
        })
        .unwrap()
    }

    fn posted(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            out.entry(k.to_string()).or_default().push(v.to_string());
        }
        out
    }

    fn shown(lines: &[TypedLine]) -> Vec<(String, String)> {
        lines
            .iter()
            .map(|l| (l.label.clone(), l.value.clone()))
            .collect()
    }

    #[test]
    fn lines_are_labelled_in_the_language_and_in_the_questionnaires_order() {
        let form = posted(&[
            (crate::auth::csrf::FIELD, "x"),
            ("action", "save"),
            ("_v.fees", "2"),
            ("_h.fees", "abc"),
            ("agencies.1.name", "Beta"),
            ("agencies.0.name", "Alpha"),
            ("workers.dont_know", "yes"),
            ("fees", "yes"),
            ("signatory_name", "Lan"),
            ("declaration", "yes"),
            ("extra", "kept"),
            ("blank", "  "),
        ]);
        let row = ui("row", Lang::Ja);
        let expected = [
            ("手数料を払いましたか".to_string(), ui("yes", Lang::Ja)),
            ("労働者数".to_string(), ui("dont_know", Lang::Ja)),
            (format!("紹介会社 — {row} 1: 名称"), "Alpha"),
            (format!("紹介会社 — {row} 2: 名称"), "Beta"),
            (t("signatory_name", Lang::Ja).to_string(), "Lan"),
            ("extra".to_string(), "kept"),
        ]
        .map(|(a, b)| (a, b.to_string()));
        assert_eq!(
            shown(&typed_lines(&questionnaire(), Lang::Ja, &form, None)),
            expected
        );
    }

    #[test]
    fn removed_answers_are_labelled_and_written_as_read() {
        let removed: Answers = [
            (
                "agencies".to_string(),
                json!([{"name": "Alpha"}, {"name": "Beta"}]),
            ),
            ("fees".to_string(), json!("yes")),
        ]
        .into_iter()
        .collect();
        let row = ui("row", Lang::Ja);
        assert_eq!(
            shown(&removed_lines(&questionnaire(), Lang::Ja, &removed)),
            [
                (
                    "手数料を払いましたか".to_string(),
                    ui("yes", Lang::Ja).to_string()
                ),
                (
                    "紹介会社".to_string(),
                    format!("{row} 1: 名称: Alpha\n{row} 2: 名称: Beta")
                ),
            ]
        );
    }

    #[test]
    fn with_the_stored_answers_only_what_differs_is_shown() {
        let stored: Answers = [
            ("fees".to_string(), json!("yes")),
            ("workers".to_string(), json!(12)),
        ]
        .into_iter()
        .collect();
        let form = posted(&[("fees", "yes"), ("workers", "14")]);
        assert_eq!(
            shown(&typed_lines(
                &questionnaire(),
                Lang::En,
                &form,
                Some(&stored)
            )),
            [("Workers".to_string(), "14".to_string())]
        );
        let same = posted(&[("fees", "yes"), ("workers", "12")]);
        assert!(typed_lines(&questionnaire(), Lang::En, &same, Some(&stored)).is_empty());
    }
}

//! Checks across answers: `validation.max_answer` / `min_answer`, a number answer at
//! most (at least) another question's answer. Skipped when either answer is blank,
//! "don't know" or hidden (then it is not among the answers), as a number can only be
//! compared with a number.

use super::super::i18n::{Lang, Msg};
use super::super::numbers::unambiguous;
use super::super::questionnaire::Question;
use super::format_number;
use serde_json::Value;

/// Which way an answer is bound by the question it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// `max_answer`: at most the other answer.
    AtMost,
    /// `min_answer`: at least the other answer.
    AtLeast,
}

/// The questions `q` names, with the way each binds it.
fn bounds(q: &Question) -> impl Iterator<Item = (&str, Bound)> {
    let v = &q.validation;
    v.max_answer
        .as_deref()
        .map(|id| (id, Bound::AtMost))
        .into_iter()
        .chain(v.min_answer.as_deref().map(|id| (id, Bound::AtLeast)))
}

/// Whether `value` breaks `bound` against `other`; both must be numbers.
fn breaks(value: &Value, bound: Bound, other: &Value) -> Option<f64> {
    let (a, b) = (value.as_f64()?, other.as_f64()?);
    let broken = match bound {
        Bound::AtMost => a > b,
        Bound::AtLeast => a < b,
    };
    broken.then_some(b)
}

fn shown(n: f64) -> String {
    unambiguous(format_number(n))
}

/// `q`'s answer `value` checked against the answers it names (`find` gives a named
/// question and its answer, if answered): the message for `q`'s field when one
/// disagrees (the template's `validation.message` when it has one).
pub(super) fn check<'a>(
    q: &Question,
    value: &Value,
    find: impl Fn(&str) -> Option<(&'a Question, &'a Value)>,
    lang: Lang,
) -> Result<(), String> {
    for (id, bound) in bounds(q) {
        let Some((other, other_value)) = find(id) else {
            continue;
        };
        if let Some(b) = breaks(value, bound, other_value) {
            let (label, value) = (other.label.get(lang).to_string(), shown(b));
            let msg = match bound {
                Bound::AtMost => Msg::MoreThanAnswer { label, value },
                Bound::AtLeast => Msg::LessThanAnswer { label, value },
            };
            return Err(q
                .validation
                .message
                .as_ref()
                .map(|m| m.get(lang).to_string())
                .unwrap_or_else(|| msg.text(lang)));
        }
    }
    Ok(())
}

/// `q`'s answer `value` (kept, not posted) against the answers it names that were
/// posted: for each one it disagrees with, that question's id and the message for that
/// question's field, the bound said the other way round ("cannot be less than the
/// answer to `q`").
pub(super) fn check_posted<'a>(
    q: &Question,
    value: &Value,
    find_posted: impl Fn(&str) -> Option<&'a Value>,
    lang: Lang,
) -> Vec<(String, String)> {
    bounds(q)
        .filter_map(|(id, bound)| {
            let other = find_posted(id)?;
            breaks(value, bound, other)?;
            let (label, value) = (q.label.get(lang).to_string(), shown(value.as_f64()?));
            let msg = match bound {
                Bound::AtMost => Msg::LessThanAnswer { label, value },
                Bound::AtLeast => Msg::MoreThanAnswer { label, value },
            };
            Some((id.to_string(), msg.text(lang)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::super::dates::Today;
    use super::super::super::questionnaire::{parse, Questionnaire, TemplateFile};
    use super::super::*;
    use serde_json::json;

    const SOURCE: &str = r#"id: cross
version: 1
languages: [en, ja]
title: {en: "Cross", ja: "クロス"}
sections:
  - id: site
    title: {en: "Site", ja: "拠点"}
    questions:
      - id: total
        type: integer
        dont_know: true
        label: {en: "Total number of workers at the site", ja: "拠点の総従業員数"}
      - id: migrants
        type: yes_no_dk
        label: {en: "Migrants?", ja: "移民?"}
      - id: audit_date
        type: date
        label: {en: "Audit date", ja: "監査日"}
        validation: {max: today}
      - id: start_date
        type: date
        label: {en: "Start", ja: "開始"}
        validation: {min: today}
  - id: detail
    title: {en: "Detail", ja: "詳細"}
    questions:
      - id: foreign
        type: integer
        dont_know: true
        label: {en: "Foreign workers", ja: "外国人労働者数"}
        show_if: {equals: {question: migrants, value: "yes"}}
        validation: {max_answer: total}
      - id: least
        type: decimal
        label: {en: "Least", ja: "最小"}
        validation:
          min_answer: total
          message: {en: "Not below the total.", ja: "総数を下回らないこと。"}
      - id: rows
        type: group
        label: {en: "Rows", ja: "行"}
        fields:
          - id: hired
            type: integer
            label: {en: "Hired", ja: "採用"}
          - id: left
            type: integer
            label: {en: "Left", ja: "退職"}
            validation: {max_answer: hired}
"#;

    fn q() -> Questionnaire {
        parse(&TemplateFile {
            path: "cross.yaml".into(),
            source: SOURCE.into(),
        })
        .unwrap()
    }

    fn today() -> Today {
        Today::at("2026-06-15T12:00:00Z".parse().unwrap())
    }

    fn input(fields: &[(&str, &str)]) -> RawInput {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in fields {
            values.entry(k.to_string()).or_default().push(v.to_string());
        }
        RawInput {
            values,
            ..RawInput::default()
        }
    }

    fn read(fields: &[(&str, &str)], previous: &Answers, section: Option<usize>) -> Parsed {
        let lang = Lang::En;
        parse_section(
            &q(),
            &input(fields),
            previous,
            lang,
            Mode::Draft,
            today(),
            section,
        )
    }

    fn errors(p: &Parsed) -> Vec<(&str, &str)> {
        p.errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    const ABOVE: &str =
        "Cannot be more than the answer to “Total number of workers at the site” (120).";

    #[test]
    fn a_count_above_the_one_it_names_is_refused_equal_and_below_are_not() {
        let yes = ("migrants", "yes");
        let p = read(
            &[("total", "120"), yes, ("foreign", "121")],
            &Answers::new(),
            None,
        );
        assert_eq!(errors(&p), vec![("foreign", ABOVE)]);
        assert!(!p.answers.contains_key("foreign"), "nothing stored before");
        for ok in ["120", "0"] {
            let p = read(
                &[("total", "120"), yes, ("foreign", ok)],
                &Answers::new(),
                None,
            );
            assert!(p.errors.is_empty(), "{ok}: {:?}", p.errors);
        }
        // A draft keeps the field's previous value.
        let before: Answers = [("foreign".to_string(), json!(100))].into();
        let p = read(&[("total", "120"), yes, ("foreign", "130")], &before, None);
        assert_eq!(p.answers["foreign"], json!(100));
        // In Japanese, with the other question's Japanese label.
        let p = parse_form(
            &q(),
            &input(&[("total", "120"), yes, ("foreign", "121")]),
            &Answers::new(),
            Lang::Ja,
            Mode::Submit,
            today(),
        );
        assert_eq!(
            errors(&p),
            vec![(
                "foreign",
                "「拠点の総従業員数」の回答(120)を超えることはできません。"
            )]
        );
    }

    #[test]
    fn blank_dont_know_and_hidden_answers_are_not_compared() {
        let none = Answers::new();
        for fields in [
            vec![("migrants", "yes"), ("foreign", "500")],
            vec![
                ("total", "10"),
                ("migrants", "yes"),
                ("foreign.dont_know", "yes"),
            ],
            vec![
                ("total.dont_know", "yes"),
                ("migrants", "yes"),
                ("foreign", "500"),
            ],
            vec![("total", "10"), ("migrants", "no"), ("foreign", "500")],
        ] {
            let p = read(&fields, &none, None);
            assert!(p.errors.is_empty(), "{fields:?}: {:?}", p.errors);
        }
    }

    #[test]
    fn min_answer_and_the_templates_own_message() {
        let p = read(&[("total", "10"), ("least", "9.5")], &Answers::new(), None);
        assert_eq!(errors(&p), vec![("least", "Not below the total.")]);
        assert!(
            read(&[("total", "10"), ("least", "10")], &Answers::new(), None)
                .errors
                .is_empty()
        );
    }

    #[test]
    fn a_group_field_is_checked_within_its_row() {
        let p = read(
            &[
                ("rows.0.hired", "5"),
                ("rows.0.left", "6"),
                ("rows.1.hired", "8"),
                ("rows.1.left", "6"),
                ("rows.2.left", "3"),
            ],
            &Answers::new(),
            None,
        );
        assert_eq!(
            errors(&p),
            vec![(
                "rows.0.left",
                "Cannot be more than the answer to “Hired” (5)."
            )]
        );
        assert_eq!(
            p.answers["rows"],
            json!([{"hired": 5}, {"hired": 8, "left": 6}, {"left": 3}])
        );
    }

    #[test]
    fn one_section_is_checked_against_the_answers_stored_in_another() {
        let stored: Answers = [
            ("total".to_string(), json!(120)),
            ("migrants".to_string(), json!("yes")),
        ]
        .into();
        // The later section's count against the stored total.
        let p = read(&[("foreign", "121")], &stored, Some(1));
        assert_eq!(errors(&p), vec![("foreign", ABOVE)]);
        // The total lowered below the stored count: refused beside the total, which
        // keeps its stored value.
        let mut stored = stored;
        stored.insert("foreign".into(), json!(50));
        let p = read(&[("total", "40"), ("migrants", "yes")], &stored, Some(0));
        assert_eq!(
            errors(&p),
            vec![(
                "total",
                "Cannot be less than the answer to “Foreign workers” (50)."
            )]
        );
        assert_eq!(p.answers["total"], json!(120));
        assert_eq!(p.answers["foreign"], json!(50));
        // Hiding the count instead is fine: it goes.
        let p = read(&[("total", "40"), ("migrants", "no")], &stored, Some(0));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.hidden, vec!["foreign".to_string()]);
    }

    #[test]
    fn today_is_the_latest_date_anywhere_and_the_earliest() {
        // At 12:00 UTC on 15 June it is the 16th at UTC+14 and the 15th at UTC−12.
        let none = Answers::new();
        let p = read(&[("audit_date", "2026-06-16")], &none, None);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let p = read(&[("audit_date", "2026-06-17")], &none, None);
        assert_eq!(
            errors(&p),
            vec![("audit_date", "Cannot be later than today.")]
        );
        let p = read(&[("start_date", "2026-06-15")], &none, None);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let p = read(&[("start_date", "2026-06-14")], &none, None);
        assert_eq!(
            errors(&p),
            vec![("start_date", "Cannot be earlier than today.")]
        );
    }
}

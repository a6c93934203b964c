//! Answers carried over from an organisation's last submission of the same questionnaire
//! (any version) into its new, empty response, for the next round of a campaign: the
//! earlier answers are read as if the respondent had typed them into the new version's
//! form, so that each is checked by the new version's rules. What the new version does
//! not ask any more, no longer offers or no longer accepts is left out, as are answers
//! its conditions hide now. Evidence files are never carried (a file belongs to the
//! response it was given for, and documents expire).

use super::{parse_form, to_form_values, Answers, Mode, RawInput};
use crate::domain::dates::Today;
use crate::domain::i18n::Lang;
use crate::domain::questionnaire::Questionnaire;

/// What [`carry_over`] keeps and leaves out.
#[derive(Debug, Default, PartialEq)]
pub struct Carried {
    /// The answers for the new response, valid under the new version.
    pub answers: Answers,
    /// The earlier answers' questions not carried (not asked, not valid or hidden now,
    /// or evidence), by id.
    pub left_out: Vec<String>,
}

/// The answers `previous` (given to questionnaire `earlier`) as answers to `current`,
/// read in `lang` on `today` (a `min: today` date that has passed is not carried).
pub fn carry_over(
    earlier: &Questionnaire,
    previous: &Answers,
    current: &Questionnaire,
    lang: Lang,
    today: Today,
) -> Carried {
    let input = RawInput {
        values: to_form_values(earlier, previous),
        ..RawInput::default()
    };
    let parsed = parse_form(current, &input, &Answers::new(), lang, Mode::Draft, today);
    let left_out = previous
        .keys()
        .filter(|id| !parsed.answers.contains_key(*id))
        .cloned()
        .collect();
    Carried {
        answers: parsed.answers,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::{parse, TemplateFile};
    use serde_json::json;

    const V1: &str = r#"id: round
version: 1
languages: [en, ja]
title: {en: "Round", ja: "ラウンド"}
sections:
  - id: site
    title: {en: "Site", ja: "拠点"}
    questions:
      - id: total
        type: integer
        label: {en: "Workers", ja: "従業員数"}
      - id: migrants
        type: yes_no_dk
        label: {en: "Migrants?", ja: "移民?"}
      - id: share
        type: percentage
        label: {en: "Share", ja: "割合"}
        show_if: {equals: {question: migrants, value: "yes"}}
      - id: passports
        type: single_choice
        label: {en: "Passports", ja: "旅券"}
        choices:
          - id: worker
            label: {en: "Worker", ja: "本人"}
          - id: agency
            label: {en: "Agency", ja: "仲介業者"}
      - id: policy
        type: evidence
        label: {en: "Policy", ja: "方針"}
      - id: dropped
        type: short_text
        label: {en: "Asked once", ja: "一度だけ"}
      - id: hires
        type: group
        label: {en: "Hires", ja: "採用"}
        fields:
          - id: country
            type: short_text
            label: {en: "Country", ja: "国"}
          - id: count
            type: integer
            label: {en: "Count", ja: "人数"}
"#;

    /// Version 2: `dropped` is not asked, `passports` no longer offers `agency`,
    /// `total` accepts at most 500.
    const V2: &str = r#"id: round
version: 2
languages: [en, ja]
title: {en: "Round", ja: "ラウンド"}
sections:
  - id: site
    title: {en: "Site", ja: "拠点"}
    questions:
      - id: total
        type: integer
        label: {en: "Workers", ja: "従業員数"}
        validation: {max: 500}
      - id: migrants
        type: yes_no_dk
        label: {en: "Migrants?", ja: "移民?"}
      - id: share
        type: percentage
        label: {en: "Share", ja: "割合"}
        show_if: {equals: {question: migrants, value: "yes"}}
      - id: passports
        type: single_choice
        label: {en: "Passports", ja: "旅券"}
        choices:
          - id: worker
            label: {en: "Worker", ja: "本人"}
          - id: employer
            label: {en: "Employer", ja: "雇用主"}
      - id: policy
        type: evidence
        label: {en: "Policy", ja: "方針"}
      - id: hires
        type: group
        label: {en: "Hires", ja: "採用"}
        fields:
          - id: country
            type: short_text
            label: {en: "Country", ja: "国"}
          - id: count
            type: integer
            label: {en: "Count", ja: "人数"}
"#;

    fn q(source: &str) -> Questionnaire {
        parse(&TemplateFile {
            path: "round.yaml".into(),
            source: source.into(),
        })
        .unwrap()
    }

    fn today() -> Today {
        Today::at("2026-06-15T12:00:00Z".parse().unwrap())
    }

    fn answers(pairs: &[(&str, serde_json::Value)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn earlier_answers() -> Answers {
        answers(&[
            ("total", json!(120)),
            ("migrants", json!("yes")),
            ("share", json!(30.0)),
            ("passports", json!("worker")),
            (
                "policy",
                json!({"file_id": "f1", "name": "policy.pdf", "sha256": "00", "size": 3, "content_type": "application/pdf"}),
            ),
            ("dropped", json!("once")),
            (
                "hires",
                json!([{"country": "VN", "count": 12}, {"country": "NP", "count": 3}]),
            ),
        ])
    }

    #[test]
    fn the_same_version_carries_every_answer_but_evidence() {
        let v1 = q(V1);
        let carried = carry_over(&v1, &earlier_answers(), &v1, Lang::En, today());
        let mut expected = earlier_answers();
        expected.remove("policy");
        assert_eq!(carried.answers, expected);
        assert_eq!(carried.left_out, vec!["policy".to_string()]);
    }

    #[test]
    fn a_newer_version_keeps_what_it_still_asks_and_accepts() {
        let (v1, v2) = (q(V1), q(V2));
        let mut previous = earlier_answers();
        previous.insert("passports".into(), json!("agency"));
        let carried = carry_over(&v1, &previous, &v2, Lang::En, today());
        assert_eq!(
            carried.left_out,
            vec!["dropped".to_string(), "passports".into(), "policy".into()]
        );
        assert_eq!(carried.answers["total"], json!(120));
        assert_eq!(carried.answers["hires"], previous["hires"]);

        previous.insert("total".into(), json!(800));
        let carried = carry_over(&v1, &previous, &v2, Lang::Ja, today());
        assert!(!carried.answers.contains_key("total"));
        assert!(carried.left_out.contains(&"total".to_string()));
    }

    #[test]
    fn an_answer_hidden_by_the_carried_answers_is_left_out() {
        let v1 = q(V1);
        let mut previous = earlier_answers();
        // Stored before a condition hid it (an answer kept by an older rule).
        previous.insert("migrants".into(), json!("no"));
        let carried = carry_over(&v1, &previous, &v1, Lang::En, today());
        assert!(!carried.answers.contains_key("share"));
        assert!(carried.left_out.contains(&"share".to_string()));
    }

    #[test]
    fn nothing_before_carries_nothing() {
        let v1 = q(V1);
        assert_eq!(
            carry_over(&v1, &Answers::new(), &v1, Lang::En, today()),
            Carried::default()
        );
    }
}

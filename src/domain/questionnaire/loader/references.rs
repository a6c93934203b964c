//! `validation.max_answer` / `min_answer`: a number answer checked against another
//! question's answer. Checked once the whole file is read, so an unknown question and a
//! later one get their own messages.

use super::*;

/// One `max_answer` / `min_answer` as written, with what is needed to check it.
pub(super) struct AnswerRef {
    line: u64,
    what: String,
    key: &'static str,
    target: String,
    own_id: String,
    /// The position the question takes (it is recorded after its validation is read).
    own_order: usize,
    own_group: Option<String>,
}

impl Checker<'_> {
    /// Reads one key; the id is kept when the question is a number question (the
    /// target is checked at the end, [`Checker::check_answer_refs`]).
    pub(super) fn answer_reference(
        &mut self,
        key: &'static str,
        raw: Option<&Spanned<String>>,
        kind: QuestionKind,
        what: &str,
    ) -> Option<String> {
        let raw = raw?;
        let line = raw.referenced.line();
        if !kind.is_numeric() {
            self.error(
                line,
                format!(
                    "{what}: {key} only applies to number questions (integer, decimal, percentage)"
                ),
            );
            return None;
        }
        self.pending_answer_refs.push(AnswerRef {
            line,
            what: what.to_string(),
            key,
            target: raw.value.clone(),
            own_id: self.current_id.clone(),
            own_order: self.seen_questions.len(),
            own_group: self.current_group.clone(),
        });
        Some(raw.value.clone())
    }

    /// Each reference names an earlier number question at the same level: a top-level
    /// question an earlier top-level one, a group field an earlier field of its group.
    pub(super) fn check_answer_refs(&mut self) {
        for r in std::mem::take(&mut self.pending_answer_refs) {
            let (what, key, t) = (&r.what, r.key, &r.target);
            let problem = match self.seen_questions.get(t) {
                _ if *t == r.own_id => format!("{what}: {key} cannot name the question itself"),
                None => format!("{what}: {key} names unknown question \"{t}\""),
                Some(seen) if seen.order >= r.own_order => format!(
                    "{what}: {key} names \"{t}\", which comes later (it may only name an earlier question)"
                ),
                Some(seen) => match (&r.own_group, &seen.group) {
                    (None, Some(_)) => format!(
                        "{what}: {key} names \"{t}\", a group field (a top-level question may only name a top-level question)"
                    ),
                    (Some(g), other) if other.as_ref() != Some(g) => format!(
                        "{what}: {key} names \"{t}\", which is not a field of the same group (a group field may only name an earlier field of its group)"
                    ),
                    _ if !seen.kind.is_numeric() => format!(
                        "{what}: {key} names \"{t}\", which is not a number question"
                    ),
                    _ => continue,
                },
            };
            self.error(r.line, problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{parse, TemplateFile};

    const SOURCE: &str = r#"id: refs
version: 1
languages: [en]
title: {en: "Refs"}
sections:
  - id: s
    title: {en: "S"}
    questions:
      - id: total
        type: integer
        label: {en: "Total"}
      - id: name
        type: short_text
        label: {en: "Name"}
      - id: ok_count
        type: integer
        label: {en: "Fine"}
        validation: {max_answer: total}
      - id: unknown_ref
        type: integer
        label: {en: "Unknown"}
        validation:
          max_answer: nope
      - id: later_ref
        type: decimal
        label: {en: "Later"}
        validation:
          min_answer: last
      - id: text_ref
        type: percentage
        label: {en: "Text"}
        validation:
          max_answer: name
      - id: self_ref
        type: integer
        label: {en: "Self"}
        validation:
          max_answer: self_ref
      - id: on_text
        type: short_text
        label: {en: "On text"}
        validation:
          max_answer: total
      - id: rows
        type: group
        label: {en: "Rows"}
        fields:
          - id: hired
            type: integer
            label: {en: "Hired"}
          - id: left
            type: integer
            label: {en: "Left"}
            validation: {max_answer: hired}
          - id: cell_to_top
            type: integer
            label: {en: "Cell"}
            validation:
              max_answer: total
      - id: top_to_cell
        type: integer
        label: {en: "Top"}
        validation:
          max_answer: hired
      - id: other_rows
        type: group
        label: {en: "Other rows"}
        fields:
          - id: elsewhere
            type: integer
            label: {en: "Elsewhere"}
            validation:
              min_answer: left
      - id: last
        type: integer
        label: {en: "Last"}
"#;

    fn line_of(marker: &str) -> u64 {
        SOURCE
            .lines()
            .position(|l| l.trim() == marker)
            .expect("the marker is in the source") as u64
            + 1
    }

    #[test]
    fn each_wrong_reference_is_reported_at_its_key() {
        let file = TemplateFile {
            path: "refs.yaml".into(),
            source: SOURCE.to_string(),
        };
        let errors: Vec<(u64, String)> = parse(&file)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect();
        let expected = vec![
            (
                line_of("max_answer: nope"),
                "question unknown_ref: max_answer names unknown question \"nope\"".to_string(),
            ),
            (
                line_of("min_answer: last"),
                "question later_ref: min_answer names \"last\", which comes later (it may only name an earlier question)".to_string(),
            ),
            (
                line_of("max_answer: name"),
                "question text_ref: max_answer names \"name\", which is not a number question".to_string(),
            ),
            (
                line_of("max_answer: self_ref"),
                "question self_ref: max_answer cannot name the question itself".to_string(),
            ),
            (
                line_of("max_answer: total"),
                "question on_text: max_answer only applies to number questions (integer, decimal, percentage)".to_string(),
            ),
            (
                line_of("max_answer: total") + 16,
                "question cell_to_top: max_answer names \"total\", which is not a field of the same group (a group field may only name an earlier field of its group)".to_string(),
            ),
            (
                line_of("max_answer: hired"),
                "question top_to_cell: max_answer names \"hired\", a group field (a top-level question may only name a top-level question)".to_string(),
            ),
            (
                line_of("min_answer: left"),
                "question elsewhere: min_answer names \"left\", which is not a field of the same group (a group field may only name an earlier field of its group)".to_string(),
            ),
        ];
        assert_eq!(errors, expected);
    }
}

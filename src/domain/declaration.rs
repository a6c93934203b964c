//! The declaration a respondent signs to submit: name, job title and the statement
//! that the answers are true to the best of their knowledge. The date is the server's,
//! at the moment of the submission.

use super::answers::FieldError;
use super::i18n::Lang;
use super::respondent_text::t;
use super::text::clean_single_line;
use std::collections::HashMap;

/// Form field names.
pub const NAME: &str = "signatory_name";
pub const TITLE: &str = "signatory_title";
pub const AGREE: &str = "declaration";

/// Longest name or title, in characters (the columns' check allows 200).
pub const MAX_CHARS: usize = 200;

/// A declaration as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub name: String,
    pub title: String,
}

/// Who signed, as a receipt says it in `lang`: "Hana Sato, HR manager"; in Japanese and
/// Chinese the title in full-width brackets after the name, "佐藤 花子（人事部長）",
/// as such a signature is written there.
pub fn signed_by(name: &str, title: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja | Lang::Zh => format!("{name}（{title}）"),
        _ => format!("{name}, {title}"),
    }
}

/// Reads the declaration fields of a form; every problem is reported next to its field
/// in `lang`.
pub fn parse(
    values: &HashMap<String, Vec<String>>,
    lang: Lang,
) -> Result<Declaration, Vec<FieldError>> {
    let first = |k: &str| {
        values
            .get(k)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    };
    let mut errors = Vec::new();
    let mut line = |field: &str| match clean_single_line(field, first(field)) {
        Ok(text) if !text.is_empty() && text.chars().count() <= MAX_CHARS => Some(text),
        _ => {
            errors.push(FieldError {
                field: field.into(),
                message: t("need_text", lang).into(),
            });
            None
        }
    };
    let name = line(NAME);
    let title = line(TITLE);
    if first(AGREE) != "yes" {
        errors.push(FieldError {
            field: AGREE.into(),
            message: t("need_declare", lang).into(),
        });
    }
    match (name, title) {
        (Some(name), Some(title)) if errors.is_empty() => Ok(Declaration { name, title }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signatory_is_written_as_each_language_writes_it() {
        assert_eq!(
            signed_by("Hana Sato", "HR manager", Lang::En),
            "Hana Sato, HR manager"
        );
        assert_eq!(
            signed_by("Lan Nguyễn", "Giám đốc", Lang::Vi),
            "Lan Nguyễn, Giám đốc"
        );
        assert_eq!(
            signed_by("佐藤 花子", "人事部長", Lang::Ja),
            "佐藤 花子（人事部長）"
        );
        assert_eq!(signed_by("王芳", "人事经理", Lang::Zh), "王芳（人事经理）");
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect()
    }

    #[test]
    fn a_complete_declaration_is_read_trimmed() {
        let d = parse(
            &form(&[
                (NAME, "  Hana Sato "),
                (TITLE, "HR manager"),
                (AGREE, "yes"),
            ]),
            Lang::En,
        )
        .unwrap();
        assert_eq!(d.name, "Hana Sato");
        assert_eq!(d.title, "HR manager");
    }

    #[test]
    fn each_missing_part_is_named() {
        let errors = parse(&form(&[(NAME, "x\ny"), (TITLE, "")]), Lang::Ja).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec![NAME, TITLE, AGREE]);
        assert_eq!(errors[2].message, t("need_declare", Lang::Ja));
        let long = "a".repeat(MAX_CHARS + 1);
        let errors = parse(
            &form(&[(NAME, &long), (TITLE, "t"), (AGREE, "yes")]),
            Lang::En,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
    }
}

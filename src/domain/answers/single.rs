//! One question's value: what a respondent typed in one field, parsed and checked
//! against the question's type and validation.

use super::super::dates::Today;
use super::super::i18n::{Lang, Msg};
use super::super::numbers::ungrouped;
use super::super::questionnaire::{DateBound, Question, QuestionKind, Validation, DONT_KNOW};
use super::super::text::clean_answer;
use super::{dont_know_field, RawInput, LONG_TEXT_MAX, SHORT_TEXT_MAX};
use serde_json::{json, Value};

/// One value of a non-group question from the form field `name`.
pub(super) fn parse_single(
    q: &Question,
    input: &RawInput,
    name: &str,
    lang: Lang,
    today: Today,
) -> Result<Option<Value>, String> {
    let custom = |msg: Msg| -> String {
        q.validation
            .message
            .as_ref()
            .map(|m| m.get(lang).to_string())
            .unwrap_or_else(|| msg.text(lang))
    };
    match q.kind {
        QuestionKind::MultipleChoice => {
            let picked = input.all(name);
            if picked.is_empty() {
                return Ok(None);
            }
            let ids = q.choice_ids();
            let mut out: Vec<Value> = Vec::new();
            for p in picked {
                if !ids.contains(&p) {
                    return Err(Msg::NotAChoice.text(lang));
                }
                if !out.iter().any(|v| v.as_str() == Some(p)) {
                    out.push(Value::String(p.to_string()));
                }
            }
            return Ok(Some(Value::Array(out)));
        }
        QuestionKind::Group | QuestionKind::Evidence => return Ok(None),
        _ => {}
    }
    if q.dont_know && input.first(&dont_know_field(name)).is_some() {
        // "Don't know" is stored as text, so no rule on the number can mistake it for 0.
        return match input.first(name) {
            Some(_) => Err(Msg::NumberOrDontKnow.text(lang)),
            None => Ok(Some(Value::String(DONT_KNOW.to_string()))),
        };
    }
    let Some(raw) = input.first(name) else {
        return Ok(None);
    };
    let text = raw.trim();
    match q.kind {
        QuestionKind::SingleChoice | QuestionKind::YesNoDk => {
            if q.choice_ids().contains(&text) {
                Ok(Some(Value::String(text.to_string())))
            } else {
                Err(Msg::NotAChoice.text(lang))
            }
        }
        QuestionKind::Integer => {
            let n: i64 = ungrouped(&normalise_number(text), lang)
                .map_err(|m| m.text(lang))?
                .parse()
                .map_err(|_| Msg::NotAWholeNumber.text(lang))?;
            check_range(n as f64, &q.validation, None).map_err(custom)?;
            Ok(Some(json!(n)))
        }
        QuestionKind::Decimal | QuestionKind::Percentage => {
            let n: f64 = ungrouped(&normalise_number(text), lang)
                .map_err(|m| m.text(lang))?
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| Msg::NotANumber.text(lang))?;
            let default = (q.kind == QuestionKind::Percentage).then_some((0.0, 100.0));
            check_range(n, &q.validation, default).map_err(custom)?;
            Ok(Some(json!(n)))
        }
        QuestionKind::ShortText | QuestionKind::LongText => {
            let limit = if q.kind == QuestionKind::ShortText {
                SHORT_TEXT_MAX
            } else {
                LONG_TEXT_MAX
            };
            let text = clean_answer(raw, q.kind == QuestionKind::LongText);
            let chars = text.chars().count();
            let max = q.validation.max_length.unwrap_or(limit).min(limit);
            if chars > max {
                return Err(custom(Msg::TooLong(max)));
            }
            if let Some(min) = q.validation.min_length.filter(|m| chars < *m) {
                return Err(custom(Msg::TooShort(min)));
            }
            if let Some(re) = &q.validation.pattern {
                if !re.is_match(&text) {
                    return Err(custom(Msg::PatternMismatch));
                }
            }
            Ok(Some(Value::String(text)))
        }
        QuestionKind::Date => {
            let date = chrono::NaiveDate::parse_from_str(&normalise_number(text), "%Y-%m-%d")
                .map_err(|_| Msg::NotADate.text(lang))?;
            if date < super::super::dates::earliest_answer() {
                return Err(
                    Msg::AtLeast(super::super::dates::earliest_answer().to_string()).text(lang),
                );
            }
            if date > super::super::dates::latest() {
                return Err(Msg::AtMost(super::super::dates::latest().to_string()).text(lang));
            }
            match q.validation.min_date {
                Some(DateBound::On(min)) if date < min => {
                    return Err(custom(Msg::AtLeast(min.to_string())))
                }
                Some(DateBound::Today) if date < today.earliest() => {
                    return Err(custom(Msg::NotBeforeToday))
                }
                _ => {}
            }
            match q.validation.max_date {
                Some(DateBound::On(max)) if date > max => {
                    return Err(custom(Msg::AtMost(max.to_string())))
                }
                Some(DateBound::Today) if date > today.latest() => {
                    return Err(custom(Msg::NotAfterToday))
                }
                _ => {}
            }
            Ok(Some(Value::String(date.to_string())))
        }
        QuestionKind::Country => {
            let code = text.to_ascii_uppercase();
            if super::super::countries::is_code(&code) {
                Ok(Some(Value::String(code)))
            } else {
                Err(Msg::NotACountry.text(lang))
            }
        }
        QuestionKind::MultipleChoice | QuestionKind::Group | QuestionKind::Evidence => Ok(None),
    }
}

fn check_range(n: f64, v: &Validation, default: Option<(f64, f64)>) -> Result<(), Msg> {
    let min = v.min.or(default.map(|d| d.0));
    let max = v.max.or(default.map(|d| d.1));
    if let Some(min) = min.filter(|m| n < *m) {
        return Err(Msg::AtLeast(format_number(min)));
    }
    if let Some(max) = max.filter(|m| n > *m) {
        return Err(Msg::AtMost(format_number(max)));
    }
    Ok(())
}

/// Formats a number without a useless `.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Full-width digits and signs (common from Japanese and Chinese input methods) become
/// ASCII; spaces are dropped.
pub(super) fn normalise_number(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '，' => ',',
            '－' | 'ー' | '−' => '-',
            '＋' => '+',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_are_numbers() {
        assert_eq!(normalise_number("１２３"), "123");
        assert_eq!(normalise_number(" 4 5 "), "45");
        assert_eq!(normalise_number("－１．５"), "-1.5");
    }

    #[test]
    fn numbers_format_without_trailing_zero() {
        assert_eq!(format_number(60.0), "60");
        assert_eq!(format_number(12.5), "12.5");
    }
}

//! The one way text from a person is cleaned before it is stored or mailed.
//!
//! PostgreSQL refuses NUL in `text` and `\u0000` in `jsonb` (a 500 if it gets that far);
//! a line break in a name would land verbatim in an email header or body; and the
//! bidirectional-override characters can make a name or an answer read differently from
//! what is stored ("Trojan Source"). So:
//!
//! - staff, API and sign-in input is **refused** with a field error when it holds a
//!   control character ([`clean_single_line`], [`clean_multi_line`]): the caller typed
//!   something we would otherwise have to change silently;
//! - a respondent's answers are **cleaned** ([`clean_answer`]): control characters are
//!   dropped, since the form must save and the respondent cannot be blamed for what a
//!   copy and paste brought along;
//! - bidirectional overrides are removed from both.
//!
//! Every function trims the result. Length and emptiness are the caller's rule (they
//! differ per field), checked on the cleaned value.

use super::answers::FieldError;

/// Embedding and override controls: U+202A–U+202E (LRE, RLE, PDF, LRO, RLO) and the
/// isolates U+2066–U+2069 (LRI, RLI, FSI, PDI).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn without_bidi(s: &str) -> String {
    s.chars().filter(|c| !is_bidi_control(*c)).collect()
}

fn problem(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.to_string(),
    }
}

/// A one-line value (a name, an email address, a title): trimmed, without
/// bidirectional overrides. A line break, NUL or other control character inside it is
/// refused with an error naming `field`.
pub fn clean_single_line(field: &str, value: &str) -> Result<String, FieldError> {
    let text = without_bidi(value);
    let text = text.trim();
    if text.contains(['\r', '\n']) {
        return Err(problem(field, "must be a single line (no line breaks)"));
    }
    if text.chars().any(char::is_control) {
        return Err(problem(
            field,
            "must not contain control characters (such as NUL or tab)",
        ));
    }
    Ok(text.to_string())
}

/// [`clean_single_line`] for an optional value; a blank value becomes `None`.
pub fn clean_optional_line(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value {
        None => Ok(None),
        Some(v) => clean_single_line(field, v).map(|t| (!t.is_empty()).then_some(t)),
    }
}

/// A value that may span lines (a comment, a description): line breaks become `\n`,
/// tabs stay, bidirectional overrides go; NUL and other control characters are refused.
pub fn clean_multi_line(field: &str, value: &str) -> Result<String, FieldError> {
    let text = without_bidi(&value.replace("\r\n", "\n").replace('\r', "\n"));
    let text = text.trim();
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(problem(
            field,
            "must not contain control characters (such as NUL)",
        ));
    }
    Ok(text.to_string())
}

/// A run of digits in groups of three for people to read: "1250000" is "1,250,000".
pub fn grouped_digits(digits: &str) -> String {
    grouped_digits_by(digits, ',')
}

/// [`grouped_digits`] with the language's separator ("1.250.000" in Vietnamese).
pub fn grouped_digits_by(digits: &str, separator: char) -> String {
    let len = digits.chars().count();
    let mut out = String::with_capacity(len + len / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A person as the staff pages, exports and receipts name them: "Name <email>".
pub fn name_and_email(name: &str, email: &str) -> String {
    format!("{name} <{email}>")
}

/// A filter's field as a page's query gives it: trimmed, and `None` when absent or
/// blank ("any").
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A search typed into a filter: control characters (a NUL, which PostgreSQL refuses)
/// and bidirectional overrides dropped, trimmed; safe to send and to show again.
pub fn search_text(value: &str) -> String {
    clean_answer(value, false)
}

/// A respondent's text answer or file name: control characters (except line breaks and
/// tabs when `multi_line`) and bidirectional overrides are dropped, never refused.
pub fn clean_answer(value: &str, multi_line: bool) -> String {
    let cleaned: String = value
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .filter(|c| !c.is_control() || (multi_line && (*c == '\n' || *c == '\t')))
        .collect();
    cleaned.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_in_threes() {
        assert_eq!(grouped_digits("1250000"), "1,250,000");
        assert_eq!(grouped_digits("2000"), "2,000");
        assert_eq!(grouped_digits("999"), "999");
        assert_eq!(grouped_digits(""), "");
        assert_eq!(grouped_digits_by("45000", '.'), "45.000");
    }

    #[test]
    fn single_line_is_trimmed_and_loses_bidi_overrides() {
        assert_eq!(
            clean_single_line("name", "  Acme\u{202E}gpj.exe\u{2066} ").unwrap(),
            "Acmegpj.exe"
        );
        assert_eq!(clean_single_line("name", " \n Acme \r\n").unwrap(), "Acme");
        assert_eq!(clean_single_line("name", "   ").unwrap(), "");
        assert_eq!(clean_single_line("name", "山田 太郎").unwrap(), "山田 太郎");
    }

    #[test]
    fn single_line_refuses_nul_and_line_breaks_naming_the_field() {
        let e = clean_single_line("email", "a\u{0}@example.com").unwrap_err();
        assert_eq!(e.field, "email");
        assert!(e.message.contains("control characters"), "{}", e.message);
        let e = clean_single_line("name", "Eve\r\nBcc: all@example.com").unwrap_err();
        assert_eq!(e.field, "name");
        assert!(e.message.contains("single line"), "{}", e.message);
        assert!(clean_single_line("name", "a\u{7f}b").is_err());
        assert!(clean_single_line("name", "a\tb").is_err());
        assert!(clean_single_line("name", "a\u{85}b").is_err());
    }

    #[test]
    fn optional_line_maps_blank_to_none() {
        assert_eq!(clean_optional_line("sector", None).unwrap(), None);
        assert_eq!(clean_optional_line("sector", Some("  ")).unwrap(), None);
        assert_eq!(
            clean_optional_line("sector", Some(" textiles ")).unwrap(),
            Some("textiles".into())
        );
        assert!(clean_optional_line("sector", Some("a\u{0}")).is_err());
    }

    #[test]
    fn multi_line_keeps_line_breaks_and_refuses_nul() {
        assert_eq!(
            clean_multi_line("note", " a\r\nb\rc\td\u{202B} ").unwrap(),
            "a\nb\nc\td"
        );
        assert_eq!(
            clean_multi_line("note", "x\u{0}y").unwrap_err().field,
            "note"
        );
    }

    #[test]
    fn answers_are_cleaned_not_refused() {
        assert_eq!(clean_answer("a\u{0}b\r\nc", true), "ab\nc");
        assert_eq!(clean_answer(" a\nb ", false), "ab");
        assert_eq!(
            clean_answer("\u{2067}evil\u{2069} name.pdf", false),
            "evil name.pdf"
        );
        assert_eq!(clean_answer("\u{202E}fdp.exe", true), "fdp.exe");
    }
}

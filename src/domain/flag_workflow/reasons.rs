//! The reasons and notes of decisions: cleaned, bounded, required or not.

use super::Refusal;
use crate::domain::text::clean_multi_line;

/// Longest reason or comment, in characters.
pub const MAX_REASON: usize = 4000;

/// A reason that must be given: cleaned, not empty, at most [`MAX_REASON`] characters.
pub fn required_text(field: &'static str, raw: &str, what: &str) -> Result<String, Refusal> {
    match optional_text(field, raw)? {
        Some(t) => Ok(t),
        None => Err(Refusal::Invalid {
            field,
            message: format!("{what} is required"),
        }),
    }
}

/// A note that may be empty.
pub fn optional_text(field: &'static str, raw: &str) -> Result<Option<String>, Refusal> {
    let text = clean_multi_line(field, raw).map_err(|e| Refusal::Invalid {
        field,
        message: e.message,
    })?;
    if text.chars().count() > MAX_REASON {
        return Err(Refusal::Invalid {
            field,
            message: format!("must be at most {MAX_REASON} characters"),
        });
    }
    Ok((!text.is_empty()).then_some(text))
}

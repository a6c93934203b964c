//! Dates and counts as people write them in each language, for the emails and the
//! respondent's pages (English for a language without its own text).

use super::text_lang;
use crate::domain::i18n::Lang;
use chrono::{Datelike, NaiveDate};

/// A date as people write it in `lang` (as the emails are written: English for a
/// language without its own text): "31 March 2027", "2027年3月31日",
/// "ngày 31 tháng 3 năm 2027". The respondent's pages write the deadline with it too.
pub fn date_text(d: NaiveDate, lang: Lang) -> String {
    match text_lang(lang) {
        Lang::Ja => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::Vi => format!("ngày {} tháng {} năm {}", d.day(), d.month(), d.year()),
        _ => d.format("%-d %B %Y").to_string(),
    }
}

/// A count as people write it in `lang`: "45,000" (English and Japanese), "45.000"
/// (Vietnamese).
pub fn count_text(n: usize, lang: Lang) -> String {
    let separator = if text_lang(lang) == Lang::Vi {
        '.'
    } else {
        ','
    };
    crate::domain::text::grouped_digits_by(&n.to_string(), separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_as_in_each_language() {
        assert_eq!(count_text(7, Lang::En), "7");
        assert_eq!(count_text(999, Lang::Ja), "999");
        assert_eq!(count_text(45_000, Lang::En), "45,000");
        assert_eq!(count_text(45_000, Lang::Ja), "45,000");
        assert_eq!(count_text(1_234_567, Lang::Vi), "1.234.567");
    }

    #[test]
    fn dates_are_written_as_in_each_language() {
        let d: NaiveDate = "2027-03-31".parse().unwrap();
        assert_eq!(date_text(d, Lang::En), "31 March 2027");
        assert_eq!(date_text(d, Lang::Ja), "2027年3月31日");
        assert_eq!(date_text(d, Lang::Vi), "ngày 31 tháng 3 năm 2027");
        assert_eq!(date_text(d, Lang::Zh), "31 March 2027");
    }
}

//! CSV files as this service writes them, every export alike: a UTF-8 byte-order mark
//! first (so Excel reads Japanese and Vietnamese right), CRLF line ends, and every cell
//! quoted and guarded against formula injection.
//!
//! Quoting every cell matters as much as the guard: Excel set to a `;` list separator
//! (common in European locales) splits an unquoted `Japanese;=cmd|' /C calc'!A0` into
//! cells and runs the second; a quoted cell stays one cell whatever the separator.

use std::borrow::Cow;

/// The UTF-8 byte-order mark a CSV file starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The first characters that make a spreadsheet treat a cell as a formula (OWASP's
/// CSV-injection list), plus the apostrophe that escapes them, so the escape itself
/// round-trips.
fn needs_guard(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// A cell as exported: a value that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `+`, `-`, `@`, tab, carriage return) gets a leading `'`, as OWASP
/// advises, so Excel shows it as text. A value that starts with `'` gets one more, so
/// [`unguard_cell`] gives back exactly the value (and Excel, which hides one leading
/// apostrophe, shows it as typed).
pub fn guard_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(needs_guard) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Undoes [`guard_cell`]: drops a leading `'` followed by a character it guards. An
/// apostrophe before anything else (`'t Hooft`) is kept.
pub fn unguard_cell(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(needs_guard) => rest,
        _ => value,
    }
}

/// `rows` as CSV lines (no byte-order mark: [`BOM`] starts the file), every cell
/// guarded and quoted.
pub fn lines<R, C>(rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.into_iter().map(|c| guard_cell(c.as_ref()).into_owned()))
            .expect("writing CSV to memory cannot fail");
    }
    writer.into_inner().unwrap_or_default()
}

/// A whole CSV file: [`BOM`], then [`lines`].
pub fn file<R, C>(rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    [BOM, &lines(rows)].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_is_quoted_and_formulas_are_guarded() {
        let out = lines([[
            "Japanese;=cmd|' /C calc'!A0;@SUM(1)",
            "=1+1",
            "plain",
            "a \"b\"",
        ]]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"Japanese;=cmd|' /C calc'!A0;@SUM(1)\",\"'=1+1\",\"plain\",\"a \"\"b\"\"\"\r\n"
        );
    }

    #[test]
    fn a_guarded_cell_reads_back_as_written() {
        for value in [
            "=HYPERLINK(1)",
            "-3",
            "+81",
            "@x",
            "\tx",
            "\rx",
            "'t Hooft",
            "''=x",
            "'",
            "plain",
            "",
        ] {
            assert_eq!(unguard_cell(&guard_cell(value)), value);
        }
        assert_eq!(unguard_cell("'t Hooft"), "'t Hooft");
    }

    #[test]
    fn a_file_starts_with_the_byte_order_mark() {
        assert!(file([["x"]]).starts_with(BOM));
    }
}

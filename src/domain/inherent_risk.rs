//! Inherent country/sector risk: operator data that raises a flag's likelihood.
//!
//! No value is shipped with the platform: an operator imports a table (CSV, format in
//! `docs/inherent-risk.md`) of rows `country, sector, value, source, year` where
//! `country` is an ISO 3166-1 alpha-2 code, `sector` a sector name or `*` (every
//! sector of the country), `value` 1–5 (5 = highest inherent risk), and `source` and
//! `year` say where the number comes from.
//!
//! How likelihood uses it ([`adjusted_likelihood`]), as `shared/domain.md` describes
//! ("likelihood is raised by inherent context"): the organisation's value is looked up
//! (its country and sector; failing that its country and `*`; failing that nothing).
//! Values 1–3 leave the rule's likelihood as it is; 4 adds 1; 5 adds 2; the result is
//! at most 5. Inherent risk never lowers a likelihood and never changes severity or a
//! knock-out: a trigger rule stays critical whatever the table says. Without a table,
//! or without a row for the organisation, likelihood comes from the answers alone.

use super::countries;
use super::risk::{Band, RaisedFlag};
use std::collections::HashSet;

/// The sector value meaning "every sector of the country".
pub const ANY_SECTOR: &str = "*";

/// One row of an inherent-risk table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InherentRow {
    /// ISO 3166-1 alpha-2, capitals.
    pub country: String,
    /// A sector name, or [`ANY_SECTOR`].
    pub sector: String,
    /// 1 (lowest) to 5 (highest).
    pub value: u8,
    pub source: String,
    pub year: i32,
}

/// A problem in an imported file, by physical line (1 = the header) and column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub column: &'static str,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.column, self.message)
    }
}

/// The columns of the file, in this order (a header row is required).
pub const COLUMNS: [&str; 5] = ["country", "sector", "value", "source", "year"];

/// Years accepted for a source.
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Parses an inherent-risk CSV (UTF-8, with or without BOM). Every problem is
/// reported; `Ok` only when the whole file is valid and has at least one row.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<InherentRow>, Vec<RowError>> {
    let err = |line: usize, column: &'static str, message: String| RowError {
        line,
        column,
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![err(1, "file", "the file is not UTF-8 text".into())]);
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut header_seen = false;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(err(line, "file", format!("unreadable CSV: {e}")));
                break;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let names: Vec<String> = record.iter().map(|c| c.trim().to_lowercase()).collect();
            if names != COLUMNS {
                errors.push(err(
                    line,
                    "header",
                    format!(
                        "the first row must be the header {} (found {})",
                        COLUMNS.join(","),
                        names.join(",")
                    ),
                ));
                return Err(errors);
            }
            continue;
        }
        if record.len() != COLUMNS.len() {
            errors.push(err(
                line,
                "row",
                format!("expected 5 columns, found {}", record.len()),
            ));
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let before = errors.len();
        let country = cell(0).to_ascii_uppercase();
        if !countries::is_code(&country) {
            errors.push(err(
                line,
                "country",
                format!(
                    "\"{}\" is not an ISO 3166-1 alpha-2 country code (e.g. JP, VN)",
                    cell(0)
                ),
            ));
        }
        let sector = cell(1).to_string();
        if sector.is_empty() {
            errors.push(err(
                line,
                "sector",
                "give a sector, or * for every sector of the country".into(),
            ));
        } else if sector.chars().count() > 100 || sector.chars().any(char::is_control) {
            errors.push(err(
                line,
                "sector",
                "a sector is at most 100 characters, without control characters".into(),
            ));
        }
        let value = cell(2).parse::<u8>().ok().filter(|v| (1..=5).contains(v));
        if value.is_none() {
            errors.push(err(
                line,
                "value",
                format!("\"{}\" is not a whole number from 1 to 5", cell(2)),
            ));
        }
        let source = cell(3).to_string();
        if source.is_empty() || source.chars().count() > 300 || source.chars().any(char::is_control)
        {
            errors.push(err(
                line,
                "source",
                "name the source of the value (1 to 300 characters)".into(),
            ));
        }
        let year = cell(4).parse::<i32>().ok().filter(|y| YEARS.contains(y));
        if year.is_none() {
            errors.push(err(
                line,
                "year",
                format!(
                    "\"{}\" is not a year from {} to {}",
                    cell(4),
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
        }
        if errors.len() > before {
            continue;
        }
        let key = (country.clone(), sector.to_lowercase());
        if !seen.insert(key) {
            errors.push(err(
                line,
                "sector",
                format!("{country} / {sector} is listed twice"),
            ));
            continue;
        }
        rows.push(InherentRow {
            country,
            sector,
            value: value.unwrap_or(1),
            source,
            year: year.unwrap_or(0),
        });
    }
    if !header_seen {
        errors.push(err(
            1,
            "file",
            format!(
                "the file is empty: the header {} and at least one row are needed",
                COLUMNS.join(",")
            ),
        ));
    } else if rows.is_empty() && errors.is_empty() {
        errors.push(err(2, "file", "the file has a header but no rows".into()));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The row that applies to an organisation: its country and sector (sector compared
/// without case or surrounding spaces), else its country and `*`, else none.
pub fn lookup<'a>(
    rows: &'a [InherentRow],
    country: &str,
    sector: Option<&str>,
) -> Option<&'a InherentRow> {
    let country = country.trim();
    let sector = sector.map(str::trim).filter(|s| !s.is_empty());
    let exact = sector.and_then(|s| {
        rows.iter().find(|r| {
            r.country.eq_ignore_ascii_case(country)
                && r.sector != ANY_SECTOR
                && r.sector.trim().to_lowercase() == s.to_lowercase()
        })
    });
    exact.or_else(|| {
        rows.iter()
            .find(|r| r.country.eq_ignore_ascii_case(country) && r.sector == ANY_SECTOR)
    })
}

/// How much an inherent value raises a likelihood: 0 for 1–3, 1 for 4, 2 for 5.
pub fn likelihood_raise(inherent: u8) -> u8 {
    inherent.clamp(1, 5).saturating_sub(3)
}

/// A rule's likelihood (1–5) with the inherent value taken into account (see the
/// module documentation); `None` (no table, or no row) leaves it as it is.
pub fn adjusted_likelihood(rule_likelihood: u8, inherent: Option<u8>) -> u8 {
    let raise = inherent.map(likelihood_raise).unwrap_or(0);
    rule_likelihood.saturating_add(raise).min(5)
}

/// Flags from the answers, with the inherent value applied: likelihood, score and band
/// recomputed; severity and knock-out unchanged.
pub fn apply(flags: Vec<RaisedFlag>, inherent: Option<u8>) -> Vec<RaisedFlag> {
    if inherent.is_none() {
        return flags;
    }
    flags
        .into_iter()
        .map(|mut f| {
            f.likelihood = adjusted_likelihood(f.likelihood, inherent);
            f.score = f.severity * f.likelihood;
            f.band = Band::of(f.score, f.critical);
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::indicator::Indicator;
    use serde_json::Value;

    fn row(country: &str, sector: &str, value: u8) -> InherentRow {
        InherentRow {
            country: country.into(),
            sector: sector.into(),
            value,
            source: "illustrative".into(),
            year: 2025,
        }
    }

    fn flag(severity: u8, likelihood: u8, critical: bool) -> RaisedFlag {
        RaisedFlag {
            question_id: "q".into(),
            rule_index: 0,
            indicator: Indicator::parse("debt_bondage").expect("indicator"),
            severity,
            likelihood,
            score: severity * likelihood,
            band: Band::of(severity * likelihood, critical),
            critical,
            answer: Value::Null,
            rows: vec![],
            affected_workers: None,
            workforce: None,
        }
    }

    #[test]
    fn values_one_to_three_leave_likelihood_four_and_five_raise_it() {
        for l in 1..=5 {
            assert_eq!(adjusted_likelihood(l, None), l);
            assert_eq!(adjusted_likelihood(l, Some(1)), l);
            assert_eq!(adjusted_likelihood(l, Some(3)), l);
        }
        assert_eq!(adjusted_likelihood(2, Some(4)), 3);
        assert_eq!(adjusted_likelihood(2, Some(5)), 4);
        assert_eq!(adjusted_likelihood(4, Some(5)), 5, "capped at 5");
        assert_eq!(adjusted_likelihood(5, Some(5)), 5);
    }

    #[test]
    fn apply_recomputes_score_and_band_but_keeps_severity_and_knock_outs() {
        let raised = apply(vec![flag(3, 3, false), flag(1, 1, true)], Some(5));
        assert_eq!(raised[0].likelihood, 5);
        assert_eq!(raised[0].score, 15);
        assert_eq!(raised[0].band, Band::Critical);
        assert_eq!(raised[0].severity, 3);
        assert_eq!(raised[1].band, Band::Critical, "a trigger stays critical");
        assert_eq!(raised[1].score, 3);
        // Without data: exactly the answers' flags.
        let alone = apply(vec![flag(3, 3, false)], None);
        assert_eq!(alone, vec![flag(3, 3, false)]);
        // A low value changes nothing.
        assert_eq!(
            apply(vec![flag(3, 3, false)], Some(2)),
            vec![flag(3, 3, false)]
        );
    }

    #[test]
    fn lookup_prefers_the_sector_then_the_country_wide_row() {
        let rows = vec![
            row("JP", "*", 2),
            row("JP", "Electronics", 4),
            row("VN", "*", 5),
        ];
        assert_eq!(
            lookup(&rows, "JP", Some(" electronics ")).map(|r| r.value),
            Some(4)
        );
        assert_eq!(
            lookup(&rows, "JP", Some("Textiles")).map(|r| r.value),
            Some(2)
        );
        assert_eq!(lookup(&rows, "JP", None).map(|r| r.value), Some(2));
        assert_eq!(
            lookup(&rows, "VN", Some("Textiles")).map(|r| r.value),
            Some(5)
        );
        assert_eq!(lookup(&rows, "TH", Some("Textiles")), None);
        assert_eq!(lookup(&[], "JP", None), None);
    }

    #[test]
    fn a_valid_file_parses() {
        let csv = "\u{feff}country,sector,value,source,year\njp,*,2,Illustrative index,2024\r\nVN,Textiles,5,\"Illustrative, survey\",2025\n\n";
        let rows = parse_csv(csv.as_bytes()).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].country, "JP");
        assert_eq!(rows[1].source, "Illustrative, survey");
        assert_eq!(rows[1].value, 5);
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_column() {
        let csv = "country,sector,value,source,year\nXX,*,3,s,2024\nJP,,6,,1800\nJP,*,3,s,2024\nJP,*,4,s,2024\nVN,*,3\n";
        let errors = parse_csv(csv.as_bytes()).expect_err("invalid");
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            found,
            vec![
                (2, "country"),
                (3, "sector"),
                (3, "value"),
                (3, "source"),
                (3, "year"),
                (5, "sector"),
                (6, "row"),
            ]
        );
        assert!(errors[5].message.contains("listed twice"));
    }

    #[test]
    fn a_wrong_header_or_an_empty_file_is_refused() {
        let e =
            parse_csv(b"pays,secteur,valeur,source,annee\nJP,*,3,s,2024\n").expect_err("header");
        assert_eq!(e[0].column, "header");
        assert_eq!(parse_csv(b"").expect_err("empty")[0].column, "file");
        assert_eq!(
            parse_csv(b"country,sector,value,source,year\n").expect_err("no rows")[0].column,
            "file"
        );
        assert_eq!(
            parse_csv(b"\xff\xfe").expect_err("binary")[0].column,
            "file"
        );
    }
}

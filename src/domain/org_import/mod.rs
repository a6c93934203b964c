//! Organisations and their contacts as a CSV file: reading an upload into a checked
//! preview, the plan that compares a preview with what is stored, and the export.
//!
//! Procurement keeps its supplier list in a spreadsheet or an ERP, so the import has to
//! take what Excel writes: UTF-8 with or without a byte-order mark, and in Japan
//! Shift_JIS (Windows code page 932). The encoding is detected, never guessed with
//! replacement characters: a file that is neither is refused with a message naming the
//! encodings accepted ([`decode`]).
//!
//! The format (also in `docs/organisation-import.md`): one header line naming the
//! [`COLUMNS`] (any order, case and surrounding spaces ignored), then **one line per
//! contact**. Lines with the same `external_ref` are one organisation with several
//! contacts, and must repeat the same organisation fields. A line whose contact columns
//! are all empty is an organisation without a (new) contact.
//!
//! Nothing here writes: [`parse`] gives an [`ImportPreview`] with every problem found
//! (line, column, message: all of them, not the first), for a page to show before the
//! user confirms. [`plan`] then compares the preview with the stored organisations of the
//! same `external_ref`s ([`ExistingOrg`], filled by the service), so the same file
//! imported twice plans nothing, and a changed line plans an update naming the fields
//! that change. The service must refuse to apply a preview with errors.
//!
//! The import is additive for contacts: a stored contact missing from the file is left
//! as it is (deactivating is a decision for the organisation page), and it never
//! reactivates or deactivates anything.
//!
//! [`export_csv`] writes the same columns, so export → import plans nothing, and guards
//! against formula injection ([`guard_cell`](super::csv_file::guard_cell)), which the
//! import undoes ([`unguard_cell`]).

use super::csv_file::unguard_cell;
use super::i18n::Lang;
use super::ids::{ContactId, OrganisationId};
use std::borrow::Cow;
use std::collections::HashMap;

/// The columns of the file, in the order the export writes them.
pub const COLUMNS: [&str; 11] = [
    "external_ref",
    "kind",
    "name",
    "country",
    "sector",
    "business_unit",
    "owner_email",
    "contact_name",
    "contact_email",
    "contact_language",
    "contact_job_title",
];

/// The largest file accepted (5 MiB). A service should also stop reading the upload
/// there, so that an oversized body is never held in memory whole.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// The most data lines (contacts) one file may hold.
pub const MAX_ROWS: usize = 20_000;

const EXTERNAL_REF: usize = 0;
const KIND: usize = 1;
const NAME: usize = 2;
const COUNTRY: usize = 3;
const SECTOR: usize = 4;
const BUSINESS_UNIT: usize = 5;
const OWNER_EMAIL: usize = 6;
const CONTACT_NAME: usize = 7;
const CONTACT_EMAIL: usize = 8;
const CONTACT_LANGUAGE: usize = 9;
const CONTACT_JOB_TITLE: usize = 10;

/// The encoding a file was read in, for the preview to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    /// UTF-8 starting with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// Shift_JIS as Windows writes it (code page 932: Excel's Japanese "CSV").
    ShiftJis,
}

impl SourceEncoding {
    pub fn label(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 (with byte-order mark)",
            SourceEncoding::ShiftJis => "Shift_JIS (CP932)",
        }
    }
}

pub use super::states::OrganisationKind;

/// The kind as a file states it: the stored name, in any case, with spaces around.
pub fn parse_kind(value: &str) -> Option<OrganisationKind> {
    OrganisationKind::parse(&value.trim().to_ascii_lowercase())
}

/// An organisation's own fields, as the file states them (cleaned) and as the database
/// holds them. `owner_email` is the staff owner's email, in lower case; the service
/// resolves it to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFields {
    pub kind: OrganisationKind,
    pub name: String,
    /// ISO 3166-1 alpha-2, in capitals.
    pub country: String,
    pub sector: Option<String>,
    pub business_unit: Option<String>,
    pub owner_email: Option<String>,
}

impl OrgFields {
    /// The columns whose value differs between `self` and `other` (the owner's email
    /// compared without regard to case).
    pub fn changed_columns(&self, other: &OrgFields) -> Vec<&'static str> {
        let owner_same = match (&self.owner_email, &other.owner_email) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        [
            (COLUMNS[KIND], self.kind == other.kind),
            (COLUMNS[NAME], self.name == other.name),
            (COLUMNS[COUNTRY], self.country == other.country),
            (COLUMNS[SECTOR], self.sector == other.sector),
            (
                COLUMNS[BUSINESS_UNIT],
                self.business_unit == other.business_unit,
            ),
            (COLUMNS[OWNER_EMAIL], owner_same),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(column, _)| column)
        .collect()
    }

    fn value(&self, column: &str) -> &str {
        match column {
            "kind" => self.kind.as_str(),
            "name" => &self.name,
            "country" => &self.country,
            "sector" => self.sector.as_deref().unwrap_or(""),
            "business_unit" => self.business_unit.as_deref().unwrap_or(""),
            "owner_email" => self.owner_email.as_deref().unwrap_or(""),
            _ => "",
        }
    }
}

/// A contact's fields. Contacts of one organisation are told apart by their email
/// without regard to case (as the database's unique index does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    pub name: String,
    pub email: String,
    pub language: Lang,
    pub job_title: Option<String>,
}

impl ContactFields {
    /// The columns whose value differs between `self` and `other`.
    pub fn changed_columns(&self, other: &ContactFields) -> Vec<&'static str> {
        [
            (COLUMNS[CONTACT_NAME], self.name == other.name),
            (COLUMNS[CONTACT_EMAIL], self.email == other.email),
            (COLUMNS[CONTACT_LANGUAGE], self.language == other.language),
            (
                COLUMNS[CONTACT_JOB_TITLE],
                self.job_title == other.job_title,
            ),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(column, _)| column)
        .collect()
    }
}

/// One contact read from the file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub line: u64,
    pub fields: ContactFields,
}

/// One organisation read from the file: its fields, the line where it first appears,
/// and its contacts in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub line: u64,
    pub external_ref: String,
    pub fields: OrgFields,
    pub contacts: Vec<ContactRow>,
}

/// A problem with one line of the file. `line` is the physical line (the header is
/// line 1; a quoted value over several lines counts them all); `column` is one of
/// [`COLUMNS`], or empty when the problem is the line as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: &'static str,
    pub message: String,
}

/// What a file would import, and everything wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPreview {
    pub encoding: SourceEncoding,
    /// The organisations whose own fields are valid and consistent, in file order, with
    /// their valid contacts. Complete only when `errors` is empty.
    pub organisations: Vec<OrgRow>,
    /// Every problem, by line then column order. Any error means nothing is imported.
    pub errors: Vec<RowError>,
    /// Every well-formed owner email with its line (lines with other errors too).
    pub owners: Vec<(u64, String)>,
}

impl ImportPreview {
    /// Whether the file can be imported as it is.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn contact_count(&self) -> usize {
        self.organisations.iter().map(|o| o.contacts.len()).sum()
    }

    /// The references in the file, for the service to load the stored organisations
    /// that [`plan`] compares with.
    pub fn external_refs(&self) -> Vec<&str> {
        self.organisations
            .iter()
            .map(|o| o.external_ref.as_str())
            .collect()
    }

    /// Adds an error for each organisation whose `owner_email` is not a staff member's
    /// (`is_staff` is the service's look-up, given a lower-case email).
    pub fn check_owners(&mut self, is_staff: impl Fn(&str) -> bool) {
        for (line, owner) in &self.owners {
            if !is_staff(owner) {
                self.errors.push(RowError {
                    line: *line,
                    column: COLUMNS[OWNER_EMAIL],
                    message: format!("no staff member has the email {owner}"),
                });
            }
        }
        self.errors
            .sort_by_key(|e| (e.line, column_order(e.column)));
    }
}

fn column_order(column: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| *c == column)
        .unwrap_or(usize::MAX)
}

/// A problem with the file as a whole: nothing of it is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is {size} bytes; at most {max} bytes (5 MB) are accepted: split it into several files", max = MAX_FILE_BYTES)]
    TooLarge { size: usize },
    #[error("the file is neither UTF-8 nor Shift_JIS (CP932, Excel's Japanese CSV); save it from Excel as \"CSV UTF-8 (Comma delimited)\" and upload it again")]
    Undecodable,
    #[error("the file is empty: its first line must name the columns {}", COLUMNS.join(","))]
    Empty,
    #[error("line 1: {problem}; the first line must name the columns {}", COLUMNS.join(","))]
    Header { problem: String },
    #[error("the file has more than {max} lines of contacts; split it into several files", max = MAX_ROWS)]
    TooManyRows,
    #[error("the file has only its header line: add a line for each organisation or contact below it (see the example file)")]
    NoRows,
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
}

/// Reads the bytes as UTF-8 (a leading byte-order mark is removed), else as Shift_JIS
/// (CP932) without replacing anything, else refuses.
///
/// UTF-8 goes first: a Shift_JIS file with Japanese text is practically never valid
/// UTF-8, while UTF-8 text may well pass as (garbled) Shift_JIS. encoding_rs's
/// `Shift_JIS` is the WHATWG one, which is Windows' code page 932 (NEC and IBM
/// extensions included), i.e. what Excel writes.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), FileError> {
    // UTF-16 without a byte-order mark is valid UTF-8 (a NUL beside each ASCII letter);
    // the header's first two bytes are never NUL in a file we can read.
    if bytes.iter().take(2).any(|b| *b == 0) {
        return Err(FileError::Undecodable);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), SourceEncoding::Utf8Bom))
            .map_err(|_| FileError::Undecodable);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), SourceEncoding::Utf8));
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| (s, SourceEncoding::ShiftJis))
        .ok_or(FileError::Undecodable)
}

/// Reads an uploaded file into a preview. A problem with the file as a whole (size,
/// encoding, header, number of lines) is a [`FileError`]; problems with lines are all
/// collected in [`ImportPreview::errors`].
pub fn parse(bytes: &[u8]) -> Result<ImportPreview, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge { size: bytes.len() });
    }
    let (content, encoding) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(FileError::Empty),
        Some(record) => record.map_err(malformed)?,
    };
    let positions = header_positions(&header)?;

    let mut builder = Builder::default();
    let mut lines = LineCounter::new(&content);
    let mut rows = 0usize;
    for record in records {
        let record = record.map_err(malformed)?;
        // The csv crate's own line count leaves out the blank lines it skips.
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        // Spreadsheets leave lines of empty cells below the data.
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        if record.len() != COLUMNS.len() {
            builder.errors.push(RowError {
                line,
                column: "",
                message: format!(
                    "has {} values; every line needs {} (one per column)",
                    record.len(),
                    COLUMNS.len()
                ),
            });
            continue;
        }
        let cells: [&str; 11] = positions.map(|p| record.get(p).unwrap_or(""));
        builder.row(line, &cells);
    }
    if rows == 0 {
        return Err(FileError::NoRows);
    }
    Ok(builder.finish(encoding))
}

/// Physical line numbers (1-based) of records, asked in file order. A line ends with
/// LF, CRLF or a lone CR, as the csv crate reads them.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record starting at `offset`. The csv crate gives the offset
    /// where it started reading, before the blank lines it skipped: those are passed
    /// over too, since a record never starts with a line break.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while end < self.bytes.len() && matches!(self.bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        while self.offset < end {
            match self.bytes[self.offset] {
                b'\n' => self.line += 1,
                b'\r' if self.bytes.get(self.offset + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.offset += 1;
        }
        self.line
    }
}

fn malformed(e: csv::Error) -> FileError {
    let line = e.position().map_or(0, |p| p.line());
    FileError::Malformed {
        line,
        message: e.to_string(),
    }
}

/// Where each of [`COLUMNS`] is in the file, or what is wrong with the header.
fn header_positions(header: &csv::StringRecord) -> Result<[usize; 11], FileError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{FEFF}').trim().to_ascii_lowercase())
        .collect();
    let problem = |problem: String| FileError::Header { problem };
    if names.len() == 1 && names[0].contains(';') {
        return Err(problem(
            "the columns are separated by semicolons; separate them with commas".into(),
        ));
    }
    let mut positions = [usize::MAX; 11];
    for (i, name) in names.iter().enumerate() {
        match COLUMNS.iter().position(|c| c == name) {
            None if name.is_empty() => {
                return Err(problem(format!("column {} has no name", i + 1)))
            }
            None => return Err(problem(format!("unknown column \"{name}\""))),
            Some(c) if positions[c] != usize::MAX => {
                return Err(problem(format!("the column \"{name}\" appears twice")))
            }
            Some(c) => positions[c] = i,
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(positions)
        .filter(|(_, p)| *p == usize::MAX)
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(problem(format!(
            "missing column{} {}",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    Ok(positions)
}

/// One organisation being gathered from its lines.
mod build;
mod plan;
#[cfg(test)]
mod tests;

use build::Builder;
pub use plan::*;

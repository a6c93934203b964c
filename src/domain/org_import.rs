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
//! against formula injection ([`guard_cell`]), which the import undoes ([`unguard_cell`]).

use super::countries;
use super::i18n::Lang;
use super::text;
use std::borrow::Cow;
use std::collections::HashMap;
use uuid::Uuid;
use validator::ValidateEmail;

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

/// What an organisation is to the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// One of the group's own sites.
    ProductionBase,
    Supplier,
}

impl OrgKind {
    /// The stored and written value; `parse` also accepts capitals.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::ProductionBase => "production_base",
            OrgKind::Supplier => "supplier",
        }
    }

    pub fn parse(value: &str) -> Option<OrgKind> {
        match value.trim().to_ascii_lowercase().as_str() {
            "production_base" => Some(OrgKind::ProductionBase),
            "supplier" => Some(OrgKind::Supplier),
            _ => None,
        }
    }
}

/// An organisation's own fields, as the file states them (cleaned) and as the database
/// holds them. `owner_email` is the staff owner's email, in lower case; the service
/// resolves it to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFields {
    pub kind: OrgKind,
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
        for org in &self.organisations {
            if let Some(owner) = &org.fields.owner_email {
                if !is_staff(owner) {
                    self.errors.push(RowError {
                        line: org.line,
                        column: COLUMNS[OWNER_EMAIL],
                        message: format!("no staff member has the email {owner}"),
                    });
                }
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
    #[error("{problem}; the first line must name the columns {}", COLUMNS.join(","))]
    Header { problem: String },
    #[error("the file has more than {max} lines of contacts; split it into several files", max = MAX_ROWS)]
    TooManyRows,
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
struct Entry {
    line: u64,
    external_ref: String,
    /// The fields of the first line where they were valid.
    fields: Option<(u64, OrgFields)>,
    contacts: Vec<ContactRow>,
    /// Lower-case contact email → its line.
    emails: HashMap<String, u64>,
    /// False once a line of it had invalid or conflicting organisation fields.
    ok: bool,
}

#[derive(Default)]
struct Builder {
    entries: Vec<Entry>,
    by_ref: HashMap<String, usize>,
    errors: Vec<RowError>,
}

impl Builder {
    fn row(&mut self, line: u64, cells: &[&str; 11]) {
        let mut errors = Vec::new();
        let mut cell = |column: usize| -> Option<String> {
            match text::clean_single_line(COLUMNS[column], cells[column]) {
                Ok(value) => Some(unguard_cell(&value).to_string()),
                Err(e) => {
                    errors.push(RowError {
                        line,
                        column: COLUMNS[column],
                        message: e.message,
                    });
                    None
                }
            }
        };
        let values: [Option<String>; 11] = std::array::from_fn(&mut cell);
        let mut check = Checker {
            line,
            errors: &mut errors,
        };
        let external_ref = check.required(EXTERNAL_REF, &values, 100);
        let org = check.org_fields(&values);
        let contact = check.contact(&values);
        self.errors.append(&mut errors);

        let Some(external_ref) = external_ref else {
            return;
        };
        let index = match self.by_ref.get(&external_ref) {
            Some(&i) => i,
            None => {
                self.by_ref.insert(external_ref.clone(), self.entries.len());
                self.entries.push(Entry {
                    line,
                    external_ref,
                    fields: None,
                    contacts: Vec::new(),
                    emails: HashMap::new(),
                    ok: true,
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        match (org, &entry.fields) {
            (None, _) => entry.ok = false,
            (Some(fields), None) => entry.fields = Some((line, fields)),
            (Some(fields), Some((first_line, first))) => {
                for column in first.changed_columns(&fields) {
                    entry.ok = false;
                    self.errors.push(RowError {
                        line,
                        column,
                        message: format!(
                            "\"{}\" differs from \"{}\" on line {first_line} for the same external_ref: an organisation's lines must agree",
                            fields.value(column),
                            first.value(column),
                        ),
                    });
                }
            }
        }
        if let Some(Some(contact)) = contact {
            let key = contact.email.to_lowercase();
            if let Some(first_line) = entry.emails.get(&key) {
                self.errors.push(RowError {
                    line,
                    column: COLUMNS[CONTACT_EMAIL],
                    message: format!(
                        "this organisation has this contact already, on line {first_line}"
                    ),
                });
            } else {
                entry.emails.insert(key, line);
                entry.contacts.push(ContactRow {
                    line,
                    fields: contact,
                });
            }
        }
    }

    fn finish(self, encoding: SourceEncoding) -> ImportPreview {
        let organisations = self
            .entries
            .into_iter()
            .filter(|e| e.ok)
            .filter_map(|e| {
                let (_, fields) = e.fields?;
                Some(OrgRow {
                    line: e.line,
                    external_ref: e.external_ref,
                    fields,
                    contacts: e.contacts,
                })
            })
            .collect();
        let mut errors = self.errors;
        errors.sort_by_key(|e| (e.line, column_order(e.column)));
        ImportPreview {
            encoding,
            organisations,
            errors,
        }
    }
}

/// The rules per column for one line; every problem is recorded, none stops the others.
struct Checker<'a> {
    line: u64,
    errors: &'a mut Vec<RowError>,
}

impl Checker<'_> {
    fn error(&mut self, column: usize, message: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            column: COLUMNS[column],
            message: message.into(),
        });
    }

    /// A cleaned value of at most `max` characters; `None` (recorded) when it is
    /// missing or too long, or when cleaning refused it (recorded already).
    fn required(
        &mut self,
        column: usize,
        values: &[Option<String>; 11],
        max: usize,
    ) -> Option<String> {
        let value = values[column].as_ref()?;
        if value.is_empty() {
            self.error(column, "required");
            return None;
        }
        self.at_most(column, value, max).then(|| value.clone())
    }

    /// `Ok(None)` for an empty cell; `Err` when cleaning refused it or it is too long.
    fn optional(
        &mut self,
        column: usize,
        values: &[Option<String>; 11],
        max: usize,
    ) -> Result<Option<String>, ()> {
        let value = values[column].as_ref().ok_or(())?;
        if value.is_empty() {
            return Ok(None);
        }
        if self.at_most(column, value, max) {
            Ok(Some(value.clone()))
        } else {
            Err(())
        }
    }

    fn at_most(&mut self, column: usize, value: &str, max: usize) -> bool {
        let length = value.chars().count();
        if length > max {
            self.error(
                column,
                format!("at most {max} characters (this one has {length})"),
            );
        }
        length <= max
    }

    fn email(&mut self, column: usize, value: &str) -> bool {
        let ok = value.validate_email();
        if !ok {
            self.error(column, format!("\"{value}\" is not an email address"));
        }
        ok
    }

    fn org_fields(&mut self, values: &[Option<String>; 11]) -> Option<OrgFields> {
        let kind = values[KIND].as_deref().and_then(|v| {
            let kind = OrgKind::parse(v);
            if kind.is_none() {
                if v.is_empty() {
                    self.error(KIND, "required: production_base or supplier");
                } else {
                    self.error(
                        KIND,
                        format!("\"{v}\" is not a kind: write production_base or supplier"),
                    );
                }
            }
            kind
        });
        let name = self.required(NAME, values, 200);
        let country = values[COUNTRY].as_deref().and_then(|v| {
            let code = v.to_ascii_uppercase();
            if countries::is_code(&code) {
                Some(code)
            } else {
                if v.is_empty() {
                    self.error(
                        COUNTRY,
                        "required: an ISO 3166-1 alpha-2 code, e.g. JP or VN",
                    );
                } else {
                    self.error(
                        COUNTRY,
                        format!("\"{v}\" is not an ISO 3166-1 alpha-2 country code, e.g. JP or VN"),
                    );
                }
                None
            }
        });
        let sector = self.optional(SECTOR, values, 100);
        let business_unit = self.optional(BUSINESS_UNIT, values, 100);
        let owner_email = self
            .optional(OWNER_EMAIL, values, 254)
            .and_then(|owner| match owner {
                Some(e) if !self.email(OWNER_EMAIL, &e) => Err(()),
                other => Ok(other.map(|e| e.to_lowercase())),
            });
        Some(OrgFields {
            kind: kind?,
            name: name?,
            country: country?,
            sector: sector.ok()?,
            business_unit: business_unit.ok()?,
            owner_email: owner_email.ok()?,
        })
    }

    /// `Some(None)`: no contact on this line; `None`: an invalid contact (recorded).
    fn contact(&mut self, values: &[Option<String>; 11]) -> Option<Option<ContactFields>> {
        let columns = [
            CONTACT_NAME,
            CONTACT_EMAIL,
            CONTACT_LANGUAGE,
            CONTACT_JOB_TITLE,
        ];
        // A cell refused by cleaning is not empty: the contact is then invalid.
        if columns
            .iter()
            .all(|c| values[*c].as_deref().is_some_and(str::is_empty))
        {
            return Some(None);
        }
        let name = self.required(CONTACT_NAME, values, 200);
        let email = self
            .required(CONTACT_EMAIL, values, 254)
            .filter(|e| self.email(CONTACT_EMAIL, e));
        let language = values[CONTACT_LANGUAGE].as_deref().and_then(|v| {
            if v.is_empty() {
                return Some(Lang::En);
            }
            let lang = Lang::parse(v);
            if lang.is_none() {
                let codes: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
                self.error(
                    CONTACT_LANGUAGE,
                    format!(
                        "\"{v}\" is not a language: write {} (empty means en)",
                        codes.join(", ")
                    ),
                );
            }
            lang
        });
        let job_title = self.optional(CONTACT_JOB_TITLE, values, 200);
        Some(Some(ContactFields {
            name: name?,
            email: email?,
            language: language?,
            job_title: job_title.ok()?,
        }))
    }
}

/// A stored contact of an [`ExistingOrg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingContact {
    pub id: Uuid,
    pub fields: ContactFields,
}

/// A stored organisation with its contacts, as the service reads it for [`plan`]
/// (`owner_email` is the owner user's email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingOrg {
    pub id: Uuid,
    pub external_ref: String,
    pub fields: OrgFields,
    pub contacts: Vec<ExistingContact>,
}

/// A stored contact whose fields the file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactUpdate {
    pub id: Uuid,
    pub row: ContactRow,
    /// The contact columns that change, in [`COLUMNS`] order.
    pub changed: Vec<&'static str>,
}

/// A stored organisation that the file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUpdate {
    pub id: Uuid,
    /// The organisation as the file has it (all its fields and contacts).
    pub row: OrgRow,
    /// The organisation columns that change, in [`COLUMNS`] order (may be empty when
    /// only contacts change).
    pub changed: Vec<&'static str>,
    pub new_contacts: Vec<ContactRow>,
    pub changed_contacts: Vec<ContactUpdate>,
}

/// What applying a preview would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportPlan {
    /// Organisations whose `external_ref` is not stored: created with their contacts.
    pub create: Vec<OrgRow>,
    pub update: Vec<OrgUpdate>,
    /// The `external_ref`s of the organisations that the file leaves as they are.
    pub unchanged: Vec<String>,
}

impl ImportPlan {
    /// Whether applying would write nothing.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.update.is_empty()
    }
}

/// Compares the file with what is stored. `existing` are the stored organisations whose
/// `external_ref` is in the file (more do no harm). Matching is on the exact
/// `external_ref` (as the database's unique index), contacts on the email without regard
/// to case.
pub fn plan(preview: &ImportPreview, existing: &[ExistingOrg]) -> ImportPlan {
    let stored: HashMap<&str, &ExistingOrg> = existing
        .iter()
        .map(|o| (o.external_ref.as_str(), o))
        .collect();
    let mut result = ImportPlan::default();
    for org in &preview.organisations {
        let Some(old) = stored.get(org.external_ref.as_str()) else {
            result.create.push(org.clone());
            continue;
        };
        let old_contacts: HashMap<String, &ExistingContact> = old
            .contacts
            .iter()
            .map(|c| (c.fields.email.to_lowercase(), c))
            .collect();
        let mut new_contacts = Vec::new();
        let mut changed_contacts = Vec::new();
        for contact in &org.contacts {
            match old_contacts.get(&contact.fields.email.to_lowercase()) {
                None => new_contacts.push(contact.clone()),
                Some(old_contact) => {
                    let changed = old_contact.fields.changed_columns(&contact.fields);
                    if !changed.is_empty() {
                        changed_contacts.push(ContactUpdate {
                            id: old_contact.id,
                            row: contact.clone(),
                            changed,
                        });
                    }
                }
            }
        }
        let changed = old.fields.changed_columns(&org.fields);
        if changed.is_empty() && new_contacts.is_empty() && changed_contacts.is_empty() {
            result.unchanged.push(org.external_ref.clone());
        } else {
            result.update.push(OrgUpdate {
                id: old.id,
                row: org.clone(),
                changed,
                new_contacts,
                changed_contacts,
            });
        }
    }
    result
}

/// An organisation to export. One without an `external_ref` is written with an empty
/// one, which the import refuses until one is filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOrg {
    pub external_ref: Option<String>,
    pub fields: OrgFields,
    pub contacts: Vec<ContactFields>,
}

impl From<&ExistingOrg> for ExportOrg {
    fn from(org: &ExistingOrg) -> Self {
        ExportOrg {
            external_ref: Some(org.external_ref.clone()),
            fields: org.fields.clone(),
            contacts: org.contacts.iter().map(|c| c.fields.clone()).collect(),
        }
    }
}

/// The first characters that make a spreadsheet treat a cell as a formula (OWASP's
/// CSV-injection list), plus the apostrophe that escapes them, so the escape itself
/// round-trips.
fn needs_guard(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// A cell as exported: a value that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `+`, `-`, `@`, tab, carriage return) gets a leading `'`, as OWASP
/// advises, so Excel shows it as text. A value that starts with `'` gets one more, so
/// [`unguard_cell`] gives back exactly the value.
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

/// The organisations as a CSV file in the import's format: UTF-8 with a byte-order mark
/// (so Excel reads it as UTF-8), CRLF line ends, the header, then one line per contact
/// (one line with empty contact columns for an organisation without contacts), every
/// cell through [`guard_cell`].
pub fn export_csv(rows: &[ExportOrg]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let mut write = |cells: [&str; 11]| {
            writer
                .write_record(cells.iter().map(|c| guard_cell(c).into_owned()))
                .expect("writing CSV to memory cannot fail");
        };
        write(COLUMNS);
        for org in rows {
            let f = &org.fields;
            let org_cells = [
                org.external_ref.as_deref().unwrap_or(""),
                f.kind.as_str(),
                &f.name,
                &f.country,
                f.sector.as_deref().unwrap_or(""),
                f.business_unit.as_deref().unwrap_or(""),
                f.owner_email.as_deref().unwrap_or(""),
            ];
            if org.contacts.is_empty() {
                write(export_line(&org_cells, None));
            }
            for contact in &org.contacts {
                write(export_line(&org_cells, Some(contact)));
            }
        }
        writer.flush().expect("writing CSV to memory cannot fail");
    }
    out
}

/// One exported line: the organisation's seven cells, then the contact's four.
fn export_line<'a>(org: &[&'a str; 7], contact: Option<&'a ContactFields>) -> [&'a str; 11] {
    let c = [
        contact.map_or("", |c| c.name.as_str()),
        contact.map_or("", |c| c.email.as_str()),
        contact.map_or("", |c| c.language.code()),
        contact.and_then(|c| c.job_title.as_deref()).unwrap_or(""),
    ];
    std::array::from_fn(|i| if i < 7 { org[i] } else { c[i - 7] })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "external_ref,kind,name,country,sector,business_unit,owner_email,contact_name,contact_email,contact_language,contact_job_title";
    const CP932_FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/csv/organisations-cp932.csv");
    const ERRORS_FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/csv/row-errors.csv");
    const EXAMPLE: &[u8] = include_bytes!("../../static/organisations-example.csv");

    fn file(lines: &[&str]) -> Vec<u8> {
        let mut text = String::from(HEADER);
        for line in lines {
            text.push('\n');
            text.push_str(line);
        }
        text.push('\n');
        text.into_bytes()
    }

    fn errors(preview: &ImportPreview) -> Vec<(u64, &'static str)> {
        preview.errors.iter().map(|e| (e.line, e.column)).collect()
    }

    /// What the service would store after applying a clean preview.
    fn stored(preview: &ImportPreview) -> Vec<ExistingOrg> {
        preview
            .organisations
            .iter()
            .map(|o| ExistingOrg {
                id: Uuid::new_v4(),
                external_ref: o.external_ref.clone(),
                fields: o.fields.clone(),
                contacts: o
                    .contacts
                    .iter()
                    .map(|c| ExistingContact {
                        id: Uuid::new_v4(),
                        fields: c.fields.clone(),
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn utf8_file_with_several_contacts_per_organisation() {
        let preview = parse(&file(&[
            "S-1,supplier,Công ty Ví Dụ,vn,textiles,Apparel,Owner@Example.com,Nguyễn Thị Lan,lan@example.net,vi,Giám đốc",
            "S-1,supplier,Công ty Ví Dụ,VN,textiles,Apparel,owner@example.com,Lan Two,lan2@example.net,,",
            "P-1,production_base,Example Parts Ltd,JP,,,,,,,",
        ]))
        .unwrap();
        assert_eq!(preview.encoding, SourceEncoding::Utf8);
        assert!(preview.is_clean(), "{:?}", preview.errors);
        assert_eq!(preview.organisations.len(), 2);
        let s1 = &preview.organisations[0];
        assert_eq!((s1.line, s1.external_ref.as_str()), (2, "S-1"));
        assert_eq!(s1.fields.kind, OrgKind::Supplier);
        assert_eq!(s1.fields.name, "Công ty Ví Dụ");
        assert_eq!(s1.fields.country, "VN");
        assert_eq!(s1.fields.business_unit.as_deref(), Some("Apparel"));
        assert_eq!(s1.fields.owner_email.as_deref(), Some("owner@example.com"));
        assert_eq!(s1.contacts.len(), 2);
        assert_eq!(s1.contacts[0].fields.language, Lang::Vi);
        assert_eq!(s1.contacts[1].line, 3);
        assert_eq!(s1.contacts[1].fields.language, Lang::En, "empty means en");
        assert_eq!(s1.contacts[1].fields.job_title, None);
        let p1 = &preview.organisations[1];
        assert_eq!(p1.fields.kind, OrgKind::ProductionBase);
        assert_eq!((p1.fields.sector.as_ref(), p1.contacts.len()), (None, 0));
        assert_eq!(preview.contact_count(), 2);
        assert_eq!(preview.external_refs(), ["S-1", "P-1"]);
    }

    #[test]
    fn utf8_with_bom_and_a_header_in_any_order_and_case() {
        let text = "\u{FEFF} Name ,KIND,external_ref,country,sector,business_unit,owner_email,contact_name,contact_email,contact_language,Contact_Job_Title\r\n\
                    Example Parts Ltd,supplier,X-1,JP,,,,山田 太郎,taro@example.com,ja,工場長\r\n";
        let preview = parse(text.as_bytes()).unwrap();
        assert_eq!(preview.encoding, SourceEncoding::Utf8Bom);
        assert!(preview.is_clean(), "{:?}", preview.errors);
        let org = &preview.organisations[0];
        assert_eq!(org.external_ref, "X-1");
        assert_eq!(org.fields.name, "Example Parts Ltd");
        assert_eq!(org.contacts[0].fields.name, "山田 太郎");
        assert_eq!(org.contacts[0].fields.job_title.as_deref(), Some("工場長"));
    }

    #[test]
    fn excel_japanese_export_in_cp932_is_decoded() {
        assert!(
            String::from_utf8(CP932_FIXTURE.to_vec()).is_err(),
            "not UTF-8"
        );
        let preview = parse(CP932_FIXTURE).unwrap();
        assert_eq!(preview.encoding, SourceEncoding::ShiftJis);
        assert_eq!(preview.encoding.label(), "Shift_JIS (CP932)");
        assert!(preview.is_clean(), "{:?}", preview.errors);
        let names: Vec<&str> = preview
            .organisations
            .iter()
            .map(|o| o.fields.name.as_str())
            .collect();
        // ㈱ is an NEC special character and 髙 an IBM extension: CP932, not plain JIS.
        assert_eq!(names, ["㈱例示部品製作所", "例示工業株式会社 九州工場"]);
        let first = &preview.organisations[0];
        assert_eq!(first.fields.sector.as_deref(), Some("自動車部品"));
        assert_eq!(first.contacts[0].fields.name, "髙橋 一郎");
        assert_eq!(
            first.contacts[1].fields.job_title.as_deref(),
            Some("人事部 課長")
        );
        assert_eq!(preview.contact_count(), 2);
    }

    #[test]
    fn a_file_in_another_encoding_is_refused_naming_the_accepted_ones() {
        // UTF-16 (Excel's "Unicode text"), and Latin-1 bytes that are not CP932 either.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(HEADER.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let latin1 = [HEADER.as_bytes(), b"\nX,supplier,Caf\xE9\n"].concat();
        for bytes in [&utf16[..], &latin1[..], b"\xEF\xBB\xBFname\xFF"] {
            let error = parse(bytes).unwrap_err();
            assert_eq!(error, FileError::Undecodable);
            let message = error.to_string();
            assert!(
                message.contains("UTF-8") && message.contains("Shift_JIS (CP932"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_wrong_header_is_a_file_error_listing_the_columns() {
        let cases = [
            (
                HEADER.replace("sector", "industry"),
                "unknown column \"industry\"",
            ),
            (
                HEADER.replace(",owner_email", ""),
                "missing column owner_email",
            ),
            (
                HEADER.replace(",sector,business_unit", ""),
                "missing columns sector, business_unit",
            ),
            (HEADER.replace("sector", "name"), "\"name\" appears twice"),
            (HEADER.replace(',', ";"), "separated by semicolons"),
            (format!("{HEADER},"), "column 12 has no name"),
            ("S-1,supplier,Acme".to_string(), "unknown column \"s-1\""),
        ];
        for (header, expected) in cases {
            let error = parse(format!("{header}\nS-1,supplier\n").as_bytes()).unwrap_err();
            let message = error.to_string();
            assert!(matches!(error, FileError::Header { .. }), "{message}");
            assert!(message.contains(expected), "{message}");
            assert!(message.contains(&COLUMNS.join(",")), "{message}");
        }
        assert_eq!(parse(b"").unwrap_err(), FileError::Empty);
        assert_eq!(parse(b"\xEF\xBB\xBF").unwrap_err(), FileError::Empty);
    }

    #[test]
    fn lines_of_one_organisation_must_agree() {
        let preview = parse(&file(&[
            "S-1,supplier,Acme,JP,textiles,,,A,a@example.com,,",
            "S-2,supplier,Other,JP,,,,,,,",
            "S-1,production_base,Acme,VN,textiles,,,B,b@example.com,,",
            "S-1,supplier,Acme,JP,textiles,,,C,c@example.com,,",
        ]))
        .unwrap();
        assert_eq!(errors(&preview), [(4, "kind"), (4, "country")]);
        assert!(preview.errors[1]
            .message
            .contains("\"VN\" differs from \"JP\" on line 2"));
        // The conflicting organisation is not previewed; the other one is.
        let refs = preview.external_refs();
        assert_eq!(refs, ["S-2"]);
    }

    #[test]
    fn every_row_error_is_reported_with_its_line_and_column() {
        let preview = parse(ERRORS_FIXTURE).unwrap();
        let found: Vec<String> = preview
            .errors
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
            .collect();
        let expected = [
            "2:external_ref: required",
            "3:kind: \"vendor\" is not a kind: write production_base or supplier",
            "3:country: \"Japan\" is not an ISO 3166-1 alpha-2 country code, e.g. JP or VN",
            "4:name: required",
            "4:owner_email: \"nobody\" is not an email address",
            "4:contact_email: \"not-an-email\" is not an email address",
            // A quoted value over two lines: the error is on the line where it starts,
            // and the lines after it keep their physical numbers.
            "5:contact_name: must be a single line (no line breaks)",
            "8:contact_email: this organisation has this contact already, on line 7",
            "9:contact_name: required",
            "9:contact_email: required",
            "10:sector: at most 100 characters (this one has 101)",
            "11:: has 3 values; every line needs 11 (one per column)",
            "12:name: must not contain control characters (such as NUL or tab)",
            "13:contact_language: \"fr\" is not a language: write en, ja, vi, zh (empty means en)",
        ];
        assert_eq!(found, expected);
        // Organisations with valid fields are still previewed, without the invalid
        // contacts (but nothing may be imported while there are errors).
        let refs = preview.external_refs();
        assert_eq!(refs, ["S-4", "S-7", "S-13"]);
        let contacts: Vec<usize> = preview
            .organisations
            .iter()
            .map(|o| o.contacts.len())
            .collect();
        assert_eq!(contacts, [0, 1, 0]);
    }

    #[test]
    fn blank_lines_are_skipped_but_count_as_lines() {
        let preview = parse(&file(&[",,,,,,,,,,", "", "S-1,supplier,Acme,XX,,,,,,,"])).unwrap();
        assert_eq!(errors(&preview), [(4, "country")]);
        // CRLF, a lone CR, blank lines between records and a value over two lines.
        let text = format!(
            "{HEADER}\r\n\r\nS-1,supplier,Acme,XX,,,,,,,\r\n\r\n\r\n\
             S-2,supplier,\"Two\r\nLines\",JP,,,,,,,\r\nS-3,supplier,Acme,YY,,,,,,,\r\r\
             S-4,supplier,Acme,ZZ,,,,,,,\r\n"
        );
        let preview = parse(text.as_bytes()).unwrap();
        assert_eq!(
            errors(&preview),
            [(3, "country"), (6, "name"), (8, "country"), (10, "country")]
        );
    }

    #[test]
    fn the_example_file_imports_cleanly() {
        let preview = parse(EXAMPLE).unwrap();
        assert_eq!(preview.encoding, SourceEncoding::Utf8Bom);
        assert!(preview.is_clean(), "{:?}", preview.errors);
        assert_eq!(preview.organisations.len(), 5);
        assert_eq!(preview.contact_count(), 6);
        assert!(plan(&preview, &stored(&preview)).is_empty());
    }

    #[test]
    fn size_and_row_limits() {
        let mut big = file(&[]);
        big.resize(MAX_FILE_BYTES + 1, b'\n');
        let error = parse(&big).unwrap_err();
        assert_eq!(
            error,
            FileError::TooLarge {
                size: MAX_FILE_BYTES + 1
            }
        );
        assert!(error.to_string().contains("5 MB"), "{error}");

        let line = "S-1,supplier,Acme,JP,,,,A,a@example.com,,";
        let at_limit = file(&vec![line; MAX_ROWS]);
        assert!(at_limit.len() <= MAX_FILE_BYTES);
        let preview = parse(&at_limit).unwrap();
        assert_eq!(
            preview.errors.len(),
            MAX_ROWS - 1,
            "duplicate contacts, no limit"
        );
        let over = file(&vec![line; MAX_ROWS + 1]);
        let error = parse(&over).unwrap_err();
        assert_eq!(error, FileError::TooManyRows);
        assert!(error.to_string().contains("20000"), "{error}");
    }

    #[test]
    fn the_same_file_twice_plans_nothing() {
        let bytes = file(&[
            "S-1,supplier,Acme,JP,textiles,Apparel,owner@example.com,A,a@example.com,ja,Boss",
            "S-1,supplier,Acme,JP,textiles,Apparel,owner@example.com,B,B@Example.com,,",
            "S-2,production_base,Example Parts,VN,,,,,,,",
        ]);
        let first = plan(&parse(&bytes).unwrap(), &[]);
        assert_eq!(first.create.len(), 2);
        assert!(first.update.is_empty() && first.unchanged.is_empty());

        let preview = parse(&bytes).unwrap();
        let mut db = stored(&preview);
        // The database may hold the owner and an email in another case.
        db[0].fields.owner_email = Some("Owner@Example.com".into());
        let again = plan(&parse(&bytes).unwrap(), &db);
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(again.unchanged, ["S-1", "S-2"]);
    }

    #[test]
    fn a_changed_line_plans_an_update_naming_the_fields() {
        let before = parse(&file(&[
            "S-1,supplier,Acme,JP,textiles,,,A,a@example.com,ja,Boss",
            "S-2,supplier,Same,JP,,,,,,,",
        ]))
        .unwrap();
        let db = stored(&before);
        let after = parse(&file(&[
            "S-1,supplier,Acme,JP,garments,Apparel,,A,A@example.com,vi,Boss",
            "S-1,supplier,Acme,JP,garments,Apparel,,New,new@example.com,,",
            "S-2,supplier,Same,JP,,,,,,,",
            "S-3,supplier,Fresh,JP,,,,,,,",
        ]))
        .unwrap();
        let result = plan(&after, &db);
        assert_eq!(result.unchanged, ["S-2"]);
        assert_eq!(result.create.len(), 1);
        assert_eq!(result.create[0].external_ref, "S-3");
        let update = &result.update[0];
        assert_eq!(update.id, db[0].id);
        assert_eq!(update.changed, ["sector", "business_unit"]);
        assert_eq!(update.new_contacts.len(), 1);
        assert_eq!(update.new_contacts[0].fields.email, "new@example.com");
        let contact = &update.changed_contacts[0];
        assert_eq!(contact.id, db[0].contacts[0].id);
        assert_eq!(contact.changed, ["contact_email", "contact_language"]);

        // A stored contact that the file leaves out stays (the import only adds).
        let fewer = parse(&file(&["S-1,supplier,Acme,JP,textiles,,,,,,"])).unwrap();
        assert!(plan(&fewer, &db).is_empty());
    }

    fn tricky_orgs() -> Vec<ExistingOrg> {
        let contact =
            |name: &str, email: &str, language, job_title: Option<&str>| ExistingContact {
                id: Uuid::new_v4(),
                fields: ContactFields {
                    name: name.into(),
                    email: email.into(),
                    language,
                    job_title: job_title.map(Into::into),
                },
            };
        vec![
            ExistingOrg {
                id: Uuid::new_v4(),
                external_ref: "=1+2".into(),
                fields: OrgFields {
                    kind: OrgKind::Supplier,
                    name: "=HYPERLINK(\"http://evil.example\",\"click\")".into(),
                    country: "JP".into(),
                    sector: Some("-textiles, \"woven\"".into()),
                    business_unit: Some("@Apparel".into()),
                    owner_email: Some("owner@example.com".into()),
                },
                contacts: vec![
                    contact("+Plus", "a@example.com", Lang::Ja, Some("'=already quoted")),
                    contact("'t Hooft", "b@example.com", Lang::Vi, None),
                    contact("Nguyễn Thị Lan", "c@example.com", Lang::En, Some("'")),
                ],
            },
            ExistingOrg {
                id: Uuid::new_v4(),
                external_ref: "P-1".into(),
                fields: OrgFields {
                    kind: OrgKind::ProductionBase,
                    name: "例示工業 株式会社".into(),
                    country: "VN".into(),
                    sector: None,
                    business_unit: None,
                    owner_email: None,
                },
                contacts: vec![],
            },
        ]
    }

    #[test]
    fn export_then_import_plans_nothing() {
        let db = tricky_orgs();
        let export: Vec<ExportOrg> = db.iter().map(ExportOrg::from).collect();
        let bytes = export_csv(&export);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.starts_with(&format!("{HEADER}\r\n")), "{text}");
        assert_eq!(text.lines().count(), 1 + 3 + 1, "a line per contact");

        let preview = parse(&bytes).unwrap();
        assert!(preview.is_clean(), "{:?}", preview.errors);
        let imported: Vec<ExportOrg> = preview
            .organisations
            .iter()
            .map(|o| ExportOrg {
                external_ref: Some(o.external_ref.clone()),
                fields: o.fields.clone(),
                contacts: o.contacts.iter().map(|c| c.fields.clone()).collect(),
            })
            .collect();
        assert_eq!(imported, export);
        let result = plan(&preview, &db);
        assert!(result.is_empty(), "{result:?}");
        assert_eq!(result.unchanged, ["=1+2", "P-1"]);
    }

    #[test]
    fn export_guards_against_formula_injection() {
        let bytes = export_csv(
            &tricky_orgs()
                .iter()
                .map(ExportOrg::from)
                .collect::<Vec<_>>(),
        );
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(&bytes[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let first = &rows[0];
        assert_eq!(&first[0], "'=1+2");
        assert_eq!(&first[2], "'=HYPERLINK(\"http://evil.example\",\"click\")");
        assert_eq!(&first[4], "'-textiles, \"woven\"");
        assert_eq!(&first[5], "'@Apparel");
        assert_eq!(&first[7], "'+Plus");
        assert_eq!(&first[10], "''=already quoted");
        assert_eq!(&rows[1][7], "''t Hooft");
        assert_eq!(&rows[2][7], "Nguyễn Thị Lan");
        assert_eq!(&rows[2][10], "''");
        // No exported cell starts with a character a spreadsheet runs.
        for cell in rows.iter().flat_map(|r| r.iter()) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
        for value in [
            "=x", "+x", "-x", "@x", "\tx", "\rx", "'x", "''", "x", "", "'",
        ] {
            assert_eq!(unguard_cell(&guard_cell(value)), value);
        }
        // An apostrophe a person typed before ordinary text is kept on import.
        assert_eq!(unguard_cell("'t Hooft"), "'t Hooft");
    }

    #[test]
    fn unknown_owners_are_row_errors() {
        let mut preview = parse(&file(&[
            "S-1,supplier,Acme,JP,,,boss@example.com,,,,",
            "S-2,supplier,Other,JP,,,Stranger@example.com,,,,",
            "S-3,supplier,Third,JP,,,,,,,",
        ]))
        .unwrap();
        preview.check_owners(|email| email == "boss@example.com");
        assert_eq!(errors(&preview), [(3, "owner_email")]);
        assert_eq!(
            preview.errors[0].message,
            "no staff member has the email stranger@example.com"
        );
    }
}

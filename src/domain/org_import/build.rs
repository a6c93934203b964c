//! Turning the CSV lines into organisations with their contacts, and checking each cell.

use super::*;
use crate::domain::{countries, text};
use validator::ValidateEmail;

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
pub(super) struct Builder {
    entries: Vec<Entry>,
    by_ref: HashMap<String, usize>,
    pub(super) errors: Vec<RowError>,
    /// Every well-formed owner email with its line, also on lines with other errors, so
    /// that an unknown owner is reported with the rest (`ImportPreview::check_owners`).
    owners: Vec<(u64, String)>,
}

impl Builder {
    pub(super) fn row(&mut self, line: u64, cells: &[&str; 11]) {
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
        // The owner is checked once per organisation (its first line), or on a line
        // without a reference.
        let owner = values[OWNER_EMAIL]
            .as_deref()
            .filter(|e| {
                use validator::ValidateEmail;
                !e.is_empty() && e.validate_email()
            })
            .map(|e| (line, e.to_lowercase()));

        let Some(external_ref) = external_ref else {
            self.owners.extend(owner);
            return;
        };
        let index = match self.by_ref.get(&external_ref) {
            Some(&i) => i,
            None => {
                self.owners.extend(owner);
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

    pub(super) fn finish(self, encoding: SourceEncoding) -> ImportPreview {
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
            owners: self.owners,
        }
    }
}

/// The rules per column for one line; every problem is recorded, none stops the others.
pub(super) struct Checker<'a> {
    line: u64,
    errors: &'a mut Vec<RowError>,
}

impl Checker<'_> {
    pub(super) fn error(&mut self, column: usize, message: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            column: COLUMNS[column],
            message: message.into(),
        });
    }

    /// A cleaned value of at most `max` characters; `None` (recorded) when it is
    /// missing or too long, or when cleaning refused it (recorded already).
    pub(super) fn required(
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
    pub(super) fn optional(
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

    pub(super) fn at_most(&mut self, column: usize, value: &str, max: usize) -> bool {
        let length = value.chars().count();
        if length > max {
            self.error(
                column,
                format!("at most {max} characters (this one has {length})"),
            );
        }
        length <= max
    }

    pub(super) fn email(&mut self, column: usize, value: &str) -> bool {
        let ok = value.validate_email();
        if !ok {
            self.error(column, format!("\"{value}\" is not an email address"));
        }
        ok
    }

    pub(super) fn org_fields(&mut self, values: &[Option<String>; 11]) -> Option<OrgFields> {
        let kind = values[KIND].as_deref().and_then(|v| {
            let kind = parse_kind(v);
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
    pub(super) fn contact(
        &mut self,
        values: &[Option<String>; 11],
    ) -> Option<Option<ContactFields>> {
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

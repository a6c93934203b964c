//! The import plan (what a file would create, update or leave) and the export.

use super::*;
use crate::domain::csv_file;

/// A stored contact of an [`ExistingOrg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingContact {
    pub id: ContactId,
    pub fields: ContactFields,
}

/// A stored organisation with its contacts, as the service reads it for [`plan`]
/// (`owner_email` is the owner user's email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingOrg {
    pub id: OrganisationId,
    pub external_ref: String,
    pub fields: OrgFields,
    pub contacts: Vec<ExistingContact>,
}

/// A stored contact whose fields the file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactUpdate {
    pub id: ContactId,
    pub row: ContactRow,
    /// The contact columns that change, in [`COLUMNS`] order.
    pub changed: Vec<&'static str>,
}

/// A stored organisation that the file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUpdate {
    pub id: OrganisationId,
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

/// The organisations as a CSV file in the import's format: UTF-8 with a byte-order mark
/// (so Excel reads it as UTF-8), CRLF line ends, the header, then one line per contact
/// (one line with empty contact columns for an organisation without contacts), every
/// cell through [`guard_cell`](crate::domain::csv_file::guard_cell).
pub fn export_csv(rows: &[ExportOrg]) -> Vec<u8> {
    let mut lines: Vec<[&str; 11]> = vec![COLUMNS];
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
            lines.push(export_line(&org_cells, None));
        }
        for contact in &org.contacts {
            lines.push(export_line(&org_cells, Some(contact)));
        }
    }
    csv_file::file(lines)
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

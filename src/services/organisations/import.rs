//! The organisation CSV import and export (rules in `domain::org_import`, format in
//! `docs/organisation-import.md`).
//!
//! **Preview, then confirm.** [`preview`] reads the upload, checks every line and the
//! owners' emails, and plans it against the stored organisations; it writes nothing but
//! the file itself, kept server-side (`org_import_uploads`, `db/org_import_uploads.rs`) for an hour when it has no
//! error. [`confirm`] takes that stored file (only its uploader can), reads and plans it
//! **again** against the database as it is then, and applies the plan in one transaction
//! with its audit entries. The browser sends back only the upload's id and the digest of
//! the plan it was shown: if the stored organisations changed in between, the plans
//! differ and nothing is written (the user sees the new preview). A plan is never taken
//! from the client.
//!
//! Idempotent on `external_ref`: the same file twice plans nothing the second time.

use super::Conn;
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::contacts::ContactChanges;
use crate::db::models::{ContactRecord, OrgRecord};
use crate::db::org_import_uploads::Upload;
use crate::db::organisations::{OrgChanges, OrgFilter};
use crate::db::{self, DbError};
use crate::domain::ids::{ContactId, OrganisationId};
use crate::domain::org_import::{
    self, ContactFields, ExistingContact, ExistingOrg, ExportOrg, ImportPlan, ImportPreview,
    OrgFields,
};
use crate::error::AppError;
use chrono::{Duration, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// How long an uploaded file waits for its confirmation.
pub const UPLOAD_LIFETIME_MINUTES: i64 = 60;

/// What the preview page shows.
pub struct PreviewResult {
    pub file_name: String,
    pub sha256: String,
    pub preview: ImportPreview,
    pub plan: ImportPlan,
    /// Set when the file has no error: the stored file to confirm, and the plan's digest.
    pub upload_id: Option<Uuid>,
    pub digest: String,
}

/// What a confirmed import did.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub contacts_added: usize,
    pub contacts_updated: usize,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A digest of the plan: equal plans (same organisations, fields, contacts and stored
/// ids) have equal digests.
fn plan_digest(plan: &ImportPlan) -> String {
    sha256_hex(format!("{plan:?}").as_bytes())
}

/// Staff accounts by lower-case email, and their emails by id.
async fn staff_maps(
    conn: &mut Conn,
) -> Result<(HashMap<String, Uuid>, HashMap<Uuid, String>), AppError> {
    let staff = db::users::staff_members(conn).await?;
    let by_email = staff
        .iter()
        .map(|s| (s.email.to_lowercase(), s.id))
        .collect();
    let by_id = staff
        .into_iter()
        .map(|s| (s.id, s.email.to_lowercase()))
        .collect();
    Ok((by_email, by_id))
}

/// A stored organisation as the file has it: its id, reference and fields (the owner by
/// email, from `emails`).
fn stored_org(
    o: OrgRecord,
    emails: &HashMap<Uuid, String>,
) -> (OrganisationId, Option<String>, OrgFields) {
    let owner_email = o.owner_user_id.and_then(|id| emails.get(&id).cloned());
    let fields = OrgFields {
        kind: o.kind,
        name: o.name,
        country: o.country,
        sector: o.sector,
        business_unit: o.business_unit,
        owner_email,
    };
    (o.id, o.external_ref, fields)
}

/// A stored contact as the file has it: its organisation, id and fields.
fn stored_contact(c: ContactRecord) -> (OrganisationId, ContactId, ContactFields) {
    let fields = ContactFields {
        name: c.name,
        email: c.email,
        language: c.language,
        job_title: c.job_title,
    };
    (c.organisation_id, c.id, fields)
}

/// Reads and checks the file, and plans it against the database as it is now.
async fn read_and_plan(
    conn: &mut Conn,
    bytes: &[u8],
) -> Result<(ImportPreview, ImportPlan, HashMap<String, Uuid>), AppError> {
    let mut preview =
        org_import::parse(bytes).map_err(|e| AppError::field("file", e.to_string()))?;
    let (by_email, by_id) = staff_maps(conn).await?;
    preview.check_owners(|email| by_email.contains_key(email));
    let refs = preview.external_refs();
    let stored = db::organisations::records_by_refs(conn, &refs).await?;
    let ids: Vec<OrganisationId> = stored.iter().map(|o| o.id).collect();
    let mut contacts: HashMap<OrganisationId, Vec<ExistingContact>> = HashMap::new();
    for c in db::contacts::records_of(conn, &ids).await? {
        let (organisation_id, id, fields) = stored_contact(c);
        contacts
            .entry(organisation_id)
            .or_default()
            .push(ExistingContact { id, fields });
    }
    let existing: Vec<ExistingOrg> = stored
        .into_iter()
        .map(|o| {
            let (id, external_ref, fields) = stored_org(o, &by_id);
            ExistingOrg {
                id,
                external_ref: external_ref.unwrap_or_default(),
                fields,
                contacts: contacts.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    let plan = if preview.is_clean() {
        org_import::plan(&preview, &existing)
    } else {
        ImportPlan::default()
    };
    Ok((preview, plan, by_email))
}

/// Reads an upload into a preview; keeps the file for [`confirm`] when it has no error.
/// A problem with the file as a whole (size, encoding, header) is an error on `file`.
pub async fn preview(
    conn: &mut Conn,
    user_id: Uuid,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<PreviewResult, AppError> {
    let (preview, plan, _) = read_and_plan(conn, &bytes).await?;
    let sha256 = sha256_hex(&bytes);
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let mut upload_id = None;
    if preview.is_clean() && !plan.is_empty() {
        let upload = Upload {
            id: Uuid::new_v4(),
            user_id,
            file_name: file_name.clone(),
            sha256: sha256.clone(),
            content: bytes,
            created_at: Utc::now(),
        };
        let expired = Utc::now() - Duration::minutes(UPLOAD_LIFETIME_MINUTES);
        upload_id = Some(upload.id);
        db::plain_transaction::<_, AppError, _>(conn, |c| {
            async move {
                db::org_import_uploads::delete_expired(c, expired).await?;
                db::org_import_uploads::insert(c, &upload).await?;
                Ok(())
            }
            .scope_boxed()
        })
        .await?;
    }
    Ok(PreviewResult {
        file_name,
        sha256,
        digest: plan_digest(&plan),
        preview,
        plan,
        upload_id,
    })
}

/// Why a confirmation did not apply.
pub enum ConfirmError {
    /// The plan is no longer the one shown: here is the new preview.
    Changed(Box<PreviewResult>),
    Failed(AppError),
}

impl From<AppError> for ConfirmError {
    fn from(e: AppError) -> Self {
        ConfirmError::Failed(e)
    }
}

impl From<DbError> for ConfirmError {
    fn from(e: DbError) -> Self {
        ConfirmError::Failed(e.into())
    }
}

/// Applies the stored upload `upload_id` of `user_id` if its plan, made again now, has
/// the `digest` the user was shown. One transaction: every organisation and contact,
/// an audit entry per organisation created or updated and one for the file; the upload
/// is deleted with it.
pub async fn confirm(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    user_id: Uuid,
    upload_id: Uuid,
    digest: &str,
) -> Result<ImportOutcome, ConfirmError> {
    let not_before = Utc::now() - Duration::minutes(UPLOAD_LIFETIME_MINUTES);
    let digest = digest.to_string();
    db::transaction::<_, ConfirmError, _>(conn, key, |tx| {
        async move {
            let upload = db::org_import_uploads::lock(tx, upload_id, user_id, not_before)
                .await?
                .ok_or_else(|| {
                    AppError::field(
                        "file",
                        "this upload is unknown, already imported or older than an hour: upload the file again",
                    )
                })?;
            let (preview, plan, owners) = read_and_plan(tx, &upload.content).await?;
            let now_digest = plan_digest(&plan);
            if !preview.is_clean() || now_digest != digest {
                return Err(ConfirmError::Changed(Box::new(PreviewResult {
                    file_name: upload.file_name,
                    sha256: upload.sha256,
                    preview,
                    digest: now_digest,
                    plan,
                    upload_id: Some(upload.id),
                })));
            }
            let owner = |email: &Option<String>| email.as_ref().and_then(|e| owners.get(e)).copied();
            let mut outcome = ImportOutcome {
                unchanged: plan.unchanged.len(),
                ..Default::default()
            };
            for org in &plan.create {
                let id = OrganisationId::random();
                let f = &org.fields;
                db::organisations::insert_fields(
                    tx,
                    id,
                    &org_changes(f, owner(&f.owner_email), &org.external_ref),
                )
                .await?;
                for c in &org.contacts {
                    db::contacts::insert(tx, ContactId::random(), id, &contact_changes(&c.fields)).await?;
                }
                outcome.created += 1;
                outcome.contacts_added += org.contacts.len();
                audit::append(
                    tx,
                    actor,
                    "organisation.imported",
                    "organisation",
                    id,
                    json!({"external_ref": org.external_ref, "created": true, "line": org.line,
                           "contacts_added": org.contacts.len(), "file_sha256": upload.sha256}),
                )
                .await?;
            }
            for update in &plan.update {
                let f = &update.row.fields;
                if !update.changed.is_empty() {
                    db::organisations::update_fields(
                        tx,
                        update.id,
                        &org_changes(f, owner(&f.owner_email), &update.row.external_ref),
                    )
                    .await?;
                }
                for c in &update.new_contacts {
                    db::contacts::insert(tx, ContactId::random(), update.id, &contact_changes(&c.fields))
                        .await?;
                }
                for c in &update.changed_contacts {
                    db::contacts::update(tx, update.id, c.id, &contact_changes(&c.row.fields))
                        .await?;
                }
                outcome.updated += 1;
                outcome.contacts_added += update.new_contacts.len();
                outcome.contacts_updated += update.changed_contacts.len();
                let changed_contacts: Vec<_> = update
                    .changed_contacts
                    .iter()
                    .map(|c| json!({"contact_id": c.id, "changed": c.changed}))
                    .collect();
                audit::append(
                    tx,
                    actor,
                    "organisation.imported",
                    "organisation",
                    update.id,
                    json!({"external_ref": update.row.external_ref, "created": false,
                           "line": update.row.line, "changed": update.changed,
                           "contacts_added": update.new_contacts.len(),
                           "contacts_changed": changed_contacts,
                           "file_sha256": upload.sha256}),
                )
                .await?;
            }
            db::org_import_uploads::delete(tx, upload.id).await?;
            audit::append(
                tx,
                actor,
                "organisations.import_confirmed",
                "org_import",
                upload.id,
                json!({"file_name": upload.file_name, "file_sha256": upload.sha256,
                       "created": outcome.created, "updated": outcome.updated,
                       "unchanged": outcome.unchanged,
                       "contacts_added": outcome.contacts_added,
                       "contacts_updated": outcome.contacts_updated}),
            )
            .await?;
            Ok(outcome)
        }
        .scope_boxed()
    })
    .await
}

fn org_changes<'a>(
    f: &'a OrgFields,
    owner_user_id: Option<Uuid>,
    external_ref: &'a str,
) -> OrgChanges<'a> {
    OrgChanges {
        kind: f.kind,
        name: &f.name,
        country: &f.country,
        sector: f.sector.as_deref(),
        business_unit: f.business_unit.as_deref(),
        owner_user_id,
        external_ref: Some(external_ref),
    }
}

fn contact_changes(c: &ContactFields) -> ContactChanges<'_> {
    ContactChanges {
        name: &c.name,
        email: &c.email,
        language: c.language,
        job_title: c.job_title.as_deref(),
    }
}

/// The organisations the filter matches as a CSV file in the import's format, with
/// their active contacts.
pub async fn export(conn: &mut Conn, filter: &OrgFilter) -> Result<Vec<u8>, AppError> {
    let orgs = db::organisations::all_matching(conn, filter).await?;
    let (_, by_id) = staff_maps(conn).await?;
    let ids: Vec<OrganisationId> = orgs.iter().map(|o| o.id).collect();
    let mut contacts: HashMap<OrganisationId, Vec<ContactFields>> = HashMap::new();
    for chunk in ids.chunks(10_000) {
        for c in db::contacts::records_of(conn, chunk).await? {
            if c.deactivated_at.is_some() {
                continue;
            }
            let (organisation_id, _, fields) = stored_contact(c);
            contacts.entry(organisation_id).or_default().push(fields);
        }
    }
    let rows: Vec<ExportOrg> = orgs
        .into_iter()
        .map(|o| {
            let (id, external_ref, fields) = stored_org(o, &by_id);
            ExportOrg {
                contacts: contacts.remove(&id).unwrap_or_default(),
                external_ref,
                fields,
            }
        })
        .collect();
    Ok(org_import::export_csv(&rows))
}

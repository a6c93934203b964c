//! Organisations and contacts as procurement edits them on the staff pages: create,
//! edit, deactivate and reactivate. Every change runs in one transaction with its audit
//! entry, which names the fields that changed (old and new values); nothing changes,
//! and nothing is recorded, when the form holds what is stored.
//!
//! Deactivating keeps the row (responses, links and the audit log refer to it); a
//! deactivated organisation or contact is left out of new campaigns, gets no new link,
//! and its links stop working (revoked, in the same transaction).

use super::forms::{
    check_contact, check_org, diff, ContactInput, ContactValues, OrgInput, OrgValues,
};
use super::Conn;
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::{self, DbError};
use crate::domain::ids::{ContactId, OrganisationId};
use crate::error::AppError;
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::{json, Value};

/// A unique-key violation on the reference is the user's mistake, said on the field.
fn ref_conflict(e: DbError) -> AppError {
    match AppError::from(e) {
        AppError::Conflict(_) => AppError::field(
            "external_ref",
            "another organisation has this external reference",
        ),
        other => other,
    }
}

/// A second contact with the same email in one organisation, as a field error.
pub(super) fn email_conflict(e: DbError) -> AppError {
    match AppError::from(e) {
        AppError::Conflict(_) => AppError::field(
            "email",
            "this organisation already has a contact with this email",
        ),
        other => other,
    }
}

pub async fn create(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    input: &OrgInput,
) -> Result<OrganisationId, AppError> {
    let values = check_org(conn, input).await?;
    let id = OrganisationId::random();
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            db::organisations::insert_fields(tx, id, &values.changes())
                .await
                .map_err(ref_conflict)?;
            audit::append(
                tx,
                actor,
                "organisation.created",
                "organisation",
                id,
                Value::Object(values.as_json()),
            )
            .await?;
            Ok(id)
        }
        .scope_boxed()
    })
    .await
}

/// Saves the edit form; `Ok(false)` when nothing changed (and nothing is written).
pub async fn update(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    id: OrganisationId,
    input: &OrgInput,
) -> Result<bool, AppError> {
    let values: OrgValues = check_org(conn, input).await?;
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let old = db::organisations::lock_record(tx, id)
                .await?
                .ok_or(AppError::NotFound("organisation"))?;
            let changed = diff(&OrgValues::of_record(&old), &values.as_json());
            if changed.is_empty() {
                return Ok(false);
            }
            db::organisations::update_fields(tx, id, &values.changes())
                .await
                .map_err(ref_conflict)?;
            audit::append(
                tx,
                actor,
                "organisation.updated",
                "organisation",
                id,
                json!({"changed": changed}),
            )
            .await?;
            Ok(true)
        }
        .scope_boxed()
    })
    .await
}

/// Deactivates (`active = false`) or reactivates an organisation; a no-op (and no
/// audit entry) when it is already so.
pub async fn set_active(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    id: OrganisationId,
    active: bool,
) -> Result<(), AppError> {
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let old = db::organisations::lock_record(tx, id)
                .await?
                .ok_or(AppError::NotFound("organisation"))?;
            if old.deactivated_at.is_none() == active {
                return Ok(());
            }
            db::organisations::set_deactivated(tx, id, (!active).then(Utc::now)).await?;
            // Its links stop working with it; reactivating does not bring them back
            // (staff re-send a link).
            let (action, links_revoked) = if active {
                ("organisation.reactivated", 0)
            } else {
                let n =
                    db::invitations::revoke_active(tx, db::invitations::LinksOf::Organisation(id))
                        .await?;
                ("organisation.deactivated", n)
            };
            audit::append(
                tx,
                actor,
                action,
                "organisation",
                id,
                json!({"links_revoked": links_revoked}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

pub async fn add_contact(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    organisation_id: OrganisationId,
    input: &ContactInput,
) -> Result<ContactId, AppError> {
    let values = check_contact(input)?;
    let id = ContactId::random();
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            db::organisations::lock_record(tx, organisation_id)
                .await?
                .ok_or(AppError::NotFound("organisation"))?;
            db::contacts::insert(tx, id, organisation_id, &values.changes())
                .await
                .map_err(email_conflict)?;
            let mut details = values.as_json();
            details.insert("contact_id".into(), json!(id));
            audit::append(
                tx,
                actor,
                "contact.created",
                "organisation",
                organisation_id,
                Value::Object(details),
            )
            .await?;
            Ok(id)
        }
        .scope_boxed()
    })
    .await
}

/// Saves a contact's edit form; `Ok(false)` when nothing changed.
pub async fn update_contact(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    organisation_id: OrganisationId,
    contact_id: ContactId,
    input: &ContactInput,
) -> Result<bool, AppError> {
    let values = check_contact(input)?;
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let old = db::contacts::find_record(tx, organisation_id, contact_id)
                .await?
                .ok_or(AppError::NotFound("contact"))?;
            let changed = diff(&ContactValues::of_record(&old), &values.as_json());
            if changed.is_empty() {
                return Ok(false);
            }
            db::contacts::update(tx, organisation_id, contact_id, &values.changes())
                .await
                .map_err(email_conflict)?;
            audit::append(
                tx,
                actor,
                "contact.updated",
                "organisation",
                organisation_id,
                json!({"contact_id": contact_id, "changed": changed}),
            )
            .await?;
            Ok(true)
        }
        .scope_boxed()
    })
    .await
}

/// Deactivates or reactivates a contact of the organisation; a no-op when it is so.
pub async fn set_contact_active(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    organisation_id: OrganisationId,
    contact_id: ContactId,
    active: bool,
) -> Result<(), AppError> {
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let old = db::contacts::find_record(tx, organisation_id, contact_id)
                .await?
                .ok_or(AppError::NotFound("contact"))?;
            if old.deactivated_at.is_none() == active {
                return Ok(());
            }
            db::contacts::set_deactivated(
                tx,
                organisation_id,
                contact_id,
                (!active).then(Utc::now),
            )
            .await?;
            let (action, links_revoked) = if active {
                ("contact.reactivated", 0)
            } else {
                let n = db::invitations::revoke_active(
                    tx,
                    db::invitations::LinksOf::Contact(contact_id),
                )
                .await?;
                ("contact.deactivated", n)
            };
            audit::append(
                tx,
                actor,
                action,
                "organisation",
                organisation_id,
                json!({"contact_id": contact_id, "links_revoked": links_revoked}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

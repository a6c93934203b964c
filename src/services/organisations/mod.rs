//! Organisations (own production bases and suppliers) and their contacts: here the
//! API's create and add-contact; the staff pages' forms (`forms`), edits and
//! deactivation (`edit`), reads (`pages`) and the CSV import and export (`import`).

pub mod edit;
pub mod forms;
pub mod import;
pub mod pages;

pub use crate::db::models::{ContactRecord, OrgRecord};
pub use crate::db::organisations::{JoinableCampaign, OrgCampaign};
pub use crate::db::users::StaffMember;
pub use forms::{ContactInput, ListQuery, OrgInput};

use super::Conn;
use crate::db;
use crate::db::audit::{self, Actor};
pub use crate::db::models::{Contact, Organisation};
use crate::domain::i18n::Lang;
use crate::domain::ids::{ContactId, OrganisationId};
use crate::domain::states::OrganisationKind;
use crate::domain::text;
use crate::error::{from_validator, AppError};
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde::Deserialize;
use serde_json::json;
use validator::{Validate, ValidationError};

/// Every staff account that may own an organisation, by name (disabled ones marked).
pub async fn staff_members(conn: &mut Conn) -> Result<Vec<StaffMember>, AppError> {
    Ok(db::users::staff_members(conn).await?)
}

/// The countries, sectors and business units organisations have, for filters.
pub async fn filter_values(conn: &mut Conn) -> Result<db::organisations::FilterValues, AppError> {
    Ok(db::organisations::filter_values(conn).await?)
}

/// Input for a new organisation.
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    #[validate(custom(function = "valid_kind"))]
    pub kind: String,
    #[validate(length(min = 1, max = 200, message = "give a name of 1 to 200 characters"))]
    pub name: String,
    #[validate(custom(function = "valid_country"))]
    pub country: String,
    #[validate(length(min = 1, max = 100, message = "give a sector of 1 to 100 characters"))]
    pub sector: Option<String>,
    #[validate(length(
        min = 1,
        max = 100,
        message = "give a reference of 1 to 100 characters"
    ))]
    pub external_ref: Option<String>,
}

impl NewOrganisation {
    /// Trims the texts and refuses control characters ([`text`]), before the length
    /// rules run: a blank name is then "give a name", not a database constraint.
    fn clean(&mut self) -> Result<(), AppError> {
        self.name = text::clean_single_line("name", &self.name)?;
        self.sector = text::clean_optional_line("sector", self.sector.as_deref())?;
        self.external_ref =
            text::clean_optional_line("external_ref", self.external_ref.as_deref())?;
        // "jp" is JP, as the staff form and the CSV import read it.
        self.country = self.country.trim().to_ascii_uppercase();
        Ok(())
    }
}

fn valid_kind(kind: &str) -> Result<(), ValidationError> {
    if OrganisationKind::parse(kind).is_some() {
        Ok(())
    } else {
        Err(ValidationError::new("kind")
            .with_message("must be \"production_base\" or \"supplier\"".into()))
    }
}

fn valid_country(code: &str) -> Result<(), ValidationError> {
    if crate::domain::countries::is_code(code) {
        Ok(())
    } else {
        Err(ValidationError::new("country")
            .with_message("must be an ISO 3166-1 alpha-2 code, e.g. JP or VN".into()))
    }
}

fn valid_language(code: &str) -> Result<(), ValidationError> {
    match Lang::parse(code) {
        Some(l) if l.code() == code => Ok(()),
        _ => {
            Err(ValidationError::new("language")
                .with_message("must be one of en, ja, vi, zh".into()))
        }
    }
}

/// Input for a new contact of an organisation.
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    #[validate(length(min = 1, max = 200, message = "give a name of 1 to 200 characters"))]
    pub name: String,
    #[validate(
        email(message = "must be an email address"),
        length(max = 254, message = "at most 254 characters")
    )]
    pub email: String,
    #[validate(custom(function = "valid_language"))]
    pub language: Option<String>,
    #[validate(length(max = 200, message = "at most 200 characters"))]
    pub job_title: Option<String>,
}

impl NewContact {
    /// As [`NewOrganisation::clean`]; a contact's name and email land in emails.
    fn clean(&mut self) -> Result<(), AppError> {
        self.name = text::clean_single_line("name", &self.name)?;
        self.email = text::clean_single_line("email", &self.email)?;
        self.job_title = text::clean_optional_line("job_title", self.job_title.as_deref())?;
        Ok(())
    }
}

pub async fn create_organisation(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    actor: &Actor,
    mut input: NewOrganisation,
) -> Result<Organisation, AppError> {
    input.clean()?;
    input.validate().map_err(from_validator)?;
    let now = Utc::now();
    let org = Organisation {
        id: OrganisationId::random(),
        // Checked by `valid_kind` above.
        kind: OrganisationKind::parse(&input.kind).ok_or_else(|| {
            AppError::field("kind", "must be \"production_base\" or \"supplier\"")
        })?,
        name: input.name,
        country: input.country,
        sector: input.sector,
        external_ref: input.external_ref,
        created_at: now,
        updated_at: now,
    };
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let org = db::organisations::insert_organisation(tx, &org).await?;
            audit::append(
                tx,
                actor,
                "organisation.created",
                "organisation",
                org.id,
                json!({"name": org.name, "kind": org.kind, "country": org.country}),
            )
            .await?;
            Ok(org)
        }
        .scope_boxed()
    })
    .await
}

pub async fn add_contact(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    actor: &Actor,
    organisation_id: OrganisationId,
    mut input: NewContact,
) -> Result<Contact, AppError> {
    input.clean()?;
    input.validate().map_err(from_validator)?;
    db::organisations::find_organisation(conn, organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let contact = Contact {
        id: ContactId::random(),
        organisation_id,
        name: input.name,
        email: input.email,
        // Checked by `valid_language` above.
        language: input
            .language
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(Lang::En),
        job_title: input.job_title,
        created_at: Utc::now(),
    };
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let contact = db::organisations::insert_contact(tx, &contact)
                .await
                .map_err(edit::email_conflict)?;
            audit::append(
                tx,
                actor,
                "contact.created",
                "organisation",
                organisation_id,
                json!({"contact_id": contact.id}),
            )
            .await?;
            Ok(contact)
        }
        .scope_boxed()
    })
    .await
}

/// An organisation with its contacts; `NotFound` when there is no such organisation.
pub async fn find_with_contacts(
    conn: &mut Conn,
    id: OrganisationId,
) -> Result<(Organisation, Vec<Contact>), AppError> {
    let org = db::organisations::find_organisation(conn, id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let contacts = db::organisations::contacts_of(conn, id).await?;
    Ok((org, contacts))
}

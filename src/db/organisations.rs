//! Organisations and their contacts. A contact is looked up only together with its
//! organisation, so a missing access check cannot be written by accident. The staff
//! pages' queries (the filtered list, details with owner and deactivation, edits, the
//! organisation's campaigns, the CSV import's look-up by reference) follow the API's.

use super::models::*;
use super::schema::*;
use super::Conn;
use crate::domain::states::{CampaignStatus, OrganisationKind, ResponseStatus};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub async fn insert_organisation(conn: &mut Conn, org: &Organisation) -> QueryResult<Organisation> {
    diesel::insert_into(organisations::table)
        .values(org)
        .returning(Organisation::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_organisation(
    conn: &mut Conn,
    id: OrganisationId,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_contact(conn: &mut Conn, contact: &Contact) -> QueryResult<Contact> {
    diesel::insert_into(contacts::table)
        .values(contact)
        .returning(Contact::as_returning())
        .get_result(conn)
        .await
}

/// A contact, only if it belongs to `organisation_id` and neither is deactivated (a
/// deactivated contact or organisation gets no link). The two ids are typed, so they
/// cannot be given the wrong way round:
///
/// ```
/// use hrdd_survey::db::{organisations::find_contact_of, Conn};
/// use hrdd_survey::domain::ids::{ContactId, OrganisationId};
/// async fn look_up(conn: &mut Conn, org: OrganisationId, contact: ContactId) {
///     let _ = find_contact_of(conn, contact, org).await;
/// }
/// ```
///
/// ```compile_fail
/// use hrdd_survey::db::{organisations::find_contact_of, Conn};
/// use hrdd_survey::domain::ids::{ContactId, OrganisationId};
/// async fn swapped(conn: &mut Conn, org: OrganisationId, contact: ContactId) {
///     // A contact's id where the organisation's is expected: does not compile.
///     let _ = find_contact_of(conn, org, contact).await;
/// }
/// ```
pub async fn find_contact_of(
    conn: &mut Conn,
    contact_id: ContactId,
    organisation_id: OrganisationId,
) -> QueryResult<Option<Contact>> {
    contacts::table
        .inner_join(organisations::table)
        .filter(contacts::id.eq(contact_id))
        .filter(contacts::organisation_id.eq(organisation_id))
        .filter(contacts::deactivated_at.is_null())
        .filter(organisations::deactivated_at.is_null())
        .select(Contact::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn contacts_of(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> QueryResult<Vec<Contact>> {
    contacts::table
        .filter(contacts::organisation_id.eq(organisation_id))
        .order(contacts::created_at.asc())
        .select(Contact::as_select())
        .load(conn)
        .await
}

/// The organisation with this external reference (the demo finds its supplier so).
pub async fn find_organisation_by_ref(
    conn: &mut Conn,
    external_ref: &str,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::external_ref.eq(external_ref))
        .select(Organisation::as_select())
        .first(conn)
        .await
        .optional()
}

/// An organisation's own fields as written by an edit or an import.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct OrgChanges<'a> {
    pub kind: OrganisationKind,
    pub name: &'a str,
    pub country: &'a str,
    pub sector: Option<&'a str>,
    pub business_unit: Option<&'a str>,
    pub owner_user_id: Option<Uuid>,
    pub external_ref: Option<&'a str>,
}

/// The list filters; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub kind: Option<OrganisationKind>,
    pub country: Option<String>,
    pub sector: Option<String>,
    pub business_unit: Option<String>,
    pub owner: Option<Uuid>,
    /// Part of the name or the external reference, without regard to case.
    pub text: Option<String>,
    /// `Some(true)`: active only; `Some(false)`: deactivated only; `None`: both.
    pub active: Option<bool>,
    /// Only those that have not submitted a response: ever, or since a time.
    pub not_answered: Option<NotAnswered>,
}

/// Organisations that have not answered (submitted a response in any campaign).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnswered {
    Ever,
    Since(DateTime<Utc>),
}

fn filtered(filter: &OrgFilter) -> organisations::BoxedQuery<'static, diesel::pg::Pg> {
    let mut q = organisations::table.into_boxed();
    if let Some(kind) = filter.kind {
        q = q.filter(organisations::kind.eq(kind));
    }
    if let Some(country) = &filter.country {
        q = q.filter(organisations::country.eq(country.clone()));
    }
    if let Some(sector) = &filter.sector {
        q = q.filter(organisations::sector.eq(sector.clone()));
    }
    if let Some(unit) = &filter.business_unit {
        q = q.filter(organisations::business_unit.eq(unit.clone()));
    }
    if let Some(owner) = filter.owner {
        q = q.filter(organisations::owner_user_id.eq(owner));
    }
    if let Some(text) = &filter.text {
        let pattern = format!("%{}%", super::like_escaped(text));
        q = q.filter(
            organisations::name
                .ilike(pattern.clone())
                .or(organisations::external_ref.ilike(pattern)),
        );
    }
    match filter.active {
        Some(true) => q = q.filter(organisations::deactivated_at.is_null()),
        Some(false) => q = q.filter(organisations::deactivated_at.is_not_null()),
        None => {}
    }
    let answered = || {
        responses::table
            .filter(responses::organisation_id.eq(organisations::id))
            .filter(responses::submitted_at.is_not_null())
    };
    match filter.not_answered {
        Some(NotAnswered::Ever) => q = q.filter(diesel::dsl::not(diesel::dsl::exists(answered()))),
        Some(NotAnswered::Since(since)) => {
            q = q.filter(diesel::dsl::not(diesel::dsl::exists(
                answered().filter(responses::submitted_at.ge(since)),
            )))
        }
        None => {}
    }
    q
}

/// When each of `ids` last submitted a response (in any campaign); absent: never.
pub async fn last_submitted(
    conn: &mut Conn,
    ids: &[OrganisationId],
) -> QueryResult<std::collections::HashMap<OrganisationId, DateTime<Utc>>> {
    let rows: Vec<(OrganisationId, Option<DateTime<Utc>>)> = responses::table
        .filter(responses::organisation_id.eq_any(ids))
        .filter(responses::submitted_at.is_not_null())
        .group_by(responses::organisation_id)
        .select((
            responses::organisation_id,
            diesel::dsl::max(responses::submitted_at),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect())
}

/// One page of the filtered list, by name, and the number of matches.
pub async fn list_page(
    conn: &mut Conn,
    filter: &OrgFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OrgRecord>, i64)> {
    let total = filtered(filter).count().get_result(conn).await?;
    let rows = filtered(filter)
        .order((organisations::name.asc(), organisations::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(OrgRecord::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// Every organisation the filter matches, by name (the export).
pub async fn all_matching(conn: &mut Conn, filter: &OrgFilter) -> QueryResult<Vec<OrgRecord>> {
    filtered(filter)
        .order((organisations::name.asc(), organisations::id.asc()))
        .select(OrgRecord::as_select())
        .load(conn)
        .await
}

/// The distinct values in use that the list's filter offers as choices.
pub struct FilterValues {
    pub countries: Vec<String>,
    pub sectors: Vec<String>,
    pub business_units: Vec<String>,
}

/// The distinct countries, sectors and business units in use, for the filter form.
pub async fn filter_values(conn: &mut Conn) -> QueryResult<FilterValues> {
    let countries: Vec<String> = organisations::table
        .select(organisations::country)
        .distinct()
        .order(organisations::country.asc())
        .load(conn)
        .await?;
    let sectors: Vec<Option<String>> = organisations::table
        .filter(organisations::sector.is_not_null())
        .select(organisations::sector)
        .distinct()
        .order(organisations::sector.asc())
        .load(conn)
        .await?;
    let units: Vec<Option<String>> = organisations::table
        .filter(organisations::business_unit.is_not_null())
        .select(organisations::business_unit)
        .distinct()
        .order(organisations::business_unit.asc())
        .load(conn)
        .await?;
    Ok(FilterValues {
        countries,
        sectors: sectors.into_iter().flatten().collect(),
        business_units: units.into_iter().flatten().collect(),
    })
}

pub async fn find_record(conn: &mut Conn, id: OrganisationId) -> QueryResult<Option<OrgRecord>> {
    organisations::table
        .find(id)
        .select(OrgRecord::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the organisation's row for an edit in the caller's transaction.
pub async fn lock_record(conn: &mut Conn, id: OrganisationId) -> QueryResult<Option<OrgRecord>> {
    organisations::table
        .find(id)
        .select(OrgRecord::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert_fields(
    conn: &mut Conn,
    id: OrganisationId,
    changes: &OrgChanges<'_>,
) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values((organisations::id.eq(id), changes))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn update_fields(
    conn: &mut Conn,
    id: OrganisationId,
    changes: &OrgChanges<'_>,
) -> QueryResult<()> {
    diesel::update(organisations::table.find(id))
        .set((changes, organisations::updated_at.eq(Utc::now())))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Deactivates (`Some(when)`) or reactivates (`None`) an organisation.
pub async fn set_deactivated(
    conn: &mut Conn,
    id: OrganisationId,
    at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::deactivated_at.eq(at),
            organisations::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The stored organisations with these references (the CSV import).
pub async fn records_by_refs(conn: &mut Conn, refs: &[&str]) -> QueryResult<Vec<OrgRecord>> {
    organisations::table
        .filter(organisations::external_ref.eq_any(refs))
        .select(OrgRecord::as_select())
        .load(conn)
        .await
}

/// A campaign the organisation is part of, with its response's status.
#[derive(Debug, Clone, Queryable)]
pub struct OrgCampaign {
    pub campaign_id: Uuid,
    pub name: String,
    pub status: CampaignStatus,
    pub deadline: NaiveDate,
    pub questionnaire: String,
    pub version: i32,
    pub response_status: ResponseStatus,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The organisation's campaigns, newest deadline first.
pub async fn campaigns_of(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> QueryResult<Vec<OrgCampaign>> {
    responses::table
        .inner_join(campaigns::table.inner_join(template_versions::table))
        .filter(responses::organisation_id.eq(organisation_id))
        .order((campaigns::deadline.desc(), campaigns::name.asc()))
        .select((
            campaigns::id,
            campaigns::name,
            campaigns::status,
            campaigns::deadline,
            template_versions::template_id,
            template_versions::version,
            responses::status,
            responses::submitted_at,
        ))
        .load(conn)
        .await
}

/// An open (launched, not closed) campaign the organisation is not in, which "Add and
/// invite" on its page can bring it into.
#[derive(Debug, Clone, Queryable)]
pub struct JoinableCampaign {
    pub campaign_id: Uuid,
    pub name: String,
    pub deadline: NaiveDate,
    pub questionnaire: String,
    pub version: i32,
}

/// The open campaigns `organisation_id` is not in, nearest deadline first (at most
/// `limit`).
pub async fn joinable_campaigns(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    limit: i64,
) -> QueryResult<Vec<JoinableCampaign>> {
    let in_it = responses::table
        .filter(responses::campaign_id.eq(campaigns::id))
        .filter(responses::organisation_id.eq(organisation_id));
    campaigns::table
        .inner_join(template_versions::table)
        .filter(campaigns::status.eq(CampaignStatus::Open))
        .filter(diesel::dsl::not(diesel::dsl::exists(in_it)))
        .order((campaigns::deadline.asc(), campaigns::name.asc()))
        .select((
            campaigns::id,
            campaigns::name,
            campaigns::deadline,
            template_versions::template_id,
            template_versions::version,
        ))
        .limit(limit)
        .load(conn)
        .await
}

/// The contact of `organisation_id` with this email address (any case), active or not.
pub async fn find_contact_by_email(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    email: &str,
) -> QueryResult<Option<(Contact, bool)>> {
    contacts::table
        .filter(contacts::organisation_id.eq(organisation_id))
        .filter(lower(contacts::email).eq(lower(email.to_string())))
        .select((Contact::as_select(), contacts::deactivated_at.is_not_null()))
        .first(conn)
        .await
        .optional()
}

//! Inherent country/sector risk tables: versions (one per import), their rows, and the
//! value each submitted response was scored with.

use super::schema::*;
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use uuid::Uuid;

/// One imported version of the table.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = inherent_risk_versions)]
pub struct InherentVersion {
    pub id: Uuid,
    pub version: i32,
    pub file_name: Option<String>,
    pub row_count: i32,
    pub sha256: String,
    pub imported_by: Option<Uuid>,
    pub imported_at: DateTime<Utc>,
}

/// One row of a version.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = inherent_risk_rows)]
pub struct InherentRowRecord {
    pub version_id: Uuid,
    pub country: String,
    pub sector: String,
    pub value: i16,
    pub source: String,
    pub year: i32,
}

impl From<InherentRowRecord> for crate::domain::inherent_risk::InherentRow {
    /// A stored row as the rules read it (a value outside 1..=5 cannot be stored: the
    /// table's CHECK; 1 if it ever were).
    fn from(r: InherentRowRecord) -> Self {
        Self {
            country: r.country,
            sector: r.sector,
            value: u8::try_from(r.value).unwrap_or(1),
            source: r.source,
            year: r.year,
        }
    }
}

/// The value a response's flags were computed with.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = response_inherent_risk)]
pub struct ResponseInherent {
    pub response_id: Uuid,
    pub version_id: Uuid,
    pub country: String,
    pub sector: String,
    pub value: i16,
}

/// The next version number (1 for the first import).
pub async fn next_version(conn: &mut Conn) -> QueryResult<i32> {
    let max: Option<i32> = inherent_risk_versions::table
        .select(diesel::dsl::max(inherent_risk_versions::version))
        .first(conn)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Stores a version and its rows (the version number is unique: a concurrent import
/// with the same number fails instead of interleaving).
pub async fn insert_version(
    conn: &mut Conn,
    version: &InherentVersion,
    rows: &[InherentRowRecord],
) -> QueryResult<()> {
    diesel::insert_into(inherent_risk_versions::table)
        .values(version)
        .execute(conn)
        .await?;
    for chunk in rows.chunks(1000) {
        diesel::insert_into(inherent_risk_rows::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The current (newest) version, `None` when no table was ever imported.
pub async fn current_version(conn: &mut Conn) -> QueryResult<Option<InherentVersion>> {
    inherent_risk_versions::table
        .order(inherent_risk_versions::version.desc())
        .select(InherentVersion::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every version, newest first, with who imported it (their email).
pub async fn history(conn: &mut Conn) -> QueryResult<Vec<(InherentVersion, Option<String>)>> {
    inherent_risk_versions::table
        .left_join(users::table.on(users::id.nullable().eq(inherent_risk_versions::imported_by)))
        .order(inherent_risk_versions::version.desc())
        .select((InherentVersion::as_select(), users::email.nullable()))
        .load(conn)
        .await
}

/// The rows of a version, by country then sector.
pub async fn rows_of(conn: &mut Conn, version_id: Uuid) -> QueryResult<Vec<InherentRowRecord>> {
    inherent_risk_rows::table
        .filter(inherent_risk_rows::version_id.eq(version_id))
        .order((
            inherent_risk_rows::country.asc(),
            inherent_risk_rows::sector.asc(),
        ))
        .select(InherentRowRecord::as_select())
        .load(conn)
        .await
}

/// The rows of a version for one country (its sectors and `*`).
pub async fn rows_for_country(
    conn: &mut Conn,
    version_id: Uuid,
    country: &str,
) -> QueryResult<Vec<InherentRowRecord>> {
    inherent_risk_rows::table
        .filter(inherent_risk_rows::version_id.eq(version_id))
        .filter(inherent_risk_rows::country.eq(country))
        .select(InherentRowRecord::as_select())
        .load(conn)
        .await
}

/// Records the value a response was scored with.
pub async fn record_response_value(conn: &mut Conn, row: &ResponseInherent) -> QueryResult<()> {
    diesel::insert_into(response_inherent_risk::table)
        .values(row)
        .on_conflict(response_inherent_risk::response_id)
        .do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The values several responses were scored with (responses without one are absent).
pub async fn response_values(
    conn: &mut Conn,
    response_ids: &[Uuid],
) -> QueryResult<Vec<ResponseInherent>> {
    response_inherent_risk::table
        .filter(response_inherent_risk::response_id.eq_any(response_ids))
        .select(ResponseInherent::as_select())
        .load(conn)
        .await
}

//! Inherent country/sector risk: importing the operator's table (each import a new,
//! recorded version), and reading the current table and its history.
//!
//! A new version only changes what later scoring uses (new submissions and
//! re-assessments): stored flags keep the value they were computed with
//! (`response_inherent_risk`), so replacing the table never rewrites them.

use super::Conn;
use crate::db::audit::{self, Actor, AuditKey};
use crate::db::inherent_risk::{InherentRowRecord, InherentVersion};
use crate::db::{self};
use crate::domain::answers::FieldError;
use crate::domain::inherent_risk::{self, InherentRow};
use crate::error::AppError;
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The message screens show when no table was imported.
pub const NO_DATA: &str = "no inherent-risk data loaded: likelihood comes from the answers alone";

/// The current table: its version and rows.
#[derive(Debug, Serialize)]
pub struct CurrentTable {
    pub version: InherentVersion,
    pub rows: Vec<InherentRowRecord>,
}

/// One version in the history, with who imported it.
#[derive(Debug, Serialize)]
pub struct HistoryEntry {
    pub version: InherentVersion,
    pub imported_by_email: Option<String>,
}

/// The current table, `None` when none was ever imported.
pub async fn current(conn: &mut Conn) -> Result<Option<CurrentTable>, AppError> {
    let Some(version) = db::inherent_risk::current_version(conn).await? else {
        return Ok(None);
    };
    let rows = db::inherent_risk::rows_of(conn, version.id).await?;
    Ok(Some(CurrentTable { version, rows }))
}

/// Every imported version, newest first.
pub async fn history(conn: &mut Conn) -> Result<Vec<HistoryEntry>, AppError> {
    Ok(db::inherent_risk::history(conn)
        .await?
        .into_iter()
        .map(|(version, imported_by_email)| HistoryEntry {
            version,
            imported_by_email,
        })
        .collect())
}

/// Imports a table from CSV bytes as the new current version. Invalid input is a
/// validation error listing every problem (`line N, column`), and nothing is written;
/// a file identical to the current table is refused (it would record nothing new).
pub async fn import(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
    file_name: Option<&str>,
    bytes: &[u8],
) -> Result<InherentVersion, AppError> {
    let rows = inherent_risk::parse_csv(bytes).map_err(|errors| {
        AppError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: format!("line {}, {}", e.line, e.column),
                    message: e.message,
                })
                .collect(),
        )
    })?;
    let file_name: Option<String> = file_name
        .map(|n| n.chars().filter(|c| !c.is_control()).take(255).collect())
        .filter(|n: &String| !n.is_empty());
    let sha256 = hex::encode(Sha256::digest(bytes));
    let imported_by = match actor {
        Actor::Staff(id) => Uuid::parse_str(id).ok(),
        _ => None,
    };
    db::transaction::<_, AppError, _>(conn, key, |tx| {
        async move {
            let previous = db::inherent_risk::current_version(tx).await?;
            if previous.as_ref().is_some_and(|p| p.sha256 == sha256) {
                return Err(AppError::Conflict(
                    "this file is already the current inherent-risk table: nothing changed".into(),
                ));
            }
            let version = InherentVersion {
                id: Uuid::new_v4(),
                version: db::inherent_risk::next_version(tx).await?,
                file_name,
                row_count: rows.len() as i32,
                sha256,
                imported_by,
                imported_at: Utc::now(),
            };
            let records: Vec<InherentRowRecord> = rows
                .iter()
                .map(|r| InherentRowRecord {
                    version_id: version.id,
                    country: r.country.clone(),
                    sector: r.sector.clone(),
                    value: i16::from(r.value),
                    source: r.source.clone(),
                    year: r.year,
                })
                .collect();
            db::inherent_risk::insert_version(tx, &version, &records).await?;
            audit::append(
                tx,
                actor,
                "inherent_risk.imported",
                "inherent_risk_version",
                version.id,
                json!({
                    "version": version.version,
                    "rows": version.row_count,
                    "sha256": version.sha256,
                    "file_name": version.file_name,
                    "replaces_version": previous.map(|p| p.version),
                }),
            )
            .await?;
            Ok(version)
        }
        .scope_boxed()
    })
    .await
}

/// The value that applies to an organisation in the current table, with the version it
/// comes from; `None` without a table or a matching row.
pub async fn value_for(
    conn: &mut Conn,
    country: &str,
    sector: Option<&str>,
) -> Result<Option<(Uuid, InherentRow)>, AppError> {
    let Some(version) = db::inherent_risk::current_version(conn).await? else {
        return Ok(None);
    };
    value_in(conn, version.id, country, sector).await
}

/// The value that applies to an organisation in one version of the table.
pub async fn value_in(
    conn: &mut Conn,
    version_id: Uuid,
    country: &str,
    sector: Option<&str>,
) -> Result<Option<(Uuid, InherentRow)>, AppError> {
    let rows: Vec<InherentRow> =
        db::inherent_risk::rows_for_country(conn, version_id, &country.to_ascii_uppercase())
            .await?
            .into_iter()
            .map(InherentRow::from)
            .collect();
    Ok(inherent_risk::lookup(&rows, country, sector).map(|r| (version_id, r.clone())))
}

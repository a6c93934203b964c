//! Re-assessments: a questionnaire version's rules applied to a campaign's stored
//! answers, recorded apart from the original flags (which they never touch).

use super::schema::*;
use super::Conn;
use crate::domain::risk::Band;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reassessments)]
pub struct Reassessment {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub template_version_id: Uuid,
    pub inherent_version_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub response_count: i32,
    pub flag_count: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reassessment_flags)]
pub struct ReassessedFlag {
    pub reassessment_id: Uuid,
    pub response_id: Uuid,
    pub question_id: String,
    pub rule_index: i32,
    pub indicator: String,
    pub severity: i16,
    pub likelihood: i16,
    pub score: i16,
    pub band: Band,
    pub critical: bool,
    pub answer: serde_json::Value,
}

pub async fn insert(
    conn: &mut Conn,
    row: &Reassessment,
    flags: &[ReassessedFlag],
) -> QueryResult<()> {
    diesel::insert_into(reassessments::table)
        .values(row)
        .execute(conn)
        .await?;
    for chunk in flags.chunks(1000) {
        diesel::insert_into(reassessment_flags::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A re-assessment as listed: with its campaign's name, the questionnaire version
/// applied and who ran it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub reassessment: Reassessment,
    pub campaign_name: String,
    pub template_id: String,
    pub version: i32,
    pub created_by_email: Option<String>,
}

/// The newest re-assessments first (at most 200).
pub async fn list(conn: &mut Conn) -> QueryResult<Vec<Listed>> {
    let rows: Vec<(Reassessment, String, String, i32)> = reassessments::table
        .inner_join(campaigns::table)
        .inner_join(template_versions::table)
        .order(reassessments::created_at.desc())
        .limit(200)
        .select((
            Reassessment::as_select(),
            campaigns::name,
            template_versions::template_id,
            template_versions::version,
        ))
        .load(conn)
        .await?;
    with_emails(conn, rows).await
}

pub async fn find(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Listed>> {
    let rows: Vec<(Reassessment, String, String, i32)> = reassessments::table
        .inner_join(campaigns::table)
        .inner_join(template_versions::table)
        .filter(reassessments::id.eq(id))
        .select((
            Reassessment::as_select(),
            campaigns::name,
            template_versions::template_id,
            template_versions::version,
        ))
        .load(conn)
        .await?;
    Ok(with_emails(conn, rows).await?.into_iter().next())
}

/// Adds who ran each re-assessment (their email).
async fn with_emails(
    conn: &mut Conn,
    rows: Vec<(Reassessment, String, String, i32)>,
) -> QueryResult<Vec<Listed>> {
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.0.created_by).collect();
    let emails: std::collections::HashMap<Uuid, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::email))
        .load::<(Uuid, String)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(
            |(reassessment, campaign_name, template_id, version)| Listed {
                created_by_email: reassessment
                    .created_by
                    .and_then(|u| emails.get(&u).cloned()),
                reassessment,
                campaign_name,
                template_id,
                version,
            },
        )
        .collect())
}

/// The flags of a re-assessment with their organisation's name, worst first.
pub async fn flags_of(
    conn: &mut Conn,
    reassessment_id: Uuid,
) -> QueryResult<Vec<(ReassessedFlag, String)>> {
    reassessment_flags::table
        .inner_join(responses::table.inner_join(organisations::table))
        .filter(reassessment_flags::reassessment_id.eq(reassessment_id))
        .order((
            reassessment_flags::score.desc(),
            organisations::name.asc(),
            reassessment_flags::question_id.asc(),
            reassessment_flags::rule_index.asc(),
        ))
        .select((ReassessedFlag::as_select(), organisations::name))
        .load(conn)
        .await
}

/// Response id → organisation name, for the given responses.
pub async fn organisation_names(
    conn: &mut Conn,
    response_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, String)> = responses::table
        .inner_join(organisations::table)
        .filter(responses::id.eq_any(response_ids))
        .select((responses::id, organisations::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

//! Stored questionnaire versions (immutable: inserted once, never updated).

use super::models::*;
use super::schema::*;
use super::Conn;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

pub async fn find_template_version(
    conn: &mut Conn,
    template_id: &str,
    version: i32,
) -> QueryResult<Option<TemplateVersion>> {
    template_versions::table
        .filter(template_versions::template_id.eq(template_id))
        .filter(template_versions::version.eq(version))
        .select(TemplateVersion::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_template_version(conn: &mut Conn, v: &TemplateVersion) -> QueryResult<()> {
    diesel::insert_into(questionnaire_templates::table)
        .values(questionnaire_templates::id.eq(&v.template_id))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    diesel::insert_into(template_versions::table)
        .values(v)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn all_template_versions(conn: &mut Conn) -> QueryResult<Vec<TemplateVersion>> {
    template_versions::table
        .order((
            template_versions::template_id.asc(),
            template_versions::version.asc(),
        ))
        .select(TemplateVersion::as_select())
        .load(conn)
        .await
}

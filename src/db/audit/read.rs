//! Reading the audit log: by subject, by filter (the audit page and its export), the
//! kinds of subject, and the entries about the chains themselves.

use super::{Entry, CHAINS_SUBJECT};
use crate::db::schema::audit_log;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Entries about one subject, oldest first.
pub async fn for_subject(
    conn: &mut AsyncPgConnection,
    subject_type: &str,
    subject_id: &str,
) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .filter(audit_log::subject_type.eq(subject_type))
        .filter(audit_log::subject_id.eq(subject_id))
        .order(audit_log::id.asc())
        .select(Entry::as_select())
        .load(conn)
        .await
}

/// The `action` entries about any of `subject_ids` (of one type), oldest first.
pub async fn with_action_about(
    conn: &mut AsyncPgConnection,
    action: &str,
    subject_type: &str,
    subject_ids: &[String],
) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .filter(audit_log::subject_type.eq(subject_type))
        .filter(audit_log::subject_id.eq_any(subject_ids))
        .filter(audit_log::action.eq(action))
        .order(audit_log::id.asc())
        .select(Entry::as_select())
        .load(conn)
        .await
}

/// How many `action` entries about one subject were written since `since` (a limit's
/// count: the hand-overs of a response in the last day).
pub async fn count_since(
    conn: &mut AsyncPgConnection,
    action: &str,
    subject_type: &str,
    subject_id: &str,
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::subject_type.eq(subject_type))
        .filter(audit_log::subject_id.eq(subject_id))
        .filter(audit_log::action.eq(action))
        .filter(audit_log::occurred_at.gt(since))
        .count()
        .get_result(conn)
        .await
}

/// The entries about the chains themselves with `action`, newest first (at most
/// `limit`; all without one). Read through the subject index.
pub async fn about_the_chains(
    conn: &mut AsyncPgConnection,
    action: &str,
    limit: Option<i64>,
) -> QueryResult<Vec<Entry>> {
    let mut q = audit_log::table
        .filter(audit_log::subject_type.eq(CHAINS_SUBJECT.0))
        .filter(audit_log::subject_id.eq(CHAINS_SUBJECT.1))
        .filter(audit_log::action.eq(action))
        .order(audit_log::id.desc())
        .select(Entry::as_select())
        .into_boxed();
    if let Some(limit) = limit {
        q = q.limit(limit);
    }
    q.load(conn).await
}

/// What the audit log is filtered by; each part narrows, none means everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Actions that start with this (`flag.` is every decision on flags).
    pub action: Option<String>,
    /// `staff`, `contact`, `api` or `system`.
    pub actor_kind: Option<String>,
    /// The actor's id: a staff member's or a contact's id, an API token's.
    pub actor_id: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// From this moment (inclusive)…
    pub from: Option<DateTime<Utc>>,
    /// …until this one (exclusive).
    pub until: Option<DateTime<Utc>>,
}

/// The entries that match `filter`, newest first (by time, then id: the time index
/// serves a date range at any depth), after the entry `before` when given (the next
/// page), at most `limit`.
pub async fn matching(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let mut q = audit_log::table
        .order((audit_log::occurred_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select(Entry::as_select())
        .into_boxed();
    if let Some(before) = before {
        // After the entry `before` in this order: its time read first (one probe of the
        // primary key), then `(occurred_at, id) < (at, before)`, whose first half is
        // the time index's range.
        let at: Option<DateTime<Utc>> = audit_log::table
            .find(before)
            .select(audit_log::occurred_at)
            .first(conn)
            .await
            .optional()?;
        let Some(at) = at else {
            return Ok(Vec::new());
        };
        q = q
            .filter(audit_log::occurred_at.le(at))
            .filter(audit_log::occurred_at.lt(at).or(audit_log::id.lt(before)));
    }
    if let Some(action) = &filter.action {
        q = q.filter(audit_log::action.like(format!("{}%", crate::db::like_escaped(action))));
    }
    if let Some(kind) = &filter.actor_kind {
        q = q.filter(audit_log::actor_kind.eq(kind.clone()));
    }
    if let Some(id) = &filter.actor_id {
        q = q.filter(audit_log::actor_id.eq(id.clone()));
    }
    if let Some(t) = &filter.subject_type {
        q = q.filter(audit_log::subject_type.eq(t.clone()));
    }
    if let Some(id) = &filter.subject_id {
        q = q.filter(audit_log::subject_id.eq(id.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(until) = filter.until {
        q = q.filter(audit_log::occurred_at.lt(until));
    }
    q.load(conn).await
}

#[derive(QueryableByName)]
struct SubjectType {
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject_type: String,
}

/// The kinds of subject the log has entries about, in order: a loose scan of the
/// subject index (one index probe a kind, not a scan of the log).
pub async fn subject_types(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    let rows: Vec<SubjectType> = diesel::sql_query(
        "WITH RECURSIVE t(v) AS ( \
             SELECT min(subject_type) FROM audit_log \
             UNION ALL \
             SELECT (SELECT min(subject_type) FROM audit_log WHERE subject_type > t.v) \
               FROM t WHERE t.v IS NOT NULL) \
         SELECT v AS subject_type FROM t WHERE v IS NOT NULL",
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.subject_type).collect())
}

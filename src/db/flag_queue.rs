//! The committee's queue as a read model: flags filtered, worst first, paged by key
//! (never by offset), with counts per filter value and per heat-map cell computed over
//! the same filter, so the heat map's cells and the queue always agree.
//!
//! Counts over the state filter alone come from `flag_counts` (kept by triggers); any
//! other filter counts the matching flags in the compact facet indexes (index-only).
//!
//! The SQL is built from the active filters only (each value a bind parameter), so the
//! planner sees a plain query and uses `flags_queue_idx` / `flags_open_queue_idx`
//! (`queue_rank, created_at, id`) for the page. Nothing joins `organisations` to filter
//! or count: campaign and organisation (migration …000120), country and kind (migration
//! …000160) are copied onto each flag.

use super::{Conn, QueryResult};
use crate::domain::flag::FlagStatus;
use crate::domain::risk::Band;
use crate::domain::states::OrganisationKind;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Bool, Int2, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Which flags by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Every state but closed (the default: what still needs the committee).
    #[default]
    Open,
    All,
    Only(FlagStatus),
}

/// Whose flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Nobody,
    Member(Uuid),
    /// Assigned to a member whose account is disabled: waiting for someone.
    Disabled,
}

/// The queue's filters; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub campaign: Option<Uuid>,
    pub indicator: Option<String>,
    pub band: Option<Band>,
    pub country: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub status: StatusFilter,
    pub assignee: Option<AssigneeFilter>,
    /// Raised before this instant (the age filter).
    pub raised_before: Option<DateTime<Utc>>,
    pub severity: Option<i16>,
    pub likelihood: Option<i16>,
    pub organisation: Option<Uuid>,
}

/// Where a page starts: after this row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub rank: i16,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// A row of the queue.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub band: Band,
    #[diesel(sql_type = Bool)]
    pub critical: bool,
    #[diesel(sql_type = Int2)]
    pub score: i16,
    #[diesel(sql_type = Int2)]
    pub severity: i16,
    #[diesel(sql_type = Int2)]
    pub likelihood: i16,
    #[diesel(sql_type = Text)]
    pub indicator: String,
    #[diesel(sql_type = Text)]
    pub question_id: String,
    #[diesel(sql_type = Int4)]
    pub rule_index: i32,
    #[diesel(sql_type = Text)]
    pub status: FlagStatus,
    #[diesel(sql_type = Int4)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Int2)]
    pub queue_rank: i16,
    #[diesel(sql_type = Nullable<Text>)]
    pub assignee: Option<String>,
    /// The assignee's account is disabled: the flag waits until someone else is assigned.
    #[diesel(sql_type = Bool)]
    pub assignee_disabled: bool,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    pub organisation: String,
    #[diesel(sql_type = Text)]
    pub country: String,
    #[diesel(sql_type = Text)]
    pub kind: OrganisationKind,
    #[diesel(sql_type = Text)]
    pub campaign: String,
    #[diesel(sql_type = SqlUuid)]
    pub template_version_id: Uuid,
}

/// A count of flags for one value of one filter (`facet`), or for one heat-map cell
/// (`facet` = "cell", value "severity:likelihood"), or for all (`facet` = "total").
#[derive(Debug, Clone, QueryableByName, PartialEq, Eq)]
pub struct FacetCount {
    #[diesel(sql_type = Text)]
    pub facet: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub value: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

enum Bind {
    Uuid(Uuid),
    Text(String),
    Small(i16),
    Time(DateTime<Utc>),
}

/// The WHERE clause of `filter` (and of the page start), with its binds in order.
fn conditions(filter: &QueueFilter, after: Option<&After>) -> (String, Vec<Bind>) {
    let mut parts: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let mut add = |sql: &str, bind: Bind, parts: &mut Vec<String>| {
        binds.push(bind);
        parts.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(c) = filter.campaign {
        add("f.campaign_id = ?", Bind::Uuid(c), &mut parts);
    }
    if let Some(o) = filter.organisation {
        add("f.organisation_id = ?", Bind::Uuid(o), &mut parts);
    }
    if let Some(i) = &filter.indicator {
        add("f.indicator = ?", Bind::Text(i.clone()), &mut parts);
    }
    if let Some(b) = filter.band {
        add("f.band = ?", Bind::Text(b.as_str().into()), &mut parts);
    }
    if let Some(c) = &filter.country {
        add("f.country = ?", Bind::Text(c.clone()), &mut parts);
    }
    if let Some(k) = filter.kind {
        add("f.kind = ?", Bind::Text(k.as_str().into()), &mut parts);
    }
    match filter.status {
        StatusFilter::All => {}
        StatusFilter::Open => add(
            "f.status <> ?",
            Bind::Text(FlagStatus::Closed.as_str().into()),
            &mut parts,
        ),
        StatusFilter::Only(s) => add("f.status = ?", Bind::Text(s.as_str().into()), &mut parts),
    }
    match filter.assignee {
        None => {}
        Some(AssigneeFilter::Nobody) => parts.push("f.assignee_id IS NULL".into()),
        Some(AssigneeFilter::Member(m)) => add("f.assignee_id = ?", Bind::Uuid(m), &mut parts),
        Some(AssigneeFilter::Disabled) => parts
            .push("f.assignee_id IN (SELECT id FROM users WHERE disabled_at IS NOT NULL)".into()),
    }
    if let Some(t) = filter.raised_before {
        add("f.created_at < ?", Bind::Time(t), &mut parts);
    }
    if let Some(s) = filter.severity {
        add("f.severity = ?", Bind::Small(s), &mut parts);
    }
    if let Some(l) = filter.likelihood {
        add("f.likelihood = ?", Bind::Small(l), &mut parts);
    }
    if let Some(a) = after {
        binds.push(Bind::Small(a.rank));
        binds.push(Bind::Time(a.created_at));
        binds.push(Bind::Uuid(a.id));
        let n = binds.len();
        parts.push(format!(
            "(f.queue_rank, f.created_at, f.id) > (${}, ${}, ${})",
            n - 2,
            n - 1,
            n
        ));
    }
    let sql = if parts.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", parts.join(" AND "))
    };
    (sql, binds)
}

fn bound(
    sql: String,
    binds: Vec<Bind>,
) -> BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery> {
    let mut q = diesel::sql_query(sql).into_boxed::<Pg>();
    for b in binds {
        q = match b {
            Bind::Uuid(v) => q.bind::<SqlUuid, _>(v),
            Bind::Text(v) => q.bind::<Text, _>(v),
            Bind::Small(v) => q.bind::<Int2, _>(v),
            Bind::Time(v) => q.bind::<Timestamptz, _>(v),
        };
    }
    q
}

/// The SQL of a queue page and its number of parameters. The page's flags are chosen
/// first from the flag's own columns alone (with the open queue's covering index, an
/// index-only walk that tests every filter on the index entry), then joined for the
/// page's rows only; the outer query keeps the walk's order (no sort).
fn page_sql(filter: &QueueFilter, after: Option<&After>, limit: i64) -> (String, usize) {
    let (cond, binds) = conditions(filter, after);
    (
        format!(
            "SELECT f.id, f.band, f.critical, f.score, f.severity, f.likelihood, f.indicator, \
             f.question_id, f.rule_index, f.status, f.version, f.created_at, f.queue_rank, \
             u.name AS assignee, u.disabled_at IS NOT NULL AS assignee_disabled, f.organisation_id, o.name AS organisation, f.country, f.kind, \
             c.name AS campaign, c.template_version_id \
             FROM (SELECT f.id, f.queue_rank, f.created_at FROM flags f {cond} \
                   ORDER BY f.queue_rank, f.created_at, f.id LIMIT {}) AS k \
             JOIN flags f ON f.id = k.id \
             JOIN organisations o ON o.id = f.organisation_id \
             JOIN campaigns c ON c.id = f.campaign_id \
             LEFT JOIN users u ON u.id = f.assignee_id \
             ORDER BY k.queue_rank, k.created_at, k.id",
            limit.clamp(1, 500)
        ),
        binds.len(),
    )
}

/// One page of the queue, worst first, starting after `after`.
pub async fn page(
    conn: &mut Conn,
    filter: &QueueFilter,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let (sql, _) = page_sql(filter, after, limit);
    let (_, binds) = conditions(filter, after);
    bound(sql, binds).load(conn).await
}

/// Counts over the filtered flags: per campaign, indicator, band, country, kind, status
/// and assignee, per heat-map cell, and the total. A filter on the state alone (the
/// dashboard, the heat map and the queue as they open) reads the counts kept by
/// triggers (`flag_counts`, migration `…000155`): a few hundred rows whatever the
/// number of flags. Any other filter counts the matching flags in one pass
/// ([`counts_by_scan`]): an index-only scan of `flags_facets_band_idx` or
/// `flags_facets_campaign_idx` (migration `…000160`), whose keys are every column
/// counted, so the cost is that of the matching index entries (about 0.5 µs each),
/// not of the table. The age filter still reads the flags' rows.
pub async fn counts(conn: &mut Conn, filter: &QueueFilter) -> QueryResult<Vec<FacetCount>> {
    let (sql, binds) = counts_sql(filter);
    bound(sql, binds).load(conn).await
}

/// [`counts`] from the flags themselves, whatever the filter (`GROUPING SETS`, one
/// pass); the tests compare it with the kept counts.
pub async fn counts_by_scan(conn: &mut Conn, filter: &QueueFilter) -> QueryResult<Vec<FacetCount>> {
    let (sql, binds) = scan_counts_sql(filter);
    bound(sql, binds).load(conn).await
}

/// Whether the kept counts answer `filter`: it filters on the state only.
fn state_only(filter: &QueueFilter) -> bool {
    QueueFilter {
        status: filter.status,
        ..QueueFilter::default()
    } == *filter
}

fn counts_sql(filter: &QueueFilter) -> (String, Vec<Bind>) {
    if !state_only(filter) {
        return scan_counts_sql(filter);
    }
    let (cond, binds) = match filter.status {
        StatusFilter::All => (String::new(), Vec::new()),
        StatusFilter::Open => (
            "AND status <> $1".to_string(),
            vec![Bind::Text(FlagStatus::Closed.as_str().into())],
        ),
        StatusFilter::Only(s) => (
            "AND status = $1".to_string(),
            vec![Bind::Text(s.as_str().into())],
        ),
    };
    (
        format!(
            "SELECT facet, NULLIF(value, '') AS value, sum(n)::bigint AS n FROM flag_counts \
             WHERE facet <> 'campaign_band' {cond} \
             GROUP BY facet, value HAVING sum(n) <> 0"
        ),
        binds,
    )
}

fn scan_counts_sql(filter: &QueueFilter) -> (String, Vec<Bind>) {
    let (cond, binds) = conditions(filter, None);
    let sql = format!(
        "SELECT CASE \
             WHEN GROUPING(f.campaign_id) = 0 THEN 'campaign' \
             WHEN GROUPING(f.indicator) = 0 THEN 'indicator' \
             WHEN GROUPING(f.band) = 0 THEN 'band' \
             WHEN GROUPING(f.country) = 0 THEN 'country' \
             WHEN GROUPING(f.kind) = 0 THEN 'kind' \
             WHEN GROUPING(f.status) = 0 THEN 'status' \
             WHEN GROUPING(f.assignee_id) = 0 THEN 'assignee' \
             WHEN GROUPING(f.severity, f.likelihood) = 0 THEN 'cell' \
             ELSE 'total' END AS facet, \
           CASE \
             WHEN GROUPING(f.campaign_id) = 0 THEN f.campaign_id::text \
             WHEN GROUPING(f.indicator) = 0 THEN f.indicator \
             WHEN GROUPING(f.band) = 0 THEN f.band \
             WHEN GROUPING(f.country) = 0 THEN f.country \
             WHEN GROUPING(f.kind) = 0 THEN f.kind \
             WHEN GROUPING(f.status) = 0 THEN f.status \
             WHEN GROUPING(f.assignee_id) = 0 THEN f.assignee_id::text \
             WHEN GROUPING(f.severity, f.likelihood) = 0 THEN f.severity || ':' || f.likelihood \
           END AS value, \
           count(*) AS n \
         FROM flags f \
         {cond} \
         GROUP BY GROUPING SETS ((f.campaign_id), (f.indicator), (f.band), (f.country), \
           (f.kind), (f.status), (f.assignee_id), (f.severity, f.likelihood), ())"
    );
    (sql, binds)
}

/// Flags per campaign and band (the dashboard's trend), campaigns oldest first.
#[derive(Debug, Clone, QueryableByName)]
pub struct CampaignBand {
    #[diesel(sql_type = SqlUuid)]
    pub campaign_id: Uuid,
    #[diesel(sql_type = Text)]
    pub campaign: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub band: Band,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The SQL of [`per_campaign_and_band`]: from the counts kept by triggers (facet
/// `campaign_band`, value `campaign id:band`, every state).
pub const PER_CAMPAIGN_AND_BAND: &str =
    "SELECT c.id AS campaign_id, c.name AS campaign, c.created_at, \
            split_part(k.value, ':', 2) AS band, sum(k.n)::bigint AS n \
     FROM flag_counts k JOIN campaigns c ON c.id::text = split_part(k.value, ':', 1) \
     WHERE k.facet = 'campaign_band' \
     GROUP BY c.id, c.name, c.created_at, split_part(k.value, ':', 2) \
     HAVING sum(k.n) <> 0 \
     ORDER BY c.created_at, c.id";

pub async fn per_campaign_and_band(conn: &mut Conn) -> QueryResult<Vec<CampaignBand>> {
    diesel::sql_query(PER_CAMPAIGN_AND_BAND).load(conn).await
}

/// The SQL that [`page`] (first page, `limit` rows) and [`counts`] run for `filter`,
/// with each parameter written in as a literal: the same statements for `psql` or
/// `pgbench` (the committee benchmark's baseline).
pub fn literal_sql(filter: &QueueFilter, limit: i64) -> (String, String) {
    let (page, _) = page_sql(filter, None, limit);
    let (_, binds) = conditions(filter, None);
    let (counts, _) = counts_sql(filter);
    (inline(page, &binds), inline(counts, &binds))
}

/// `sql` with `$n` replaced by the literal of the n-th bind (highest first, so that
/// `$1` does not match the start of `$10`).
fn inline(mut sql: String, binds: &[Bind]) -> String {
    for (i, b) in binds.iter().enumerate().rev() {
        let literal = match b {
            Bind::Uuid(v) => format!("'{v}'::uuid"),
            Bind::Text(v) => format!("'{}'", v.replace('\'', "''")),
            Bind::Small(v) => format!("{v}::int2"),
            Bind::Time(v) => format!("'{}'::timestamptz", v.to_rfc3339()),
        };
        sql = sql.replace(&format!("${}", i + 1), &literal);
    }
    sql
}

/// Campaigns by id and name, newest first (the campaign filter's choices).
pub async fn campaign_names(conn: &mut Conn) -> QueryResult<Vec<(Uuid, String)>> {
    use super::schema::campaigns;
    use diesel::{ExpressionMethods, QueryDsl};
    campaigns::table
        .order((campaigns::created_at.desc(), campaigns::id.asc()))
        .limit(500)
        .select((campaigns::id, campaigns::name))
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan PostgreSQL chooses for a queue page and for the counts of `filter`, with the
/// same SQL and parameters as [`page`] and [`counts`] (the query-plan test reads it).
pub async fn explain(
    conn: &mut Conn,
    filter: &QueueFilter,
    after: Option<&After>,
    analyze: bool,
) -> QueryResult<(String, String)> {
    let verb = if analyze {
        "EXPLAIN ANALYZE"
    } else {
        "EXPLAIN"
    };
    let (sql, _) = page_sql(filter, after, 51);
    let (_, binds) = conditions(filter, after);
    let page: Vec<PlanLine> = bound(format!("{verb} {sql}"), binds).load(conn).await?;
    let (sql, binds) = counts_sql(filter);
    let counts: Vec<PlanLine> = bound(format!("{verb} {sql}"), binds).load(conn).await?;
    let join = |lines: Vec<PlanLine>| {
        lines
            .into_iter()
            .map(|l| l.line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok((join(page), join(counts)))
}

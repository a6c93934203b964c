//! Queries on `jobs`. A `send_email` job is also the outbox entry: its row carries the
//! message (address, subject, bodies, and what it is about), and its state is the
//! delivery status (pending or running = queued, done = sent, dead = failed with the
//! server's answer in `last_error`; the `email_outbox` view shows them so). The life
//! of a job: pending → (claimed) running → done, or pending again with a later
//! `run_at`, or dead. Every update after the claim names the attempt it belongs to, so
//! a worker whose lease ran out cannot overwrite a newer attempt.

use super::prepared::Prepare;
use super::schema::jobs;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Double, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

type Conn = AsyncPgConnection;

/// A job row.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub dedup_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Whether a job with `dedup_key` was ever queued (a key is used once, whatever became
/// of its job).
pub async fn key_used(conn: &mut Conn, dedup_key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        jobs::table.filter(jobs::dedup_key.eq(dedup_key)),
    ))
    .get_result(conn)
    .await
}

/// The newest email about `campaign_id` keyed `key` or `key` + `sub` + anything: its
/// id and when it was queued (an escalation and its follow-ups; found through the
/// campaign's few emails, `jobs_campaign_idx`, not by scanning every key).
pub async fn latest_of_key(
    conn: &mut Conn,
    campaign_id: Uuid,
    key: &str,
    sub: &str,
) -> QueryResult<Option<(Uuid, DateTime<Utc>)>> {
    let pattern = format!("{}%", super::like_escaped(&format!("{key}{sub}")));
    jobs::table
        .filter(jobs::campaign_id.eq(campaign_id))
        .filter(jobs::dedup_key.eq(key).or(jobs::dedup_key.like(pattern)))
        .order((jobs::created_at.desc(), jobs::id.desc()))
        .select((jobs::id, jobs::created_at))
        .first(conn)
        .await
        .optional()
}

/// Inserts a pending job; `None` when a job with the same `dedup_key` exists (in any
/// state: a key is used once).
pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    kind: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
    dedup_key: Option<&str>,
    max_attempts: i32,
) -> QueryResult<Option<Uuid>> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::run_at.eq(run_at),
            jobs::dedup_key.eq(dedup_key),
            jobs::max_attempts.eq(max_attempts),
        ))
        .on_conflict_do_nothing()
        .returning(jobs::id)
        .get_result(conn)
        .await
        .optional()
}

/// A worker pass's housekeeping, in one statement: done jobs of the `kinds` (without a
/// deduplication key, which must stay used) finished more than `older_than_seconds`
/// ago are deleted (`jobs_forget_idx`), and running jobs whose lease ran out on their
/// last allowed attempt become dead (the worker died or hung); returns the ids and kinds
/// of those.
pub async fn housekeeping(
    conn: &mut Conn,
    kinds: &[&str],
    older_than_seconds: f64,
) -> QueryResult<Vec<(Uuid, String)>> {
    #[derive(QueryableByName)]
    struct Lost {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        kind: String,
    }
    let rows: Vec<Lost> = diesel::sql_query(
        "WITH forgotten AS ( \
            DELETE FROM jobs WHERE kind = ANY($1) AND state = 'done' AND dedup_key IS NULL \
               AND finished_at < now() - make_interval(secs => $2) RETURNING 1) \
         UPDATE jobs SET state = 'dead', lease_until = NULL, finished_at = now(), \
                last_error = left('the worker stopped during the last attempt (lease expired)' \
                                  || coalesce('; before: ' || last_error, ''), 2000) \
          WHERE state = 'running' AND lease_until < now() AND attempts >= max_attempts \
          RETURNING id, kind",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(kinds)
    .bind::<Double, _>(older_than_seconds)
    .prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.kind)).collect())
}

/// Claims up to `limit` due jobs in one statement: running ones whose lease expired
/// (their worker died) first, then pending ones whose time has come, oldest first, those
/// not `bulk` before the bulk ones (a launch's 90,000 invitations do not hold a password
/// reset, a receipt or a scheduler pass queued after them). Each read uses a partial
/// index (`jobs_lease_idx`, `jobs_due_idx` on `(bulk, run_at)`: one range per side) and
/// stops at `limit` rows, so a claim costs the same with 50 or 500,000 jobs queued. `SKIP
/// LOCKED` lets concurrent workers take different rows; each claimed job is marked
/// running with a lease of `lease_seconds` and its attempt counted. No lock is held
/// once this returns.
pub async fn claim(conn: &mut Conn, limit: i64, lease_seconds: f64) -> QueryResult<Vec<Job>> {
    diesel::sql_query(
        "WITH lost AS (SELECT id FROM jobs \
                         WHERE state = 'running' AND lease_until < now() \
                           AND attempts < max_attempts \
                         ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED), \
              due AS (SELECT id FROM jobs \
                        WHERE state = 'pending' AND NOT bulk AND run_at <= now() \
                        ORDER BY run_at LIMIT $1 FOR UPDATE SKIP LOCKED), \
              due_bulk AS (SELECT id FROM jobs \
                             WHERE state = 'pending' AND bulk AND run_at <= now() \
                             ORDER BY run_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
         UPDATE jobs SET state = 'running', attempts = attempts + 1, \
                lease_until = now() + make_interval(secs => $2) \
          WHERE id = ANY(ARRAY(SELECT id FROM lost UNION ALL SELECT id FROM due \
                               UNION ALL SELECT id FROM due_bulk LIMIT $1)) \
         RETURNING id, kind, payload, run_at, dedup_key, state, attempts, max_attempts, \
                   lease_until, last_error, created_at, finished_at",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .bind::<Double, _>(lease_seconds)
    .prepared()
    .load(conn)
    .await
}

/// Attempts that succeeded, many at once (`(job id, attempt)` pairs): one statement.
/// Returns the ids still held by those attempts (now done); a job whose claim was lost
/// meanwhile is left alone and missing from the result. A sent message's bodies are
/// cleared in the same statement: they can hold a working link (a password reset),
/// which should not outlive the delivery in the database.
pub async fn mark_done_many(conn: &mut Conn, held: &[(Uuid, i32)]) -> QueryResult<Vec<Uuid>> {
    if held.is_empty() {
        return Ok(Vec::new());
    }
    let (ids, attempts): (Vec<Uuid>, Vec<i32>) = held.iter().copied().unzip();
    #[derive(QueryableByName)]
    struct Done {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let done: Vec<Done> = diesel::sql_query(
        "UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = now(), \
                last_error = NULL, html_body = NULL, \
                text_body = CASE WHEN jobs.text_body IS NOT NULL THEN '' END \
           FROM unnest($1::uuid[], $2::int[]) AS held(id, attempt) \
          WHERE jobs.id = held.id AND jobs.state = 'running' AND jobs.attempts = held.attempt \
          RETURNING jobs.id",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&ids)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(&attempts)
    .prepared()
    .load(conn)
    .await?;
    Ok(done.into_iter().map(|d| d.id).collect())
}

/// Attempt `attempt` failed and may be retried in `delay_seconds`.
pub async fn mark_retry(
    conn: &mut Conn,
    id: Uuid,
    attempt: i32,
    delay_seconds: f64,
    error: &str,
) -> QueryResult<bool> {
    diesel::update(claimed(id, attempt))
        .set((
            jobs::state.eq("pending"),
            jobs::lease_until.eq(None::<DateTime<Utc>>),
            jobs::last_error.eq(error),
            jobs::run_at.eq(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                "now() + make_interval(secs => ",
            )
            .bind::<Double, _>(delay_seconds)
            .sql(")")),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Attempt `attempt` failed for good (a permanent error, or the attempt cap).
pub async fn mark_dead(conn: &mut Conn, id: Uuid, attempt: i32, error: &str) -> QueryResult<bool> {
    diesel::update(claimed(id, attempt))
        .set((
            jobs::state.eq("dead"),
            jobs::lease_until.eq(None::<DateTime<Utc>>),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::last_error.eq(error),
        ))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// The row of job `id` while attempt `attempt` still holds it.
type HeldBy = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<jobs::table, Uuid>,
        diesel::dsl::Eq<jobs::state, &'static str>,
    >,
    diesel::dsl::Eq<jobs::attempts, i32>,
>;

fn claimed(id: Uuid, attempt: i32) -> HeldBy {
    jobs::table
        .find(id)
        .filter(jobs::state.eq("running"))
        .filter(jobs::attempts.eq(attempt))
}

/// What queuing a dead job again writes: pending, due now, a fresh set of attempts.
type Revived = (
    diesel::dsl::Eq<jobs::state, &'static str>,
    diesel::dsl::Eq<jobs::attempts, i32>,
    diesel::dsl::Eq<jobs::run_at, diesel::dsl::now>,
    diesel::dsl::Eq<jobs::finished_at, Option<DateTime<Utc>>>,
);

fn revived() -> Revived {
    (
        jobs::state.eq("pending"),
        jobs::attempts.eq(0),
        jobs::run_at.eq(diesel::dsl::now),
        jobs::finished_at.eq(None::<DateTime<Utc>>),
    )
}

/// A dead job back to pending, due now, with a fresh set of attempts; its kind, or
/// `None` when there is no dead job `id`.
pub async fn revive(conn: &mut Conn, id: Uuid) -> QueryResult<Option<String>> {
    diesel::update(jobs::table.find(id).filter(jobs::state.eq("dead")))
        .set(revived())
        .returning(jobs::kind)
        .get_result(conn)
        .await
        .optional()
}

/// A dead email's answer as the jobs page groups them: the server's text with every
/// address in it written "…", so that one refusal of many recipients is one group.
const DEAD_ANSWER_SQL: &str =
    "regexp_replace(coalesce(last_error, ''), '[^[:space:]<>]+@[^[:space:]<>]+', '…', 'g')";

/// The dead emails by the server's answer ([`DEAD_ANSWER_SQL`]), the largest groups
/// first (at most `limit`): (answer, how many).
pub async fn dead_email_answers(conn: &mut Conn, limit: i64) -> QueryResult<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Answer {
        #[diesel(sql_type = Text)]
        answer: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<Answer> = diesel::sql_query(format!(
        "SELECT {DEAD_ANSWER_SQL} AS answer, count(*) AS n FROM jobs \
          WHERE state = 'dead' AND kind = 'send_email' \
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $1"
    ))
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|a| (a.answer, a.n)).collect())
}

/// Every dead email whose answer is `answer` ([`DEAD_ANSWER_SQL`]) back to pending, due
/// now, with a fresh set of attempts, as [`revive`] (a relay that refused them all, its
/// password changed, say, and now fixed); their ids.
pub async fn revive_dead_emails(conn: &mut Conn, answer: &str) -> QueryResult<Vec<Uuid>> {
    let answered = diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("{DEAD_ANSWER_SQL} = "))
        .bind::<Text, _>(answer);
    diesel::update(
        jobs::table
            .filter(jobs::state.eq("dead"))
            .filter(jobs::kind.eq("send_email"))
            .filter(answered),
    )
    .set(revived())
    .returning(jobs::id)
    .get_results(conn)
    .await
}

/// A dead job, or one that failed and waits for its next try, written as the
/// predicate of `jobs_troubled_idx` (literals, so that the planner can use that index
/// whatever the statement's parameters).
fn troubled_sql() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql("state = 'dead' OR (state <> 'done' AND last_error IS NOT NULL)")
}

/// How many jobs are failing (waiting for their next try) and how many are dead.
pub async fn troubled_counts(conn: &mut Conn) -> QueryResult<(i64, i64)> {
    use diesel::sql_types::BigInt;
    jobs::table
        .filter(troubled_sql())
        .select(diesel::dsl::sql::<(BigInt, BigInt)>(
            "count(*) FILTER (WHERE state <> 'dead'), count(*) FILTER (WHERE state = 'dead')",
        ))
        .get_result(conn)
        .await
}

/// Emails that failed and wait for their next try, while there are some: how many,
/// when the oldest was queued, and the newest one's error (the mail server's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingEmails {
    pub count: i64,
    pub oldest: DateTime<Utc>,
    pub answer: String,
}

/// [`FailingEmails`] now (through `jobs_troubled_idx`); `None` when no email is failing.
pub async fn failing_emails(conn: &mut Conn) -> QueryResult<Option<FailingEmails>> {
    use diesel::sql_types::{BigInt, Nullable, Timestamptz};
    let failing = || {
        jobs::table
            .filter(troubled_sql())
            .filter(jobs::state.ne("dead"))
            .filter(jobs::kind.eq("send_email"))
    };
    let (count, oldest): (i64, Option<DateTime<Utc>>) = failing()
        .select(diesel::dsl::sql::<(BigInt, Nullable<Timestamptz>)>(
            "count(*), min(created_at)",
        ))
        .get_result(conn)
        .await?;
    let Some(oldest) = oldest else {
        return Ok(None);
    };
    let answer: Option<String> = failing()
        .order((jobs::created_at.desc(), jobs::id))
        .select(jobs::last_error)
        .first(conn)
        .await?;
    Ok(Some(FailingEmails {
        count,
        oldest,
        answer: answer.unwrap_or_default(),
    }))
}

/// Dead jobs and jobs that failed at least once and wait for a retry, newest first,
/// with the recipient when the job sends an email.
pub async fn troubled(conn: &mut Conn, limit: i64) -> QueryResult<Vec<(Job, Option<String>)>> {
    jobs::table
        .filter(troubled_sql())
        .order((jobs::created_at.desc(), jobs::id))
        .limit(limit)
        .select((Job::as_select(), jobs::to_address))
        .load(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Job>> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .await
        .optional()
}

/// A message to queue as a `send_email` job: the address, subject and bodies, and
/// what it is about (campaign emails; `None` for account emails).
#[derive(Debug)]
pub struct NewEmail<'a> {
    pub to_address: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub campaign_id: Option<Uuid>,
}

/// Inserts a pending `send_email` job `id` carrying `email`, due now; `None` when a job
/// with the same `dedup_key` exists (in any state: a key is used once).
pub async fn insert_email(
    conn: &mut Conn,
    id: Uuid,
    dedup_key: Option<&str>,
    max_attempts: i32,
    email: &NewEmail<'_>,
) -> QueryResult<Option<Uuid>> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(id),
            jobs::kind.eq("send_email"),
            jobs::dedup_key.eq(dedup_key),
            jobs::max_attempts.eq(max_attempts),
            jobs::to_address.eq(email.to_address),
            jobs::subject.eq(email.subject),
            jobs::text_body.eq(email.text_body),
            jobs::html_body.eq(email.html_body),
            jobs::purpose.eq(email.purpose),
            jobs::campaign_id.eq(email.campaign_id),
        ))
        .on_conflict_do_nothing()
        .returning(jobs::id)
        .get_result(conn)
        .await
        .optional()
}

/// Queues a job of a periodic `kind` (a scheduler pass, the daily audit verification),
/// due `delay_seconds` from now, unless one is pending or running, or one finished less
/// than `every_seconds` ago; true when it queued one.
pub async fn queue_periodic(
    conn: &mut Conn,
    kind: &str,
    every_seconds: f64,
    delay_seconds: f64,
) -> QueryResult<bool> {
    diesel::sql_query(
        "INSERT INTO jobs (id, kind, run_at) \
         SELECT gen_random_uuid(), $2, now() + make_interval(secs => $3) \
          WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $2 \
                               AND (state IN ('pending', 'running') \
                                    OR finished_at > now() - make_interval(secs => $1)))",
    )
    .bind::<Double, _>(every_seconds)
    .bind::<Text, _>(kind)
    .bind::<Double, _>(delay_seconds)
    .prepared()
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Makes a job of `kind` with `payload` due now: the pending one (moved, its payload
/// replaced) or a new one, unless one is running (it takes the request). For work that
/// must not run twice at once (the audit log's verification).
pub async fn queue_now(
    conn: &mut Conn,
    kind: &str,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    diesel::sql_query(
        "WITH moved AS ( \
             UPDATE jobs SET run_at = now(), payload = $2 \
              WHERE kind = $1 AND state = 'pending' RETURNING id) \
         INSERT INTO jobs (id, kind, payload) \
         SELECT gen_random_uuid(), $1, $2 \
          WHERE NOT EXISTS (SELECT 1 FROM moved) \
            AND NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND state = 'running')",
    )
    .bind::<Text, _>(kind)
    .bind::<diesel::sql_types::Jsonb, _>(payload)
    .execute(conn)
    .await?;
    Ok(())
}

/// When the job of `kind` due soonest among those pending or running is due, and
/// whether it is running: `None` when there is none.
pub async fn next_of_kind(
    conn: &mut Conn,
    kind: &str,
) -> QueryResult<Option<(DateTime<Utc>, bool)>> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::state.eq_any(["pending", "running"]))
        .order(jobs::run_at.asc())
        .select((jobs::run_at, jobs::state.eq("running")))
        .first(conn)
        .await
        .optional()
}

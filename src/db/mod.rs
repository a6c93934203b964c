//! Database access: the connection pool, embedded migrations, row types and queries.
//!
//! diesel-async over a deadpool pool, so a query never blocks an actix worker thread.
//! Query functions take `&mut AsyncPgConnection`; services own the transactions.

/// SQL that holds when the address in `$column` is one the outbox would take: who a
/// draft's page counts as reachable (`campaigns::audience_members`) and who the launch
/// gives a link (`campaign_links::contacts_to_invite`) must agree.
macro_rules! usable_email_sql {
    ($column:literal) => {
        concat!($column, " ~ '^[^@[:space:]]+@[^@[:space:]]+$'")
    };
}

/// SQL that holds when the email job `$job` was refused by the mail server: dead before
/// its attempts ran out (a 5xx answer, a bad address), not given up after three days of
/// a relay that did not answer. What the campaign page counts as bounced
/// (`progress::organisations`) and what stops a reminder (`address_refused_sql!`).
macro_rules! refused_sql {
    ($job:literal) => {
        concat!(
            $job,
            ".state = 'dead' AND ",
            $job,
            ".attempts < ",
            $job,
            ".max_attempts"
        )
    };
}

/// SQL that holds when an email of the link `$link` (an `invitations` row) to the
/// address `$address` was refused ([`refused_sql!`]): a reminder is not sent there
/// again (each one would be refused too, and mail to addresses known to bounce is what
/// spam filters count against a sender) until the address is corrected or the refused
/// email is queued again from the jobs page.
///
/// The link's emails are read by `jobs_invitation_idx` with the state as a value, as
/// `progress::organisations` does: written as `EXISTS (… AND e.state = 'dead' …)`,
/// statistics gathered before thousands of emails failed made PostgreSQL intersect
/// `jobs_dead_idx` with every link's emails (6.9 s for 90,000 links; 1.5 s this way,
/// 0.9 s without the condition).
macro_rules! address_refused_sql {
    ($link:literal, $address:literal) => {
        concat!(
            "coalesce((SELECT bool_or(e.to_address = ",
            $address,
            " AND ",
            refused_sql!("e"),
            ") FROM jobs e WHERE e.invitation_id = ",
            $link,
            ".id), false)"
        )
    };
}

pub mod action_plans;
pub mod admin;
pub mod api_tokens;
pub mod audit;
pub mod campaign_links;
pub mod campaign_mail;
pub mod campaign_owners;
pub mod campaigns;
pub mod clarifications;
pub mod contacts;
pub mod earlier_answers;
pub mod evidence;
pub mod exports;
pub mod flag_comments;
pub mod flag_decisions;
pub mod flag_queue;
pub mod flags;
pub mod inherent_risk;
pub mod invitations;
pub mod jobs;
pub mod link_throttle;
pub mod listings;
pub mod models;
pub mod org_import_uploads;
pub mod organisations;
pub mod password_resets;
pub mod prepared;
pub mod progress;
pub mod questionnaire_versions;
pub mod ranking;
pub mod reassessments;
pub mod receipts;
pub mod responses;
pub mod schema;
pub mod scoring;
pub mod seed;
pub mod sessions;
pub mod throttle;
pub mod types;
pub mod users;
pub mod views;

use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::scoped_futures::{ScopedBoxFuture, ScopedFutureExt};
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// The shared pool of connections.
pub type Pool = DeadPool<AsyncPgConnection>;
/// The connection type of every query function and service.
pub type Conn = AsyncPgConnection;
/// A connection taken from the pool.
pub type PooledConn = Object<AsyncPgConnection>;

/// A connection inside an open transaction, with the key that signs the audit chain's
/// head. Only [`transaction`] creates one, so whatever takes a `Tx` (the audit log's
/// `append`) cannot run outside a transaction. It derefs to the connection for the
/// non-generic query functions; diesel's generic `execute`/`load` take [`Tx::conn`].
///
/// A plain connection is not a `Tx`, and a `Tx` cannot be built outside this module:
///
/// ```compile_fail
/// async fn outside(conn: &mut diesel_async::AsyncPgConnection) {
///     use hrdd_survey::db::audit::{append, Actor};
///     append(conn, &Actor::System, "logout", "user", "x", serde_json::json!({})).await;
/// }
/// ```
pub struct Tx<'c> {
    conn: &'c mut AsyncPgConnection,
    audit_key: &'c audit::AuditKey,
}

impl Tx<'_> {
    /// The connection, for diesel's query methods.
    pub fn conn(&mut self) -> &mut AsyncPgConnection {
        self.conn
    }

    pub fn audit_key(&self) -> &audit::AuditKey {
        self.audit_key
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &AsyncPgConnection {
        self.conn
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        self.conn
    }
}

/// Runs `f` in a transaction (committed if it returns `Ok`, rolled back otherwise),
/// handing it a [`Tx`].
pub async fn transaction<'a, R, E, F>(
    conn: &'a mut AsyncPgConnection,
    audit_key: &'a audit::AuditKey,
    f: F,
) -> Result<R, E>
where
    F: for<'r> FnOnce(&'r mut Tx<'r>) -> ScopedBoxFuture<'a, 'r, Result<R, E>> + Send + 'a,
    E: From<diesel::result::Error> + Send + 'a,
    R: Send + 'a,
{
    use diesel_async::AsyncConnection;
    conn.transaction(|conn| {
        async move {
            let mut tx = Tx { conn, audit_key };
            f(&mut tx).await
        }
        .scope_boxed()
    })
    .await
}

/// An error from a query (what every function of this module's submodules returns).
pub type DbError = diesel::result::Error;

/// The result of a query.
pub type QueryResult<T> = Result<T, DbError>;

/// Runs `f` in a transaction that records nothing in the audit log (bookkeeping such as
/// login attempts); changes that are audited go through [`transaction`].
pub async fn plain_transaction<'a, R, E, F>(conn: &'a mut Conn, f: F) -> Result<R, E>
where
    F: for<'r> FnOnce(&'r mut Conn) -> ScopedBoxFuture<'a, 'r, Result<R, E>> + Send + 'a,
    E: From<DbError> + Send + 'a,
    R: Send + 'a,
{
    use diesel_async::AsyncConnection;
    conn.transaction(f).await
}

/// `text` for a `LIKE` pattern: `%`, `_` and `\` in it match themselves (PostgreSQL's
/// default escape character is `\`). Callers add the wildcards they mean.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `SELECT 1`: whether the database answers (the health check).
pub async fn ping(conn: &mut Conn) -> Result<(), DbError> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT 1")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Migrations compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Builds a pool of at most `max_size` connections (opened lazily).
///
/// Each connection turns PostgreSQL's JIT compilation off (`SET jit = off`, once when it
/// is opened): the statements whose estimated cost passes `jit_above_cost` here are the
/// staff pages' reads over a large campaign, where compiling took longer than running
/// (the campaign page at 25,000 organisations: 0.93 s with JIT, 0.66 s of it
/// compiling; 0.46 s without). Short statements never reached it.
///
/// A connection taken from the pool is not pinged first (`RecyclingMethod::Fast`): the
/// default sends `SELECT 1` on every checkout, one round trip and one PostgreSQL
/// transaction more per request (measured in the respondent-flow benchmark). A
/// connection whose server went away is still dropped, not reused: diesel-async's
/// recycle check sees the closed socket (`is_broken`).
pub fn pool(database_url: &str, max_size: usize) -> anyhow::Result<Pool> {
    use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(|url| {
        let url = url.to_string();
        Box::pin(async move {
            use diesel_async::{AsyncConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(&url).await?;
            conn.batch_execute("SET jit = off")
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Ok(DeadPool::builder(manager).max_size(max_size).build()?)
}

/// Applies the pending migrations; returns their names.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    use diesel::Connection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(|m| m.to_string()).collect())
    })
    .await?
}

/// Reverts every migration then applies them again (the up → down → up check).
pub async fn redo_all_migrations(database_url: &str) -> anyhow::Result<()> {
    use diesel::Connection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        conn.revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("re-apply failed: {e}"))?;
        Ok(())
    })
    .await?
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(super::like_escaped("flag."), "flag.");
        assert_eq!(super::like_escaped("a_b%c\\"), "a\\_b\\%c\\\\");
    }
}

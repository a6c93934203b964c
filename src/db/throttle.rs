//! Login attempts, the record the sign-in throttle counts (`auth::throttle` holds the
//! rules).

use super::prepared::Prepare;
use super::schema::login_attempts;
use super::Conn;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// Takes a lock on a key until the end of the current transaction
/// (`pg_advisory_xact_lock` on the first 8 bytes of its SHA-256).
pub async fn lock_key_for_transaction(conn: &mut Conn, key: &str) -> QueryResult<()> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    let key = i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(key)
        .prepared()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The latest success of `email` after `since`, from one of `sources` (any when `None`).
pub async fn last_success(
    conn: &mut Conn,
    email: &str,
    sources: Option<&[&str]>,
    since: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    let mut query = login_attempts::table
        .filter(login_attempts::succeeded.eq(true))
        .filter(login_attempts::email.eq(email.to_string()))
        .filter(login_attempts::at.gt(since))
        .select(diesel::dsl::max(login_attempts::at))
        .into_boxed();
    if let Some(sources) = sources {
        let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        query = query.filter(login_attempts::ip.eq_any(sources));
    }
    query.first(conn).await
}

/// Failures after `since` of an account, an address, or both: (count, latest).
pub async fn failures(
    conn: &mut Conn,
    by_email: Option<&str>,
    by_ip: Option<&str>,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    let mut failed = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_attempts::at),
        ))
        .into_boxed();
    if let Some(email) = by_email {
        failed = failed.filter(login_attempts::email.eq(email.to_string()));
    }
    if let Some(ip) = by_ip {
        failed = failed.filter(login_attempts::ip.eq(ip.to_string()));
    }
    failed.first(conn).await
}

/// Records an attempt; returns its id.
pub async fn record(
    conn: &mut Conn,
    email: &str,
    source: &str,
    succeeded: bool,
) -> QueryResult<i64> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(source),
            login_attempts::succeeded.eq(succeeded),
        ))
        .returning(login_attempts::id)
        .get_result(conn)
        .await
}

/// Turns a recorded attempt into a success.
pub async fn mark_succeeded(conn: &mut Conn, attempt: i64) -> QueryResult<()> {
    diesel::update(login_attempts::table.find(attempt))
        .set(login_attempts::succeeded.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

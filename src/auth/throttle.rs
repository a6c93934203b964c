//! Login throttling with growing delays: per account and address, per address, and an
//! account-wide ceiling.
//!
//! Not a lock-out. The tight limit is per (account, address): an attacker slows down
//! only their own address, and the real user, signing in from an address that has not
//! failed, is not delayed by it. An address is also limited across accounts (guessing
//! many accounts from one place). Across all addresses an account gets a much higher
//! ceiling (a distributed attack), which does not apply to an address that signed in to
//! the account successfully within [`KNOWN_ADDRESS_DAYS`], and which a completed
//! password reset clears. Failures count within the last hour.
//!
//! The caller serialises check and record per account ([`lock_account`]) so that
//! parallel attempts cannot all pass the check before any is recorded.

use crate::db::schema::login_attempts;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Failures allowed per (account, address) before delays start.
pub const FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 3;
/// Failures allowed per address, over all accounts, before delays start (offices share
/// addresses).
pub const FREE_FAILURES_PER_IP: i64 = 10;
/// Failures allowed per account, over all addresses, before an account-wide delay starts.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 100;
/// An address with a successful sign-in to the account within this many days is exempt
/// from the account-wide delay.
pub const KNOWN_ADDRESS_DAYS: i64 = 30;
/// Longest delay, in seconds.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;

/// The source recorded for current-password checks on the change-password page (not an
/// address: the per-address rule does not apply to it).
pub const CHANGE_PASSWORD_SOURCE: &str = "change-password";
/// The source of the success row a completed password reset records: it restarts every
/// count of the account.
pub const RESET_SOURCE: &str = "password-reset";

/// Delay after `failures` failures with `free` allowed: 1 s, 2 s, 4 s … capped.
pub fn delay_seconds(failures: i64, free: i64) -> i64 {
    if failures < free {
        0
    } else {
        let exponent = (failures - free).min(20) as u32;
        (1i64 << exponent).min(MAX_DELAY_SECONDS)
    }
}

/// Takes the account's throttling lock until the end of the current transaction: one
/// check-and-record at a time per account (`pg_advisory_xact_lock` on a hash of it).
pub async fn lock_account(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<()> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("login-throttle:{email}").as_bytes());
    let key = i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(key)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The latest success of `email` from one of `sources` after `since`.
async fn last_success(
    conn: &mut AsyncPgConnection,
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
async fn failures(
    conn: &mut AsyncPgConnection,
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

/// Seconds the caller must still wait before another attempt, 0 when it may try now.
/// `source` is the client's address, or [`CHANGE_PASSWORD_SOURCE`].
pub async fn wait_seconds(
    conn: &mut AsyncPgConnection,
    email: &str,
    source: &str,
) -> QueryResult<i64> {
    let now = Utc::now();
    let hour_ago = now - Duration::hours(1);
    let is_address = source != CHANGE_PASSWORD_SOURCE && source != RESET_SOURCE;
    let mut rules = Vec::new();

    // (account, address): restarts at this address's success or a completed reset.
    let restart = last_success(conn, email, Some(&[source, RESET_SOURCE]), hour_ago).await?;
    let (count, last) = failures(
        conn,
        Some(email),
        Some(source),
        restart.unwrap_or(hour_ago).max(hour_ago),
    )
    .await?;
    rules.push((count, last, FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS));

    // The address over all accounts: never restarts (one valid account must not let an
    // attacker reset the address's count).
    if is_address {
        let (count, last) = failures(conn, None, Some(source), hour_ago).await?;
        rules.push((count, last, FREE_FAILURES_PER_IP));
    }

    // The account over all addresses: restarts at a completed reset; an address the
    // account recently signed in from is exempt.
    let known = is_address
        && last_success(
            conn,
            email,
            Some(&[source]),
            now - Duration::days(KNOWN_ADDRESS_DAYS),
        )
        .await?
        .is_some();
    if !known {
        let reset = last_success(conn, email, Some(&[RESET_SOURCE]), hour_ago).await?;
        let (count, last) = failures(
            conn,
            Some(email),
            None,
            reset.unwrap_or(hour_ago).max(hour_ago),
        )
        .await?;
        rules.push((count, last, FREE_FAILURES_PER_ACCOUNT));
    }

    let mut wait = 0;
    for (count, last, free) in rules {
        if let Some(last) = last {
            let until = last + Duration::seconds(delay_seconds(count, free));
            let left = until - now;
            wait = wait.max(left.num_seconds() + i64::from(left.subsec_nanos() > 0));
        }
    }
    Ok(wait.max(0))
}

/// Records an attempt; returns its id (a check is recorded as failed before the password
/// is verified, and [`mark_succeeded`] turns it into a success).
pub async fn record(
    conn: &mut AsyncPgConnection,
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

/// Turns a recorded attempt into a success (the password was right).
pub async fn mark_succeeded(conn: &mut AsyncPgConnection, attempt: i64) -> QueryResult<()> {
    diesel::update(login_attempts::table.find(attempt))
        .set(login_attempts::succeeded.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Clears the account's delays after a completed password reset.
pub async fn record_reset(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<()> {
    record(conn, email, RESET_SOURCE, true).await.map(|_| ())
}

/// Checks the delays and, when none applies, records the attempt as failed, under the
/// account's lock in one short transaction: `Ok(Err(wait))` when the caller must wait,
/// else the attempt's id. The password is verified after this returns (no connection
/// or lock is held during argon2); [`mark_succeeded`] records a right password.
pub async fn reserve_attempt(
    conn: &mut AsyncPgConnection,
    email: &str,
    source: &str,
) -> QueryResult<Result<i64, i64>> {
    use diesel_async::scoped_futures::ScopedFutureExt;
    use diesel_async::AsyncConnection;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        async move {
            lock_account(conn, email).await?;
            let wait = wait_seconds(conn, email, source).await?;
            if wait > 0 {
                return Ok(Err(wait));
            }
            Ok(Ok(record(conn, email, source, false).await?))
        }
        .scope_boxed()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay_seconds(0, 3), 0);
        assert_eq!(delay_seconds(2, 3), 0);
        assert_eq!(delay_seconds(3, 3), 1);
        assert_eq!(delay_seconds(4, 3), 2);
        assert_eq!(delay_seconds(8, 3), 32);
        assert_eq!(delay_seconds(40, 3), MAX_DELAY_SECONDS);
    }
}

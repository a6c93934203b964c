//! Login throttling with growing delays, per account and per address.
//!
//! Not a lock-out: after the delay a correct password always works, so an attacker who
//! knows someone's email cannot keep them out; they can only slow themselves down.
//! Failures count within the last hour; an account's count restarts at its last
//! successful sign-in.

use crate::db::schema::login_attempts;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Failures allowed per account before delays start.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 3;
/// Failures allowed per address before delays start (offices share addresses).
pub const FREE_FAILURES_PER_IP: i64 = 10;
/// Longest delay, in seconds.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;

/// Delay after `failures` failures with `free` allowed: 1 s, 2 s, 4 s … capped.
pub fn delay_seconds(failures: i64, free: i64) -> i64 {
    if failures < free {
        0
    } else {
        let exponent = (failures - free).min(20) as u32;
        (1i64 << exponent).min(MAX_DELAY_SECONDS)
    }
}

async fn failures(
    conn: &mut AsyncPgConnection,
    by_email: Option<&str>,
    by_ip: Option<&str>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    let since = Utc::now() - Duration::hours(1);
    let mut last_success = login_attempts::table
        .filter(login_attempts::succeeded.eq(true))
        .filter(login_attempts::at.gt(since))
        .select(diesel::dsl::max(login_attempts::at))
        .into_boxed();
    let mut failed = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_attempts::at),
        ))
        .into_boxed();
    if let Some(email) = by_email {
        last_success = last_success.filter(login_attempts::email.eq(email.to_string()));
        failed = failed.filter(login_attempts::email.eq(email.to_string()));
    }
    if let Some(ip) = by_ip {
        last_success = last_success.filter(login_attempts::ip.eq(ip.to_string()));
        failed = failed.filter(login_attempts::ip.eq(ip.to_string()));
    }
    // An account's count restarts at its own successful sign-in. An address's does
    // not: otherwise one valid account would let an attacker reset the address's count.
    if by_ip.is_none() {
        let last_ok: Option<DateTime<Utc>> = last_success.first(conn).await?;
        if let Some(ok) = last_ok {
            failed = failed.filter(login_attempts::at.gt(ok));
        }
    }
    failed.first(conn).await
}

/// Seconds the caller must still wait before another attempt, 0 when it may try now.
pub async fn wait_seconds(conn: &mut AsyncPgConnection, email: &str, ip: &str) -> QueryResult<i64> {
    let now = Utc::now();
    let mut wait = 0;
    for (count, last, free) in [
        {
            let (c, l) = failures(conn, Some(email), None).await?;
            (c, l, FREE_FAILURES_PER_ACCOUNT)
        },
        {
            let (c, l) = failures(conn, None, Some(ip)).await?;
            (c, l, FREE_FAILURES_PER_IP)
        },
    ] {
        if let Some(last) = last {
            let until = last + Duration::seconds(delay_seconds(count, free));
            wait =
                wait.max((until - now).num_seconds() + i64::from((until - now).subsec_nanos() > 0));
        }
    }
    Ok(wait.max(0))
}

/// Records an attempt.
pub async fn record(
    conn: &mut AsyncPgConnection,
    email: &str,
    ip: &str,
    succeeded: bool,
) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::succeeded.eq(succeeded),
        ))
        .execute(conn)
        .await
        .map(|_| ())
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

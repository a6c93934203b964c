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

use crate::db::{self, throttle as attempts, Conn, DbError};
use chrono::{DateTime, Duration, Utc};

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

/// Seconds left to wait under a set of rules, each `(failures, latest failure, free
/// failures)`: the longest of their delays, counted from each rule's latest failure. A
/// rule still within its free failures imposes nothing, even when its latest failure
/// was recorded (by the database's clock, by a concurrent attempt) a moment after `now`.
pub fn seconds_left(rules: &[(i64, Option<DateTime<Utc>>, i64)], now: DateTime<Utc>) -> i64 {
    let mut wait = 0;
    for (count, last, free) in rules {
        let delay = delay_seconds(*count, *free);
        if delay == 0 {
            continue;
        }
        if let Some(last) = last {
            let until = *last + Duration::seconds(delay);
            let left = until - now;
            wait = wait.max(left.num_seconds() + i64::from(left.subsec_nanos() > 0));
        }
    }
    wait.max(0)
}

/// Takes the account's throttling lock until the end of the current transaction: one
/// check-and-record at a time per account.
pub async fn lock_account(conn: &mut Conn, email: &str) -> Result<(), DbError> {
    attempts::lock_key_for_transaction(conn, &format!("login-throttle:{email}")).await
}

/// Seconds the caller must still wait before another attempt, 0 when it may try now.
/// `source` is the client's address, or [`CHANGE_PASSWORD_SOURCE`].
pub async fn wait_seconds(conn: &mut Conn, email: &str, source: &str) -> Result<i64, DbError> {
    let now = Utc::now();
    let hour_ago = now - Duration::hours(1);
    let is_address = source != CHANGE_PASSWORD_SOURCE && source != RESET_SOURCE;
    let mut rules = Vec::new();

    // (account, address): restarts at this address's success or a completed reset.
    let restart =
        attempts::last_success(conn, email, Some(&[source, RESET_SOURCE]), hour_ago).await?;
    let (count, last) = attempts::failures(
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
        let (count, last) = attempts::failures(conn, None, Some(source), hour_ago).await?;
        rules.push((count, last, FREE_FAILURES_PER_IP));
    }

    // The account over all addresses: restarts at a completed reset; an address the
    // account recently signed in from is exempt.
    let known = is_address
        && attempts::last_success(
            conn,
            email,
            Some(&[source]),
            now - Duration::days(KNOWN_ADDRESS_DAYS),
        )
        .await?
        .is_some();
    if !known {
        let reset = attempts::last_success(conn, email, Some(&[RESET_SOURCE]), hour_ago).await?;
        let (count, last) = attempts::failures(
            conn,
            Some(email),
            None,
            reset.unwrap_or(hour_ago).max(hour_ago),
        )
        .await?;
        rules.push((count, last, FREE_FAILURES_PER_ACCOUNT));
    }

    Ok(seconds_left(&rules, now))
}

/// Turns a recorded attempt into a success (the password was right).
pub async fn mark_succeeded(conn: &mut Conn, attempt: i64) -> Result<(), DbError> {
    attempts::mark_succeeded(conn, attempt).await
}

/// Clears the account's delays after a completed password reset.
pub async fn record_reset(conn: &mut Conn, email: &str) -> Result<(), DbError> {
    attempts::record(conn, email, RESET_SOURCE, true)
        .await
        .map(|_| ())
}

/// Checks the delays and, when none applies, records the attempt as failed, under the
/// account's lock in one short transaction: `Ok(Err(wait))` when the caller must wait,
/// else the attempt's id. The password is verified after this returns (no connection
/// or lock is held during argon2); [`mark_succeeded`] records a right password.
pub async fn reserve_attempt(
    conn: &mut Conn,
    email: &str,
    source: &str,
) -> Result<Result<i64, i64>, DbError> {
    use scoped_futures::ScopedFutureExt;
    db::plain_transaction::<_, DbError, _>(conn, |conn| {
        async move {
            lock_account(conn, email).await?;
            let wait = wait_seconds(conn, email, source).await?;
            if wait > 0 {
                return Ok(Err(wait));
            }
            Ok(Ok(attempts::record(conn, email, source, false).await?))
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

    #[test]
    fn the_longest_delay_counts_from_its_latest_failure() {
        let now = Utc::now();
        let rules = [
            // 4 failures with 3 free: 2 s after a failure 1.5 s ago → 1 s (rounded up).
            (4, Some(now - Duration::milliseconds(1500)), 3),
            // Under the free count: no delay.
            (2, Some(now), 3),
            (9, None, 3),
        ];
        assert_eq!(seconds_left(&rules, now), 1);
        assert_eq!(seconds_left(&[], now), 0);
    }

    #[test]
    fn a_failure_within_the_free_ones_makes_nobody_wait_even_if_recorded_after_now() {
        // Another account's failure from the same address, recorded by a concurrent
        // sign-in between this one's `now` and its read (it once made this one wait 1 s).
        let now = Utc::now();
        let just_after = now + Duration::milliseconds(3);
        assert_eq!(seconds_left(&[(1, Some(just_after), 10)], now), 0);
        assert_eq!(seconds_left(&[(0, Some(just_after), 3)], now), 0);
        // Over the free count, the delay still counts from that failure.
        assert_eq!(seconds_left(&[(3, Some(just_after), 3)], now), 2);
        assert_eq!(
            seconds_left(&[(3, Some(now - Duration::hours(1)), 3)], now),
            0
        );
    }
}

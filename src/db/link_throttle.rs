//! Counts of failed respondent-link look-ups per client address (`auth::link_throttle`),
//! in one-minute buckets, in the database so that several service instances share them.

use super::prepared::Prepare;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Records one failure for `address` and returns its failures within the last
/// `window_seconds` (this one included). Buckets of this address older than the window
/// are deleted on the way.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    address: &str,
    window_seconds: f64,
) -> QueryResult<i64> {
    diesel::sql_query(
        "DELETE FROM link_lookup_failures \
          WHERE address = $1 AND bucket < now() - make_interval(secs => $2)",
    )
    .bind::<Text, _>(address)
    .bind::<Double, _>(window_seconds)
    .prepared()
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO link_lookup_failures (address, bucket) \
         VALUES ($1, date_trunc('minute', now())) \
         ON CONFLICT (address, bucket) DO UPDATE SET failures = link_lookup_failures.failures + 1",
    )
    .bind::<Text, _>(address)
    .prepared()
    .execute(conn)
    .await?;
    let count: Count = diesel::sql_query(
        "SELECT coalesce(sum(failures), 0)::bigint AS n FROM link_lookup_failures \
          WHERE address = $1 AND bucket >= date_trunc('minute', now() - make_interval(secs => $2))",
    )
    .bind::<Text, _>(address)
    .bind::<Double, _>(window_seconds)
    .prepared()
    .get_result(conn)
    .await?;
    Ok(count.n)
}

/// Deletes every bucket older than `older_than_seconds` (housekeeping).
pub async fn forget_old(
    conn: &mut AsyncPgConnection,
    older_than_seconds: f64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM link_lookup_failures WHERE bucket < now() - make_interval(secs => $1)",
    )
    .bind::<Double, _>(older_than_seconds)
    .prepared()
    .execute(conn)
    .await
}

//! Failed respondent-link look-ups are throttled per client address (issue 8, item 7).
//!
//! Every `/r/{token}` request whose token is malformed, unknown, revoked or expired
//! counts as a failure of its client address (an IPv6 address by its /64, which one
//! host usually holds whole). Beyond [`LIMIT`] failures in [`WINDOW_SECONDS`], such a
//! request answers **429 with `Retry-After`** instead of 404, and keeps counting.
//!
//! **A valid link is always served**, whatever its address's count: the check comes
//! after the look-up, so the real holder of a link behind the same NAT as a guesser is
//! never locked out. Guessing stays useless: a token has 256 bits, and a guessing
//! address is flagged (429, a warning in the log) after 20 tries.
//!
//! The counts live in the database (`link_lookup_failures`, one-minute buckets), not in
//! memory, so that several service instances on one database share them.

use crate::db::link_throttle as q;
use crate::db::Conn as AsyncPgConnection;
use crate::db::QueryResult;
use std::net::IpAddr;

/// Failures allowed per address within the window.
pub const LIMIT: i64 = 20;
/// The window, in seconds (10 minutes); also the `Retry-After` of a 429.
pub const WINDOW_SECONDS: i64 = 600;

/// The key an address is counted under: IPv4 as is, IPv6 by its /64 prefix.
pub fn address_key(ip: Option<IpAddr>) -> String {
    match ip {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Records a failed look-up from `address`; `Some(retry_after_seconds)` when the
/// address is over the limit.
pub async fn failed_lookup(
    conn: &mut AsyncPgConnection,
    address: &str,
) -> QueryResult<Option<i64>> {
    let n = q::record_failure(conn, address, WINDOW_SECONDS as f64).await?;
    if n > LIMIT {
        if n == LIMIT + 1 {
            tracing::warn!(address, failures = n, "respondent link look-ups throttled");
        }
        Ok(Some(WINDOW_SECONDS))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(Some(a)), address_key(Some(b)));
        assert_eq!(address_key(Some(a)), "2001:db8:1:2::/64");
        assert_eq!(address_key(Some("10.0.0.1".parse().unwrap())), "10.0.0.1");
        assert_eq!(
            address_key(Some("::ffff:10.0.0.1".parse().unwrap())),
            "10.0.0.1"
        );
        assert_eq!(address_key(None), "unknown");
    }
}

//! Staff authentication and authorisation: password hashing, server-side sessions, the
//! permission table, CSRF, login throttling, and the middleware that enforces them on
//! every route.

pub mod csrf;
pub mod link_throttle;
pub mod links;
pub mod middleware;
pub mod password;
pub mod permissions;
pub mod principal;
pub mod session;
pub mod throttle;

use sha2::{Digest, Sha256};

/// SHA-256 of a secret token, hex-encoded: what the database stores instead of it.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token with 256 bits of entropy (43 alphanumeric characters).
pub fn new_token() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 43)
}

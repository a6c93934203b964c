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

/// The token generator and hash live in [`crate::domain::token`] (one for every token
/// the service issues); re-exported here for the authentication code.
pub use crate::domain::token::{new_token, token_sha256};

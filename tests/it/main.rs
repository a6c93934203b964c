//! The one integration-test binary: HTTP, database and rendering tested through the
//! public surface of a running application.

mod helpers;
mod respondent_flow;

//! The one integration-test binary: HTTP, database and rendering tested through the
//! public surface of a running application.

// The risk-rule tests write whole answer sets with `serde_json::json!`.
#![recursion_limit = "256"]

mod access;
mod api;
mod auth;
mod browser;
mod cli;
mod database;
mod embedded;
mod helpers;
mod loader;
mod mail;
mod respondent;
mod respondent_flow;
mod risk_rules;
mod risk_rules_v3;

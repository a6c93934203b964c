//! HTTP routes: thin handlers that parse, call a service, and render.

pub mod account;
pub mod api;
pub mod health;
pub mod pages;
pub mod receipt;
pub mod respondent;
pub mod staff;

use actix_web::web;

/// Moved to [`crate::state`]; re-exported so that code written against the old path
/// (branches merged after this one) still compiles.
pub use crate::state::AppState;

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").configure(api::configure))
        .configure(respondent::configure)
        .configure(receipt::configure)
        .configure(account::configure)
        .configure(staff::configure)
        .configure(pages::configure)
        .configure(health::configure);
}

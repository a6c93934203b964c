//! HTTP routes: thin handlers that parse, call a service, and render.

pub mod account;
pub mod api;
pub mod health;
pub mod multipart;
pub mod pages;
pub mod receipt;
pub mod respondent;
pub mod respondent_clarification;
pub mod staff;

use actix_web::web;

/// Moved to [`crate::state`]; re-exported so that code written against the old path
/// (branches merged after this one) still compiles.
pub use crate::state::AppState;

/// A path id that is not a UUID is simply "not found" (`what`), for the API and the
/// pages alike (`PageError` converts from `AppError`). It reads a plain `Uuid` or a typed
/// id of `domain::ids` (`let id: CampaignId = path_id(…)?`).
pub(crate) fn path_id<Id: std::str::FromStr>(
    raw: &str,
    what: &'static str,
) -> Result<Id, crate::error::AppError> {
    raw.parse()
        .map_err(|_| crate::error::AppError::NotFound(what))
}

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").configure(api::configure))
        .configure(respondent::configure)
        .configure(respondent_clarification::configure)
        .configure(receipt::configure)
        .configure(account::configure)
        .configure(staff::configure)
        .configure(pages::configure)
        .configure(health::configure);
}

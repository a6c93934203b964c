//! The JSON API for staff tools and integrations, one file per area: organisations
//! (and their contacts and rating), campaigns (and invitations), questionnaires, and
//! responses (their flags). Every body in and out is a type in [`types`].

mod campaigns;
mod organisations;
mod questionnaires;
mod responses;
pub mod types;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(organisations::configure)
        .configure(questionnaires::configure)
        .configure(campaigns::configure)
        .configure(responses::configure);
}

/// Path ids that are not UUIDs are simply "not found".
use super::path_id;

//! HTTP routes: thin handlers that parse, call a service, and render.

pub mod account;
pub mod api;
pub mod api_campaigns;
pub mod health;
pub mod jobs;
pub mod pages;
pub mod respondent;
pub mod staff;
pub mod staff_campaigns;

use crate::config::Settings;
use crate::db::Pool;
use crate::services::templates::TemplateRegistry;
use actix_web::web;
use std::sync::Arc;

/// Shared by every handler.
pub struct AppState {
    pub pool: Pool,
    pub registry: Arc<TemplateRegistry>,
    pub settings: Arc<Settings>,
    /// Signs respondent form tokens.
    pub secret_key: Vec<u8>,
    /// Signs the audit chain's head (derived from `secret_key`).
    pub audit_key: crate::db::audit::AuditKey,
    /// Queues background work (emails); services wake the worker after their commit.
    pub jobs: crate::jobs::Jobs,
    /// Derive respondent link tokens, so reminders can resend the same link.
    pub link_keys: crate::auth::links::LinkKeys,
}

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(api::configure)
            .configure(api_campaigns::configure),
    )
    .configure(respondent::configure)
    .configure(account::configure)
    .configure(staff::configure)
    .configure(staff_campaigns::configure)
    .configure(jobs::configure)
    .configure(pages::configure)
    .configure(health::configure);
}

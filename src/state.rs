//! The state every handler shares, built once at start-up (`startup.rs`).

use crate::config::Settings;
use crate::db::Pool;
use crate::services::templates::TemplateRegistry;
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
    /// Wakes the email worker after a message is queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
}

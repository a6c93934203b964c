//! The state every handler shares, built once at start-up (`startup.rs`).

use crate::config::Settings;
use crate::db::Pool;
use crate::services::questionnaires::QuestionnaireRegistry;
use std::sync::Arc;

/// Shared by every handler. Each HTTP worker thread has its own copy with its own pool
/// ([`AppState::with_pool`], `startup.rs`); everything else is shared.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub registry: Arc<QuestionnaireRegistry>,
    pub settings: Arc<Settings>,
    /// Signs respondent form tokens.
    pub secret_key: Vec<u8>,
    /// Signs the audit chain's head (derived from `secret_key`).
    pub audit_key: crate::db::audit::AuditKey,
    /// Queues background work (emails); services wake the worker after their commit.
    pub jobs: crate::jobs::Jobs,
    /// Derive respondent link tokens, so reminders can resend the same link.
    pub link_keys: crate::auth::links::LinkKeys,
    /// The receipt PDFs' font (checked at start-up, read on first use).
    pub receipt_font: Arc<crate::receipt_pdf::FontSource>,
    /// Receipt PDFs downloaded lately (`services::receipt_downloads`).
    pub receipt_downloads: Arc<crate::services::receipt_downloads::ReceiptDownloads>,
}

impl AppState {
    /// This state with another connection pool: an HTTP worker's own, so that its
    /// connections are driven on its own thread (see `startup::worker_pool_size`).
    pub fn with_pool(&self, pool: Pool) -> AppState {
        AppState {
            pool,
            ..self.clone()
        }
    }

    /// What the use cases need of this state (`services::Ctx`), borrowed.
    pub fn ctx(&self) -> crate::services::Ctx<'_> {
        crate::services::Ctx {
            audit_key: &self.audit_key,
            registry: &self.registry,
            link_keys: &self.link_keys,
            jobs: &self.jobs,
            public_base_url: &self.settings.public_base_url,
            evidence_quota_mb: self.settings.evidence_quota_mb,
        }
    }
}

//! What the use cases need of the running service besides a connection and an actor,
//! in one value: handlers pass `&state.ctx()` instead of five pieces of `AppState`.

use super::questionnaires::QuestionnaireRegistry;
use crate::auth::links::LinkKeys;
use crate::db::audit::AuditKey;
use crate::jobs::Jobs;

/// Borrowed from `AppState` (`AppState::ctx`), or put together by a command-line tool or
/// a benchmark from its own parts.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Signs the audit chain's head (`db::transaction`).
    pub audit_key: &'a AuditKey,
    /// The stored questionnaire versions.
    pub registry: &'a QuestionnaireRegistry,
    /// Derive respondent link tokens (`auth::links`).
    pub link_keys: &'a LinkKeys,
    /// Queues background work; a use case wakes the worker after its commit.
    pub jobs: &'a Jobs,
    /// The service's public address, for the links it hands out.
    pub public_base_url: &'a str,
    /// The evidence files a response may hold, in MiB.
    pub evidence_quota_mb: u64,
}

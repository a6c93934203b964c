//! The daily full verification of the audit log: every chain recomputed against its
//! signed head (`services::audit::verify_and_record`), the outcome recorded in the log
//! as `audit.verified` by the system, which the audit page shows. A broken log is an
//! error in the service's log too; the job itself succeeds (it did its work).

use super::{Failure, Worker};
use crate::db::audit::Actor;

/// How long after a verification the next one is queued.
pub const EVERY_SECONDS: f64 = 86_400.0;

/// How long a queued verification waits: an hour after the service starts (or after
/// the day since the last one), not in the middle of start-up's own work.
pub const DELAY_SECONDS: f64 = 3_600.0;

pub(super) async fn run(worker: &Worker) -> Result<(), Failure> {
    super::pass_job(async {
        let mut conn = worker.pool.get().await?;
        crate::services::audit::verify_and_record(&mut conn, &worker.audit_key, &Actor::System)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail()))
    })
    .await
}

/// Queues a verification, due in [`DELAY_SECONDS`], unless one is waiting or ran in
/// the last [`EVERY_SECONDS`].
pub async fn ensure_queued(worker: &Worker) -> anyhow::Result<bool> {
    let mut conn = worker.pool.get().await?;
    let kind = super::Kind::AuditVerify.as_str();
    Ok(crate::db::jobs::queue_periodic(&mut conn, kind, EVERY_SECONDS, DELAY_SECONDS).await?)
}

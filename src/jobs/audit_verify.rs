//! The full verification of the audit log as a job: every chain recomputed against its
//! signed head (`services::audit::verify_and_record`), the outcome recorded in the log
//! as `audit.verified`, which the audit page shows. Daily, by the system, and whenever
//! a member asks on the audit page (`services::audit::request_verification`: the
//! payload names them); one at a time, since a pending or running verification takes
//! the request. A broken log is an error in the service's log too; the job itself
//! succeeds (it did its work).

use super::{Claimed, Failure, Worker};
use crate::db::audit::Actor;
use serde_json::{json, Value};

/// How long after a verification the next daily one is queued.
pub const EVERY_SECONDS: f64 = 86_400.0;

/// How long the first daily verification waits: an hour after the service first starts,
/// not in the middle of start-up's own work. Later ones are due a day after the last.
pub const FIRST_DELAY_SECONDS: f64 = 3_600.0;

/// The payload of a verification a member asked for.
pub fn asked_by(actor: &Actor) -> Value {
    match actor {
        Actor::Staff(id) => json!({ "staff": id }),
        Actor::Api(id) => json!({ "api": id }),
        Actor::Contact(_) | Actor::System => json!({}),
    }
}

fn actor_of(payload: &Value) -> Actor {
    let id = |k: &str| payload.get(k).and_then(Value::as_str).map(String::from);
    match (id("staff"), id("api")) {
        (Some(staff), _) => Actor::Staff(staff),
        (None, Some(api)) => Actor::Api(api),
        (None, None) => Actor::System,
    }
}

pub(super) async fn run(worker: &Worker, job: &Claimed) -> Result<(), Failure> {
    super::pass_job(async {
        let mut conn = worker.pool.get().await?;
        let actor = actor_of(&job.payload);
        crate::services::audit::verify_and_record(&mut conn, &worker.audit_key, &actor)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail()))
    })
    .await
}

/// Queues the daily verification unless one is waiting or ran in the last
/// [`EVERY_SECONDS`]: due at once when the log was verified before, else in
/// [`FIRST_DELAY_SECONDS`].
pub async fn ensure_queued(worker: &Worker) -> anyhow::Result<bool> {
    let mut conn = worker.pool.get().await?;
    let verified_before =
        !crate::db::audit::about_the_chains(&mut conn, crate::services::audit::VERIFIED, Some(1))
            .await?
            .is_empty();
    let delay = if verified_before {
        0.0
    } else {
        FIRST_DELAY_SECONDS
    };
    let kind = super::Kind::AuditVerify.as_str();
    Ok(crate::db::jobs::queue_periodic(&mut conn, kind, EVERY_SECONDS, delay).await?)
}

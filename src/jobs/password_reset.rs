//! The `password_reset` job: a reset request, queued by the request handler whatever the
//! address, handled here (`services::accounts::handle_reset_request`).

use super::{Claimed, Failure, Worker};
use crate::services::accounts;

pub(super) async fn run(worker: &Worker, job: &Claimed) -> Result<(), Failure> {
    let Some(email) = job.payload.get("email").and_then(|e| e.as_str()) else {
        return Err(Failure::Permanent("no email in the payload".into()));
    };
    let mut conn = worker
        .pool
        .get()
        .await
        .map_err(|e| Failure::Retry(format!("database: {e}")))?;
    accounts::handle_reset_request(&mut conn, &worker.audit_key, email, &worker.public_base_url)
        .await
        .map(|_| ())
        .map_err(|e| Failure::Retry(e.to_string()))
}

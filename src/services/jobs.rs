//! Background jobs as admins see them: the ones that failed, and retrying a dead one.

use super::Conn;
use crate::db::audit::{self, Actor};
use crate::db::jobs as q;
pub use crate::db::jobs::Job;
use crate::error::AppError;
use crate::jobs;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use uuid::Uuid;

/// Failed jobs listed at most on the jobs page.
pub const TROUBLED_LISTED: i64 = 500;

/// The jobs that failed: how many wait for their next try, how many are dead, and the
/// newest [`TROUBLED_LISTED`] of them with the recipient of those that send an email.
pub struct Troubled {
    pub failing: i64,
    pub dead: i64,
    pub newest: Vec<(Job, Option<String>)>,
    /// The dead emails by the server's answer (addresses written "…"), largest first.
    pub dead_emails: Vec<(String, i64)>,
}

/// Dead jobs and jobs waiting for a retry after a failure ([`Troubled`]).
pub async fn troubled(conn: &mut Conn) -> Result<Troubled, AppError> {
    let (failing, dead) = q::troubled_counts(conn).await?;
    Ok(Troubled {
        failing,
        dead,
        newest: q::troubled(conn, TROUBLED_LISTED).await?,
        dead_emails: q::dead_email_answers(conn, 20).await?,
    })
}

/// Queues again every dead email that the server refused with `answer` (as the jobs
/// page groups them), each with a fresh set of attempts: after a relay refused every
/// message at once (a wrong password, a sender it does not accept) and was fixed.
/// Returns how many; none left with that answer is a conflict (a second click).
pub async fn retry_dead_emails(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    actor: &Actor,
    answer: &str,
) -> Result<usize, AppError> {
    let n = crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let ids = q::revive_dead_emails(tx, answer).await?;
            if ids.is_empty() {
                return Err(AppError::Conflict(
                    "no dead email has that answer any more: they were queued again already".into(),
                ));
            }
            audit::append(
                tx,
                actor,
                "job.retried_many",
                "job",
                ids[0],
                // The count, not the ids: a relay that refused a launch's 90,000
                // invitations would make one entry of megabytes.
                json!({"answer": answer, "count": ids.len()}),
            )
            .await?;
            Ok(ids.len())
        }
        .scope_boxed()
    })
    .await?;
    ctx.jobs.wake();
    Ok(n)
}

/// Queues a dead job again with a fresh set of attempts.
pub async fn retry(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let before = q::find(tx, id).await?.ok_or(AppError::NotFound("job"))?;
            if !jobs::revive(tx, id).await? {
                return Err(AppError::Conflict(format!(
                    "only a dead job can be retried; this one is {}",
                    before.state
                )));
            }
            audit::append(
                tx,
                actor,
                "job.retried",
                "job",
                id,
                json!({"kind": before.kind, "attempts": before.attempts, "last_error": before.last_error}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    ctx.jobs.wake();
    Ok(())
}

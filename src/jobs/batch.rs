//! One pass of the worker over the due jobs: claim a batch, read what its jobs need,
//! run them side by side, record their outcomes in groups (see the module note of
//! [`crate::jobs`]).

use super::{
    action_plan_schedule, audit_verify, campaign_mail, campaign_schedule, password_reset,
    retry_delay_with_jitter, send_email, Claimed, Failure, Kind, RunStats, Worker,
};
use crate::db::campaign_mail::MailContext;
use crate::db::jobs as q;
use crate::db::Conn as AsyncPgConnection;
use crate::db::DbError;
use crate::domain::i18n::Lang;
use crate::domain::ids::ResponseId;
use crate::error::AppError;
use crate::receipt_pdf::ReceiptDocument;
use futures_util::StreamExt;
use scoped_futures::ScopedFutureExt;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Runs every due job (in batches) until none is left; returns what happened. Tests
/// call it directly; [`run`] calls it in a loop.
///
/// Per claimed batch the database sees a fixed number of statements, whatever the
/// batch's size: the claim, the messages' contexts (`send_email`) and the receipts of
/// the receipt emails (one transaction), and one recording
/// transaction per group of finished jobs. Jobs run side by side (`concurrency`) while
/// the outcomes of those already finished are recorded, so a send never waits for the
/// database, and an outcome is recorded as soon as the recorder is free (not at the end
/// of the batch).
pub async fn run_due(worker: &Worker) -> anyhow::Result<RunStats> {
    let mut stats = RunStats::default();
    {
        let mut conn = worker.pool.get().await?;
        // Handled reset requests (an address each) are kept a day, then forgotten.
        let handled = [
            Kind::PasswordReset.as_str(),
            Kind::CampaignSchedule.as_str(),
            Kind::ActionPlanSchedule.as_str(),
            Kind::AuditVerify.as_str(),
        ];
        for (id, kind) in q::housekeeping(&mut conn, &handled, 86_400.0).await? {
            tracing::error!(%id, kind, "job dead: its worker stopped during the last attempt");
            stats.dead += 1;
        }
    }
    loop {
        let (claimed, contexts) = claim_batch(worker, &mut stats).await?;
        if claimed.is_empty() {
            return Ok(stats);
        }
        run_batch(worker, claimed, contexts, &mut stats).await?;
    }
}

/// What a batch's `send_email` jobs need, read for the whole batch: each job's message
/// with its context, and each receipt email's receipt (or why it could not be made).
#[derive(Default)]
struct BatchReads {
    mail: HashMap<Uuid, MailContext>,
    receipts: HashMap<Uuid, Result<ReceiptDocument, String>>,
}

/// The batch's reads, or why they could not be made (then each of its `send_email` jobs
/// is retried later).
type Contexts = Result<BatchReads, String>;

/// Claims the next batch and reads what its jobs need. A job of an unknown kind is dead
/// at once. An empty batch: nothing is due.
async fn claim_batch(
    worker: &Worker,
    stats: &mut RunStats,
) -> anyhow::Result<(Vec<Claimed>, Contexts)> {
    let mut conn = worker.pool.get().await?;
    let rows = q::claim(&mut conn, worker.batch, worker.lease.as_secs_f64()).await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(kind) = Kind::parse(&row.kind) else {
            q::mark_dead(&mut conn, row.id, row.attempts, "unknown job kind").await?;
            stats.dead += 1;
            continue;
        };
        claimed.push(Claimed {
            id: row.id,
            kind,
            payload: row.payload,
            attempt: row.attempts,
            max_attempts: row.max_attempts,
        });
    }
    let emails: Vec<Uuid> = claimed
        .iter()
        .filter(|j| j.kind == Kind::SendEmail)
        .map(|j| j.id)
        .collect();
    let contexts = if emails.is_empty() {
        Ok(BatchReads::default())
    } else {
        // One transaction (one snapshot) for all the batch's reads.
        let emails = &emails;
        crate::db::plain_transaction::<_, AppError, _>(&mut conn, |tx| {
            async move {
                let mail = crate::db::campaign_mail::contexts_of_jobs(tx, emails).await?;
                let receipts = receipts_of(worker, tx, &mail).await?;
                Ok(BatchReads { mail, receipts })
            }
            .scope_boxed()
        })
        .await
        .map_err(|e| format!("database: {e}"))
    };
    Ok((claimed, contexts))
}

/// The receipts that the batch's receipt emails carry, by job id (each, or why it could
/// not be made). None when this worker makes no receipts (those emails are retried by a
/// worker that does).
async fn receipts_of(
    worker: &Worker,
    tx: &mut AsyncPgConnection,
    mail: &HashMap<Uuid, MailContext>,
) -> Result<HashMap<Uuid, Result<ReceiptDocument, String>>, AppError> {
    let Some(receipts) = worker.receipts.as_ref() else {
        return Ok(HashMap::new());
    };
    let wanted: Vec<(Uuid, ResponseId, Lang)> = mail
        .iter()
        .filter_map(|(job, ctx)| {
            let invitation = campaign_mail::receipt_invitation(ctx)?;
            Some((*job, invitation.response_id, invitation.language))
        })
        .collect();
    // The receipt is in the language the response was submitted in (the page's, which
    // the supplier may have switched from the invitation's).
    let asked: Vec<(ResponseId, Option<Lang>)> = wanted
        .iter()
        .map(|(_, response, _)| (*response, None))
        .collect();
    let docs: HashMap<ResponseId, Result<ReceiptDocument, String>> =
        crate::services::receipts::documents_in(tx, &receipts.registry, &asked)
            .await?
            .into_iter()
            .map(|(response, doc)| (response, doc.map_err(|e| format!("the receipt: {e}"))))
            .collect();
    // By response: two emails of one response (not made today: one receipt per
    // submission) would each get it.
    Ok(wanted
        .into_iter()
        .filter_map(|(job, response, _)| Some((job, docs.get(&response)?.clone())))
        .collect())
}

/// Runs a claimed batch (`concurrency` jobs at once) and records the outcomes as they
/// come, in groups (each group one transaction). The lease covers the whole batch.
async fn run_batch(
    worker: &Worker,
    claimed: Vec<Claimed>,
    mut contexts: Contexts,
    stats: &mut RunStats,
) -> anyhow::Result<()> {
    let (finished, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let running = async move {
        let mut runs = futures_util::stream::iter(claimed)
            .map(|job| {
                let (ctx, receipt) = match &mut contexts {
                    Ok(found) => (
                        Ok(found.mail.remove(&job.id)),
                        found.receipts.remove(&job.id),
                    ),
                    Err(e) => (Err(e.clone()), None),
                };
                run_one(worker, job, ctx, receipt)
            })
            .buffer_unordered(worker.concurrency.max(1));
        while let Some(outcome) = runs.next().await {
            // The receiver lives until every sender is gone: this cannot fail.
            let _ = finished.send(outcome);
        }
    };
    // A group is at least `concurrency` outcomes (or what is left of the batch): one
    // commit per group, so the commits stay few whatever the order sends finish in.
    let group_size = worker.concurrency.max(1);
    let recording = async {
        let mut group = Vec::new();
        loop {
            while group.len() < group_size {
                if outcomes.recv_many(&mut group, 1024).await == 0 {
                    break;
                }
            }
            if group.is_empty() {
                break;
            }
            for recorded in record(worker, std::mem::take(&mut group)).await? {
                match recorded {
                    Recorded::Done => stats.done += 1,
                    Recorded::Retry => stats.retried += 1,
                    Recorded::Dead => stats.dead += 1,
                    Recorded::Lost => {}
                }
            }
        }
        Ok::<_, anyhow::Error>(())
    };
    let ((), recorded) = tokio::join!(running, recording);
    recorded
}

/// Runs one claimed job; `ctx` is its message and `receipt` the receipt it carries
/// (`send_email` only).
async fn run_one(
    worker: &Worker,
    job: Claimed,
    ctx: Result<Option<MailContext>, String>,
    receipt: Option<Result<ReceiptDocument, String>>,
) -> (Claimed, Result<(), Failure>) {
    let outcome = match job.kind {
        Kind::SendEmail => send_email::run(worker, &job, ctx, receipt).await,
        Kind::PasswordReset => password_reset::run(worker, &job).await,
        Kind::CampaignSchedule => campaign_schedule::run(worker, &job).await,
        Kind::ActionPlanSchedule => action_plan_schedule::run(worker, &job).await,
        Kind::AuditVerify => audit_verify::run(worker, &job).await,
    };
    (job, outcome)
}

#[derive(Debug, Clone, Copy)]
enum Recorded {
    Done,
    Retry,
    Dead,
    /// The lease ran out and another worker has the job now.
    Lost,
}

/// Stores the outcomes of a group of attempts in one transaction: the successes in one
/// statement whatever their number (a sent message's status is its job's), each
/// failure on its own (failures are rare, and each has its own error and schedule).
async fn record(
    worker: &Worker,
    finished: Vec<(Claimed, Result<(), Failure>)>,
) -> anyhow::Result<Vec<Recorded>> {
    let mut conn = worker.pool.get().await?;
    let finished = &finished;
    // Successes alone are one statement: no transaction around it (two round trips and
    // a commit fewer per group). Failures are written with them in one transaction.
    let recorded = if finished.iter().all(|(_, outcome)| outcome.is_ok()) {
        record_in(&mut conn, finished).await?
    } else {
        crate::db::plain_transaction::<_, DbError, _>(&mut conn, |conn| {
            record_in(conn, finished).scope_boxed()
        })
        .await?
    };
    for ((job, outcome), recorded) in finished.iter().zip(&recorded) {
        match (recorded, outcome) {
            (Recorded::Done, _) => {
                tracing::info!(id = %job.id, kind = job.kind.as_str(), "job done")
            }
            (Recorded::Retry, Err(f)) => {
                tracing::warn!(id = %job.id, kind = job.kind.as_str(), attempt = job.attempt, error = ?f, "job failed; will retry")
            }
            (Recorded::Dead, Err(f)) => {
                tracing::error!(id = %job.id, kind = job.kind.as_str(), attempt = job.attempt, error = ?f, "job dead")
            }
            (Recorded::Lost, _) => {
                tracing::warn!(id = %job.id, kind = job.kind.as_str(), attempt = job.attempt, "job outcome not recorded: its lease expired and another worker took it over")
            }
            _ => {}
        }
    }
    Ok(recorded)
}

/// The statements of [`record`]: the successes in one, then each failure.
async fn record_in(
    conn: &mut AsyncPgConnection,
    finished: &[(Claimed, Result<(), Failure>)],
) -> Result<Vec<Recorded>, DbError> {
    let held: Vec<(Uuid, i32)> = finished
        .iter()
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(job, _)| (job.id, job.attempt))
        .collect();
    let done: HashSet<Uuid> = q::mark_done_many(conn, &held).await?.into_iter().collect();
    let mut recorded = Vec::with_capacity(finished.len());
    for (job, outcome) in finished {
        recorded.push(match outcome {
            Ok(()) if done.contains(&job.id) => Recorded::Done,
            Ok(()) => Recorded::Lost,
            Err(failure) => record_failure(conn, job, failure).await?,
        });
    }
    Ok(recorded)
}

/// Records one failed attempt: pending again after a backoff, or dead.
async fn record_failure(
    conn: &mut AsyncPgConnection,
    job: &Claimed,
    failure: &Failure,
) -> Result<Recorded, DbError> {
    let (recorded, kept) = match failure {
        Failure::Retry(e) if job.attempt < job.max_attempts => {
            let delay = retry_delay_with_jitter(job.attempt).as_secs_f64();
            (
                Recorded::Retry,
                q::mark_retry(conn, job.id, job.attempt, delay, &clip(e)).await?,
            )
        }
        Failure::Retry(e) => (
            Recorded::Dead,
            q::mark_dead(
                conn,
                job.id,
                job.attempt,
                &clip(&format!("gave up after {} attempts: {e}", job.attempt)),
            )
            .await?,
        ),
        Failure::Permanent(e) => (
            Recorded::Dead,
            q::mark_dead(conn, job.id, job.attempt, &clip(e)).await?,
        ),
    };
    Ok(if kept { recorded } else { Recorded::Lost })
}

fn clip(e: &str) -> String {
    e.chars().take(2000).collect()
}

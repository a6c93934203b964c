//! The `send_email` job: delivers one `email_outbox` message. The message row keeps its
//! delivery status (`queued`, `sent`, `failed`) and the server's last answer, for the
//! pages that show a contact's mail; the job keeps the attempts and the schedule.

use super::{Claimed, Failure, Jobs, Kind, NewJob, Worker};
use crate::db::campaign_mail::MailContext;
use crate::db::jobs as q;
use crate::db::Conn as AsyncPgConnection;
use crate::db::DbError;
use crate::email::{build_message_full, Email, SendError};
use uuid::Uuid;

/// Queues `email` (inside the caller's transaction); returns the job id, or `None` when
/// `dedup_key` was used before (then nothing is queued). The message row has the job's
/// id, and so does its Message-ID.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    jobs: &Jobs,
    email: &Email,
    dedup_key: Option<&str>,
) -> Result<Option<Uuid>, DbError> {
    let mut job = NewJob::new(Kind::SendEmail, serde_json::json!({}));
    if let Some(key) = dedup_key {
        job = job.dedup_key(key);
    }
    let Some(id) = jobs.enqueue(conn, job).await? else {
        return Ok(None);
    };
    q::insert_email(
        conn,
        &q::NewEmail {
            id,
            job_id: id,
            to_address: &email.to,
            subject: &email.subject,
            text_body: &email.text,
            html_body: email.html.as_deref(),
            purpose: None,
            campaign_id: None,
        },
    )
    .await?;
    Ok(Some(id))
}

/// Sends the job's message (no transaction open meanwhile); `ctx` is the message and
/// what it is about, read with the rest of the batch.
pub(super) async fn run(
    worker: &Worker,
    job: &Claimed,
    ctx: Result<Option<MailContext>, String>,
) -> Result<(), Failure> {
    let Some(ctx) = ctx.map_err(Failure::Retry)? else {
        return Err(Failure::Permanent("no message for this job".into()));
    };
    // The receipt email carries the receipt PDF, made now from the stored answers.
    // Boxed: the receipt's future is large, and the worker may run on a small stack.
    let attachments = match Box::pin(super::campaign_mail::receipt_attachment(worker, &ctx)).await {
        Some(pdf) => vec![pdf?],
        None => Vec::new(),
    };
    // A campaign email with a personal link is rendered now; others go as stored.
    let (email, reply_to) = match super::campaign_mail::render(worker, &ctx) {
        Some(rendered) => rendered?,
        None => (
            Email {
                to: ctx.to_address,
                subject: ctx.subject,
                text: ctx.text_body,
                html: ctx.html_body,
            },
            ctx.owner_email
                .filter(|_| ctx.purpose.as_deref() != Some("escalation")),
        ),
    };
    let sent = match build_message_full(
        job.id,
        &worker.mailer.from,
        &email,
        reply_to.as_deref(),
        &attachments,
    ) {
        Ok(message) => worker.mailer.transport.send(message).await,
        Err(e) => Err(e),
    };
    sent.map_err(|e| match e {
        SendError::Retry(m) => Failure::Retry(m),
        SendError::Permanent(m) => Failure::Permanent(m),
    })
}

/// The messages of successful attempts were accepted (inside the recording transaction).
pub(super) async fn record_sent(
    conn: &mut AsyncPgConnection,
    job_ids: &[Uuid],
) -> Result<(), DbError> {
    q::emails_sent(conn, job_ids).await
}

/// The message's side of a failed attempt (inside the recording transaction): the
/// server's answer; `failed` when no retry will follow.
pub(super) async fn record_error(
    conn: &mut AsyncPgConnection,
    job_id: Uuid,
    failure: &Failure,
    dead: bool,
) -> Result<(), DbError> {
    let (Failure::Retry(e) | Failure::Permanent(e)) = failure;
    q::email_error(conn, job_id, &super::clip(e), dead).await
}

/// The job died with its worker on the last attempt.
pub(super) async fn record_lost(conn: &mut AsyncPgConnection, job_id: Uuid) -> Result<(), DbError> {
    q::email_error(
        conn,
        job_id,
        "not confirmed: the worker stopped while sending",
        true,
    )
    .await
}

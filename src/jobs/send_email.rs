//! The `send_email` job: delivers the message its row carries. The job is the outbox
//! entry: one row per message, whose state is the delivery status (queued while
//! pending or running, sent when done, failed when dead) and whose `last_error` is the
//! server's last answer, for the pages that show a contact's mail.

use super::{Claimed, Failure, EMAIL_MAX_ATTEMPTS};
use crate::db::campaign_mail::MailContext;
use crate::db::jobs as q;
use crate::db::Conn as AsyncPgConnection;
use crate::db::DbError;
use crate::email::{build_message_full, Email, SendError, Shelf};
use crate::receipt_pdf::ReceiptDocument;
use uuid::Uuid;

/// Queues `email`, an account email (a password reset: no campaign purpose, so the local
/// outbox keeps it off the staff outbox page), inside the caller's transaction; returns
/// the job id, or `None` when `dedup_key` was used before (then nothing is queued). The job's id is the
/// message's Message-ID. Wake the worker (`Jobs::wake`) after the commit.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    email: &Email,
    dedup_key: Option<&str>,
) -> Result<Option<Uuid>, DbError> {
    q::insert_email(
        conn,
        Uuid::new_v4(),
        dedup_key,
        EMAIL_MAX_ATTEMPTS,
        &q::NewEmail {
            to_address: &email.to,
            subject: &email.subject,
            text_body: &email.text,
            html_body: email.html.as_deref(),
            purpose: None,
            campaign_id: None,
        },
    )
    .await
}

/// Sends the job's message (no transaction open meanwhile); `ctx` is the message and
/// what it is about, and `receipt` the receipt a receipt email carries, both read with
/// the rest of the batch.
pub(super) async fn run(
    worker: &super::Worker,
    job: &Claimed,
    ctx: Result<Option<MailContext>, String>,
    receipt: Option<Result<ReceiptDocument, String>>,
) -> Result<(), Failure> {
    let Some(ctx) = ctx.map_err(Failure::Retry)? else {
        return Err(Failure::Permanent("no message for this job".into()));
    };
    // A receipt email is written in its receipt's language: the one the response was
    // submitted in.
    let receipt_lang = receipt
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(|doc| doc.lang);
    // The receipt email carries the receipt PDF, made now from the stored answers.
    // Boxed: the receipt's future is large, and the worker may run on a small stack.
    let attachments = match Box::pin(super::campaign_mail::receipt_attachment(
        worker, &ctx, receipt,
    ))
    .await
    {
        Some(pdf) => vec![pdf?],
        None => Vec::new(),
    };
    // A campaign email with a personal link is rendered now; others go as stored.
    let (email, reply_to) = match super::campaign_mail::render(worker, &ctx, receipt_lang) {
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
    // Mail without a campaign purpose is account mail (password resets, the only mail
    // `queue` writes): kept off the staff outbox page.
    let shelf = if ctx.purpose.is_some() {
        Shelf::Campaign
    } else {
        Shelf::Account
    };
    let sent = match build_message_full(
        job.id,
        &worker.mailer.from,
        &email,
        reply_to.as_deref(),
        &attachments,
    ) {
        Ok(message) => worker.mailer.transport.send(message, shelf).await,
        Err(e) => Err(e),
    };
    sent.map_err(|e| match e {
        SendError::Retry(m) => Failure::Retry(m),
        SendError::Permanent(m) => Failure::Permanent(m),
    })
}

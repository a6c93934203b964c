//! The outbox worker: claims due messages with `FOR UPDATE SKIP LOCKED` (so several
//! workers never send one message twice), sends them, and records the result.

use crate::db::schema::email_outbox;
use crate::db::Pool;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder (development default). The folder is 0700 and each file
    /// 0600: messages hold reset links, so only the service's user may read them.
    Files(PathBuf),
}

impl Transport {
    /// SMTP for `smtp_url`, else files under `data_dir/outbox`.
    pub fn from_settings(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Transport> {
        match smtp_url {
            Some(url) => Ok(Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("invalid SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            )),
            None => {
                use std::os::unix::fs::PermissionsExt;
                let dir = data_dir.join("outbox");
                std::fs::create_dir_all(&dir)?;
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
                Ok(Transport::Files(dir))
            }
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(dir) => write_private(dir, &message)
                .await
                .map_err(|e| e.to_string()),
        }
    }
}

/// Writes `message` as `<uuid>.eml` (the name lettre's file transport uses), created
/// with mode 0600 so it is never readable by others, not even for a moment.
async fn write_private(dir: &std::path::Path, message: &Message) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let path = dir.join(format!("{}.eml", Uuid::new_v4()));
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .await?;
    file.write_all(&message.formatted()).await?;
    file.sync_all().await
}

/// Delivery settings.
#[derive(Clone)]
pub struct Outbox {
    pub pool: Pool,
    pub transport: Transport,
    pub from: Mailbox,
    /// Wakes the worker early after a message is queued.
    pub wake: Arc<Notify>,
}

/// Delay before retry `attempt` (1-based): 30 s, 1 min, 2 min … capped at one hour.
pub fn retry_delay(attempt: i32) -> Duration {
    let secs = 30i64 << (attempt.clamp(1, 8) - 1);
    Duration::seconds(secs.min(3600))
}

type Claimed = (Uuid, String, String, String, Option<String>, i32);

/// Sends every due message once; returns (sent, failed).
pub async fn deliver_due(outbox: &Outbox) -> anyhow::Result<(usize, usize)> {
    let mut conn = outbox.pool.get().await?;
    let mut sent = 0;
    let mut failed = 0;
    loop {
        // Each message is claimed, sent and recorded in its own transaction: a crash
        // mid-send leaves it queued (at-least-once delivery).
        let result = conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                async move {
                    let claimed: Option<Claimed> = email_outbox::table
                        .filter(email_outbox::sent_at.is_null())
                        .filter(email_outbox::next_attempt_at.le(Utc::now()))
                        .order(email_outbox::next_attempt_at.asc())
                        .for_update()
                        .skip_locked()
                        .select((
                            email_outbox::id,
                            email_outbox::to_address,
                            email_outbox::subject,
                            email_outbox::text_body,
                            email_outbox::html_body,
                            email_outbox::attempts,
                        ))
                        .first(conn)
                        .await
                        .optional()?;
                    let Some(row) = claimed else { return Ok(None) };
                    let outcome = match build(outbox, &row) {
                        Ok(message) => outbox.transport.send(message).await,
                        Err(e) => Err(e),
                    };
                    record(conn, &row, &outcome).await?;
                    Ok(Some(outcome.is_ok()))
                }
                .scope_boxed()
            })
            .await?;
        match result {
            None => return Ok((sent, failed)),
            Some(true) => sent += 1,
            Some(false) => failed += 1,
        }
    }
}

fn build(outbox: &Outbox, row: &Claimed) -> Result<Message, String> {
    let (id, to, subject, text, html, _) = row;
    let to: Mailbox = to.parse().map_err(|e| format!("bad address: {e}"))?;
    let domain = outbox.from.email.domain().to_string();
    let builder = Message::builder()
        .from(outbox.from.clone())
        .to(to)
        .subject(subject.clone())
        .message_id(Some(format!("<{id}@{domain}>")));
    let message = match html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html.clone()),
                ),
        ),
        None => builder.header(ContentType::TEXT_PLAIN).body(text.clone()),
    };
    message.map_err(|e| e.to_string())
}

async fn record(
    conn: &mut AsyncPgConnection,
    row: &Claimed,
    outcome: &Result<(), String>,
) -> QueryResult<()> {
    let (id, to, .., attempts) = row;
    let attempt = attempts + 1;
    match outcome {
        Ok(()) => {
            diesel::update(email_outbox::table.find(id))
                .set((
                    email_outbox::sent_at.eq(Utc::now()),
                    email_outbox::attempts.eq(attempt),
                    email_outbox::last_error.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
            tracing::info!(%id, to = %to, "email sent");
        }
        Err(e) => {
            diesel::update(email_outbox::table.find(id))
                .set((
                    email_outbox::attempts.eq(attempt),
                    email_outbox::last_error.eq(e.chars().take(1000).collect::<String>()),
                    email_outbox::next_attempt_at.eq(Utc::now() + retry_delay(attempt)),
                ))
                .execute(conn)
                .await?;
            tracing::warn!(%id, attempt, error = %e, "email delivery failed; will retry");
        }
    }
    Ok(())
}

/// Runs forever: delivers due messages when woken and at least every `interval`.
pub async fn run(outbox: Outbox, interval: std::time::Duration) {
    loop {
        if let Err(e) = deliver_due(&outbox).await {
            tracing::warn!(error = %e, "outbox worker");
        }
        tokio::select! {
            _ = outbox.wake.notified() => {}
            _ = tokio::time::sleep(interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(1), Duration::seconds(30));
        assert_eq!(retry_delay(2), Duration::seconds(60));
        assert_eq!(retry_delay(8), Duration::seconds(3600));
        assert_eq!(retry_delay(50), Duration::seconds(3600));
    }
}

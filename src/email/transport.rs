//! Where mail goes: an SMTP relay, or `.eml` files in the data folder (development).

use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

/// Why a message was not delivered, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// A 4xx answer, a connection or a file-system error: retry later.
    Retry(String),
    /// A 5xx answer (with the server's text) or a message that cannot be built.
    Permanent(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Retry(m) | SendError::Permanent(m) => m,
        }
    }
}

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder (development default).
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
                let dir = data_dir.join("outbox");
                std::fs::create_dir_all(&dir)?;
                Ok(Transport::Files(dir))
            }
        }
    }

    /// Sends one message; a 5xx answer is permanent, anything else may be retried.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Retry(e.to_string())
                }
            }),
            Transport::Files(dir) => AsyncFileTransport::<Tokio1Executor>::new(dir)
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Retry(e.to_string())),
        }
    }
}

/// What the email job needs: the transport and the sender.
#[derive(Clone)]
pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
}

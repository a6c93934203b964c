//! Where mail goes: an SMTP relay, or `.eml` files in the data folder (development).

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
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
    /// `.eml` files in a folder (development default). The folder is 0700 and each file
    /// 0600: messages hold personal links, so only the service's user may read them.
    Files(PathBuf),
}

/// Who may read a message written to the local outbox ([`Transport::Files`]); an SMTP
/// relay delivers both alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shelf {
    /// Campaign mail (invitations, reminders, receipts, clarifications, staff notices):
    /// `outbox/`, which the staff outbox page lists for procurement.
    Campaign,
    /// Account mail (password resets): `outbox/account/`, which no page lists. A reset
    /// link in a page that procurement can read would let them take over any account.
    Account,
}

/// The folder of the local outbox's account mail, under the outbox folder.
pub const ACCOUNT_FOLDER: &str = "account";

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
                for folder in [dir.clone(), dir.join(ACCOUNT_FOLDER)] {
                    std::fs::create_dir_all(&folder)?;
                    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700))?;
                }
                Ok(Transport::Files(dir))
            }
        }
    }

    /// Sends one message; a 5xx answer is permanent, anything else may be retried. In
    /// the local outbox, `shelf` decides the folder.
    pub async fn send(&self, message: Message, shelf: Shelf) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Retry(e.to_string())
                }
            }),
            Transport::Files(dir) => match shelf {
                Shelf::Campaign => write_private(dir, &message).await,
                Shelf::Account => write_private(&dir.join(ACCOUNT_FOLDER), &message).await,
            }
            .map_err(|e| SendError::Retry(e.to_string())),
        }
    }
}

/// Writes `message` as `<uuid>.eml` (the name lettre's file transport uses), created
/// with mode 0600 so it is never readable by others, not even for a moment. It is
/// written under a hidden name and renamed when complete, so whoever lists the folder
/// (the outbox page, a test) never sees half a message, and a failed write leaves none.
async fn write_private(dir: &std::path::Path, message: &Message) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let id = uuid::Uuid::new_v4();
    let partial = dir.join(format!(".{id}.eml.partial"));
    let write = async {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .await?;
        file.write_all(&message.formatted()).await?;
        file.sync_all().await?;
        tokio::fs::rename(&partial, dir.join(format!("{id}.eml"))).await
    };
    let written = write.await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    written
}

/// What the email job needs: the transport and the sender.
#[derive(Clone)]
pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
}

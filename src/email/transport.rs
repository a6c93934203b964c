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

    /// Sends one message; a 5xx answer is permanent (but [`refuses_this_service`]'s),
    /// anything else may be retried. In the local outbox, `shelf` decides the folder.
    pub async fn send(&self, message: Message, shelf: Shelf) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                let code = e.status().map(u16::from);
                if refuses_this_service(code) {
                    SendError::Retry(format!(
                        "the mail server refused this service's sign-in, not the message \
                         (check SMTP_URL's user, password and TLS; retried meanwhile): {e}"
                    ))
                } else if e.is_permanent() {
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

/// Whether an SMTP answer is about this service's standing with the relay rather than
/// the message (RFC 4954): 530 (authentication required, or STARTTLS first), 534
/// (mechanism too weak), 535 (credentials refused), 538 (encryption required). A relay
/// whose password changed answers one of them to every message; they are retried like a
/// relay that is down (as Postfix defers mail when its relay refuses its login), so
/// that putting the password right delivers them, instead of each being dead at once.
pub fn refuses_this_service(code: Option<u16>) -> bool {
    matches!(code, Some(530 | 534 | 535 | 538))
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

#[cfg(test)]
mod tests {
    use super::refuses_this_service;

    #[test]
    fn a_refused_sign_in_is_the_relays_answer_and_a_refused_mailbox_the_messages() {
        for code in [530, 534, 535, 538] {
            assert!(refuses_this_service(Some(code)), "{code}");
        }
        for code in [550, 551, 552, 553, 554, 421, 450, 451] {
            assert!(!refuses_this_service(Some(code)), "{code}");
        }
        assert!(!refuses_this_service(None));
    }
}

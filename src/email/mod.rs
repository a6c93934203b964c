//! Email messages: bodies rendered from askama templates (subject, text and HTML per
//! language, [`templates`]), the MIME message with its headers ([`build_message`]), and
//! where it goes ([`Transport`]).
//!
//! Nothing sends mail from a request: a service queues a `send_email` job in the same
//! transaction as the change it reports (`jobs::send_email::queue`), and the job worker
//! delivers it.

pub mod action_plan;
pub mod campaign;
pub mod eml;
pub mod templates;
mod transport;
pub mod written;

pub use transport::{Mailer, SendError, Shelf, Transport, ACCOUNT_FOLDER};

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;
use uuid::Uuid;

/// A rendered message, ready to queue.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Email {
    /// Puts a message together from its rendered parts, the one way every email is
    /// tidied: the subject on one line, the text without trailing spaces or runs of
    /// blank lines (whatever the templates' tags left), ending with one newline. `html`
    /// gets the tidied subject (for the page's `<title>`).
    pub fn assemble(
        to: &str,
        subject: &str,
        text: &str,
        html: impl FnOnce(&str) -> askama::Result<String>,
    ) -> askama::Result<Email> {
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        let html = html(&subject)?;
        Ok(Email {
            to: to.to_string(),
            subject,
            text: tidy(text),
            html: Some(html),
        })
    }
}

/// The language an email's text is actually in: the questionnaire languages have their
/// own text; any other gets English.
fn text_lang(lang: crate::domain::i18n::Lang) -> crate::domain::i18n::Lang {
    use crate::domain::i18n::Lang;
    match lang {
        Lang::En | Lang::Ja | Lang::Vi => lang,
        Lang::Zh => Lang::En,
    }
}

/// Trims line ends and the whole text, and keeps at most one blank line in a row.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no auto-replies, no vacation notices.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// The Message-ID of the message sent by job `id`: stable across retries, so a copy
/// delivered twice (a worker that died between the server's answer and recording it)
/// is recognisable as the same message.
pub fn message_id(id: Uuid, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// The MIME message for `email`, sent by job `id`: Message-ID from the job, Date (added
/// by lettre), `Auto-Submitted`, and text with an HTML alternative when there is one.
pub fn build_message(id: Uuid, from: &Mailbox, email: &Email) -> Result<Message, SendError> {
    build_message_with(id, from, email, None)
}

/// [`build_message`] with a `Reply-To` (a campaign email: replies go to the campaign's
/// owner, not to the no-reply sender). An owner address that does not parse is left out.
pub fn build_message_with(
    id: Uuid,
    from: &Mailbox,
    email: &Email,
    reply_to: Option<&str>,
) -> Result<Message, SendError> {
    build_message_full(id, from, email, reply_to, &[])
}

/// The `Reply-To` mailbox of an owner address; `None` when there is none or it does not
/// parse (then the message has no `Reply-To`, and replies would reach the sender).
pub fn reply_to_mailbox(owner: Option<&str>) -> Option<Mailbox> {
    owner.and_then(|r| r.parse::<Mailbox>().ok())
}

/// A file sent with a message (the receipt PDF), made when the message is sent.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// [`build_message_with`] with files: `multipart/mixed` of the text (and HTML) and the
/// attachments.
pub fn build_message_full(
    id: Uuid,
    from: &Mailbox,
    email: &Email,
    reply_to: Option<&str>,
    attachments: &[Attachment],
) -> Result<Message, SendError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?;
    let mut builder = Message::builder();
    if let Some(reply_to) = reply_to_mailbox(reply_to) {
        builder = builder.reply_to(reply_to);
    }
    let builder = builder
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(message_id(id, from)))
        .date_now()
        .header(AutoSubmitted);
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone());
    let body = email.html.as_ref().map(|html| {
        MultiPart::alternative()
            .singlepart(text.clone())
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            )
    });
    let message = match (body, attachments.is_empty()) {
        (Some(body), true) => builder.multipart(body),
        (None, true) => builder.singlepart(text),
        (body, false) => {
            let mut mixed = match body {
                Some(body) => MultiPart::mixed().multipart(body),
                None => MultiPart::mixed().singlepart(text),
            };
            for a in attachments {
                let content_type = ContentType::parse(a.content_type)
                    .map_err(|e| SendError::Permanent(format!("attachment type: {e}")))?;
                mixed = mixed.singlepart(
                    lettre::message::Attachment::new(a.file_name.clone())
                        .body(a.bytes.clone(), content_type),
                );
            }
            builder.multipart(mixed)
        }
    };
    message.map_err(|e| SendError::Permanent(e.to_string()))
}

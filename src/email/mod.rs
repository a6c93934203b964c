//! Transactional email through an outbox.
//!
//! Nothing sends mail from a request: a service writes an `email_outbox` row in the same
//! transaction as the change it reports ([`enqueue`]), and the worker delivers it
//! ([`worker`]): SMTP when `SMTP_URL` is set, otherwise `.eml` files in the data folder's
//! `outbox/`. A failed delivery stays queued and is retried with growing delays, so an
//! SMTP outage loses nothing.

pub mod worker;

use crate::db::schema::email_outbox;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A message ready to queue.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Queues a message; call inside the transaction of the change it reports.
pub async fn enqueue(conn: &mut AsyncPgConnection, email: &Email) -> QueryResult<Uuid> {
    let id = Uuid::new_v4();
    diesel::insert_into(email_outbox::table)
        .values((
            email_outbox::id.eq(id),
            email_outbox::to_address.eq(&email.to),
            email_outbox::subject.eq(&email.subject),
            email_outbox::text_body.eq(&email.text),
            email_outbox::html_body.eq(&email.html),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

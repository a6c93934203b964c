//! The audit log as staff read it: the state of the hash chains and the newest entries.
//! (Entries are written by the services that make the changes, inside their
//! transactions; the one write here is opening the contact chains at start-up.)

use super::{accounts, Conn};
use crate::db::audit::{self, AuditKey};
use crate::db::listings;
use crate::error::AppError;
use std::collections::HashMap;

pub use crate::db::audit::{Broken, Entry};

/// What the audit page shows.
pub struct AuditLog {
    /// `Ok(n)`: all `n` entries verify against the chain and its signed head.
    pub chain: Result<usize, Broken>,
    /// The newest entries, newest first.
    pub entries: Vec<Entry>,
    /// Staff user id → email, to name the actors.
    pub people: HashMap<String, String>,
}

/// Verifies the whole chain and reads the newest `limit` entries.
pub async fn recent(conn: &mut Conn, key: &AuditKey, limit: i64) -> Result<AuditLog, AppError> {
    let chain = audit::verify_chain(conn, key).await?;
    let entries = listings::recent_audit(conn, limit).await?;
    let people = accounts::list_users(conn)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.email))
        .collect();
    Ok(AuditLog {
        chain,
        entries,
        people,
    })
}

/// Verifies the whole chain against its signed head (`audit verify`).
pub async fn verify(conn: &mut Conn, key: &AuditKey) -> Result<Result<usize, Broken>, AppError> {
    Ok(audit::verify_chain(conn, key).await?)
}

/// Opens the contact chains not opened yet (`db::audit::open_contact_chains`), at
/// start-up: returns the chains opened now.
pub async fn open_contact_chains(conn: &mut Conn, key: &AuditKey) -> Result<Vec<i16>, AppError> {
    use scoped_futures::ScopedFutureExt;
    Ok(
        crate::db::transaction::<_, crate::db::DbError, _>(conn, key, |tx| {
            audit::open_contact_chains(tx).scope_boxed()
        })
        .await?,
    )
}

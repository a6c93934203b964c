//! The append-only, hash-chained audit log.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
//! content, so changing or deleting any row breaks every hash after it
//! ([`verify_chain`] finds the first break). Appends are serialised with a transaction
//! advisory lock, so the chain stays linear under concurrent writers; call [`append`]
//! inside the transaction that makes the change it records.

use super::schema::audit_log;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Lock key for `pg_advisory_xact_lock`: "HRDD" in ASCII.
const AUDIT_LOCK_KEY: i64 = 0x4852_4444;

/// Who did something.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A supplier or site contact, through their link.
    Contact(uuid::Uuid),
    /// A staff member (later: user id).
    Staff(String),
    /// An API client.
    Api(String),
    /// The platform itself (start-up, jobs).
    System,
}

impl Actor {
    fn kind_and_id(&self) -> (&'static str, Option<String>) {
        match self {
            Actor::Contact(id) => ("contact", Some(id.to_string())),
            Actor::Staff(id) => ("staff", Some(id.clone())),
            Actor::Api(id) => ("api", Some(id.clone())),
            Actor::System => ("system", None),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry {
    occurred_at: DateTime<Utc>,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    subject_type: String,
    subject_id: String,
    details: Value,
    prev_hash: Option<String>,
    hash: String,
}

/// A stored entry.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub details: Value,
    pub prev_hash: Option<String>,
    pub hash: String,
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: Option<&str>,
    occurred_at: &DateTime<Utc>,
    actor_kind: &str,
    actor_id: Option<&str>,
    action: &str,
    subject_type: &str,
    subject_id: &str,
    details: &Value,
) -> String {
    // serde_json writes object keys in sorted order (no preserve_order feature), so the
    // same content always gives the same bytes.
    let canonical = json!({
        "prev": prev,
        "at": occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": details,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends one entry. Must run inside a transaction.
pub async fn append(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    action: &str,
    subject_type: &str,
    subject_id: impl ToString,
    details: Value,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(AUDIT_LOCK_KEY)
        .execute(conn)
        .await?;
    let prev: Option<String> = audit_log::table
        .select(audit_log::hash)
        .order(audit_log::id.desc())
        .first(conn)
        .await
        .optional()?;
    let occurred_at = Utc::now().trunc_subsecs(6);
    let (actor_kind, actor_id) = actor.kind_and_id();
    let subject_id = subject_id.to_string();
    let hash = entry_hash(
        prev.as_deref(),
        &occurred_at,
        actor_kind,
        actor_id.as_deref(),
        action,
        subject_type,
        &subject_id,
        &details,
    );
    diesel::insert_into(audit_log::table)
        .values(NewEntry {
            occurred_at,
            actor_kind: actor_kind.to_string(),
            actor_id,
            action: action.to_string(),
            subject_type: subject_type.to_string(),
            subject_id,
            details,
            prev_hash: prev,
            hash,
        })
        .execute(conn)
        .await?;
    Ok(())
}

/// Entries about one subject, oldest first.
pub async fn for_subject(
    conn: &mut AsyncPgConnection,
    subject_type: &str,
    subject_id: &str,
) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .filter(audit_log::subject_type.eq(subject_type))
        .filter(audit_log::subject_id.eq(subject_id))
        .order(audit_log::id.asc())
        .select(Entry::as_select())
        .load(conn)
        .await
}

/// Recomputes the whole chain; `Err(id)` names the first entry that does not match.
pub async fn verify_chain(conn: &mut AsyncPgConnection) -> QueryResult<Result<usize, i64>> {
    let entries: Vec<Entry> = audit_log::table
        .order(audit_log::id.asc())
        .select(Entry::as_select())
        .load(conn)
        .await?;
    let mut prev: Option<String> = None;
    for e in &entries {
        let expected = entry_hash(
            prev.as_deref(),
            &e.occurred_at,
            &e.actor_kind,
            e.actor_id.as_deref(),
            &e.action,
            &e.subject_type,
            &e.subject_id,
            &e.details,
        );
        if e.prev_hash != prev || e.hash != expected {
            return Ok(Err(e.id));
        }
        prev = Some(e.hash.clone());
    }
    Ok(Ok(entries.len()))
}

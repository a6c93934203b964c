//! The append-only, hash-chained audit log.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
//! content, so changing or deleting any row breaks every hash after it
//! ([`verify_chain`] finds the first break). Entries carry a gap-free `seq` (1, 2, 3 …;
//! ids come from a sequence and skip values on rollbacks), and the newest entry's seq and
//! hash are kept in `audit_head` with an HMAC under a key derived from the service's
//! secret key, which is not in the database: deleting the newest entries, even as a
//! database superuser with the triggers switched off, leaves a head that no longer
//! matches, and a new head cannot be signed without the key.
//!
//! There are several chains (migration `…000165`): chain 0 holds staff, API and system
//! entries (the committee's decisions among them) in one order; a contact's entries go
//! to one of [`CONTACT_CHAINS`] contact chains, so that submissions on different
//! connections do not commit one after another behind one head. Each chain is linked,
//! gap-free and headed on its own; appends to one chain are serialised by its head
//! row's lock, so it stays linear under concurrent writers (`(chain, seq)` and
//! `prev_hash` are also UNIQUE). [`append`] takes a
//! [`Tx`], which only [`super::transaction`] creates: an entry cannot be written outside
//! a transaction, and it is written in the transaction of the change it records.
//!
//! Verifying the chains is in [`verify`] (the whole log, and the quick check of the
//! heads); reading it by filter in [`read`].

mod read;
mod verify;

pub use read::{
    about_the_chains, count_since, for_subject, matching, subject_types, with_action_about, Filter,
};
pub use verify::{check_heads, verify_chain, verify_from, Broken};

use super::prepared::Prepare;
use super::schema::{audit_head, audit_log};
use super::Tx;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Lock key for `pg_advisory_xact_lock`: "HRDD" in ASCII.
const AUDIT_LOCK_KEY: i64 = 0x4852_4444;

/// Signs the head of the chain. Derived from the service's secret key, so a database
/// superuser who can rewrite every row still cannot sign a shortened chain.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// The audit key for a service secret key (domain-separated from its other uses).
    pub fn from_secret(secret: &[u8]) -> AuditKey {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"hrdd-audit-head-key");
        AuditKey(mac.finalize().into_bytes().into())
    }

    /// The head's MAC: over its seq and hash, and for a contact chain its number too
    /// (chain 0's bytes are as they were before there were several chains, so its
    /// stored signature stays valid; a contact chain's start with "chain:", which no
    /// seq's big-endian bytes do).
    fn mac(&self, chain: i16, seq: i64, hash: Option<&str>) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"audit-head:");
        if chain != 0 {
            mac.update(b"chain:");
            mac.update(&chain.to_be_bytes());
        }
        mac.update(&seq.to_be_bytes());
        mac.update(hash.unwrap_or("").as_bytes());
        mac
    }

    /// The signature of a chain's head at `seq` with `hash` (what `audit_head.mac` holds).
    pub fn sign(&self, chain: i16, seq: i64, hash: Option<&str>) -> String {
        hex::encode(self.mac(chain, seq, hash).finalize().into_bytes())
    }

    fn verifies(&self, chain: i16, seq: i64, hash: Option<&str>, mac: Option<&str>) -> bool {
        let Some(Ok(tag)) = mac.map(hex::decode) else {
            return false;
        };
        self.mac(chain, seq, hash).verify_slice(&tag).is_ok()
    }
}

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
    /// Position in its chain: 1, 2, 3 … without gaps.
    pub seq: i64,
    /// The chain: 0 for staff, API and system entries, 1–[`CONTACT_CHAINS`] for a
    /// contact's.
    pub chain: i16,
}

/// The hash an entry must have: SHA-256 (hex) of the canonical JSON of its predecessor's
/// hash and its own content. Public so that a log can be recomputed outside the service
/// (an export's rows carry every input) and built by tools (the benchmark's seeding).
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
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

/// A chain's anchored head: `(seq, hash, mac)` of its newest entry.
type Head = (i64, Option<String>, Option<String>);

/// Appends one entry after the anchored head, and moves the head (signed) to it.
///
/// The entry follows the head, not whatever row is newest: if the newest entries were
/// deleted, the gap stays visible. A head whose signature does not verify is not
/// re-signed (the new head is marked broken, so [`verify_chain`] keeps reporting it);
/// an unsigned head (`mac` NULL, as the migration leaves it) is signed on first use.
pub async fn append(
    tx: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    subject_type: &str,
    subject_id: impl ToString,
    details: Value,
) -> QueryResult<()> {
    let key = tx.audit_key().clone();
    let conn = tx.conn();
    let chain = chain_for(actor);
    // The head row's lock (held until commit) puts appends to one chain in one line;
    // only when the row is missing does the advisory lock do it (then the head is read
    // again: it may have been written meanwhile). One round trip while the row is there.
    let mut head = locked_head(conn, chain).await?;
    if head.is_none() {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(AUDIT_LOCK_KEY + i64::from(chain))
            .prepared()
            .execute(conn)
            .await?;
        head = locked_head(conn, chain).await?;
    }
    let (head_seq, prev, head_ok) = match head {
        Some((seq, hash, None)) => {
            if seq > 0 {
                tracing::warn!(chain, seq, "signing an unsigned audit head (first use after an upgrade, or it was cleared)");
            }
            (seq, hash, true)
        }
        Some((seq, hash, Some(mac))) => {
            let ok = key.verifies(chain, seq, hash.as_deref(), Some(&mac));
            if !ok {
                tracing::error!(chain, seq, "the audit head's signature does not verify: the log was altered (or the secret key changed)");
            }
            (seq, hash, ok)
        }
        None => {
            tracing::error!(chain, "the audit head row is missing: the log was altered");
            let last: Option<(i64, String)> = audit_log::table
                .filter(audit_log::chain.eq(chain))
                .select((audit_log::seq, audit_log::hash))
                .order(audit_log::seq.desc())
                .first(conn)
                .await
                .optional()?;
            let (seq, hash) = last.map_or((0, None), |(s, h)| (s, Some(h)));
            (seq, hash, false)
        }
    };
    let seq = head_seq + 1;
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
    let mac = if head_ok {
        key.sign(chain, seq, Some(&hash))
    } else {
        String::new()
    };
    // The entry and the head that now points at it, in one statement: the head's lock
    // is held until commit, so every round trip under it is a wait for the next append.
    diesel::sql_query(
        "WITH entry AS ( \
             INSERT INTO audit_log (occurred_at, actor_kind, actor_id, action, subject_type, \
                                    subject_id, details, prev_hash, hash, seq, chain) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12)) \
         INSERT INTO audit_head (chain, seq, hash, mac) VALUES ($12, $10, $9, $11) \
         ON CONFLICT (chain) DO UPDATE \
         SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(occurred_at)
    .bind::<diesel::sql_types::Text, _>(actor_kind)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(actor_id)
    .bind::<diesel::sql_types::Text, _>(action)
    .bind::<diesel::sql_types::Text, _>(subject_type)
    .bind::<diesel::sql_types::Text, _>(subject_id)
    .bind::<diesel::sql_types::Jsonb, _>(details)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(prev)
    .bind::<diesel::sql_types::Text, _>(hash)
    .bind::<diesel::sql_types::BigInt, _>(seq)
    .bind::<diesel::sql_types::Text, _>(mac)
    .bind::<diesel::sql_types::SmallInt, _>(chain)
    .prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// The contact chains: entries made by suppliers' and sites' contacts through their
/// links (submissions above all) are spread over these, so that two submissions do not
/// wait for each other's commit on one head; staff, API and system entries (the
/// committee's decisions among them) stay in one chain, 0, in one order.
pub const CONTACT_CHAINS: i16 = 16;

/// The chain an actor's entry goes to: a contact's to one of the contact chains (at
/// random: appends on different chains never wait for each other), everything else to
/// chain 0.
fn chain_for(actor: &Actor) -> i16 {
    match actor {
        Actor::Contact(_) => rand::random_range(1..=CONTACT_CHAINS),
        _ => 0,
    }
}

/// The anchored head of `chain`, locked until the end of the transaction.
async fn locked_head(conn: &mut AsyncPgConnection, chain: i16) -> QueryResult<Option<Head>> {
    audit_head::table
        .filter(audit_head::chain.eq(chain))
        .select((audit_head::seq, audit_head::hash, audit_head::mac))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Opens the contact chains that have no head yet: each gets an empty head signed with
/// `tx`'s key, and chain 0 an `audit.chains_opened` entry naming them, so that a whole
/// contact chain deleted with its head is missed by [`verify_chain`]. Run at start-up;
/// nothing happens when every chain is open.
pub async fn open_contact_chains(tx: &mut Tx<'_>) -> QueryResult<Vec<i16>> {
    let key = tx.audit_key().clone();
    let conn = tx.conn();
    let existing: Vec<i16> = audit_head::table
        .select(audit_head::chain)
        .load(conn)
        .await?;
    let new: Vec<i16> = (1..=CONTACT_CHAINS)
        .filter(|c| !existing.contains(c))
        .collect();
    if new.is_empty() {
        return Ok(new);
    }
    for chain in &new {
        diesel::insert_into(audit_head::table)
            .values((
                audit_head::chain.eq(chain),
                audit_head::seq.eq(0),
                audit_head::hash.eq(None::<String>),
                audit_head::mac.eq(key.sign(*chain, 0, None)),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    append(
        tx,
        &Actor::System,
        "audit.chains_opened",
        "audit",
        "chains",
        json!({ "chains": new }),
    )
    .await?;
    Ok(new)
}

/// The subject of the entries about the chains themselves (opened, verified).
pub const CHAINS_SUBJECT: (&str, &str) = ("audit", "chains");

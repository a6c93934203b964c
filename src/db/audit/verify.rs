//! Verifying the chains: the whole log recomputed in batches ([`verify_chain`]), and
//! the quick check of each chain's end against its signed head ([`check_heads`]), each
//! in one snapshot.

use super::{about_the_chains, entry_hash, AuditKey, Entry, CONTACT_CHAINS};
use crate::db::schema::{audit_head, audit_log};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use scoped_futures::ScopedFutureExt;
use serde_json::Value;

/// Where the chain fails to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// This entry (by id) does not follow from the one before it: it, or an entry
    /// before it, was changed, deleted or inserted.
    Entry(i64),
    /// The chain is intact up to `entries`, but the signed head says otherwise
    /// (`anchored`: the head's seq, if there is a head): the newest entries were deleted,
    /// or the head was rewritten without the key.
    Head {
        chain: i16,
        entries: usize,
        anchored: Option<i64>,
    },
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |chain: i16| match chain {
            0 => "chain 0 (staff, API and system entries)".to_string(),
            c => format!("contact chain {c}"),
        };
        match self {
            Broken::Entry(id) => write!(f, "the hash chain breaks at entry {id}"),
            Broken::Head {
                chain,
                entries,
                anchored: Some(seq),
            } if *seq as usize > *entries => write!(
                f,
                "the newest entries are missing: in {}, the signed head is its entry number {seq}, the log ends at number {entries}",
                name(*chain)
            ),
            Broken::Head { chain, .. } => {
                write!(f, "the signed head of {} does not match the log", name(*chain))
            }
        }
    }
}

/// A chain's head as stored: `(chain, seq, hash, mac)`.
type StoredHead = (i16, i64, Option<String>, Option<String>);

async fn heads(conn: &mut AsyncPgConnection) -> QueryResult<Vec<StoredHead>> {
    audit_head::table
        .order(audit_head::chain.asc())
        .select((
            audit_head::chain,
            audit_head::seq,
            audit_head::hash,
            audit_head::mac,
        ))
        .load(conn)
        .await
}

/// Whether `e` is the entry its content, its predecessor's hash and its place say.
fn follows(e: &Entry, prev: Option<&str>, seq: i64) -> bool {
    e.seq == seq
        && e.prev_hash.as_deref() == prev
        && e.hash
            == entry_hash(
                prev,
                &e.occurred_at,
                &e.actor_kind,
                e.actor_id.as_deref(),
                &e.action,
                &e.subject_type,
                &e.subject_id,
                &e.details,
            )
}

/// Checks a chain's end against its signed head: `newest` is the chain's newest entry
/// as `(seq, hash)` (`(0, None)` for an empty chain).
fn head_matches(
    key: &AuditKey,
    chain: i16,
    newest: (i64, Option<&str>),
    head: Option<&StoredHead>,
) -> Result<(), Broken> {
    match head {
        Some((_, seq, hash, mac))
            if *seq == newest.0
                && hash.as_deref() == newest.1
                && key.verifies(chain, *seq, hash.as_deref(), mac.as_deref()) =>
        {
            Ok(())
        }
        head => Err(Broken::Head {
            chain,
            entries: newest.0 as usize,
            anchored: head.map(|h| h.1),
        }),
    }
}

/// Entries read at once while a chain is verified: memory stays bounded whatever the
/// log's size.
const VERIFY_BATCH: i64 = 2_000;

/// Recomputes every chain and checks each against its signed head; the error says
/// where one breaks. `Ok(n)`: all `n` entries are intact and none is missing at the end
/// of any chain, and every contact chain chain 0 says was opened is there.
///
/// The entries are read chain by chain in batches of [`VERIFY_BATCH`] (by `(chain,
/// seq)`, the unique index), so a log of millions of entries is checked in constant
/// memory; chain 0 first, since its `audit.chains_opened` entries name the contact
/// chains that must exist.
pub async fn verify_chain(
    conn: &mut AsyncPgConnection,
    key: &AuditKey,
) -> QueryResult<Result<usize, Broken>> {
    in_one_snapshot(conn, |c| verify_all(c, key).scope_boxed()).await
}

/// Runs `f` in a read-only transaction that sees one snapshot: the heads and the
/// entries read after them are of the same moment, whatever is appended meanwhile
/// (read apart, an entry appended between the two reads looks like a chain running
/// past its head).
async fn in_one_snapshot<'a, T: Send + 'a>(
    conn: &'a mut AsyncPgConnection,
    f: impl for<'r> FnOnce(
            &'r mut AsyncPgConnection,
        ) -> scoped_futures::ScopedBoxFuture<'a, 'r, QueryResult<T>>
        + Send
        + 'a,
) -> QueryResult<T> {
    use diesel_async::{AnsiTransactionManager, TransactionManager};
    // Inside the caller's transaction (a test's, say) its snapshot is the one there is.
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        return f(conn).await;
    }
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(f)
        .await
}

/// Walks `chain` from just after `(seq, prev)` (its position and hash; `(0, None)` for
/// the start) to its end in batches, each entry checked against its predecessor;
/// `seen` is called with each. The end reached as `(seq, hash)`, or where it breaks.
async fn walk(
    conn: &mut AsyncPgConnection,
    chain: i16,
    (mut seq, mut prev): (i64, Option<String>),
    mut seen: impl FnMut(&Entry),
) -> QueryResult<Result<(i64, Option<String>), Broken>> {
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::chain.eq(chain))
            .filter(audit_log::seq.gt(seq))
            .order(audit_log::seq.asc())
            .limit(VERIFY_BATCH)
            .select(Entry::as_select())
            .load(conn)
            .await?;
        let full = batch.len() as i64 == VERIFY_BATCH;
        for e in batch {
            if !follows(&e, prev.as_deref(), seq + 1) {
                return Ok(Err(Broken::Entry(e.id)));
            }
            seen(&e);
            seq = e.seq;
            prev = Some(e.hash);
        }
        if !full {
            return Ok(Ok((seq, prev)));
        }
    }
}

async fn verify_all(
    conn: &mut AsyncPgConnection,
    key: &AuditKey,
) -> QueryResult<Result<usize, Broken>> {
    // A row outside the chains (only possible with their CHECK dropped) is not covered
    // by any head: it is a break in itself.
    let stray: Option<i64> = audit_log::table
        .filter(
            audit_log::chain
                .lt(0)
                .or(audit_log::chain.gt(CONTACT_CHAINS)),
        )
        .select(diesel::dsl::min(audit_log::id))
        .first(conn)
        .await?;
    if let Some(id) = stray {
        return Ok(Err(Broken::Entry(id)));
    }
    let heads = heads(conn).await?;
    let mut opened: Vec<i16> = Vec::new();
    let mut total = 0usize;
    for chain in 0..=CONTACT_CHAINS {
        let end = walk(conn, chain, (0, None), |e| {
            if chain == 0 && e.action == "audit.chains_opened" {
                opened.extend(opened_by(e));
            }
        })
        .await?;
        let (seq, prev) = match end {
            Ok(end) => end,
            Err(broken) => return Ok(Err(broken)),
        };
        let head = heads.iter().find(|h| h.0 == chain);
        // A contact chain with no entry, no head and not opened is not there to check;
        // chain 0 must be there as soon as any chain is.
        let required = opened.contains(&chain) || (chain == 0 && !heads.is_empty());
        if seq == 0 && head.is_none() && !required {
            continue;
        }
        if let Err(broken) = head_matches(key, chain, (seq, prev.as_deref()), head) {
            return Ok(Err(broken));
        }
        total += seq as usize;
    }
    Ok(Ok(total))
}

/// Checks `chain` from its entry `seq` to its signed head: that entry and every one
/// after it recomputed and linked, the last one the signed head. What a page can afford
/// for a recent entry (the last recorded verification): a change to it, or to anything
/// after it, shows. `Ok(n)`: the `n` entries from it to the head are intact.
pub async fn verify_from(
    conn: &mut AsyncPgConnection,
    key: &AuditKey,
    chain: i16,
    seq: i64,
) -> QueryResult<Result<usize, Broken>> {
    in_one_snapshot(conn, |c| {
        async move {
            let heads = heads(c).await?;
            let first: Option<Option<String>> = audit_log::table
                .filter(audit_log::chain.eq(chain))
                .filter(audit_log::seq.eq(seq))
                .select(audit_log::prev_hash)
                .first(c)
                .await
                .optional()?;
            let Some(prev) = first else {
                return Ok(Err(Broken::Head {
                    chain,
                    entries: 0,
                    anchored: heads.iter().find(|h| h.0 == chain).map(|h| h.1),
                }));
            };
            let (end, last) = match walk(c, chain, (seq - 1, prev), |_| {}).await? {
                Ok(end) => end,
                Err(broken) => return Ok(Err(broken)),
            };
            let head = heads.iter().find(|h| h.0 == chain);
            Ok(head_matches(key, chain, (end, last.as_deref()), head)
                .map(|()| (end - seq + 1) as usize))
        }
        .scope_boxed()
    })
    .await
}

/// The quick check a page can afford at every view, whatever the log's size: each
/// chain's newest entry against its signed head (the signature, the seq, the hash) and
/// its own hash recomputed. It finds the newest entries deleted, a head rewritten and
/// the newest entry changed; a change further back needs [`verify_chain`]. `Ok(n)`: the
/// heads anchor `n` entries in all.
pub async fn check_heads(
    conn: &mut AsyncPgConnection,
    key: &AuditKey,
) -> QueryResult<Result<usize, Broken>> {
    in_one_snapshot(conn, |c| check_ends(c, key).scope_boxed()).await
}

async fn check_ends(
    conn: &mut AsyncPgConnection,
    key: &AuditKey,
) -> QueryResult<Result<usize, Broken>> {
    let heads = heads(conn).await?;
    let opened = about_the_chains(conn, "audit.chains_opened", None)
        .await?
        .into_iter()
        .flat_map(|e| opened_by(&e))
        .collect::<Vec<i16>>();
    let mut total = 0usize;
    for chain in 0..=CONTACT_CHAINS {
        let newest: Option<Entry> = audit_log::table
            .filter(audit_log::chain.eq(chain))
            .order(audit_log::seq.desc())
            .select(Entry::as_select())
            .first(conn)
            .await
            .optional()?;
        let head = heads.iter().find(|h| h.0 == chain);
        let Some(newest) = newest else {
            if head.is_some() || opened.contains(&chain) {
                if let Err(broken) = head_matches(key, chain, (0, None), head) {
                    return Ok(Err(broken));
                }
            }
            continue;
        };
        if !follows(&newest, newest.prev_hash.as_deref(), newest.seq) {
            return Ok(Err(Broken::Entry(newest.id)));
        }
        if let Err(broken) = head_matches(key, chain, (newest.seq, Some(&newest.hash)), head) {
            return Ok(Err(broken));
        }
        total += newest.seq as usize;
    }
    Ok(Ok(total))
}

/// The contact chains an `audit.chains_opened` entry names.
fn opened_by(e: &Entry) -> Vec<i16> {
    e.details
        .get("chains")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| i16::try_from(c.as_i64()?).ok())
        .collect()
}

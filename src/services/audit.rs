//! The audit log as staff read it: a page of entries by filter, the quick check of the
//! chains' signed heads, and the full verification (on demand and daily), which is
//! itself recorded in the log. (Entries are written by the services that make the
//! changes, inside their transactions; the writes here are opening the contact chains
//! at start-up and recording verifications.)

use super::{accounts, Conn};
use crate::db::audit::{self, Actor, AuditKey, Filter, CHAINS_SUBJECT};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;

pub use crate::db::audit::{Broken, Entry};

/// Entries on one page of the audit log.
pub const PAGE_SIZE: i64 = 100;

/// The action of a recorded verification.
pub const VERIFIED: &str = "audit.verified";

/// What the audit page shows.
pub struct AuditLog {
    /// The chains' ends against their signed heads, checked at this view: `Ok(n)`, the
    /// heads anchor `n` entries.
    pub heads: Result<usize, Broken>,
    /// The newest full verification, if there was one.
    pub last_verified: Option<Verification>,
    /// A verification asked for and not finished: when it is due, and whether it runs.
    pub under_way: Option<(DateTime<Utc>, bool)>,
    /// The page: entries that match the filter, newest first.
    pub entries: Vec<Entry>,
    /// The id to read the next (older) page before, when there is one.
    pub older: Option<i64>,
    /// Staff user id → email, to name the actors.
    pub people: HashMap<String, String>,
    /// The kinds of subject the log has entries about (the filter's choices).
    pub subject_types: Vec<String>,
}

/// A recorded full verification of every chain.
pub struct Verification {
    pub at: DateTime<Utc>,
    /// Who asked: a staff member's email, or "the daily check".
    pub by: String,
    /// The entries verified (intact), or where the log breaks.
    pub outcome: Result<usize, String>,
    /// The record and every entry after it, checked at this view up to the signed
    /// head: `Err` when the record (or an entry since) was altered.
    pub since: Result<usize, Broken>,
}

/// The filter as a member typed it: `actor` is a staff member's email, an actor kind
/// (`staff`, `contact`, `api`, `system`) or an actor's id.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

const ACTOR_KINDS: [&str; 4] = ["staff", "contact", "api", "system"];

impl Query {
    /// The database's filter: an email is looked up among the staff (`people`: id →
    /// email); an email nobody has matches nothing rather than everything.
    fn filter(&self, people: &HashMap<String, String>) -> Filter {
        let mut f = Filter {
            action: self.action.clone(),
            subject_type: self.subject_type.clone(),
            subject_id: self.subject_id.clone(),
            from: self.from,
            until: self.until,
            ..Filter::default()
        };
        match self.actor.as_deref() {
            None => {}
            Some(kind) if ACTOR_KINDS.contains(&kind) => f.actor_kind = Some(kind.into()),
            Some(who) if who.contains('@') => {
                let id = people
                    .iter()
                    .find(|(_, email)| email.eq_ignore_ascii_case(who))
                    .map_or_else(|| format!("no staff member {who}"), |(id, _)| id.clone());
                f.actor_kind = Some("staff".into());
                f.actor_id = Some(id);
            }
            Some(id) => f.actor_id = Some(id.into()),
        }
        f
    }
}

/// Staff user id → email, to name actors.
pub async fn staff_emails(conn: &mut Conn) -> Result<HashMap<String, String>, AppError> {
    Ok(accounts::list_users(conn)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.email))
        .collect())
}

/// One page of the log (older than the entry `before` when given), with the heads'
/// check and the last full verification.
pub async fn page(
    conn: &mut Conn,
    key: &AuditKey,
    query: &Query,
    before: Option<i64>,
) -> Result<AuditLog, AppError> {
    let heads = audit::check_heads(conn, key).await?;
    let people = staff_emails(conn).await?;
    let last_verified = match audit::about_the_chains(conn, VERIFIED, Some(1))
        .await?
        .pop()
    {
        None => None,
        Some(e) => {
            // The record itself is checked from it to the signed head (at most a day of
            // staff entries, with the daily verification): a rewritten outcome shows.
            let since = audit::verify_from(conn, key, e.chain, e.seq).await?;
            Some(verification(&e, &people, since))
        }
    };
    let under_way = crate::db::jobs::next_of_kind(conn, crate::jobs::Kind::AuditVerify.as_str())
        .await?
        .filter(|(due, running)| {
            *running || *due <= chrono::Utc::now() + chrono::Duration::minutes(1)
        })
        // A running verification records its outcome before its job is marked done: once
        // a record is newer than the job's due time, that run is over (the page would
        // otherwise say "running" beside its outcome).
        .filter(|(due, running)| {
            !(*running && last_verified.as_ref().is_some_and(|v| v.at >= *due))
        });
    let mut entries = matching(conn, query, &people, before, PAGE_SIZE + 1).await?;
    let older = (entries.len() as i64 > PAGE_SIZE).then(|| {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.id)
    });
    // Suppliers' entries (a submission, a clarification's reply) named by the contact's
    // email too, not a bare id.
    let contacts: Vec<crate::domain::ids::ContactId> = entries
        .iter()
        .filter(|e| e.actor_kind == "contact")
        .filter_map(|e| e.actor_id.as_deref()?.parse().ok())
        .collect();
    let mut people = people;
    if !contacts.is_empty() {
        for (id, email) in crate::db::contacts::emails_of(conn, &contacts).await? {
            people.insert(id.to_string(), email);
        }
    }
    Ok(AuditLog {
        heads,
        last_verified,
        under_way,
        entries,
        older: older.flatten(),
        people,
        subject_types: audit::subject_types(conn).await?,
    })
}

/// Entries that match `query`, newest first, before the entry `before`; for exports.
pub async fn matching(
    conn: &mut Conn,
    query: &Query,
    people: &HashMap<String, String>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, AppError> {
    Ok(audit::matching(conn, &query.filter(people), before, limit).await?)
}

/// Who made an entry, as a person reads it: a staff member's email (`people`: id →
/// email), else the actor's id; `None` for the system, which has none.
pub fn actor_name(e: &Entry, people: &HashMap<String, String>) -> Option<String> {
    let id = e.actor_id.as_ref()?;
    Some(people.get(id).unwrap_or(id).clone())
}

fn verification(
    e: &Entry,
    people: &HashMap<String, String>,
    since: Result<usize, Broken>,
) -> Verification {
    let by = actor_name(e, people).unwrap_or_else(|| "the daily check".into());
    let entries = e
        .details
        .get("entries")
        .and_then(|n| n.as_u64())
        .unwrap_or(0) as usize;
    let outcome = match e.details.get("finding").and_then(|f| f.as_str()) {
        Some(finding) => Err(finding.to_string()),
        None => Ok(entries),
    };
    Verification {
        at: e.occurred_at,
        by,
        outcome,
        since,
    }
}

/// Asks for a full verification now, by `actor` (`jobs::audit_verify`, which records
/// it): the pending one is made due, or one is queued, unless one is running. The
/// worker is woken. One at a time, however many members ask.
pub async fn request_verification(
    conn: &mut Conn,
    jobs: &crate::jobs::Jobs,
    actor: &Actor,
) -> Result<(), AppError> {
    let kind = crate::jobs::Kind::AuditVerify.as_str();
    crate::db::jobs::queue_now(conn, kind, &crate::jobs::audit_verify::asked_by(actor)).await?;
    jobs.wake();
    Ok(())
}

/// Verifies every chain against its signed head (`audit verify`), without recording.
pub async fn verify(conn: &mut Conn, key: &AuditKey) -> Result<Result<usize, Broken>, AppError> {
    Ok(audit::verify_chain(conn, key).await?)
}

/// Verifies every chain and records the outcome in the log (`audit.verified`, by
/// `actor`), so that the log shows when it was last proved intact and by whom. A broken
/// log is also an error in the service's log.
pub async fn verify_and_record(
    conn: &mut Conn,
    key: &AuditKey,
    actor: &Actor,
) -> Result<Result<usize, Broken>, AppError> {
    use scoped_futures::ScopedFutureExt;
    let outcome = audit::verify_chain(conn, key).await?;
    let details = match &outcome {
        Ok(n) => json!({ "entries": n, "finding": null }),
        Err(broken) => {
            tracing::error!(%broken, "the audit log does not verify");
            json!({ "entries": null, "finding": broken.to_string() })
        }
    };
    crate::db::transaction::<_, crate::db::DbError, _>(conn, key, |tx| {
        async move {
            audit::append(
                tx,
                actor,
                VERIFIED,
                CHAINS_SUBJECT.0,
                CHAINS_SUBJECT.1,
                details,
            )
            .await
        }
        .scope_boxed()
    })
    .await?;
    Ok(outcome)
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

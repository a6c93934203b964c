//! Background jobs: everything that runs later or outside a request (emails now;
//! reminders, escalations and re-assessments are kinds to add).
//!
//! - **Enqueue** inside the transaction of the change that causes the job
//!   ([`Jobs::enqueue`]), so a job exists if and only if the change committed. After the
//!   commit the service calls [`Jobs::wake`]; handlers never do. A `dedup_key` is used
//!   once: a second job with the same key is ignored, even after the first is done.
//! - **Claim** ([`db::jobs::claim`]): one short statement picks due jobs with
//!   `FOR UPDATE SKIP LOCKED`, marks them running with a lease and counts the attempt,
//!   and commits. Two workers never hold the same job at once.
//! - **Run** with no row lock and no transaction open (no lock is held while an SMTP
//!   server thinks), then record the outcome: done; pending again after a backoff with
//!   jitter (retryable errors); or dead (a permanent error, or the attempt cap).
//!   Dead jobs are listed for admins on `/staff/jobs`, where they can be retried.
//! - **A worker that dies mid-job**: its lease expires and another worker claims the job
//!   again (the attempt counts). So a job runs at most once at a time, and more than
//!   once only when a worker stopped after doing the work but before recording it: for
//!   an email, the server may then get the message twice, with the same Message-ID
//!   (derived from the job id) so the duplicate is recognisable. Recording the outcome is
//!   fenced by the attempt number: a worker whose lease was taken over records nothing.

pub mod action_plan_schedule;
pub mod audit_verify;
mod batch;
pub use batch::run_due;
pub mod campaign_mail;
pub mod campaign_schedule;
pub mod clock;
mod password_reset;
pub mod send_email;

use crate::db::audit::AuditKey;
use crate::db::jobs as q;
use crate::db::Conn as AsyncPgConnection;
use crate::db::DbError;
use crate::db::Pool;
use crate::email::Mailer;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

/// Attempts before a job is dead, unless the job says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// Attempts before an email the relay will not take yet (refused connection, a 4xx) is
/// dead: [`retry_delay`] makes that three days, as mail servers keep trying (Postfix
/// five). At eight attempts an outage of the relay longer than 64 minutes failed every
/// message queued at its start: a launch's invitations, receipts, resets, each then to
/// be retried by hand. A 5xx is still dead at once.
pub const EMAIL_MAX_ATTEMPTS: i32 = 79;

/// What a job does. Each kind is listed in the `jobs.kind` CHECK constraint too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Deliver the message the job's row carries (`send_email`; the job is the outbox
    /// entry, see [`send_email`]).
    SendEmail,
    /// Handle a password-reset request: email a link if the address has an account
    /// (`password_reset`, payload `{"email": …}`).
    PasswordReset,
    /// One pass of the campaign scheduler: due reminders and escalations
    /// (`campaign_schedule`, see [`campaign_schedule`]).
    CampaignSchedule,
    /// One pass of the corrective action plan notices: reminders and overdue notices
    /// (`action_plan_schedule`, see [`action_plan_schedule`]).
    ActionPlanSchedule,
    /// The daily full verification of the audit log, recorded in it (`audit_verify`,
    /// see [`audit_verify`]).
    AuditVerify,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::SendEmail,
        Kind::PasswordReset,
        Kind::CampaignSchedule,
        Kind::ActionPlanSchedule,
        Kind::AuditVerify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SendEmail => "send_email",
            Kind::PasswordReset => "password_reset",
            Kind::CampaignSchedule => "campaign_schedule",
            Kind::ActionPlanSchedule => "action_plan_schedule",
            Kind::AuditVerify => "audit_verify",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: Kind,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub dedup_key: Option<String>,
    pub max_attempts: i32,
}

impl NewJob {
    /// A job due now, without a deduplication key, with the default attempt cap.
    pub fn new(kind: Kind, payload: serde_json::Value) -> NewJob {
        NewJob {
            id: Uuid::new_v4(),
            kind,
            payload,
            run_at: Utc::now(),
            dedup_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Queued at most once for `key`, ever.
    pub fn dedup_key(mut self, key: impl Into<String>) -> NewJob {
        self.dedup_key = Some(key.into());
        self
    }

    pub fn run_at(mut self, at: DateTime<Utc>) -> NewJob {
        self.run_at = at;
        self
    }

    pub fn max_attempts(mut self, n: i32) -> NewJob {
        self.max_attempts = n;
        self
    }
}

/// The handle services queue jobs through. It holds no connection: jobs are written with
/// the caller's, inside the caller's transaction.
#[derive(Clone, Default)]
pub struct Jobs {
    wake: Arc<Notify>,
}

impl Jobs {
    pub fn new() -> Jobs {
        Jobs::default()
    }

    /// Queues `job` on `conn` (call inside the transaction of the change that causes it);
    /// `None` when its deduplication key was used before. Call [`Jobs::wake`] after the
    /// commit.
    pub async fn enqueue(
        &self,
        conn: &mut AsyncPgConnection,
        job: NewJob,
    ) -> Result<Option<Uuid>, DbError> {
        q::insert(
            conn,
            job.id,
            job.kind.as_str(),
            &job.payload,
            job.run_at,
            job.dedup_key.as_deref(),
            job.max_attempts,
        )
        .await
    }

    /// Tells the worker to look for due jobs now (after the enqueuing transaction
    /// committed: woken earlier, it would not see the job yet, and find it only at the
    /// next poll).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn woken(&self) {
        self.wake.notified().await
    }
}

/// A job as claimed by a worker: attempt `attempt` of at most `max_attempts`.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: Kind,
    pub payload: serde_json::Value,
    pub attempt: i32,
    pub max_attempts: i32,
}

/// Why a job did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another attempt later (e.g. SMTP 4xx, connection refused).
    Retry(String),
    /// Never worth retrying (e.g. SMTP 5xx: the server's answer).
    Permanent(String),
}

/// What one pass of [`run_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub done: usize,
    pub retried: usize,
    pub dead: usize,
}

/// Everything a worker needs.
#[derive(Clone)]
pub struct Worker {
    pub pool: Pool,
    pub jobs: Jobs,
    pub mailer: Mailer,
    /// How long a claim lasts before another worker may take the job over; longer than
    /// the slowest job (an SMTP send times out after 20 s) times `batch`.
    pub lease: std::time::Duration,
    /// Jobs claimed at once (one statement).
    pub batch: i64,
    /// Jobs of a claimed batch run at once (SMTP sends share lettre's connection pool).
    pub concurrency: usize,
    /// For jobs that write audit entries.
    pub audit_key: AuditKey,
    /// Base of the links put in emails.
    pub public_base_url: String,
    /// Recompute respondent links for campaign emails at send time; `None` in workers
    /// that send no campaign mail (such a job is retried later).
    pub link_keys: Option<crate::auth::links::LinkKeys>,
    /// `HRDD_SENDER_COMPANY`, named in campaign emails.
    pub sender_company: String,
    /// "Now" for the scheduler (reminders, escalation); tests set it.
    pub clock: Arc<dyn clock::Clock>,
    /// The questionnaires and font the receipt email's PDF is made with; `None` in
    /// workers that make no receipts (such a job is retried later).
    pub receipts: Option<Receipts>,
}

/// What a worker needs to attach the receipt PDF to the receipt email.
#[derive(Clone)]
pub struct Receipts {
    pub registry: Arc<crate::services::questionnaires::QuestionnaireRegistry>,
    pub font: Arc<crate::receipt_pdf::FontSource>,
}

impl Worker {
    pub fn new(
        pool: Pool,
        jobs: Jobs,
        mailer: Mailer,
        audit_key: AuditKey,
        public_base_url: String,
    ) -> Worker {
        Worker {
            pool,
            jobs,
            mailer,
            audit_key,
            public_base_url,
            lease: std::time::Duration::from_secs(300),
            batch: 32,
            concurrency: 8,
            link_keys: None,
            sender_company: "HRDD Survey".into(),
            clock: Arc::new(clock::SystemClock),
            receipts: None,
        }
    }

    /// With the questionnaires and the font of receipt PDFs (the receipt email).
    pub fn with_receipts(
        mut self,
        registry: Arc<crate::services::questionnaires::QuestionnaireRegistry>,
        font: Arc<crate::receipt_pdf::FontSource>,
    ) -> Worker {
        self.receipts = Some(Receipts { registry, font });
        self
    }

    /// With the keys and sender name that campaign emails need.
    pub fn with_campaign_mail(
        mut self,
        link_keys: crate::auth::links::LinkKeys,
        sender_company: String,
    ) -> Worker {
        self.link_keys = Some(link_keys);
        self.sender_company = sender_company;
        self
    }

    /// With another clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn clock::Clock>) -> Worker {
        self.clock = clock;
        self
    }
}

/// A scheduler pass run as a job: an error is retried later.
async fn pass_job<T>(
    pass: impl std::future::Future<Output = anyhow::Result<T>>,
) -> Result<(), Failure> {
    pass.await
        .map(|_| ())
        .map_err(|e| Failure::Retry(e.to_string()))
}

/// Base delay before the attempt after `attempt` (1-based): 30 s, 1 min, 2 min …
/// capped at one hour.
pub fn retry_delay(attempt: i32) -> Duration {
    let secs = 30i64 << (attempt.clamp(1, 8) - 1);
    Duration::seconds(secs.min(3600))
}

/// [`retry_delay`] plus up to a quarter more at random, so jobs that failed together
/// (an SMTP outage) do not all come back in the same second.
pub fn retry_delay_with_jitter(attempt: i32) -> std::time::Duration {
    let base = retry_delay(attempt).num_milliseconds() as f64 / 1000.0;
    let jitter = rand::rng().random_range(0.0..0.25);
    std::time::Duration::from_secs_f64(base * (1.0 + jitter))
}

/// Runs forever: due jobs when woken, and at least every `interval` (the first pass,
/// for jobs left from before a restart, comes after one interval too). The periodic
/// jobs (scheduler passes, the daily verification) are queued at most once an
/// `interval`, not at every wake: a busy service wakes the worker at every submission.
pub async fn run(worker: Worker, interval: std::time::Duration) {
    let mut periodic_checked: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            _ = worker.jobs.woken() => {}
            _ = tokio::time::sleep(interval) => {}
        }
        if periodic_checked.is_none_or(|at| at.elapsed() >= interval) {
            periodic_checked = Some(std::time::Instant::now());
            queue_periodic_jobs(&worker).await;
        }
        if let Err(e) = run_due(&worker).await {
            tracing::warn!(error = %e, "job worker");
        }
    }
}

/// Queues each periodic job that is due (each checks its own last run).
async fn queue_periodic_jobs(worker: &Worker) {
    if let Err(e) = campaign_schedule::ensure_queued(worker).await {
        tracing::warn!(error = %e, "campaign scheduler");
    }
    if let Err(e) = action_plan_schedule::ensure_queued(worker).await {
        tracing::warn!(error = %e, "action plan notices");
    }
    if let Err(e) = audit_verify::ensure_queued(worker).await {
        tracing::warn!(error = %e, "audit verification");
    }
}

/// A dead job queued again by an admin (fresh attempts, due now); false when `id` is not
/// a dead job. Runs inside the caller's transaction; wake the worker after the commit.
pub async fn revive(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, DbError> {
    // A message's status is its job's: revived, it is queued again.
    Ok(q::revive(conn, id).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(1), Duration::seconds(30));
        assert_eq!(retry_delay(2), Duration::seconds(60));
        assert_eq!(retry_delay(8), Duration::seconds(3600));
        assert_eq!(retry_delay(50), Duration::seconds(3600));
    }

    #[test]
    fn an_email_is_tried_for_three_days() {
        let waited: i64 = (1..EMAIL_MAX_ATTEMPTS)
            .map(|attempt| retry_delay(attempt).num_seconds())
            .sum();
        assert!(
            (72 * 3600..73 * 3600).contains(&waited),
            "{waited} s between the first attempt and the last"
        );
        let before: i64 = (1..DEFAULT_MAX_ATTEMPTS)
            .map(|attempt| retry_delay(attempt).num_seconds())
            .sum();
        assert_eq!(before, 3810, "the other jobs: 63.5 minutes");
    }

    #[test]
    fn jitter_adds_up_to_a_quarter() {
        for attempt in 1..10 {
            let base = retry_delay(attempt).num_seconds() as f64;
            for _ in 0..50 {
                let d = retry_delay_with_jitter(attempt).as_secs_f64();
                assert!(d >= base && d < base * 1.25, "{attempt}: {d}");
            }
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("reminder"), None);
        assert_eq!(
            Kind::ALL.len(),
            5,
            "each kind is in the jobs.kind CHECK too (migration …000200)"
        );
    }
}

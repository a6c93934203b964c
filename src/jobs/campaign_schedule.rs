//! The campaign scheduler: one periodic pass, run as a `campaign_schedule` job so that
//! with several workers (two `serve` instances, or `serve` and `worker`) one pass runs
//! at a time. Each pass, for each open campaign, with the worker's clock
//! ([`super::clock`]):
//!
//! - queues the due reminder step (`domain::reminders::due_step`) to each active contact
//!   of each organisation that has not submitted: at most once per (contact, step,
//!   deadline), by the deduplication key `reminder:{campaign}:{contact}:{step}:{deadline}`,
//!   and only to links issued before the step fell due (a contact invited since just had
//!   its invitation). An organisation that submitted gets nothing more;
//! - after the deadline, tells the campaign owner once per deadline
//!   (`escalation:{campaign}:{deadline}`) which organisations are overdue: extending the
//!   deadline starts the reminders again and, once the new one has passed, the owner is
//!   told again. A campaign without an active owner (none given, or the account was
//!   disabled) tells each active administrator instead, once per deadline each
//!   (`escalation:{campaign}:{deadline}:admin:{user}`), and the email says why. An
//!   organisation added after a notice is named in a follow-up to the same person
//!   (`{that key}:added-after:{the last notice's job}`); an administrator told as one
//!   who has taken the campaign over since gets the follow-ups of that notice.
//!
//! A pass is idempotent, so a pass that runs twice (a lease taken over) sends nothing
//! twice.

use super::campaign_mail::{self, EscalationTo};
use super::{Claimed, Failure, Worker};
use crate::db::campaign_mail as q;
use crate::domain::reminders::{deadline_passed, due_step, next_step};
use crate::domain::role::Role;
use scoped_futures::ScopedFutureExt;

/// How long after a pass the next one is queued.
pub const EVERY_SECONDS: f64 = 300.0;

/// What a pass queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassStats {
    pub reminders: usize,
    pub escalations: usize,
}

pub(super) async fn run(worker: &Worker, _job: &Claimed) -> Result<(), Failure> {
    super::pass_job(pass(worker)).await
}

/// Who is told that a campaign's deadline passed: its owner while the account is
/// active; else (no owner, or the owner's account was disabled) every active
/// administrator, so that the notice never goes to nobody.
async fn escalation_recipients(
    conn: &mut crate::db::Conn,
    owner_user_id: Option<uuid::Uuid>,
) -> crate::db::QueryResult<Vec<EscalationTo>> {
    let owner = match owner_user_id {
        Some(id) => q::owner_email(conn, id).await?.map(|email| (id, email)),
        None => None,
    };
    Ok(match owner {
        Some((id, email)) => vec![EscalationTo::Owner(id, email)],
        None => crate::db::users::enabled_with_roles(conn, &[Role::Admin])
            .await?
            .into_iter()
            .map(|m| EscalationTo::Administrator(m.id, m.email))
            .collect(),
    })
}

/// Queues a scheduler pass unless one is waiting or ran in the last [`EVERY_SECONDS`].
pub async fn ensure_queued(worker: &Worker) -> anyhow::Result<bool> {
    let mut conn = worker.pool.get().await?;
    Ok(crate::db::jobs::queue_periodic(
        &mut conn,
        super::Kind::CampaignSchedule.as_str(),
        EVERY_SECONDS,
        0.0,
    )
    .await?)
}

/// One pass over the open campaigns (see the module note); wakes the worker when it
/// queued mail.
pub async fn pass(worker: &Worker) -> anyhow::Result<PassStats> {
    let now = worker.clock.now();
    let mut stats = PassStats::default();
    let mut conn = worker.pool.get().await?;
    // Housekeeping: failed link look-ups older than an hour no longer count.
    crate::db::link_throttle::forget_old(&mut conn, 3600.0).await?;
    for campaign in q::open_campaigns(&mut conn).await? {
        let from = campaign.reminders_from();
        let schedule = campaign.reminder_schedule();
        let step = due_step(campaign.deadline, &schedule, from, now);
        let next_reminder =
            next_step(campaign.deadline, &schedule, Some(from), now).map(|s| s.at.date_naive());
        let escalate = deadline_passed(campaign.deadline, now);
        let jobs = worker.jobs.clone();
        let sender = worker.sender_company.clone();
        let base = worker.public_base_url.clone();
        let campaign = &campaign;
        let (reminders, escalations) =
            crate::db::plain_transaction::<_, crate::db::DbError, _>(&mut conn, |conn| {
                async move {
                    let mut reminders = 0;
                    let mut escalations = 0;
                    if let Some(step) = step {
                        reminders = campaign_mail::queue_reminder(
                            conn,
                            &jobs,
                            (campaign.id, campaign.deadline),
                            &step,
                            now,
                        )
                        .await?
                        .len();
                    }
                    if escalate {
                        for to in escalation_recipients(conn, campaign.owner_user_id).await? {
                            if campaign_mail::queue_escalation(
                                conn,
                                &jobs,
                                campaign.id,
                                &campaign.name,
                                campaign.deadline,
                                &to,
                                next_reminder,
                                &sender,
                                &base,
                            )
                            .await?
                            .is_some()
                            {
                                escalations += 1;
                            }
                        }
                    }
                    Ok((reminders, escalations))
                }
                .scope_boxed()
            })
            .await?;
        stats.reminders += reminders;
        stats.escalations += escalations;
    }
    if stats.reminders + stats.escalations > 0 {
        tracing::info!(
            reminders = stats.reminders,
            escalations = stats.escalations,
            "campaign reminders queued"
        );
        worker.jobs.wake();
    }
    Ok(stats)
}

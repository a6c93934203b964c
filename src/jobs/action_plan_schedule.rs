//! Corrective action plan notices: one periodic pass, run as an
//! `action_plan_schedule` job (like [`super::campaign_schedule`]), with the worker's
//! clock ([`super::clock`]). For each plan that is planned or in progress (never a
//! completed, verified or cancelled one: a cancelled plan's notices stop):
//!
//! - from `domain::remedy::REMINDER_DAYS_BEFORE` days before its due date, a reminder
//!   to its owner (a contact of the organisation, in their language, or a staff member);
//! - after its due date, an overdue notice to its owner and to the member who made it.
//!
//! Each at most once per (plan, due date, notice, address), by the deduplication key
//! `action-plan:{notice}:{plan}:{due}:{address}`: a pass that runs twice sends nothing
//! twice, and a plan whose due date is moved is reminded again.

use super::{Claimed, Failure, Worker};
use crate::db::action_plans as q;
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::domain::remedy::{notice_due, Notice, REMINDER_DAYS_BEFORE};
use crate::email::action_plan::PlanNotice;
use scoped_futures::ScopedFutureExt;

/// How long after a pass the next one is queued.
pub const EVERY_SECONDS: f64 = 300.0;

pub(super) async fn run(worker: &Worker, _job: &Claimed) -> Result<(), Failure> {
    super::pass_job(pass(worker)).await
}

/// Queues a pass unless one is waiting or ran in the last [`EVERY_SECONDS`].
pub async fn ensure_queued(worker: &Worker) -> anyhow::Result<bool> {
    let mut conn = worker.pool.get().await?;
    Ok(crate::db::jobs::queue_periodic(
        &mut conn,
        super::Kind::ActionPlanSchedule.as_str(),
        EVERY_SECONDS,
        0.0,
    )
    .await?)
}

/// One pass (see the module note); returns the number of notices queued and wakes the
/// worker when there are any.
pub async fn pass(worker: &Worker) -> anyhow::Result<usize> {
    let today = worker.clock.now().date_naive();
    let mut conn = worker.pool.get().await?;
    let until = today + chrono::Duration::days(REMINDER_DAYS_BEFORE);
    let due = q::pending_due_by(&mut conn, until).await?;
    let mut messages = Vec::new();
    for d in &due {
        let Some(notice) = notice_due(d.plan.due_date, today) else {
            continue;
        };
        let lang = d
            .owner_language
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(Lang::En);
        let link = format!(
            "{}/staff/action-plans/{}",
            worker.public_base_url, d.plan.id
        );
        let base = PlanNotice {
            lang,
            notice,
            name: d.owner_name.clone(),
            organisation: d.organisation.clone(),
            indicator: Indicator::name_of(&d.indicator, lang),
            actions: d.plan.actions.clone(),
            due: d.plan.due_date,
            link: if d.owner_language.is_some() {
                String::new()
            } else {
                link.clone()
            },
            sender_company: worker.sender_company.clone(),
        };
        messages.push((
            d,
            notice,
            d.owner_email.clone(),
            base.render(&d.owner_email)?,
        ));
        if notice == Notice::Overdue && d.creator_email != d.owner_email {
            let to_creator = PlanNotice {
                lang: Lang::En,
                name: d.creator_email.clone(),
                link: link.clone(),
                indicator: Indicator::name_of(&d.indicator, Lang::En),
                ..base
            };
            messages.push((
                d,
                notice,
                d.creator_email.clone(),
                to_creator.render(&d.creator_email)?,
            ));
        }
    }
    let messages = &messages;
    let queued = crate::db::plain_transaction::<_, crate::db::DbError, _>(&mut conn, |conn| {
        async move {
            let mut queued = 0;
            for (d, notice, to, email) in messages {
                let key = format!(
                    "action-plan:{}:{}:{}:{}",
                    notice.purpose(),
                    d.plan.id,
                    d.plan.due_date,
                    to.to_lowercase()
                );
                if crate::db::campaign_mail::queue_plain(
                    conn,
                    &key,
                    to,
                    &email.subject,
                    &email.text,
                    email.html.as_deref(),
                    notice.purpose(),
                    d.campaign_id,
                )
                .await?
                .is_some()
                {
                    queued += 1;
                }
            }
            Ok(queued)
        }
        .scope_boxed()
    })
    .await?;
    if queued > 0 {
        tracing::info!(queued, "action plan notices queued");
        worker.jobs.wake();
    }
    Ok(queued)
}

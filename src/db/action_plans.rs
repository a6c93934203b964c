//! Corrective action plans (`action_plans`) and their evidence of completion
//! (`action_plan_evidence`, files stored in `evidence_files` of the flag's response).

use super::models::{ActionPlan, ActionPlanRemedy};
use super::schema::*;
use super::Conn;
use crate::domain::remedy::{PlanStatus, RemedyFacts};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

pub async fn insert_plan(conn: &mut Conn, plan: &ActionPlan) -> QueryResult<ActionPlan> {
    diesel::insert_into(action_plans::table)
        .values(plan)
        .returning(ActionPlan::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_plan(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ActionPlan>> {
    action_plans::table
        .find(id)
        .select(ActionPlan::as_select())
        .first(conn)
        .await
        .optional()
}

/// The plan, locked until the end of the transaction (two members acting at once are
/// serialised; the second sees the first one's change).
pub async fn lock_plan(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ActionPlan>> {
    action_plans::table
        .find(id)
        .select(ActionPlan::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The plans of a flag, newest first (in the order of [`states_of_flag`]).
pub async fn plans_of_flag(conn: &mut Conn, flag_id: Uuid) -> QueryResult<Vec<ActionPlan>> {
    action_plans::table
        .filter(action_plans::flag_id.eq(flag_id))
        .order((action_plans::created_at.desc(), action_plans::id.desc()))
        .select(ActionPlan::as_select())
        .load(conn)
        .await
}

/// The plans of several flags (an export's page), oldest first.
pub async fn plans_of_flags(conn: &mut Conn, flag_ids: &[Uuid]) -> QueryResult<Vec<ActionPlan>> {
    action_plans::table
        .filter(action_plans::flag_id.eq_any(flag_ids))
        .order(action_plans::created_at.asc())
        .select(ActionPlan::as_select())
        .load(conn)
        .await
}

/// The ids and states of the flag's plans, newest first: what its close depends on
/// (`domain::flag_workflow::plan_standing`).
pub async fn states_of_flag(
    conn: &mut Conn,
    flag_id: Uuid,
) -> QueryResult<Vec<(Uuid, PlanStatus)>> {
    action_plans::table
        .filter(action_plans::flag_id.eq(flag_id))
        .order((action_plans::created_at.desc(), action_plans::id.desc()))
        .select((action_plans::id, action_plans::status))
        .load(conn)
        .await
}

/// Cancels a plan that is still `from` (fenced: `false` when it was no longer `from`),
/// with who cancelled it, when and why.
pub async fn cancel(
    conn: &mut Conn,
    id: Uuid,
    from: PlanStatus,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        action_plans::table
            .filter(action_plans::id.eq(id))
            .filter(action_plans::status.eq(from)),
    )
    .set((
        action_plans::status.eq(PlanStatus::Cancelled),
        action_plans::updated_at.eq(now),
        action_plans::cancelled_at.eq(now),
        action_plans::cancelled_by.eq(by),
        action_plans::cancel_reason.eq(reason),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Moves a plan from `from` to `to` (fenced: `false` when it was no longer `from`),
/// with its completion time and verifier as they now stand.
pub async fn set_status(
    conn: &mut Conn,
    id: Uuid,
    from: PlanStatus,
    to: PlanStatus,
    now: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    verified_by: Option<Uuid>,
) -> QueryResult<bool> {
    diesel::update(
        action_plans::table
            .filter(action_plans::id.eq(id))
            .filter(action_plans::status.eq(from)),
    )
    .set((
        action_plans::status.eq(to),
        action_plans::updated_at.eq(now),
        action_plans::completed_at.eq(completed_at),
        action_plans::verified_by.eq(verified_by),
        action_plans::verified_at.eq(verified_by.map(|_| now)),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Sets the remedy facts of a plan (insert or replace).
pub async fn set_remedy(
    conn: &mut Conn,
    plan_id: Uuid,
    facts: &RemedyFacts,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let row = ActionPlanRemedy {
        plan_id,
        workers_affected: facts.workers_affected,
        fees_repaid_hundredths: facts.fees_repaid_hundredths,
        fees_currency: facts.fees_currency.clone(),
        workers_repaid: facts.workers_repaid,
        fees_repaid_on: facts.fees_repaid_on,
        documents_returned: facts.documents_returned,
        documents_returned_on: facts.documents_returned_on,
    };
    diesel::insert_into(action_plan_remedies::table)
        .values((&row, action_plan_remedies::updated_at.eq(now)))
        .on_conflict(action_plan_remedies::plan_id)
        .do_update()
        .set((&row, action_plan_remedies::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// When a plan's remedy facts were last saved (`None`: never); the remedy form's
/// version.
pub async fn remedy_saved_at(conn: &mut Conn, plan_id: Uuid) -> QueryResult<Option<DateTime<Utc>>> {
    action_plan_remedies::table
        .find(plan_id)
        .select(action_plan_remedies::updated_at)
        .first(conn)
        .await
        .optional()
}

/// The remedy facts of a plan (empty when none were recorded).
pub async fn remedy_of(conn: &mut Conn, plan_id: Uuid) -> QueryResult<ActionPlanRemedy> {
    Ok(action_plan_remedies::table
        .find(plan_id)
        .select(ActionPlanRemedy::as_select())
        .first(conn)
        .await
        .optional()?
        .unwrap_or(ActionPlanRemedy {
            plan_id,
            ..ActionPlanRemedy::default()
        }))
}

/// Links a stored evidence file to a plan.
pub async fn add_evidence(
    conn: &mut Conn,
    plan_id: Uuid,
    evidence_file_id: Uuid,
    uploaded_by: Uuid,
) -> QueryResult<()> {
    diesel::insert_into(action_plan_evidence::table)
        .values((
            action_plan_evidence::plan_id.eq(plan_id),
            action_plan_evidence::evidence_file_id.eq(evidence_file_id),
            action_plan_evidence::uploaded_by.eq(uploaded_by),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The evidence files of a plan: id, name, size in bytes, uploaded at.
pub async fn evidence_of(
    conn: &mut Conn,
    plan_id: Uuid,
) -> QueryResult<Vec<(Uuid, String, i32, DateTime<Utc>)>> {
    action_plan_evidence::table
        .inner_join(evidence_files::table)
        .filter(action_plan_evidence::plan_id.eq(plan_id))
        .order(evidence_files::created_at.asc())
        .select((
            evidence_files::id,
            evidence_files::file_name,
            evidence_files::size_bytes,
            evidence_files::created_at,
        ))
        .load(conn)
        .await
}

/// An evidence file of a plan (name, type, bytes), only if it belongs to that plan.
pub async fn find_evidence_of_plan(
    conn: &mut Conn,
    plan_id: Uuid,
    file_id: Uuid,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    action_plan_evidence::table
        .inner_join(evidence_files::table)
        .filter(action_plan_evidence::plan_id.eq(plan_id))
        .filter(evidence_files::id.eq(file_id))
        .select((
            evidence_files::file_name,
            evidence_files::content_type,
            evidence_files::content,
        ))
        .first(conn)
        .await
        .optional()
}

/// A pending plan with what its notice needs.
#[derive(Debug, Clone)]
pub struct DuePlan {
    pub plan: ActionPlan,
    pub owner_email: String,
    pub owner_name: String,
    /// The owner contact's language code; `None` for a staff owner.
    pub owner_language: Option<String>,
    pub creator_email: String,
    pub organisation: String,
    pub campaign_id: Uuid,
    pub indicator: String,
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    plan_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    contact_email: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    contact_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    contact_language: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    staff_email: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    staff_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    creator_email: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    organisation: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    campaign_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    indicator: String,
}

/// Pending plans (planned or in progress) due on or before `until`, with their owner's
/// address (a contact's or a staff member's), the creator's address and the flag.
pub async fn pending_due_by(conn: &mut Conn, until: NaiveDate) -> QueryResult<Vec<DuePlan>> {
    let rows: Vec<DueRow> = diesel::sql_query(
        "SELECT p.id AS plan_id, c.email AS contact_email, c.name AS contact_name, \
                c.language AS contact_language, u.email AS staff_email, u.name AS staff_name, \
                cr.email AS creator_email, o.name AS organisation, r.campaign_id, f.indicator \
           FROM action_plans p \
           JOIN flags f ON f.id = p.flag_id \
           JOIN responses r ON r.id = f.response_id \
           JOIN organisations o ON o.id = r.organisation_id \
           JOIN users cr ON cr.id = p.created_by \
           LEFT JOIN contacts c ON c.id = p.owner_contact_id \
           LEFT JOIN users u ON u.id = p.owner_user_id \
          WHERE p.status = ANY($2) AND p.due_date <= $1 \
          ORDER BY p.due_date, p.id",
    )
    .bind::<diesel::sql_types::Date, _>(until)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(
        PlanStatus::PENDING.map(PlanStatus::as_str).to_vec(),
    )
    .load(conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.plan_id).collect();
    let plans: Vec<ActionPlan> = action_plans::table
        .filter(action_plans::id.eq_any(&ids))
        .select(ActionPlan::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let plan = plans.iter().find(|p| p.id == r.plan_id)?.clone();
            let (owner_email, owner_name, owner_language) = match (r.contact_email, r.staff_email) {
                (Some(e), _) => (e, r.contact_name.unwrap_or_default(), r.contact_language),
                (None, Some(e)) => (e, r.staff_name.unwrap_or_default(), None),
                (None, None) => return None,
            };
            Some(DuePlan {
                plan,
                owner_email,
                owner_name,
                owner_language,
                creator_email: r.creator_email,
                organisation: r.organisation,
                campaign_id: r.campaign_id,
                indicator: r.indicator,
            })
        })
        .collect())
}

/// The number of pending plans (planned or in progress) whose due date is before
/// `today`: the dashboard's "overdue plans".
pub async fn count_overdue(conn: &mut Conn, today: NaiveDate) -> QueryResult<i64> {
    action_plans::table
        .filter(action_plans::due_date.lt(today))
        .filter(action_plans::status.eq_any(PlanStatus::PENDING.map(PlanStatus::as_str).to_vec()))
        .count()
        .get_result(conn)
        .await
}

/// A plan as the list of corrective actions shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ListedPlan {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub plan_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub flag_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: PlanStatus,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub due_date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub organisation: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub campaign: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub indicator: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub band: crate::domain::risk::Band,
    /// The owner: a contact's or a staff member's name and address.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub owner: Option<String>,
}

/// Plans in one of `statuses` (due before `due_before` when given), soonest due first,
/// at most `limit`.
pub async fn listing(
    conn: &mut Conn,
    statuses: &[PlanStatus],
    due_before: Option<NaiveDate>,
    limit: i64,
) -> QueryResult<Vec<ListedPlan>> {
    diesel::sql_query(
        "SELECT p.id AS plan_id, p.flag_id, p.status, p.due_date, o.name AS organisation, \
                c.name AS campaign, f.indicator, f.band, \
                coalesce(oc.name || ' <' || oc.email || '>', ou.name || ' <' || ou.email || '>') \
                    AS owner \
           FROM action_plans p \
           JOIN flags f ON f.id = p.flag_id \
           JOIN responses r ON r.id = f.response_id \
           JOIN organisations o ON o.id = r.organisation_id \
           JOIN campaigns c ON c.id = r.campaign_id \
           LEFT JOIN contacts oc ON oc.id = p.owner_contact_id \
           LEFT JOIN users ou ON ou.id = p.owner_user_id \
          WHERE p.status = ANY($1) AND ($2::date IS NULL OR p.due_date < $2) \
          ORDER BY p.due_date, p.id \
          LIMIT $3",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(
        statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    )
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Date>, _>(due_before)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

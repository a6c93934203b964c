//! Queries for campaign emails (`jobs::campaign_mail`) and the reminder scheduler
//! (`jobs::campaign_schedule`). A campaign email is one `send_email` job row that names
//! its purpose, invitation (whose campaign and contact it is about) and reminder step;
//! its subject column holds the campaign's name and its body stays empty until it is
//! sent (the body carries the personal link, which is never stored).

use super::models::Invitation;
use super::prepared::Prepare;
use super::schema::{campaigns, contacts, invitations, jobs, organisations, users};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

type Conn = AsyncPgConnection;

/// The purposes of the emails that say when the organisation last submitted the
/// questionnaire (`email::campaign::Purpose::Invitation`, `Reminder` and `Handover`).
pub const LAST_ANSWERS_PURPOSES: [&str; 3] = ["invitation", "reminder", "handover"];

fn says_last_answers(purpose: Option<&str>) -> bool {
    purpose.is_some_and(|p| LAST_ANSWERS_PURPOSES.contains(&p))
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Which invitations a batch of campaign emails goes to.
pub enum Targets<'a> {
    /// One invitation.
    Invitation(Uuid),
    /// Reminder recipients of a campaign: the active links of active contacts of active
    /// organisations whose response is not submitted, at time `now`, issued before
    /// `issued_before` (the step's time: a link issued after it came with its own
    /// invitation, or hand-over, email just now), but not a link whose email to the
    /// contact's address was refused (`address_refused_sql!`).
    Unsubmitted {
        campaign_id: Uuid,
        now: DateTime<Utc>,
        issued_before: DateTime<Utc>,
    },
    /// Several invitations.
    Invitations(&'a [Uuid]),
    /// [`Targets::Unsubmitted`] of one organisation (a reminder sent by hand).
    UnsubmittedOf {
        campaign_id: Uuid,
        organisation_id: Uuid,
        now: DateTime<Utc>,
    },
}

/// Queues one `send_email` job per target invitation, in one statement whatever the
/// number; a target whose key (`{key_prefix}{invitation or
/// contact}{key_suffix}`, see `key_by_contact`) was used before is skipped. Mail to a
/// campaign's many (a launch or organisations added: [`Targets::Invitations`] of more
/// than one; a reminder step or an extended deadline: [`Targets::Unsubmitted`]) is queued
/// `bulk`, claimed after every other due job (`db::jobs::claim`); one link's mail and a
/// reminder sent by hand to one organisation are not. Returns the new job ids.
#[allow(clippy::too_many_arguments)]
pub async fn queue_for_invitations(
    conn: &mut Conn,
    targets: Targets<'_>,
    purpose: &str,
    key_prefix: &str,
    key_by_contact: bool,
    key_suffix: &str,
    body: Option<&str>,
    reminder_step: Option<i32>,
) -> QueryResult<Vec<Uuid>> {
    let filter = match &targets {
        Targets::Invitation(_) => "i.id = $6",
        Targets::Invitations(_) => "i.id = ANY($7)",
        Targets::Unsubmitted { .. } => concat!(
            "i.campaign_id = $6 AND i.revoked_at IS NULL AND i.expires_at > $8 \
             AND i.created_at < $9 \
             AND c.deactivated_at IS NULL AND o.deactivated_at IS NULL \
             AND r.status <> 'submitted' AND NOT ",
            address_refused_sql!("i", "c.email")
        ),
        Targets::UnsubmittedOf { .. } => concat!(
            "i.campaign_id = $6 AND i.organisation_id = ANY($7) AND i.revoked_at IS NULL \
             AND i.expires_at > $8 AND c.deactivated_at IS NULL \
             AND o.deactivated_at IS NULL AND r.status <> 'submitted' AND NOT ",
            address_refused_sql!("i", "c.email")
        ),
    };
    let key_of = if key_by_contact {
        "i.contact_id"
    } else {
        "i.id"
    };
    // Only what the send needs is stored: the address (the contact's at queue time,
    // shown on the pages), the campaign's name as subject, the body (the clarification's
    // question) and the invitation (campaign and contact are the invitation's).
    let sql = format!(
        "INSERT INTO jobs (id, kind, dedup_key, to_address, subject, text_body, purpose, \
                           invitation_id, reminder_step, bulk, max_attempts) \
         SELECT gen_random_uuid(), 'send_email', $1 || {key_of}::text || $2, c.email, k.name, \
                coalesce($3, ''), $4, i.id, $5, $10, $11 \
           FROM invitations i \
           JOIN contacts c ON c.id = i.contact_id \
           JOIN organisations o ON o.id = i.organisation_id \
           JOIN responses r ON r.id = i.response_id \
           JOIN campaigns k ON k.id = i.campaign_id \
          WHERE {filter} \
         ON CONFLICT DO NOTHING \
         RETURNING id"
    );
    let bulk = match &targets {
        Targets::Invitations(ids) => ids.len() > 1,
        Targets::Unsubmitted { .. } => true,
        Targets::Invitation(_) | Targets::UnsubmittedOf { .. } => false,
    };
    let (one, many, now, issued_before) = match targets {
        Targets::Invitation(id) => (Some(id), Vec::new(), None, None),
        Targets::Invitations(ids) => (None, ids.to_vec(), None, None),
        Targets::Unsubmitted {
            campaign_id,
            now,
            issued_before,
        } => (
            Some(campaign_id),
            Vec::new(),
            Some(now),
            Some(issued_before),
        ),
        Targets::UnsubmittedOf {
            campaign_id,
            organisation_id,
            now,
        } => (Some(campaign_id), vec![organisation_id], Some(now), None),
    };
    let rows: Vec<Id> = diesel::sql_query(sql)
        .bind::<Text, _>(key_prefix)
        .bind::<Text, _>(key_suffix)
        .bind::<Nullable<Text>, _>(body)
        .bind::<Text, _>(purpose)
        .bind::<Nullable<Integer>, _>(reminder_step)
        .bind::<Nullable<SqlUuid>, _>(one)
        .bind::<Array<SqlUuid>, _>(many)
        .bind::<Nullable<Timestamptz>, _>(now)
        .bind::<Nullable<Timestamptz>, _>(issued_before)
        .bind::<diesel::sql_types::Bool, _>(bulk)
        .bind::<Integer, _>(crate::jobs::EMAIL_MAX_ATTEMPTS)
        // Eight texts at most (four filters, two keys), so each stays prepared: a
        // submission queues its receipt here, and planning this five-table join took
        // PostgreSQL longer than running it.
        .prepared()
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Queues one message to an address that is not a contact (the escalation to the
/// campaign owner), body stored (it carries no personal link).
#[allow(clippy::too_many_arguments)]
pub async fn queue_plain(
    conn: &mut Conn,
    dedup_key: &str,
    to: &str,
    subject: &str,
    text: &str,
    html: Option<&str>,
    purpose: &str,
    campaign_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    super::jobs::insert_email(
        conn,
        Uuid::new_v4(),
        Some(dedup_key),
        crate::jobs::EMAIL_MAX_ATTEMPTS,
        &super::jobs::NewEmail {
            to_address: to,
            subject,
            text_body: text,
            html_body: html,
            purpose: Some(purpose),
            campaign_id: Some(campaign_id),
        },
    )
    .await
}

/// What the send-time rendering of a campaign email needs.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub purpose: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub reminder_step: Option<i32>,
    pub invitation: Option<Invitation>,
    pub contact_name: Option<String>,
    pub organisation_name: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub campaign_name: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub message: Option<String>,
    pub owner_email: Option<String>,
    /// The contact (name, email) who handed the questionnaire over, for a link a
    /// hand-over made.
    pub handed_over_by: Option<(String, String)>,
    /// An invitation's, a reminder's or a hand-over's: when the organisation last
    /// submitted the same questionnaire, if it did and its new response has no answers
    /// yet (the form then offers to start from that submission's answers, and the email
    /// says so).
    pub last_submitted: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct EarlierSubmission {
    #[diesel(sql_type = SqlUuid)]
    invitation_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    submitted_at: DateTime<Utc>,
}

/// For each of `invitation_ids` whose response has no answers yet: when its
/// organisation last submitted the same questionnaire (any version, any other campaign;
/// `db::responses::last_submission`'s choice, the start page's offer). One statement.
async fn earlier_submissions(
    conn: &mut Conn,
    invitation_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, DateTime<Utc>>> {
    let rows: Vec<EarlierSubmission> = diesel::sql_query(
        "SELECT i.id AS invitation_id, p.submitted_at \
           FROM invitations i \
           JOIN campaigns k ON k.id = i.campaign_id \
           JOIN template_versions tv ON tv.id = k.template_version_id \
           CROSS JOIN LATERAL ( \
             SELECT s.submitted_at FROM submissions s \
             WHERE s.organisation_id = i.organisation_id AND s.template_id = tv.template_id \
               AND s.response_id <> i.response_id \
             ORDER BY s.submitted_at DESC, s.response_id DESC LIMIT 1) p \
          WHERE i.id = ANY($1) AND p.submitted_at IS NOT NULL \
            AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.response_id = i.response_id)",
    )
    .bind::<Array<SqlUuid>, _>(invitation_ids)
    .prepared()
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.invitation_id, r.submitted_at))
        .collect())
}

/// The messages of the jobs `job_ids`, each with its invitation, contact,
/// organisation, campaign, the campaign owner's address and the contact who handed the
/// questionnaire over (a hand-over's link), and for an invitation, a reminder or a
/// hand-over the organisation's last submission of the questionnaire, keyed by job id:
/// five statements for a whole claimed batch, whatever its size (six when it holds
/// such emails). A job without a message is missing from the map.
pub async fn contexts_of_jobs(
    conn: &mut Conn,
    job_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, MailContext>> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Uuid,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i32>,
        Option<Uuid>,
        Option<Uuid>,
    )> = jobs::table
        .filter(jobs::id.eq_any(job_ids))
        .filter(jobs::to_address.is_not_null())
        .select((
            jobs::id,
            jobs::purpose,
            jobs::to_address,
            jobs::subject,
            jobs::text_body,
            jobs::html_body,
            jobs::reminder_step,
            jobs::campaign_id,
            jobs::invitation_id,
        ))
        .load(conn)
        .await?;
    let invitation_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.8).collect();
    let invited: Vec<Uuid> = rows
        .iter()
        .filter(|r| says_last_answers(r.1.as_deref()))
        .filter_map(|r| r.8)
        .collect();
    let last_submitted = if invited.is_empty() {
        HashMap::new()
    } else {
        earlier_submissions(conn, &invited).await?
    };
    // Each invitation with the contact a hand-over made it from, if one did.
    let invitations: HashMap<Uuid, (Invitation, Option<Uuid>)> = if invitation_ids.is_empty() {
        HashMap::new()
    } else {
        invitations::table
            .filter(invitations::id.eq_any(&invitation_ids))
            .select((Invitation::as_select(), invitations::handed_over_by))
            .load::<(Invitation, Option<Uuid>)>(conn)
            .await?
            .into_iter()
            .map(|(i, from)| (i.id.uuid(), (i, from)))
            .collect()
    };
    let contact_ids: Vec<Uuid> = invitations
        .values()
        .flat_map(|(i, from)| [Some(i.contact_id.uuid()), *from])
        .flatten()
        .collect();
    // (contact name, organisation name, contact email) by contact id.
    let names: HashMap<Uuid, (String, String, String)> = if contact_ids.is_empty() {
        HashMap::new()
    } else {
        contacts::table
            .inner_join(organisations::table)
            .filter(contacts::id.eq_any(&contact_ids))
            .select((
                contacts::id,
                contacts::name,
                organisations::name,
                contacts::email,
            ))
            .load::<(Uuid, String, String, String)>(conn)
            .await?
            .into_iter()
            .map(|(id, contact, org, email)| (id, (contact, org, email)))
            .collect()
    };
    let campaign_of = |campaign_id: Option<Uuid>, invitation_id: Option<Uuid>| {
        campaign_id.or_else(|| {
            invitation_id
                .and_then(|id| invitations.get(&id))
                .map(|(i, _)| i.campaign_id)
        })
    };
    let campaign_ids: Vec<Uuid> = rows.iter().filter_map(|r| campaign_of(r.7, r.8)).collect();
    #[allow(clippy::type_complexity)]
    let campaign_rows: Vec<(Uuid, String, NaiveDate, Option<String>, Option<Uuid>)> =
        if campaign_ids.is_empty() {
            Vec::new()
        } else {
            campaigns::table
                .filter(campaigns::id.eq_any(&campaign_ids))
                .select((
                    campaigns::id,
                    campaigns::name,
                    campaigns::deadline,
                    campaigns::message,
                    campaigns::owner_user_id,
                ))
                .load(conn)
                .await?
        };
    let owner_ids: Vec<Uuid> = campaign_rows.iter().filter_map(|c| c.4).collect();
    let owners: HashMap<Uuid, String> = if owner_ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(&owner_ids))
            .filter(users::disabled_at.is_null())
            .select((users::id, users::email))
            .load::<(Uuid, String)>(conn)
            .await?
            .into_iter()
            .collect()
    };
    let campaigns: HashMap<Uuid, _> = campaign_rows
        .into_iter()
        .map(|(id, name, deadline, message, owner)| {
            let owner = owner.and_then(|o| owners.get(&o).cloned());
            (id, (name, deadline, message, owner))
        })
        .collect();
    let mut contexts = HashMap::with_capacity(rows.len());
    for (
        job_id,
        purpose,
        to_address,
        subject,
        text_body,
        html_body,
        reminder_step,
        campaign_id,
        invitation_id,
    ) in rows
    {
        let campaign = campaign_of(campaign_id, invitation_id);
        let (invitation, from) = match invitation_id.and_then(|id| invitations.get(&id)) {
            Some((i, from)) => (Some(i.clone()), *from),
            None => (None, None),
        };
        let handed_over_by = from
            .and_then(|id| names.get(&id))
            .map(|n| (n.0.clone(), n.2.clone()));
        let names = invitation
            .as_ref()
            .and_then(|i| names.get(&i.contact_id.uuid()));
        let details = campaign.and_then(|id| campaigns.get(&id));
        contexts.insert(
            job_id,
            MailContext {
                to_address: to_address.unwrap_or_default(),
                subject: subject.unwrap_or_default(),
                text_body: text_body.unwrap_or_default(),
                html_body,
                reminder_step,
                contact_name: names.map(|n| n.0.clone()),
                organisation_name: names.map(|n| n.1.clone()),
                campaign_id: campaign,
                campaign_name: details.map(|d| d.0.clone()),
                deadline: details.map(|d| d.1),
                message: details.and_then(|d| d.2.clone()),
                owner_email: details.and_then(|d| d.3.clone()),
                last_submitted: invitation_id
                    .filter(|_| says_last_answers(purpose.as_deref()))
                    .and_then(|id| last_submitted.get(&id).copied()),
                purpose,
                invitation,
                handed_over_by,
            },
        );
    }
    Ok(contexts)
}

/// An open (launched, not closed) campaign as the scheduler sees it.
#[derive(Debug, Clone, Queryable)]
pub struct OpenCampaign {
    pub id: Uuid,
    pub name: String,
    pub deadline: NaiveDate,
    pub reminder_days_before: Vec<i32>,
    pub reminder_weekly_after: i32,
    pub launched_at: Option<DateTime<Utc>>,
    pub owner_user_id: Option<Uuid>,
    pub deadline_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl OpenCampaign {
    /// From when its schedule counts (`domain::reminders::counted_from`): launched, or
    /// opened at its creation (links one by one).
    pub fn reminders_from(&self) -> DateTime<Utc> {
        crate::domain::reminders::counted_from(
            false,
            self.launched_at,
            self.created_at,
            self.deadline_changed_at,
        )
        .unwrap_or(self.created_at)
    }

    /// Its reminder schedule (`domain::reminders`).
    pub fn reminder_schedule(&self) -> crate::domain::reminders::Schedule {
        crate::domain::reminders::Schedule {
            days_before: self.reminder_days_before.clone(),
            weekly_after: self.reminder_weekly_after,
        }
    }
}

/// The address of an active staff user.
pub async fn owner_email(conn: &mut Conn, user_id: Uuid) -> QueryResult<Option<String>> {
    users::table
        .find(user_id)
        .filter(users::disabled_at.is_null())
        .select(users::email)
        .first(conn)
        .await
        .optional()
}

pub async fn open_campaigns(conn: &mut Conn) -> QueryResult<Vec<OpenCampaign>> {
    campaigns::table
        .filter(campaigns::status.eq(crate::domain::states::CampaignStatus::Open))
        .filter(campaigns::closed_at.is_null())
        .select((
            campaigns::id,
            campaigns::name,
            campaigns::deadline,
            campaigns::reminder_days_before,
            campaigns::reminder_weekly_after,
            campaigns::launched_at,
            campaigns::owner_user_id,
            campaigns::deadline_changed_at,
            campaigns::created_at,
        ))
        .order(campaigns::created_at)
        .load(conn)
        .await
}

/// The active organisations of a campaign whose response is not submitted (only those
/// added to the campaign after `added_after`, when given): the first `limit` names in
/// order, and how many there are in all.
pub async fn unsubmitted_organisations(
    conn: &mut Conn,
    campaign_id: Uuid,
    added_after: Option<DateTime<Utc>>,
    limit: usize,
) -> QueryResult<(Vec<String>, usize)> {
    use super::schema::responses;
    let unsubmitted = || {
        let mut q = responses::table
            .inner_join(organisations::table)
            .filter(responses::campaign_id.eq(campaign_id))
            .filter(responses::status.ne(crate::domain::states::ResponseStatus::Submitted))
            .filter(organisations::deactivated_at.is_null())
            .into_boxed();
        if let Some(after) = added_after {
            q = q.filter(responses::created_at.gt(after));
        }
        q
    };
    let names: Vec<String> = unsubmitted()
        .select(organisations::name)
        .order(organisations::name)
        .limit(limit as i64)
        .load(conn)
        .await?;
    let total = if names.len() < limit {
        names.len()
    } else {
        let n: i64 = unsubmitted().count().get_result(conn).await?;
        n as usize
    };
    Ok((names, total))
}

/// One organisation of a campaign as a reminder sent by hand sees it.
#[derive(QueryableByName)]
pub struct ReminderTarget {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub submitted: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub deactivated: bool,
    /// Active contacts with a working link at `now`: whom a reminder reaches.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub reachable: i64,
    /// The addresses of active contacts with a working link that the mail server refused
    /// (`address_refused_sql!`): a reminder does not go there.
    #[diesel(sql_type = Array<Text>)]
    pub refused: Vec<String>,
}

/// `organisation_id` in `campaign_id` (`None`: not in it), for [`Targets::UnsubmittedOf`].
pub async fn reminder_target(
    conn: &mut Conn,
    campaign_id: Uuid,
    organisation_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Option<ReminderTarget>> {
    diesel::sql_query(concat!(
        "SELECT o.name, r.status = 'submitted' AS submitted, \
                o.deactivated_at IS NOT NULL AS deactivated, l.reachable, l.refused \
           FROM responses r JOIN organisations o ON o.id = r.organisation_id \
           CROSS JOIN LATERAL ( \
                SELECT count(DISTINCT m.contact_id) FILTER (WHERE NOT m.refused) AS reachable, \
                       coalesce(array_agg(DISTINCT m.email) FILTER (WHERE m.refused), '{}') \
                           AS refused \
                  FROM (SELECT i.contact_id, c.email, ",
        address_refused_sql!("i", "c.email"),
        " AS refused \
                          FROM invitations i JOIN contacts c ON c.id = i.contact_id \
                         WHERE i.response_id = r.id AND i.revoked_at IS NULL \
                           AND i.expires_at > $3 AND c.deactivated_at IS NULL) m) l \
          WHERE r.campaign_id = $1 AND r.organisation_id = $2",
    ))
    .bind::<SqlUuid, _>(campaign_id)
    .bind::<SqlUuid, _>(organisation_id)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .await
    .optional()
}

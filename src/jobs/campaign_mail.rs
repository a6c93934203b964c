//! Campaign emails: invitation, reminder, escalation, submission receipt, clarification
//! request and its withdrawal, hand-over to a colleague, an extended deadline. Each is
//! one `send_email` job row (so delivery, retries, the 5xx answer on the job,
//! `/staff/jobs` and its retry action work as for every email) that says what it is
//! about: purpose, invitation (hence campaign and contact) and reminder step.
//!
//! **The link is never stored.** An email that carries a personal link is queued with
//! an empty body and rendered when it is sent ([`render`]), from the invitation:
//! `auth::links::link_token` recomputes the token and checks it against the stored
//! hash. An invitation revoked or expired before the send is not mailed (the job
//! fails permanently with that reason): a dead link is never sent.
//!
//! **At most once per step**: each queue function uses a deduplication key —
//! `invitation:{invitation}`, `reminder:{campaign}:{contact}:{step}:{deadline}`,
//! `escalation:{campaign}:{deadline}` (a step or an escalation is sent again for an
//! extended deadline), `reminder:{campaign}:{contact}:by-hand:{day}`,
//! `receipt:{invitation}`, `clarification:{invitation}:{request}`,
//! `clarification-withdrawn:{invitation}:{request}`, `handover:{invitation}`,
//! `deadline-extended:{campaign}:{contact}:{deadline}`.
//! Call them inside the transaction of the change that causes the email and
//! `jobs.wake()` after the commit.

use super::{Failure, Jobs, Worker};
use crate::auth::links::link_token;
use crate::db::campaign_mail::{self as q, MailContext, Targets};
use crate::db::Conn as AsyncPgConnection;
use crate::db::QueryResult;
use crate::domain::i18n::Lang;
use crate::email::campaign::{CampaignEmail, Purpose, ESCALATION_NAMES};
use crate::email::Email;
use crate::receipt_pdf::ReceiptDocument;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Queues the invitation email of `invitation_id` (once per invitation: a re-sent link is
/// a new invitation, so it gets its own email). Returns the job id, `None` if it was
/// queued before.
pub async fn queue_invitation(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    invitation_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    queue_one(conn, invitation_id, Purpose::Invitation, "invitation:").await
}

/// Queues the email of a hand-over's link, `invitation_id` (made by
/// `db::invitations::insert_handed_over`): the colleague's link, naming the contact
/// who handed the questionnaire over, read when it is sent. Once per invitation.
pub async fn queue_handover(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    invitation_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    queue_one(conn, invitation_id, Purpose::Handover, "handover:").await
}

/// Queues the invitation emails of many invitations in two statements (a launch).
/// Returns the new job ids.
pub async fn queue_invitations(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    invitation_ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    q::queue_for_invitations(
        conn,
        Targets::Invitations(invitation_ids),
        Purpose::Invitation.as_str(),
        "invitation:",
        false,
        "",
        None,
        None,
    )
    .await
}

/// Queues reminder step `step` of `campaign_id` to every active contact (with a working
/// link issued before the step fell due) of every active organisation that has not
/// submitted, at most once per (contact, step, `deadline`): an extended deadline's steps
/// are new steps (`domain::reminders`). A contact whose link came after the
/// step's time (an organisation added late, a hand-over, a link sent again) just had
/// its invitation: it gets the next step, not this one minutes later. Returns the new
/// job ids.
pub async fn queue_reminder(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    (campaign_id, deadline): (Uuid, chrono::NaiveDate),
    step: &crate::domain::reminders::Step,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    let (step, issued_before) = (step.number, step.at);
    q::queue_for_invitations(
        conn,
        Targets::Unsubmitted {
            campaign_id,
            now,
            issued_before,
        },
        Purpose::Reminder.as_str(),
        &format!("reminder:{campaign_id}:"),
        true,
        &format!(":{step}:{deadline}"),
        None,
        Some(step),
    )
    .await
}

/// Tells every active contact with a working link of every active organisation of
/// `campaign_id` that has not submitted that the deadline is now `deadline`: once per
/// (contact, deadline). Returns the new job ids.
pub async fn queue_deadline_extended(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    (campaign_id, deadline): (Uuid, chrono::NaiveDate),
    now: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    q::queue_for_invitations(
        conn,
        Targets::Unsubmitted {
            campaign_id,
            now,
            issued_before: now,
        },
        Purpose::DeadlineExtended.as_str(),
        &format!("deadline-extended:{campaign_id}:"),
        true,
        &format!(":{deadline}"),
        None,
        None,
    )
    .await
}

/// Who is told that a campaign's deadline passed with organisations overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationTo {
    /// The campaign's active owner (id, address).
    Owner(Uuid, String),
    /// An active administrator (id, address), when the campaign has no active owner.
    Administrator(Uuid, String),
}

/// An escalation's key: once per campaign and deadline for the owner (the key the
/// scheduler has always used), once per campaign, deadline and administrator otherwise.
fn escalation_key(
    campaign_id: Uuid,
    deadline: chrono::NaiveDate,
    administrator: Option<Uuid>,
) -> String {
    match administrator {
        None => format!("escalation:{campaign_id}:{deadline}"),
        Some(id) => format!("escalation:{campaign_id}:{deadline}:admin:{id}"),
    }
}

impl EscalationTo {
    fn dedup_key(&self, campaign_id: Uuid, deadline: chrono::NaiveDate) -> String {
        match self {
            EscalationTo::Owner(..) => escalation_key(campaign_id, deadline, None),
            EscalationTo::Administrator(id, _) => escalation_key(campaign_id, deadline, Some(*id)),
        }
    }

    fn address(&self) -> &str {
        match self {
            EscalationTo::Owner(_, a) | EscalationTo::Administrator(_, a) => a,
        }
    }
}

/// Tells `to` (the campaign owner, or an administrator when it has no active owner),
/// once per campaign and deadline, which organisations are overdue (nothing when none
/// is) and when their contacts get the next scheduled reminder (`next_reminder`;
/// `None`: none is left). When that notice went already, organisations added to the
/// campaign since the last notice to `to` and still not submitted are named in a
/// follow-up, once per notice (`{key}:added-after:{the last notice's job}`): a pass
/// after the notice reads only those, not every overdue organisation again. The body
/// is stored (it carries no personal link).
#[allow(clippy::too_many_arguments)]
pub async fn queue_escalation(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    campaign_id: Uuid,
    campaign_name: &str,
    deadline: chrono::NaiveDate,
    to: &EscalationTo,
    next_reminder: Option<chrono::NaiveDate>,
    sender_company: &str,
    public_base_url: &str,
) -> QueryResult<Option<Uuid>> {
    let mut key = to.dedup_key(campaign_id, deadline);
    if let EscalationTo::Owner(id, _) = to {
        // An administrator told while the campaign had no owner, who has taken it over
        // since, already has this deadline's notice: the follow-ups go on from it.
        let as_administrator = escalation_key(campaign_id, deadline, Some(*id));
        if crate::db::jobs::key_used(conn, &as_administrator).await? {
            key = as_administrator;
        }
    }
    let last = crate::db::jobs::latest_of_key(conn, campaign_id, &key, ":added-after:").await?;
    let (organisations, total) = q::unsubmitted_organisations(
        conn,
        campaign_id,
        last.map(|(_, sent_at)| sent_at),
        ESCALATION_NAMES,
    )
    .await?;
    if organisations.is_empty() {
        return Ok(None);
    }
    let (key, added_after) = match last {
        None => (key, false),
        Some((last, _)) => (format!("{key}:added-after:{last}"), true),
    };
    let email = CampaignEmail {
        lang: Lang::En,
        purpose: Purpose::Escalation,
        contact: String::new(),
        organisation: String::new(),
        campaign: campaign_name.to_string(),
        deadline,
        link: format!("{public_base_url}/staff/campaigns/{campaign_id}"),
        sender_company: sender_company.to_string(),
        message: None,
        overdue: true,
        organisations_more: total - organisations.len(),
        organisations,
        can_reply: false,
        from_name: String::new(),
        from_email: String::new(),
        last_submitted: None,
        next_reminder,
        no_owner: matches!(to, EscalationTo::Administrator(..)),
        added_after,
    }
    .render(to.address())
    .map_err(|e| crate::db::DbError::QueryBuilderError(e.into()))?;
    q::queue_plain(
        conn,
        &key,
        to.address(),
        &email.subject,
        &email.text,
        email.html.as_deref(),
        Purpose::Escalation.as_str(),
        campaign_id,
    )
    .await
}

/// Queues the submission receipt to the contact of `invitation_id` (once).
pub async fn queue_receipt(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    invitation_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    queue_one(conn, invitation_id, Purpose::Receipt, "receipt:").await
}

/// Queues one email of `purpose` to the contact of `invitation_id`, once per
/// `dedup_prefix` + invitation id, with nothing stored in its body.
async fn queue_one(
    conn: &mut AsyncPgConnection,
    invitation_id: Uuid,
    purpose: Purpose,
    dedup_prefix: &str,
) -> QueryResult<Option<Uuid>> {
    let ids = q::queue_for_invitations(
        conn,
        Targets::Invitation(invitation_id),
        purpose.as_str(),
        dedup_prefix,
        false,
        "",
        None,
        None,
    )
    .await?;
    Ok(ids.into_iter().next())
}

/// Queues a clarification request (the committee's `question`, stored as the body's
/// message: it is not a secret) to the contact of `invitation_id`; `request_id` names
/// the request, so the same request is mailed once.
pub async fn queue_clarification(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    invitation_id: Uuid,
    request_id: Uuid,
    question: &str,
) -> QueryResult<Option<Uuid>> {
    let ids = q::queue_for_invitations(
        conn,
        Targets::Invitation(invitation_id),
        Purpose::Clarification.as_str(),
        "clarification:",
        false,
        &format!(":{request_id}"),
        Some(question),
        None,
    )
    .await?;
    Ok(ids.into_iter().next())
}

/// Tells the contact of `invitation_id`, once per request (`request_id`), that the
/// committee withdrew its questions (`questions`, stored as the body's message, as the
/// request's): no answer is needed. Rendered at send time like the request, in the
/// invitation's language, but with no link, so it goes out whatever became of the link.
pub async fn queue_clarification_withdrawn(
    conn: &mut AsyncPgConnection,
    _jobs: &Jobs,
    invitation_id: Uuid,
    request_id: Uuid,
    questions: &str,
) -> QueryResult<Option<Uuid>> {
    let ids = q::queue_for_invitations(
        conn,
        Targets::Invitation(invitation_id),
        Purpose::ClarificationWithdrawn.as_str(),
        "clarification-withdrawn:",
        false,
        &format!(":{request_id}"),
        Some(questions),
        None,
    )
    .await?;
    Ok(ids.into_iter().next())
}

/// The message to send for a campaign email, rendered now (with its link, if it has
/// one), and the Reply-To (the campaign owner). `None` for an email that is not a
/// campaign email of an invitation (it is sent as stored). `lang`: the language of the email when it is not
/// the invitation's (a receipt's, in the language the response was submitted in).
pub(super) fn render(
    worker: &Worker,
    ctx: &MailContext,
    lang: Option<Lang>,
) -> Option<Result<(Email, Option<String>), Failure>> {
    let purpose = ctx.purpose.as_deref().and_then(Purpose::parse)?;
    if purpose == Purpose::Escalation {
        return None;
    }
    let invitation = ctx.invitation.as_ref()?;
    Some(render_invitation(worker, ctx, purpose, invitation, lang))
}

fn render_invitation(
    worker: &Worker,
    ctx: &MailContext,
    purpose: Purpose,
    invitation: &crate::db::models::Invitation,
    lang: Option<Lang>,
) -> Result<(Email, Option<String>), Failure> {
    // A withdrawn question's notice has no link: it goes out whatever became of it.
    let link = if purpose.has_personal_link() {
        let token = personal_link(worker, purpose, invitation)?;
        // A clarification opens the page with only the reopened questions.
        match purpose {
            Purpose::Clarification => format!("{}/r/{token}/clarification", worker.public_base_url),
            _ => format!("{}/r/{token}", worker.public_base_url),
        }
    } else {
        String::new()
    };
    let deadline = ctx
        .deadline
        .ok_or_else(|| Failure::Permanent("no campaign for this email".into()))?;
    // Sent after the deadline, a reminder, an invitation (an organisation added late, a
    // link sent again) or a hand-over says when the deadline was and asks for answers
    // soon, never "please answer by" a day gone.
    let overdue = crate::domain::reminders::deadline_passed(deadline, worker.clock.now())
        && match purpose {
            Purpose::Reminder => ctx.reminder_step.is_some(),
            Purpose::Invitation | Purpose::Handover => true,
            _ => false,
        };
    let message = match purpose {
        Purpose::Clarification | Purpose::ClarificationWithdrawn => {
            Some(ctx.text_body.clone()).filter(|m| !m.trim().is_empty())
        }
        Purpose::Invitation | Purpose::Reminder | Purpose::Handover => ctx.message.clone(),
        _ => None,
    };
    // A hand-over's email names who handed the questionnaire over; without them (a
    // contact that is gone) it says nothing it cannot back.
    let from = match purpose {
        Purpose::Handover => ctx.handed_over_by.clone().ok_or_else(|| {
            Failure::Permanent("not sent: the contact who handed it over is not found".into())
        })?,
        _ => Default::default(),
    };
    let email = CampaignEmail {
        lang: lang.unwrap_or(invitation.language),
        purpose,
        contact: ctx.contact_name.clone().unwrap_or_default(),
        organisation: ctx.organisation_name.clone().unwrap_or_default(),
        campaign: ctx.campaign_name.clone().unwrap_or_default(),
        deadline,
        link,
        sender_company: worker.sender_company.clone(),
        message,
        overdue,
        organisations: Vec::new(),
        organisations_more: 0,
        // Replies go to the owner (Reply-To); without one they would reach the no-reply
        // sender, so the email does not ask for them.
        can_reply: crate::email::reply_to_mailbox(ctx.owner_email.as_deref()).is_some(),
        from_name: from.0,
        from_email: from.1,
        last_submitted: ctx.last_submitted.map(|t| t.date_naive()),
        next_reminder: None,
        no_owner: false,
        added_after: false,
    }
    .render(&ctx.to_address)
    .map_err(|e| Failure::Permanent(format!("rendering the email: {e}")))?;
    Ok((email, ctx.owner_email.clone()))
}

/// The token of the invitation's link, recomputed now; refused for a link revoked or
/// expired (but a receipt's) before the send, or that cannot be recomputed.
fn personal_link(
    worker: &Worker,
    purpose: Purpose,
    invitation: &crate::db::models::Invitation,
) -> Result<String, Failure> {
    if invitation.revoked_at.is_some() {
        return Err(Failure::Permanent(
            "not sent: the link was revoked before the email went out".into(),
        ));
    }
    if invitation.expires_at <= Utc::now() && purpose != Purpose::Receipt {
        return Err(Failure::Permanent(
            "not sent: the link expired before the email went out".into(),
        ));
    }
    let keys = worker
        .link_keys
        .as_ref()
        .ok_or_else(|| Failure::Retry("this worker has no link keys (HRDD_SECRET_KEY)".into()))?;
    link_token(keys, invitation).ok_or_else(|| {
        Failure::Permanent(
            "not sent: the link cannot be recomputed (an older link, or its secret key is gone); re-send the invitation".into(),
        )
    })
}

/// The invitation of a receipt email (whose response the receipt is of); `None` for
/// other emails.
pub(super) fn receipt_invitation(ctx: &MailContext) -> Option<&crate::db::models::Invitation> {
    if ctx.purpose.as_deref().and_then(Purpose::parse) != Some(Purpose::Receipt) {
        return None;
    }
    ctx.invitation.as_ref()
}

/// The receipt PDF for a receipt email, made now from `receipt`, its receipt read with
/// the batch from the stored answers (in the language the response was submitted in;
/// missing when the response is not submitted). `None` for other emails.
pub(super) async fn receipt_attachment(
    worker: &Worker,
    ctx: &MailContext,
    receipt: Option<Result<ReceiptDocument, String>>,
) -> Option<Result<crate::email::Attachment, Failure>> {
    receipt_invitation(ctx)?;
    Some(make_receipt(worker, receipt).await)
}

async fn make_receipt(
    worker: &Worker,
    receipt: Option<Result<ReceiptDocument, String>>,
) -> Result<crate::email::Attachment, Failure> {
    let receipts = worker.receipts.as_ref().ok_or_else(|| {
        Failure::Retry("this worker makes no receipt PDFs (no questionnaires or font)".into())
    })?;
    let doc = receipt
        .ok_or_else(|| Failure::Permanent("not sent: the response is not submitted".into()))?
        .map_err(Failure::Retry)?;
    let file_name = doc.file_name();
    let bytes = crate::services::receipts::pdf(
        receipts.font.clone(),
        doc,
        crate::services::receipts::Waiting::Email,
    )
    .await
    .map_err(|e| Failure::Retry(format!("the receipt PDF: {e}")))?;
    Ok(crate::email::Attachment {
        file_name,
        content_type: "application/pdf",
        bytes,
    })
}

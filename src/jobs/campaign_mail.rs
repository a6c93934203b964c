//! Invitation emails of campaigns: queued in the transaction that issues the link, and
//! rendered by the `send_email` job **when it is sent**, with the link recomputed from
//! the invitation (`auth::links`). The outbox row holds the recipient, a subject and an
//! empty body: the link is never stored in clear.
//!
//! A minimal plain-text invitation in the contact's language (en, ja, vi); the full
//! template set (HTML, Reply-To of the owner, reminders) belongs to the email templates.

use super::{Failure, Jobs, Kind, NewJob, Worker};
use crate::auth::links::link_token;
use crate::db::campaigns as q;
use crate::db::models::Invitation;
use crate::db::schema::invitations;
use crate::email::Email;
use diesel::prelude::*;
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The dedup key of an invitation's email: one email per link, ever.
pub fn dedup_key(invitation_id: Uuid) -> String {
    format!("invitation:{invitation_id}")
}

/// Queues the invitation email of link `invitation_id` (inside the caller's
/// transaction); the job id, or `None` when it was queued before.
pub async fn queue_invitation(
    conn: &mut AsyncPgConnection,
    jobs: &Jobs,
    invitation_id: Uuid,
    contact_id: Uuid,
    campaign_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    let job =
        NewJob::new(Kind::SendEmail, serde_json::json!({})).dedup_key(dedup_key(invitation_id));
    let Some(id) = jobs.enqueue(conn, job).await? else {
        return Ok(None);
    };
    q::insert_invitation_email(conn, id, invitation_id, contact_id, campaign_id).await?;
    Ok(Some(id))
}

/// The invitation email of job `job_id` rendered now, or `None` when the job's message
/// is not an invitation (then it is sent as stored).
pub(super) async fn render_at_send(
    worker: &Worker,
    conn: &mut AsyncPgConnection,
    job_id: Uuid,
) -> Result<Option<Email>, Failure> {
    let db = |e: diesel::result::Error| Failure::Retry(format!("database: {e}"));
    let Some(mail) = q::invitation_mail(conn, job_id).await.map_err(db)? else {
        return Ok(None);
    };
    if !mail.usable {
        return Err(Failure::Permanent(
            "the link was revoked or expired before the email was sent".into(),
        ));
    }
    let keys = worker.link_keys.as_ref().ok_or_else(|| {
        Failure::Permanent("this worker has no link keys: cannot render the link".into())
    })?;
    let invitation: Invitation = invitations::table
        .find(mail.invitation_id)
        .select(Invitation::as_select())
        .first(conn)
        .await
        .map_err(db)?;
    let token = link_token(keys, &invitation).ok_or_else(|| {
        Failure::Permanent("the link cannot be recomputed (its key is gone): re-send it".into())
    })?;
    let link = format!("{}/r/{token}", worker.public_base_url);
    Ok(Some(invitation_email(&mail, &link)))
}

/// The message in the invitation's language.
pub fn invitation_email(mail: &q::InvitationMail, link: &str) -> Email {
    let deadline = mail.deadline.format("%Y-%m-%d").to_string();
    let message = mail
        .message
        .as_deref()
        .map(|m| format!("\n{m}\n"))
        .unwrap_or_default();
    let (subject, text) = match mail.language.as_str() {
        "ja" => (
            format!("アンケートのご依頼: {}", mail.campaign_name),
            format!(
                "{} 様\n\n{} として、アンケート「{}」へのご回答をお願いいたします。\n{}\n回答期限: {}\n\n回答はこちらのリンクから（あなた専用のリンクです。転送しないでください）:\n{}\n",
                mail.contact_name, mail.organisation_name, mail.campaign_name, message, deadline, link
            ),
        ),
        "vi" => (
            format!("Yêu cầu trả lời bảng câu hỏi: {}", mail.campaign_name),
            format!(
                "Kính gửi {},\n\nXin vui lòng trả lời bảng câu hỏi \"{}\" thay mặt cho {}.\n{}\nHạn chót: {}\n\nLiên kết cá nhân của bạn (vui lòng không chuyển tiếp):\n{}\n",
                mail.contact_name, mail.campaign_name, mail.organisation_name, message, deadline, link
            ),
        ),
        _ => (
            format!("Questionnaire: {}", mail.campaign_name),
            format!(
                "Dear {},\n\nPlease answer the questionnaire \"{}\" for {}.\n{}\nDeadline: {}\n\nYour personal link (please do not forward it):\n{}\n",
                mail.contact_name, mail.campaign_name, mail.organisation_name, message, deadline, link
            ),
        ),
    };
    Email {
        to: mail.to_address.clone(),
        subject: subject.chars().take(300).collect(),
        text,
        html: None,
    }
}

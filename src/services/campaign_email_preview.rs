//! What a campaign's invitation and reminder emails will say, before they are sent: the
//! templates filled with the campaign's own name, deadline, message and sender, in a
//! language of its questionnaire, for a sample contact and a link that is not one.

use super::{Conn, Ctx};
use crate::db;
use crate::domain::i18n::Lang;
use crate::domain::ids::CampaignId;
use crate::email::campaign::{CampaignEmail, Purpose};
use crate::email::Email;
use crate::error::AppError;

/// The emails a preview shows.
pub const KINDS: [Purpose; 3] = [
    Purpose::Invitation,
    Purpose::Reminder,
    Purpose::DeadlineExtended,
];

/// Where the personal link goes in a preview: visibly not a link anyone can open.
pub const LINK_PLACEHOLDER: &str = "[personal link]";

/// A rendered preview.
pub struct EmailPreview {
    pub campaign_name: String,
    /// The questionnaire's languages: those a contact may get the email in.
    pub languages: Vec<Lang>,
    pub lang: Lang,
    pub purpose: Purpose,
    pub email: Email,
}

/// The `purpose` email of `campaign_id` in `lang` (default: the questionnaire's first
/// language); refused for a language the questionnaire does not have.
pub async fn preview(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    sender_company: &str,
    campaign_id: CampaignId,
    lang: Option<Lang>,
    purpose: Purpose,
) -> Result<EmailPreview, AppError> {
    let campaign = db::campaigns::find(conn, campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let languages = ctx
        .registry
        .get(campaign.template_version_id)
        .map(|v| v.questionnaire.languages.clone())
        .unwrap_or_else(|| vec![Lang::En]);
    let lang = lang.unwrap_or(languages[0]);
    if !languages.contains(&lang) {
        return Err(AppError::field(
            "lang",
            "the questionnaire is not in this language",
        ));
    }
    let owner = match campaign.owner_user_id {
        Some(id) => db::campaign_mail::owner_email(conn, id).await?,
        None => None,
    };
    let email = CampaignEmail {
        lang,
        purpose,
        contact: "[contact name]".into(),
        organisation: "[organisation name]".into(),
        campaign: campaign.name.clone(),
        deadline: campaign.deadline,
        link: format!("{}/r/{LINK_PLACEHOLDER}", ctx.public_base_url),
        sender_company: sender_company.to_string(),
        message: campaign.message.clone(),
        overdue: false,
        organisations: Vec::new(),
        organisations_more: 0,
        can_reply: crate::email::reply_to_mailbox(owner.as_deref()).is_some(),
        from_name: String::new(),
        from_email: String::new(),
        // Said only to an organisation that has submitted the questionnaire before;
        // the preview's page tells.
        last_submitted: None,
        next_reminder: None,
        no_owner: false,
        added_after: false,
    }
    .render("[contact email]")
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(EmailPreview {
        campaign_name: campaign.name,
        languages,
        lang,
        purpose,
        email,
    })
}

//! A new campaign started from an earlier one ("Run again", for next year's round to
//! the same suppliers): the earlier campaign's questionnaire at its newest version,
//! reminder schedule, message and audience, for the staff's draft form. Nothing is
//! written until that form is saved; the draft's `campaign.created` audit entry then
//! names the campaign it was copied from.

use super::Conn;
use crate::db;
pub use crate::db::campaigns::CampaignRecord;
use crate::domain::campaign::Audience;
use crate::domain::ids::CampaignId;
use crate::domain::states::CampaignStatus;
use crate::error::AppError;
use crate::services::questionnaires::QuestionnaireRegistry;

/// What a campaign copied from `source` starts with.
#[derive(Debug)]
pub struct CampaignCopy {
    pub source: CampaignRecord,
    /// The questionnaire id and version the copy takes: the newest stored version of
    /// the source's questionnaire (the source's may be older).
    pub version: Option<(String, u32)>,
    /// The source's version number when the copy takes a newer one.
    pub newer_than: Option<u32>,
    /// The source's filter as it was (it is applied again at the launch), or the
    /// organisations the source went to (or, for a draft, picked) that are still active.
    pub audience: Audience,
    /// Organisations of the source left out because they are deactivated since.
    pub left_out: usize,
}

/// The copy of campaign `id`, in any state; 404 when there is none.
pub async fn copy_of(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    id: CampaignId,
) -> Result<CampaignCopy, AppError> {
    let source = db::campaigns::find(conn, id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    let pinned = registry.get(source.template_version_id);
    let newest = pinned
        .as_ref()
        .and_then(|p| registry.find(&p.questionnaire.id, None));
    let version = newest
        .as_ref()
        .map(|n| (n.questionnaire.id.clone(), n.questionnaire.version));
    let newer_than = match (&pinned, &newest) {
        (Some(p), Some(n)) if n.questionnaire.version > p.questionnaire.version => {
            Some(p.questionnaire.version)
        }
        _ => None,
    };
    let stored: Option<Audience> = source
        .audience
        .clone()
        .and_then(|a| serde_json::from_value(a).ok());
    let (audience, left_out) = match stored {
        Some(Audience::Filter(filter)) => (Audience::Filter(filter), 0),
        Some(Audience::Organisations(ids)) if source.status == CampaignStatus::Draft => {
            let active =
                db::campaigns::audience_organisations(conn, Some(&ids), &Default::default())
                    .await?;
            let left_out = ids.len().saturating_sub(active.len());
            (Audience::Organisations(active), left_out)
        }
        // Launched (or opened through the API without an audience): those it went to,
        // with the organisations added after its launch.
        _ => {
            let (active, left_out) = db::campaigns::members(conn, id).await?;
            (Audience::Organisations(active), left_out)
        }
    };
    Ok(CampaignCopy {
        source,
        version,
        newer_than,
        audience,
        left_out,
    })
}

/// The campaign that campaign `id` was copied from, as its `campaign.created` audit
/// entry names it, while that campaign exists: (id, name).
pub async fn source_of(
    conn: &mut Conn,
    id: CampaignId,
) -> Result<Option<(CampaignId, String)>, AppError> {
    let entries = db::audit::for_subject(conn, "campaign", &id.to_string()).await?;
    let source = entries
        .iter()
        .find(|e| e.action == "campaign.created")
        .and_then(|e| {
            e.details
                .get("copied_from")?
                .as_str()?
                .parse::<CampaignId>()
                .ok()
        });
    let Some(source) = source else {
        return Ok(None);
    };
    Ok(db::campaigns::find(conn, source)
        .await?
        .map(|c| (source, c.name)))
}

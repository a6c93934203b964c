//! A draft campaign edited before its launch: every field of the draft form (name,
//! questionnaire version, audience, deadline, reminder schedule, message) checked as a
//! new campaign's, written in one transaction with one `campaign.draft_edited` audit
//! entry saying what changed. A launched or closed campaign refuses (its questionnaire
//! version is pinned for life). The staff form sends every field; the API
//! (`PATCH /api/v1/campaigns/{id}`) only those that change.

use super::campaigns::NewCampaign;
use super::{Conn, Ctx};
use crate::db;
use crate::db::audit::{self, Actor};
pub use crate::db::campaigns::CampaignRecord;
use crate::domain::campaign::{Action, Audience};
use crate::domain::ids::CampaignId;
use crate::domain::states::CampaignStatus;
use crate::error::AppError;
use crate::services::questionnaires::QuestionnaireRegistry;
use chrono::{DateTime, NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

/// A draft campaign as its edit form opens, or why it cannot be edited: a launched or
/// closed campaign is refused (409), its questionnaire version pinned for life.
pub async fn draft_to_edit(conn: &mut Conn, id: CampaignId) -> Result<CampaignRecord, AppError> {
    let c = db::campaigns::find(conn, id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    editable(&c)?;
    Ok(c)
}

fn editable(c: &CampaignRecord) -> Result<(), AppError> {
    super::campaign_allows(c.status, Action::EditDraft)
}

/// Changes to a draft: absent fields stay as they are (`"message": ""` removes the
/// message; a `template_id` without `template_version` takes its latest version, a
/// `template_version` alone keeps the questionnaire).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftChanges {
    pub name: Option<String>,
    pub template_id: Option<String>,
    pub template_version: Option<u32>,
    pub deadline: Option<NaiveDate>,
    pub owner_user_id: Option<Uuid>,
    pub message: Option<String>,
    pub reminder_days_before: Option<Vec<i32>>,
    pub reminder_weekly_after: Option<i32>,
    pub link_grace_days: Option<i32>,
    pub audience: Option<Audience>,
    /// The draft's `updated_at` as read: the edit applies only if it is still that
    /// (else 409 naming what changed meanwhile). Absent: no check.
    pub updated_at: Option<DateTime<Utc>>,
}

impl DraftChanges {
    /// The draft `c` with these changes, as a new campaign's input.
    fn over(self, c: &CampaignRecord, registry: &QuestionnaireRegistry) -> NewCampaign {
        let pinned = registry.get(c.template_version_id);
        let (template_id, template_version) = match (self.template_id, self.template_version) {
            (Some(id), version) => (id, version),
            (None, version) => (
                pinned
                    .as_ref()
                    .map(|v| v.questionnaire.id.clone())
                    .unwrap_or_default(),
                version.or(pinned.as_ref().map(|v| v.questionnaire.version)),
            ),
        };
        NewCampaign {
            name: self.name.unwrap_or_else(|| c.name.clone()),
            template_id,
            template_version,
            deadline: self.deadline.unwrap_or(c.deadline),
            owner_user_id: self.owner_user_id.or(c.owner_user_id),
            message: self.message.or_else(|| c.message.clone()),
            reminder_days_before: Some(
                self.reminder_days_before
                    .unwrap_or_else(|| c.reminder_days_before.clone()),
            ),
            reminder_weekly_after: Some(
                self.reminder_weekly_after
                    .unwrap_or(c.reminder_weekly_after),
            ),
            link_grace_days: Some(self.link_grace_days.unwrap_or(c.link_grace_days)),
            audience: self.audience.or_else(|| {
                c.audience
                    .clone()
                    .and_then(|a| serde_json::from_value(a).ok())
            }),
            copied_from: None,
        }
    }
}

/// An edit of a draft: the whole form, or some fields.
#[derive(Debug)]
pub enum DraftEdit {
    /// Every field of the draft form; the owner and the links' grace period (not on
    /// the form) stay as they were unless given.
    Whole(NewCampaign),
    Changes(DraftChanges),
}

/// A draft edit refused because the draft changed since its form (or the API client)
/// read it: nothing written; the draft as stored now and the fields changed meanwhile.
#[derive(Debug)]
pub struct StaleDraft {
    pub current: CampaignRecord,
    /// Fields saved meanwhile (from the `campaign.draft_edited` entries since), in the
    /// audit entries' spelling; empty when they cannot be told.
    pub changed: Vec<String>,
}

/// What an edit of a draft did: the draft as stored now, and the fields that changed
/// (none: nothing was written, no audit entry).
#[derive(Debug)]
pub struct DraftEdited {
    pub campaign: CampaignRecord,
    pub changed: Vec<String>,
}

/// Edits a draft, its fields checked as a new campaign's (every problem at once,
/// nothing written when one is wrong), in one transaction with a `campaign.draft_edited`
/// audit entry saying what changed (none when nothing did). A launched or closed
/// campaign is refused (409) before the edit is looked at. With `expected` (the draft's
/// `updated_at` when its form was read), an edit that would change something applies
/// only if the draft is still at that version (the UPDATE's `WHERE`, under the row's
/// lock): else `Ok(Err(StaleDraft))`, nothing written.
pub async fn edit_draft(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    edit: DraftEdit,
    expected: Option<DateTime<Utc>>,
) -> Result<Result<DraftEdited, StaleDraft>, AppError> {
    let registry = ctx.registry;
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let current = db::campaigns::lock(tx, campaign_id)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
            // Refused first: a launched campaign's edit is refused whatever it holds.
            editable(&current)?;
            let expected = match &edit {
                DraftEdit::Changes(c) => c.updated_at.or(expected),
                DraftEdit::Whole(_) => expected,
            };
            // A new owner given must be one who may own it; the owner it has stays
            // whatever became of their account (a hand-over changes it).
            let new_owner = match &edit {
                DraftEdit::Whole(input) => input.owner_user_id,
                DraftEdit::Changes(c) => c.owner_user_id,
            };
            if let Some(owner) = new_owner.filter(|o| Some(*o) != current.owner_user_id) {
                super::campaign_owner::eligible(tx, owner).await?;
            }
            let mut input = match edit {
                DraftEdit::Whole(mut input) => {
                    // What the form does not hold stays as it was.
                    input.owner_user_id = input.owner_user_id.or(current.owner_user_id);
                    input.link_grace_days = input.link_grace_days.or(Some(current.link_grace_days));
                    input
                }
                DraftEdit::Changes(changes) => changes.over(&current, registry),
            };
            // Every problem at once; returning it writes nothing.
            let version = super::campaigns::checked(ctx, &mut input)?;
            let details = super::campaign_lifecycle::CampaignDetails::checked(&input)?;
            let was = current
                .audience
                .clone()
                .and_then(|a| serde_json::from_value::<Audience>(a).ok());
            let old_version = registry
                .get(current.template_version_id)
                .map(|v| format!("{} v{}", v.questionnaire.id, v.questionnaire.version));
            let new_version = format!(
                "{} v{}",
                version.questionnaire.id, version.questionnaire.version
            );
            let mut changes = serde_json::Map::new();
            let mut note = |field: &str, from: serde_json::Value, to: serde_json::Value| {
                if from != to {
                    changes.insert(field.into(), json!({"from": from, "to": to}));
                }
            };
            note("name", json!(current.name), json!(input.name));
            note("questionnaire", json!(old_version), json!(new_version));
            note("deadline", json!(current.deadline), json!(input.deadline));
            note("message", json!(current.message), json!(details.message));
            note(
                "reminder_days_before",
                json!(current.reminder_days_before),
                json!(details.reminder_days_before),
            );
            note(
                "reminder_weekly_after",
                json!(current.reminder_weekly_after),
                json!(details.reminder_weekly_after),
            );
            note(
                "link_grace_days",
                json!(current.link_grace_days),
                json!(details.link_grace_days),
            );
            note(
                "owner_user_id",
                json!(current.owner_user_id),
                json!(details.owner_user_id),
            );
            if let Some(change) = audience_change(was.as_ref(), details.audience.as_ref()) {
                changes.insert("audience".into(), change);
            }
            if changes.is_empty() {
                // Already as asked: nothing to write.
                return Ok(Ok(DraftEdited {
                    campaign: current,
                    changed: Vec::new(),
                }));
            }
            let read_at = expected.unwrap_or(current.updated_at);
            if read_at != current.updated_at {
                let changed = changed_since(tx, campaign_id, read_at).await?;
                return Ok(Err(StaleDraft { current, changed }));
            }
            if !db::campaigns::set_draft_basics(
                tx,
                campaign_id,
                read_at,
                &input.name,
                version.id,
                input.deadline,
            )
            .await?
            {
                return Err(AppError::Conflict("only a draft can be edited".into()));
            }
            let campaign = details.store(tx, campaign_id).await?;
            let changed: Vec<String> = changes.keys().cloned().collect();
            audit::append(
                tx,
                actor,
                "campaign.draft_edited",
                "campaign",
                campaign_id,
                json!({"changed": changes, "version": campaign.updated_at}),
            )
            .await?;
            Ok(Ok(DraftEdited { campaign, changed }))
        }
        .scope_boxed()
    })
    .await
}

/// Deletes a never-launched draft with its picked organisations, in one transaction
/// with a `campaign.draft_deleted` audit entry naming it; a launched or closed campaign
/// is refused (409: it is closed, never deleted). Returns the draft's name.
pub async fn delete_draft(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
) -> Result<String, AppError> {
    crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let current = db::campaigns::lock(tx, campaign_id)
                .await?
                .ok_or(AppError::NotFound("campaign"))?;
            let refused = || {
                AppError::Conflict(
                    "only a draft that was never launched can be deleted: a launched campaign is closed instead".into(),
                )
            };
            if current.status != CampaignStatus::Draft || current.launched_at.is_some() {
                return Err(refused());
            }
            audit::append(
                tx,
                actor,
                "campaign.draft_deleted",
                "campaign",
                campaign_id,
                json!({"name": current.name, "audience": current.audience}),
            )
            .await?;
            if !db::campaigns::delete_draft(tx, campaign_id).await? {
                return Err(refused());
            }
            Ok(current.name)
        }
        .scope_boxed()
    })
    .await
}

/// The fields of draft `id` saved since its version `since`: those its
/// `campaign.draft_edited` entries name, but the entry that made `since` (whose
/// `version` is `since`).
async fn changed_since(
    conn: &mut Conn,
    id: CampaignId,
    since: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let entries = db::audit::for_subject(conn, "campaign", &id.to_string()).await?;
    let mut changed: Vec<String> = Vec::new();
    for e in entries.iter().filter(|e| {
        e.action == "campaign.draft_edited"
            && e.occurred_at >= since
            && e.details.get("version") != Some(&json!(since))
    }) {
        if let Some(fields) = e.details.get("changed").and_then(|c| c.as_object()) {
            for f in fields.keys() {
                if !changed.contains(f) {
                    changed.push(f.clone());
                }
            }
        }
    }
    Ok(changed)
}

/// How a draft's audience changed, for its audit entry (`None`: it did not): picked
/// organisations compared as sets, with those added and removed.
fn audience_change(was: Option<&Audience>, now: Option<&Audience>) -> Option<serde_json::Value> {
    use std::collections::BTreeSet;
    let summary = |a: Option<&Audience>| match a {
        None => json!(null),
        Some(Audience::Organisations(ids)) => json!({"organisations": ids.len()}),
        Some(Audience::Filter(f)) => json!({"filter": f}),
    };
    match (was, now) {
        (Some(Audience::Organisations(a)), Some(Audience::Organisations(b))) => {
            let a: BTreeSet<_> = a.iter().collect();
            let b: BTreeSet<_> = b.iter().collect();
            (a != b).then(|| {
                json!({
                    "from": {"organisations": a.len()},
                    "to": {"organisations": b.len()},
                    "added": b.difference(&a).collect::<Vec<_>>(),
                    "removed": a.difference(&b).collect::<Vec<_>>(),
                })
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some(json!({"from": summary(a), "to": summary(b)})),
    }
}

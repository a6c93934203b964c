//! The draft form's fields taken from a stored campaign, as `campaigns::draft_input`
//! reads them: a draft to edit (its own values), or a campaign to copy ("Run again":
//! its questionnaire at the newest version, schedule, message and audience; a new
//! deadline to choose), with what the copy took said above the form.

use crate::domain::campaign::Audience;
use crate::domain::states::CampaignStatus;
use crate::services::campaign_copies::{CampaignCopy, CampaignRecord};
use crate::services::campaign_lifecycle::counted;
use crate::state::AppState;

/// A stored draft as the form's fields, so that the edit form opens with its values.
pub(super) fn form_of(state: &AppState, c: &CampaignRecord) -> Vec<(String, String)> {
    let version = state
        .registry
        .get(c.template_version_id)
        .map(|v| (v.questionnaire.id.clone(), v.questionnaire.version));
    let audience = c
        .audience
        .clone()
        .and_then(|a| serde_json::from_value::<Audience>(a).ok());
    // The version the form was read at: a save applies only if the draft is still so.
    let mut form = vec![(
        "draft_version".to_string(),
        c.updated_at.timestamp_micros().to_string(),
    )];
    form.extend(fields(
        c,
        c.name.clone(),
        c.deadline.to_string(),
        version,
        audience,
    ));
    form
}

/// A campaign to copy as a new draft's fields: named "… (copy)" so that the name is
/// changed before the launch, without a deadline (the earlier one has passed or
/// belongs to the earlier round), and carrying the campaign it comes from.
pub(super) fn copy_form(copy: &CampaignCopy) -> Vec<(String, String)> {
    let mut form = fields(
        &copy.source,
        format!("{} (copy)", copy.source.name),
        String::new(),
        copy.version.clone(),
        Some(copy.audience.clone()),
    );
    form.push(("copied_from".into(), copy.source.id.to_string()));
    form
}

/// What the copy took from its campaign and what is left to decide, one line each.
pub(super) fn copy_notes(copy: &CampaignCopy) -> Vec<String> {
    let source = &copy.source;
    let mut notes = vec![format!(
        "Copied from \u{201c}{}\u{201d} ({}, deadline {}). Nothing is saved until you save the draft, and nothing is sent before its launch.",
        source.name,
        source.status.as_str(),
        source.deadline
    )];
    match (&copy.version, copy.newer_than) {
        (Some((_, newest)), Some(old)) => notes.push(format!(
            "It used version {old} of the questionnaire; the copy takes the newest, version {newest}."
        )),
        (None, _) => notes.push(
            "Its questionnaire is not stored any more: pick one below.".into(),
        ),
        _ => {}
    }
    match &copy.audience {
        Audience::Filter(_) => notes.push(
            "Its audience filter is kept: the organisations it finds at the launch are invited."
                .into(),
        ),
        Audience::Organisations(ids) => notes.push(format!(
            "Picked: the {} it {}.",
            counted(ids.len(), "organisation"),
            if source.status == CampaignStatus::Draft {
                "picks"
            } else {
                "went to (with those added after its launch)"
            }
        )),
    }
    if copy.left_out > 0 {
        notes.push(format!(
            "{} deactivated since {} left out.",
            counted(copy.left_out, "organisation"),
            if copy.left_out == 1 { "is" } else { "are" }
        ));
    }
    notes.push(
        "Choose the deadline and check the name: contacts read it in the email's subject.".into(),
    );
    notes
}

/// The form's fields of campaign `c` under `name` and `deadline`, with questionnaire
/// `version` and `audience`.
fn fields(
    c: &CampaignRecord,
    name: String,
    deadline: String,
    version: Option<(String, u32)>,
    audience: Option<Audience>,
) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| form.push((k.to_string(), v));
    put("name", name);
    if let Some((id, number)) = version {
        put("version", format!("{id}:{number}"));
    }
    put("deadline", deadline);
    put("message", c.message.clone().unwrap_or_default());
    put(
        "reminder_days_before",
        c.reminder_days_before
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    );
    put("reminder_weekly_after", c.reminder_weekly_after.to_string());
    match audience {
        Some(Audience::Organisations(ids)) => {
            for id in ids {
                put("organisation", id.to_string());
            }
        }
        Some(Audience::Filter(f)) => {
            put("use_filter", "1".into());
            put("kind", f.kind.unwrap_or_default());
            put("country", f.country.unwrap_or_default());
            put("sector", f.sector.unwrap_or_default());
            put("business_unit", f.business_unit.unwrap_or_default());
            put(
                "owner",
                f.owner_user_id.map(|u| u.to_string()).unwrap_or_default(),
            );
            put(
                "not_answered_within_days",
                f.not_answered_within_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            );
        }
        None => {}
    }
    form
}

//! Campaigns: the list and the draft form (name, questionnaire version pinned for the
//! campaign's life, audience picked or by filter, deadline, reminder schedule, message),
//! for a new draft and to edit a draft before its launch. The campaign page and its
//! actions are in `campaign_page`.

use super::campaign_fields::{copy_form, copy_notes, form_of};
use super::{path_id, render, render_status, AppState, PageError};
use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::answers::FieldError;
use crate::domain::campaign::{Audience, AudienceFilter};
use crate::domain::countries::labelled;
use crate::domain::dates;
use crate::domain::ids::CampaignId;
use crate::domain::states::CampaignStatus;
use crate::domain::text::name_and_email;
use crate::error::AppError;
use crate::services::{
    campaign_copies as copies, campaign_drafts as drafts, campaign_lifecycle as lifecycle,
    campaigns, listings, organisations,
};
use crate::views::campaigns::{audience_choices, CampaignList, ListItem, NewCampaignPage};
use crate::views::organisations::staff_choices;
use crate::views::staff::number;
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(edit_form)
        .service(save_edit);
}

/// The messages of an error about the input, or the error page for any other.
pub(super) fn errors_of(e: AppError) -> Result<Vec<(String, String)>, PageError> {
    match e {
        AppError::Validation(fields) => {
            Ok(fields.into_iter().map(|f| (f.field, f.message)).collect())
        }
        AppError::Conflict(m) | AppError::BadRequest(m) => Ok(vec![("error".into(), m)]),
        other => Err(other.into()),
    }
}

#[get("/staff/campaigns")]
async fn list(
    state: web::Data<AppState>,
    user: StaffUser,
    query: web::Query<listings::CampaignQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let filter = query.filter(user.id)?;
    let mut conn = state.pool.get().await?;
    let today = chrono::Utc::now().date_naive();
    use crate::services::campaign_owner::{self as owner, Standing};
    let mut owners: Vec<(String, String)> = owner::candidates(&mut conn)
        .await?
        .into_iter()
        .map(|m| (m.id.to_string(), name_and_email(&m.name, &m.email)))
        .collect();
    // Filtered to a member who can no longer own a campaign (the users page links a
    // disabled member's campaigns here): the filter names them.
    if let Some(listings::OwnerFilter::User(id)) = filter.owner {
        if !owners.iter().any(|(o, _)| *o == id.to_string()) {
            let named = match owner::standing(&mut conn, Some(id)).await? {
                Standing::Disabled(m) => Some((m, "disabled")),
                Standing::Active(m) => Some((m, "no longer manages campaigns")),
                Standing::None => None,
            };
            if let Some((m, why)) = named {
                owners.push((
                    id.to_string(),
                    format!("{} ({why})", name_and_email(&m.name, &m.email)),
                ));
            }
        }
    }
    let items = listings::campaigns_matching(&mut conn, &filter)
        .await?
        .into_iter()
        .map(|c| ListItem {
            id: c.campaign.id.to_string(),
            questionnaire: format!("{} v{}", c.template_id, c.version),
            deadline: c.campaign.deadline.to_string(),
            // As the overview and the campaign page say it; nothing once closed.
            deadline_when: match c.campaign.status {
                CampaignStatus::Closed => String::new(),
                _ => crate::views::tables::days_from(c.campaign.deadline, today),
            },
            name: c.campaign.name,
            owner: c.owner.unwrap_or_default(),
            status: c.campaign.status.label().to_string(),
            // A draft has no responses yet: the organisations it has picked.
            progress: match (c.campaign.status, c.audience.map(serde_json::from_value)) {
                (CampaignStatus::Draft, Some(Ok(Audience::Organisations(ids)))) => {
                    format!("{} picked", ids.len())
                }
                (CampaignStatus::Draft, Some(Ok(Audience::Filter(_)))) => "by filter".into(),
                _ => format!("{} / {}", number(c.submitted), number(c.responses)),
            },
        })
        .collect();
    Ok(render(&CampaignList {
        lang: "en".into(),
        title: "Campaigns".into(),
        can_manage: user.role.can(Permission::ManageCampaigns),
        nav: StaffNav::new(&user, "/staff/campaigns"),
        items,
        filtered: filter.status.is_some() || filter.owner.is_some() || filter.name.is_some(),
        filter_status: query.status.unwrap_or_default(),
        filter_owner: query.owner.unwrap_or_default(),
        filter_q: filter.name.unwrap_or_default(),
        owners,
    })?)
}

async fn new_page(
    state: &AppState,
    user: &StaffUser,
    errors: Vec<(String, String)>,
    form: &[(String, String)],
) -> Result<NewCampaignPage, PageError> {
    let mut conn = state.pool.get().await?;
    let picked_ids: Vec<Uuid> = form
        .iter()
        .filter(|(k, _)| k == "organisation")
        .filter_map(|(_, v)| Uuid::parse_str(v).ok())
        .collect();
    let org_q = crate::domain::text::search_text(&field(form, "org_q").unwrap_or_default());
    let label = |o: &campaigns::Pickable| {
        let contacts = lifecycle::counted(usize::try_from(o.contacts).unwrap_or(0), "contact");
        format!("{} ({}, {contacts})", o.name, o.country)
    };
    // Those picked stay picked (listed first) whatever the search shows.
    let mut organisations: Vec<(String, String, bool)> =
        campaigns::picked_organisations(&mut conn, &picked_ids)
            .await?
            .iter()
            .map(|o| (o.id.to_string(), label(o), true))
            .collect();
    let (found, matching) =
        campaigns::pickable_organisations(&mut conn, None, Some(&org_q)).await?;
    let shown = found.len();
    organisations.extend(
        found
            .iter()
            .filter(|o| !picked_ids.contains(&o.id))
            .map(|o| (o.id.to_string(), label(o), false)),
    );
    let picker_note = crate::views::campaigns::picker_note(shown, matching, &org_q);
    let owner = field(form, "owner").unwrap_or_default();
    let active: Vec<_> = organisations::staff_members(&mut conn)
        .await?
        .into_iter()
        .filter(|s| !s.disabled)
        .collect();
    let owners = staff_choices(&active)
        .into_iter()
        .map(|(id, label)| {
            let selected = id == owner;
            (id, label, selected)
        })
        .collect();
    let in_use = organisations::filter_values(&mut conn).await?;
    let all = state.registry.all();
    // Nothing chosen yet: the newest version of the first questionnaire.
    let chosen = field(form, "version").unwrap_or_else(|| {
        all.first()
            .and_then(|first| {
                all.iter()
                    .filter(|v| v.questionnaire.id == first.questionnaire.id)
                    .max_by_key(|v| v.questionnaire.version)
            })
            .map(|v| format!("{}:{}", v.questionnaire.id, v.questionnaire.version))
            .unwrap_or_default()
    });
    let versions = all
        .iter()
        .map(|v| {
            let q = &v.questionnaire;
            let value = format!("{}:{}", q.id, q.version);
            let selected = value == chosen;
            (
                value,
                format!("{} — version {}", q.title.get(q.default_lang()), q.version),
                selected,
            )
        })
        .collect();
    let value = |k: &str| field(form, k).unwrap_or_default();
    Ok(NewCampaignPage {
        lang: "en".into(),
        title: "New campaign".into(),
        action: "/staff/campaigns".into(),
        back: ("/staff/campaigns".into(), "Campaigns".into()),
        editing: false,
        nav: StaffNav::new(user, "/staff/campaigns"),
        errors,
        versions,
        organisations,
        org_q,
        picker_note,
        name: value("name"),
        deadline: value("deadline"),
        message: value("message"),
        reminders: field(form, "reminder_days_before").unwrap_or_else(|| "14, 7, 2".into()),
        weekly_after: field(form, "reminder_weekly_after").unwrap_or_else(|| "4".into()),
        kind: value("kind"),
        countries: audience_choices(
            &in_use.countries,
            &value("country").to_ascii_uppercase(),
            labelled,
        ),
        sectors: audience_choices(&in_use.sectors, &value("sector"), str::to_string),
        business_units: audience_choices(
            &in_use.business_units,
            &value("business_unit"),
            str::to_string,
        ),
        owners,
        not_answered: crate::views::campaigns::not_answered_choices(&value(
            "not_answered_within_days",
        )),
        use_filter: field(form, "use_filter").is_some(),
        draft_version: value("draft_version"),
        copied_from: value("copied_from"),
        copy_notes: Vec::new(),
        stale: Vec::new(),
    })
}

fn field(form: &[(String, String)], key: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

#[derive(serde::Deserialize)]
struct NewQuery {
    /// Narrows the organisations to pick (name or reference).
    org_q: Option<String>,
    /// A campaign to copy ("Run again"): the form opens with its fields.
    from: Option<String>,
}

#[get("/staff/campaigns/new")]
async fn new_form(
    state: web::Data<AppState>,
    user: StaffUser,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let (mut form, notes) = match &query.from {
        Some(from) => {
            let id: CampaignId = path_id(from, "campaign")?;
            let mut conn = state.pool.get().await?;
            let copy = copies::copy_of(&mut conn, &state.registry, id).await?;
            (copy_form(&copy), copy_notes(&copy))
        }
        None => (Vec::new(), Vec::new()),
    };
    form.extend(query.org_q.map(|q| ("org_q".to_string(), q)));
    let mut page = new_page(&state, &user, Vec::new(), &form).await?;
    page.copy_notes = notes;
    Ok(render(&page)?)
}

/// The draft form (repeated `organisation` checkboxes, so read as pairs) as the API's
/// input, or every field that cannot be read (all at once, each shown beside its field).
fn draft_input(form: &[(String, String)]) -> Result<campaigns::NewCampaign, AppError> {
    let opt = |k: &str| field(form, k).filter(|v| !v.trim().is_empty());
    let mut problems = Vec::new();
    let mut problem = |name: &str, message: &str| {
        problems.push(FieldError {
            field: name.into(),
            message: message.into(),
        })
    };
    let version = opt("version").and_then(|v| {
        v.split_once(':')
            .map(|(a, b)| (a.to_string(), b.parse::<u32>().ok()))
    });
    if version.is_none() {
        problem("version", "pick a questionnaire");
    }
    let deadline = opt("deadline").and_then(|d| d.trim().parse().ok());
    match deadline {
        None => problem("deadline", "give a date (YYYY-MM-DD)"),
        // The service checks it too; here so that it comes with the other fields' errors.
        Some(d) => {
            if let Some(wrong) = dates::deadline_problem(d, chrono::Utc::now().date_naive()) {
                problem("deadline", wrong);
            }
        }
    }
    let reminder_days_before = match opt("reminder_days_before") {
        None => Some(Vec::new()),
        Some(s) => {
            let days = s
                .split(',')
                .map(|d| d.trim().parse::<i32>())
                .collect::<Result<Vec<_>, _>>();
            if days.is_err() {
                problem(
                    "reminder_days_before",
                    "give whole days separated by commas",
                );
            }
            days.ok()
        }
    };
    let reminder_weekly_after = match opt("reminder_weekly_after") {
        None => None,
        Some(s) => {
            let weeks = s.trim().parse().ok();
            if weeks.is_none() {
                problem("reminder_weekly_after", "give a whole number");
            }
            weeks
        }
    };
    let audience = if opt("use_filter").is_some() {
        let owner_user_id = opt("owner").and_then(|v| Uuid::parse_str(&v).ok());
        if opt("owner").is_some() && owner_user_id.is_none() {
            problem("owner", "pick an owner from the list");
        }
        let not_answered_within_days = opt("not_answered_within_days").and_then(|d| {
            let days = d.trim().parse::<i32>().ok();
            if days.is_none() {
                problem("not_answered_within_days", "choose from the list");
            }
            days
        });
        Some(Audience::Filter(AudienceFilter {
            not_answered_within_days,
            kind: opt("kind"),
            country: opt("country"),
            sector: opt("sector"),
            business_unit: opt("business_unit"),
            owner_user_id,
        }))
    } else {
        let ids: Result<Vec<Uuid>, _> = form
            .iter()
            .filter(|(k, _)| k == "organisation")
            .map(|(_, v)| Uuid::parse_str(v))
            .collect();
        let filter_typed = [
            "kind",
            "country",
            "sector",
            "business_unit",
            "owner",
            "not_answered_within_days",
        ]
        .iter()
        .any(|k| opt(k).is_some());
        if ids.is_err() {
            problem("audience", "an organisation picked does not exist");
        } else if filter_typed && ids.as_ref().is_ok_and(|ids| ids.is_empty()) {
            // A filter given but not ticked: say what to do, not "give a filter".
            problem(
                "audience",
                "tick \u{201c}Use the filter\u{201d} to invite the organisations the filter finds, or pick organisations",
            );
        }
        ids.ok().map(Audience::Organisations)
    };
    let ready = problems.is_empty() && deadline.is_some();
    let (template_id, template_version) = version.unwrap_or_default();
    let mut input = campaigns::NewCampaign {
        name: field(form, "name").unwrap_or_default(),
        template_id,
        template_version,
        deadline: deadline.unwrap_or_default(),
        message: opt("message"),
        reminder_days_before,
        reminder_weekly_after,
        audience,
        copied_from: opt("copied_from").and_then(|v| v.parse().ok()),
        ..Default::default()
    };
    if ready {
        return Ok(input);
    }
    // The other fields' problems too: every one in one pass.
    let known: Vec<String> = problems.iter().map(|p| p.field.clone()).collect();
    problems.extend(
        campaigns::check_fields(&mut input)
            .into_iter()
            .filter(|p| !known.contains(&p.field)),
    );
    Err(AppError::Validation(problems))
}

/// Saves a draft (the signed-in user owns it) and opens its page; with errors, the
/// form again as it was typed (422).
#[post("/staff/campaigns")]
async fn create(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    if field(&form, "action").as_deref() == Some("search") {
        // "Search" narrows the organisations listed: the form again, nothing saved.
        return Ok(render(&new_page(&state, &user, Vec::new(), &form).await?)?);
    }
    let result = match draft_input(&form) {
        Ok(mut input) => {
            input.owner_user_id = Some(user.id);
            let mut conn = state.pool.get().await?;
            campaigns::create_campaign(&mut conn, &state.ctx(), &who.actor(), input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(crate::routes::pages::see_other(&format!(
            "/staff/campaigns/{}",
            c.id
        ))),
        Err(e) => {
            let errors = errors_of(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_page(&state, &user, errors, &form).await?,
            )?)
        }
    }
}

/// The edit form of draft `campaign`: the draft form posting to its edit route.
async fn edit_page(
    state: &AppState,
    user: &StaffUser,
    campaign: &drafts::CampaignRecord,
    errors: Vec<(String, String)>,
    form: &[(String, String)],
) -> Result<NewCampaignPage, PageError> {
    let mut page = new_page(state, user, errors, form).await?;
    page.title = format!("Edit draft: {}", campaign.name);
    page.action = format!("/staff/campaigns/{}/edit", campaign.id);
    page.back = (
        format!("/staff/campaigns/{}", campaign.id),
        campaign.name.clone(),
    );
    page.editing = true;
    Ok(page)
}

/// The draft form with the draft's values; a launched or closed campaign: 409.
#[get("/staff/campaigns/{id}/edit")]
async fn edit_form(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let id: CampaignId = path_id(&path, "campaign")?;
    let campaign = {
        let mut conn = state.pool.get().await?;
        drafts::draft_to_edit(&mut conn, id).await?
    };
    let mut form = form_of(&state, &campaign);
    if let Some(q) = query.into_inner().org_q {
        form.push(("org_q".into(), q));
    }
    Ok(render(
        &edit_page(&state, &user, &campaign, Vec::new(), &form).await?,
    )?)
}

/// Saves an edited draft and opens its page with what changed; with errors, the form
/// again as it was typed (422), nothing written. A launched or closed campaign: 409.
#[post("/staff/campaigns/{id}/edit")]
async fn save_edit(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let id: CampaignId = path_id(&path, "campaign")?;
    let form = form.into_inner();
    let campaign = {
        let mut conn = state.pool.get().await?;
        drafts::draft_to_edit(&mut conn, id).await?
    };
    if field(&form, "action").as_deref() == Some("search") {
        return Ok(render(
            &edit_page(&state, &user, &campaign, Vec::new(), &form).await?,
        )?);
    }
    // Without a version (a form from before it was carried), no check.
    let expected = field(&form, "draft_version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_micros);
    let result = match draft_input(&form) {
        Ok(input) => {
            let mut conn = state.pool.get().await?;
            drafts::edit_draft(
                &mut conn,
                &state.ctx(),
                &who.actor(),
                id,
                drafts::DraftEdit::Whole(input),
                expected,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(Err(stale)) => stale_form(&state, &user, stale, form).await,
        Ok(Ok(edited)) => {
            let notice = if edited.changed.is_empty() {
                "Nothing was changed: the draft already had these values.".to_string()
            } else {
                format!(
                    "The draft was saved (changed: {}).",
                    edited
                        .changed
                        .iter()
                        .map(|f| crate::views::campaigns::field_label(f))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let query = crate::auth::csrf::signed_notice_query(
                &state.secret_key,
                user.id,
                &id.to_string(),
                &notice,
            );
            Ok(crate::routes::pages::see_other(&format!(
                "/staff/campaigns/{id}?{query}"
            )))
        }
        // Launched meanwhile: the staff page of the refusal (409).
        Err(AppError::Conflict(m)) => Err(AppError::Conflict(m).into()),
        Err(e) => {
            let errors = errors_of(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &edit_page(&state, &user, &campaign, errors, &form).await?,
            )?)
        }
    }
}

/// A save from a form read before a colleague's (or another tab's) save: the form
/// again (409) with what was typed, a notice naming what changed meanwhile and the
/// values saved now, and the draft's new version, so that saving again is a choice.
async fn stale_form(
    state: &AppState,
    user: &StaffUser,
    stale: drafts::StaleDraft,
    mut form: Vec<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let current = form_of(state, &stale.current);
    form.retain(|(k, _)| k != "draft_version");
    form.push((
        "draft_version".into(),
        stale.current.updated_at.timestamp_micros().to_string(),
    ));
    let picked: Vec<Uuid> = current
        .iter()
        .filter(|(k, _)| k == "organisation")
        .filter_map(|(_, v)| Uuid::parse_str(v).ok())
        .collect();
    let names: Vec<String> = {
        let mut conn = state.pool.get().await?;
        campaigns::picked_organisations(&mut conn, &picked)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect()
    };
    let mut page = edit_page(state, user, &stale.current, Vec::new(), &form).await?;
    page.stale = crate::views::campaigns::stale_values(&current, &stale.changed, &names);
    Ok(render_status(StatusCode::CONFLICT, &page)?)
}

//! A campaign's page: its details and the actions of its life (launch, deadline,
//! close, add an organisation), the progress (totals, a server-drawn SVG chart,
//! filters, organisations and contacts with re-send and revoke (in `campaign_contacts`),
//! a refused email's answer next to the contact), the CSV export and an organisation's
//! timeline.

use super::campaigns::errors_of;
use super::{path_id, render, render_status, AppState, PageError};
use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::campaign::Audience;
use crate::domain::ids::{CampaignId, OrganisationId};
use crate::domain::reminders;
use crate::domain::states::CampaignStatus;
use crate::error::AppError;
use crate::services::campaign_lifecycle as lifecycle;
use crate::services::campaign_progress as progress;
use crate::services::campaigns;
use crate::views::campaigns::{CampaignPage, Pager, Preview, PreviewRow};
use crate::views::organisations::owner_label;
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page)
        .service(launch)
        .service(set_deadline)
        .service(close)
        .service(delete_draft)
        .service(add_organisation)
        .service(remind)
        .service(csv)
        .service(timeline);
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    stage: Option<String>,
    q: Option<String>,
    /// Only organisations an email to bounced (`Some(true)`), or overdue: the ones
    /// procurement acts on, among thousands.
    bounced: Option<bool>,
    overdue: Option<bool>,
    /// After an action: its notice and the notice's signature for this user.
    notice: Option<String>,
    at: Option<i64>,
    sig: Option<String>,
    /// The page of the organisations' table (from 1).
    page: Option<usize>,
    /// Narrows the organisations that may be added (name or reference).
    org_q: Option<String>,
}

/// Organisations on one page of a campaign's progress table (a campaign may have
/// thousands; the totals, the chart and the CSV count them all).
const ORGANISATIONS_PER_PAGE: usize = 100;

async fn campaign_page(
    state: &AppState,
    user: &StaffUser,
    id: CampaignId,
    query: PageQuery,
    notice: String,
    errors: Vec<(String, String)>,
    typed_deadline: Option<String>,
) -> Result<CampaignPage, PageError> {
    let mut conn = state.pool.get().await?;
    let mut query = query;
    query.q = query.q.map(|q| crate::domain::text::search_text(&q));
    let filter = progress::Filter {
        stage: query.stage.clone(),
        q: query.q.clone(),
        bounced: query.bounced.filter(|b| *b),
        overdue: query.overdue.filter(|o| *o),
        page: Some(progress::Paging {
            number: query.page.unwrap_or(1),
            size: ORGANISATIONS_PER_PAGE,
        }),
        ..Default::default()
    };
    let (campaign, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    let listed = p.listed;
    let pages = listed.div_ceil(ORGANISATIONS_PER_PAGE).max(1);
    let at = p.page;
    let org_q = crate::domain::text::search_text(&query.org_q.clone().unwrap_or_default());
    // Only a launched campaign that is not closed can add organisations.
    let (addable, addable_note) = if campaign.status == CampaignStatus::Open {
        let (found, matching) =
            campaigns::pickable_organisations(&mut conn, Some(id), Some(&org_q)).await?;
        let note = crate::views::campaigns::picker_note(found.len(), matching, &org_q);
        let rows = found
            .into_iter()
            .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.country)))
            .collect();
        (rows, note)
    } else {
        (Vec::new(), String::new())
    };
    let questionnaire = state
        .registry
        .get(campaign.template_version_id)
        .map(|v| {
            format!(
                "{} — version {}",
                v.questionnaire.title.get(v.questionnaire.default_lang()),
                v.questionnaire.version
            )
        })
        .unwrap_or_default();
    let parsed_audience = campaign
        .audience
        .clone()
        .and_then(|a| serde_json::from_value::<Audience>(a).ok());
    let preview = if campaign.status == CampaignStatus::Draft {
        let members = lifecycle::launch_preview(&mut conn, parsed_audience.as_ref()).await?;
        let total = |f: fn(&lifecycle::AudienceMember) -> i64| {
            members.first().map(f).unwrap_or(0).max(0) as usize
        };
        Preview {
            organisations: total(|m| m.total_organisations),
            contacts: total(|m| m.total_contacts),
            without_contacts: total(|m| m.total_without_contacts),
            rows: members
                .iter()
                .map(|m| PreviewRow {
                    id: m.id.to_string(),
                    name: m.name.clone(),
                    country: m.country.clone(),
                    contacts: m.active_contacts,
                })
                .collect(),
        }
    } else {
        Preview::default()
    };
    let audience = match parsed_audience {
        None => "organisations invited one by one".to_string(),
        Some(Audience::Organisations(ids)) => {
            let picked = crate::views::staff::count_of(ids.len(), "organisation");
            if campaign.status == CampaignStatus::Draft {
                format!("{picked} picked")
            } else {
                // Organisations added after the launch count too.
                format!(
                    "{picked} picked at launch; {} in the campaign now",
                    p.totals.organisations
                )
            }
        }
        Some(Audience::Filter(f)) => {
            let owner = match f.owner_user_id {
                None => None,
                Some(id) => {
                    let staff = crate::services::organisations::staff_members(&mut conn).await?;
                    let label = owner_label(&staff, Some(id));
                    Some(if label.is_empty() {
                        "a staff member no longer listed".into()
                    } else {
                        label
                    })
                }
            };
            let parts: Vec<String> = [
                ("kind", f.kind),
                ("country", f.country),
                ("sector", f.sector),
                ("business unit", f.business_unit),
                ("owner", owner),
                (
                    "no submission in the last",
                    f.not_answered_within_days.map(|d| format!("{d} days")),
                ),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")))
            .collect();
            let which = if parts.is_empty() {
                "every active organisation".to_string()
            } else {
                format!("active organisations with {}", parts.join(", "))
            };
            if campaign.status == CampaignStatus::Draft {
                which
            } else {
                format!(
                    "{which} at launch; {} in the campaign now",
                    p.totals.organisations
                )
            }
        }
    };
    // What the scheduler will send next (`jobs::campaign_schedule`); nothing once closed.
    let all_submitted = p.totals.organisations > 0 && p.totals.submitted == p.totals.organisations;
    let next_reminder = match (campaign.status, p.next_reminder) {
        (CampaignStatus::Closed, _) => String::new(),
        (CampaignStatus::Open, Some(_)) if all_submitted => reminders::NONE_NEEDED.into(),
        (CampaignStatus::Draft, Some(step)) => format!(
            "{}, if launched now",
            reminders::describe_step(&step, campaign.deadline)
        ),
        (_, Some(step)) => format!(
            "{}, to the contacts of every organisation that has not submitted by then{}",
            reminders::describe_step(&step, campaign.deadline),
            match p.totals.bounced {
                0 => String::new(),
                n => format!(
                    ", but not to an address the mail server refused ({} bounced: \
                     correct the address to reach it)",
                    crate::views::staff::count_of(n, "organisation")
                ),
            }
        ),
        (_, None) => "none: every reminder of the schedule has passed".into(),
    };
    let status = campaign.status;
    let mut params = vec![
        ("stage", query.stage.clone().unwrap_or_default()),
        ("q", query.q.clone().unwrap_or_default()),
    ];
    for (name, on) in [("bounced", query.bounced), ("overdue", query.overdue)] {
        if on == Some(true) {
            params.push((name, "true".into()));
        }
    }
    let qs = serde_urlencoded::to_string(params).unwrap_or_default();
    let page_url = |n: usize| format!("/staff/campaigns/{}?{qs}&page={n}", campaign.id);
    let pager = Pager {
        page: at,
        pages,
        listed,
        previous: (at > 1).then(|| page_url(at - 1)),
        next: (at < pages).then(|| page_url(at + 1)),
    };
    let owner = super::campaign_owner::owner_block(&mut conn, &campaign).await?;
    let copied_from = crate::services::campaign_copies::source_of(&mut conn, campaign.id)
        .await?
        .map(|(id, name)| (format!("/staff/campaigns/{id}"), name));
    Ok(CampaignPage {
        copied_from,
        preview,
        lang: "en".into(),
        title: campaign.name.clone(),
        nav: StaffNav::new(user, "/staff/campaigns"),
        id: campaign.id.to_string(),
        notice,
        errors,
        can_manage: user.role.can(Permission::ManageCampaigns),
        status: status.as_str().into(),
        status_label: status.label().into(),
        questionnaire,
        deadline: campaign.deadline.to_string(),
        deadline_when: crate::views::tables::days_from(
            campaign.deadline,
            chrono::Utc::now().date_naive(),
        ),
        new_deadline: typed_deadline.unwrap_or_else(|| campaign.deadline.to_string()),
        deadline_min: crate::domain::campaign::earliest_deadline(
            campaign.status,
            campaign.deadline,
            chrono::Utc::now().date_naive(),
        )
        .to_string(),
        message: campaign.message.clone().unwrap_or_default(),
        reminders: reminders::describe_schedule(&campaign.reminder_schedule()),
        next_reminder,
        audience,
        chart_svg: progress::chart_svg(&p.totals),
        progress: p,
        addable,
        org_q,
        addable_note,
        late_note: crate::views::campaigns::late_addition_note(
            campaign.deadline,
            chrono::Utc::now(),
        ),
        filter_stage: query.stage.unwrap_or_default(),
        filter_q: query.q.unwrap_or_default(),
        filter_bounced: query.bounced == Some(true),
        filter_overdue: query.overdue == Some(true),
        query: format!("?{qs}"),
        pager,
        owner,
    })
}

#[get("/staff/campaigns/{id}")]
async fn page(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let id: CampaignId = path_id(&path, "campaign")?;
    let query = query.into_inner();
    let notice = match (&query.notice, query.at, &query.sig) {
        (Some(notice), Some(at), Some(sig))
            if crate::auth::csrf::notice_is_genuine(
                &state.secret_key,
                user.id,
                &id.to_string(),
                notice,
                at,
                sig,
            ) =>
        {
            notice.clone()
        }
        _ => String::new(),
    };
    Ok(render(
        &campaign_page(&state, &user, id, query, notice, Vec::new(), None).await?,
    )?)
}

/// After an action: a redirect to the campaign page with its notice (signed for the
/// user), or the page with its errors (422).
pub(super) async fn after(
    state: &AppState,
    user: &StaffUser,
    id: CampaignId,
    outcome: Result<String, AppError>,
) -> Result<HttpResponse, PageError> {
    after_typed(state, user, id, outcome, None).await
}

/// [`after`], the page with errors showing the deadline as it was typed.
async fn after_typed(
    state: &AppState,
    user: &StaffUser,
    id: CampaignId,
    outcome: Result<String, AppError>,
    typed_deadline: Option<String>,
) -> Result<HttpResponse, PageError> {
    match outcome {
        // Post, redirect, get: reloading the page does not do the action again (a
        // second re-send would revoke the link just emailed).
        Ok(notice) => {
            let query = crate::auth::csrf::signed_notice_query(
                &state.secret_key,
                user.id,
                &id.to_string(),
                &crate::views::staff::sentence(&notice),
            );
            Ok(crate::routes::pages::see_other(&format!(
                "/staff/campaigns/{id}?{query}"
            )))
        }
        Err(e) => {
            let errors = errors_of(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &campaign_page(
                    state,
                    user,
                    id,
                    PageQuery::default(),
                    String::new(),
                    errors,
                    typed_deadline,
                )
                .await?,
            )?)
        }
    }
}

#[post("/staff/campaigns/{id}/launch")]
async fn launch(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::launch(&mut conn, &state.ctx(), &who.actor(), id)
        .await
        .map(|o| o.message);
    after(&state, &user, id, outcome).await
}

#[derive(Deserialize)]
struct DeadlineForm {
    deadline: String,
    /// "Email the new date to contacts who have not submitted" (checked by default).
    notify_contacts: Option<String>,
}

#[post("/staff/campaigns/{id}/deadline")]
async fn set_deadline(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<DeadlineForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    let outcome = match form.deadline.trim().parse() {
        Err(_) => Err(AppError::field("deadline", "give a date (YYYY-MM-DD)")),
        Ok(deadline) => {
            let mut conn = state.pool.get().await?;
            let input = lifecycle::NewDeadline {
                deadline,
                notify_contacts: form.notify_contacts.is_some(),
            };
            lifecycle::change_deadline(&mut conn, &state.ctx(), &who.actor(), id, input)
                .await
                .map(|c| deadline_notice(&c))
        }
    };
    // A refused date stays in the field, its error beside it (422).
    after_typed(&state, &user, id, outcome, Some(form.deadline.clone())).await
}

/// What the page says after a deadline change.
fn deadline_notice(c: &lifecycle::DeadlineChanged) -> String {
    let deadline = c.campaign.deadline;
    if !c.changed {
        return format!("The deadline is already {deadline}: nothing changed.");
    }
    match c.contacts_told {
        0 => format!("The deadline is now {deadline}."),
        1 => format!("The deadline is now {deadline}; 1 contact is being emailed the new date."),
        n => {
            format!("The deadline is now {deadline}; {n} contacts are being emailed the new date.")
        }
    }
}

#[derive(Deserialize)]
struct CloseForm {
    /// The "no more answers from now on" checkbox: closing cannot be undone.
    confirm: Option<String>,
}

#[post("/staff/campaigns/{id}/close")]
async fn close(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<CloseForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    let outcome = if form.confirm.as_deref() == Some("yes") {
        let mut conn = state.pool.get().await?;
        lifecycle::close(&mut conn, &state.ctx(), &who.actor(), id)
            .await
            .map(|o| o.message)
    } else {
        Err(AppError::field(
            "confirm",
            "tick \u{201c}no more answers from now on\u{201d} to close the campaign: closing cannot be undone",
        ))
    };
    after(&state, &user, id, outcome).await
}

/// Deletes a draft that was never launched (with its "delete this draft" checkbox,
/// else 422 beside it) and goes back to the campaigns; a launched campaign: 409.
#[post("/staff/campaigns/{id}/delete")]
async fn delete_draft(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<CloseForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    if form.confirm.as_deref() != Some("yes") {
        let refused = Err(AppError::field(
            "delete_confirm",
            "tick \u{201c}delete this draft\u{201d} to delete it: deleting cannot be undone",
        ));
        return after(&state, &user, id, refused).await;
    }
    let mut conn = state.pool.get().await?;
    match crate::services::campaign_drafts::delete_draft(&mut conn, &state.ctx(), &who.actor(), id)
        .await
    {
        Ok(_) => Ok(crate::routes::pages::see_other("/staff/campaigns")),
        Err(AppError::Conflict(m)) => Err(AppError::Conflict(m).into()),
        Err(e) => after(&state, &user, id, Err(e)).await,
    }
}

#[derive(Deserialize)]
struct AddForm {
    organisation_id: String,
}

#[post("/staff/campaigns/{id}/organisations")]
async fn add_organisation(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    let outcome = match Uuid::parse_str(form.organisation_id.trim()) {
        Err(_) => Err(AppError::field("organisation_id", "pick an organisation")),
        Ok(org) => {
            let mut conn = state.pool.get().await?;
            lifecycle::add_organisations(&mut conn, &state.ctx(), &who.actor(), id, vec![org])
                .await
                .map(|o| o.message)
        }
    };
    after(&state, &user, id, outcome).await
}

/// "Remind now": the reminder email to the organisation's contacts with a working link,
/// at most once a contact a day (a second click says so and sends nothing).
#[post("/staff/campaigns/{id}/organisations/{org}/remind")]
async fn remind(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path.0, "campaign")?;
    let org: OrganisationId = path_id(&path.1, "organisation")?;
    let mut conn = state.pool.get().await?;
    let outcome = crate::services::campaign_reminders::remind_organisation(
        &mut conn,
        &state.ctx(),
        &who.actor(),
        id,
        org,
    )
    .await
    .map(|r| r.message);
    after(&state, &user, id, outcome).await
}

#[get("/staff/campaigns/{id}/progress.csv")]
async fn csv(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path, "campaign")?;
    let query = query.into_inner();
    let filter = progress::Filter {
        stage: query.stage,
        q: query.q.map(|q| crate::domain::text::search_text(&q)),
        bounced: query.bounced.filter(|b| *b),
        overdue: query.overdue.filter(|o| *o),
        ..Default::default()
    };
    let mut conn = state.pool.get().await?;
    let (_, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    Ok(crate::routes::pages::progress_csv(&p))
}

#[get("/staff/campaigns/{id}/organisations/{org}")]
async fn timeline(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path.0, "campaign")?;
    let org: OrganisationId = path_id(&path.1, "organisation")?;
    let mut conn = state.pool.get().await?;
    let filter = progress::Filter {
        organisation: Some(org.uuid()),
        ..Default::default()
    };
    let (campaign, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    let events = progress::timeline(&mut conn, id, org).await?;
    let mut timeline = crate::views::campaigns::timeline_page(
        StaffNav::new(&user, "/staff/campaigns"),
        &p,
        campaign.status == CampaignStatus::Closed,
        events,
    )
    .ok_or(AppError::NotFound("organisation"))?;
    timeline.can_correct = user.role.can(Permission::ManageOrganisations);
    Ok(render(&timeline)?)
}

//! Staff pages of campaigns (issue 8): list, draft form, campaign page with launch,
//! deadline, close, adding organisations, per-contact re-send and revoke, progress with
//! filters and CSV export, and an organisation's timeline.

use super::pages::{render, render_status, PageError};
use super::AppState;
use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::db::listings;
use crate::domain::campaign::{Audience, AudienceFilter, Status};
use crate::error::AppError;
use crate::services::campaign_lifecycle as lifecycle;
use crate::services::campaign_progress as progress;
use crate::services::campaigns;
use crate::views::campaigns::{
    CampaignList, CampaignPage, Event, ListItem, NewCampaignPage, TimelinePage,
};
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(page)
        .service(launch)
        .service(set_deadline)
        .service(close)
        .service(add_organisation)
        .service(resend)
        .service(revoke)
        .service(csv)
        .service(timeline);
}

fn parse_id(raw: &str, what: &'static str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound(what))
}

fn errors_of(e: AppError) -> Result<Vec<(String, String)>, PageError> {
    match e {
        AppError::Validation(fields) => {
            Ok(fields.into_iter().map(|f| (f.field, f.message)).collect())
        }
        AppError::Conflict(m) | AppError::BadRequest(m) => Ok(vec![("error".into(), m)]),
        other => Err(other.into()),
    }
}

#[get("/staff/campaigns")]
async fn list(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let items = listings::campaigns(&mut conn)
        .await?
        .into_iter()
        .map(|c| ListItem {
            id: c.campaign.id.to_string(),
            name: c.campaign.name,
            questionnaire: format!("{} v{}", c.template_id, c.version),
            deadline: c.campaign.deadline.to_string(),
            status: Status::parse(&c.campaign.status)
                .map(|s| s.label().to_string())
                .unwrap_or(c.campaign.status),
            progress: format!("{} / {}", c.submitted, c.responses),
        })
        .collect();
    Ok(render(&CampaignList {
        lang: "en".into(),
        title: "Campaigns".into(),
        can_manage: user.role.can(Permission::ManageCampaigns),
        nav: StaffNav::new(&user, "/staff/campaigns"),
        items,
    })?)
}

async fn new_page(
    state: &AppState,
    user: &StaffUser,
    errors: Vec<(String, String)>,
    form: &[(String, String)],
) -> Result<NewCampaignPage, PageError> {
    let mut conn = state.pool.get().await?;
    let organisations = listings::organisations(&mut conn)
        .await?
        .into_iter()
        .map(|(o, contacts)| {
            (
                o.id.to_string(),
                format!("{} ({}, {} contacts)", o.name, o.country, contacts),
            )
        })
        .collect();
    let versions = state
        .registry
        .all()
        .iter()
        .map(|v| {
            let q = &v.questionnaire;
            (
                format!("{}:{}", q.id, q.version),
                format!("{} — version {}", q.title.get(q.default_lang()), q.version),
            )
        })
        .collect();
    let value = |k: &str| field(form, k).unwrap_or_default();
    Ok(NewCampaignPage {
        lang: "en".into(),
        title: "New campaign".into(),
        nav: StaffNav::new(user, "/staff/campaigns"),
        errors,
        versions,
        organisations,
        name: value("name"),
        deadline: value("deadline"),
        message: value("message"),
        reminders: field(form, "reminder_days_before").unwrap_or_else(|| "14, 7, 2".into()),
    })
}

fn field(form: &[(String, String)], key: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

#[get("/staff/campaigns/new")]
async fn new_form(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    Ok(render(&new_page(&state, &user, Vec::new(), &[]).await?)?)
}

/// The draft form (repeated `organisation` checkboxes, so read as pairs) as the API's
/// input, or the field that cannot be read.
fn draft_input(form: &[(String, String)]) -> Result<campaigns::NewCampaign, AppError> {
    let opt = |k: &str| field(form, k).filter(|v| !v.trim().is_empty());
    let (template_id, version) = opt("version")
        .and_then(|v| {
            v.split_once(':')
                .map(|(a, b)| (a.to_string(), b.parse::<u32>().ok()))
        })
        .ok_or_else(|| AppError::field("version", "pick a questionnaire"))?;
    let deadline = opt("deadline")
        .and_then(|d| d.trim().parse().ok())
        .ok_or_else(|| AppError::field("deadline", "give a date (YYYY-MM-DD)"))?;
    let reminder_days_before = match opt("reminder_days_before") {
        None => Some(Vec::new()),
        Some(s) => Some(
            s.split(',')
                .map(|d| d.trim().parse::<i32>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    AppError::field(
                        "reminder_days_before",
                        "give whole days separated by commas",
                    )
                })?,
        ),
    };
    let reminder_weekly_after = match opt("reminder_weekly_after") {
        None => None,
        Some(s) => Some(
            s.trim()
                .parse()
                .map_err(|_| AppError::field("reminder_weekly_after", "give a whole number"))?,
        ),
    };
    let audience = if opt("use_filter").is_some() {
        Audience::Filter(AudienceFilter {
            kind: opt("kind"),
            country: opt("country"),
            sector: opt("sector"),
            business_unit: opt("business_unit"),
            owner_user_id: None,
        })
    } else {
        let ids = form
            .iter()
            .filter(|(k, _)| k == "organisation")
            .map(|(_, v)| {
                Uuid::parse_str(v).map_err(|_| {
                    AppError::field("audience", "an organisation picked does not exist")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Audience::Organisations(ids)
    };
    Ok(campaigns::NewCampaign {
        name: field(form, "name").unwrap_or_default(),
        template_id,
        template_version: version,
        deadline,
        message: opt("message"),
        reminder_days_before,
        reminder_weekly_after,
        audience: Some(audience),
        ..Default::default()
    })
}

#[post("/staff/campaigns")]
async fn create(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let result = match draft_input(&form) {
        Ok(input) => {
            let mut conn = state.pool.get().await?;
            campaigns::create_campaign(
                &mut conn,
                &state.audit_key,
                &state.registry,
                &who.actor(),
                input,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(super::staff::see_other(&format!(
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

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    stage: Option<String>,
    q: Option<String>,
}

async fn campaign_page(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    query: PageQuery,
    notice: String,
    errors: Vec<(String, String)>,
) -> Result<CampaignPage, PageError> {
    let mut conn = state.pool.get().await?;
    let filter = progress::Filter {
        stage: query.stage.clone(),
        q: query.q.clone(),
        ..Default::default()
    };
    let (campaign, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    let in_campaign: std::collections::HashSet<Uuid> = {
        let all = progress::progress(&mut conn, &state.registry, id, &progress::Filter::default())
            .await?
            .1;
        all.organisations
            .iter()
            .map(|o| o.organisation_id)
            .collect()
    };
    let addable = listings::organisations(&mut conn)
        .await?
        .into_iter()
        .filter(|(o, _)| !in_campaign.contains(&o.id))
        .map(|(o, _)| (o.id.to_string(), format!("{} ({})", o.name, o.country)))
        .collect();
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
    let audience = match campaign
        .audience
        .clone()
        .and_then(|a| serde_json::from_value::<Audience>(a).ok())
    {
        None => "organisations invited one by one".to_string(),
        Some(Audience::Organisations(ids)) => format!("{} organisations picked", ids.len()),
        Some(Audience::Filter(f)) => {
            let parts: Vec<String> = [
                ("kind", f.kind),
                ("country", f.country),
                ("sector", f.sector),
                ("business unit", f.business_unit),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")))
            .collect();
            if parts.is_empty() {
                "every active organisation".into()
            } else {
                format!("active organisations with {}", parts.join(", "))
            }
        }
    };
    let status = Status::parse(&campaign.status).unwrap_or(Status::Closed);
    let qs = serde_urlencoded::to_string([
        ("stage", query.stage.clone().unwrap_or_default()),
        ("q", query.q.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    Ok(CampaignPage {
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
        message: campaign.message.clone().unwrap_or_default(),
        reminders: format!(
            "{} days before the deadline, then weekly (at most {})",
            campaign
                .reminder_days_before
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            campaign.reminder_weekly_after
        ),
        audience,
        chart_svg: progress::chart_svg(&p.totals),
        progress: p,
        addable,
        filter_stage: query.stage.unwrap_or_default(),
        filter_q: query.q.unwrap_or_default(),
        query: format!("?{qs}"),
    })
}

#[get("/staff/campaigns/{id}")]
async fn page(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path, "campaign")?;
    Ok(render(
        &campaign_page(
            &state,
            &user,
            id,
            query.into_inner(),
            String::new(),
            Vec::new(),
        )
        .await?,
    )?)
}

/// The campaign page after an action: its notice, or its errors (422).
async fn after(
    state: &AppState,
    user: &StaffUser,
    id: Uuid,
    outcome: Result<String, AppError>,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(notice) => Ok(render(
            &campaign_page(state, user, id, PageQuery::default(), notice, Vec::new()).await?,
        )?),
        Err(e) => {
            let errors = errors_of(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &campaign_page(state, user, id, PageQuery::default(), String::new(), errors)
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
    let id = parse_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::launch(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        &state.link_keys,
        &state.jobs,
        id,
    )
    .await
    .map(|o| o.message);
    after(&state, &user, id, outcome).await
}

#[derive(Deserialize)]
struct DeadlineForm {
    deadline: String,
}

#[post("/staff/campaigns/{id}/deadline")]
async fn set_deadline(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<DeadlineForm>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path, "campaign")?;
    let outcome = match form.deadline.trim().parse() {
        Err(_) => Err(AppError::field("deadline", "give a date (YYYY-MM-DD)")),
        Ok(d) => {
            let mut conn = state.pool.get().await?;
            lifecycle::change_deadline(
                &mut conn,
                &state.audit_key,
                &who.actor(),
                id,
                lifecycle::NewDeadline { deadline: d },
            )
            .await
            .map(|c| format!("The deadline is now {}.", c.deadline))
        }
    };
    after(&state, &user, id, outcome).await
}

#[post("/staff/campaigns/{id}/close")]
async fn close(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path, "campaign")?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::close(&mut conn, &state.audit_key, &who.actor(), id)
        .await
        .map(|o| o.message);
    after(&state, &user, id, outcome).await
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
    let id = parse_id(&path, "campaign")?;
    let outcome = match Uuid::parse_str(form.organisation_id.trim()) {
        Err(_) => Err(AppError::field("organisation_id", "pick an organisation")),
        Ok(org) => {
            let mut conn = state.pool.get().await?;
            lifecycle::add_organisations(
                &mut conn,
                &state.audit_key,
                &state.registry,
                &who.actor(),
                &state.link_keys,
                &state.jobs,
                id,
                vec![org],
            )
            .await
            .map(|o| o.message)
        }
    };
    after(&state, &user, id, outcome).await
}

#[derive(Deserialize)]
struct ResendForm {
    organisation_id: String,
}

/// A new link for the contact (the old one stops working) and its email.
#[post("/staff/campaigns/{id}/contacts/{contact}/resend")]
async fn resend(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<(String, String)>,
    form: web::Form<ResendForm>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path.0, "campaign")?;
    let contact = parse_id(&path.1, "contact")?;
    let org = parse_id(&form.organisation_id, "organisation")?;
    let mut conn = state.pool.get().await?;
    let outcome = campaigns::issue_invitation(
        &mut conn,
        &state.audit_key,
        &state.registry,
        &who.actor(),
        &state.link_keys,
        &state.jobs,
        &state.settings.public_base_url,
        id,
        campaigns::NewInvitation {
            organisation_id: org,
            contact_id: contact,
            language: None,
            valid_days: None,
            send_email: Some(true),
        },
    )
    .await
    .map(|i| {
        if i.revoked_previous > 0 {
            "A new link was emailed; the previous one no longer works.".to_string()
        } else {
            "A link was emailed.".to_string()
        }
    });
    after(&state, &user, id, outcome).await
}

#[post("/staff/campaigns/{id}/contacts/{contact}/revoke")]
async fn revoke(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path.0, "campaign")?;
    let contact = parse_id(&path.1, "contact")?;
    let mut conn = state.pool.get().await?;
    let outcome = lifecycle::revoke_contact(&mut conn, &state.audit_key, &who.actor(), id, contact)
        .await
        .map(|n| match n {
            0 => "This contact has no active link: nothing changed.".to_string(),
            _ => "The link was revoked.".to_string(),
        });
    after(&state, &user, id, outcome).await
}

#[get("/staff/campaigns/{id}/progress.csv")]
async fn csv(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path, "campaign")?;
    let query = query.into_inner();
    let filter = progress::Filter {
        stage: query.stage,
        q: query.q,
        ..Default::default()
    };
    let mut conn = state.pool.get().await?;
    let (_, p) = progress::progress(&mut conn, &state.registry, id, &filter).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"campaign-progress.csv\"",
        ))
        .body(progress::csv(&p)))
}

#[get("/staff/campaigns/{id}/organisations/{org}")]
async fn timeline(
    state: web::Data<AppState>,
    user: StaffUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path.0, "campaign")?;
    let org = parse_id(&path.1, "organisation")?;
    let mut conn = state.pool.get().await?;
    let (_, p) =
        progress::progress(&mut conn, &state.registry, id, &progress::Filter::default()).await?;
    let name = p
        .organisations
        .iter()
        .find(|o| o.organisation_id == org)
        .map(|o| o.name.clone())
        .ok_or(AppError::NotFound("organisation"))?;
    let events = progress::timeline(&mut conn, id, org)
        .await?
        .into_iter()
        .map(|(at, what, detail)| Event {
            at: at.format("%Y-%m-%d %H:%M UTC").to_string(),
            what,
            detail,
        })
        .collect();
    Ok(render(&TimelinePage {
        lang: "en".into(),
        title: format!("{name} in {}", p.name),
        nav: StaffNav::new(&user, "/staff/campaigns"),
        campaign_id: id.to_string(),
        events,
    })?)
}

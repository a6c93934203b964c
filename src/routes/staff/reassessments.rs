//! `/staff/reassessments`: run a re-assessment (a questionnaire version's rules applied
//! to a campaign's stored answers) and read the recorded ones.

use super::{path_id, render, render_status, AppState, PageError};
use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::i18n::Lang;
use crate::domain::indicator::Indicator;
use crate::error::AppError;
use crate::routes::pages::see_other;
use crate::services::reassessments::Change;
use crate::services::{inherent_risk, listings, reassessments};
use crate::views::data::{
    ComparisonRow, FlagChangeRow, ReassessedFlagRow, ReassessmentPage, ReassessmentRow,
    ReassessmentsPage,
};
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(reassessments_page)
        .service(run_reassessment)
        .service(reassessment_page);
}

fn summary(l: &reassessments::Listed) -> ReassessmentRow {
    ReassessmentRow {
        id: l.reassessment.id.to_string(),
        created_at: l
            .reassessment
            .created_at
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        campaign: l.campaign_name.clone(),
        applied: format!("{} v{}", l.template_id, l.version),
        by: l
            .created_by_email
            .clone()
            .unwrap_or_else(|| "the platform".into()),
        responses: l.reassessment.response_count,
        flags: l.reassessment.flag_count,
    }
}

async fn list_page(
    state: &AppState,
    user: &StaffUser,
    refused: Option<(&RunForm, Vec<(String, String)>)>,
) -> Result<ReassessmentsPage, PageError> {
    let mut conn = state.pool.get().await?;
    let rows = reassessments::list(&mut conn)
        .await?
        .iter()
        .map(summary)
        .collect();
    let campaigns = listings::campaigns(&mut conn)
        .await?
        .into_iter()
        .map(|c| {
            (
                c.campaign.id.to_string(),
                format!("{} ({} v{})", c.campaign.name, c.template_id, c.version),
            )
        })
        .collect();
    let mut versions: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for v in state.registry.all().iter() {
        let choice = (
            v.id.to_string(),
            format!("{} v{}", v.questionnaire.id, v.questionnaire.version),
        );
        match versions.iter_mut().find(|(q, _)| *q == v.questionnaire.id) {
            Some((_, choices)) => choices.push(choice),
            None => versions.push((v.questionnaire.id.clone(), vec![choice])),
        }
    }
    let (chosen_campaign, chosen_version, errors) = match refused {
        Some((form, errors)) => (form.campaign.clone(), form.version.clone(), errors),
        None => Default::default(),
    };
    let no_data = inherent_risk::current(&mut conn)
        .await?
        .is_none()
        .then(|| inherent_risk::NO_DATA.to_string());
    Ok(ReassessmentsPage {
        lang: "en".into(),
        title: "Re-assessments".into(),
        nav: StaffNav::new(user, "/staff/reassessments"),
        rows,
        can_run: user.role.can(Permission::DecideFlags),
        campaigns,
        versions,
        no_inherent_data: no_data,
        chosen_campaign,
        chosen_version,
        errors: crate::views::staff::FieldErrors::new(&["campaign", "version"], errors),
    })
}

#[get("/staff/reassessments")]
async fn reassessments_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Ok(render(&list_page(&state, &user, None).await?)?)
}

#[derive(Deserialize)]
struct RunForm {
    campaign: String,
    version: String,
}

#[post("/staff/reassessments")]
async fn run_reassessment(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<RunForm>,
) -> Result<HttpResponse, PageError> {
    let parsed = (
        Uuid::parse_str(form.campaign.trim())
            .map_err(|_| AppError::field("campaign", "choose a campaign")),
        Uuid::parse_str(form.version.trim())
            .map_err(|_| AppError::field("version", "choose a questionnaire version")),
    );
    let result = match parsed {
        (Ok(campaign), Ok(version)) => {
            let mut conn = state.pool.get().await?;
            let campaign = campaign.into();
            reassessments::run(&mut conn, &state.ctx(), &who.actor(), campaign, version).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let errors = match result {
        Ok(r) => return Ok(see_other(&format!("/staff/reassessments/{}", r.id))),
        Err(AppError::Validation(fields)) => {
            fields.into_iter().map(|f| (f.field, f.message)).collect()
        }
        Err(other) => return Err(other.into()),
    };
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &list_page(&state, &user, Some((&form, errors))).await?,
    )?)
}

#[get("/staff/reassessments/{id}")]
async fn reassessment_page(
    state: web::Data<AppState>,
    user: StaffUser,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&id, "re-assessment")?;
    let mut conn = state.pool.get().await?;
    let detail = reassessments::show(&mut conn, id).await?;
    let band = |b: Option<crate::domain::risk::Band>| {
        b.map(|b| b.as_str().to_string())
            .unwrap_or_else(|| "no flag".into())
    };
    // Questions by their label in the applied version (its id when it has none there).
    let applied = state
        .registry
        .get(detail.listed.reassessment.template_version_id);
    let original = detail
        .campaign_version_id
        .and_then(|v| state.registry.get(v));
    let in_applied = |id: &str| {
        applied
            .as_ref()
            .is_some_and(|v| v.questionnaire.find(id).is_some())
    };
    // A question by its label in the applied version, else in the campaign's own (a
    // question the applied version dropped), else its id.
    let question = |id: &str| {
        let found = [applied.as_ref(), original.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|v| v.questionnaire.find(id));
        match found {
            Some(q) => format!("{} ({id})", q.label.get(Lang::En)),
            None => id.to_string(),
        }
    };
    let scored = |s: Option<(i16, crate::domain::risk::Band)>| match s {
        Some((score, band)) => format!("{}, score {score}", band.as_str()),
        None => "—".to_string(),
    };
    let applied_name = format!("{} v{}", detail.listed.template_id, detail.listed.version);
    let count = |kind: Change| {
        detail
            .changes
            .iter()
            .filter(|c| c.change() == Some(kind))
            .count()
    };
    let change_counts = format!(
        "{} new, {} gone, {} higher, {} lower; {} unchanged",
        count(Change::New),
        count(Change::Gone),
        count(Change::Higher),
        count(Change::Lower),
        detail.unchanged
    );
    let inherent = match detail.listed.reassessment.inherent_version_id {
        Some(_) => "the table current when it was run".to_string(),
        None => inherent_risk::NO_DATA.to_string(),
    };
    Ok(render(&ReassessmentPage {
        lang: "en".into(),
        title: "Re-assessment".into(),
        nav: StaffNav::new(&user, "/staff/reassessments"),
        summary: summary(&detail.listed),
        inherent,
        comparison: detail
            .comparison
            .iter()
            .map(|c| ComparisonRow {
                organisation: c.organisation.clone(),
                original_flags: c.original_flags,
                original_band: band(c.original_band),
                reassessed_flags: c.reassessed_flags,
                reassessed_band: band(c.reassessed_band),
                changed: c.original_band != c.reassessed_band
                    || c.original_flags != c.reassessed_flags,
            })
            .collect(),
        changes: detail
            .changes
            .iter()
            .map(|c| FlagChangeRow {
                organisation: c.organisation.clone(),
                question: question(&c.question_id),
                indicator: Indicator::name_of(&c.indicator, Lang::En),
                before: scored(c.before),
                after: scored(c.after),
                change: match c.change() {
                    Some(Change::New) => "new",
                    Some(Change::Gone) => "gone",
                    Some(Change::Higher) => "higher",
                    Some(Change::Lower) | None => "lower",
                },
                why: if c.change() == Some(Change::Gone) && !in_applied(&c.question_id) {
                    format!("the question is not in {applied_name}")
                } else {
                    String::new()
                },
            })
            .collect(),
        change_counts,
        flags: detail
            .flags
            .iter()
            .map(|(f, org)| ReassessedFlagRow {
                organisation: org.clone(),
                question: question(&f.question_id),
                indicator: Indicator::name_of(&f.indicator, Lang::En),
                severity: f.severity,
                likelihood: f.likelihood,
                score: f.score,
                band: f.band.as_str().to_string(),
                knock_out: f.critical,
            })
            .collect(),
    })?)
}

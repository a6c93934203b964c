//! `/staff/inherent-risk`: the current inherent country/sector risk table, its history,
//! and (for those who may) importing a new version.

use super::{render, render_status, AppState, PageError};
use crate::auth::permissions::Permission;
use crate::auth::principal::{Principal, StaffUser};
use crate::domain::countries;
use crate::domain::i18n::Lang;
use crate::error::AppError;
use crate::services::inherent_risk;
use crate::views::data::{InherentRiskPage, InherentRowView, InherentVersionView};
use crate::views::staff::StaffNav;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(inherent_risk_page).service(import_table);
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    csv: String,
    notice: String,
    errors: Vec<(String, String)>,
) -> Result<InherentRiskPage, PageError> {
    let mut conn = state.pool.get().await?;
    let current = inherent_risk::current(&mut conn).await?;
    let history = inherent_risk::history(&mut conn).await?;
    let (current, rows) = match current {
        None => (None, Vec::new()),
        Some(t) => (
            Some(t.version.version),
            t.rows
                .into_iter()
                .map(|r| InherentRowView {
                    country_name: countries::name(&r.country, Lang::En)
                        .unwrap_or_default()
                        .to_string(),
                    country: r.country,
                    sector: r.sector,
                    value: r.value,
                    source: r.source,
                    year: r.year,
                })
                .collect(),
        ),
    };
    Ok(InherentRiskPage {
        lang: "en".into(),
        title: "Inherent country and sector risk".into(),
        nav: StaffNav::new(user, "/staff/inherent-risk"),
        current,
        no_data: inherent_risk::NO_DATA.into(),
        rows,
        history: history
            .into_iter()
            .map(|h| InherentVersionView {
                version: h.version.version,
                imported_at: h.version.imported_at.format("%Y-%m-%d %H:%M").to_string(),
                imported_by: h.imported_by_email.unwrap_or_else(|| "command line".into()),
                file_name: h.version.file_name.unwrap_or_default(),
                rows: h.version.row_count,
                sha256: h.version.sha256,
            })
            .collect(),
        can_import: user.role.can(Permission::ManageRiskData),
        csv,
        notice,
        errors,
    })
}

#[get("/staff/inherent-risk")]
async fn inherent_risk_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Ok(render(
        &page(&state, &user, String::new(), String::new(), Vec::new()).await?,
    )?)
}

#[derive(Deserialize)]
struct ImportForm {
    csv: String,
    file_name: Option<String>,
}

#[post("/staff/inherent-risk")]
async fn import_table(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<ImportForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let result = {
        let mut conn = state.pool.get().await?;
        inherent_risk::import(
            &mut conn,
            &state.audit_key,
            &who.actor(),
            form.file_name.as_deref().map(str::trim),
            form.csv.as_bytes(),
        )
        .await
    };
    let errors = match result {
        Ok(v) => {
            let notice = format!(
                "Imported version {} ({} rows). Stored flags are unchanged; new submissions and re-assessments use this table.",
                v.version, v.row_count
            );
            return Ok(render(
                &page(&state, &user, String::new(), notice, Vec::new()).await?,
            )?);
        }
        Err(AppError::Validation(fields)) => {
            fields.into_iter().map(|f| (f.field, f.message)).collect()
        }
        Err(AppError::Conflict(m)) => vec![("csv".into(), m)],
        Err(other) => return Err(other.into()),
    };
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&state, &user, form.csv, String::new(), errors).await?,
    )?)
}

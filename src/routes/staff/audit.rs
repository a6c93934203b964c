//! The audit log: a page of entries by filter (newest first, 100 a page), the signed
//! heads checked at every view, and the whole log verified on demand (the daily check
//! is `jobs::audit_verify`). The filtered entries' export is in `exports`.

use crate::auth::principal::{Principal, StaffUser};
use crate::routes::pages::{render_status, see_other, PageError};
use crate::routes::AppState;
use crate::services::audit::{self, Query};
use crate::views::audit::{self as view, AuditForm};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_page).service(verify_now);
}

/// The filter in the query string, as typed.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    subject_type: Option<String>,
    subject_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

/// The filter read: the form to echo, the service's query, and the fields that could
/// not be read (field, message).
pub struct Parsed {
    pub form: AuditForm,
    pub query: Query,
    pub errors: Vec<(String, String)>,
    pub before: Option<i64>,
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// A date field: the start of that day (UTC), `days_after` days on.
fn day(
    field: &str,
    raw: &Option<String>,
    days_after: i64,
    errors: &mut Vec<(String, String)>,
) -> Option<DateTime<Utc>> {
    let raw = trimmed(raw)?;
    match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
        Ok(d) => Some(
            (d + chrono::Duration::days(days_after))
                .and_time(Default::default())
                .and_utc(),
        ),
        Err(_) => {
            errors.push((
                field.into(),
                format!("{field}: not a date ({raw}): use YYYY-MM-DD"),
            ));
            None
        }
    }
}

pub fn parse(q: &AuditQuery) -> Parsed {
    let mut errors = Vec::new();
    let from = day("from", &q.from, 0, &mut errors);
    // "To" is inclusive: entries before the start of the next day.
    let until = day("to", &q.to, 1, &mut errors);
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f {
            errors.push(("to".into(), "to: the end is before the start".into()));
        }
    }
    let form = AuditForm {
        action: trimmed(&q.action).unwrap_or_default(),
        actor: trimmed(&q.actor).unwrap_or_default(),
        subject_type: trimmed(&q.subject_type).unwrap_or_default(),
        subject_id: trimmed(&q.subject_id).unwrap_or_default(),
        from: trimmed(&q.from).unwrap_or_default(),
        to: trimmed(&q.to).unwrap_or_default(),
    };
    let query = Query {
        action: trimmed(&q.action),
        actor: trimmed(&q.actor),
        subject_type: trimmed(&q.subject_type),
        subject_id: trimmed(&q.subject_id),
        from,
        until,
    };
    Parsed {
        form,
        query,
        errors,
        before: q.before,
    }
}

#[get("/staff/audit")]
async fn audit_page(
    state: web::Data<AppState>,
    user: StaffUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let p = parse(&q);
    let mut conn = state.pool.get().await?;
    // A filter that cannot be read shows the log unfiltered, with the errors by the fields.
    let query = if p.errors.is_empty() {
        p.query
    } else {
        Query::default()
    };
    let before = p.before.filter(|_| p.errors.is_empty());
    let log = audit::page(&mut conn, &state.audit_key, &query, before).await?;
    let status = if p.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = view::page(&user, log, p.form, p.errors, before);
    Ok(render_status(status, &page)?)
}

/// Verifies the whole log now and records it (then the page shows the outcome).
#[post("/staff/audit/verify")]
async fn verify_now(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    // The outcome is recorded in the log; the page shows it.
    let _outcome = audit::verify_and_record(&mut conn, &state.audit_key, &who.actor()).await?;
    Ok(see_other("/staff/audit#integrity"))
}

//! The audit log: a page of entries by filter (newest first, 100 a page), the signed
//! heads checked at every view, and the whole log verified on demand (the daily check
//! is `jobs::audit_verify`). The filtered entries' export is in `exports`.

use crate::auth::principal::{Principal, StaffUser};
use crate::routes::pages::{render_status, see_other, PageError};
use crate::routes::AppState;
use crate::services::audit::{self, Query};
use crate::views::audit::{self as view, AuditForm};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_page).service(verify_now);
}

/// The filter in the query string, as typed (a repeated field: its first value).
#[derive(Default)]
pub struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    subject_type: Option<String>,
    subject_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

impl AuditQuery {
    /// Reads a query string; unknown fields are ignored, an unreadable one is empty.
    pub fn from_query_string(qs: &str) -> AuditQuery {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(qs).unwrap_or_default();
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        AuditQuery {
            action: first("action"),
            actor: first("actor"),
            subject_type: first("subject_type"),
            subject_id: first("subject_id"),
            from: first("from"),
            to: first("to"),
            before: first("before"),
        }
    }
}

/// The filter read: the form to echo, the service's query, and the fields that could
/// not be read (field, message).
pub struct Parsed {
    pub form: AuditForm,
    pub query: Query,
    pub errors: Vec<(String, String)>,
    pub before: Option<i64>,
}

/// A text field, trimmed; one with a NUL character (which no stored text has, and
/// PostgreSQL refuses) is an error by its label.
fn text(
    field: &str,
    label: &str,
    raw: &Option<String>,
    errors: &mut Vec<(String, String)>,
) -> Option<String> {
    let value = crate::domain::text::given(raw)?;
    if value.contains('\0') {
        errors.push((
            field.into(),
            format!("{label}: contains a character that cannot be searched for"),
        ));
        return None;
    }
    Some(value.to_string())
}

/// A date field: the start of that day (UTC), `days_after` days on.
fn day(
    field: &str,
    label: &str,
    raw: &Option<String>,
    days_after: i64,
    errors: &mut Vec<(String, String)>,
) -> Option<DateTime<Utc>> {
    let raw = text(field, label, raw, errors)?;
    match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
        Ok(d) if (2000..=2100).contains(&d.year()) => Some(
            (d + chrono::Duration::days(days_after))
                .and_time(Default::default())
                .and_utc(),
        ),
        _ => {
            errors.push((
                field.into(),
                format!("{label}: not a date ({raw}): use YYYY-MM-DD"),
            ));
            None
        }
    }
}

pub fn parse(q: &AuditQuery) -> Parsed {
    let mut errors = Vec::new();
    let from = day("from", "From", &q.from, 0, &mut errors);
    // "To" is inclusive: entries before the start of the next day.
    let until = day("to", "To (inclusive)", &q.to, 1, &mut errors);
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f {
            errors.push((
                "to".into(),
                "To (inclusive): the end is before the start".into(),
            ));
        }
    }
    let query = Query {
        action: text("action", "Action starts with", &q.action, &mut errors),
        actor: text("actor", "Who", &q.actor, &mut errors),
        subject_type: text("subject_type", "Subject", &q.subject_type, &mut errors),
        subject_id: text("subject_id", "Subject id", &q.subject_id, &mut errors),
        from,
        until,
    };
    let before = match crate::domain::text::given(&q.before) {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push((
                    "before".into(),
                    "Older entries: not an entry number: start again from the newest".into(),
                ));
                None
            }
        },
    };
    // The form echoes what was typed, without a NUL.
    let echo = |v: &Option<String>| v.as_deref().unwrap_or("").trim().replace('\0', "");
    let form = AuditForm {
        action: echo(&q.action),
        actor: echo(&q.actor),
        subject_type: echo(&q.subject_type),
        subject_id: echo(&q.subject_id),
        from: echo(&q.from),
        to: echo(&q.to),
    };
    Parsed {
        form,
        query,
        errors,
        before,
    }
}

#[get("/staff/audit")]
async fn audit_page(
    state: web::Data<AppState>,
    user: StaffUser,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let p = parse(&AuditQuery::from_query_string(req.query_string()));
    let mut conn = state.pool.get().await?;
    if p.errors.is_empty() {
        let log = audit::page(&mut conn, &state.audit_key, &p.query, p.before).await?;
        return Ok(render_status(
            StatusCode::OK,
            &view::page(&user, log, p.form, p.errors, p.before),
        )?);
    }
    // A filter that cannot be read lists nothing (not the unfiltered log under the
    // filled form, which reads as its result): the errors are by their fields.
    let mut log = audit::page(&mut conn, &state.audit_key, &Query::default(), None).await?;
    log.entries.clear();
    log.older = None;
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &view::page(&user, log, p.form, p.errors, None),
    )?)
}

/// Asks for the whole log to be verified now (a job; the page shows it under way, then
/// its outcome).
#[post("/staff/audit/verify")]
async fn verify_now(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    // The job records the outcome in the log; the page shows it under way, then done.
    audit::request_verification(&mut conn, &state.jobs, &who.actor()).await?;
    Ok(see_other("/staff/audit#integrity"))
}

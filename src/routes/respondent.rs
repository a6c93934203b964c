//! The respondent's pages, reached only through a personal link `/r/{token}`.

use super::pages::{render, render_status, PageError};
use super::AppState;
use crate::auth::csrf;
use crate::domain::answers::{
    to_form_values, Answers, FieldError, Mode, RawInput, Upload, MAX_EVIDENCE_BYTES,
};
use crate::domain::i18n::{ui, Lang};
use crate::domain::questionnaire::{Question, QuestionKind};
use crate::domain::visibility::visible_questions;
use crate::error::AppError;
use crate::services::responses::{self, LinkSession, SaveOutcome};
use crate::views::form::{sections, FormContext};
use crate::views::pages::{FormPage, LangLink, ReceiptPage};
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// Largest form post: every text field plus evidence files.
pub const MAX_FORM_BYTES: usize = 3 * MAX_EVIDENCE_BYTES;
const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 5_000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show_form).service(post_form).service(evidence);
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
    saved: Option<String>,
}

/// The link's session, read on the request's connection.
async fn session(
    state: &AppState,
    conn: &mut crate::services::Conn,
    token: &str,
) -> Result<LinkSession, PageError> {
    responses::open_link(conn, &state.registry, token)
        .await?
        .ok_or(PageError(AppError::NotFound("link")))
}

fn chosen_lang(session: &LinkSession, query: Option<&str>) -> Lang {
    let q = &session.version.questionnaire;
    let wanted = query
        .and_then(Lang::parse)
        .or(Some(session.invitation.language));
    q.pick_lang(wanted)
}

#[get("/r/{token}")]
async fn show_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let session = session(&state, &mut conn, &token).await?;
    let lang = chosen_lang(&session, query.lang.as_deref());
    let (response, answers) = responses::current(&mut conn, &session).await?;
    if response.status == crate::domain::states::ResponseStatus::Submitted {
        return Ok(receipt(&session, &response, &answers, lang)?);
    }
    let values = to_form_values(&session.version.questionnaire, &answers);
    let notice = if query.saved.is_some() {
        Some(("saved", ui("saved", lang).to_string()))
    } else {
        None
    };
    Ok(form_page(
        &csrf::respondent_token(&state.secret_key, session.invitation.id),
        &token,
        &session,
        lang,
        &values,
        &answers,
        &[],
        &HashMap::new(),
        notice,
        StatusCode::OK,
    )?)
}

#[post("/r/{token}")]
async fn post_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    // The link is checked before the body is read (a guessed link gets its 404 without
    // the server taking in a 30 MB form), and the connection goes back to the pool
    // while the body arrives: a slow upload must not hold one.
    let session = {
        let mut conn = state.pool.get().await?;
        session(&state, &mut conn, &token).await?
    };
    let lang = chosen_lang(&session, query.lang.as_deref());
    let (input, action) = read_form(payload).await?;
    let expected = csrf::respondent_token(&state.secret_key, session.invitation.id);
    let presented = input
        .values
        .get(csrf::FIELD)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("");
    if !csrf::same(&expected, presented) {
        return Err(PageError(AppError::Forbidden(
            "the form did not come from this site (CSRF check failed): open your link again and re-enter the last answers".into(),
        )));
    }
    let mode = if action == "submit" {
        Mode::Submit
    } else {
        Mode::Draft
    };
    let mut conn = state.pool.get().await?;
    let outcome = responses::save(
        &mut conn,
        &state.audit_key,
        state.settings.evidence_quota_mb,
        &session,
        &input,
        lang,
        mode,
    )
    .await?;
    let here = format!("/r/{}?lang={}", token.as_str(), lang.code());
    match outcome {
        SaveOutcome::Submitted { .. } | SaveOutcome::AlreadySubmitted { .. } => {
            Ok(see_other(&here))
        }
        SaveOutcome::Saved { answers, errors } => {
            if let Some(group) = action.strip_prefix("add_row:") {
                let extra = HashMap::from([(group.to_string(), 1)]);
                return Ok(form_page(
                    &csrf::respondent_token(&state.secret_key, session.invitation.id),
                    &token,
                    &session,
                    lang,
                    &input.values,
                    &answers,
                    &errors,
                    &extra,
                    None,
                    StatusCode::OK,
                )?);
            }
            if errors.is_empty() {
                return Ok(see_other(&format!("{here}&saved=1")));
            }
            let notice = Some(("errors", ui("fix_errors", lang).to_string()));
            Ok(form_page(
                &csrf::respondent_token(&state.secret_key, session.invitation.id),
                &token,
                &session,
                lang,
                &input.values,
                &answers,
                &errors,
                &HashMap::new(),
                notice,
                StatusCode::UNPROCESSABLE_ENTITY,
            )?)
        }
    }
}

/// Downloads an evidence file of this link's own response.
#[get("/r/{token}/evidence/{file_id}")]
async fn evidence(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (token, file_id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let session = session(&state, &mut conn, &token).await?;
    let file_id = Uuid::parse_str(&file_id).map_err(|_| PageError(AppError::NotFound("file")))?;
    let (name, content_type, bytes) =
        crate::db::queries::find_evidence_of(&mut conn, file_id, session.response_id())
            .await?
            .ok_or(PageError(AppError::NotFound("file")))?;
    let safe_name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(*c))
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                if safe_name.is_empty() {
                    "evidence".into()
                } else {
                    safe_name
                }
            ),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// Reads a multipart form into text values and files, within size limits.
async fn read_form(mut payload: Multipart) -> Result<(RawInput, String), PageError> {
    let too_big = || {
        PageError(AppError::BadRequest(format!(
            "the form is larger than {} MB",
            MAX_FORM_BYTES / 1024 / 1024
        )))
    };
    let mut input = RawInput::default();
    let mut action = String::from("save");
    let mut total = 0usize;
    let mut fields = 0usize;
    while let Some(item) = payload.next().await {
        let mut field =
            item.map_err(|e| PageError(AppError::BadRequest(format!("unreadable form: {e}"))))?;
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(PageError(AppError::BadRequest(
                "the form has too many fields".into(),
            )));
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(|s| s.to_string());
        let limit = if file_name.is_some() {
            MAX_EVIDENCE_BYTES + 1
        } else {
            MAX_TEXT_FIELD_BYTES
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| PageError(AppError::BadRequest(format!("unreadable form: {e}"))))?;
            total += chunk.len();
            if total > MAX_FORM_BYTES {
                return Err(too_big());
            }
            // Past the limit the rest is read and dropped: the size check then reports
            // the field instead of failing the whole form.
            if bytes.len() < limit {
                bytes.extend_from_slice(&chunk[..chunk.len().min(limit - bytes.len())]);
            }
        }
        match file_name {
            Some(file_name) if !file_name.is_empty() && !bytes.is_empty() => {
                input.uploads.insert(name, Upload { file_name, bytes });
            }
            Some(_) => {}
            None => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if name == "action" {
                    action = text;
                } else {
                    input.values.entry(name).or_default().push(text);
                }
            }
        }
    }
    Ok((input, action))
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    csrf_value: &str,
    token: &str,
    session: &LinkSession,
    lang: Lang,
    values: &HashMap<String, Vec<String>>,
    answers: &Answers,
    errors: &[FieldError],
    extra_rows: &HashMap<String, usize>,
    notice: Option<(&str, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let q = &session.version.questionnaire;
    let error_map: HashMap<String, String> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    let files: HashMap<String, (String, String)> = answers
        .iter()
        .filter_map(|(qid, v)| {
            let name = v.get("file_name")?.as_str()?.to_string();
            let id = v.get("file_id")?.as_str()?;
            Some((qid.clone(), (name, format!("/r/{token}/evidence/{id}"))))
        })
        .collect();
    let ctx = FormContext {
        lang,
        values,
        errors: &error_map,
        extra_rows,
        files: &files,
    };
    let error_summary = errors
        .iter()
        .map(|e| {
            let qid = e.field.rsplit('.').next().unwrap_or(&e.field);
            let label = q
                .find(qid)
                .map(|x| x.label.get(lang).to_string())
                .unwrap_or_else(|| e.field.clone());
            (e.field.clone(), label, e.message.clone())
        })
        .collect();
    let (notice_kind, notice) = notice.map(|(k, n)| (k.to_string(), n)).unwrap_or_default();
    let page = FormPage {
        csrf: csrf_value.to_string(),
        lang: lang.code().into(),
        title: q.title.get(lang).into(),
        description: q
            .description
            .as_ref()
            .map(|d| d.get(lang).to_string())
            .unwrap_or_default(),
        organisation: session.organisation.name.clone(),
        campaign: session.campaign.name.clone(),
        deadline: session.campaign.deadline.to_string(),
        action: format!("/r/{token}?lang={}", lang.code()),
        languages: q
            .languages
            .iter()
            .map(|l| LangLink {
                code: l.code().into(),
                name: l.native_name().into(),
                url: format!("/r/{token}?lang={}", l.code()),
                current: *l == lang,
            })
            .collect(),
        notice_kind,
        notice,
        error_summary,
        sections: sections(q, &ctx),
        t_required: ui("required", lang).into(),
        t_save: ui("save", lang).into(),
        t_submit: ui("submit", lang).into(),
        t_add_row: ui("add_row", lang).into(),
        t_row: ui("row", lang).into(),
        t_select: ui("select", lang).into(),
        t_deadline: ui("deadline", lang).into(),
        t_for_org: ui("for_org", lang).into(),
        t_language: ui("language", lang).into(),
        t_current_file: ui("current_file", lang).into(),
    };
    render_status(status, &page)
}

fn receipt(
    session: &LinkSession,
    response: &crate::db::models::Response,
    answers: &Answers,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let q = &session.version.questionnaire;
    let visible = visible_questions(q, answers);
    let listed = q
        .questions()
        .filter(|x| visible.contains(x.id.as_str()))
        .map(|x| {
            let text = answers
                .get(&x.id)
                .map(|v| answer_text(x, v, lang))
                .unwrap_or_else(|| ui("not_answered", lang).to_string());
            (x.label.get(lang).to_string(), text)
        })
        .collect();
    render(&ReceiptPage {
        lang: lang.code().into(),
        title: ui("submitted_title", lang).into(),
        questionnaire: format!("{} (v{})", q.title.get(lang), q.version),
        organisation: session.organisation.name.clone(),
        campaign: session.campaign.name.clone(),
        receipt_id: response.id.to_string(),
        submitted_at: response
            .submitted_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default(),
        fingerprint: response.answers_sha256.clone().unwrap_or_default(),
        answers: listed,
        t_receipt: ui("receipt", lang).into(),
        t_submitted_at: ui("submitted_at", lang).into(),
        t_fingerprint: ui("answers_fingerprint", lang).into(),
        t_for_org: ui("for_org", lang).into(),
        t_your_answers: ui("your_answers", lang).into(),
    })
}

/// An answer as a person reads it: choice labels, units, group rows.
pub fn answer_text(question: &Question, value: &Value, lang: Lang) -> String {
    let choice = |id: &str| -> String {
        match question.kind {
            QuestionKind::YesNoDk => ui(id, lang).to_string(),
            _ => question
                .choices
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.label.get(lang).to_string())
                .unwrap_or_else(|| id.to_string()),
        }
    };
    match (question.kind, value) {
        (QuestionKind::Group, Value::Array(rows)) => rows
            .iter()
            .enumerate()
            .map(|(n, row)| {
                let cells: Vec<String> = question
                    .fields
                    .iter()
                    .filter_map(|f| {
                        row.get(&f.id)
                            .map(|v| format!("{}: {}", f.label.get(lang), answer_text(f, v, lang)))
                    })
                    .collect();
                format!("{} {}: {}", ui("row", lang), n + 1, cells.join("; "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (QuestionKind::Evidence, v) => v
            .get("file_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        (_, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(choice)
            .collect::<Vec<_>>()
            .join(", "),
        (k, Value::String(s)) if k.has_choices() => choice(s),
        (QuestionKind::Country, Value::String(code)) => crate::domain::countries::name(code, lang)
            .map(String::from)
            .unwrap_or_else(|| code.clone()),
        (QuestionKind::Percentage, v) => format!(
            "{} %",
            crate::domain::answers::format_number(v.as_f64().unwrap_or_default())
        ),
        (_, Value::Number(n)) => {
            let unit = question
                .unit
                .as_ref()
                .map(|u| format!(" {}", u.get(lang)))
                .unwrap_or_default();
            format!(
                "{}{}",
                crate::domain::answers::format_number(n.as_f64().unwrap_or_default()),
                unit
            )
        }
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

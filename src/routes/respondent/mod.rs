//! The respondent's pages, reached only through a personal link `/r/{token}`: the start
//! page and the sectioned form are in [`sections`]; here the one-post form (every
//! section at once, `POST /r/{token}`), evidence downloads, and what they share.

mod carry_over;
mod sections;

use super::pages::{render_status, see_other, PageError};
use super::AppState;
use crate::auth::{csrf, link_throttle};
use crate::domain::answers::{Mode, RawInput, Upload, MAX_EVIDENCE_BYTES, MAX_FORM_BYTES};
use crate::domain::i18n::{ui, Lang};
use crate::error::AppError;
use crate::routes::multipart::{unreadable, Guarded};
use crate::services::link_requests::{self, OnLink};
use crate::services::responses::{self, LinkSession, SaveOutcome};
use crate::views::respondent::{FormScreen, FormState};
use crate::views::sections::gone_page;
use crate::views::typed::{removed_lines, typed_lines};
use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;

const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 5_000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(sections::show_start)
        .service(post_form)
        .service(sections::show_section)
        .service(sections::post_section)
        .service(sections::show_review)
        .service(sections::post_submit)
        .service(sections::post_handover)
        .service(carry_over::post_carry_over)
        .service(evidence);
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
    saved: Option<String>,
    /// The start page itself, not the section to resume at.
    start: Option<String>,
}

/// The link's session, read on the request's connection.
/// A token that finds no link counts against the client's address
/// (`auth::link_throttle`): 429 beyond the limit. A valid link is always served.
pub(super) async fn session(
    state: &AppState,
    conn: &mut crate::services::Conn,
    token: &str,
    req: &HttpRequest,
) -> Result<LinkSession, PageError> {
    if let Some(session) = responses::open_link(conn, &state.registry, token).await? {
        return Ok(session);
    }
    let address = link_throttle::address_key(req.peer_addr().map(|a| a.ip()));
    match link_throttle::failed_lookup(conn, &address)
        .await
        .map_err(AppError::from)?
    {
        Some(wait) => Err(PageError(AppError::TooManyAttempts(wait))),
        None => Err(PageError(AppError::NotFound("link"))),
    }
}

/// The page's language: `?lang=` when the questionnaire has it, else the one picked
/// before on this link, else the contact's, else the browser's `Accept-Language`, else
/// the questionnaire's default.
pub(super) fn chosen_lang(session: &LinkSession, query: Option<&str>, req: &HttpRequest) -> Lang {
    pick_lang(session, query, accept_language(req).as_deref())
}

/// The request's `Accept-Language` header, if readable.
pub(super) fn accept_language(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
}

/// [`chosen_lang`] from the query's `lang` and the `Accept-Language` header.
pub(super) fn pick_lang(session: &LinkSession, query: Option<&str>, accept: Option<&str>) -> Lang {
    let q = &session.version.questionnaire;
    let offered = |l: &Lang| q.languages.contains(l);
    query
        .and_then(Lang::parse)
        .filter(offered)
        .or(session.invitation.chosen_language.filter(offered))
        .or(Some(session.invitation.language).filter(offered))
        .or_else(|| {
            accept.and_then(|h| {
                h.split(',')
                    .filter_map(|part| part.split(';').next()?.trim().split('-').next())
                    .filter_map(Lang::parse)
                    .find(offered)
            })
        })
        .unwrap_or_else(|| q.default_lang())
}

/// A post to a link that no longer works (revoked, expired, or its campaign closed):
/// `Some` page showing back what was typed (nothing is saved) when the form carries the
/// link's own CSRF token; `None` for a token never issued (the caller answers 404).
async fn gone(
    state: &AppState,
    token: &str,
    session: Option<&LinkSession>,
    values: &HashMap<String, Vec<String>>,
) -> Result<Option<HttpResponse>, PageError> {
    let found = match session {
        Some(s) => Some((s.invitation.clone(), s.version.clone())),
        None => {
            let mut conn = state.pool.get().await?;
            responses::dead_link(&mut conn, &state.registry, token).await?
        }
    };
    let Some((invitation, version)) = found else {
        return Ok(None);
    };
    let presented = values
        .get(csrf::FIELD)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("");
    if !csrf::same(
        &csrf::respondent_token(&state.secret_key, invitation.id),
        presented,
    ) {
        return Ok(None);
    }
    let lang = invitation.chosen_language.unwrap_or(invitation.language);
    let typed = typed_lines(&version.questionnaire, lang, values, None);
    Ok(Some(render_status(
        StatusCode::GONE,
        &gone_page(lang, typed),
    )?))
}

/// The form of this link in this language.
fn screen<'a>(
    state: &AppState,
    token: &'a str,
    session: &'a LinkSession,
    lang: Lang,
) -> FormScreen<'a> {
    FormScreen {
        csrf: csrf::respondent_token(&state.secret_key, session.invitation.id),
        token,
        session,
        lang,
    }
}

/// The one-post form: every section's answers in one multipart post (`action` = save,
/// submit with the declaration fields, `add_row:<group>` or `remove_row:<group>:<row>`). The pages post one
/// section at a time (`sections::post_section`); this stays for clients that send
/// the whole questionnaire at once.
#[post("/r/{token}")]
async fn post_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    Guarded(payload): Guarded,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    // A post with files is checked against its link before the body is read (a guessed
    // link gets its 404 without the server taking in a 30 MB form, and the connection
    // goes back to the pool while the body arrives: a slow upload must not hold one); a
    // small one is read first, and its link read in the save's own transaction.
    let payload = match sections::check_before_body(&state, &token, &req, payload).await? {
        Ok(payload) => payload,
        Err(page) => return Ok(page),
    };
    let (mut input, action) = read_form(payload).await?;
    let removed_row = remove_row(&mut input, &action);
    // With HRDD_CLAMD_SOCKET set, files clamd does not pass are refused by their field.
    crate::services::malware::screen(state.settings.clamd_socket.as_deref(), &mut input).await;
    let mode = if action == "submit" {
        Mode::Submit
    } else {
        Mode::Draft
    };
    let (asked, accept) = (query.lang.clone(), accept_language(&req));
    let app: &AppState = &state;
    let input = &input;
    let mut conn = state.pool.get().await?;
    let outcome = link_requests::save(&mut conn, &state.ctx(), &token, input, mode, |s| {
        check_csrf(app, s, &input.values, RETYPE).map_err(|e| e.0)?;
        Ok((pick_lang(s, asked.as_deref(), accept.as_deref()), None))
    })
    .await?;
    drop(conn);
    let (session, lang, outcome) = match outcome {
        OnLink::Open(s, (lang, _, outcome)) => (s, lang, outcome),
        OnLink::Closed(s) => return sections::closed_post(&state, &token, &s, &input.values).await,
        OnLink::Unknown => {
            return sections::unknown_post(&state, &token, &req, &input.values).await
        }
    };
    let screen = screen(&state, &token, &session, lang);
    let here = format!("/r/{}?lang={}", token.as_str(), lang.code());
    let (answers, errors, removed) = match outcome {
        SaveOutcome::AlreadySubmitted { .. } if mode == Mode::Draft => {
            return sections::submitted_meanwhile(&state, &token, &session, lang, &input.values)
                .await
        }
        SaveOutcome::Submitted { .. } | SaveOutcome::AlreadySubmitted { .. } => {
            return Ok(see_other(&here))
        }
        SaveOutcome::Saved {
            answers,
            errors,
            removed,
            ..
        } => (answers, errors, removed),
    };
    // "Add a row" shows the form again with one more row, "Remove row" without the
    // row; a save without errors goes back to the form with "saved", or shows it with
    // "saved" and the answers it removed because they no longer apply; errors are
    // shown with the form (422).
    let add_row = action.strip_prefix("add_row:");
    let removed = removed_lines(&session.version.questionnaire, lang, &removed);
    let (status, notice) = match add_row {
        _ if !errors.is_empty() => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(("errors", ui("fix_errors", lang).to_string())),
        ),
        Some(_) => (StatusCode::OK, None),
        None if removed_row.is_some() => (StatusCode::OK, None),
        None if removed.is_empty() => return Ok(see_other(&format!("{here}&saved=1"))),
        None => (
            StatusCode::OK,
            Some(("saved", ui("saved", lang).to_string())),
        ),
    };
    let saved = errors.is_empty();
    let form = FormState::posted(&input.values, &errors, add_row, notice).with_removed(
        removed_row,
        removed,
        saved,
    );
    let page = screen.page(&answers, form, None);
    Ok(render_status(status, &page)?)
}

/// Downloads an evidence file of this link's own response.
#[get("/r/{token}/evidence/{file_id}")]
async fn evidence(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (token, file_id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let session = session(&state, &mut conn, &token, &req).await?;
    let file_id = crate::routes::path_id(&file_id, "file")?;
    let file = responses::evidence(&mut conn, &session, file_id).await?;
    crate::routes::receipt::file_or_404(file, "evidence")
}

/// A "Remove row" post (`remove_row:<group>:<row>`): the row taken out of what was
/// typed, the rows after it renumbered (`domain::rows::remove_row`), before the save
/// reads it; the table and the removed row's number (from 1) for the page shown
/// again. `None` for any other action, or a row the post does not hold.
pub(super) fn remove_row(input: &mut RawInput, action: &str) -> Option<(String, usize)> {
    let (group, row) = crate::domain::rows::parse_remove_action(action)?;
    let shown = crate::domain::rows::remove_row(&mut input.values, group, row)?;
    Some((group.to_string(), shown))
}

/// What a respondent whose post failed the CSRF check does to save their answers.
const RETYPE: &str = "open your link again and re-enter the last answers";

/// Refuses a post whose CSRF field is not the link's token (`auth::csrf`); `what_to_do`
/// ends the message.
pub(super) fn check_csrf(
    state: &AppState,
    session: &LinkSession,
    values: &HashMap<String, Vec<String>>,
    what_to_do: &str,
) -> Result<(), PageError> {
    let presented = values
        .get(csrf::FIELD)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("");
    let expected = csrf::respondent_token(&state.secret_key, session.invitation.id);
    if csrf::same(&expected, presented) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden(format!(
            "the form did not come from this site (CSRF check failed): {what_to_do}"
        ))))
    }
}

/// Reads a multipart form into text values and files, within size limits.
pub(super) async fn read_form(mut payload: Multipart) -> Result<(RawInput, String), PageError> {
    // Within the body's limit but over the form's (the parts' contents together): a 413,
    // as the guard's refusal of a body declared too large.
    let too_big = || {
        PageError(AppError::TooLarge(format!(
            "the form is larger than {} MB",
            MAX_FORM_BYTES / 1024 / 1024
        )))
    };
    let mut input = RawInput::default();
    let mut action = String::from("save");
    let mut total = 0usize;
    let mut fields = 0usize;
    while let Some(item) = payload.next().await {
        let mut field = item.map_err(|e| PageError(unreadable(e)))?;
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
            let chunk = chunk.map_err(|e| PageError(unreadable(e)))?;
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
            Some(file_name) if !file_name.is_empty() => {
                input.empty_files.insert(name, file_name);
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

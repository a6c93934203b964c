//! The sectioned form: the start page, one page per section with "Save and continue"
//! (and the script's autosave), the review page with the declaration, submit, and the
//! hand-over to a colleague.

use super::{
    accept_language, chosen_lang, gone, pick_lang, read_form, remove_row, screen, session,
    LangQuery, RETYPE,
};
use crate::domain::answers::Mode;
use crate::domain::i18n::{ui, Lang};
use crate::domain::respondent_text::t;
use crate::domain::states::ResponseStatus;
use crate::error::AppError;
use crate::routes::multipart::Guarded;
use crate::routes::pages::{render, render_status, see_other, PageError};
use crate::routes::AppState;
use crate::services::carry_over;
use crate::services::link_requests::{self, OnLink, Page};
use crate::services::respondent::{self, HandoverOutcome, SubmitOutcome};
use crate::services::responses::{self, LinkSession, SaveOutcome};
use crate::views::pages::MessagePage;
use crate::views::respondent::{receipt, FormState, Submission};
use crate::views::review::review_page;
use crate::views::sections::{
    section_page, start_page, submitted_meanwhile_page, AutosaveReply, StartState,
};
use crate::views::typed::{removed_lines, typed_lines};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use std::collections::HashMap;

/// The section number in the path (from 1), checked against the questionnaire.
fn section_index(session: &LinkSession, n: &str) -> Result<usize, PageError> {
    n.parse::<usize>()
        .ok()
        .filter(|n| (1..=session.version.questionnaire.sections.len()).contains(n))
        .map(|n| n - 1)
        .ok_or(PageError(AppError::NotFound("section")))
}

/// A urlencoded form as the multipart reader gives it: values by name.
pub(super) fn values(form: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form.into_iter().take(200) {
        out.entry(k).or_default().push(v);
    }
    out
}

fn csrf_ok(
    state: &AppState,
    session: &LinkSession,
    values: &HashMap<String, Vec<String>>,
) -> Result<(), PageError> {
    super::check_csrf(state, session, values, RETYPE)
}

/// A page's data through its link, read in one transaction ([`link_requests::open_page`])
/// in the language the query asks for (then remembered for the link), else the link's
/// or the browser's; the 404 (or 429, `session`) of a link that opens nothing. The
/// connection goes back to the pool before the page is rendered.
async fn page(
    state: &AppState,
    token: &str,
    query: &LangQuery,
    req: &HttpRequest,
) -> Result<Page, PageError> {
    let mut conn = state.pool.get().await?;
    let conn = &mut conn;
    let (asked, accept) = (query.lang.clone(), accept_language(req));
    let remember = asked.is_some();
    let page = link_requests::open_page(conn, &state.registry, token, remember, move |s| {
        pick_lang(s, asked.as_deref(), accept.as_deref())
    })
    .await?;
    match page {
        Some(page) => Ok(page),
        None => {
            session(state, conn, token, req).await?;
            Err(PageError(AppError::NotFound("link")))
        }
    }
}

/// The answer to a post through a link whose campaign is closed: the page showing back
/// what was typed (the 404 when the form did not carry the link's CSRF token).
pub(super) async fn closed_post(
    state: &AppState,
    token: &str,
    session: &LinkSession,
    typed: &HashMap<String, Vec<String>>,
) -> Result<HttpResponse, PageError> {
    gone(state, token, Some(session), typed)
        .await?
        .ok_or(PageError(AppError::NotFound("link")))
}

/// The answer to a post whose link opened nothing in the post's transaction: the page
/// showing back what was typed for a link that was issued and stopped working, else the
/// 404 (or 429) of an unknown link.
pub(super) async fn unknown_post(
    state: &AppState,
    token: &str,
    req: &HttpRequest,
    typed: &HashMap<String, Vec<String>>,
) -> Result<HttpResponse, PageError> {
    if let Some(page) = gone(state, token, None, typed).await? {
        return Ok(page);
    }
    let mut conn = state.pool.get().await?;
    session(state, &mut conn, token, req).await?;
    Err(PageError(AppError::NotFound("link")))
}

/// The answer to a draft posted after the questionnaire was submitted (from another
/// page, or by a colleague): what the post would have changed is shown back beside the
/// way to the receipt (409), so that nothing typed is lost; the receipt itself when the
/// post changed nothing (a second click, a stale page left untouched).
pub(super) async fn submitted_meanwhile(
    state: &AppState,
    token: &str,
    session: &LinkSession,
    lang: Lang,
    posted: &HashMap<String, Vec<String>>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let page = link_requests::open_page(&mut conn, &state.registry, token, false, |_| lang).await?;
    drop(conn);
    let typed = match page {
        Some(page) => typed_lines(
            &session.version.questionnaire,
            lang,
            posted,
            Some(&page.answers),
        ),
        None => Vec::new(),
    };
    if typed.is_empty() {
        return Ok(see_other(&format!("/r/{token}")));
    }
    Ok(render_status(
        StatusCode::CONFLICT,
        &submitted_meanwhile_page(lang, token, typed),
    )?)
}

/// Whether a post is small enough to be read before its link is: a form without files
/// (its declared length at most [`SMALL_FORM_BYTES`]). A larger one, or one of unknown
/// length, has its link checked first, so a guessed link never makes the server take
/// in a 30 MB upload.
fn small_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n <= SMALL_FORM_BYTES)
}

/// A post's link checked before its body is read, unless [`small_form`] says the post
/// carries no files: `Ok(payload)` to go on, or the answer for a link that opens
/// nothing (its body then read, with no connection held, only to show back what was
/// typed).
pub(super) async fn check_before_body(
    state: &AppState,
    token: &str,
    req: &HttpRequest,
    payload: Multipart,
) -> Result<Result<Multipart, HttpResponse>, PageError> {
    if small_form(req) {
        return Ok(Ok(payload));
    }
    let mut conn = state.pool.get().await?;
    match responses::open_link(&mut conn, &state.registry, token).await? {
        Some(s) if s.writable() => Ok(Ok(payload)),
        Some(s) => {
            drop(conn);
            let (input, _) = read_form(payload).await?;
            Ok(Err(closed_post(state, token, &s, &input.values).await?))
        }
        None => {
            if responses::dead_link(&mut conn, &state.registry, token)
                .await?
                .is_none()
            {
                session(state, &mut conn, token, req).await?;
            }
            drop(conn);
            let (input, _) = read_form(payload).await?;
            Ok(Err(unknown_post(state, token, req, &input.values).await?))
        }
    }
}

/// Largest post read before its link is checked (a section's text answers).
const SMALL_FORM_BYTES: usize = 64 * 1024;

/// The link's session and language for a form post whose CSRF field is the link's, or
/// the page for a link that stopped working ([`post_session`]).
pub(super) async fn form_session(
    state: &AppState,
    token: &str,
    query: &LangQuery,
    req: &HttpRequest,
    form: &HashMap<String, Vec<String>>,
) -> Result<Result<(LinkSession, Lang), HttpResponse>, PageError> {
    let session = match post_session(state, token, req, form).await? {
        Ok(s) => s,
        Err(page) => return Ok(Err(page)),
    };
    csrf_ok(state, &session, form)?;
    let lang = chosen_lang(&session, query.lang.as_deref(), req);
    Ok(Ok((session, lang)))
}

/// The page shown instead of the form once the campaign is closed.
fn closed(lang: crate::domain::i18n::Lang) -> Result<HttpResponse, PageError> {
    Ok(render_status(
        StatusCode::GONE,
        &MessagePage {
            lang: lang.code().into(),
            title: t("closed_title", lang).into(),
            message: t("closed_text", lang).into(),
            translations: Vec::new(),
            back: None,
        },
    )?)
}

/// The link's session for a post, or the response for a link that stopped working
/// (what was typed is shown back) or never existed (404).
async fn post_session(
    state: &AppState,
    token: &str,
    req: &HttpRequest,
    typed: &HashMap<String, Vec<String>>,
) -> Result<Result<LinkSession, HttpResponse>, PageError> {
    let mut conn = state.pool.get().await?;
    match responses::open_link(&mut conn, &state.registry, token).await? {
        Some(session) if session.writable() => Ok(Ok(session)),
        Some(session) => Ok(Err(closed_post(state, token, &session, typed).await?)),
        None => {
            drop(conn);
            Ok(Err(unknown_post(state, token, req, typed).await?))
        }
    }
}

/// The start page, or the receipt once submitted.
#[get("/r/{token}")]
pub(super) async fn show_start(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let Page {
        session,
        lang,
        response,
        answers,
        ..
    } = page(&state, &token, &query, &req).await?;
    if response.status == ResponseStatus::Submitted {
        let submission = Submission {
            signatory: match (&response.signatory_name, &response.signatory_title) {
                (Some(n), Some(t)) => crate::domain::declaration::signed_by(n, t, lang),
                _ => String::new(),
            },
            receipt_id: response.id.to_string(),
            submitted_at: response.submitted_at,
            fingerprint: response.answers_sha256.as_deref().unwrap_or_default(),
            pdf_url: format!("/r/{}/receipt.pdf?lang={}", token.as_str(), lang.code()),
            token: token.as_str(),
            clarification_waiting: {
                let mut conn = state.pool.get().await?;
                crate::services::clarifications::waiting_for(&mut conn, &session).await?
            },
            by_this_contact: response.submitted_by_contact_id == Some(session.contact.id),
        };
        return Ok(render(&receipt(&session, submission, &answers, lang))?);
    }
    if !session.writable() {
        return closed(lang);
    }
    let notice = query
        .saved
        .as_ref()
        .map(|_| ("saved", ui("saved", lang).to_string()));
    let carry_from = if answers.is_empty() {
        let mut conn = state.pool.get().await?;
        carry_over::offer(&mut conn, &session, &answers).await?
    } else {
        None
    };
    let screen = screen(&state, &token, &session, lang);
    let page = start_page(
        &screen,
        &answers,
        &state.settings.sender_company,
        StartState {
            notice,
            carry_from,
            ..StartState::default()
        },
    );
    // Coming back through the link lands on the first section with something left to
    // do (or the review); the start page stays one click away (`?start=1`).
    if page.started && query.lang.is_none() && query.saved.is_none() && query.start.is_none() {
        return Ok(see_other(&page.resume_url));
    }
    Ok(render(&page)?)
}

/// One section of the form.
#[get("/r/{token}/s/{n}")]
pub(super) async fn show_section(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<LangQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (token, n) = path.into_inner();
    let Page {
        session,
        lang,
        response,
        answers,
        meta,
    } = page(&state, &token, &query, &req).await?;
    let section = section_index(&session, &n)?;
    if response.status == ResponseStatus::Submitted {
        return Ok(see_other(&format!("/r/{token}")));
    }
    if !session.writable() {
        return closed(lang);
    }
    let screen = screen(&state, &token, &session, lang);
    let saved_at = query.saved.as_ref().map(|_| response.updated_at);
    let page = section_page(
        &screen,
        section,
        &answers,
        &meta,
        FormState::default(),
        &[],
        saved_at,
    );
    Ok(render(&page)?)
}

/// Saves one section: `action` = save (stay), next (go on), autosave (JSON for the
/// script), `add_row:<group>` or `remove_row:<group>:<row>`. Only this section's
/// answers are read and validated. A save that removed answers whose questions no
/// longer apply shows the section again, listing them, instead of going on.
#[post("/r/{token}/s/{n}")]
pub(super) async fn post_section(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<LangQuery>,
    Guarded(payload): Guarded,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (token, n) = path.into_inner();
    // A post with files is checked against its link before the body is read; a small
    // one is read first and its link read in the save's own transaction.
    let payload = match check_before_body(&state, &token, &req, payload).await? {
        Ok(payload) => payload,
        Err(page) => return Ok(page),
    };
    let (mut input, action) = read_form(payload).await?;
    let removed_row = remove_row(&mut input, &action);
    if action != "autosave" {
        // With HRDD_CLAMD_SOCKET set, files clamd does not pass are refused by their field.
        crate::services::malware::screen(state.settings.clamd_socket.as_deref(), &mut input).await;
    }
    let (asked, accept) = (query.lang.clone(), accept_language(&req));
    let app: &AppState = &state;
    let input = &input;
    let mut conn = state.pool.get().await?;
    let outcome = link_requests::save(&mut conn, &state.ctx(), &token, input, Mode::Draft, |s| {
        let section = section_index(s, &n).map_err(|e| e.0)?;
        csrf_ok(app, s, &input.values).map_err(|e| e.0)?;
        Ok((
            pick_lang(s, asked.as_deref(), accept.as_deref()),
            Some(section),
        ))
    })
    .await?;
    drop(conn);
    let (session, lang, section, outcome) = match outcome {
        OnLink::Open(s, (lang, section, outcome)) => (s, lang, section.unwrap_or(0), outcome),
        OnLink::Closed(s) => return closed_post(&state, &token, &s, &input.values).await,
        OnLink::Unknown => return unknown_post(&state, &token, &req, &input.values).await,
    };
    let (answers, errors, conflicts, meta, removed) = match outcome {
        SaveOutcome::Submitted { .. } => return Ok(see_other(&format!("/r/{token}"))),
        SaveOutcome::AlreadySubmitted { .. } if action == "autosave" => {
            return Ok(HttpResponse::Ok().json(AutosaveReply::submitted(lang)))
        }
        SaveOutcome::AlreadySubmitted { .. } => {
            return submitted_meanwhile(&state, &token, &session, lang, &input.values).await
        }
        SaveOutcome::Saved {
            answers,
            errors,
            conflicts,
            meta,
            removed,
        } => (answers, errors, conflicts, meta, removed),
    };
    let removed = removed_lines(&session.version.questionnaire, lang, &removed);
    if action == "autosave" {
        let reply = AutosaveReply::new(&meta, errors, &conflicts, lang, removed);
        return Ok(HttpResponse::Ok().json(reply));
    }
    let add_row = action.strip_prefix("add_row:");
    let stays = add_row.is_some() || removed_row.is_some() || !removed.is_empty();
    if !stays && errors.is_empty() && conflicts.is_empty() {
        let count = session.version.questionnaire.sections.len();
        let to = match action.as_str() {
            "next" if section + 1 < count => format!("/r/{token}/s/{}", section + 2),
            "next" => format!("/r/{token}/review"),
            _ => format!("/r/{token}/s/{}?saved=1", section + 1),
        };
        return Ok(see_other(&to));
    }
    let status = match (stays, conflicts.is_empty(), errors.is_empty()) {
        (true, true, true) => StatusCode::OK,
        (_, false, _) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let notice = (!errors.is_empty()).then(|| ("errors", ui("fix_errors", lang).to_string()));
    let screen = screen(&state, &token, &session, lang);
    let saved_at = (!removed.is_empty() && errors.is_empty()).then(chrono::Utc::now);
    let saved = errors.is_empty() && conflicts.is_empty();
    let form = FormState::posted(&input.values, &errors, add_row, notice).with_removed(
        removed_row,
        removed,
        saved,
    );
    let page = section_page(
        &screen, section, &answers, &meta, form, &conflicts, saved_at,
    );
    Ok(render_status(status, &page)?)
}

/// Every answer by section, what is missing, and the declaration.
#[get("/r/{token}/review")]
pub(super) async fn show_review(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let Page {
        session,
        lang,
        response,
        answers,
        ..
    } = page(&state, &token, &query, &req).await?;
    if response.status == ResponseStatus::Submitted {
        return Ok(see_other(&format!("/r/{token}")));
    }
    if !session.writable() {
        return closed(lang);
    }
    let problems = respondent::review(&session.version.questionnaire, &answers, lang);
    let screen = screen(&state, &token, &session, lang);
    Ok(render(&review_page(
        &screen, &answers, &problems, None, None,
    ))?)
}

/// Submits the stored answers with the declaration.
#[post("/r/{token}/submit")]
pub(super) async fn post_submit(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    form: web::Form<Vec<(String, String)>>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let form = values(form.into_inner());
    let (asked, accept) = (query.lang.clone(), accept_language(&req));
    let app: &AppState = &state;
    let posted = &form;
    let mut conn = state.pool.get().await?;
    let outcome = link_requests::submit(&mut conn, &state.ctx(), &token, posted, |s| {
        csrf_ok(app, s, posted).map_err(|e| e.0)?;
        Ok(pick_lang(s, asked.as_deref(), accept.as_deref()))
    })
    .await?;
    match outcome {
        OnLink::Open(_, (_, SubmitOutcome::Submitted { .. }))
        | OnLink::Open(_, (_, SubmitOutcome::AlreadySubmitted { .. })) => {
            Ok(see_other(&format!("/r/{token}")))
        }
        OnLink::Open(session, (lang, SubmitOutcome::Invalid { errors })) => {
            let (_, answers) = responses::current(&mut conn, &session).await?;
            let screen = screen(&state, &token, &session, lang);
            let page = review_page(&screen, &answers, &errors, Some(&form), None);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?)
        }
        OnLink::Open(session, (lang, SubmitOutcome::Changed { since })) => {
            // The page again with the answers as they are now, the changed ones marked;
            // the name and title typed are kept, the box is ticked anew.
            let Some(now) =
                link_requests::open_page(&mut conn, &state.registry, &token, false, |_| lang)
                    .await?
            else {
                return Ok(see_other(&format!("/r/{token}")));
            };
            drop(conn);
            let problems = respondent::review(&session.version.questionnaire, &now.answers, lang);
            let mut typed = form.clone();
            typed.remove(crate::domain::declaration::AGREE);
            let screen = screen(&state, &token, &session, lang);
            let since = since.unwrap_or(now.response.created_at);
            let page = review_page(
                &screen,
                &now.answers,
                &problems,
                Some(&typed),
                Some((&now.meta, since)),
            );
            Ok(render_status(StatusCode::CONFLICT, &page)?)
        }
        OnLink::Closed(s) => closed_post(&state, &token, &s, &form).await,
        OnLink::Unknown => {
            drop(conn);
            unknown_post(&state, &token, &req, &form).await
        }
    }
}

/// Hands the questionnaire over to a colleague (a link by email).
#[post("/r/{token}/handover")]
pub(super) async fn post_handover(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    form: web::Form<Vec<(String, String)>>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let form = values(form.into_inner());
    let (session, lang) = match form_session(&state, &token, &query, &req, &form).await? {
        Ok(s) => s,
        Err(page) => return Ok(page),
    };
    let field = |k: &str| {
        form.get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let (name, email) = (field(respondent::NAME), field(respondent::EMAIL));
    let mut conn = state.pool.get().await?;
    let outcome =
        respondent::hand_over(&mut conn, &state.ctx(), &session, &name, &email, lang).await?;
    let (status, state_) = match outcome {
        HandoverOutcome::Sent { email } => (
            StatusCode::OK,
            StartState {
                notice: Some(("saved", format!("{} {email}", t("handed_over", lang)))),
                ..StartState::default()
            },
        ),
        HandoverOutcome::Invalid { errors } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            StartState {
                notice: Some(("errors", t("handover_fix", lang).to_string())),
                colleague: (name, email),
                errors,
                ..StartState::default()
            },
        ),
    };
    let (_, answers) = responses::current(&mut conn, &session).await?;
    let state_ = StartState {
        carry_from: carry_over::offer(&mut conn, &session, &answers).await?,
        ..state_
    };
    let screen = screen(&state, &token, &session, lang);
    Ok(render_status(
        status,
        &start_page(&screen, &answers, &state.settings.sender_company, state_),
    )?)
}

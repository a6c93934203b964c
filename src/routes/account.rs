//! Signing in and out, changing and resetting a staff password.

use super::pages::{render, render_status, see_other, PageError};
use super::AppState;
use crate::auth::principal::StaffUser;
use crate::auth::{csrf, new_token, session};
use crate::domain::text;
use crate::error::AppError;
use crate::services::accounts;
use crate::views::staff::{
    FieldErrors, LoginPage, PasswordChangePage, ResetFormPage, ResetRequestPage, StaffNav,
};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(login)
        .service(logout)
        .service(password_page)
        .service(change_password)
        .service(revoke_sessions)
        .service(reset_request_page)
        .service(reset_request)
        .service(reset_form)
        .service(reset_submit);
}

fn secure(state: &AppState) -> bool {
    state.settings.public_base_url.starts_with("https://")
}

fn cookie<'a>(state: &AppState, name: &'a str, value: String, same_site: SameSite) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(secure(state))
        .same_site(same_site)
        .finish()
}

/// The anonymous CSRF token of this browser, and the cookie to set when it is new.
fn anonymous_csrf<'a>(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'a>>) {
    match req
        .cookie(csrf::COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
    {
        Some(token) => (token, None),
        None => {
            let token = new_token();
            (
                token.clone(),
                Some(cookie(state, csrf::COOKIE, token, SameSite::Strict)),
            )
        }
    }
}

fn with_cookie(mut resp: HttpResponse, c: Option<Cookie<'_>>) -> HttpResponse {
    if let Some(c) = c {
        let _ = resp.add_cookie(&c);
    }
    resp
}

/// A page for someone not signed in, carrying this browser's anonymous CSRF token (and
/// setting its cookie when the token is new).
fn anonymous_page<P: Template>(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    page: impl FnOnce(String) -> P,
) -> Result<HttpResponse, PageError> {
    let (token, set) = anonymous_csrf(state, req);
    Ok(with_cookie(render_status(status, &page(token))?, set))
}

/// Only a local path, else `/staff`: no open redirect. It must start with a single `/`
/// and contain no backslash and no control character, also once percent-decoded
/// (browsers drop a tab, so `/\t/evil.example` is `//evil.example`, another host). A
/// control character could not go into the `Location` header either.
fn safe_next(next: Option<&str>) -> String {
    fn local(path: &str) -> bool {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains('\\')
            && !path.chars().any(char::is_control)
    }
    match next {
        Some(n) if local(n) && local(&percent_decode(n)) => n.to_string(),
        _ => "/staff".into(),
    }
}

/// `%XX` sequences decoded (invalid ones kept as they are); not UTF-8 → lossy.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
async fn login_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(query.next.as_deref());
    anonymous_page(&state, &req, StatusCode::OK, |csrf| {
        login_form(csrf, String::new(), next, String::new())
    })
}

fn login_form(csrf: String, email: String, next: String, error: String) -> LoginPage {
    LoginPage {
        lang: "en".into(),
        title: "Sign in".into(),
        csrf,
        email,
        next,
        error,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

#[post("/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    // A NUL or a line break in the address is refused here, before any query.
    let result = match text::clean_single_line("email", &form.email) {
        Ok(email) => {
            accounts::sign_in(
                &state.pool,
                &state.audit_key,
                &email,
                &form.password,
                &client_ip(&req),
                ua,
            )
            .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(signed_in) => {
            let target = if signed_in.must_change_password {
                "/account/password".to_string()
            } else {
                safe_next(form.next.as_deref())
            };
            let mut c = cookie(&state, session::COOKIE, signed_in.cookie, SameSite::Lax);
            c.set_max_age(CookieDuration::seconds(
                session::ABSOLUTE_TIMEOUT.num_seconds(),
            ));
            Ok(with_cookie(see_other(&target), Some(c)))
        }
        Err(
            e @ (AppError::TooManyAttempts(_) | AppError::BadRequest(_) | AppError::Validation(_)),
        ) => {
            let status = match e {
                AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
                AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::UNAUTHORIZED,
            };
            let email = text::clean_answer(&form.email, false);
            let next = safe_next(form.next.as_deref());
            anonymous_page(&state, &req, status, |csrf| {
                login_form(csrf, email, next, e.detail())
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/logout")]
async fn logout(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    accounts::sign_out(&mut conn, &state.audit_key, user.id, user.session_id).await?;
    let mut gone = cookie(&state, session::COOKIE, String::new(), SameSite::Lax);
    gone.make_removal();
    Ok(with_cookie(see_other("/login"), Some(gone)))
}

fn password_page_for(
    user: &StaffUser,
    errors: Vec<(String, String)>,
    done: bool,
) -> PasswordChangePage {
    PasswordChangePage {
        lang: "en".into(),
        title: "Your password".into(),
        nav: StaffNav::new(user, ""),
        forced: user.must_change_password && !done,
        errors: FieldErrors::new(&["current_password", "new_password"], errors),
        done,
    }
}

#[get("/account/password")]
async fn password_page(user: StaffUser) -> Result<HttpResponse, PageError> {
    Ok(render(&password_page_for(&user, Vec::new(), false))?)
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

#[post("/account/password")]
async fn change_password(
    state: web::Data<AppState>,
    user: StaffUser,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    match accounts::change_password(
        &mut conn,
        &state.audit_key,
        user.id,
        user.session_id,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(()) => {
            let mut user = user;
            user.must_change_password = false;
            Ok(render(&password_page_for(&user, Vec::new(), true))?)
        }
        Err(AppError::Validation(fields)) => {
            let errors = fields.into_iter().map(|f| (f.field, f.message)).collect();
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &password_page_for(&user, errors, false),
            )?)
        }
        Err(e @ AppError::TooManyAttempts(_)) => {
            let errors = vec![("current_password".to_string(), e.to_string())];
            Ok(render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &password_page_for(&user, errors, false),
            )?)
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/account/sessions/revoke")]
async fn revoke_sessions(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    accounts::sign_out_elsewhere(&mut conn, &state.audit_key, user.id, user.session_id).await?;
    Ok(see_other("/account/password"))
}

#[get("/password/reset")]
async fn reset_request_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    reset_request_form(&state, &req, false)
}

fn reset_request_form(
    state: &AppState,
    req: &HttpRequest,
    sent: bool,
) -> Result<HttpResponse, PageError> {
    anonymous_page(state, req, StatusCode::OK, |csrf| ResetRequestPage {
        lang: "en".into(),
        title: "Reset your password".into(),
        csrf,
        sent,
    })
}

#[derive(Deserialize)]
struct ResetRequestForm {
    email: String,
}

#[post("/password/reset")]
async fn reset_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ResetRequestForm>,
) -> Result<HttpResponse, PageError> {
    let email = text::clean_single_line("email", &form.email).map_err(AppError::from)?;
    let mut conn = state.pool.get().await?;
    accounts::request_reset(&mut conn, &state.jobs, &email).await?;
    reset_request_form(&state, &req, true)
}

fn reset_page(token: String, path_token: &str, error: String) -> ResetFormPage {
    ResetFormPage {
        lang: "en".into(),
        title: "Choose a new password".into(),
        csrf: token,
        action: format!("/password/reset/{path_token}"),
        error,
    }
}

#[get("/password/reset/{token}")]
async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    if !accounts::reset_token_valid(&mut conn, &path).await? {
        return Err(PageError(AppError::BadRequest(
            "this reset link has expired or was already used: ask for a new one".into(),
        )));
    }
    anonymous_page(&state, &req, StatusCode::OK, |csrf| {
        reset_page(csrf, &path, String::new())
    })
}

#[derive(Deserialize)]
struct ResetForm {
    new_password: String,
}

#[post("/password/reset/{token}")]
async fn reset_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    match accounts::complete_reset(&mut conn, &state.audit_key, &path, &form.new_password).await {
        Ok(()) => Ok(see_other("/login")),
        Err(AppError::Validation(fields)) => {
            let message = fields
                .into_iter()
                .map(|f| format!("New password: {}", f.message))
                .collect::<Vec<_>>()
                .join("; ");
            anonymous_page(&state, &req, StatusCode::UNPROCESSABLE_ENTITY, |csrf| {
                reset_page(csrf, &path, message)
            })
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_or_staff() {
        for good in ["/staff", "/staff/users?x=1", "/staff/a%20b"] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/a\nb",
            "/a%0Ab",
            "https://evil.example",
            "evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/staff", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/staff");
    }
}

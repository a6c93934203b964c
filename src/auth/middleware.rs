//! The one place that enforces access on every route: it identifies the caller (session
//! cookie or API token), looks the route up in [`ROUTES`](super::permissions::ROUTES),
//! refuses what the caller's role does not allow, and checks the CSRF token of every
//! state-changing request made with a cookie.
//!
//! An API token counts only on `/api/` routes: a signed-in page called with one is
//! refused, and public pages ignore it (so it never skips their CSRF check). A known
//! route called with a method it does not have is a 405 with `Allow`; `HEAD` is served
//! as `GET`.

use super::csrf;
use super::permissions::{access_for, is_api_route, methods_for, Access};
use super::principal::{ApiClient, Principal};
use super::{session, token_sha256};
use crate::error::AppError;
use crate::error::PageError;
use crate::state::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};

/// What a user who must still replace a one-time password may open.
const ACCOUNT_PAGES: [&str; 3] = ["/account/password", "/logout", "/account/sessions/revoke"];

/// Why a request is refused.
enum Refusal {
    /// Not signed in: 401 for the API, a redirect to the login page for pages.
    SignIn,
    /// Signed in, but must set a new password first.
    ChangePassword,
    Forbidden(&'static str),
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn refuse(
    req: &ServiceRequest,
    who: Option<&super::principal::StaffUser>,
    why: Refusal,
) -> HttpResponse {
    let path = req.path();
    match why {
        Refusal::SignIn if is_api(path) => HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .json(serde_json::json!({"error": "unauthorized", "message": "sign in or send an API token (Authorization: Bearer …)", "fields": []})),
        Refusal::SignIn => {
            let next = if req.method() == Method::GET { req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/staff") } else { "/staff" };
            let target = format!("/login?next={}", urlencode(next));
            HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish()
        }
        Refusal::ChangePassword if is_api(path) => AppError::Forbidden("set a new password first (/account/password)".into()).error_response(),
        Refusal::ChangePassword => HttpResponse::SeeOther().insert_header((header::LOCATION, "/account/password")).finish(),
        Refusal::Forbidden(why) if is_api(path) => AppError::Forbidden(why.into()).error_response(),
        // A signed-in member on a staff page their role does not open: the staff area's
        // own page, with the way back.
        Refusal::Forbidden(why) if crate::error::is_staff_page(path) => {
            crate::error::staff_error_response(&AppError::Forbidden(why.into()), who)
        }
        Refusal::Forbidden(why) => PageError(AppError::Forbidden(why.into())).error_response(),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// The token of an `Authorization: Bearer …` header. The scheme is case-insensitive
/// (RFC 6750 via RFC 7235: `bearer`, `BEARER`).
fn bearer_token(req: &ServiceRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Finds who is calling. Errors reaching the database are passed on. An API token
/// counts only on API routes (`api_route`); pages know only the session cookie.
async fn identify(
    state: &AppState,
    req: &ServiceRequest,
    api_route: bool,
) -> Result<Principal, AppError> {
    if let Some(bearer) = bearer_token(req).filter(|_| api_route) {
        let mut conn = state.pool.get().await?;
        // A token stops working when it is revoked or its creator is disabled.
        let found = crate::db::api_tokens::find_usable(&mut conn, &token_sha256(bearer)).await?;
        return match found.map(|(id, name, role)| ApiClient { id, name, role }) {
            Some(client) => {
                crate::db::api_tokens::touch(&mut conn, client.id).await?;
                Ok(Principal::Api(client))
            }
            None => Ok(Principal::Anonymous),
        };
    }
    if let Some(cookie) = req.cookie(session::COOKIE) {
        let mut conn = state.pool.get().await?;
        if let Some(user) = session::lookup(&mut conn, cookie.value()).await? {
            return Ok(Principal::Staff(user));
        }
    }
    Ok(Principal::Anonymous)
}

/// The CSRF token a state-changing request carries: the header, or the form field of a
/// urlencoded body (the body is read and put back for the handler). `Err` when the body
/// is over the size limit: that is a 413, not a CSRF failure.
async fn presented_csrf(req: &mut ServiceRequest) -> Result<Option<String>, HttpResponse> {
    if let Some(h) = req
        .headers()
        .get(csrf::HEADER)
        .and_then(|h| h.to_str().ok())
    {
        return Ok(Some(h.to_string()));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        let boundary = req
            .mime_type()
            .ok()
            .flatten()
            .filter(|m| m.essence_str() == "multipart/form-data")
            .and_then(|m| {
                m.get_param(actix_web::mime::BOUNDARY)
                    .map(|b| b.as_str().to_string())
            });
        return Ok(match boundary {
            Some(boundary) => multipart_token(req, &boundary).await,
            None => None,
        });
    }
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(e) if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(too_large());
        }
        Err(_) => return Ok(None),
    };
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .ok()
        .and_then(|fields| {
            fields
                .into_iter()
                .find(|(k, _)| k == csrf::FIELD)
                .map(|(_, v)| v)
        });
    req.set_payload(actix_web::dev::Payload::from(body));
    Ok(token)
}

/// The token of a file upload: its form's first field, read from the body's first
/// bytes (at most 8 KiB), which are then put back before the rest for the handler.
async fn multipart_token(req: &mut ServiceRequest, boundary: &str) -> Option<String> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut head = web::BytesMut::new();
    let token = loop {
        match csrf::multipart_token(&head, boundary) {
            csrf::FirstPart::Token(token) => break Some(token),
            csrf::FirstPart::NotToken => break None,
            csrf::FirstPart::Incomplete if head.len() > 8 * 1024 => break None,
            csrf::FirstPart::Incomplete => {}
        }
        match payload.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            _ => break None,
        }
    };
    let head = head.freeze();
    let body = futures_util::stream::once(async move { Ok(head) }).chain(payload);
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(body),
    });
    token
}

/// 413 for a form body over the limit.
pub fn too_large() -> HttpResponse {
    HttpResponse::PayloadTooLarge()
        .content_type("text/plain; charset=utf-8")
        .body("the form is too large: send less text")
}

/// For a `GET` (or `HEAD`) of a page route that only takes a form's `POST`
/// (`/staff/flags/{id}/decide`, `/r/{token}/submit`): the nearest enclosing address
/// that is a page (`/staff/flags/{id}`, `/r/{token}`). `None` for the API and when no
/// enclosing address is a page.
fn form_page(req: &ServiceRequest, pattern: &str) -> Option<String> {
    if is_api(req.path()) || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let (mut pattern, mut path) = (pattern, req.path());
    loop {
        pattern = &pattern[..pattern.rfind('/')?];
        path = &path[..path.rfind('/')?];
        if pattern.is_empty() {
            return None;
        }
        if access_for("GET", pattern).is_some() {
            return Some(path.to_string());
        }
    }
}

/// 405 for a method the table does not list for a known route, with `Allow`. `HEAD` is
/// allowed wherever `GET` is (the middleware answers it as a `GET` without a body).
fn method_not_allowed(req: &ServiceRequest, methods: &[&str]) -> HttpResponse {
    let mut allow: Vec<&str> = methods.to_vec();
    if allow.contains(&"GET") {
        allow.push("HEAD");
    }
    let allow = allow.join(", ");
    let mut resp = HttpResponse::MethodNotAllowed();
    resp.insert_header((header::ALLOW, allow.clone()));
    if is_api(req.path()) {
        resp.json(serde_json::json!({"error": "method_not_allowed", "message": format!("use one of: {allow}"), "fields": []}))
    } else {
        resp.content_type("text/plain; charset=utf-8")
            .body(format!("405 Method Not Allowed: use one of {allow}"))
    }
}

/// The middleware function (`actix_web::middleware::from_fn`).
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(pattern) = req.match_pattern() else {
        // No such route: the default handler answers 404.
        return next.call(req).await.map(|r| r.map_into_left_body());
    };
    let method = req.method().as_str().to_string();
    let access = match access_for(&method, &pattern) {
        Some(access) => access,
        // HEAD is answered as GET (the server sends no body for a HEAD request).
        None if req.method() == Method::HEAD && access_for("GET", &pattern).is_some() => {
            req.head_mut().method = Method::GET;
            access_for("GET", &pattern).unwrap_or(Access::Public)
        }
        None => {
            let methods = methods_for(&pattern);
            let resp = if methods.is_empty() {
                // A registered route missing from the permission table: fail closed.
                tracing::error!(%method, %pattern, "route missing from the permission table");
                refuse(
                    &req,
                    None,
                    Refusal::Forbidden("this route has no access rule"),
                )
            } else if let Some(page) = form_page(&req, &pattern) {
                // The address of a form's submission opened in a browser (the address
                // bar after a refused form, reloaded or bookmarked): the page the form
                // is on, not an error.
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, page))
                    .finish()
            } else {
                // A known route called with a method it does not have: the client's
                // mistake, not ours.
                method_not_allowed(&req, &methods)
            };
            return Ok(req.into_response(resp).map_into_right_body());
        }
    };
    let api_route = is_api_route(&pattern);
    if !api_route
        && matches!(access, Access::SignedIn | Access::Needs(_))
        && bearer_token(&req).is_some()
    {
        // Staff pages are for signed-in browsers only; an API token never acts on them
        // (it would skip the CSRF check that protects them).
        let resp = refuse(
            &req,
            None,
            Refusal::Forbidden("API tokens work only on /api/ routes: sign in with a browser to use the staff pages"),
        );
        return Ok(req.into_response(resp).map_into_right_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(actix_web::error::ErrorInternalServerError(
            "application state missing",
        ));
    };
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let principal = match access {
        // Respondent pages and public reads never use the caller: no session lookup for
        // every stylesheet. A public form post needs it for its CSRF check.
        Access::Respondent => Principal::Anonymous,
        Access::Public if !state_changing => Principal::Anonymous,
        Access::Public => identify(&state, &req, api_route).await.unwrap_or_default(),
        _ => identify(&state, &req, api_route)
            .await
            .map_err(actix_web::Error::from)?,
    };
    let refusal = match (access, &principal) {
        (Access::Public | Access::Respondent, _) => None,
        (_, Principal::Anonymous) => Some(Refusal::SignIn),
        (Access::SignedIn, Principal::Api(_)) => {
            Some(Refusal::Forbidden("this page is for signed-in staff"))
        }
        (Access::SignedIn, Principal::Staff(s))
            if s.must_change_password && !ACCOUNT_PAGES.contains(&pattern.as_str()) =>
        {
            Some(Refusal::ChangePassword)
        }
        (Access::SignedIn, Principal::Staff(_)) => None,
        (Access::Needs(_), Principal::Staff(s)) if s.must_change_password => {
            Some(Refusal::ChangePassword)
        }
        (Access::Needs(p), who) if !who.can(p) => {
            Some(Refusal::Forbidden("your role does not allow this"))
        }
        (Access::Needs(_), _) => None,
    };
    if let Some(why) = refusal {
        let resp = refuse(&req, principal.staff(), why);
        return Ok(req.into_response(resp).map_into_right_body());
    }

    if state_changing && access != Access::Respondent && !matches!(principal, Principal::Api(_)) {
        // Signed-in staff present their session's token; anonymous forms the cookie's.
        // A public form (sign-in) opened before signing in carries the cookie's token,
        // so on public routes either is accepted.
        let mut expected: Vec<String> = Vec::new();
        if let Principal::Staff(s) = &principal {
            expected.push(s.csrf_token.clone());
        }
        if matches!(principal, Principal::Anonymous) || access == Access::Public {
            expected.extend(req.cookie(csrf::COOKIE).map(|c| c.value().to_string()));
        }
        let presented = match presented_csrf(&mut req).await {
            Ok(presented) => presented,
            Err(resp) => return Ok(req.into_response(resp).map_into_right_body()),
        };
        let ok = presented
            .as_deref()
            .is_some_and(|p| expected.iter().any(|e| e.len() >= 32 && csrf::same(e, p)));
        if !ok {
            let resp = refuse(&req, principal.staff(), Refusal::Forbidden("the form expired or did not come from this site (CSRF check failed): reload the page and try again"));
            return Ok(req.into_response(resp).map_into_right_body());
        }
    }

    req.extensions_mut().insert(principal);
    next.call(req).await.map(|r| r.map_into_left_body())
}

//! The one place that enforces access on every route: it identifies the caller (session
//! cookie or API token), looks the route up in [`ROUTES`](super::permissions::ROUTES),
//! refuses what the caller's role does not allow, and checks the CSRF token of every
//! state-changing request made with a cookie.

use super::csrf;
use super::permissions::{access_for, Access, Role};
use super::principal::{ApiClient, Principal};
use super::{session, token_sha256};
use crate::db::schema::api_tokens;
use crate::error::AppError;
use crate::routes::pages::PageError;
use crate::routes::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

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

fn refuse(req: &ServiceRequest, why: Refusal) -> HttpResponse {
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
        Refusal::Forbidden(why) => PageError(AppError::Forbidden(why.into())).error_response(),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// Finds who is calling. Errors reaching the database are passed on.
async fn identify(state: &AppState, req: &ServiceRequest) -> Result<Principal, AppError> {
    if let Some(bearer) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    {
        let mut conn = state.pool.get().await?;
        let found: Option<(uuid::Uuid, String, String)> = api_tokens::table
            .filter(api_tokens::token_sha256.eq(token_sha256(bearer.trim())))
            .filter(api_tokens::revoked_at.is_null())
            .select((api_tokens::id, api_tokens::name, api_tokens::role))
            .first(&mut conn)
            .await
            .optional()?;
        return match found.and_then(|(id, name, role)| {
            Role::parse(&role).map(|role| ApiClient { id, name, role })
        }) {
            Some(client) => {
                diesel::update(api_tokens::table.find(client.id))
                    .set(api_tokens::last_used_at.eq(Utc::now()))
                    .execute(&mut conn)
                    .await?;
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
/// urlencoded body (the body is read and put back for the handler).
async fn presented_csrf(req: &mut ServiceRequest) -> Option<String> {
    if let Some(h) = req
        .headers()
        .get(csrf::HEADER)
        .and_then(|h| h.to_str().ok())
    {
        return Some(h.to_string());
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    let body = req.extract::<web::Bytes>().await.ok()?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == csrf::FIELD)
        .map(|(_, v)| v);
    req.set_payload(actix_web::dev::Payload::from(body));
    token
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
    let Some(access) = access_for(&method, &pattern) else {
        // A registered route missing from the permission table: fail closed.
        tracing::error!(%method, %pattern, "route missing from the permission table");
        let resp = refuse(&req, Refusal::Forbidden("this route has no access rule"));
        return Ok(req.into_response(resp).map_into_right_body());
    };
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
        Access::Public => identify(&state, &req).await.unwrap_or_default(),
        _ => identify(&state, &req)
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
        let resp = refuse(&req, why);
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
        let presented = presented_csrf(&mut req).await;
        let ok = presented
            .as_deref()
            .is_some_and(|p| expected.iter().any(|e| e.len() >= 32 && csrf::same(e, p)));
        if !ok {
            let resp = refuse(&req, Refusal::Forbidden("the form expired or did not come from this site (CSRF check failed): reload the page and try again"));
            return Ok(req.into_response(resp).map_into_right_body());
        }
    }

    req.extensions_mut().insert(principal);
    next.call(req).await.map(|r| r.map_into_left_body())
}

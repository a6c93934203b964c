//! Who is making a request, as the middleware established it.

use super::permissions::{Permission, Role};
use crate::db::audit::Actor;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};
use uuid::Uuid;

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub session_id: Uuid,
    pub csrf_token: String,
}

/// An integration calling with an API token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// The caller of a request.
#[derive(Debug, Clone, Default)]
pub enum Principal {
    #[default]
    Anonymous,
    Staff(StaffUser),
    Api(ApiClient),
}

impl Principal {
    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::Anonymous => None,
            Principal::Staff(s) => Some(s.role),
            Principal::Api(a) => Some(a.role),
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role().is_some_and(|r| r.can(p))
    }

    /// The audit-log actor for this caller.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Anonymous => Actor::System,
            Principal::Staff(s) => Actor::Staff(s.id.to_string()),
            Principal::Api(a) => Actor::Api(a.id.to_string()),
        }
    }

    pub fn staff(&self) -> Option<&StaffUser> {
        match self {
            Principal::Staff(s) => Some(s),
            _ => None,
        }
    }
}

impl FromRequest for Principal {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req
            .extensions()
            .get::<Principal>()
            .cloned()
            .unwrap_or_default()))
    }
}

impl FromRequest for StaffUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The middleware has already refused anonymous callers on staff routes; this only
    /// hands the signed-in user to the handler.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Principal>()
                .and_then(|p| p.staff().cloned())
                .ok_or_else(|| actix_web::error::ErrorUnauthorized("sign in first")),
        )
    }
}

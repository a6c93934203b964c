//! The staff area: overview, organisations, campaigns, flags, audit log, users and API
//! tokens, one file per area. Access is decided by the middleware from the permission
//! table; handlers only adapt what they show to the role (e.g. a create form only for
//! those who may). Pages are built in `views::tables`.

mod action_plans;
mod audit;
mod campaign_contacts;
mod campaign_emails;
mod campaign_fields;
mod campaign_owner;
mod campaign_page;
mod campaigns;
mod clarifications;
mod exports;
mod flag_queue;
mod flags;
mod home;
mod inherent_risk;
mod jobs;
mod organisations;
mod outbox;
mod ranking;
mod reassessments;
mod tokens;
mod users;

use super::pages::{render, render_status, PageError};
use super::AppState;
use crate::auth::permissions::Role;
use crate::auth::principal::StaffUser;
use crate::error::AppError;
use crate::services::{accounts, Conn};
use crate::views::staff::{Feedback, TablePage};
use crate::views::tables;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(home::configure)
        .configure(users::configure)
        .configure(tokens::configure)
        .configure(organisations::configure)
        .configure(campaigns::configure)
        .configure(flag_queue::configure)
        .configure(campaign_page::configure)
        .configure(campaign_owner::configure)
        .configure(campaign_contacts::configure)
        .configure(campaign_emails::configure)
        .configure(flags::configure)
        .configure(audit::configure)
        .configure(jobs::configure)
        .configure(outbox::configure)
        .configure(clarifications::configure)
        .configure(action_plans::configure)
        .configure(inherent_risk::configure)
        .configure(exports::configure)
        .configure(reassessments::configure)
        .configure(ranking::configure);
}

/// The table pages of the staff area. Those with a create form are shown again after
/// a post, with what was created or what was wrong.
#[derive(Clone, Copy)]
enum Table {
    Users,
    ApiTokens,
}

impl Table {
    async fn page(
        self,
        state: &AppState,
        user: &StaffUser,
        feedback: Feedback,
    ) -> Result<TablePage, PageError> {
        let mut conn = state.pool.get().await?;
        let c = &mut conn;
        let page = match self {
            Table::Users => {
                let users = accounts::list_users(c).await?;
                tables::users(user, users, &accounts::open_work(c).await?)
            }
            Table::ApiTokens => tables::api_tokens(user, accounts::list_api_tokens(c).await?),
        };
        Ok(page.with(feedback))
    }

    /// The page as opened with GET.
    async fn show(self, state: &AppState, user: &StaffUser) -> Result<HttpResponse, PageError> {
        Ok(render(&self.page(state, user, Feedback::default()).await?)?)
    }

    /// Runs a create form's service call, then shows the table again with what was
    /// created (a notice or a secret shown once) or, with 422, with what was wrong in
    /// the form beside its fields and the form holding what was `typed` ((field, value)).
    /// Errors that are not about the input (e.g. the database is down) are an error page.
    async fn create(
        self,
        state: &AppState,
        user: &StaffUser,
        typed: Vec<(String, String)>,
        create: impl AsyncFnOnce(&mut Conn) -> Result<Feedback, AppError>,
    ) -> Result<HttpResponse, PageError> {
        let result = create(&mut *state.pool.get().await?).await;
        let errors = match result {
            Ok(feedback) => return Ok(render(&self.page(state, user, feedback).await?)?),
            Err(AppError::Validation(fields)) => {
                fields.into_iter().map(|f| (f.field, f.message)).collect()
            }
            Err(AppError::Conflict(m) | AppError::BadRequest(m)) => vec![("error".into(), m)],
            Err(other) => return Err(other.into()),
        };
        Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &self
                .page(state, user, Feedback::refused(errors, typed))
                .await?,
        )?)
    }
}

/// A posted role, or a 422 naming the field.
fn parse_role(raw: &str) -> Result<Role, PageError> {
    Role::parse(raw).ok_or_else(|| PageError(AppError::field("role", "unknown role")))
}

/// Path ids that are not UUIDs are simply "not found".
use super::path_id;

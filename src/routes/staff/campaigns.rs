//! Campaigns with their questionnaire version and progress.

use super::Table;
use crate::auth::principal::StaffUser;
use crate::routes::pages::PageError;
use crate::routes::AppState;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(campaigns_page);
}

#[get("/staff/campaigns")]
async fn campaigns_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Table::Campaigns.show(&state, &user).await
}

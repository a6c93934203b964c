//! The audit log: the newest entries and whether the whole hash chain verifies.

use super::Table;
use crate::auth::principal::StaffUser;
use crate::routes::pages::PageError;
use crate::routes::AppState;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_page);
}

#[get("/staff/audit")]
async fn audit_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Table::Audit.show(&state, &user).await
}

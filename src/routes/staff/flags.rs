//! Flags raised by submitted answers, worst first.

use super::Table;
use crate::auth::principal::StaffUser;
use crate::routes::pages::PageError;
use crate::routes::AppState;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(flags_page);
}

#[get("/staff/flags")]
async fn flags_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Table::Flags.show(&state, &user).await
}

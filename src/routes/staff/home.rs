//! The overview: counts for the sections the role may open.

use crate::auth::principal::StaffUser;
use crate::routes::pages::{render, PageError};
use crate::routes::AppState;
use crate::services::listings;
use crate::views::tables;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}

#[get("/staff")]
async fn home(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let overview = listings::overview(&mut conn).await?;
    Ok(render(&tables::home(&user, &overview))?)
}

//! The overview: what needs the signed-in member (their flags, the unassigned and
//! escalated ones, open campaigns by deadline with what is overdue) and counts for the
//! sections the role may open.

use crate::auth::permissions::Permission;
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
    // Whoever sends campaigns or fixes the relay is told when mail is not going out.
    let mail = user.role.can(Permission::ManageJobs) || user.role.can(Permission::ManageCampaigns);
    let overview = listings::overview(&mut conn, user.id, mail).await?;
    let campaigns = if user.role.can(Permission::ViewCampaigns) {
        listings::campaigns(&mut conn).await?
    } else {
        Vec::new()
    };
    Ok(render(&tables::home(
        &user,
        &overview,
        &campaigns,
        chrono::Utc::now(),
    ))?)
}

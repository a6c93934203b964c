//! The stored questionnaire versions a campaign can be pinned to. (The path says
//! `templates` for compatibility with existing clients.)

use super::types::QuestionnaireVersionBody;
use crate::routes::AppState;
use actix_web::{get, web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_questionnaires);
}

#[get("/templates")]
async fn list_questionnaires(state: web::Data<AppState>) -> HttpResponse {
    let list: Vec<QuestionnaireVersionBody> = state
        .registry
        .all()
        .iter()
        .map(|v| QuestionnaireVersionBody::from(v.as_ref()))
        .collect();
    HttpResponse::Ok().json(list)
}

//! "Copy those answers here" on the start page: a response with no answers starts from
//! its organisation's last submission of the questionnaire (`services::carry_over`), and
//! the start page comes back saying how many answers were copied and how many were not.

use super::sections::{form_session, values};
use super::{screen, LangQuery};
use crate::domain::i18n::Lang;
use crate::domain::respondent_text::t;
use crate::routes::pages::{render, see_other, PageError};
use crate::routes::AppState;
use crate::services::carry_over::{self, CarryOutcome};
use crate::services::responses;
use crate::views::sections::{start_page, submitted_on, StartState};
use actix_web::{post, web, HttpRequest, HttpResponse};

#[post("/r/{token}/carry-over")]
pub(super) async fn post_carry_over(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    form: web::Form<Vec<(String, String)>>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let form = values(form.into_inner());
    let (session, lang) = match form_session(&state, &token, &query, &req, &form).await? {
        Ok(s) => s,
        Err(page) => return Ok(page),
    };
    let mut conn = state.pool.get().await?;
    let notice = match carry_over::carry_over(&mut conn, &state.ctx(), &session, lang).await? {
        CarryOutcome::Copied {
            count,
            left_out,
            from,
        } => {
            let mut text = t("carry_done", lang)
                .replace("{n}", &count.to_string())
                .replace("{date}", &submitted_on(&from, lang));
            if left_out > 0 {
                // Sentences follow each other without a space in Japanese and Chinese.
                if !matches!(lang, Lang::Ja | Lang::Zh) {
                    text.push(' ');
                }
                text.push_str(&t("carry_left_out", lang).replace("{n}", &left_out.to_string()));
            }
            text
        }
        CarryOutcome::AlreadyStarted => t("carry_started", lang).to_string(),
        CarryOutcome::NothingToCopy => t("carry_none", lang).to_string(),
        // The link's own page says what happened (the receipt, or why it stopped working).
        CarryOutcome::Submitted | CarryOutcome::Gone => {
            return Ok(see_other(&format!("/r/{token}")))
        }
    };
    let (_, answers) = responses::current(&mut conn, &session).await?;
    let carry_from = carry_over::offer(&mut conn, &session, &answers).await?;
    drop(conn);
    let screen = screen(&state, &token, &session, lang);
    Ok(render(&start_page(
        &screen,
        &answers,
        &state.settings.sender_company,
        StartState {
            notice: Some(("saved", notice)),
            carry_from,
            ..StartState::default()
        },
    ))?)
}

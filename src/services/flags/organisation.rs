//! What the committee reads about one organisation: every response (campaign by
//! campaign) with all its answers, its flags and their state, and its evidence. The
//! year-over-year diff is computed in the view from consecutive responses. A response
//! started from an earlier one's answers ("Start from your last answers") says so, from
//! its `response.carried_over` audit entry. Which flags were raised on the same question
//! by the organisation's previous submission ([`previous_flags`]: the queue, the flag
//! export and the API say "flagged last time too").

use crate::db::evidence::EvidenceListed;
use crate::db::models::{Campaign, Flag, FlagWork, Organisation, Response};
use crate::db::{evidence, flags, organisations, responses};
use crate::domain::answers::Answers;
use crate::domain::ids::OrganisationId;
use crate::error::AppError;
use crate::services::carry_over::carried_into;
pub use crate::services::carry_over::CarriedFrom;
use crate::services::Conn;
use std::collections::HashMap;
use uuid::Uuid;

pub use crate::db::earlier_answers::PreviousFlag;

/// Of `flag_ids`, those flagged on the same question in their organisation's previous
/// submission of the questionnaire (any version), by flag id.
pub async fn previous_flags(
    conn: &mut Conn,
    flag_ids: &[Uuid],
) -> Result<HashMap<Uuid, PreviousFlag>, AppError> {
    Ok(crate::db::earlier_answers::previous_flags(conn, flag_ids)
        .await?
        .into_iter()
        .map(|p| (p.flag_id, p))
        .collect())
}

/// One response with everything shown for it.
pub struct ResponseRecord {
    pub response: Response,
    pub campaign: Campaign,
    pub answers: Answers,
    pub flags: Vec<(Flag, FlagWork)>,
    pub evidence: Vec<EvidenceListed>,
    /// When the contact started it from an earlier response's answers.
    pub carried_from: Option<CarriedFrom>,
}

/// An organisation's responses: submitted ones oldest submission first, then those not
/// submitted, oldest first.
pub struct OrganisationHistory {
    pub organisation: Organisation,
    pub responses: Vec<ResponseRecord>,
}

pub async fn history(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> Result<OrganisationHistory, AppError> {
    let organisation = organisations::find_organisation(conn, organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let rows = responses::of_organisation(conn, organisation_id).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(r, _)| r.id.uuid()).collect();
    let mut all_flags = flags::with_work_of_responses(conn, &ids).await?;
    let mut all_evidence = evidence::listed_of_responses(conn, &ids).await?;
    let mut carried = carried_into(conn, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (response, campaign) in rows {
        let answers = responses::load_answers(conn, response.id).await?;
        let (mine, rest): (Vec<_>, Vec<_>) = all_flags
            .into_iter()
            .partition(|(f, _)| f.response_id == response.id.uuid());
        all_flags = rest;
        let (files, rest): (Vec<_>, Vec<_>) = all_evidence
            .into_iter()
            .partition(|e| e.response_id == response.id.uuid());
        all_evidence = rest;
        let carried_from = carried.remove(&response.id.uuid());
        out.push(ResponseRecord {
            response,
            campaign,
            answers,
            flags: mine,
            evidence: files,
            carried_from,
        });
    }
    Ok(OrganisationHistory {
        organisation,
        responses: out,
    })
}

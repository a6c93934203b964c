//! A respondent's link session: opening the form, saving drafts, submitting, and the
//! flags a submission raises.
//!
//! Everything here is reached through [`LinkSession`], which can only be made from a
//! valid link token, and carries the one response that link may touch.

pub use super::answer_saves::{
    answer_fingerprint, base_field, save, version_field, Conflict, SaveOutcome,
};
pub(crate) use super::answer_saves::{
    locked, save_draft_unlocked, save_locked, Attempt, Locked, SAVE_ATTEMPTS,
};
use super::questionnaires::{LoadedVersion, QuestionnaireRegistry};
use super::Conn;
use crate::db;
use crate::db::audit::{self, Actor};
pub use crate::db::models::{
    Campaign, Contact, Flag, Invitation, NewEvidenceFile, Organisation, Response,
};
pub use crate::db::responses::{AnswerMeta, AnswerMetas, StoredAnswers};
use crate::domain::answers::Answers;
use crate::domain::declaration::Declaration;
use crate::domain::i18n::Lang;
use crate::domain::ids::{OrganisationId, ResponseId};
use crate::domain::risk::overall_band;
use crate::domain::token;
use crate::error::AppError;
use chrono::{Duration, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

/// What a valid link gives access to: exactly one organisation's response in one campaign.
#[derive(Debug, Clone)]
pub struct LinkSession {
    pub invitation: Invitation,
    pub campaign: Campaign,
    pub organisation: Organisation,
    pub contact: Contact,
    pub version: Arc<LoadedVersion>,
    /// The campaign's message to respondents, shown on the start page.
    pub campaign_message: Option<String>,
}

impl LinkSession {
    pub fn response_id(&self) -> ResponseId {
        self.invitation.response_id
    }

    /// Whether answers may still be saved: not once the campaign is closed.
    pub fn writable(&self) -> bool {
        self.campaign.status != crate::domain::states::CampaignStatus::Closed
    }
}

/// The invitation of a link that was issued but no longer opens the form (revoked or
/// expired), with the questionnaire version its campaign is pinned to; `None` for a
/// malformed or never-issued token.
pub async fn dead_link(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
) -> Result<Option<(Invitation, Arc<LoadedVersion>)>, AppError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    match db::invitations::find_dead_link(conn, &token::token_sha256(token)).await? {
        Some((invitation, version_id)) => {
            let version = registry.pinned(invitation.campaign_id, version_id)?;
            Ok(Some((invitation, version)))
        }
        None => Ok(None),
    }
}

/// How often a link's use is written down (`invitations.last_used_at`) at most. Writing
/// it on every page view and save made each respondent cost dozens of row updates.
pub const LINK_USE_INTERVAL: Duration = Duration::minutes(5);

/// Records that the link was used, unless that was done within [`LINK_USE_INTERVAL`]:
/// usually no statement at all. Runs on the caller's connection, inside the caller's
/// transaction when there is one (a save).
pub async fn record_use(conn: &mut Conn, session: &LinkSession) -> Result<(), AppError> {
    // A constant offset from now: cannot overflow.
    let since = Utc::now() - LINK_USE_INTERVAL;
    if session.invitation.last_used_at.is_some_and(|t| t >= since) {
        return Ok(());
    }
    // On the organisation's timeline as "opened" (as often as the use is recorded).
    db::invitations::record_link_use(conn, session.invitation.id, session.response_id(), since)
        .await?;
    Ok(())
}

/// Remembers `lang` as the link's language when the respondent picked another one
/// (no statement otherwise).
pub async fn remember_language(
    conn: &mut Conn,
    session: &LinkSession,
    lang: Lang,
) -> Result<(), AppError> {
    if session.invitation.chosen_language != Some(lang) {
        db::invitations::set_chosen_language(conn, session.invitation.id, lang).await?;
    }
    Ok(())
}

/// Opens a link. `None` for an unknown, revoked or expired token (the caller shows the
/// same page for all three, so a guesser learns nothing). Reads only; the use is
/// recorded by [`current`] and [`save`].
pub async fn open_link(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
) -> Result<Option<LinkSession>, AppError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    match db::invitations::find_link(conn, &token::token_sha256(token)).await? {
        None => Ok(None),
        Some(link) => Ok(Some(session_of(registry, link)?)),
    }
}

/// The session of a usable link, with its campaign's pinned questionnaire version.
fn session_of(
    registry: &QuestionnaireRegistry,
    (invitation, campaign, organisation, contact, campaign_message): db::invitations::Link,
) -> Result<LinkSession, AppError> {
    let version = registry.pinned(campaign.id, campaign.template_version_id)?;
    Ok(LinkSession {
        invitation,
        campaign,
        organisation,
        contact,
        version,
        campaign_message,
    })
}

/// Opens a link with its response and the response's answers, in one statement
/// (`db::invitations::find_link_page`); `None` as for [`open_link`].
pub(crate) async fn open_link_page(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
) -> Result<Option<(LinkSession, Response, StoredAnswers)>, AppError> {
    if !token::is_well_formed(token) {
        return Ok(None);
    }
    let Some((link, response, stored)) =
        db::invitations::find_link_page(conn, &token::token_sha256(token)).await?
    else {
        return Ok(None);
    };
    Ok(Some((session_of(registry, link)?, response, stored)))
}

/// The response and its stored answers (the link's use is recorded, at most every few
/// minutes).
pub async fn current(
    conn: &mut Conn,
    session: &LinkSession,
) -> Result<(Response, Answers), AppError> {
    record_use(conn, session).await?;
    let response = db::responses::find_response(conn, session.response_id())
        .await?
        .ok_or(AppError::NotFound("response"))?;
    let answers = db::responses::load_answers(conn, response.id).await?;
    Ok((response, answers))
}

/// SHA-256 of the answers' canonical JSON: the receipt's fingerprint.
pub fn answers_fingerprint(answers: &Answers) -> String {
    // BTreeMap keys are sorted and serde_json sorts object keys: canonical bytes.
    hex::encode(Sha256::digest(
        serde_json::to_string(answers)
            .unwrap_or_default()
            .as_bytes(),
    ))
}

/// Flags, fingerprint, the submitted state with the declaration, and the audit entry:
/// the end of a valid submission, inside its transaction.
pub(crate) async fn finish_submit(
    tx: &mut crate::db::Tx<'_>,
    jobs: &crate::jobs::Jobs,
    session: &LinkSession,
    answers: &Answers,
    lang: Lang,
    declaration: &Declaration,
) -> Result<SaveOutcome, AppError> {
    let q = &session.version.questionnaire;
    let contact_id = session.contact.id;
    let response_id = session.response_id();
    let raised =
        super::scoring::score_submission(tx, q, &session.organisation, response_id.uuid(), answers)
            .await?;
    let now = Utc::now();
    let rows = super::scoring::flag_rows(response_id.uuid(), &raised, now);
    db::flags::insert_flags(tx, &rows).await?;
    let fingerprint = answers_fingerprint(answers);
    let response = db::responses::mark_submitted(
        tx,
        response_id,
        contact_id,
        lang,
        &fingerprint,
        (&declaration.name, &declaration.title),
    )
    .await?;
    // The receipt email (with the PDF, made when it is sent) to the contact who
    // submitted; the caller wakes the worker after the commit. Queued before the audit
    // entry, the last statement: appends wait for each other until commit.
    crate::jobs::campaign_mail::queue_receipt(tx, jobs, session.invitation.id.uuid()).await?;
    let worst = overall_band(raised.iter().map(|f| &f.band));
    audit::append(
        tx,
        &Actor::Contact(contact_id.uuid()),
        "response.submitted",
        "response",
        response_id,
        json!({
            "answers": answers.len(),
            "signatory_name": declaration.name,
            "signatory_title": declaration.title,
            "answers_sha256": fingerprint,
            "flags": rows.len(),
            "worst_band": worst.map(|b| b.as_str()),
            "template_version_id": session.version.id,
        }),
    )
    .await?;
    Ok(SaveOutcome::Submitted {
        response,
        flags: rows.len(),
    })
}

/// The flags of a response.
pub async fn flags(conn: &mut Conn, response_id: ResponseId) -> Result<Vec<Flag>, AppError> {
    Ok(db::flags::flags_of(conn, response_id.uuid()).await?)
}

/// A stored flag as the rating sees it (`None` for an indicator or band this build does
/// not know, which a migration would have to bring first).
pub fn flag_facts(f: &Flag) -> Option<crate::domain::rating::FlagFacts> {
    crate::domain::rating::FlagFacts::stored(
        &f.indicator,
        f.band,
        f.critical,
        f.score,
        f.affected_workers,
        f.workforce,
    )
}

/// One response an organisation's rating is built from.
#[derive(Debug, Serialize)]
pub struct RatedResponse {
    pub response_id: ResponseId,
    pub template_id: String,
    pub version: i32,
    pub submitted_at: Option<chrono::DateTime<Utc>>,
}

/// An organisation's rating, the responses it was built from and their flags.
pub type OrganisationRating = (crate::domain::rating::Rating, Vec<RatedResponse>, Vec<Flag>);

/// An organisation's rating from its latest submitted response to each questionnaire,
/// with the responses it used and their flags (worst first).
pub async fn organisation_rating(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> Result<OrganisationRating, AppError> {
    db::organisations::find_organisation(conn, organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    let latest: Vec<RatedResponse> =
        db::responses::latest_submitted_responses(conn, organisation_id)
            .await?
            .into_iter()
            .map(
                |(response_id, template_id, version, submitted_at)| RatedResponse {
                    response_id,
                    template_id,
                    version,
                    submitted_at,
                },
            )
            .collect();
    let ids: Vec<Uuid> = latest.iter().map(|r| r.response_id.uuid()).collect();
    let flags = db::flags::flags_of_responses(conn, &ids).await?;
    let facts: Vec<_> = flags.iter().filter_map(flag_facts).collect();
    Ok((crate::domain::rating::Rating::of(&facts), latest, flags))
}

/// A response and the questionnaire version its campaign is pinned to (`None` when the
/// version is not loaded); `NotFound` when there is no such response.
pub async fn find_response(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    id: ResponseId,
) -> Result<(Response, Option<Arc<LoadedVersion>>), AppError> {
    let response = db::responses::find_response(conn, id)
        .await?
        .ok_or(AppError::NotFound("response"))?;
    let campaign = db::campaigns::find_campaign(conn, response.campaign_id)
        .await?
        .ok_or(AppError::NotFound("campaign"))?;
    Ok((response, registry.get(campaign.template_version_id)))
}

/// An evidence file (name, content type, bytes) of the link's own response only.
pub async fn evidence(
    conn: &mut Conn,
    session: &LinkSession,
    file_id: Uuid,
) -> Result<Option<(String, String, Vec<u8>)>, AppError> {
    Ok(db::evidence::find_answer_evidence_of(conn, file_id, session.response_id()).await?)
}

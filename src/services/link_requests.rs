//! Each respondent request's database work in **one transaction that reads the link
//! first**: a page is one transaction (the link with its campaign, organisation and
//! contact, the link's use when it is due, the response and its answers), and a save or
//! a submit is one transaction (the link read again, then the save), so a link revoked
//! or a campaign closed while the page was open is seen by the very transaction that
//! would have written, and a respondent's five requests cost five transactions.
//!
//! What the caller decides from the link (the page's language, the section, the CSRF
//! check) runs inside, as a closure over the fresh [`LinkSession`]; an error from it
//! rolls back and writes nothing.

use super::questionnaires::QuestionnaireRegistry;
use super::respondent::{self, SubmitOutcome};
use super::responses::{self, AnswerMetas, LinkSession, Response, SaveOutcome};
use super::{Conn, Ctx};
use crate::db;
use crate::domain::answers::{Answers, Mode, RawInput};
use crate::domain::i18n::Lang;
use crate::error::AppError;
use scoped_futures::ScopedFutureExt;
use std::collections::HashMap;

/// What a link opened for a request found.
#[derive(Debug)]
pub enum OnLink<T> {
    /// An open link, read in the request's transaction, and what the request did.
    Open(LinkSession, T),
    /// The link works but its campaign is closed: nothing was written.
    Closed(LinkSession),
    /// No usable link (unknown, revoked or expired): nothing was written.
    Unknown,
}

/// A respondent page's data, read in one transaction.
#[derive(Debug)]
pub struct Page {
    pub session: LinkSession,
    pub lang: Lang,
    pub response: Response,
    pub answers: Answers,
    pub meta: AnswerMetas,
}

/// The page of the link `token`: the language is `pick(session)`, remembered for the
/// link when `remember` (the respondent chose it); the link's use is recorded when due.
/// `None` for no usable link.
pub async fn open_page(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
    remember: bool,
    pick: impl FnOnce(&LinkSession) -> Lang + Send,
) -> Result<Option<Page>, AppError> {
    db::plain_transaction::<_, AppError, _>(conn, |tx| {
        async move {
            let Some(session) = responses::open_link(tx, registry, token).await? else {
                return Ok(None);
            };
            let lang = pick(&session);
            if remember {
                responses::remember_language(tx, &session, lang).await?;
            }
            responses::record_use(tx, &session).await?;
            let (response, answers, meta) =
                db::responses::find_with_answers(tx, session.response_id())
                    .await?
                    .ok_or(AppError::NotFound("response"))?;
            Ok(Some(Page {
                session,
                lang,
                response,
                answers,
                meta,
            }))
        }
        .scope_boxed()
    })
    .await
}

/// The link `token`, read in the request's transaction, when it may still write; else
/// what the request answers (no usable link, or its campaign closed), having written
/// nothing.
async fn writable<T>(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
) -> Result<Result<LinkSession, OnLink<T>>, AppError> {
    Ok(match responses::open_link(conn, registry, token).await? {
        None => Err(OnLink::Unknown),
        Some(session) if !session.writable() => Err(OnLink::Closed(session)),
        Some(session) => Ok(session),
    })
}

/// Saves a posted form through the link `token` ([`responses::save`]) in the
/// transaction that reads the link; `pick` gives the language and the section (`None`:
/// every section) or refuses.
pub async fn save(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    token: &str,
    input: &RawInput,
    mode: Mode,
    pick: impl FnOnce(&LinkSession) -> Result<(Lang, Option<usize>), AppError> + Send,
) -> Result<OnLink<(Lang, Option<usize>, SaveOutcome)>, AppError> {
    let outcome = db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let session = match writable(tx, ctx.registry, token).await? {
                Ok(session) => session,
                Err(refused) => return Ok(refused),
            };
            let (lang, section) = pick(&session)?;
            let saved = responses::save_in(tx, ctx, &session, input, lang, mode, section).await?;
            Ok(OnLink::Open(session, (lang, section, saved)))
        }
        .scope_boxed()
    })
    .await?;
    if matches!(
        &outcome,
        OnLink::Open(_, (_, _, SaveOutcome::Submitted { .. }))
    ) {
        ctx.jobs.wake();
    }
    Ok(outcome)
}

/// Submits the stored answers with the review page's declaration
/// ([`respondent::submit_in`]) in the transaction that reads the link `token`.
pub async fn submit(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    token: &str,
    form: &HashMap<String, Vec<String>>,
    pick: impl FnOnce(&LinkSession) -> Result<Lang, AppError> + Send,
) -> Result<OnLink<(Lang, SubmitOutcome)>, AppError> {
    let outcome = db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let session = match writable(tx, ctx.registry, token).await? {
                Ok(session) => session,
                Err(refused) => return Ok(refused),
            };
            let lang = pick(&session)?;
            let submitted = respondent::submit_in(tx, ctx, &session, form, lang).await?;
            Ok(OnLink::Open(session, (lang, submitted)))
        }
        .scope_boxed()
    })
    .await?;
    if matches!(
        &outcome,
        OnLink::Open(_, (_, SubmitOutcome::Submitted { .. }))
    ) {
        ctx.jobs.wake();
    }
    Ok(outcome)
}

//! Each respondent request's database work, **reading the link first** and as few
//! statements as it takes: a page is one statement (the link with its campaign,
//! organisation and contact, the response and its answers; the link's use one more when
//! it is due); a draft save without files is that read and one write that happens only
//! if the response is still as read and the link still works; a save with files and a
//! submission are one transaction that reads the link again, then saves. Either way a
//! link revoked or a campaign closed while the page was open is seen by the very
//! statement that would have written.
//!
//! What the caller decides from the link (the page's language, the section, the CSRF
//! check) runs as a closure over the fresh [`LinkSession`], before anything is written;
//! an error from it writes nothing.

use super::questionnaires::QuestionnaireRegistry;
use super::respondent::{self, SubmitOutcome};
use super::responses::{self, AnswerMetas, Attempt, LinkSession, Response, SaveOutcome};
use super::{Conn, Ctx};
use crate::db;
use crate::domain::answers::{Answers, Mode, RawInput};
use crate::domain::i18n::Lang;
use crate::domain::states::ResponseStatus;
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
/// `None` for no usable link. The link, the response and its answers are one statement
/// (no transaction: one statement sees one snapshot); remembering the language and
/// recording the use (not once the campaign is closed), when there is anything to
/// write, one more each.
pub async fn open_page(
    conn: &mut Conn,
    registry: &QuestionnaireRegistry,
    token: &str,
    remember: bool,
    pick: impl FnOnce(&LinkSession) -> Lang + Send,
) -> Result<Option<Page>, AppError> {
    let Some((session, response, stored)) =
        responses::open_link_page(conn, registry, token).await?
    else {
        return Ok(None);
    };
    let lang = pick(&session);
    if remember {
        responses::remember_language(conn, &session, lang).await?;
    }
    // A visit after the campaign closed is refused, not an open: it is not recorded
    // (nor does it move the organisation to "opened" on the campaign's progress).
    if session.writable() {
        responses::record_use(conn, &session).await?;
    }
    Ok(Some(Page {
        session,
        lang,
        response,
        answers: stored.answers,
        meta: stored.meta,
    }))
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

/// Saves a posted form through the link `token`; `pick` gives the language and the
/// section (`None`: every section) or refuses.
///
/// A draft without files, the common save, is **two statements and no transaction**:
/// the link with the response and its answers read in one
/// ([`responses::open_link_page`]), then one that writes only if the response is still
/// at the revision read and the link still works
/// ([`responses::save_draft_unlocked`]). When another contact saved in between, it
/// reads and tries again, and after twice takes the lock. A post with files, a submission, or a draft that deletes a
/// file is one transaction that reads the link and locks the response
/// ([`responses::save_locked`]). Either way a link revoked or a campaign closed while
/// the page was open is seen by the very statement that would have written.
pub async fn save(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    token: &str,
    input: &RawInput,
    mode: Mode,
    pick: impl Fn(&LinkSession) -> Result<(Lang, Option<usize>), AppError> + Send + Sync,
) -> Result<OnLink<(Lang, Option<usize>, SaveOutcome)>, AppError> {
    let mut lock = mode == Mode::Submit || !input.uploads.is_empty();
    let (mut last_lang, mut stale) = (Lang::En, 0);
    for _ in 0..responses::SAVE_ATTEMPTS {
        let attempt = if lock {
            save_locked(conn, ctx, token, input, mode, &pick).await?
        } else {
            save_unlocked(conn, ctx, token, input, &pick).await?
        };
        match attempt {
            Err(refused) => return Ok(refused),
            Ok((session, lang, section, attempt)) => match attempt {
                Attempt::Done(outcome) => {
                    if matches!(outcome, SaveOutcome::Submitted { .. }) {
                        ctx.jobs.wake();
                    }
                    return Ok(OnLink::Open(session, (lang, section, outcome)));
                }
                // Saved over twice in a row: the lock makes the others wait.
                Attempt::Stale => {
                    last_lang = lang;
                    stale += 1;
                    tracing::debug!(
                        stale,
                        "the response changed since the save read it: reading again"
                    );
                    lock |= stale >= 2;
                }
                Attempt::NeedsLock => {
                    last_lang = lang;
                    lock = true;
                }
            },
        }
    }
    Err(AppError::Conflict(
        crate::domain::i18n::Msg::SaveBusy.text(last_lang),
    ))
}

/// One try of a save, with what the link gave (or the answer for a refused link).
type Tried =
    Result<(LinkSession, Lang, Option<usize>, Attempt), OnLink<(Lang, Option<usize>, SaveOutcome)>>;

/// [`save`]'s draft without files: the link, response and answers in one read, then
/// the conditional write; the link's use, when due, is one more statement.
async fn save_unlocked(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    token: &str,
    input: &RawInput,
    pick: &(impl Fn(&LinkSession) -> Result<(Lang, Option<usize>), AppError> + Send + Sync),
) -> Result<Tried, AppError> {
    let Some((session, response, stored)) =
        responses::open_link_page(conn, ctx.registry, token).await?
    else {
        return Ok(Err(OnLink::Unknown));
    };
    if !session.writable() {
        return Ok(Err(OnLink::Closed(session)));
    }
    let (lang, section) = pick(&session)?;
    responses::record_use(conn, &session).await?;
    let attempt = if response.status == ResponseStatus::Submitted {
        Attempt::Done(SaveOutcome::AlreadySubmitted { response })
    } else {
        responses::save_draft_unlocked(conn, ctx, &session, input, lang, section, stored).await?
    };
    Ok(Ok((session, lang, section, attempt)))
}

/// [`save`] in one transaction that reads the link and locks the response.
async fn save_locked(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    token: &str,
    input: &RawInput,
    mode: Mode,
    pick: &(impl Fn(&LinkSession) -> Result<(Lang, Option<usize>), AppError> + Send + Sync),
) -> Result<Tried, AppError> {
    db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            let session = match writable(tx, ctx.registry, token).await? {
                Ok(session) => session,
                Err(refused) => return Ok(Err(refused)),
            };
            let (lang, section) = pick(&session)?;
            let attempt =
                responses::save_locked(tx, ctx, &session, input, lang, mode, section).await?;
            Ok(Ok((session, lang, section, attempt)))
        }
        .scope_boxed()
    })
    .await
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

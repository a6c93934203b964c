//! The end of the sectioned flow: the review (what a submission would refuse), the
//! submit with the declaration, and the hand-over to a colleague: a contact of the
//! same organisation (new, or found by email address) gets their own link to the same
//! response, by email through the outbox (in the colleague's language, naming who
//! handed it over and the organisation and campaign it belongs to), in one
//! transaction with its audit entry.

use super::responses::{
    answers_fingerprint, finish_submit, locked, record_use, LinkSession, Locked, Response,
    SaveOutcome,
};
use super::{Conn, Ctx};
use crate::db;
use crate::db::audit::{self, Actor};
use crate::db::models::{Contact, Invitation};
use crate::domain::answers::{parse_form, to_form_values, Answers, FieldError, Mode, RawInput};
use crate::domain::dates::Today;
use crate::domain::declaration;
use crate::domain::i18n::Lang;
use crate::domain::ids::{ContactId, InvitationId};
use crate::domain::respondent_text::t;
use crate::domain::text::clean_single_line;
use crate::domain::token;
use crate::error::AppError;
use crate::jobs::campaign_mail;
use chrono::{DateTime, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use std::collections::HashMap;

/// What the review page's submit did.
#[derive(Debug)]
pub enum SubmitOutcome {
    Submitted {
        response: Response,
        flags: usize,
    },
    AlreadySubmitted {
        response: Response,
    },
    /// Nothing was written: these answers or declaration fields need attention.
    Invalid {
        errors: Vec<FieldError>,
    },
    /// Nothing was written: the answers are not those the review page showed (a
    /// colleague or another tab changed them since, `since` when it was made); the
    /// declaration is never signed over answers its signer did not see.
    Changed {
        since: Option<DateTime<Utc>>,
    },
}

/// The review page's hidden fields: the fingerprint of the answers it showed
/// ([`answers_fingerprint`] of the shown answers) and when it was made (RFC 3339). A
/// submission without them (a client of its own) is checked as before.
pub const REVIEWED: &str = "_reviewed";
pub const REVIEWED_AT: &str = "_reviewed_at";

/// Submits the stored answers with the declaration from the review page, inside the
/// caller's transaction (`link_requests::submit`, which wakes the job worker after the
/// commit when it submitted): every shown required question must be answered and every
/// answer valid.
pub(crate) async fn submit_in(
    tx: &mut crate::db::Tx<'_>,
    ctx: &Ctx<'_>,
    session: &LinkSession,
    form: &HashMap<String, Vec<String>>,
    lang: Lang,
) -> Result<SubmitOutcome, AppError> {
    let q = &session.version.questionnaire;
    let response_id = session.response_id();
    let declared = declaration::parse(form, lang);
    let stored = match locked(tx, response_id).await? {
        Locked::Submitted(response) => return Ok(SubmitOutcome::AlreadySubmitted { response }),
        Locked::Open(stored) => stored.answers,
    };
    let answers = crate::domain::visibility::only_visible(q, &stored);
    let first = |name: &str| {
        form.get(name)
            .and_then(|v| v.first())
            .filter(|v| !v.is_empty())
    };
    if first(REVIEWED).is_some_and(|seen| *seen != answers_fingerprint(&answers)) {
        let since = first(REVIEWED_AT)
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.with_timezone(&Utc));
        return Ok(SubmitOutcome::Changed { since });
    }
    let mut parsed = review(q, &stored, lang);
    let declaration = match declared {
        Ok(d) if parsed.is_empty() => d,
        Ok(_) => return Ok(SubmitOutcome::Invalid { errors: parsed }),
        Err(errors) => {
            parsed.extend(errors);
            return Ok(SubmitOutcome::Invalid { errors: parsed });
        }
    };
    record_use(tx, session).await?;
    Ok(
        match finish_submit(tx, ctx.jobs, session, &answers, lang, &declaration).await? {
            SaveOutcome::Submitted { response, flags } => {
                SubmitOutcome::Submitted { response, flags }
            }
            SaveOutcome::AlreadySubmitted { response } => {
                SubmitOutcome::AlreadySubmitted { response }
            }
            SaveOutcome::Saved { errors, .. } => SubmitOutcome::Invalid { errors },
        },
    )
}

/// What a submission of `stored` would refuse now: missing required answers, invalid
/// values and answers that disagree with each other, by field (the review page lists
/// them).
pub fn review(
    q: &crate::domain::questionnaire::Questionnaire,
    stored: &Answers,
    lang: Lang,
) -> Vec<FieldError> {
    let input = RawInput {
        values: to_form_values(q, stored),
        ..RawInput::default()
    };
    parse_form(q, &input, stored, lang, Mode::Submit, Today::at(Utc::now())).errors
}

/// Form fields of the hand-over form.
pub const NAME: &str = "colleague_name";
pub const EMAIL: &str = "colleague_email";

/// How many hand-overs a response takes in a day (24 hours).
pub const HANDOVERS_A_DAY: i64 = 5;

/// Whether a name holds a web or mail address, as a mail client would make a link of
/// it: after NFKC folding (full-width `ｗｗｗ．` is `www.`), `://`, `www.`, a `/` or an
/// `@`, or a word, a dot and two letters or more (`evil.example`, `bit.ly`); "J. Smith"
/// and "Nguyễn Văn A." are names.
fn looks_like_a_web_address(name: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    static DOT_WORD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[\p{L}\p{N}-]\.\p{L}{2,}").expect("a valid pattern")
    });
    let folded = name.nfkc().collect::<String>().to_lowercase();
    folded.contains("://")
        || folded.contains("www.")
        || folded.contains(['/', '@'])
        || DOT_WORD.is_match(&folded)
}

/// What a hand-over did.
#[derive(Debug)]
pub enum HandoverOutcome {
    /// A link is queued to this address.
    Sent { email: String },
    /// Nothing was written: fix these fields.
    Invalid { errors: Vec<FieldError> },
}

/// Hands the response of `session` over to the colleague `name` <`email`>.
pub async fn hand_over(
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    session: &LinkSession,
    name: &str,
    email: &str,
    lang: Lang,
) -> Result<HandoverOutcome, AppError> {
    let mut errors = Vec::new();
    let name = match clean_single_line(NAME, name) {
        // The name is the greeting of the colleague's email: a web address there would
        // make the hand-over a way to mail links of one's choosing.
        Ok(n) if looks_like_a_web_address(&n) => {
            errors.push(FieldError {
                field: NAME.into(),
                message: t("handover_name_link", lang).into(),
            });
            String::new()
        }
        Ok(n) if !n.is_empty() && n.chars().count() <= 200 => n,
        _ => {
            errors.push(FieldError {
                field: NAME.into(),
                message: t("need_text", lang).into(),
            });
            String::new()
        }
    };
    let email = email.trim().to_string();
    {
        use validator::ValidateEmail;
        if email.len() > 254 || !email.validate_email() {
            errors.push(FieldError {
                field: EMAIL.into(),
                message: t("bad_email", lang).into(),
            });
        }
    }
    if !errors.is_empty() {
        return Ok(HandoverOutcome::Invalid { errors });
    }
    let from = session.contact.id;
    let organisation_id = session.organisation.id;
    let jobs = ctx.jobs;
    let outcome =
        crate::db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
            async move {
                let refuse = |key: &str| {
                    Ok(HandoverOutcome::Invalid {
                        errors: vec![FieldError {
                            field: EMAIL.into(),
                            message: t(key, lang).into(),
                        }],
                    })
                };
                // At most HANDOVERS_A_DAY a response, counted under its row's lock: a link
                // must not become a way to mail anyone, nor to grow the organisation's
                // contacts without end.
                db::responses::lock(tx, session.response_id()).await?;
                let since = Utc::now() - chrono::Duration::days(1);
                let recent = audit::count_since(
                    tx,
                    "response.handed_over",
                    "response",
                    &session.response_id().to_string(),
                    since,
                )
                .await?;
                if recent >= HANDOVERS_A_DAY {
                    return refuse("handover_limit");
                }
                let (contact, created) =
                    match db::organisations::find_contact_by_email(tx, organisation_id, &email)
                        .await?
                    {
                        Some((c, _)) if c.id == from => return refuse("handover_self"),
                        Some((_, true)) => return refuse("handover_inactive"),
                        Some((c, false)) => (c, false),
                        None => {
                            let contact = Contact {
                                id: ContactId::random(),
                                organisation_id,
                                name: name.clone(),
                                email: email.clone(),
                                language: lang,
                                job_title: None,
                                created_at: Utc::now(),
                            };
                            (db::organisations::insert_contact(tx, &contact).await?, true)
                        }
                    };
                let campaign_id = session.campaign.id;
                db::invitations::revoke_active(
                    tx,
                    db::invitations::LinksOf::ContactIn(campaign_id, contact.id),
                )
                .await?;
                let id = InvitationId::random();
                let (link, link_key_id) = ctx.link_keys.issue(id);
                let invitation = Invitation {
                    id,
                    campaign_id: campaign_id.uuid(),
                    organisation_id,
                    contact_id: contact.id,
                    response_id: session.response_id(),
                    token_sha256: token::token_sha256(&link),
                    // The colleague's email in their language (a new contact's is the
                    // page's, in which they were added).
                    language: contact.language,
                    created_at: Utc::now(),
                    // The colleague's link lasts as long as the one it came from.
                    expires_at: session.invitation.expires_at,
                    revoked_at: None,
                    last_used_at: None,
                    link_key_id: Some(link_key_id),
                    chosen_language: None,
                };
                // The link records whom it came from: its email names them.
                db::invitations::insert_handed_over(tx, &invitation, from).await?;
                campaign_mail::queue_handover(tx, jobs, id.uuid()).await?;
                audit::append(
                    tx,
                    &Actor::Contact(from.uuid()),
                    "response.handed_over",
                    "response",
                    session.response_id(),
                    json!({
                        "from_contact_id": from,
                        "to_contact_id": contact.id,
                        "new_contact": created,
                        "invitation_id": id,
                    }),
                )
                .await?;
                Ok(HandoverOutcome::Sent {
                    email: contact.email,
                })
            }
            .scope_boxed()
        })
        .await?;
    if matches!(outcome, HandoverOutcome::Sent { .. }) {
        jobs.wake();
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::looks_like_a_web_address as link;

    #[test]
    fn names_are_names_and_addresses_are_not() {
        for name in [
            "Minh Tran",
            "J. Smith",
            "Nguyễn Văn A.",
            "佐藤 花子",
            "Anne-Marie O'Neil",
        ] {
            assert!(!link(name), "{name}");
        }
        for name in [
            "Win at http://evil.example/claim",
            "See WWW.evil.example",
            "ｗｗｗ．ｅｖｉｌ．ｅｘａｍｐｌｅ",
            "claim at evil.example",
            "bit.ly/x",
            "mail me@evil.example",
        ] {
            assert!(link(name), "{name}");
        }
    }
}

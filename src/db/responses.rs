//! Responses and their answers. A response is reached through its id only, which a
//! link session or a staff permission hands out.

use super::models::*;
use super::prepared::Prepare;
use super::schema::*;
use super::Conn;
use crate::domain::answers::{Answers, AnswersDiff};
use crate::domain::i18n::Lang;
use crate::domain::states::ResponseStatus;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::HashMap;
use uuid::Uuid;

/// The organisation's response in the campaign, created as a draft if missing.
pub async fn ensure_response(
    conn: &mut Conn,
    campaign_id: CampaignId,
    organisation_id: OrganisationId,
) -> QueryResult<Response> {
    let now = Utc::now();
    diesel::insert_into(responses::table)
        .values((
            responses::id.eq(Uuid::new_v4()),
            responses::campaign_id.eq(campaign_id),
            responses::organisation_id.eq(organisation_id),
            responses::created_at.eq(now),
            responses::updated_at.eq(now),
        ))
        .on_conflict((responses::campaign_id, responses::organisation_id))
        .do_nothing()
        .execute(conn)
        .await?;
    responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .filter(responses::organisation_id.eq(organisation_id))
        .select(Response::as_select())
        .first(conn)
        .await
}

/// Locks the response's row for the rest of the transaction (whatever its state), so
/// that changes counted against it are counted one at a time.
pub async fn lock(conn: &mut Conn, id: ResponseId) -> QueryResult<()> {
    responses::table
        .find(id)
        .select(responses::id)
        .for_update()
        .load::<ResponseId>(conn)
        .await
        .map(|_| ())
}

pub async fn find_response(conn: &mut Conn, id: ResponseId) -> QueryResult<Option<Response>> {
    responses::table
        .find(id)
        .select(Response::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks the response submitted by `contact_id`, with the declaration they signed
/// (`(name, job title)`; declared at the same instant). The instant is the
/// transaction's (`now()`), as for every row the submission writes (its receipt email
/// job), so the organisation's timeline shows them as one moment, in causal order.
pub async fn mark_submitted(
    conn: &mut Conn,
    id: ResponseId,
    contact_id: ContactId,
    language: Lang,
    answers_sha256: &str,
    declaration: (&str, &str),
) -> QueryResult<Response> {
    let now = diesel::dsl::now;
    diesel::update(responses::table.find(id))
        .set((
            responses::status.eq(ResponseStatus::Submitted),
            responses::submitted_at.eq(now),
            responses::submitted_by_contact_id.eq(contact_id),
            responses::language.eq(language),
            responses::answers_sha256.eq(answers_sha256),
            responses::updated_at.eq(now),
            responses::signatory_name.eq(declaration.0),
            responses::signatory_title.eq(declaration.1),
            responses::declared_at.eq(now),
            responses::revision.eq(responses::revision + 1),
        ))
        .returning(Response::as_returning())
        .get_result(conn)
        .await
}

/// An organisation's latest submitted response to each questionnaire (whatever the
/// version): `(response id, questionnaire id, version, submitted at)`, by questionnaire.
pub async fn latest_submitted_responses(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> QueryResult<Vec<(ResponseId, String, i32, Option<chrono::DateTime<Utc>>)>> {
    use super::views::submissions;
    submissions::table
        .inner_join(template_versions::table)
        .filter(submissions::organisation_id.eq(organisation_id))
        .distinct_on(submissions::template_id)
        .order((
            submissions::template_id.asc(),
            submissions::submitted_at.desc(),
            submissions::response_id.desc(),
        ))
        .select((
            submissions::response_id,
            submissions::template_id,
            template_versions::version,
            submissions::submitted_at.nullable(),
        ))
        .load(conn)
        .await
}

/// An organisation's earlier submission that a new response may start from.
#[derive(Debug, Clone, Queryable)]
pub struct LastSubmission {
    pub response_id: ResponseId,
    /// The questionnaire version it answered.
    pub version_id: Uuid,
    pub submitted_at: Option<chrono::DateTime<Utc>>,
    pub campaign: String,
}

/// The latest submitted response of organisation `organisation_id` to questionnaire
/// `template_id` (any version) other than `except`.
pub async fn last_submission(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    template_id: &str,
    except: ResponseId,
) -> QueryResult<Option<LastSubmission>> {
    use super::views::submissions;
    submissions::table
        .inner_join(campaigns::table)
        .filter(submissions::organisation_id.eq(organisation_id))
        .filter(submissions::template_id.eq(template_id))
        .filter(submissions::response_id.ne(except))
        .order((
            submissions::submitted_at.desc(),
            submissions::response_id.desc(),
        ))
        .select((
            submissions::response_id,
            submissions::template_version_id,
            submissions::submitted_at.nullable(),
            campaigns::name,
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn load_answers(conn: &mut Conn, response_id: ResponseId) -> QueryResult<Answers> {
    let rows: Vec<(String, serde_json::Value)> = answers::table
        .filter(answers::response_id.eq(response_id))
        .select((answers::question_id, answers::value))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The stored answers of each of `ids` (a response without answers is missing): one
/// query whatever their number.
pub async fn load_answers_of(
    conn: &mut Conn,
    ids: &[ResponseId],
) -> QueryResult<HashMap<ResponseId, Answers>> {
    let rows: Vec<(ResponseId, String, serde_json::Value)> = answers::table
        .filter(answers::response_id.eq_any(ids))
        .select((answers::response_id, answers::question_id, answers::value))
        .load(conn)
        .await?;
    let mut by_response: HashMap<ResponseId, Answers> = HashMap::new();
    for (response, question, value) in rows {
        by_response
            .entry(response)
            .or_default()
            .insert(question, value);
    }
    Ok(by_response)
}

/// Who last changed a stored answer, when, and its version (optimistic concurrency).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerMeta {
    pub version: i32,
    pub contact_id: Option<ContactId>,
    pub contact_name: Option<String>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// Per question, its version and who changed it last.
pub type AnswerMetas = std::collections::HashMap<String, AnswerMeta>;

/// A response's answers with their meta, as read by one statement, and the response's
/// revision then (the one a conditional save must still find, [`replace_answers`]).
#[derive(Debug, Clone, Default)]
pub struct StoredAnswers {
    pub revision: i64,
    pub answers: Answers,
    pub meta: AnswerMetas,
}

/// The answers of the enclosing query's `responses` row as one JSON array of
/// `[question, value, version, answered by, their name, changed at]` (empty when there
/// are none): a select expression of [`super::invitations::find_link_page`] and of
/// [`lock_with_answers`], the one way stored answers are read with their meta. A type of
/// its own rather than `dsl::sql`, which diesel never keeps prepared.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct AnswersJson;

impl diesel::Expression for AnswersJson {
    type SqlType = diesel::sql_types::Json;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for AnswersJson {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(ANSWERS_JSON);
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for AnswersJson {}
impl<QS> diesel::SelectableExpression<QS> for AnswersJson {}
impl<GB> diesel::expression::ValidGrouping<GB> for AnswersJson {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

const ANSWERS_JSON: &str = "(SELECT coalesce(json_agg(json_build_array(\
    a.question_id, a.value, a.version, a.answered_by_contact_id, c.name, a.updated_at)), '[]') \
    FROM answers a LEFT JOIN contacts c ON c.id = a.answered_by_contact_id \
    WHERE a.response_id = responses.id)";

impl StoredAnswers {
    /// From [`AnswersJson`]'s array, read with the response's `revision`.
    pub fn from_json(revision: i64, json: serde_json::Value) -> QueryResult<Self> {
        /// `[question, value, version, answered by, their name, changed at]`.
        type JsonRow = (
            String,
            serde_json::Value,
            i32,
            Option<ContactId>,
            Option<String>,
            chrono::DateTime<Utc>,
        );
        let rows: Vec<JsonRow> = serde_json::from_value(json)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        let mut stored = Self {
            revision,
            ..Self::default()
        };
        for (question, value, version, contact_id, contact_name, updated_at) in rows {
            stored.meta.insert(
                question.clone(),
                AnswerMeta {
                    version,
                    contact_id,
                    contact_name,
                    updated_at,
                },
            );
            stored.answers.insert(question, value);
        }
        Ok(stored)
    }
}

/// The response's row locked for the rest of the transaction (a response's saves and
/// submits go one at a time) with its status and its stored answers with their meta,
/// in one statement (the answers as [`AnswersJson`] gives them to a page; only the
/// response's row is locked); `None` when there is no such response.
pub async fn lock_with_answers(
    conn: &mut Conn,
    response_id: ResponseId,
) -> QueryResult<Option<(ResponseStatus, StoredAnswers)>> {
    let row: Option<(ResponseStatus, i64, serde_json::Value)> = responses::table
        .find(response_id)
        .select((responses::status, responses::revision, AnswersJson))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    row.map(|(status, revision, answers)| {
        Ok((status, StoredAnswers::from_json(revision, answers)?))
    })
    .transpose()
}

/// An answer a save wrote (new or with a new value): its version and time after it.
#[derive(Debug)]
pub struct ChangedAnswer {
    pub question_id: String,
    pub version: i32,
    pub updated_at: chrono::DateTime<Utc>,
}

/// An answer a save wrote: a row of [`replace_answers`]'s result, all `None` when the
/// save wrote no answer.
#[derive(Debug, QueryableByName)]
struct WrittenRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    question_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Int4>)]
    version: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    updated_at: Option<chrono::DateTime<Utc>>,
}

/// The save statement of [`replace_answers`], with or without its `removed` part
/// (`$8`, the dropped answers' ids, is bound either way).
macro_rules! save_answers_sql {
    ($removed:literal) => {
        concat!(
            "WITH guard AS ( \
                 UPDATE responses r SET updated_at = now(), language = $5, revision = r.revision + 1 \
                  WHERE r.id = $1 AND r.revision = $9 AND r.status = 'draft' \
                    AND EXISTS (SELECT 1 FROM invitations i JOIN campaigns c ON c.id = i.campaign_id \
                                 WHERE i.id = $6 AND i.revoked_at IS NULL AND i.expires_at > now() \
                                   AND c.status <> 'closed') \
                 RETURNING r.id), ",
            $removed,
            "event AS ( \
                 INSERT INTO response_events (response_id, invitation_id, kind, answers, hidden_removed) \
                 SELECT id, $6, $11, $7, $10 FROM guard), \
             written AS ( \
                 INSERT INTO answers (response_id, question_id, value, answered_by_contact_id, updated_at) \
                 SELECT g.id, q, v, $2, now() FROM guard g, unnest($3::text[], $4::jsonb[]) AS t(q, v) \
                 ON CONFLICT (response_id, question_id) DO UPDATE \
                 SET value = excluded.value, answered_by_contact_id = excluded.answered_by_contact_id, \
                     updated_at = excluded.updated_at, version = answers.version + 1 \
                 WHERE answers.value IS DISTINCT FROM excluded.value \
                 RETURNING question_id, version, updated_at) \
             SELECT w.question_id, w.version, w.updated_at FROM guard LEFT JOIN written w ON true"
        )
    };
}

/// What a save is on the organisation's timeline (`response_events.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveEvent {
    /// Answers typed and saved (a section, the one-post form, autosave, a submission).
    Saved,
    /// Answers copied from the organisation's last submission (`services::carry_over`).
    CarriedOver,
}

impl SaveEvent {
    fn as_str(self) -> &'static str {
        match self {
            SaveEvent::Saved => "saved",
            SaveEvent::CarriedOver => "carried_over",
        }
    }
}

/// A save through a link, in one statement, **if the response is still as it was
/// read**: its revision is `read_revision`, it is not submitted, and the link
/// (`invitation_id`) is neither revoked nor expired nor its campaign closed. Then the
/// answers of `diff.write` are upserted (a changed value gets the next version,
/// `contact_id` and now; one equal to the stored value is not written), those of
/// `diff.removed` deleted, the response touched with its language and its revision
/// advanced, and the save put on the organisation's timeline (`response_events`,
/// `event` by `invitation_id`, with the `answers` count the response now has and
/// `diff.hidden`, the answers removed because their questions are now hidden).
///
/// Returns the answers written, or `None` when the response or the link changed since
/// it was read: nothing was written, and the caller reads again. The condition is the
/// `UPDATE` of the response's row, which every other statement of the save depends on:
/// a concurrent save or submission holds that row until it commits, and PostgreSQL then
/// checks the condition again on the row it committed.
///
/// The caller passes only what differs from the answers it read ([`AnswersDiff`]): an
/// upsert of an unchanged answer is not free even when its `WHERE` skips the update
/// (`ON CONFLICT DO UPDATE` locks the existing row first, a heap write and a WAL record
/// each), and neither is a delete that scans every answer.
#[allow(clippy::too_many_arguments)]
pub async fn replace_answers(
    conn: &mut Conn,
    response_id: ResponseId,
    read_revision: i64,
    diff: &AnswersDiff<'_>,
    contact_id: ContactId,
    language: Lang,
    invitation_id: InvitationId,
    event: SaveEvent,
) -> QueryResult<Option<Vec<ChangedAnswer>>> {
    let (ids, values): (Vec<&str>, Vec<&serde_json::Value>) =
        diff.write.iter().map(|(q, v)| (q.as_str(), *v)).unzip();
    // The delete of dropped answers is in the statement only when there are some: with
    // it, PostgreSQL's generic plan (its estimate for a parameter array) costs several
    // times the custom plan of the usual empty list, so every save was planned anew
    // (0.2 ms of PostgreSQL each); without it the generic plan is kept.
    let sql = if diff.removed.is_empty() {
        save_answers_sql!("")
    } else {
        save_answers_sql!(
            "removed AS ( \
                 DELETE FROM answers WHERE response_id = (SELECT id FROM guard) \
                    AND question_id = ANY($8::text[])), "
        )
    };
    let rows: Vec<WrittenRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(response_id)
        .bind::<diesel::sql_types::Uuid, _>(contact_id)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(ids)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Jsonb>, _>(values)
        .bind::<diesel::sql_types::Text, _>(language.code())
        .bind::<diesel::sql_types::Uuid, _>(invitation_id)
        .bind::<diesel::sql_types::Int4, _>(i32::try_from(diff.count).unwrap_or(i32::MAX))
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&diff.removed)
        .bind::<diesel::sql_types::Int8, _>(read_revision)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Array<diesel::sql_types::Text>>, _>(
            (!diff.hidden.is_empty()).then_some(&diff.hidden),
        )
        .bind::<diesel::sql_types::Text, _>(event.as_str())
        .prepared()
        .load(conn)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter_map(|r| {
                Some(ChangedAnswer {
                    question_id: r.question_id?,
                    version: r.version?,
                    updated_at: r.updated_at?,
                })
            })
            .collect(),
    ))
}

/// An organisation's responses with their campaigns: the submitted ones in the order they
/// were submitted, then those not submitted in the order they were created (whatever the
/// campaigns' own order: a response can be started late in an older campaign).
pub async fn of_organisation(
    conn: &mut Conn,
    organisation_id: OrganisationId,
) -> QueryResult<Vec<(Response, Campaign)>> {
    responses::table
        .inner_join(campaigns::table)
        .filter(responses::organisation_id.eq(organisation_id))
        .order((
            responses::submitted_at.asc().nulls_last(),
            responses::created_at.asc(),
            responses::id.asc(),
        ))
        .select((Response::as_select(), Campaign::as_select()))
        .load(conn)
        .await
}

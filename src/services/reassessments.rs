//! Re-assessments: a questionnaire version's rules (usually a newer one) applied to a
//! campaign's stored answers, with the inherent-risk table current at the time. The
//! result is recorded in its own tables and an audit entry; the original flags are
//! never rewritten.

use super::scoring::{group_answers, stored_answer};
use super::Conn;
use crate::db::audit::{self, Actor};
pub use crate::db::reassessments::{Listed, ReassessedFlag, Reassessment};
use crate::db::{self};
use crate::domain::ids::CampaignId;
use crate::domain::inherent_risk::{self, InherentRow};
use crate::domain::risk::{self, overall_band, Band};
use crate::error::AppError;
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Runs a re-assessment of every submitted response of `campaign_id` with the rules of
/// questionnaire version `version_id` (which must be a version of the campaign's own
/// questionnaire).
pub async fn run(
    conn: &mut Conn,
    ctx: &super::Ctx<'_>,
    actor: &Actor,
    campaign_id: CampaignId,
    version_id: Uuid,
) -> Result<Reassessment, AppError> {
    let registry = ctx.registry;
    let campaign = db::campaigns::find_campaign(conn, campaign_id)
        .await?
        .ok_or_else(|| AppError::field("campaign", "no such campaign"))?;
    let pinned = registry
        .get(campaign.template_version_id)
        .ok_or(AppError::NotFound("questionnaire version"))?;
    let applied = registry
        .get(version_id)
        .ok_or_else(|| AppError::field("version", "no such questionnaire version"))?;
    if applied.questionnaire.id != pinned.questionnaire.id {
        return Err(AppError::field(
            "version",
            format!(
                "the campaign uses questionnaire \"{}\": choose a version of it, not of \"{}\"",
                pinned.questionnaire.id, applied.questionnaire.id
            ),
        ));
    }
    let table = db::inherent_risk::current_version(conn).await?;
    let rows: Vec<InherentRow> = match &table {
        None => Vec::new(),
        Some(t) => db::inherent_risk::rows_of(conn, t.id)
            .await?
            .into_iter()
            .map(InherentRow::from)
            .collect(),
    };
    let id = Uuid::new_v4();
    let mut flags = Vec::new();
    let mut responses = 0usize;
    let mut after = None;
    loop {
        let page = db::scoring::submitted_page(conn, Some(campaign_id.uuid()), after, 500).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.response_id);
        let ids: Vec<Uuid> = page.iter().map(|r| r.response_id).collect();
        let mut answers = group_answers(db::scoring::answers_of_responses(conn, &ids).await?);
        for r in &page {
            responses += 1;
            let given = answers.remove(&r.response_id).unwrap_or_default();
            let value =
                inherent_risk::lookup(&rows, &r.country, r.sector.as_deref()).map(|x| x.value);
            let raised =
                inherent_risk::apply(risk::evaluate(&applied.questionnaire, &given), value);
            flags.extend(raised.iter().map(|f| ReassessedFlag {
                reassessment_id: id,
                response_id: r.response_id,
                question_id: f.question_id.clone(),
                rule_index: f.rule_index as i32,
                indicator: f.indicator.as_str().into(),
                severity: f.severity.into(),
                likelihood: f.likelihood.into(),
                score: f.score.into(),
                band: f.band,
                critical: f.critical,
                answer: stored_answer(f),
            }));
        }
    }
    let created_by = match actor {
        Actor::Staff(s) => Uuid::parse_str(s).ok(),
        _ => None,
    };
    let row = Reassessment {
        id,
        campaign_id: campaign_id.uuid(),
        template_version_id: version_id,
        inherent_version_id: table.as_ref().map(|t| t.id),
        created_by,
        created_at: Utc::now(),
        response_count: responses as i32,
        flag_count: flags.len() as i32,
    };
    let inherent_version = table.map(|t| t.version);
    db::transaction::<_, AppError, _>(conn, ctx.audit_key, |tx| {
        async move {
            db::reassessments::insert(tx, &row, &flags).await?;
            audit::append(
                tx,
                actor,
                "reassessment.run",
                "reassessment",
                row.id,
                json!({
                    "campaign_id": row.campaign_id,
                    "template_version_id": row.template_version_id,
                    "questionnaire": applied.questionnaire.id,
                    "version": applied.questionnaire.version,
                    "inherent_risk_version": inherent_version,
                    "responses": row.response_count,
                    "flags": row.flag_count,
                }),
            )
            .await?;
            Ok(row)
        }
        .scope_boxed()
    })
    .await
}

/// Every re-assessment, newest first.
pub async fn list(conn: &mut Conn) -> Result<Vec<Listed>, AppError> {
    Ok(db::reassessments::list(conn).await?)
}

/// One organisation's original result beside the re-assessed one.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub organisation: String,
    pub response_id: Uuid,
    pub original_flags: usize,
    pub original_band: Option<Band>,
    pub reassessed_flags: usize,
    pub reassessed_band: Option<Band>,
}

/// A re-assessment with its flags and, per organisation, the original beside it.
#[derive(Debug)]
pub struct Detail {
    pub listed: Listed,
    pub flags: Vec<(ReassessedFlag, String)>,
    pub comparison: Vec<Comparison>,
}

pub async fn show(conn: &mut Conn, id: Uuid) -> Result<Detail, AppError> {
    let listed = db::reassessments::find(conn, id)
        .await?
        .ok_or(AppError::NotFound("re-assessment"))?;
    let flags = db::reassessments::flags_of(conn, id).await?;
    // Every response that was re-assessed, even those that raised nothing.
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut after = None;
    let mut order: Vec<Uuid> = Vec::new();
    loop {
        let page =
            db::scoring::submitted_page(conn, Some(listed.reassessment.campaign_id), after, 500)
                .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.response_id);
        order.extend(page.iter().map(|r| r.response_id));
    }
    for (f, name) in &flags {
        names.insert(f.response_id, name.clone());
    }
    let originals = db::flags::flags_of_responses(conn, &order).await?;
    let org_names = db::reassessments::organisation_names(conn, &order).await?;
    let mut comparison: Vec<Comparison> = order
        .iter()
        .map(|rid| {
            let orig: Vec<&Band> = originals
                .iter()
                .filter(|f| f.response_id == *rid)
                .map(|f| &f.band)
                .collect();
            let new: Vec<&Band> = flags
                .iter()
                .filter(|(f, _)| f.response_id == *rid)
                .map(|(f, _)| &f.band)
                .collect();
            Comparison {
                organisation: org_names
                    .get(rid)
                    .or_else(|| names.get(rid))
                    .cloned()
                    .unwrap_or_default(),
                response_id: *rid,
                original_flags: orig.len(),
                original_band: overall_band(orig),
                reassessed_flags: new.len(),
                reassessed_band: overall_band(new),
            }
        })
        .collect();
    comparison.sort_by(|a, b| a.organisation.cmp(&b.organisation));
    Ok(Detail {
        listed,
        flags,
        comparison,
    })
}

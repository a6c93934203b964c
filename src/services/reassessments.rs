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
    if responses == 0 {
        // Nothing to compare: a run would only record an empty result.
        return Err(AppError::field(
            "campaign",
            "campaign: no submitted response to re-assess yet",
        ));
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

/// How the re-assessment moved one flag, matched by response, question and indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Raised only by the re-assessment.
    New,
    /// Raised originally, not by the re-assessment.
    Gone,
    /// A higher score (or band) than the original.
    Higher,
    /// A lower one.
    Lower,
}

/// One flag the re-assessment changes: its original and re-assessed score and band.
#[derive(Debug)]
pub struct FlagChange {
    pub organisation: String,
    pub question_id: String,
    pub indicator: String,
    pub before: Option<(i16, Band)>,
    pub after: Option<(i16, Band)>,
}

impl FlagChange {
    /// What changed; `None` when score and band are the same.
    pub fn change(&self) -> Option<Change> {
        match (self.before, self.after) {
            (None, _) => Some(Change::New),
            (_, None) => Some(Change::Gone),
            (Some(b), Some(a)) if (a.0, a.1) == (b.0, b.1) => None,
            (Some(b), Some(a)) if (a.1, a.0) > (b.1, b.0) => Some(Change::Higher),
            _ => Some(Change::Lower),
        }
    }
}

/// A re-assessment with its flags and, per organisation, the original beside it.
#[derive(Debug)]
pub struct Detail {
    pub listed: Listed,
    pub flags: Vec<(ReassessedFlag, String)>,
    pub comparison: Vec<Comparison>,
    /// The flags that are new, gone, higher or lower, worst after first.
    pub changes: Vec<FlagChange>,
    /// Flags the same before and after.
    pub unchanged: usize,
    /// The questionnaire version the campaign's answers were given (and first scored)
    /// with.
    pub campaign_version_id: Option<Uuid>,
}

/// A flag's identity across the original and the re-assessment.
type FlagKey<'a> = (Uuid, &'a str, &'a str);

/// The worst `(score, band)` per flag identity.
fn worst_by_key<'a>(
    flags: impl Iterator<Item = (FlagKey<'a>, i16, Band)>,
) -> HashMap<FlagKey<'a>, (i16, Band)> {
    let mut out: HashMap<FlagKey<'a>, (i16, Band)> = HashMap::new();
    for (key, score, band) in flags {
        let slot = out.entry(key).or_insert((score, band));
        if (band, score) > (slot.1, slot.0) {
            *slot = (score, band);
        }
    }
    out
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
    let name_of = |rid: &Uuid| {
        org_names
            .get(rid)
            .or_else(|| names.get(rid))
            .cloned()
            .unwrap_or_default()
    };
    // Bands per response, each list read once (not once per response).
    let mut original_bands: HashMap<Uuid, Vec<&Band>> = HashMap::new();
    for f in &originals {
        original_bands
            .entry(f.response_id)
            .or_default()
            .push(&f.band);
    }
    let mut new_bands: HashMap<Uuid, Vec<&Band>> = HashMap::new();
    for (f, _) in &flags {
        new_bands.entry(f.response_id).or_default().push(&f.band);
    }
    let mut comparison: Vec<Comparison> = order
        .iter()
        .map(|rid| {
            let orig = original_bands.remove(rid).unwrap_or_default();
            let new = new_bands.remove(rid).unwrap_or_default();
            Comparison {
                organisation: name_of(rid),
                response_id: *rid,
                original_flags: orig.len(),
                original_band: overall_band(orig),
                reassessed_flags: new.len(),
                reassessed_band: overall_band(new),
            }
        })
        .collect();
    comparison.sort_by(|a, b| a.organisation.cmp(&b.organisation));

    let before = worst_by_key(originals.iter().map(|f| {
        (
            (f.response_id, f.question_id.as_str(), f.indicator.as_str()),
            f.score,
            f.band,
        )
    }));
    let after = worst_by_key(flags.iter().map(|(f, _)| {
        (
            (f.response_id, f.question_id.as_str(), f.indicator.as_str()),
            f.score,
            f.band,
        )
    }));
    let mut keys: Vec<&FlagKey> = before.keys().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut unchanged = 0;
    let mut changes: Vec<FlagChange> = Vec::new();
    for key in keys {
        let change = FlagChange {
            organisation: name_of(&key.0),
            question_id: key.1.to_string(),
            indicator: key.2.to_string(),
            before: before.get(key).copied(),
            after: after.get(key).copied(),
        };
        match change.change() {
            None => unchanged += 1,
            Some(_) => changes.push(change),
        }
    }
    let worst = |c: &FlagChange| c.after.or(c.before).map(|(s, b)| (b, s));
    changes.sort_by(|a, b| {
        worst(b)
            .cmp(&worst(a))
            .then_with(|| a.organisation.cmp(&b.organisation))
            .then_with(|| a.question_id.cmp(&b.question_id))
    });
    let campaign_version_id =
        db::campaigns::find_campaign(conn, listed.reassessment.campaign_id.into())
            .await?
            .map(|c| c.template_version_id);
    Ok(Detail {
        listed,
        flags,
        comparison,
        changes,
        unchanged,
        campaign_version_id,
    })
}

//! The committee's demo data (issue 10, item 8): illustrative organisations in every
//! state (invited, in progress, submitted, overdue), submissions in Japanese,
//! Vietnamese and English whose answers raise flags of every band, a clarification
//! waiting for the supplier, and corrective action plans with remedy facts (one of
//! them past its due date).
//!
//! Everything goes through the services a person would use: links are issued, forms
//! are saved and submitted (so the flags come from the questionnaire's own rules), the
//! committee's steps are decisions, requests and plans. The one exception is the
//! second campaign's deadline, moved into the past after its links were issued (no
//! service accepts a past deadline), which is audited as `demo.deadline_backdated`.
//!
//! Idempotent: each step looks for what it would make (an organisation by reference, a
//! campaign by name, a response of the organisation in the campaign, a request or a
//! plan on the flag) and does nothing when it is there.

use super::forms;
use super::organisations::{site_orgs, survey_orgs, DemoOrg, Stage, AICHI, BINH_DUONG, PENANG};
use crate::auth::permissions::Role;
use crate::db;
use crate::db::audit::{self, Actor};
use crate::db::models::{Flag, Organisation};
use crate::domain::answers::{Mode, RawInput};
use crate::domain::flag::FlagStatus;
use crate::domain::flag_workflow::Action;
use crate::domain::i18n::Lang;
use crate::domain::ids::{CampaignId, ResponseId};
use crate::domain::remedy::{PlanForm, PlanStatus, RemedyForm};
use crate::domain::states::ResponseStatus;
use crate::services::campaigns::{self as campaign_service, NewCampaign, NewInvitation};
use crate::services::flags::FlagActor;
use crate::services::organisations::{self as org_service, NewContact, NewOrganisation};
use crate::services::{action_plans, clarifications, flags, responses};
use crate::state::AppState;
use anyhow::{anyhow, Context};
use chrono::{Duration, NaiveDate, Utc};
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The campaign with submissions, flags and the committee's work.
pub const SURVEY: &str = "Illustrative 2026 supplier survey (demo data)";
/// The campaign whose deadline has passed (organisations overdue).
pub const SITES: &str = "Illustrative 2026 production-site survey (demo data)";
/// Shown on every demo campaign's first page and in its emails.
pub const NOTE: &str = "Illustrative demo data: every organisation, person, answer and decision in this campaign is invented to show the committee's pages. None of it describes a real company or real workers.";

/// The two illustrative committee members who act in the demo (no password: nobody
/// signs in as them).
const MEMBERS: [(&str, &str); 2] = [
    (
        "committee.a@example.com",
        "Illustrative committee member A (demo)",
    ),
    (
        "committee.b@example.com",
        "Illustrative committee member B (demo)",
    ),
];

/// Seeds what is missing of the committee's demo.
pub async fn seed(state: &AppState, conn: &mut db::Conn) -> anyhow::Result<()> {
    let [a, b] = members(state, conn).await?;
    let today = Utc::now().date_naive();
    let survey = campaign(state, conn, SURVEY, today + Duration::days(21)).await?;
    let mut by_ref: BTreeMap<&str, (Organisation, ResponseId)> = BTreeMap::new();
    for org in survey_orgs() {
        let placed = place(state, conn, survey, &org).await?;
        by_ref.insert(org.reference, placed);
    }
    let sites = campaign(state, conn, SITES, today + Duration::days(1)).await?;
    for org in site_orgs() {
        place(state, conn, sites, &org).await?;
    }
    backdate(state, conn, sites, today - Duration::days(10)).await?;

    // The committee at work: a clarification on the passports, a plan with remedy
    // facts on the recruitment fees, a plan past its due date on the phones, and a
    // flag in review.
    let (_, aichi) = &by_ref[AICHI];
    if let Some(flag) = flag_of(conn, *aichi, "passport_custody").await? {
        if db::clarifications::requests_of(conn, aichi.uuid())
            .await?
            .is_empty()
        {
            let asked = BTreeMap::from([(
                flag.question_id.clone(),
                "Who holds the workers' passports today, and can each worker take theirs back at any time without asking? (illustrative demo question)".to_string(),
            )]);
            clarifications::request(conn, &state.ctx(), a, *aichi, &asked)
                .await
                .map_err(|e| anyhow!("the demo clarification: {e}"))?;
        }
    }
    let (binh_duong_org, binh_duong) = &by_ref[BINH_DUONG];
    if let Some(flag) = flag_of(conn, *binh_duong, "recruitment_fees_paid").await? {
        let contact = db::organisations::contacts_of(conn, binh_duong_org.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("the demo organisation has no contact"))?;
        let form = PlanForm {
            root_cause: "Illustrative: the sending agency charged workers for training, visas and travel, and the site never checked what its agency charged.".into(),
            actions: "Repay every worker who paid the full amount; amend the agency contract to ban all fees to workers; confirm the repayments in confidential interviews.".into(),
            owner: crate::domain::remedy::Owner::Contact(contact.id.uuid()).form_value(),
            remedy: RemedyForm {
                workers_affected: "18".into(),
                fees_repaid_amount: "21600".into(),
                fees_currency: "USD".into(),
                workers_repaid: "12".into(),
                fees_repaid_on: (today - Duration::days(3)).to_string(),
                documents_returned: "18".into(),
                documents_returned_on: (today - Duration::days(5)).to_string(),
            },
            ..PlanForm::default()
        };
        plan(state, conn, a, &flag, &form, today).await?;
    }
    let (_, penang) = &by_ref[PENANG];
    if let Some(flag) = flag_of(conn, *penang, "phone_custody").await? {
        let form = PlanForm {
            root_cause: "Illustrative: phones were collected at the start of each shift under a safety rule and kept in the office overnight.".into(),
            actions: "Lockers for phones at the line, owned by each worker; the rule rewritten and explained in the workers' languages.".into(),
            owner: crate::domain::remedy::Owner::Staff(b).form_value(),
            start_date: (today - Duration::days(30)).to_string(),
            due_date: (today - Duration::days(9)).to_string(),
            ..PlanForm::default()
        };
        plan(state, conn, b, &flag, &form, today).await?;
    }
    if let Some(flag) = flag_of(conn, *penang, "legal_hours_exceeded").await? {
        if flag.status == FlagStatus::Open {
            let version = db::flags::find_with_work(conn, flag.id)
                .await?
                .map(|(_, w)| w.version);
            flags::transition(
                conn,
                &state.audit_key,
                FlagActor::Member(b),
                flag.id,
                version,
                Action::Assign { to: b },
            )
            .await
            .map_err(|e| anyhow!("assigning the demo flag: {e}"))?;
        }
    }
    Ok(())
}

/// The demo members, created when missing.
async fn members(state: &AppState, conn: &mut db::Conn) -> anyhow::Result<[Uuid; 2]> {
    let mut ids = [Uuid::nil(); 2];
    for (i, (email, name)) in MEMBERS.iter().enumerate() {
        let existing = db::users::list(conn)
            .await?
            .into_iter()
            .find(|u| u.email == *email);
        ids[i] = match existing {
            Some(u) => u.id,
            None => {
                crate::services::accounts::create_user(
                    conn,
                    &state.audit_key,
                    &Actor::System,
                    email,
                    name,
                    Role::Committee,
                    None,
                )
                .await
                .map_err(|e| anyhow!("creating the demo committee member: {e}"))?
                .0
                .id
            }
        };
    }
    Ok(ids)
}

/// The campaign named `name` (whatever its deadline), created when missing.
async fn campaign(
    state: &AppState,
    conn: &mut db::Conn,
    name: &str,
    deadline: NaiveDate,
) -> anyhow::Result<CampaignId> {
    let any_deadline = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    if let Some(id) = db::campaigns::find_by_name_due_from(conn, name, any_deadline).await? {
        return Ok(id);
    }
    Ok(campaign_service::create_campaign(
        conn,
        &state.ctx(),
        &Actor::System,
        NewCampaign {
            name: name.into(),
            template_id: "forced-labour".into(),
            template_version: None,
            deadline,
            message: Some(NOTE.into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow!("creating the demo campaign {name:?}: {e}"))?
    .id)
}

/// Creates the organisation and its contact when missing and, unless it already has a
/// response in the campaign, issues its link and brings it to its stage. Returns the
/// organisation and its response in the campaign.
async fn place(
    state: &AppState,
    conn: &mut db::Conn,
    campaign_id: CampaignId,
    org: &DemoOrg,
) -> anyhow::Result<(Organisation, ResponseId)> {
    let actor = Actor::System;
    let organisation =
        match db::organisations::find_organisation_by_ref(conn, org.reference).await? {
            Some(o) => o,
            None => org_service::create_organisation(
                conn,
                &state.ctx(),
                &actor,
                NewOrganisation {
                    kind: org.kind.to_string(),
                    name: org.name.into(),
                    country: org.country.into(),
                    sector: Some(org.sector.into()),
                    external_ref: Some(org.reference.into()),
                },
            )
            .await
            .map_err(|e| anyhow!("creating {}: {e}", org.name))?,
        };
    let contact = match db::organisations::contacts_of(conn, organisation.id)
        .await?
        .into_iter()
        .next()
    {
        Some(c) => c,
        None => org_service::add_contact(
            conn,
            &state.ctx(),
            &actor,
            organisation.id,
            NewContact {
                name: org.contact.into(),
                email: org.email.into(),
                language: Some(org.language.into()),
                job_title: Some("Illustrative contact (demo)".into()),
            },
        )
        .await
        .map_err(|e| anyhow!("creating the contact of {}: {e}", org.name))?,
    };
    let existing = db::responses::of_organisation(conn, organisation.id)
        .await?
        .into_iter()
        .find(|(_, c)| c.id == campaign_id)
        .map(|(r, _)| r.id);
    if let Some(response) = existing {
        return Ok((organisation, response));
    }
    let issued = campaign_service::issue_invitation(
        conn,
        &state.ctx(),
        &actor,
        campaign_id,
        NewInvitation {
            organisation_id: organisation.id,
            contact_id: contact.id,
            language: None,
            valid_days: None,
            send_email: Some(false),
        },
    )
    .await
    .map_err(|e| anyhow!("the link of {}: {e}", org.name))?;
    let token = issued
        .link
        .rsplit('/')
        .next()
        .ok_or_else(|| anyhow!("a link without a token"))?;
    let session = responses::open_link(conn, &state.registry, token)
        .await?
        .ok_or_else(|| anyhow!("the demo link of {} does not open", org.name))?;
    let save = |input: RawInput, lang: Lang, mode: Mode| {
        let session = session.clone();
        async move {
            let mut conn = state.pool.get().await?;
            responses::save(&mut conn, &state.ctx(), &session, &input, lang, mode, None)
                .await
                .map_err(|e| anyhow!("saving the demo answers of {}: {e}", org.name))
        }
    };
    match &org.stage {
        Stage::Invited => {}
        Stage::InProgress => {
            let lang = Lang::parse(org.language).unwrap_or(Lang::En);
            save(forms::draft(), lang, Mode::Draft).await?;
        }
        Stage::Submitted {
            lang,
            changes,
            omit,
            signatory,
        } => {
            let mut input = forms::form(changes, omit);
            forms::declare(&mut input, signatory.0, signatory.1);
            match save(input, *lang, Mode::Submit).await? {
                responses::SaveOutcome::Submitted { .. } => {}
                responses::SaveOutcome::Saved { errors, .. } => {
                    return Err(anyhow!(
                        "the demo submission of {} was refused: {errors:?}",
                        org.name
                    ))
                }
                responses::SaveOutcome::AlreadySubmitted { .. } => {}
            }
        }
    }
    Ok((organisation, issued.response_id))
}

/// The flag a submitted response raised on `question` (its first rule that fired).
async fn flag_of(
    conn: &mut db::Conn,
    response_id: ResponseId,
    question: &str,
) -> anyhow::Result<Option<Flag>> {
    let response = db::responses::find_response(conn, response_id).await?;
    if response.is_none_or(|r| r.status != ResponseStatus::Submitted) {
        return Ok(None);
    }
    Ok(db::flags::flags_of(conn, response_id.uuid())
        .await?
        .into_iter()
        .find(|f| f.question_id == question))
}

/// A plan on `flag` by `member` (unless the flag has one), then started.
async fn plan(
    state: &AppState,
    conn: &mut db::Conn,
    member: Uuid,
    flag: &Flag,
    form: &PlanForm,
    today: NaiveDate,
) -> anyhow::Result<()> {
    if !db::action_plans::plans_of_flag(conn, flag.id)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let plan = action_plans::create(conn, &state.audit_key, member, flag.id, form, today)
        .await
        .map_err(|e| anyhow!("the demo plan: {:?}", action_plans::messages(&e)))?;
    action_plans::set_status(
        conn,
        &state.audit_key,
        member,
        plan.id,
        PlanStatus::InProgress,
    )
    .await
    .map_err(|e| anyhow!("starting the demo plan: {e}"))?;
    Ok(())
}

/// Moves the campaign's deadline to `to` once, so that its organisations are overdue;
/// audited. Never again: a deadline changed since (by this, or by someone walking the
/// demo who extended it) stays as it is when the demo starts again.
async fn backdate(
    state: &AppState,
    conn: &mut db::Conn,
    campaign_id: CampaignId,
    to: NaiveDate,
) -> anyhow::Result<()> {
    let campaign = db::campaigns::find(conn, campaign_id)
        .await?
        .context("the demo campaign")?;
    if campaign.deadline <= to || campaign.deadline_changed_at.is_some() {
        return Ok(());
    }
    // The links stay valid as if the deadline had been kept.
    let links_until = Utc::now() + Duration::days(60);
    db::transaction::<_, anyhow::Error, _>(conn, &state.audit_key, |tx| {
        async move {
            db::campaigns::set_deadline(tx, campaign_id, to, links_until).await?;
            audit::append(
                tx,
                &Actor::System,
                "demo.deadline_backdated",
                "campaign",
                campaign_id,
                json!({"from": campaign.deadline, "to": to, "why": "illustrative demo data: organisations overdue"}),
            )
            .await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await
}

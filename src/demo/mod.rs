//! Demo data for the quick start: one illustrative supplier with a contact, a campaign on
//! the latest forced-labour questionnaire, and a fresh personal link each start; and the
//! committee's demo (`committee`): illustrative organisations in every state, flags of
//! every band, a clarification and corrective action plans, made once.

pub mod committee;
mod forms;
mod organisations;

use crate::db;
use crate::db::audit::Actor;
use crate::services::campaigns::{self as campaign_service, NewCampaign, NewInvitation};
use crate::services::organisations::{self as org_service, NewContact, NewOrganisation};
use crate::state::AppState;
use anyhow::Context;
use chrono::{Duration, Utc};

const DEMO_REF: &str = "demo-supplier-1";
const DEMO_CAMPAIGN: &str = "Demo: forced-labour survey (illustrative data)";

/// Links printed for the demo.
pub struct DemoLinks {
    pub english: String,
    pub japanese: String,
    /// The demo admin (email, password) when it was just created.
    pub admin: Option<(String, String)>,
}

/// The documented demo admin account (README). It must change its password at first
/// sign-in, so the well-known password stops working as soon as someone uses it.
pub const DEMO_ADMIN_EMAIL: &str = "admin@example.com";
pub const DEMO_ADMIN_PASSWORD: &str = "change-me-at-first-login";

/// Seeds the demo data if missing and issues a new link (the previous one is revoked).
pub async fn seed(state: &AppState) -> anyhow::Result<DemoLinks> {
    let mut conn = state.pool.get().await?;
    let conn = &mut *conn;
    let actor = Actor::System;
    let org = match db::organisations::find_organisation_by_ref(conn, DEMO_REF).await? {
        Some(org) => org,
        None => org_service::create_organisation(
            conn,
            &state.ctx(),
            &actor,
            NewOrganisation {
                kind: crate::domain::states::OrganisationKind::Supplier.to_string(),
                name: "Demo Components Co., Ltd. (illustrative)".into(),
                country: "MY".into(),
                sector: Some("electronics".into()),
                external_ref: Some(DEMO_REF.into()),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo organisation: {e}"))?,
    };
    let contacts = db::organisations::contacts_of(conn, org.id).await?;
    let contact = match contacts.into_iter().next() {
        Some(c) => c,
        None => org_service::add_contact(
            conn,
            &state.ctx(),
            &actor,
            org.id,
            NewContact {
                name: "Demo Contact".into(),
                email: "demo.contact@example.com".into(),
                language: Some("en".into()),
                job_title: Some("HR manager".into()),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo contact: {e}"))?,
    };
    let running =
        db::campaigns::find_by_name_due_from(conn, DEMO_CAMPAIGN, Utc::now().date_naive()).await?;
    let campaign_id = match running {
        Some(id) => id,
        None => {
            campaign_service::create_campaign(
                conn,
                &state.ctx(),
                &actor,
                NewCampaign {
                    name: DEMO_CAMPAIGN.into(),
                    template_id: "forced-labour".into(),
                    template_version: None,
                    deadline: Utc::now().date_naive() + Duration::days(30),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("creating the demo campaign: {e}"))?
            .id
        }
    };
    let issued = campaign_service::issue_invitation(
        conn,
        &state.ctx(),
        &actor,
        campaign_id,
        NewInvitation {
            organisation_id: org.id,
            contact_id: contact.id,
            language: None,
            valid_days: None,
            send_email: Some(false),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("issuing the demo link: {e}"))
    .context("seeding the demo")?;
    let admin = seed_admin(conn, &state.audit_key).await?;
    committee::seed(state, conn)
        .await
        .context("seeding the committee's demo data")?;
    Ok(DemoLinks {
        japanese: format!("{}?lang=ja", issued.link),
        english: issued.link,
        admin,
    })
}

async fn seed_admin(
    conn: &mut db::Conn,
    key: &db::audit::AuditKey,
) -> anyhow::Result<Option<(String, String)>> {
    use crate::auth::permissions::Role;
    if db::users::count(conn).await? > 0 {
        return Ok(None);
    }
    crate::services::accounts::create_user(
        conn,
        key,
        &Actor::System,
        DEMO_ADMIN_EMAIL,
        "Demo admin",
        Role::Admin,
        Some(DEMO_ADMIN_PASSWORD),
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the demo admin: {e}"))?;
    db::users::require_password_change(conn, DEMO_ADMIN_EMAIL).await?;
    Ok(Some((DEMO_ADMIN_EMAIL.into(), DEMO_ADMIN_PASSWORD.into())))
}

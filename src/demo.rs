//! Demo data for the quick start: one illustrative supplier with a contact, a campaign on
//! the latest forced-labour questionnaire, and a fresh personal link each start.

use crate::db::audit::Actor;
use crate::db::models::Organisation;
use crate::db::schema::{campaigns, organisations};
use crate::routes::AppState;
use crate::services::campaigns::{self as campaign_service, NewCampaign, NewInvitation};
use crate::services::organisations::{self as org_service, NewContact, NewOrganisation};
use anyhow::Context;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

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
    let existing: Option<Organisation> = organisations::table
        .filter(organisations::external_ref.eq(DEMO_REF))
        .select(Organisation::as_select())
        .first(conn)
        .await
        .optional()?;
    let org = match existing {
        Some(org) => org,
        None => org_service::create_organisation(
            conn,
            &state.audit_key,
            &actor,
            NewOrganisation {
                kind: "supplier".into(),
                name: "Demo Components Co., Ltd. (illustrative)".into(),
                country: "MY".into(),
                sector: Some("electronics".into()),
                external_ref: Some(DEMO_REF.into()),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo organisation: {e}"))?,
    };
    let contacts = crate::db::queries::contacts_of(conn, org.id).await?;
    let contact = match contacts.into_iter().next() {
        Some(c) => c,
        None => org_service::add_contact(
            conn,
            &state.audit_key,
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
    let campaign_id: Option<uuid::Uuid> = campaigns::table
        .filter(campaigns::name.eq(DEMO_CAMPAIGN))
        .filter(campaigns::deadline.ge(Utc::now().date_naive()))
        .select(campaigns::id)
        .first(conn)
        .await
        .optional()?;
    let campaign_id = match campaign_id {
        Some(id) => id,
        None => {
            campaign_service::create_campaign(
                conn,
                &state.audit_key,
                &state.registry,
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
        &state.audit_key,
        &state.registry,
        &actor,
        &state.link_keys,
        &state.jobs,
        &state.settings.public_base_url,
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
    Ok(DemoLinks {
        japanese: format!("{}?lang=ja", issued.link),
        english: issued.link,
        admin,
    })
}

async fn seed_admin(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &crate::db::audit::AuditKey,
) -> anyhow::Result<Option<(String, String)>> {
    use crate::auth::permissions::Role;
    use crate::db::schema::users;
    let any_user: i64 = users::table.count().get_result(conn).await?;
    if any_user > 0 {
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
    diesel::update(users::table.filter(users::email.eq(DEMO_ADMIN_EMAIL)))
        .set(users::must_change_password.eq(true))
        .execute(conn)
        .await?;
    Ok(Some((DEMO_ADMIN_EMAIL.into(), DEMO_ADMIN_PASSWORD.into())))
}

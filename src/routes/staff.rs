//! The staff area: overview, organisations, campaigns, flags, audit log, users and API
//! tokens. Access is decided by the middleware from the permission table; handlers
//! only adapt what they show to the role (e.g. a create form only for those who may).

use super::pages::{render, render_status, PageError};
use super::AppState;
use crate::auth::permissions::{Permission, Role};
use crate::auth::principal::{Principal, StaffUser};
use crate::db::{audit, listings};
use crate::error::AppError;
use crate::services::{accounts, organisations};
use crate::views::staff::{FormField, HomePage, Row, StaffNav, TablePage, Tile};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(users)
        .service(create_user)
        .service(set_role)
        .service(disable_user)
        .service(enable_user)
        .service(api_tokens)
        .service(create_api_token)
        .service(revoke_api_token)
        .service(organisations_page)
        .service(create_organisation)
        .service(flags_page)
        .service(audit_page);
}

pub(super) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

fn role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.as_str().to_string()))
        .collect()
}

pub(super) fn table(user: &StaffUser, current: &str, title: &str) -> TablePage {
    TablePage {
        lang: "en".into(),
        title: title.into(),
        nav: StaffNav::new(user, current),
        intro: String::new(),
        headers: Vec::new(),
        rows: Vec::new(),
        empty: "Nothing here yet.".into(),
        reveal: String::new(),
        reveal_label: String::new(),
        notice: String::new(),
        errors: Vec::new(),
        form_action: String::new(),
        form_submit: String::new(),
        form_fields: Vec::new(),
    }
}

fn field_errors(e: AppError) -> Result<Vec<(String, String)>, PageError> {
    match e {
        AppError::Validation(fields) => {
            Ok(fields.into_iter().map(|f| (f.field, f.message)).collect())
        }
        AppError::Conflict(m) | AppError::BadRequest(m) => Ok(vec![("error".into(), m)]),
        other => Err(other.into()),
    }
}

#[get("/staff")]
async fn home(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let o = listings::overview(&mut conn).await?;
    let mut tiles = Vec::new();
    let role = user.role;
    if role.can(Permission::ViewOrganisations) {
        tiles.push(Tile {
            label: "Organisations".into(),
            value: o.organisations.to_string(),
            href: "/staff/organisations".into(),
        });
    }
    if role.can(Permission::ViewCampaigns) {
        tiles.push(Tile {
            label: "Open campaigns".into(),
            value: o.open_campaigns.to_string(),
            href: "/staff/campaigns".into(),
        });
        tiles.push(Tile {
            label: "Submitted responses".into(),
            value: o.submitted.to_string(),
            href: "/staff/campaigns".into(),
        });
    }
    if role.can(Permission::ViewFlags) {
        tiles.push(Tile {
            label: "Open flags".into(),
            value: o.open_flags.to_string(),
            href: "/staff/flags".into(),
        });
        tiles.push(Tile {
            label: "Critical open flags".into(),
            value: o.critical_open_flags.to_string(),
            href: "/staff/flags".into(),
        });
    }
    Ok(render(&HomePage {
        lang: "en".into(),
        title: format!("Welcome, {}", user.name),
        nav: StaffNav::new(&user, "/staff"),
        tiles,
    })?)
}

async fn users_page(
    state: &AppState,
    user: &StaffUser,
    reveal: Option<(String, String)>,
    errors: Vec<(String, String)>,
) -> Result<TablePage, PageError> {
    let mut conn = state.pool.get().await?;
    let list = accounts::list_users(&mut conn).await?;
    let mut page = table(user, "/staff/users", "Users");
    page.intro = "Roles: admin (users, API tokens, everything), procurement (organisations, contacts, campaigns), committee (flags, decisions, audit log), viewer (read only). A new user gets a one-time password and must change it at first sign-in.".into();
    page.headers = ["Email", "Name", "Role", "Status", "Actions"]
        .map(String::from)
        .to_vec();
    page.rows = list
        .into_iter()
        .map(|u| {
            let mut actions: Vec<(String, String, String, String)> = Role::ALL
                .iter()
                .filter(|r| r.as_str() != u.role)
                .map(|r| {
                    (
                        format!("/staff/users/{}/role", u.id),
                        format!("Make {}", r.as_str()),
                        "role".into(),
                        r.as_str().into(),
                    )
                })
                .collect();
            if u.id != user.id {
                if u.disabled_at.is_some() {
                    actions.push((
                        format!("/staff/users/{}/enable", u.id),
                        "Enable".into(),
                        String::new(),
                        String::new(),
                    ));
                } else {
                    actions.push((
                        format!("/staff/users/{}/disable", u.id),
                        "Disable".into(),
                        String::new(),
                        String::new(),
                    ));
                }
            }
            let status = match (u.disabled_at, u.must_change_password) {
                (Some(_), _) => "disabled",
                (None, true) => "must set password",
                (None, false) => "active",
            };
            Row {
                cells: vec![u.email, u.name, u.role, status.into()],
                actions,
            }
        })
        .collect();
    page.form_action = "/staff/users".into();
    page.form_submit = "Add user".into();
    page.form_fields = vec![
        FormField::text("email", "Email", "email"),
        FormField::text("name", "Name", "text"),
        FormField::select("role", "Role", role_options()),
    ];
    if let Some((label, secret)) = reveal {
        page.reveal_label = label;
        page.reveal = secret;
    }
    page.errors = errors;
    Ok(page)
}

#[get("/staff/users")]
async fn users(state: web::Data<AppState>, user: StaffUser) -> Result<HttpResponse, PageError> {
    Ok(render(&users_page(&state, &user, None, Vec::new()).await?)?)
}

#[derive(Deserialize)]
struct NewUserForm {
    email: String,
    name: String,
    role: String,
}

#[post("/staff/users")]
async fn create_user(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, PageError> {
    let role = Role::parse(&form.role)
        .ok_or_else(|| PageError(AppError::field("role", "unknown role")))?;
    let mut conn = state.pool.get().await?;
    match accounts::create_user(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        &form.email,
        &form.name,
        role,
        None,
    )
    .await
    {
        Ok((created, one_time)) => {
            let reveal = one_time.map(|p| (format!("One-time password for {} (shown once; they must change it at first sign-in):", created.email), p));
            Ok(render(
                &users_page(&state, &user, reveal, Vec::new()).await?,
            )?)
        }
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &users_page(&state, &user, None, errors).await?,
            )?)
        }
    }
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

fn path_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError(AppError::NotFound("user")))
}

#[post("/staff/users/{id}/role")]
async fn set_role(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let role = Role::parse(&form.role)
        .ok_or_else(|| PageError(AppError::field("role", "unknown role")))?;
    let mut conn = state.pool.get().await?;
    accounts::change_role(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        path_id(&path)?,
        role,
    )
    .await?;
    Ok(see_other("/staff/users"))
}

#[post("/staff/users/{id}/disable")]
async fn disable_user(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path_id(&path)?;
    if id == user.id {
        return Err(PageError(AppError::Conflict(
            "you cannot disable your own account".into(),
        )));
    }
    let mut conn = state.pool.get().await?;
    accounts::set_disabled(&mut conn, &state.audit_key, &who.actor(), id, true).await?;
    Ok(see_other("/staff/users"))
}

#[post("/staff/users/{id}/enable")]
async fn enable_user(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    accounts::set_disabled(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        path_id(&path)?,
        false,
    )
    .await?;
    Ok(see_other("/staff/users"))
}

async fn tokens_page(
    state: &AppState,
    user: &StaffUser,
    reveal: Option<(String, String)>,
    errors: Vec<(String, String)>,
) -> Result<TablePage, PageError> {
    let mut conn = state.pool.get().await?;
    let list = accounts::list_api_tokens(&mut conn).await?;
    let mut page = table(user, "/staff/api-tokens", "API tokens");
    page.intro = "Tokens let other systems (for example a procurement system that pushes suppliers) call the JSON API with `Authorization: Bearer <token>`. A token acts with the permissions of its role; only its hash is stored.".into();
    page.headers = ["Name", "Role", "Created", "Last used", "Status", "Actions"]
        .map(String::from)
        .to_vec();
    page.rows = list
        .into_iter()
        .map(|t| Row {
            cells: vec![
                t.name,
                t.role,
                t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                t.last_used_at
                    .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
                if t.revoked_at.is_some() {
                    "revoked".into()
                } else {
                    "active".into()
                },
            ],
            actions: if t.revoked_at.is_none() {
                vec![(
                    format!("/staff/api-tokens/{}/revoke", t.id),
                    "Revoke".into(),
                    String::new(),
                    String::new(),
                )]
            } else {
                Vec::new()
            },
        })
        .collect();
    page.form_action = "/staff/api-tokens".into();
    page.form_submit = "Create token".into();
    page.form_fields = vec![
        FormField::text("name", "Name", "text"),
        FormField::select("role", "Role", role_options()),
    ];
    if let Some((label, secret)) = reveal {
        page.reveal_label = label;
        page.reveal = secret;
    }
    page.errors = errors;
    Ok(page)
}

#[get("/staff/api-tokens")]
async fn api_tokens(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Ok(render(
        &tokens_page(&state, &user, None, Vec::new()).await?,
    )?)
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: String,
}

#[post("/staff/api-tokens")]
async fn create_api_token(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let role = Role::parse(&form.role)
        .ok_or_else(|| PageError(AppError::field("role", "unknown role")))?;
    let mut conn = state.pool.get().await?;
    match accounts::create_api_token(
        &mut conn,
        &state.audit_key,
        &who.actor(),
        user.id,
        &form.name,
        role,
    )
    .await
    {
        Ok((token, secret)) => {
            let reveal = Some((
                format!(
                    "Token \"{}\" (copy it now: it is shown only once):",
                    token.name
                ),
                secret,
            ));
            Ok(render(
                &tokens_page(&state, &user, reveal, Vec::new()).await?,
            )?)
        }
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &tokens_page(&state, &user, None, errors).await?,
            )?)
        }
    }
}

#[post("/staff/api-tokens/{id}/revoke")]
async fn revoke_api_token(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = Uuid::parse_str(&path).map_err(|_| PageError(AppError::NotFound("API token")))?;
    let mut conn = state.pool.get().await?;
    accounts::revoke_api_token(&mut conn, &state.audit_key, &who.actor(), id).await?;
    Ok(see_other("/staff/api-tokens"))
}

async fn organisations_table(
    state: &AppState,
    user: &StaffUser,
    errors: Vec<(String, String)>,
    notice: String,
) -> Result<TablePage, PageError> {
    let mut conn = state.pool.get().await?;
    let list = listings::organisations(&mut conn).await?;
    let mut page = table(user, "/staff/organisations", "Organisations");
    page.intro = "Own production bases and suppliers.".into();
    page.headers = ["Name", "Kind", "Country", "Sector", "Reference", "Contacts"]
        .map(String::from)
        .to_vec();
    page.rows = list
        .into_iter()
        .map(|(o, contacts)| Row {
            cells: vec![
                o.name,
                o.kind.replace('_', " "),
                o.country,
                o.sector.unwrap_or_default(),
                o.external_ref.unwrap_or_default(),
                contacts.to_string(),
            ],
            actions: Vec::new(),
        })
        .collect();
    if user.role.can(Permission::ManageOrganisations) {
        page.form_action = "/staff/organisations".into();
        page.form_submit = "Add organisation".into();
        page.form_fields = vec![
            FormField::text("name", "Name", "text"),
            FormField::select(
                "kind",
                "Kind",
                vec![
                    ("supplier".into(), "supplier".into()),
                    ("production_base".into(), "production base".into()),
                ],
            ),
            FormField::text("country", "Country (ISO code, e.g. JP)", "text"),
            FormField::text("sector", "Sector", "text"),
        ];
    }
    page.errors = errors;
    page.notice = notice;
    Ok(page)
}

#[get("/staff/organisations")]
async fn organisations_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    Ok(render(
        &organisations_table(&state, &user, Vec::new(), String::new()).await?,
    )?)
}

#[derive(Deserialize)]
struct OrganisationForm {
    name: String,
    kind: String,
    country: String,
    sector: Option<String>,
}

#[post("/staff/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    user: StaffUser,
    who: Principal,
    form: web::Form<OrganisationForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = organisations::NewOrganisation {
        kind: form.kind,
        name: form.name,
        country: form.country.trim().to_uppercase(),
        sector: form.sector.filter(|s| !s.trim().is_empty()),
        external_ref: None,
    };
    let mut conn = state.pool.get().await?;
    match organisations::create_organisation(&mut conn, &state.audit_key, &who.actor(), input).await
    {
        Ok(org) => Ok(render(
            &organisations_table(&state, &user, Vec::new(), format!("Added {}.", org.name)).await?,
        )?),
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &organisations_table(&state, &user, errors, String::new()).await?,
            )?)
        }
    }
}

#[get("/staff/flags")]
async fn flags_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let list = listings::flags(&mut conn).await?;
    let mut page = table(&user, "/staff/flags", "Flags");
    page.intro = "Answers that show risk, worst first. Score = severity × likelihood; a critical trigger is critical regardless of the score.".into();
    page.headers = [
        "Band",
        "Score",
        "Organisation",
        "Indicator",
        "Question",
        "Why",
        "Status",
        "Raised",
    ]
    .map(String::from)
    .to_vec();
    page.rows = list
        .into_iter()
        .map(|f| {
            let version = state.registry.get(f.template_version_id);
            let question = version
                .as_ref()
                .and_then(|v| v.questionnaire.find(&f.question_id));
            let lang = version
                .as_ref()
                .map(|v| v.questionnaire.default_lang())
                .unwrap_or(crate::domain::i18n::Lang::En);
            let why = question
                .and_then(|q| q.risk.get(f.rule_index as usize))
                .map(|r| r.explanation.get(lang).to_string())
                .unwrap_or_default();
            let indicator = crate::domain::indicator::Indicator::parse(&f.indicator)
                .map(|i| i.name().to_string())
                .unwrap_or(f.indicator.clone());
            Row {
                cells: vec![
                    if f.critical {
                        format!("{} (trigger)", f.band)
                    } else {
                        f.band.clone()
                    },
                    format!("{} = {}×{}", f.score, f.severity, f.likelihood),
                    format!("{} ({}) · {}", f.organisation, f.country, f.campaign),
                    indicator,
                    question
                        .map(|q| q.label.get(lang).to_string())
                        .unwrap_or(f.question_id.clone()),
                    why,
                    f.status.replace('_', " "),
                    f.created_at.format("%Y-%m-%d").to_string(),
                ],
                actions: Vec::new(),
            }
        })
        .collect();
    Ok(render(&page)?)
}

#[get("/staff/audit")]
async fn audit_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let chain = audit::verify_chain(&mut conn, &state.audit_key).await?;
    let entries = listings::recent_audit(&mut conn, 200).await?;
    let people: std::collections::HashMap<String, String> = accounts::list_users(&mut conn)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.email))
        .collect();
    let mut page = table(&user, "/staff/audit", "Audit log");
    page.intro = match chain {
        Ok(n) => format!("Hash chain verified: all {n} entries are intact. Newest first."),
        Err(broken) => format!("WARNING: {broken}: the log was altered."),
    };
    page.headers = [
        "#",
        "When (UTC)",
        "Actor",
        "Action",
        "Subject",
        "Details",
        "Hash",
    ]
    .map(String::from)
    .to_vec();
    page.rows = entries
        .into_iter()
        .map(|e| Row {
            cells: vec![
                e.id.to_string(),
                e.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                match e.actor_id {
                    Some(id) => format!(
                        "{} {}",
                        e.actor_kind,
                        people.get(&id).cloned().unwrap_or(id)
                    ),
                    None => e.actor_kind.clone(),
                },
                e.action,
                format!("{} {}", e.subject_type, e.subject_id),
                e.details.to_string(),
                e.hash[..12].to_string(),
            ],
            actions: Vec::new(),
        })
        .collect();
    Ok(render(&page)?)
}

//! The test harness: a real PostgreSQL server, a fresh database per test (cloned from a
//! migrated template database), and the real application on a free port.
//!
//! The server is the one `DATABASE_URL` names, else 127.0.0.1:5432 if it answers, else a
//! throw-away embedded cluster started from the machine's PostgreSQL binaries.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use hrdd_survey::config::Settings;
use hrdd_survey::db::admin;
use hrdd_survey::email::{Mailer, Transport};
use hrdd_survey::embedded_pg::EmbeddedPostgres;
use hrdd_survey::jobs::{Jobs, Worker};
use hrdd_survey::startup::Application;
use hrdd_survey::state::AppState;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::OnceCell;

pub struct DbServer {
    /// URL of the server's `postgres` database, for CREATE / DROP DATABASE.
    pub admin_url: String,
    /// Migrated database that every test database is cloned from.
    pub template: String,
    _embedded: Option<EmbeddedPostgres>,
}

static SERVER: OnceCell<DbServer> = OnceCell::const_new();

/// How long a test waits for an email or a job that may sit behind a receipt before it
/// fails. Only a guard against a hang, not a timing: a receipt's PDF for email is made
/// at nice 10 (`services::receipts::Waiting::Email`), and on a 2-core machine saturated
/// by the rest of the suite it can wait well over 15 s for a core.
pub const MAIL_WAIT: Duration = Duration::from_secs(60);

async fn reachable(url: &str) -> bool {
    matches!(
        tokio::time::timeout(
            std::time::Duration::from_secs(3),
            AsyncPgConnection::establish(url)
        )
        .await,
        Ok(Ok(_))
    )
}

/// A name that changes whenever a migration changes, so a stale template is never used.
fn template_name() -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = walk(&dir);
    files.sort();
    for f in files {
        hasher.update(f.strip_prefix(&dir).unwrap().to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).unwrap());
    }
    format!("hrdd_test_tpl_{}", &hex::encode(hasher.finalize())[..12])
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub async fn server() -> &'static DbServer {
    SERVER
        .get_or_init(|| async {
            let (admin_url, embedded) = match std::env::var("DATABASE_URL") {
                Ok(url) if !url.is_empty() => (admin::with_database(&url, "postgres"), None),
                _ => {
                    let local = "postgres://postgres@127.0.0.1:5432/postgres".to_string();
                    if reachable(&local).await {
                        (local, None)
                    } else {
                        let dir = tempfile::Builder::new()
                            .prefix("hrdd-test-pg-")
                            .tempdir()
                            .unwrap()
                            .keep();
                        let pg = tokio::task::spawn_blocking(move || {
                            EmbeddedPostgres::start_ephemeral(&dir)
                        })
                        .await
                        .unwrap()
                        .expect(
                            "no PostgreSQL server reachable and the embedded one did not start",
                        );
                        (pg.url("postgres"), Some(pg))
                    }
                }
            };
            let template = template_name();
            ensure_template(&admin_url, &template).await;
            DbServer {
                admin_url,
                template,
                _embedded: embedded,
            }
        })
        .await
}

/// Creates the migrated template database once, even with several test processes.
async fn ensure_template(admin_url: &str, template: &str) {
    use diesel_async::RunQueryDsl;
    let mut lock = AsyncPgConnection::establish(admin_url).await.unwrap();
    diesel::sql_query("SELECT pg_advisory_lock(7245001)")
        .execute(&mut lock)
        .await
        .unwrap();
    if !admin::database_exists(admin_url, template).await.unwrap() {
        let building = format!("{template}_build");
        admin::drop_database(admin_url, &building).await.unwrap();
        admin::create_database(admin_url, &building, None)
            .await
            .unwrap();
        hrdd_survey::db::run_migrations(&admin::with_database(admin_url, &building))
            .await
            .unwrap();
        diesel::sql_query(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
        ))
        .execute(&mut lock)
        .await
        .unwrap();
    }
    diesel::sql_query("SELECT pg_advisory_unlock(7245001)")
        .execute(&mut lock)
        .await
        .unwrap();
}

/// A fresh, migrated database, dropped when this value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let server = server().await;
        let name = format!("hrdd_test_{}", uuid::Uuid::new_v4().simple());
        admin::create_database(&server.admin_url, &name, Some(&server.template))
            .await
            .unwrap();
        TestDb {
            url: admin::with_database(&server.admin_url, &name),
            name,
            admin_url: server.admin_url.clone(),
        }
    }

    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async { admin::drop_database(&admin_url, &name).await })
        })
        .join();
    }
}

pub fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("survey_templates")
}

/// Builds (without running) the application on `database_url` with the questionnaires
/// of `dir`, as start-up does: the `Err` is what start-up would report.
pub async fn build_app(database_url: &str, dir: &Path) -> anyhow::Result<Application> {
    build_app_with(database_url, dir, &[]).await
}

/// As [`build_app`], with more settings (e.g. `SMTP_URL`); `extra` wins over the defaults.
pub async fn build_app_with(
    database_url: &str,
    dir: &Path,
    extra: &[(&str, String)],
) -> anyhow::Result<Application> {
    let vars = [
        ("HRDD_LISTEN", "127.0.0.1:0".to_string()),
        ("HRDD_TEMPLATES_DIR", dir.display().to_string()),
        ("DATABASE_URL", database_url.to_string()),
        (
            "HRDD_SECRET_KEY",
            "test-secret-key-of-at-least-32-characters".to_string(),
        ),
        (
            "HRDD_DATA_DIR",
            std::env::temp_dir()
                .join("hrdd-test-data")
                .display()
                .to_string(),
        ),
    ];
    let settings = Settings::from_sources(None, |k| {
        extra
            .iter()
            .chain(vars.iter())
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
    })?;
    Application::build(settings, database_url).await
}

/// The small questionnaire for focused tests (`mini`, version 1, en + ja).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates")
}

/// The tests' HTTP clients: redirects not followed, and idle pooled connections dropped
/// after 2 s. The service (actix-web) closes an idle keep-alive connection after 5 s;
/// a client that kept it longer could send its next request just as the server closes
/// it, and fail with `IncompleteMessage` (seen after a browser test's long pause).
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(2))
}

/// A browser-like HTTP client: keeps cookies, does not follow redirects.
pub fn web_client() -> reqwest::Client {
    client_builder().cookie_store(true).build().unwrap()
}

/// The value of the first hidden `csrf_token` field of a page, if it has one.
pub fn csrf_field(html: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// The value of the first hidden `csrf_token` field of a page, which must have one.
pub fn hidden_csrf(html: &str) -> String {
    csrf_field(html).unwrap_or_else(|| panic!("no csrf_token field in {html}"))
}

/// The running application with its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub db: TestDb,
    /// An admin API token, sent by `get` and `post_json`.
    pub api_token: String,
    /// Respondent CSRF tokens by link (stable per invitation, as a browser keeps them).
    csrf_seen: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with_templates(&templates_dir()).await
    }

    pub async fn spawn_with_templates(dir: &Path) -> TestApp {
        Self::spawn_on(TestDb::new().await, dir).await
    }

    /// The application on an existing database (e.g. one whose migrations were redone).
    pub async fn spawn_on(db: TestDb, dir: &Path) -> TestApp {
        Self::spawn_on_with(db, dir, &[]).await
    }

    /// The application with more settings (see [`build_app_with`]).
    pub async fn spawn_with_settings(dir: &Path, extra: &[(&str, String)]) -> TestApp {
        Self::spawn_on_with(TestDb::new().await, dir, extra).await
    }

    pub async fn spawn_on_with(db: TestDb, dir: &Path, extra: &[(&str, String)]) -> TestApp {
        let app = build_app_with(&db.url, dir, extra)
            .await
            .expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        let client = web_client();
        let api_token = {
            use hrdd_survey::auth::permissions::Role;
            use hrdd_survey::db::audit::Actor;
            use hrdd_survey::services::accounts;
            let mut conn = state.pool.get().await.unwrap();
            let (admin, _) = accounts::create_user(
                &mut conn,
                &state.audit_key,
                &Actor::System,
                "harness-admin@example.com",
                "Harness admin",
                Role::Admin,
                None,
            )
            .await
            .unwrap();
            accounts::create_api_token(
                &mut conn,
                &state.audit_key,
                &Actor::System,
                admin.id,
                "test harness",
                Role::Admin,
            )
            .await
            .unwrap()
            .1
        };
        TestApp {
            address,
            client,
            state,
            db,
            api_token,
            csrf_seen: Default::default(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A job worker on this app's database that sends to `smtp_url`, for a test that runs
    /// it itself (`run_due`) beside the service's own.
    pub fn worker(&self, smtp_url: &str) -> Worker {
        Worker::new(
            self.state.pool.clone(),
            Jobs::new(),
            Mailer {
                transport: Transport::from_settings(Some(smtp_url), &std::env::temp_dir()).unwrap(),
                from: "HRDD Survey <no-reply@hrdd-survey.invalid>"
                    .parse()
                    .unwrap(),
            },
            self.state.audit_key.clone(),
            self.address.clone(),
        )
    }

    /// [`TestApp::worker`] that also renders campaign emails (personal links; the sender
    /// company "Acme Apparel").
    pub fn campaign_worker(&self, smtp_url: &str) -> Worker {
        self.worker(smtp_url)
            .with_campaign_mail(self.state.link_keys.clone(), "Acme Apparel".into())
    }

    /// POSTs JSON with the harness's admin API token.
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.api_token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// GETs with the harness's admin API token (ignored by public and respondent pages).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.api_token)
            .send()
            .await
            .unwrap()
    }

    /// A response's flags as `GET /api/v1/responses/{id}/flags` lists them.
    pub async fn response_flags(&self, response: &str) -> Vec<Value> {
        let body: Value = self
            .get(&format!("/api/v1/responses/{response}/flags"))
            .await
            .json()
            .await
            .unwrap();
        body["flags"]
            .as_array()
            .unwrap_or_else(|| panic!("no flags: {body}"))
            .clone()
    }

    /// The respondent CSRF token printed in the form at `link` (remembered per link, as
    /// a browser tab keeps it after the response is submitted).
    pub async fn form_csrf(&self, link: &str) -> String {
        let key = link.split('?').next().unwrap_or(link).to_string();
        if let Some(t) = self.csrf_seen.lock().unwrap().get(&key) {
            return t.clone();
        }
        let mut res = self.client.get(self.url(link)).send().await.unwrap();
        // A link with answers sends the respondent on to their section: follow it once.
        if res.status().is_redirection() {
            let to = res.headers()["location"].to_str().unwrap().to_string();
            res = self.client.get(self.url(&to)).send().await.unwrap();
        }
        let html = res.text().await.unwrap();
        let token = csrf_field(&html).expect("the form carries a CSRF token");
        self.csrf_seen.lock().unwrap().insert(key, token.clone());
        token
    }

    /// Creates a supplier with one contact; returns (organisation id, contact id).
    pub async fn supplier(&self, name: &str, language: &str) -> (String, String) {
        let org: Value = self
            .post_json("/api/v1/organisations", &json!({"kind": "supplier", "name": name, "country": "JP", "sector": "electronics"}))
            .await
            .json()
            .await
            .unwrap();
        let org_id = org["id"].as_str().unwrap().to_string();
        let contact: Value = self
            .post_json(
                &format!("/api/v1/organisations/{org_id}/contacts"),
                &json!({"name": format!("{name} contact"), "email": format!("{}@example.com", uuid::Uuid::new_v4().simple()), "language": language}),
            )
            .await
            .json()
            .await
            .unwrap();
        (org_id, contact["id"].as_str().unwrap().to_string())
    }

    /// Creates a campaign on the latest version of `template`; returns its id.
    /// The timeline of the organisation of `response` in its campaign, as the staff
    /// page lists it (`db::progress::timeline`).
    pub async fn timeline_of(
        &self,
        response: uuid::Uuid,
    ) -> Vec<hrdd_survey::services::campaign_progress::Event> {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::responses;
        let mut conn = self.db.conn().await;
        let (campaign, organisation): (uuid::Uuid, uuid::Uuid) = responses::table
            .find(response)
            .select((responses::campaign_id, responses::organisation_id))
            .first(&mut conn)
            .await
            .unwrap();
        hrdd_survey::services::campaign_progress::timeline(
            &mut conn,
            campaign.into(),
            organisation.into(),
        )
        .await
        .unwrap()
    }

    pub async fn campaign(&self, template: &str) -> String {
        let deadline = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
        let c: Value = self
            .post_json(
                "/api/v1/campaigns",
                &json!({"name": "Test campaign", "template_id": template, "deadline": deadline}),
            )
            .await
            .json()
            .await
            .unwrap();
        c["id"].as_str().unwrap().to_string()
    }

    /// Marks `response` submitted `days` ago, straight in the database (a placeholder
    /// fingerprint; for tests about when organisations last answered, not what).
    pub async fn submitted_days_ago(&self, response: &str, days: i64) {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::responses;
        let mut conn = self.db.conn().await;
        diesel::update(responses::table.find(response.parse::<uuid::Uuid>().unwrap()))
            .set((
                responses::status.eq("submitted"),
                responses::submitted_at.eq(chrono::Utc::now() - chrono::Duration::days(days)),
                responses::answers_sha256.eq("0".repeat(64)),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    /// Issues a link without its email (the caller uses the link); returns (path of the
    /// link, response id).
    pub async fn invite(&self, campaign: &str, org: &str, contact: &str) -> (String, String) {
        let inv: Value = self
            .post_json(
                &format!("/api/v1/campaigns/{campaign}/invitations"),
                &json!({"organisation_id": org, "contact_id": contact, "send_email": false}),
            )
            .await
            .json()
            .await
            .unwrap();
        let link = inv["link"].as_str().unwrap();
        let path = link
            .strip_prefix(&self.address)
            .expect("link uses the public base URL")
            .to_string();
        (path, inv["response_id"].as_str().unwrap().to_string())
    }

    /// Posts the questionnaire form (multipart) with `action` = save | submit | add_row:x.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        action: &str,
    ) -> reqwest::Response {
        let mut form =
            reqwest::multipart::Form::new().text("csrf_token", self.form_csrf(path).await);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        // A submission carries the declaration unless the test gives its own fields.
        if action == "submit" && !fields.iter().any(|(k, _)| k.starts_with("signatory_")) {
            form = form
                .text("signatory_name", "Test Signatory")
                .text("signatory_title", "Compliance lead")
                .text("declaration", "yes");
        }
        form = form.text("action", action.to_string());
        self.client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

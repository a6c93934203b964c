//! Building the application from settings: database (given or embedded), migrations,
//! questionnaire versions, and the HTTP server. Tests build it the same way on port 0.

use crate::config::Settings;
use crate::db::{self, admin};
use crate::embedded_pg::EmbeddedPostgres;
use crate::routes;
use crate::services::questionnaires::{self, QuestionnaireRegistry};
use crate::state::AppState;
use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;

/// Name of the database the embedded cluster serves.
pub const EMBEDDED_DATABASE: &str = "hrdd";

/// A database ready for use, and the embedded cluster behind it if we started one.
pub struct Database {
    pub url: String,
    pub embedded: Option<EmbeddedPostgres>,
}

/// Uses `DATABASE_URL`, or starts the embedded cluster and creates its database; then
/// applies the migrations.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<Database> {
    let (url, embedded) = match &settings.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let data_dir = settings.data_dir.clone();
            let pg =
                tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir)).await??;
            tracing::info!(port = pg.port(), dir = %settings.data_dir.display(), "embedded PostgreSQL running");
            if !admin::database_exists(&pg.url("postgres"), EMBEDDED_DATABASE).await? {
                admin::create_database(&pg.url("postgres"), EMBEDDED_DATABASE, None).await?;
            }
            (pg.url(EMBEDDED_DATABASE), Some(pg))
        }
    };
    let applied = db::run_migrations(&url)
        .await
        .context("applying database migrations (is DATABASE_URL right and the server running?)")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(Database { url, embedded })
}

/// The running service.
pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
    worker: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Connects to `database_url` (already migrated), stores and loads the
    /// questionnaires, and binds the listener (`settings.listen`, port 0 for tests).
    pub async fn build(mut settings: Settings, database_url: &str) -> anyhow::Result<Application> {
        // The job worker's, start-up's and the tests' pool; each HTTP worker has its own.
        let pool = db::pool(database_url, 16)?;
        let secret_key = load_secret_key(&settings)?;
        let audit_key = db::audit::AuditKey::from_secret(&secret_key);
        let registry: QuestionnaireRegistry = {
            let mut conn = pool.get().await.context("connecting to the database")?;
            crate::services::audit::open_contact_chains(&mut conn, &audit_key).await?;
            questionnaires::prepare(&mut conn, &audit_key, &settings.templates_dir).await?
        };
        let receipt_font = Arc::new(crate::receipt_pdf::FontSource::check(
            &settings.pdf_font,
            &settings.pdf_fallback_fonts,
        )?);
        let registry = Arc::new(registry);
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("binding {} (HRDD_LISTEN)", settings.listen))?;
        let port = listener.local_addr()?.port();
        // On port 0 (tests) the default public URL must name the port actually bound.
        if settings.listen.port() == 0
            && settings.public_base_url == format!("http://{}", settings.listen)
        {
            settings.public_base_url = format!("http://{}", listener.local_addr()?);
        }
        let jobs = crate::jobs::Jobs::new();
        let worker = tokio::spawn(crate::jobs::run(
            job_worker(&settings, pool.clone(), jobs.clone(), audit_key.clone())?
                .with_receipts(registry.clone(), receipt_font.clone()),
            settings.job_poll_interval,
        ));
        let previous: Vec<Vec<u8>> = settings
            .previous_secret_keys
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect();
        let link_keys =
            crate::auth::links::LinkKeys::new(settings.link_key_id, &secret_key, &previous);
        let state = web::Data::new(AppState {
            pool,
            registry,
            settings: Arc::new(settings),
            secret_key,
            audit_key,
            jobs,
            link_keys,
            receipt_font,
            receipt_downloads: Default::default(),
        });
        let server_state = state.clone();
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let per_worker = worker_pool_size(workers);
        let database_url = database_url.to_string();
        let server = HttpServer::new(move || {
            // Built in the worker's thread; its connections are opened, and driven,
            // on this worker's runtime.
            let pool = db::pool(&database_url, per_worker)
                .expect("the same URL and settings built the main pool");
            App::new()
                .app_data(web::Data::new(server_state.with_pool(pool)))
                .app_data(json_config())
                // Staff forms are small; the respondent form (multipart, with files)
                // has its own limit in routes::respondent.
                .app_data(
                    web::FormConfig::default()
                        .limit(32 * 1024)
                        .error_handler(|e, _| match e {
                            // Too large is 413, like the middleware's CSRF read.
                            actix_web::error::UrlencodedError::Overflow { .. } => {
                                actix_web::error::InternalError::from_response(
                                    e,
                                    crate::auth::middleware::too_large(),
                                )
                                .into()
                            }
                            actix_web::error::UrlencodedError::Parse(e) => {
                                extractor_error("form", &e.to_string()).into()
                            }
                            e => crate::error::AppError::BadRequest(format!(
                                "the form is not valid: {e}"
                            ))
                            .into(),
                        }),
                )
                .app_data(web::PayloadConfig::new(64 * 1024))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| crate::error::AppError::NotFound("page").into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, _| match e {
                    actix_web::error::QueryPayloadError::Deserialize(e) => {
                        extractor_error("address", &e.to_string()).into()
                    }
                    e => crate::error::AppError::BadRequest(e.to_string()).into(),
                }))
                .wrap(actix_web::middleware::from_fn(crate::error::error_pages))
                .wrap(actix_web::middleware::from_fn(
                    crate::auth::middleware::enforce,
                ))
                .wrap(actix_web::middleware::from_fn(no_store))
                .wrap(security_headers(
                    server_state
                        .settings
                        .public_base_url
                        .starts_with("https://"),
                ))
                .wrap(Compress::default())
                .wrap(tracing_actix_web::TracingLogger::<
                    crate::telemetry::RequestSpan,
                >::new())
                .configure(routes::configure)
                .default_service(web::to(not_found))
        })
        .on_connect(no_delay)
        .workers(workers)
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Application {
            port,
            server,
            state,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT / SIGTERM (graceful) or an error.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.worker.abort();
        result
    }
}

/// Connections each HTTP worker's own pool may open: the 16 of one shared pool, split
/// between the workers (at least 2 each).
///
/// A connection's protocol is driven by a task on the runtime of the thread that opened
/// it. With one pool shared by every worker, a query from one worker was often sent and
/// read by another worker's thread, and both threads woke for every statement; with a
/// pool per worker, a request's statements stay on its own thread (the respondent flow
/// benchmark, three pairs of runs: requests served 7–16 % faster with 10–17 % less of
/// the service's CPU; flow and receipts together 0–8 % sooner; BENCHMARKS.md).
pub fn worker_pool_size(workers: usize) -> usize {
    16usize.div_ceil(workers.max(1)).max(2)
}

/// The job worker for `settings` (mail over SMTP or to the outbox folder), as `serve`
/// runs it inside the service and `worker` runs it alone.
pub fn job_worker(
    settings: &Settings,
    pool: db::Pool,
    jobs: crate::jobs::Jobs,
    audit_key: db::audit::AuditKey,
) -> anyhow::Result<crate::jobs::Worker> {
    let mailer = crate::email::Mailer {
        transport: crate::email::Transport::from_settings(
            settings.smtp_url.as_deref(),
            &settings.data_dir,
        )?,
        from: settings.mail_from.parse().context("HRDD_MAIL_FROM")?,
    };
    let secret_key = load_secret_key(settings)?;
    let previous: Vec<Vec<u8>> = settings
        .previous_secret_keys
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect();
    let link_keys = crate::auth::links::LinkKeys::new(settings.link_key_id, &secret_key, &previous);
    Ok(crate::jobs::Worker::new(
        pool,
        jobs,
        mailer,
        audit_key,
        settings.public_base_url.clone(),
    )
    .with_campaign_mail(link_keys, settings.sender_company.clone()))
}

/// Turns Nagle's algorithm off on every accepted connection (actix-web leaves it on).
/// With it on, a response whose headers and body go out in two writes waits for the
/// client's delayed ACK, and a kept-alive connection stalls about 40 ms now and then.
pub fn no_delay(connection: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY");
        }
    }
}

/// JSON bodies: at most 64 KiB (a larger one is a 413), and a parse error is a 400 that
/// says what is wrong; both in the API's error shape.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _| {
            let message = match &err {
                actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
                | actix_web::error::JsonPayloadError::Overflow { .. } => {
                    return crate::error::AppError::TooLarge(
                        "the JSON body is larger than 64 KiB".into(),
                    )
                    .into();
                }
                actix_web::error::JsonPayloadError::ContentType => {
                    "send the body as application/json".to_string()
                }
                actix_web::error::JsonPayloadError::Deserialize(e) => {
                    // A field missing or unknown is the caller's field error (422), as
                    // a field with a wrong value is after validation.
                    if let Some(field) = named_field(&e.to_string()) {
                        return crate::error::AppError::field(&field.0, field.1).into();
                    }
                    format!("the JSON body is not valid: {e}")
                }
                other => format!("the JSON body is not valid: {other}"),
            };
            crate::error::AppError::BadRequest(message).into()
        })
}

/// The field a JSON deserialisation error names, with what to say about it: serde's
/// "missing field `name`" and "unknown field `nmae`, expected one of …".
fn named_field(error: &str) -> Option<(String, String)> {
    let quoted = |rest: &str| rest.split('`').nth(1).map(str::to_string);
    if let Some(rest) = error.strip_prefix("missing field ") {
        return Some((quoted(rest)?, "this field is required".into()));
    }
    if let Some(rest) = error.strip_prefix("unknown field ") {
        let expected = rest.split_once("expected ").map(|(_, e)| e).unwrap_or("");
        let expected = expected
            .split(" at line")
            .next()
            .unwrap_or("")
            .replace('`', "");
        return Some((
            quoted(rest)?,
            format!("not a field of this request; expected {expected}"),
        ));
    }
    None
}

/// A query string's or a form's deserialisation error in words a person reads, naming
/// the field where serde does (`place`: "address" or "form"): serde's "duplicate field
/// `band`" is "band: given more than once", "invalid digit found in string" a number that
/// is not one.
fn extractor_error(place: &str, error: &str) -> crate::error::AppError {
    use crate::error::AppError;
    if let Some((field, message)) = named_field(error) {
        return AppError::field(&field, format!("{field}: {message}"));
    }
    if let Some(field) = error
        .strip_prefix("duplicate field ")
        .and_then(|rest| rest.split('`').nth(1))
    {
        return AppError::field(field, format!("{field}: given more than once"));
    }
    let message = match error {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            format!("a number in the {place} is not a whole number")
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            format!("a number in the {place} is out of range")
        }
        other => format!("the {place} cannot be read: {other}"),
    };
    AppError::BadRequest(message)
}

/// Headers on every response: no framing, no referrer (links carry tokens), no sniffing,
/// and a script policy without inline code; behind an `https://` address, HSTS too (a
/// year), so that a browser never again asks for a link, and sends its token, in clear.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = if https {
        DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
}

/// `Cache-Control: no-store` on every response except the static assets: pages show new
/// API tokens, one-time passwords and respondents' answers, and no browser or proxy
/// cache may keep them. A handler that sets its own policy (the assets) keeps it.
async fn no_store(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !headers.contains_key(actix_web::http::header::CACHE_CONTROL) {
        headers.insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    if let Some(to) = without_trailing_slash(&req) {
        return HttpResponse::PermanentRedirect()
            .insert_header((actix_web::http::header::LOCATION, to))
            .finish();
    }
    if req.path().starts_with("/api/") {
        crate::error::AppError::NotFound("route").error_response()
    } else if crate::error::is_staff_page(req.path()) {
        // Staff read English, and a mistyped address is not a supplier's dead link.
        crate::error::staff_message(
            actix_web::http::StatusCode::NOT_FOUND,
            None,
            "Not found",
            "There is no staff page at this address.",
        )
    } else {
        crate::error::PageError(crate::error::AppError::NotFound("page")).error_response()
    }
}

/// A page asked for with a trailing slash ("/staff/campaigns/", typed or pasted): the
/// address without it, where the page is, with its query. Only for GET and HEAD, only
/// to an address a route answers, and never one starting with "//" (a browser would
/// read that as another site's).
/// Found here, where no route matched, so no other request pays for the check.
fn without_trailing_slash(req: &actix_web::HttpRequest) -> Option<String> {
    use actix_web::http::Method;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let path = req.path().trim_end_matches('/');
    if path.is_empty()
        || path.len() == req.path().len()
        || path.starts_with("//")
        || !req.resource_map().has_resource(path)
    {
        return None;
    }
    Some(match req.query_string() {
        "" => path.to_string(),
        query => format!("{path}?{query}"),
    })
}

/// `HRDD_SECRET_KEY`, or a key generated once and kept in `data_dir/secret_key` (mode 600).
pub fn load_secret_key(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &settings.secret_key {
        return Ok(key.as_bytes().to_vec());
    }
    let path = settings.data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if existing.trim().len() >= 32 {
            return Ok(existing.trim().as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let key = format!("{}{}", crate::auth::new_token(), crate::auth::new_token());
    std::fs::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(key.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::worker_pool_size;

    #[test]
    fn the_workers_share_sixteen_connections_with_at_least_two_each() {
        assert_eq!(worker_pool_size(1), 16);
        assert_eq!(worker_pool_size(2), 8);
        assert_eq!(worker_pool_size(3), 6);
        assert_eq!(worker_pool_size(16), 2);
        assert_eq!(worker_pool_size(64), 2);
        assert_eq!(worker_pool_size(0), 16);
    }
}

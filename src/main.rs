//! The `hrdd-survey` command: a thin shell over the library.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::config::Settings;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::services::{accounts, questionnaires};
use hrdd_survey::{demo, startup, telemetry};
use std::path::PathBuf;
use std::process::ExitCode;

mod cli_data;

#[derive(Parser)]
#[command(
    name = "hrdd-survey",
    version,
    about = "Human-rights due diligence surveys for supply chains"
)]
struct Cli {
    /// A TOML config file (environment variables override it).
    #[arg(long, env = "HRDD_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (the default).
    Serve {
        /// Seed a demo supplier and campaign, and print a link to try.
        #[arg(long)]
        demo: bool,
    },
    /// Run background jobs (email delivery) without the web service, for sites that
    /// run web and worker processes apart. `serve` runs the same worker inside.
    Worker,
    /// Apply database migrations and store new questionnaire versions, then exit.
    Migrate,
    /// Check questionnaire files and report every problem as file:line.
    CheckTemplates {
        /// Folder of questionnaire files (default: the configured templates folder).
        dir: Option<PathBuf>,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Inherent country/sector risk: the operator's table.
    InherentRisk {
        #[command(subcommand)]
        command: cli_data::InherentRiskCommand,
    },
    /// Re-score stored responses.
    Rescore {
        /// Compare the re-scored flags with the stored ones; exit 1 if any differ.
        #[arg(long, required = true)]
        check: bool,
        /// Only the first N submitted responses (by id).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Write ILLUSTRATIVE bulk data for benchmarks (set-based SQL): organisations with
    /// one submitted response each, answers and random flags. Never on a real database.
    Seed {
        #[arg(long, default_value_t = 50_000)]
        organisations: i64,
        #[arg(long, default_value_t = 1_000_000)]
        answers: i64,
        #[arg(long, default_value_t = 100_000)]
        flags: i64,
        /// Questionnaire id (default: the first stored).
        #[arg(long)]
        questionnaire: Option<String>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: cli_data::AuditCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account. Prints a one-time password (to be changed at first
    /// sign-in) unless --password-stdin is given.
    Add {
        #[arg(long)]
        email: String,
        /// admin, procurement, committee or viewer.
        #[arg(long)]
        role: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hrdd-survey: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::CheckTemplates { dir } = &command {
        return check_questionnaires(dir.as_ref().unwrap_or(&settings.templates_dir));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hrdd-survey: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let done = |r: anyhow::Result<()>| r.map(|()| ExitCode::SUCCESS);
        match command {
            Command::Serve { demo } => done(serve(settings, demo).await),
            Command::Worker => done(worker(settings).await),
            Command::Migrate => done(migrate(settings).await),
            Command::User { command } => done(user(settings, command).await),
            Command::InherentRisk { command } => cli_data::inherent_risk(settings, command).await,
            Command::Rescore { check: _, limit } => cli_data::rescore(settings, limit).await,
            Command::Audit { command } => cli_data::audit(settings, command).await,
            Command::Seed {
                organisations,
                answers,
                flags,
                questionnaire,
            } => {
                let size = hrdd_survey::services::seed::SeedSize {
                    organisations,
                    answers,
                    flags,
                };
                cli_data::seed(settings, size, questionnaire).await
            }
            Command::CheckTemplates { .. } => unreachable!("handled above"),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hrdd-survey: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_questionnaires(dir: &std::path::Path) -> ExitCode {
    match questionnaires::check_dir(dir) {
        Ok(files) => {
            for (file, q) in files {
                let languages: Vec<&str> = q.languages.iter().map(|l| l.code()).collect();
                let rules: usize = q
                    .questions()
                    .map(|x| x.risk.len() + x.fields.iter().map(|f| f.risk.len()).sum::<usize>())
                    .sum();
                println!(
                    "ok  {}: {} v{} ({} sections, {} questions, {} risk rules, languages {})",
                    file.path.display(),
                    q.id,
                    q.version,
                    q.sections.len(),
                    q.questions().count(),
                    rules,
                    languages.join("/")
                );
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} problem(s) found", errors.len());
            ExitCode::FAILURE
        }
    }
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    with_database(&settings, async |url| {
        let pool = hrdd_survey::db::pool(url, 4)?;
        let font = std::sync::Arc::new(hrdd_survey::receipt_pdf::FontSource::check(
            &settings.pdf_font,
            &settings.pdf_fallback_fonts,
        )?);
        let registry = {
            let mut conn = pool.get().await?;
            hrdd_survey::services::questionnaires::load_registry(&mut conn).await?
        };
        let worker = startup::job_worker(
            &settings,
            pool,
            hrdd_survey::jobs::Jobs::new(),
            audit_key(&settings)?,
        )?
        .with_receipts(std::sync::Arc::new(registry), font);
        tracing::info!("job worker running");
        tokio::select! {
            _ = hrdd_survey::jobs::run(worker, settings.job_poll_interval) => {}
            _ = shutdown_signal() => tracing::info!("job worker stopping"),
        }
        anyhow::Ok(())
    })
    .await
}

/// Runs `work` with the database (the configured one or the embedded server, which is
/// stopped afterwards whatever the outcome).
async fn with_database<T>(
    settings: &Settings,
    work: impl AsyncFnOnce(&str) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = startup::prepare_database(settings).await?;
    let result = work(&database.url).await;
    if let Some(pg) = &database.embedded {
        tracing::info!("stopping embedded PostgreSQL");
        pg.stop();
    }
    result
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The audit key, for the one-shot commands that write.
fn audit_key(settings: &Settings) -> anyhow::Result<hrdd_survey::db::audit::AuditKey> {
    let secret = startup::load_secret_key(settings)?;
    Ok(hrdd_survey::db::audit::AuditKey::from_secret(&secret))
}

/// A small pool on `url` and the questionnaire files of `settings`, stored as start-up
/// stores them (a changed file under a stored version is refused).
async fn prepared(
    settings: &Settings,
    url: &str,
) -> anyhow::Result<(hrdd_survey::db::Pool, questionnaires::QuestionnaireRegistry)> {
    let pool = hrdd_survey::db::pool(url, 2)?;
    let mut conn = pool.get().await?;
    let registry =
        questionnaires::prepare(&mut conn, &audit_key(settings)?, &settings.templates_dir).await?;
    drop(conn);
    Ok((pool, registry))
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    with_database(&settings, async |url| {
        let (_, registry) = prepared(&settings, url).await?;
        println!(
            "migrations applied; {} questionnaire version(s) stored",
            registry.all().len()
        );
        Ok(())
    })
    .await
}

async fn user(settings: Settings, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        email,
        role,
        name,
        password_stdin,
    } = command;
    let role = Role::parse(&role).ok_or_else(|| {
        anyhow::anyhow!("unknown role \"{role}\": use admin, procurement, committee or viewer")
    })?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        Some(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
    with_database(&settings, async |url| {
        let pool = hrdd_survey::db::pool(url, 2)?;
        let mut conn = pool.get().await?;
        let (user, one_time) = accounts::create_user(
            &mut conn,
            &audit_key(&settings)?,
            &Actor::System,
            &email,
            &name,
            role,
            password.as_deref(),
        )
        .await
        .map_err(|e| match e {
            hrdd_survey::error::AppError::Validation(f) => anyhow::anyhow!(
                "{}",
                f.iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => anyhow::anyhow!(other),
        })?;
        println!("created {} ({})", user.email, user.role);
        if let Some(p) = one_time {
            println!("one-time password: {p}");
            println!(
                "(shown once; it must be changed at first sign-in at {}/login)",
                settings.public_base_url
            );
        }
        Ok(())
    })
    .await
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    with_database(&settings, async |url| {
        let app = startup::Application::build(settings.clone(), url).await?;
        tracing::info!(port = app.port(), "listening on {}", settings.listen);
        if settings.sender_company == hrdd_survey::config::DEFAULT_SENDER_COMPANY {
            tracing::warn!(
                "HRDD_SENDER_COMPANY is not set: campaign emails name \"{}\" where your company's name belongs; set it to the name suppliers know you by",
                settings.sender_company
            );
        }
        if demo {
            let links = demo::seed(&app.state)
                .await
                .context("seeding the demo data")?;
            println!();
            println!("  HRDD Survey is running at {}", settings.public_base_url);
            println!("  Demo questionnaire link (English):  {}", links.english);
            println!("  Demo questionnaire link (Japanese): {}", links.japanese);
            println!(
                "  Committee demo (illustrative data): {}/staff/flags, /staff/heatmap, /staff/dashboard",
                settings.public_base_url
            );
            if let Some(admin) = &links.admin {
                println!(
                    "  Staff sign-in: {}/login  as {}  with password {}",
                    settings.public_base_url, admin.0, admin.1
                );
                println!("  (demo admin; you must choose a new password at first sign-in)");
            }
            println!("  Stop with Ctrl-C.");
            println!();
        }
        app.run_until_stopped().await?;
        Ok(())
    })
    .await
}

/// At most two glibc malloc arenas. By default glibc gives each thread that allocates
/// under contention an arena of its own (up to eight per core) and keeps what each
/// frees for reuse: the actix workers, the tokio workers and the blocking threads that
/// make receipt PDFs each held one, which was most of the service's peak RSS under the
/// flow benchmark. Called first, while the process has one thread.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

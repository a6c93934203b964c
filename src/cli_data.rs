//! The data commands of `hrdd-survey`: `inherent-risk import`, `rescore --check`,
//! `audit verify` and `seed` (a child of `main.rs`, which parses the arguments).

use super::{audit_key, prepared, with_database};
use anyhow::Context;
use clap::Subcommand;
use hrdd_survey::config::Settings;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::error::AppError;
use hrdd_survey::services::{audit as audit_service, inherent_risk, questionnaires, scoring};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum InherentRiskCommand {
    /// Import a country/sector risk table (CSV: country,sector,value,source,year; see
    /// docs/inherent-risk.md) as the new current version. Stored flags are not changed.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// Print the current table.
    Show,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the whole hash chain and its signed head. Exit status: 0 intact, 1 broken,
    /// 2 could not check (e.g. the database is unreachable).
    Verify,
}

fn failure(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.detail())
}

pub async fn inherent_risk(
    settings: Settings,
    command: InherentRiskCommand,
) -> anyhow::Result<ExitCode> {
    with_database(&settings, async |url| {
        let pool = hrdd_survey::db::pool(url, 2)?;
        let mut conn = pool.get().await?;
        match command {
            InherentRiskCommand::Import { file } => {
                let bytes = std::fs::read(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let name = file.file_name().map(|n| n.to_string_lossy().to_string());
                match inherent_risk::import(
                    &mut conn,
                    &audit_key(&settings)?,
                    &Actor::System,
                    name.as_deref(),
                    &bytes,
                )
                .await
                {
                    Ok(v) => {
                        println!(
                            "imported inherent-risk table version {} ({} rows) from {}",
                            v.version,
                            v.row_count,
                            file.display()
                        );
                        println!("stored flags keep their values; new submissions and re-assessments use this table");
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(AppError::Validation(fields)) => {
                        for f in &fields {
                            eprintln!("{}: {}: {}", file.display(), f.field, f.message);
                        }
                        eprintln!("{} problem(s); nothing imported", fields.len());
                        Ok(ExitCode::FAILURE)
                    }
                    Err(e) => Err(failure(e)),
                }
            }
            InherentRiskCommand::Show => {
                match inherent_risk::current(&mut conn).await.map_err(failure)? {
                    None => println!("{}", inherent_risk::NO_DATA),
                    Some(t) => {
                        println!(
                            "version {} imported {} ({} rows)",
                            t.version.version, t.version.imported_at, t.version.row_count
                        );
                        println!("country,sector,value,source,year");
                        for r in t.rows {
                            println!(
                                "{},{},{},{},{}",
                                r.country, r.sector, r.value, r.source, r.year
                            );
                        }
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
    .await
}

/// `rescore --check`: re-scores every stored submitted response and compares.
pub async fn rescore(settings: Settings, limit: Option<usize>) -> anyhow::Result<ExitCode> {
    with_database(&settings, async |url| {
        let pool = hrdd_survey::db::pool(url, 2)?;
        let mut conn = pool.get().await?;
        let registry = questionnaires::load_registry(&mut conn).await?;
        let started = std::time::Instant::now();
        let report = scoring::rescore_check(&mut conn, &registry, limit)
            .await
            .map_err(failure)?;
        for m in &report.mismatches {
            eprintln!("response {}: {}", m.response_id, m.detail);
        }
        println!(
            "re-scored {} response(s) ({} stored flags) in {:.2?}: {} differ; {} with an unloaded questionnaire version",
            report.responses,
            report.flags,
            started.elapsed(),
            report.mismatches.len(),
            report.unloaded
        );
        Ok(if report.mismatches.is_empty() && report.unloaded == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
    .await
}

/// `audit verify`: 0 intact, 1 broken, 2 could not check.
pub async fn audit(settings: Settings, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify = command;
    let checked = with_database(&settings, async |url| {
        let pool = hrdd_survey::db::pool(url, 2)?;
        let mut conn = pool.get().await?;
        let key = audit_key(&settings)?;
        audit_service::verify(&mut conn, &key)
            .await
            .map_err(failure)
    })
    .await;
    match checked {
        Ok(Ok(n)) => {
            println!("audit chain intact: {n} entries, signed head matches the last entry");
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(broken)) => {
            eprintln!("audit chain BROKEN: {broken}");
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("hrdd-survey: could not check the audit chain: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}

/// `seed`: illustrative bulk data for benchmarks.
pub async fn seed(
    settings: Settings,
    size: hrdd_survey::services::seed::SeedSize,
    questionnaire: Option<String>,
) -> anyhow::Result<ExitCode> {
    with_database(&settings, async |url| {
        let (pool, registry) = prepared(&settings, url).await?;
        let mut conn = pool.get().await?;
        let started = std::time::Instant::now();
        let report = hrdd_survey::services::seed::seed(
            &mut conn,
            &registry,
            questionnaire.as_deref(),
            size,
        )
        .await
        .map_err(failure)?;
        println!(
            "ILLUSTRATIVE data (run {}, questionnaire {}): {} organisations, {} submitted responses, {} answers, {} flags in {:.1?}",
            report.run,
            report.questionnaire,
            report.organisations,
            report.responses,
            report.answers,
            report.flags,
            started.elapsed()
        );
        for (step, took) in &report.steps {
            println!("  {step}: {took:.1?}");
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

//! Questionnaire files → immutable stored versions → the in-memory registry.
//!
//! At start-up every file in the questionnaire folder (`survey_templates/`) is checked;
//! a new `(id, version)` is stored with its source and SHA-256; a stored version whose
//! file now has other content stops start-up (bump `version`). Then every stored
//! version, old ones included, is loaded, because campaigns stay pinned to the version
//! they were launched with. (The table is still `template_versions`, and the API keeps
//! its `template_id` keys, for compatibility.)

use crate::db::audit::AuditKey;
use crate::db::{self, audit, models::TemplateVersion};
use crate::domain::questionnaire::{
    self, loader::content_sha256, LoadError, Questionnaire, TemplateFile,
};
use anyhow::{anyhow, bail, Context};
use chrono::Utc;
use scoped_futures::ScopedFutureExt;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

use super::Conn;

/// One stored questionnaire version, parsed.
#[derive(Debug)]
pub struct LoadedVersion {
    pub id: Uuid,
    pub sha256: String,
    pub questionnaire: Questionnaire,
}

/// Every stored version, by id, and the latest version of each questionnaire.
#[derive(Debug, Default)]
pub struct QuestionnaireRegistry {
    by_id: HashMap<Uuid, Arc<LoadedVersion>>,
    latest: HashMap<String, Uuid>,
}

impl QuestionnaireRegistry {
    pub fn get(&self, version_id: Uuid) -> Option<Arc<LoadedVersion>> {
        self.by_id.get(&version_id).cloned()
    }

    /// The version a campaign is pinned to; an internal error when it is not loaded (a
    /// campaign is only created with a loaded version, and versions are never dropped).
    pub fn pinned(
        &self,
        campaign_id: impl std::fmt::Display,
        version_id: Uuid,
    ) -> Result<Arc<LoadedVersion>, crate::error::AppError> {
        self.get(version_id).ok_or_else(|| {
            crate::error::AppError::Internal(anyhow!(
                "campaign {campaign_id} uses an unloaded questionnaire version"
            ))
        })
    }

    /// A version by questionnaire id and number; the latest when `version` is `None`.
    pub fn find(&self, questionnaire_id: &str, version: Option<u32>) -> Option<Arc<LoadedVersion>> {
        match version {
            None => self
                .latest
                .get(questionnaire_id)
                .and_then(|id| self.get(*id)),
            Some(v) => self
                .by_id
                .values()
                .find(|l| l.questionnaire.id == questionnaire_id && l.questionnaire.version == v)
                .cloned(),
        }
    }

    /// All versions, sorted by questionnaire id then version.
    pub fn all(&self) -> Vec<Arc<LoadedVersion>> {
        let mut all: Vec<_> = self.by_id.values().cloned().collect();
        all.sort_by(|a, b| {
            (&a.questionnaire.id, a.questionnaire.version)
                .cmp(&(&b.questionnaire.id, b.questionnaire.version))
        });
        all
    }
}

/// Reads and checks every file of `dir`; `Err` lists every problem in every file.
pub fn check_dir(dir: &Path) -> Result<Vec<(TemplateFile, Questionnaire)>, Vec<LoadError>> {
    let files = TemplateFile::read_dir(dir).map_err(|e| {
        vec![LoadError {
            file: dir.to_path_buf(),
            line: 0,
            message: format!("cannot read the templates folder: {e}"),
        }]
    })?;
    if files.is_empty() {
        return Err(vec![LoadError {
            file: dir.to_path_buf(),
            line: 0,
            message: "no questionnaire files (*.yaml) found".into(),
        }]);
    }
    let mut errors = Vec::new();
    let mut ok = Vec::new();
    // Several versions of one questionnaire may sit side by side (a campaign pinned to
    // an older one must stay scorable on a fresh install); one (id, version) may not.
    let mut versions: HashMap<(String, u32), std::path::PathBuf> = HashMap::new();
    for file in files {
        match questionnaire::parse(&file) {
            Ok(q) => {
                if let Some(other) = versions.insert((q.id.clone(), q.version), file.path.clone()) {
                    errors.push(LoadError {
                        file: file.path.clone(),
                        line: 1,
                        message: format!(
                            "version {} of questionnaire \"{}\" is also in {}",
                            q.version,
                            q.id,
                            other.display()
                        ),
                    });
                }
                ok.push((file, q));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(errors)
    }
}

/// Stores every version not yet stored; refuses a stored version whose content changed.
pub async fn sync(
    conn: &mut Conn,
    key: &AuditKey,
    files: &[(TemplateFile, Questionnaire)],
) -> anyhow::Result<Vec<String>> {
    let mut stored = Vec::new();
    for (file, q) in files {
        let sha = file.sha256();
        match db::questionnaire_versions::find_template_version(conn, &q.id, q.version as i32).await? {
            Some(existing) if existing.content_sha256 == sha => {}
            Some(_) => bail!(
                "{}: version {} of {} is already stored with other content: bump \"version\" in the file (stored versions never change, campaigns depend on them)",
                file.path.display(),
                q.version,
                q.id
            ),
            None => {
                let row = TemplateVersion {
                    id: Uuid::new_v4(),
                    template_id: q.id.clone(),
                    version: q.version as i32,
                    title: q.title.get(q.default_lang()).to_string(),
                    languages: q.languages.iter().map(|l| l.code().to_string()).collect(),
                    source: file.source.clone(),
                    content_sha256: sha.clone(),
                    created_at: Utc::now(),
                };
                db::transaction::<_, db::DbError, _>(conn, key, |tx| {
                    async move {
                        db::questionnaire_versions::insert_template_version(tx, &row).await?;
                        audit::append(
                            tx,
                            &audit::Actor::System,
                            "template_version.stored",
                            "template_version",
                            row.id,
                            json!({"template": row.template_id, "version": row.version, "sha256": row.content_sha256}),
                        )
                        .await
                    }
                    .scope_boxed()
                })
                .await?;
                stored.push(format!("{}@{}", q.id, q.version));
            }
        }
    }
    Ok(stored)
}

/// Loads every stored version into a registry.
pub async fn load_registry(conn: &mut Conn) -> anyhow::Result<QuestionnaireRegistry> {
    let mut registry = QuestionnaireRegistry::default();
    for row in db::questionnaire_versions::all_template_versions(conn).await? {
        let file = TemplateFile {
            path: format!("<stored {}@{}>", row.template_id, row.version).into(),
            source: row.source,
        };
        if content_sha256(&file.source) != row.content_sha256 {
            return Err(anyhow!(
                "{}: stored content does not match its SHA-256",
                file.path.display()
            ));
        }
        let q = questionnaire::parse(&file).map_err(|errs| {
            anyhow!(
                "a stored questionnaire no longer loads:\n{}",
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
        let latest = registry.latest.entry(q.id.clone()).or_insert(row.id);
        if registry
            .by_id
            .get(latest)
            .is_some_and(|l| l.questionnaire.version < q.version)
        {
            *latest = row.id;
        }
        registry.by_id.insert(
            row.id,
            Arc::new(LoadedVersion {
                id: row.id,
                sha256: row.content_sha256,
                questionnaire: q,
            }),
        );
    }
    Ok(registry)
}

/// Checks the folder, stores new versions and returns the registry.
pub async fn prepare(
    conn: &mut Conn,
    key: &AuditKey,
    dir: &Path,
) -> anyhow::Result<QuestionnaireRegistry> {
    let files = check_dir(dir).map_err(|errs| {
        anyhow!(
            "invalid questionnaire templates (fix them, then start again):\n{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let stored = sync(conn, key, &files)
        .await
        .context("storing questionnaire versions")?;
    if !stored.is_empty() {
        tracing::info!(versions = ?stored, "stored new questionnaire versions");
    }
    load_registry(conn).await
}

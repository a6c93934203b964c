//! Typed settings, read once at start-up from an optional TOML file and the environment
//! (the environment wins). A bad value stops start-up with a message naming the setting
//! and the fix.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The sender company when none is set: the product's name, which reads as if the
/// software asked ("HRDD Survey invites …"); `serve` warns about it.
pub const DEFAULT_SENDER_COMPANY: &str = "HRDD Survey";

/// Everything the service needs to start.
#[derive(Clone)]
pub struct Settings {
    /// Address to listen on (`HRDD_LISTEN`, default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// PostgreSQL to use (`DATABASE_URL`); `None` starts the private embedded cluster.
    pub database_url: Option<String>,
    /// SMTP relay (`SMTP_URL`, e.g. `smtp://relay:25`); `None` writes mail to the
    /// outbox folder under the data directory.
    pub smtp_url: Option<String>,
    /// Base of the links put in emails (`HRDD_PUBLIC_URL`), no trailing slash.
    pub public_base_url: String,
    /// Where the embedded cluster and the mail outbox live (`HRDD_DATA_DIR`, `./data`).
    pub data_dir: PathBuf,
    /// Questionnaire files (`HRDD_TEMPLATES_DIR`, `./survey_templates`).
    pub templates_dir: PathBuf,
    /// `text` or `json` (`HRDD_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Key for signing respondent form tokens (`HRDD_SECRET_KEY`, at least 32
    /// characters); when unset, one is generated once and kept in `data_dir/secret_key`.
    pub secret_key: Option<String>,
    /// Sender of emails (`HRDD_MAIL_FROM`).
    pub mail_from: String,
    /// Earlier secret keys (`HRDD_PREVIOUS_SECRET_KEYS`, separated by commas or spaces),
    /// kept after rotating `HRDD_SECRET_KEY` so reminders can still recompute the links
    /// issued under them (`auth::links`).
    pub previous_secret_keys: Vec<String>,
    /// Key id new respondent links are derived with (`HRDD_LINK_KEY_ID`, default 1).
    pub link_key_id: i32,
    /// How often the job worker looks for due jobs when nobody wakes it
    /// (`HRDD_JOB_POLL_SECONDS`, default 5).
    pub job_poll_interval: std::time::Duration,
    /// Most evidence one response may hold, all files together, in MB
    /// (`HRDD_EVIDENCE_QUOTA_MB`, default 50).
    pub evidence_quota_mb: u64,
    /// The company named in campaign emails (`HRDD_SENDER_COMPANY`, default
    /// [`DEFAULT_SENDER_COMPANY`]).
    pub sender_company: String,
    /// The font of receipt PDFs (`HRDD_PDF_FONT`): an OpenType font or collection with
    /// Japanese and Vietnamese glyphs; default Debian's `fonts-noto-cjk`
    /// (`receipt_pdf::font::DEFAULT_FONT`). Checked at start-up.
    pub pdf_font: PathBuf,
    /// The fonts receipt PDFs fall back to, in order, for characters `pdf_font` lacks
    /// (`HRDD_PDF_FALLBACK_FONTS`, `:`-separated files); default Debian's
    /// `fonts-noto-core` and `fonts-noto-color-emoji` files for the scripts of
    /// `receipt_pdf::fallback::SCRIPTS`. Missing ones are logged at start-up, not fatal.
    pub pdf_fallback_fonts: Vec<PathBuf>,
    /// The clamd socket evidence uploads are scanned through (`HRDD_CLAMD_SOCKET`, a
    /// Unix socket path); `None`: no scan.
    pub clamd_socket: Option<PathBuf>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // URLs can hold passwords: never print them.
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("public_base_url", &self.public_base_url)
            .field("data_dir", &self.data_dir)
            .field("templates_dir", &self.templates_dir)
            .field("log_format", &self.log_format)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("mail_from", &self.mail_from)
            .field("previous_secret_keys", &self.previous_secret_keys.len())
            .field("link_key_id", &self.link_key_id)
            .field("job_poll_interval", &self.job_poll_interval)
            .field("evidence_quota_mb", &self.evidence_quota_mb)
            .field("pdf_font", &self.pdf_font)
            .field("pdf_fallback_fonts", &self.pdf_fallback_fonts)
            .field("clamd_socket", &self.clamd_socket)
            .finish()
    }
}

/// A setting that cannot be used, with what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {problem}. Fix: {fix}")]
pub struct ConfigError {
    pub setting: String,
    pub problem: String,
    pub fix: String,
}

fn bad(setting: &str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_string(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// The optional config file: the same settings in lowercase.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    smtp_url: Option<String>,
    public_base_url: Option<String>,
    data_dir: Option<PathBuf>,
    templates_dir: Option<PathBuf>,
    log_format: Option<String>,
    secret_key: Option<String>,
    mail_from: Option<String>,
    previous_secret_keys: Option<String>,
    link_key_id: Option<String>,
    job_poll_seconds: Option<String>,
    evidence_quota_mb: Option<u64>,
    sender_company: Option<String>,
    pdf_font: Option<PathBuf>,
    pdf_fallback_fonts: Option<Vec<PathBuf>>,
    clamd_socket: Option<PathBuf>,
}

impl Settings {
    /// Reads the config file (if any) and the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::from_sources(config_file, |k| std::env::var(k).ok())
    }

    /// Reads the config file (if any) and the variables `env` returns.
    pub fn from_sources(
        config_file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    bad(
                        "--config",
                        format!("cannot read {}: {e}", path.display()),
                        "point --config / HRDD_CONFIG at a readable TOML file",
                    )
                })?;
                toml::from_str::<FileSettings>(&text).map_err(|e| {
                    bad(
                        "--config",
                        format!("{}: {}", path.display(), e.message()),
                        "see README.md, section Configuration, for the keys",
                    )
                })?
            }
            None => FileSettings::default(),
        };
        let pick = |var: &str, from_file: Option<String>| {
            env(var).filter(|v| !v.trim().is_empty()).or(from_file)
        };

        let listen_text =
            pick("HRDD_LISTEN", file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            bad(
                "HRDD_LISTEN",
                format!("\"{listen_text}\" is not an address with a port"),
                "use the form 127.0.0.1:8080 or 0.0.0.0:8080",
            )
        })?;

        let database_url = pick("DATABASE_URL", file.database_url);
        if let Some(url) = &database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(bad("DATABASE_URL", "it must start with postgres:// or postgresql://", "use e.g. postgres://user:password@host:5432/hrdd, or unset it to use the embedded PostgreSQL"));
            }
        }

        let smtp_url = pick("SMTP_URL", file.smtp_url);
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(bad(
                    "SMTP_URL",
                    "it must start with smtp:// or smtps://",
                    "use e.g. smtp://mailhog:1025, or unset it to write mail to the outbox folder",
                ));
            }
        }

        let public_base_url = pick("HRDD_PUBLIC_URL", file.public_base_url)
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(bad(
                "HRDD_PUBLIC_URL",
                format!("\"{public_base_url}\" is not an http(s) URL"),
                "use the address people open, e.g. https://survey.example.com",
            ));
        }

        let data_dir = env("HRDD_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let templates_dir = env("HRDD_TEMPLATES_DIR")
            .map(PathBuf::from)
            .or(file.templates_dir)
            .unwrap_or_else(|| PathBuf::from("survey_templates"));

        let log_format = match pick("HRDD_LOG_FORMAT", file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "HRDD_LOG_FORMAT",
                    format!("\"{other}\" is not a log format"),
                    "use text or json",
                ))
            }
        };

        let secret_key = pick("HRDD_SECRET_KEY", file.secret_key);
        if secret_key.as_ref().is_some_and(|k| k.len() < 32) {
            return Err(bad("HRDD_SECRET_KEY", "it is shorter than 32 characters", "use a long random value, e.g. the output of `openssl rand -hex 32`, or unset it to have one generated in the data folder"));
        }
        let mail_from = pick("HRDD_MAIL_FROM", file.mail_from);
        if let Some(mail_from) = mail_from
            .as_ref()
            .filter(|m| m.parse::<lettre::message::Mailbox>().is_err())
        {
            return Err(bad(
                "HRDD_MAIL_FROM",
                format!("\"{mail_from}\" is not an email address"),
                "use e.g. \"HRDD Survey <hrdd@example.com>\"",
            ));
        }

        let previous_secret_keys: Vec<String> =
            pick("HRDD_PREVIOUS_SECRET_KEYS", file.previous_secret_keys)
                .unwrap_or_default()
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect();
        if previous_secret_keys.iter().any(|k| k.len() < 32) {
            return Err(bad(
                "HRDD_PREVIOUS_SECRET_KEYS",
                "a key in the list is shorter than 32 characters",
                "list the earlier values of HRDD_SECRET_KEY exactly, separated by commas",
            ));
        }
        let link_key_id = match pick("HRDD_LINK_KEY_ID", file.link_key_id) {
            None => 1,
            Some(text) => text
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    bad(
                        "HRDD_LINK_KEY_ID",
                        format!("\"{text}\" is not a positive whole number"),
                        "use 1, and a higher number each time new links should use a new key",
                    )
                })?,
        };
        let job_poll_interval = match pick("HRDD_JOB_POLL_SECONDS", file.job_poll_seconds) {
            None => std::time::Duration::from_secs(5),
            Some(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| *s >= 0.05 && *s <= 3600.0)
                .map(std::time::Duration::from_secs_f64)
                .ok_or_else(|| {
                    bad(
                        "HRDD_JOB_POLL_SECONDS",
                        format!("\"{text}\" is not a number of seconds between 0.05 and 3600"),
                        "use e.g. 5",
                    )
                })?,
        };
        let evidence_quota_mb =
            match env("HRDD_EVIDENCE_QUOTA_MB").filter(|v| !v.trim().is_empty()) {
                Some(text) => text.trim().parse::<u64>().ok(),
                None => Some(file.evidence_quota_mb.unwrap_or(50)),
            }
            .filter(|mb| (1..=100_000).contains(mb))
            .ok_or_else(|| {
                bad(
                    "HRDD_EVIDENCE_QUOTA_MB",
                    "it is not a whole number of megabytes from 1 to 100000",
                    "use e.g. 50 (the default)",
                )
            })?;

        let sender_company = pick("HRDD_SENDER_COMPANY", file.sender_company)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| DEFAULT_SENDER_COMPANY.into());
        if sender_company.chars().count() > 200 || sender_company.chars().any(char::is_control) {
            return Err(bad(
                "HRDD_SENDER_COMPANY",
                "it is longer than 200 characters or has control characters",
                "use the company name as it should appear in emails, e.g. \"Acme Apparel\"",
            ));
        }

        // Unset: the sender company's name on the no-reply address, so that a supplier
        // sees who writes ("Acme Apparel"), not the platform's name.
        let mail_from = mail_from.unwrap_or_else(|| {
            lettre::message::Mailbox::new(
                Some(sender_company.clone()),
                "no-reply@hrdd-survey.invalid"
                    .parse()
                    .expect("a valid address"),
            )
            .to_string()
        });

        let pdf_font = env("HRDD_PDF_FONT")
            .filter(|s| !s.trim().is_empty())
            .map(PathBuf::from)
            .or(file.pdf_font)
            .unwrap_or_else(|| PathBuf::from(crate::receipt_pdf::font::DEFAULT_FONT));
        let pdf_fallback_fonts = env("HRDD_PDF_FALLBACK_FONTS")
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.split(':')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .or(file.pdf_fallback_fonts)
            .unwrap_or_else(crate::receipt_pdf::fallback::default_paths);
        let clamd_socket = env("HRDD_CLAMD_SOCKET")
            .filter(|s| !s.trim().is_empty())
            .map(PathBuf::from)
            .or(file.clamd_socket);

        Ok(Settings {
            listen,
            database_url,
            smtp_url,
            public_base_url,
            data_dir,
            templates_dir,
            log_format,
            secret_key,
            mail_from,
            previous_secret_keys,
            link_key_id,
            job_poll_interval,
            evidence_quota_mb,
            sender_company,
            pdf_font,
            pdf_fallback_fonts,
            clamd_socket,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_sources(None, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work() {
        let s = with(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.database_url.is_none());
        assert_eq!(s.public_base_url, "http://127.0.0.1:8080");
        assert_eq!(s.link_key_id, 1);
        assert!(s.previous_secret_keys.is_empty());
        assert_eq!(s.job_poll_interval, std::time::Duration::from_secs(5));
        assert_eq!(s.mail_from, "HRDD Survey <no-reply@hrdd-survey.invalid>");
    }

    #[test]
    fn mail_comes_from_the_sender_company_unless_set() {
        let s = with(&[("HRDD_SENDER_COMPANY", "Acme Apparel, Inc.")]).unwrap();
        assert_eq!(
            s.mail_from,
            "\"Acme Apparel, Inc.\" <no-reply@hrdd-survey.invalid>"
        );
        assert!(s.mail_from.parse::<lettre::message::Mailbox>().is_ok());
        let s = with(&[
            ("HRDD_SENDER_COMPANY", "Acme"),
            ("HRDD_MAIL_FROM", "HRDD <hrdd@acme.example>"),
        ])
        .unwrap();
        assert_eq!(s.mail_from, "HRDD <hrdd@acme.example>");
    }

    #[test]
    fn link_keys_and_previous_secrets_are_read() {
        let old = "o".repeat(32);
        let older = "p".repeat(40);
        let s = with(&[
            ("HRDD_LINK_KEY_ID", "3"),
            ("HRDD_PREVIOUS_SECRET_KEYS", &format!("{old}, {older}")),
            ("HRDD_JOB_POLL_SECONDS", "0.2"),
        ])
        .unwrap();
        assert_eq!(s.link_key_id, 3);
        assert_eq!(s.previous_secret_keys, [old, older]);
        assert_eq!(s.job_poll_interval, std::time::Duration::from_millis(200));
        assert_eq!(s.evidence_quota_mb, 50);
    }

    #[test]
    fn bad_values_name_the_setting_and_the_fix() {
        let e = with(&[("HRDD_LISTEN", "localhost")]).unwrap_err();
        assert_eq!(e.setting, "HRDD_LISTEN");
        assert!(e.to_string().contains("Fix: use the form"));
        let e = with(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.setting, "DATABASE_URL");
        let e = with(&[("HRDD_LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(e.setting, "HRDD_LOG_FORMAT");
        let e = with(&[("HRDD_LINK_KEY_ID", "0")]).unwrap_err();
        assert_eq!(e.setting, "HRDD_LINK_KEY_ID");
        let e = with(&[("HRDD_PREVIOUS_SECRET_KEYS", "short")]).unwrap_err();
        assert_eq!(e.setting, "HRDD_PREVIOUS_SECRET_KEYS");
        let e = with(&[("HRDD_JOB_POLL_SECONDS", "never")]).unwrap_err();
        assert_eq!(e.setting, "HRDD_JOB_POLL_SECONDS");
        for quota in ["0", "-1", "lots"] {
            let e = with(&[("HRDD_EVIDENCE_QUOTA_MB", quota)]).unwrap_err();
            assert_eq!(e.setting, "HRDD_EVIDENCE_QUOTA_MB");
        }
    }

    #[test]
    fn receipt_fallback_fonts_default_to_debians_noto_files_unless_listed() {
        let s = with(&[]).unwrap();
        assert_eq!(
            s.pdf_fallback_fonts,
            crate::receipt_pdf::fallback::default_paths()
        );
        assert!(s.pdf_fallback_fonts[0].ends_with("NotoSansThai-Regular.ttf"));
        let s = with(&[("HRDD_PDF_FALLBACK_FONTS", "/f/a.ttf: /f/b.otf::")]).unwrap();
        assert_eq!(
            s.pdf_fallback_fonts,
            [PathBuf::from("/f/a.ttf"), PathBuf::from("/f/b.otf")]
        );
    }

    #[test]
    fn file_is_read_and_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hrdd.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\npublic_base_url = \"https://x.example/\"\n",
        )
        .unwrap();
        let s = Settings::from_sources(Some(&path), |k| {
            (k == "HRDD_LISTEN").then(|| "127.0.0.1:9100".to_string())
        })
        .unwrap();
        assert_eq!(s.listen.port(), 9100);
        assert_eq!(s.public_base_url, "https://x.example");
        std::fs::write(&path, "colour = \"red\"\n").unwrap();
        assert!(Settings::from_sources(Some(&path), |_| None).is_err());
    }
}

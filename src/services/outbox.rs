//! The local outbox (`SMTP_URL` unset: messages are `.eml` files in
//! `HRDD_DATA_DIR/outbox`), read back for the staff outbox viewer so a newcomer can read
//! the invitation and follow its link.
//!
//! A file is named by the caller, so the name is checked before it touches the file
//! system: exactly `<uuid>.eml` as the transport writes them (no separator, no `..`),
//! and it must be a regular file, not a symbolic link.

use crate::email::eml::{self, ParsedEmail};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// Files listed at most.
pub const LIST_LIMIT: usize = 500;

/// A message in the list.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub written: DateTime<Utc>,
    pub to: String,
    pub subject: String,
}

/// The outbox folder under `data_dir`.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("outbox")
}

/// Whether `name` is a file name the transport writes: `<uuid>.eml`.
pub fn valid_name(name: &str) -> bool {
    name.strip_suffix(".eml")
        .is_some_and(|stem| stem.len() == 36 && uuid::Uuid::parse_str(stem).is_ok())
}

/// The newest messages first (at most [`LIST_LIMIT`]), and how many the folder holds; an
/// absent folder is empty.
pub async fn list(dir: &Path) -> std::io::Result<(Vec<Entry>, usize)> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut files: Vec<(std::time::SystemTime, String)> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    let meta = std::fs::symlink_metadata(e.path()).ok()?;
                    if !(valid_name(&name) && meta.is_file()) {
                        return None;
                    }
                    Some((meta.modified().ok()?, name))
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        files.sort_by(|a, b| b.cmp(a));
        let total = files.len();
        files.truncate(LIST_LIMIT);
        let listed = files
            .into_iter()
            .map(|(modified, name)| {
                let head = read_head(&dir.join(&name));
                let parsed = eml::parse(&head);
                Entry {
                    to: parsed.header("To").unwrap_or_default().to_string(),
                    subject: parsed.header("Subject").unwrap_or_default().to_string(),
                    written: modified.into(),
                    name,
                }
            })
            .collect();
        Ok((listed, total))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The start of a file, enough for its headers.
fn read_head(path: &Path) -> String {
    use std::io::Read;
    let mut buf = vec![0u8; 16 * 1024];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf.truncate(n);
    let text = String::from_utf8_lossy(&buf).into_owned();
    match text.replace("\r\n", "\n").split_once("\n\n") {
        Some((head, _)) => format!("{head}\n\n"),
        None => text,
    }
}

/// Message `name`, or `None` when the name is not a valid outbox name or no such
/// regular file exists.
pub async fn read(dir: &Path, name: &str) -> std::io::Result<Option<ParsedEmail>> {
    if !valid_name(name) {
        return Ok(None);
    }
    let path = dir.join(name);
    match tokio::fs::symlink_metadata(&path).await {
        Ok(meta) if meta.is_file() && meta.len() <= 32 * 1024 * 1024 => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let bytes = tokio::fs::read(&path).await?;
    Ok(Some(eml::parse(&String::from_utf8_lossy(&bytes))))
}

/// Text split into plain runs and links to `base` (our own pages, such as a respondent
/// link), so the viewer can make only those clickable.
pub fn link_runs(text: &str, base: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    let prefix = format!("{}/", base.trim_end_matches('/'));
    while let Some(start) = rest.find(&prefix) {
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .map(|e| start + e)
            .unwrap_or(rest.len());
        if start > 0 {
            out.push((rest[..start].to_string(), false));
        }
        out.push((rest[start..end].to_string(), true));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push((rest.to_string(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transport_names_are_accepted() {
        assert!(valid_name("67e55044-10b1-426f-9247-bb680e5fe0c8.eml"));
        for bad in [
            "../secret_key",
            "..%2Fsecret_key",
            "67e55044-10b1-426f-9247-bb680e5fe0c8.eml/..",
            "/etc/passwd",
            "x.eml",
            "67e55044-10b1-426f-9247-bb680e5fe0c8.txt",
            "../67e55044-10b1-426f-9247-bb680e5fe0c8.eml",
            "",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn links_to_our_own_pages_are_found() {
        let runs = link_runs(
            "Open\nhttp://h:1/r/abc\nnot https://evil.example/x",
            "http://h:1",
        );
        assert_eq!(
            runs,
            vec![
                ("Open\n".to_string(), false),
                ("http://h:1/r/abc".to_string(), true),
                ("\nnot https://evil.example/x".to_string(), false),
            ]
        );
    }
}

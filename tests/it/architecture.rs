//! The module rules of ARCHITECTURE.md, checked on the source: SQL only in `src/db/`,
//! `auth/` independent of `routes/`, no module over 600 lines, and stored states as
//! enums rather than string literals in services.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `src/`-relative path with forward slashes.
fn relative(path: &Path) -> String {
    path.strip_prefix(src())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// Lines of a file that are code (not `//` comments).
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

#[test]
fn diesel_is_used_only_under_src_db() {
    // `error.rs` maps diesel's and the pool's errors to HTTP statuses.
    let allowed = |p: &str| p.starts_with("db/") || p == "error.rs";
    let mut found = Vec::new();
    for file in rust_files(&src()) {
        let rel = relative(&file);
        if allowed(&rel) {
            continue;
        }
        for (n, line) in code_lines(&file) {
            if line.contains("diesel::") || line.contains("diesel_async::") {
                found.push(format!("src/{rel}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL belongs in src/db/:\n{}",
        found.join("\n")
    );
}

#[test]
fn auth_does_not_import_routes() {
    let mut found = Vec::new();
    for file in rust_files(&src().join("auth")) {
        for (n, line) in code_lines(&file) {
            if line.contains("crate::routes") {
                found.push(format!("src/{}:{n}", relative(&file)));
            }
        }
    }
    assert!(found.is_empty(), "auth/ imports routes/: {found:?}");
}

#[test]
fn no_module_is_over_600_lines() {
    let mut found = Vec::new();
    for file in rust_files(&src()) {
        let rel = relative(&file);
        // The diesel table list grows by one block per table and holds no logic.
        if rel == "db/schema.rs" {
            continue;
        }
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        if lines > 600 {
            found.push(format!("src/{rel}: {lines} lines"));
        }
    }
    assert!(found.is_empty(), "split these modules: {found:?}");
}

#[test]
fn services_compare_no_stored_state_as_a_string() {
    let states = [
        "\"open\"",
        "\"closed\"",
        "\"submitted\"",
        "\"draft\"",
        "\"admin\"",
        "\"critical\"",
        "\"supplier\"",
        "\"production_base\"",
    ];
    let mut found = Vec::new();
    for dir in ["services", "db", "auth"] {
        for file in rust_files(&src().join(dir)) {
            let rel = relative(&file);
            if rel == "db/schema.rs" {
                continue;
            }
            for (n, line) in code_lines(&file) {
                if states.iter().any(|s| line.contains(s)) && !line.contains("CASE flags.band") {
                    found.push(format!("src/{rel}:{n}: {}", line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "use the domain enums (domain::states, domain::flag, domain::role, risk::Band):\n{}",
        found.join("\n")
    );
}

//! The routes registered in `src/routes/`, read from the source so that the access test
//! can compare them with the permission table: every `#[get("…")]`-style attribute in
//! every file below the folder, under the prefix of each `web::scope("…")` whose
//! `.configure(module::configure)` mounts the file's module (or a module above it).
//!
//! The scan fails closed: a route or scope written in a form it does not understand
//! (an attribute with more arguments, `web::resource`, `.route(…)`, a scope that does
//! not `.configure` a module) is an error, not a route silently left out.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `(METHOD, full path pattern)` of every route under `root`.
pub fn scan(root: &Path) -> Result<BTreeSet<(String, String)>, String> {
    let route = Regex::new(r#"#\[(get|post|put|patch|delete|head)\("([^"]+)"\)\]"#).unwrap();
    let any_route =
        Regex::new(r"#\[\s*(get|post|put|patch|delete|head|options|trace|connect|route)\s*\(")
            .unwrap();
    let scope =
        Regex::new(r#"web::scope\(\s*"([^"]*)"\s*\)\s*\.configure\(\s*([\w:]+)::configure\s*\)"#)
            .unwrap();
    let mut files = Vec::new();
    collect(root, &mut files).map_err(|e| format!("{}: {e}", root.display()))?;
    files.sort();
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut prefixes: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for path in &files {
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        let module = module_of(path.strip_prefix(root).unwrap());
        for bad in ["web::resource(", ".route(\"", "web::get()", "web::post()"] {
            if text.contains(bad) {
                return Err(format!(
                    "{name}: `{bad}` registers a route the scan cannot see; use a #[get(\"…\")]-style attribute"
                ));
            }
        }
        let scopes: Vec<_> = scope.captures_iter(&text).collect();
        if scopes.len() != text.matches("web::scope(").count() {
            return Err(format!(
                "{name}: a web::scope that is not `web::scope(\"…\").configure(module::configure)`"
            ));
        }
        for cap in scopes {
            let target = resolve(&module, &cap[2]).ok_or(format!(
                "{name}: cannot resolve the module `{}` of a scope",
                &cap[2]
            ))?;
            if prefixes
                .insert(target.clone(), cap[1].to_string())
                .is_some()
            {
                return Err(format!("{name}: module {target:?} is mounted twice"));
            }
        }
        if route.captures_iter(&text).count() != any_route.find_iter(&text).count() {
            return Err(format!(
                "{name}: a route attribute the scan cannot read; write it as #[get(\"/path\")]"
            ));
        }
        modules.insert(module, text);
    }
    let mut found = BTreeSet::new();
    for (module, text) in &modules {
        let prefix: String = (0..=module.len())
            .filter_map(|n| prefixes.get(&module[..n]))
            .map(String::as_str)
            .collect();
        for cap in route.captures_iter(text) {
            found.insert((cap[1].to_uppercase(), format!("{prefix}{}", &cap[2])));
        }
    }
    if let Some(unknown) = prefixes.keys().find(|m| !modules.contains_key(*m)) {
        return Err(format!("a scope mounts {unknown:?}, which has no file"));
    }
    Ok(found)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `api/mod.rs` → `["api"]`, `api/types.rs` → `["api", "types"]`, `mod.rs` → `[]`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// A module path as written in `module`'s file, relative to the routes folder.
fn resolve(module: &[String], path: &str) -> Option<Vec<String>> {
    let mut parts = path.split("::").peekable();
    let mut out = match parts.peek() {
        Some(&"crate") => {
            parts.next();
            (parts.next()? == "routes").then_some(())?;
            Vec::new()
        }
        _ => module.to_vec(),
    };
    for part in parts {
        match part {
            "self" => {}
            "super" => {
                out.pop()?;
            }
            name => out.push(name.to_string()),
        }
    }
    Some(out)
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn set(routes: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    routes
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn the_scan_finds_routes_in_subfolders_under_their_scopes() {
    let dir = tree(&[
        (
            "mod.rs",
            r#"pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").configure(api::configure))
        .configure(staff::configure);
}
#[get("/")]
async fn home() {}"#,
        ),
        (
            "api/mod.rs",
            r#"pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(organisations::configure)
        .service(web::scope("/deep").configure(self::inner::configure));
}"#,
        ),
        (
            "api/organisations.rs",
            "#[post(\"/organisations\")]\nasync fn create() {}\n#[get(\"/organisations/{id}\")]\nasync fn get() {}",
        ),
        ("api/inner/mod.rs", "#[get(\"/x\")]\nasync fn x() {}"),
        ("api/inner/more.rs", "#[delete(\"/y/{id}\")]\nasync fn y() {}"),
        ("staff/users.rs", "#[post(\"/staff/users\")]\nasync fn add() {}"),
        ("staff/mod.rs", "// no routes here"),
        ("notes.txt", "#[get(\"/not-rust\")]"),
    ]);
    assert_eq!(
        scan(dir.path()).unwrap(),
        set(&[
            ("GET", "/"),
            ("POST", "/api/v1/organisations"),
            ("GET", "/api/v1/organisations/{id}"),
            ("GET", "/api/v1/deep/x"),
            ("DELETE", "/api/v1/deep/y/{id}"),
            ("POST", "/staff/users"),
        ])
    );
}

#[test]
fn the_scan_refuses_routes_it_cannot_read() {
    for (what, file) in [
        (
            "attribute with more arguments",
            "#[get(\"/a\", wrap = \"Logger::default()\")]\nasync fn a() {}",
        ),
        (
            "scope with inline services",
            "cfg.service(web::scope(\"/x\").service(a));",
        ),
        ("resource", "cfg.service(web::resource(\"/a\").to(a));"),
        ("route", "cfg.route(\"/a\", web::get().to(a));"),
        (
            "scope of a module without a file",
            "cfg.service(web::scope(\"/x\").configure(gone::configure));",
        ),
    ] {
        let dir = tree(&[("mod.rs", file)]);
        assert!(scan(dir.path()).is_err(), "{what}: {:?}", scan(dir.path()));
    }
}

/// Every `.rs` file below `src/routes/` with its text, by path relative to it.
fn route_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files = Vec::new();
    collect(&root, &mut files).unwrap();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.strip_prefix(&root).unwrap().display().to_string(), text)
        })
        .collect()
}

/// Handlers call services; only services call `db` (routes → services → db).
#[test]
fn handlers_reach_the_database_only_through_services() {
    let mut offending = Vec::new();
    for (name, text) in route_sources() {
        for (n, line) in text.lines().enumerate() {
            if line.contains("crate::db") {
                offending.push(format!("routes/{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}

/// API bodies are typed structs (`routes/api/types.rs`), not `json!` values.
#[test]
fn api_bodies_are_typed() {
    let untyped: Vec<String> = route_sources()
        .into_iter()
        .filter(|(name, text)| name.starts_with("api") && text.contains("json!"))
        .map(|(name, _)| name)
        .collect();
    assert!(untyped.is_empty(), "json! in {untyped:?}");
}

//! The private PostgreSQL cluster: start, connect, stop, and reuse of a running cluster.
//!
//! These start real clusters from the machine's PostgreSQL binaries (as the `postgres`
//! user when the tests run as root), each in its own temporary directory.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hrdd_survey::embedded_pg::EmbeddedPostgres;
use std::path::PathBuf;
use std::time::Duration;

#[derive(diesel::QueryableByName)]
struct One {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    one: i32,
}

/// Whether `url` accepts a connection and answers a query.
async fn answers(url: &str) -> bool {
    let conn = tokio::time::timeout(Duration::from_secs(10), AsyncPgConnection::establish(url));
    let Ok(Ok(mut conn)) = conn.await else {
        return false;
    };
    matches!(
        diesel::sql_query("SELECT 1 AS one")
            .get_result::<One>(&mut conn)
            .await,
        Ok(One { one: 1 })
    )
}

/// A fresh temporary directory, removed (with the cluster's files) at the end of the test.
fn scratch(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().unwrap()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test]
async fn an_ephemeral_cluster_starts_answers_and_stops() {
    let dir = scratch("hrdd-it-ephemeral-");
    let path: PathBuf = dir.path().to_path_buf();
    let pg = blocking(move || EmbeddedPostgres::start_ephemeral(&path))
        .await
        .expect("the embedded cluster starts");
    assert_ne!(pg.port(), 0);
    // The service's way in is the cluster's Unix socket (its folder, percent-encoded
    // as the URL's host); loopback TCP on the same port works too.
    let url = pg.url("postgres");
    assert!(
        url.contains(&format!("%2Fpostgres%2Frun:{}/", pg.port())),
        "the URL names the cluster's socket folder and port: {url}"
    );
    let tcp = pg.tcp_url("postgres");
    assert!(
        tcp.contains(&format!("@127.0.0.1:{}/", pg.port())),
        "the TCP URL names the cluster's port: {tcp}"
    );
    assert!(answers(&url).await, "a connection to {url} works");
    assert!(answers(&tcp).await, "a connection to {tcp} works");

    let pg = blocking(move || {
        pg.stop();
        pg
    })
    .await;
    assert!(
        !answers(&url).await && !answers(&tcp).await,
        "the cluster no longer answers after stop"
    );
    drop(pg);
}

#[tokio::test]
async fn starting_twice_on_one_directory_reuses_the_running_cluster() {
    let dir = scratch("hrdd-it-reuse-");
    let path: PathBuf = dir.path().to_path_buf();
    let p1 = path.clone();
    let first = blocking(move || EmbeddedPostgres::start(&p1))
        .await
        .expect("the first start works");
    let p2 = path.clone();
    let second = blocking(move || EmbeddedPostgres::start(&p2))
        .await
        .expect("the second start works");
    assert_eq!(
        first.port(),
        second.port(),
        "the second start finds the running cluster instead of starting another"
    );
    let url = second.url("postgres");
    assert!(answers(&url).await);

    // Only the process that started the cluster stops it.
    let second = blocking(move || {
        second.stop();
        second
    })
    .await;
    assert!(
        answers(&url).await,
        "stop() on the reusing handle leaves the cluster running"
    );
    let first = blocking(move || {
        first.stop();
        first
    })
    .await;
    assert!(
        !answers(&url).await,
        "stop() on the owner stops the cluster"
    );
    drop((first, second));
}

/// Runs `program args` as the unprivileged `nobody` user; (success, stdout + stderr).
fn as_nobody(program: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = std::process::Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(program)
        .args(args)
        .env_remove("PGPASSWORD")
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .current_dir("/")
        .output()
        .expect("runuser runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn root_or_skip(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        true
    } else {
        eprintln!(
            "SKIPPED {test}: it needs root (to run commands as another local user with runuser)"
        );
        false
    }
}

#[tokio::test]
async fn another_local_user_cannot_connect_to_the_cluster_or_read_its_files() {
    if !root_or_skip("another_local_user_cannot_connect_to_the_cluster_or_read_its_files") {
        return;
    }
    let dir = scratch("hrdd-it-private-");
    let path: PathBuf = dir.path().to_path_buf();
    let pg = blocking(move || EmbeddedPostgres::start_ephemeral(&path))
        .await
        .expect("the embedded cluster starts");
    let url = pg.url("postgres");
    assert!(
        answers(&url).await,
        "the service (with the password) connects"
    );
    let port = pg.port().to_string();
    let psql = EmbeddedPostgres::find_bindir().unwrap().join("psql");
    let password = std::fs::read_to_string(dir.path().join("postgres-password")).unwrap();
    let socket_dir = dir.path().join("postgres/run");
    let socket_dir = socket_dir.to_str().unwrap();
    let query = |host: &str| {
        vec![
            "-w",
            "-h",
            host,
            "-p",
            &port,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-tAc",
            "SELECT 'in' || 'side'",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let run = |host: &str, env: &[(&str, &str)]| {
        let args = query(host);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        as_nobody(&psql, &args, env)
    };

    // Without the password: refused over TCP, and the socket's folder is closed.
    let (ok, out) = run("127.0.0.1", &[]);
    assert!(
        !ok && !out.contains("inside"),
        "TCP without a password: {out}"
    );
    assert!(
        out.contains("password"),
        "refused for want of a password: {out}"
    );
    let (ok, out) = run("127.0.0.1", &[("PGPASSWORD", "guess")]);
    assert!(
        !ok && out.contains("password authentication failed"),
        "{out}"
    );
    let (ok, out) = run(socket_dir, &[]);
    assert!(!ok && !out.contains("inside"), "socket: {out}");
    assert!(
        out.contains("Permission denied"),
        "socket folder closed: {out}"
    );
    // The control: the same command with the password works, so the refusals above are
    // the authentication's doing.
    let (ok, out) = run("127.0.0.1", &[("PGPASSWORD", password.trim())]);
    assert!(ok && out.contains("inside"), "with the password: {out}");

    // Files: the password, the data folder's contents, the cluster.
    let cat = std::path::Path::new("/bin/cat");
    let ls = std::path::Path::new("/bin/ls");
    for file in ["postgres-password", "postgres/cluster/PG_VERSION"] {
        let f = dir.path().join(file);
        let (ok, out) = as_nobody(cat, &[f.to_str().unwrap()], &[]);
        assert!(!ok, "nobody read {file}: {out}");
    }
    for folder in ["", "postgres", "postgres/cluster", "postgres/run"] {
        let f = dir.path().join(folder);
        let (ok, out) = as_nobody(ls, &[f.to_str().unwrap()], &[]);
        assert!(!ok, "nobody listed {}: {out}", f.display());
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.path().join("postgres-password")), 0o600);
    assert_eq!(mode(&dir.path().join("postgres/cluster")), 0o700);
    assert_eq!(mode(&dir.path().join("postgres/run")), 0o700);

    let pg = blocking(move || {
        pg.stop();
        pg
    })
    .await;
    drop(pg);
}

#[tokio::test]
async fn a_cluster_made_with_trust_is_switched_to_passwords() {
    if !root_or_skip("a_cluster_made_with_trust_is_switched_to_passwords") {
        return;
    }
    // An older version's cluster: trust everywhere, no password file.
    let dir = scratch("hrdd-it-upgrade-");
    let path: PathBuf = dir.path().to_path_buf();
    let first = blocking(move || EmbeddedPostgres::start(&path))
        .await
        .unwrap();
    let cluster = dir.path().join("postgres/cluster");
    let first = blocking(move || {
        first.stop();
        first
    })
    .await;
    drop(first);
    std::fs::write(
        cluster.join("pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 trust\n",
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("postgres-password")).unwrap();

    let path: PathBuf = dir.path().to_path_buf();
    let pg = blocking(move || EmbeddedPostgres::start(&path))
        .await
        .expect("the old cluster starts, switched to passwords");
    assert!(answers(&pg.url("postgres")).await);
    let without = format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port());
    assert!(!answers(&without).await, "no way in without the password");
    let hba = std::fs::read_to_string(cluster.join("pg_hba.conf")).unwrap();
    assert!(!hba.contains("trust"), "{hba}");
    let pg = blocking(move || {
        pg.stop();
        pg
    })
    .await;
    drop(pg);
}

#[tokio::test]
async fn outbox_files_are_readable_by_the_services_user_only() {
    if !root_or_skip("outbox_files_are_readable_by_the_services_user_only") {
        return;
    }
    let data = scratch("hrdd-it-outbox-");
    let app = crate::helpers::TestApp::spawn_with_settings(
        &crate::helpers::templates_dir(),
        &[("HRDD_DATA_DIR", data.path().display().to_string())],
    )
    .await;
    crate::auth::create_user(
        &app,
        "mailbox@example.com",
        hrdd_survey::auth::permissions::Role::Viewer,
        Some(crate::auth::PASSWORD),
    )
    .await;
    let client = crate::helpers::web_client();
    crate::mail::request_reset(&app, &client, "mailbox@example.com").await;
    // A reset is account mail: the outbox's own folder, which no page lists.
    let outbox = data
        .path()
        .join("outbox")
        .join(hrdd_survey::email::ACCOUNT_FOLDER);
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(&outbox)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(hrdd_survey::services::outbox::valid_name)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        files.len(),
        1,
        "the reset email was written to {}",
        outbox.display()
    );
    let eml = &files[0];
    assert!(std::fs::read_to_string(eml)
        .unwrap()
        .contains("/password/reset/"));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(eml), 0o600);
    assert_eq!(mode(&outbox), 0o700);
    assert_eq!(mode(outbox.parent().unwrap()), 0o700);
    let (ok, out) = as_nobody(
        std::path::Path::new("/bin/cat"),
        &[eml.to_str().unwrap()],
        &[],
    );
    assert!(
        !ok && !out.contains("reset"),
        "nobody read the email: {out}"
    );
}

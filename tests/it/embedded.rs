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
    let url = pg.url("postgres");
    assert!(
        url.contains(&format!("127.0.0.1:{}", pg.port())),
        "the URL names the cluster's port: {url}"
    );
    assert!(answers(&url).await, "a connection to {url} works");

    let pg = blocking(move || {
        pg.stop();
        pg
    })
    .await;
    assert!(
        !answers(&url).await,
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

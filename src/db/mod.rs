//! Database access: the connection pool, embedded migrations, row types and queries.
//!
//! diesel-async over a deadpool pool, so a query never blocks an actix worker thread.
//! Query functions take `&mut AsyncPgConnection`; services own the transactions.

pub mod admin;
pub mod audit;
pub mod jobs;
pub mod listings;
pub mod models;
pub mod queries;
pub mod schema;

use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// The shared pool of connections.
pub type Pool = DeadPool<AsyncPgConnection>;
/// A connection taken from the pool.
pub type PooledConn = Object<AsyncPgConnection>;

/// Migrations compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Builds a pool of at most `max_size` connections (opened lazily).
pub fn pool(database_url: &str, max_size: usize) -> anyhow::Result<Pool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    Ok(DeadPool::builder(manager).max_size(max_size).build()?)
}

/// Applies the pending migrations; returns their names.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    use diesel::Connection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(|m| m.to_string()).collect())
    })
    .await?
}

/// Reverts every migration then applies them again (the up → down → up check).
pub async fn redo_all_migrations(database_url: &str) -> anyhow::Result<()> {
    use diesel::Connection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        conn.revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("re-apply failed: {e}"))?;
        Ok(())
    })
    .await?
}

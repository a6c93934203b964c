//! Creating and dropping whole databases (start-up and the test harness).

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

fn quoted(name: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        !name.is_empty()
            && name.len() < 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "unsafe database name {name:?}"
    );
    Ok(format!("\"{name}\""))
}

/// Whether `name` exists on the server `admin_url` points to.
pub async fn database_exists(admin_url: &str, name: &str) -> anyhow::Result<bool> {
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    let row: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(&mut conn)
            .await?;
    Ok(row.exists)
}

/// Creates `name`, optionally as a copy of `template`.
pub async fn create_database(
    admin_url: &str,
    name: &str,
    template: Option<&str>,
) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {} TEMPLATE {}", quoted(name)?, quoted(t)?),
        None => format!("CREATE DATABASE {} ENCODING 'UTF8'", quoted(name)?),
    };
    diesel::sql_query(sql).execute(&mut conn).await?;
    Ok(())
}

/// Drops `name`, disconnecting anyone still connected.
pub async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(admin_url).await?;
    diesel::sql_query(format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quoted(name)?
    ))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/a", "b"),
            "postgres://u@h:5432/b"
        );
        assert_eq!(
            super::with_database("postgres://u@h:5432", "b"),
            "postgres://u@h:5432/b"
        );
        assert_eq!(
            super::with_database("postgres://u@h/a?sslmode=require", "b"),
            "postgres://u@h/b?sslmode=require"
        );
    }
}

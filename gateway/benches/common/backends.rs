//! The database backends a benchmark runs on: `--backends sqlite,postgres`, and whether the
//! PostgreSQL server is there (a benchmark skips it, with a message, when it is not).

use testkit::backend::Backend;

/// Parses `sqlite,postgres`.
pub(crate) fn parse_backends(list: &str) -> anyhow::Result<Vec<Backend>> {
    list.split(',')
        .map(|b| match b {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" => Ok(Backend::Postgres),
            other => Err(anyhow::anyhow!("unknown backend {other:?}")),
        })
        .collect()
}

/// True when the test PostgreSQL server accepts a connection.
pub(crate) async fn postgres_reachable() -> bool {
    use sqlx::Connection as _;
    sqlx::PgConnection::connect(&testkit::backend::admin_database_url())
        .await
        .is_ok()
}

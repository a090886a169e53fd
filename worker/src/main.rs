//! The `worker` binary: consumes jobs from the queue configured for this deployment.

use std::sync::Arc;

use anyhow::Context as _;
use shared::config::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Arc::new(Settings::load()?);
    shared::telemetry::init("worker", &settings.telemetry);
    let db = shared::db::Db::connect(&settings.database)
        .await
        .context("connecting to the database")?;
    let queue = match &db {
        shared::db::Db::Sqlite(pool) => shared::jobs::JobQueue::sqlite(pool).await?,
        shared::db::Db::Postgres(_) => anyhow::bail!(
            "a PostgreSQL deployment needs the Redis queue (WIKIMIND_REDIS_URL), which this build does not support yet"
        ),
    };
    let bus: shared::events::SharedBus = Arc::new(shared::events::LocalBus::default());
    let ctx = worker::build_context(settings, db, bus)?;
    worker::run(ctx, queue, shared::shutdown::signal()).await
}

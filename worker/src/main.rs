//! The `worker` binary: consumes jobs from the queue configured for this deployment.

use std::sync::Arc;

use anyhow::Context as _;
use shared::config::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Arc::new(Settings::load()?);
    let telemetry = shared::telemetry::init("worker", &settings.telemetry);
    let outcome = run(settings).await;
    // The spans still batched go out before the process ends.
    telemetry.shutdown();
    outcome
}

async fn run(settings: Arc<Settings>) -> anyhow::Result<()> {
    let db = shared::db::Db::connect(&settings.database)
        .await
        .context("connecting to the database")?;
    let queue = shared::jobs::JobQueue::for_deployment(&settings, &db).await?;
    let bus = shared::events::bus_for_deployment(&settings)
        .await
        .context("connecting the event bus to Redis")?;
    let ctx = worker::build_context(settings, db, bus).await?;
    worker::run(ctx, queue, shared::shutdown::signal()).await
}

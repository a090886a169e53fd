//! WikiMind's worker: takes source jobs from the queue and runs the pipeline
//! (fetch → extract → compile → publish).
//!
//! [`run`] consumes a queue until the shutdown signal; the gateway embeds it in single-process
//! mode, and the `worker` binary runs it on its own.
// The pipeline future is deeply nested; type layout computation needs more room.
#![recursion_limit = "256"]

pub mod context;
pub mod jobs;
pub mod pipeline;
pub mod progress;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use apalis::prelude::{Monitor, WorkerBuilder, WorkerBuilderExt};
use apalis_core::backend::ext::BackendExt;
use shared::config::Settings;
use shared::db::{self, Db};
use shared::events::SharedBus;
use shared::jobs::{JobQueue, SourceJob};
use shared::storage::Storage;

pub use context::WorkerContext;

/// How long in-flight jobs may run on after a shutdown signal before they are abandoned (and
/// picked up again by the next process).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// How often an idle worker checks the SQLite queue.
const QUEUE_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Builds the worker's shared state.
pub fn build_context(
    settings: Arc<Settings>,
    db: Db,
    bus: SharedBus,
) -> anyhow::Result<WorkerContext> {
    let storage = Storage::open(&settings.data_dir).context("opening the data directory")?;
    let router = shared::llm::build_router(
        &settings,
        Arc::new(db::costs::DbCostRecorder::new(db.clone())),
    )
    .context("configuring LLM providers")?;
    let fetcher =
        pipeline::fetch::Fetcher::new(&settings.ingest).context("building the HTTP client")?;
    Ok(WorkerContext {
        db,
        storage,
        bus,
        router: Arc::new(router),
        fetcher,
        settings,
    })
}

/// Puts every unfinished job back on the queue: jobs interrupted by a crash and jobs whose
/// queue entry was never written. Duplicate deliveries are harmless (see
/// [`jobs::process_source::run`]), so re-pushing is always safe.
pub async fn recover_unfinished(ctx: &WorkerContext, queue: &JobQueue) -> anyhow::Result<usize> {
    let interrupted = db::jobs::requeue_interrupted(&ctx.db).await?;
    let pending = db::jobs::unfinished(&ctx.db).await?;
    for job in &pending {
        if let Some(source_id) = job.source_id {
            queue
                .push(SourceJob {
                    job_id: job.id,
                    source_id,
                })
                .await?;
        }
    }
    if !pending.is_empty() {
        tracing::info!(
            interrupted,
            requeued = pending.len(),
            "resumed unfinished jobs"
        );
    }
    Ok(pending.len())
}

/// A worker name unique to this process, as the queue backends require.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".to_owned());
    format!(
        "wikimind-worker-{host}-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Consumes the queue until `shutdown` completes.
pub async fn run<F>(ctx: WorkerContext, queue: JobQueue, shutdown: F) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    recover_unfinished(&ctx, &queue).await?;
    let concurrency = ctx.settings.jobs.concurrency;
    let name = worker_name();
    tracing::info!(worker = %name, concurrency, backend = queue.backend_name(), "worker started");
    let signal = async move {
        shutdown.await;
        Ok(())
    };
    match queue {
        JobQueue::Sqlite(storage) => {
            Monitor::new()
                .register(move |_restarts| {
                    WorkerBuilder::new(name.clone())
                        // The queue is polled; a short interval keeps ingest→start latency low.
                        .backend(storage.clone().poll_with_interval(QUEUE_POLL_INTERVAL))
                        .data(ctx.clone())
                        .concurrency(concurrency)
                        .build(jobs::process_source::handle)
                })
                .shutdown_timeout(SHUTDOWN_GRACE)
                .run_with_signal(signal)
                .await
                .context("running the worker")?;
        }
    }
    tracing::info!("worker stopped");
    Ok(())
}

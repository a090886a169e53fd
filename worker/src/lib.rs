//! WikiMind's worker: takes source jobs from the queue and runs the pipeline
//! (fetch → extract → compile → publish).
//!
//! [`run`] consumes a queue until the shutdown signal; the gateway embeds it in single-process
//! mode, and the `worker` binary runs it on its own.
// The pipeline future is deeply nested; type layout computation needs more room.
#![recursion_limit = "256"]

pub mod budget_wait;
pub mod context;
pub mod feeds;
pub mod freshness;
pub mod health;
pub mod jobs;
pub mod model_return;
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
use shared::jobs::JobQueue;
use shared::storage::Storage;
use tokio_util::sync::CancellationToken;

pub use context::WorkerContext;

/// How long in-flight jobs may run on after a shutdown signal before they are abandoned (and
/// picked up again by the next process).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// How long to wait before starting a consumer again after it stopped on its own.
const CONSUMER_RESTART_DELAY: Duration = Duration::from_secs(2);

/// How often an idle worker checks the queue.
const QUEUE_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Builds the worker's shared state.
pub async fn build_context(
    settings: Arc<Settings>,
    db: Db,
    bus: SharedBus,
) -> anyhow::Result<WorkerContext> {
    let storage = Storage::open_with(&settings.data_dir, settings.bucket.as_ref())
        .context("opening the data directory")?;
    // Crossing the budget's marks is announced on the bus.
    let budget = shared::budget::Budget::new(db.clone(), settings.llm.budget.clone())
        .with_events(bus.clone());
    let llm = shared::llm::live::LiveLlm::for_deployment(db.clone(), settings.clone(), &budget)
        .await
        .context("configuring LLM providers")?;
    let fetcher =
        pipeline::fetch::Fetcher::new(&settings.ingest).context("building the HTTP client")?;
    let llm = Arc::new(llm);
    let wiki = shared::wiki::Wiki::new(
        db.clone(),
        storage.clone(),
        bus.clone(),
        llm.clone(),
        settings.llm.budget.clone(),
    );
    Ok(WorkerContext {
        db,
        storage,
        bus,
        budget,
        llm,
        offline_router: Arc::new(shared::llm::Router::new(vec![Arc::new(
            shared::llm::offline::OfflineProvider,
        )])),
        fetcher,
        settings,
        wiki,
        worker_name: worker_name().into(),
    })
}

/// How often a worker records that it is alive (readiness reports the newest heartbeat).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// Records this worker's heartbeat until `stop` is cancelled, then removes it.
async fn heartbeat(db: Db, name: Arc<str>, queue: String, stop: CancellationToken) {
    loop {
        if let Err(e) = db::jobs::heartbeat(&db, &name, &queue).await {
            tracing::warn!(error = %e, "could not record the worker heartbeat");
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(HEARTBEAT_INTERVAL) => {}
        }
    }
    if let Err(e) = db::jobs::forget_worker(&db, &name).await {
        tracing::debug!(error = %e, "could not remove the worker heartbeat");
    }
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
///
/// On the SQLite queue this process is the only consumer, so jobs left running by a previous
/// process are put back at once. On Redis other workers may hold running jobs; those come back
/// through their leases (see [`shared::outbox`]).
pub async fn run<F>(ctx: WorkerContext, queue: JobQueue, shutdown: F) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let max_attempts = ctx.settings.jobs.max_attempts;
    if let JobQueue::Sqlite(_) = queue {
        let settled = db::jobs::requeue_interrupted(&ctx.db, max_attempts).await?;
        if settled.requeued > 0 {
            tracing::info!(
                interrupted = settled.requeued,
                "resuming jobs interrupted by the previous stop"
            );
        }
        for (job_id, source_id) in &settled.failed {
            tracing::error!(
                %job_id, ?source_id, max_attempts,
                "the process stopped during every attempt of a job; the job and its source failed"
            );
        }
    }
    // Drain once before consuming, so jobs waiting in the outbox start without a delay.
    if let Err(e) = shared::outbox::drain(&ctx.db, &queue, max_attempts).await {
        tracing::warn!(error = %e, "could not drain the job outbox at start-up");
    }
    let concurrency = ctx.settings.jobs.concurrency;
    let name = ctx.worker_name.to_string();
    let queue_name = match (&queue, &ctx.settings.redis) {
        (JobQueue::Redis { .. }, Some(redis)) => redis.source_queue(),
        _ => shared::jobs::SOURCE_QUEUE.to_owned(),
    };
    let background = CancellationToken::new();
    let beats = tokio::spawn(heartbeat(
        ctx.db.clone(),
        ctx.worker_name.clone(),
        queue_name,
        background.clone(),
    ));
    let outbox = tokio::spawn(shared::outbox::run(
        ctx.db.clone(),
        queue.clone(),
        max_attempts,
        background.clone(),
    ));
    let embedding = tokio::spawn(embed_backlog(ctx.clone()));
    let health = tokio::spawn(health::run(ctx.clone(), background.clone()));
    let freshness = tokio::spawn(freshness::run(ctx.clone(), background.clone()));
    let budget_wait = tokio::spawn(budget_wait::run(
        ctx.clone(),
        queue.clone(),
        background.clone(),
    ));
    let model_return = tokio::spawn(model_return::run(
        ctx.clone(),
        queue.clone(),
        background.clone(),
    ));
    let feeds = tokio::spawn(feeds::run(ctx.clone(), queue.clone(), background.clone()));
    // An index.md left behind by a stop before its rewrite is brought up to date.
    ctx.wiki.refresh_index();
    tracing::info!(worker = %name, concurrency, backend = queue.backend_name(), "worker started");
    // The consumer stops on its own when the queue becomes unreachable (a Redis restart);
    // it is started again until the process is told to stop.
    let stop = CancellationToken::new();
    let trigger = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        trigger.cancel();
    });
    let mut restarts = 0u32;
    let result = loop {
        // Queue backends refuse a second consumer under a name still within its heartbeat.
        let consumer = if restarts == 0 {
            name.clone()
        } else {
            format!("{name}-r{restarts}")
        };
        let signal = stop.clone().cancelled_owned();
        let outcome = consume(&queue, consumer, ctx.clone(), signal).await;
        if stop.is_cancelled() {
            break outcome;
        }
        match outcome {
            Ok(()) => tracing::warn!("the queue consumer stopped; restarting it"),
            Err(e) => tracing::warn!(error = %e, "the queue consumer failed; restarting it"),
        }
        tokio::select! {
            () = stop.cancelled() => break Ok(()),
            () = tokio::time::sleep(CONSUMER_RESTART_DELAY) => {}
        }
        restarts += 1;
    };
    background.cancel();
    // An unfinished embedding pass is simply stopped; the next start continues it.
    embedding.abort();
    let _ = tokio::join!(
        beats,
        outbox,
        health,
        freshness,
        budget_wait,
        model_return,
        feeds
    );
    ctx.wiki.flush_index().await;
    result?;
    tracing::info!("worker stopped");
    Ok(())
}

/// Embeds the passages left without a vector: written before an embedding provider was
/// configured, under another model, or while the provider was unreachable.
async fn embed_backlog(ctx: WorkerContext) {
    let Some(embedder) = ctx.llm.embedder() else {
        return;
    };
    match shared::embed::index_pending(&ctx.db, &embedder, &ctx.settings.llm.budget, None).await {
        Ok(report) if report.embedded > 0 => {
            tracing::info!(
                embedded = report.embedded,
                "embedded the passages left from before"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "the passages left from before were not embedded"),
    }
}

/// Runs one apalis consumer of `queue` until `signal` completes or the consumer dies.
async fn consume(
    queue: &JobQueue,
    name: String,
    ctx: WorkerContext,
    signal: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let concurrency = ctx.settings.jobs.concurrency;
    let signal = async move {
        signal.await;
        Ok(())
    };
    // The two storages have different types, so the builder chain is instantiated per arm.
    // Both are polled: a short interval keeps ingest→start latency low (without it an idle
    // Redis consumer only looks again at its next heartbeat).
    macro_rules! run_monitor {
        ($storage:expr) => {{
            let storage = $storage;
            Monitor::new()
                .register(move |_restarts| {
                    WorkerBuilder::new(name.clone())
                        .backend(storage.clone().poll_with_interval(QUEUE_POLL_INTERVAL))
                        .data(ctx.clone())
                        .concurrency(concurrency)
                        .build(jobs::process_source::handle)
                })
                .shutdown_timeout(SHUTDOWN_GRACE)
                .run_with_signal(signal)
                .await
        }};
    }
    match queue.clone() {
        JobQueue::Sqlite(storage) => {
            run_monitor!(storage).context("running the SQLite queue consumer")
        }
        JobQueue::Redis { storage, .. } => {
            run_monitor!(storage).context("running the Redis queue consumer")
        }
    }
}

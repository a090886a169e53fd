//! Jobs waiting for the monthly budget go back to the queue once spending may go on again:
//! the month turned, or the budget was raised or no longer enforced (a change in Settings
//! resumes them at once; this loop covers the month's turn and changes made elsewhere).

use std::time::Duration;

use shared::jobs::JobQueue;
use tokio_util::sync::CancellationToken;

use crate::context::WorkerContext;

/// How often waiting jobs are looked at (a cheap count while none wait).
const INTERVAL: Duration = Duration::from_secs(30);

/// Resumes waiting jobs every [`INTERVAL`] until `stop` is cancelled.
pub async fn run(ctx: WorkerContext, queue: JobQueue, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(INTERVAL) => {}
        }
        match ctx.budget.resume_paused().await {
            Ok(resumed) => {
                for (job_id, source_id) in resumed {
                    if let Some(source_id) = source_id {
                        shared::outbox::dispatch(&ctx.db, &queue, job_id, source_id).await;
                        announce(&ctx, job_id, source_id).await;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not look at the jobs waiting for the budget")
            }
        }
    }
}

/// Tells open screens that the job and its source are queued again.
async fn announce(
    ctx: &WorkerContext,
    job_id: shared::domain::JobId,
    source_id: shared::domain::SourceId,
) {
    use shared::events::{Event, EventKind};
    if let Ok(job) = shared::db::jobs::get(&ctx.db, job_id).await {
        ctx.bus
            .publish(Event::new(EventKind::JobUpdated { job: Box::new(job) }))
            .await;
    }
    if let Ok(source) = shared::db::sources::get(&ctx.db, source_id).await {
        ctx.bus
            .publish(Event::new(EventKind::SourceUpdated {
                source: Box::new(source),
            }))
            .await;
    }
}

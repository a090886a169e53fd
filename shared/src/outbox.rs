//! The job outbox: `job_runs` rows are committed together with the work they describe, and
//! this module hands them to the queue.
//!
//! A request that creates a job commits the row first and then pushes it ([`dispatch`]). If
//! the push fails (Redis is down, the process dies in between), the row stays undispatched and
//! the [`run`] loop, which every gateway and worker process runs, pushes it later. The same
//! loop puts back jobs whose worker stopped renewing its lease. Pushing twice is harmless: a
//! delivery only runs after claiming its row (see [`crate::db::jobs::claim`]).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::db::{self, Db};
use crate::domain::{Job, JobId, SourceId};
use crate::events::{Event, EventKind, SharedBus};
use crate::jobs::{EnqueueError, JobQueue, SourceJob};

/// How often the outbox is drained and leases are checked.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// Rows handed to the queue per round.
const BATCH: i64 = 200;

/// How often the queue forgets finished tasks, and how old they must be.
const EXPIRY_INTERVAL: Duration = Duration::from_secs(5 * 60);
const FINISHED_KEPT: Duration = Duration::from_secs(60 * 60);

/// Why a round of the outbox failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Queue(#[from] EnqueueError),
}

/// Hands a committed job to the queue and tells open screens about it (a recompile, a fix
/// from Health, jobs resumed after a budget change).
pub async fn hand_over(db: &Db, queue: &JobQueue, bus: &SharedBus, job: &Job) {
    if let Some(source_id) = job.source_id {
        dispatch(db, queue, job.id, source_id).await;
    }
    bus.publish(Event::new(EventKind::JobUpdated {
        job: Box::new(job.clone()),
    }))
    .await;
}

/// Pushes one committed job and records the push. A failure is logged and left to [`run`].
pub async fn dispatch(db: &Db, queue: &JobQueue, job_id: JobId, source_id: SourceId) {
    match push(db, queue, job_id, source_id).await {
        Ok(()) => {}
        Err(e) => tracing::warn!(
            error = %e, %job_id,
            "job not queued yet; it stays in the outbox and is queued when the queue is back"
        ),
    }
}

async fn push(
    db: &Db,
    queue: &JobQueue,
    job_id: JobId,
    source_id: SourceId,
) -> Result<(), OutboxError> {
    queue
        .push(SourceJob {
            job_id,
            source_id,
            trace: crate::telemetry::trace_context(),
        })
        .await?;
    db::jobs::mark_dispatched(db, job_id).await?;
    Ok(())
}

/// One round: re-dispatches every waiting job if the queue lost its entries, settles jobs whose
/// lease expired (requeued, or failed after `max_attempts`), then pushes every undispatched
/// job. Returns how many jobs were pushed.
pub async fn drain(db: &Db, queue: &JobQueue, max_attempts: u32) -> Result<usize, OutboxError> {
    if queue.lost_its_entries().await? {
        let n = db::jobs::undispatch_queued(db).await?;
        if n > 0 {
            tracing::warn!(
                jobs = n,
                "the queue lost its entries (Redis restarted without persistence); queuing waiting jobs again"
            );
        }
    }
    let reclaimed = db::jobs::reclaim_expired(db, max_attempts).await?;
    if reclaimed.requeued > 0 {
        tracing::warn!(
            requeued = reclaimed.requeued,
            "jobs whose worker stopped renewing their lease were put back in the queue"
        );
    }
    for (job_id, source_id) in &reclaimed.failed {
        tracing::error!(
            %job_id, ?source_id, max_attempts,
            "a job's worker stopped during every attempt; the job and its source failed"
        );
    }
    let mut pushed = 0;
    for (job_id, source_id) in db::jobs::undispatched(db, BATCH).await? {
        match source_id {
            Some(source_id) => {
                push(db, queue, job_id, source_id).await?;
                pushed += 1;
            }
            // The source was deleted while its job waited; there is nothing left to do.
            None => {
                db::jobs::finish(
                    db,
                    job_id,
                    crate::domain::JobStatus::Failed,
                    None,
                    Some("the source was deleted"),
                )
                .await?;
            }
        }
    }
    if pushed > 0 {
        tracing::info!(pushed, "queued jobs from the outbox");
    }
    Ok(pushed)
}

/// Drains the outbox every [`INTERVAL`] until `stop` is cancelled, and every
/// [`EXPIRY_INTERVAL`] has the queue forget tasks finished an hour ago. Failures are reported
/// once when they start and once when they end, not on every round of an outage.
pub async fn run(db: Db, queue: JobQueue, max_attempts: u32, stop: CancellationToken) {
    let mut failing = false;
    let mut last_expiry = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(INTERVAL) => {}
        }
        if last_expiry.elapsed() >= EXPIRY_INTERVAL {
            last_expiry = tokio::time::Instant::now();
            match queue.expire_finished(FINISHED_KEPT).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(tasks = n, "the queue forgot finished tasks"),
                Err(e) => tracing::debug!(error = %e, "could not expire finished tasks"),
            }
        }
        match drain(&db, &queue, max_attempts).await {
            Ok(_) if failing => {
                failing = false;
                tracing::info!("job outbox is draining again");
            }
            Ok(_) => {}
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "cannot drain the job outbox; retrying");
            }
            Err(e) => tracing::debug!(error = %e, "job outbox still blocked"),
        }
    }
}

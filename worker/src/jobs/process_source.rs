//! The source job: claim the job row, run the pipeline with a time limit, retry transient
//! failures with exponential backoff, and record the outcome on the job and the source.

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use shared::db;
use shared::db::jobs::Settlement;
use shared::domain::{JobId, JobStatus, SourceStatus};
use shared::jobs::SourceJob;
use tracing::Instrument as _;

use crate::context::WorkerContext;
use crate::pipeline::{self, Outcome, StageError};
use crate::progress::Progress;

/// First retry delay; doubled on each further attempt.
const BASE_BACKOFF: Duration = Duration::from_secs(2);
/// Longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The apalis entry point. Failures are recorded on the job row and never returned to apalis:
/// retrying is decided here, where the job's attempts are counted and visible to users.
pub async fn handle(job: SourceJob, ctx: Data<WorkerContext>) -> Result<(), BoxDynError> {
    // The job's span continues the trace of the request that queued it.
    let span = tracing::info_span!(
        "job",
        otel.name = "process source",
        otel.kind = "consumer",
        messaging.system = if ctx.settings.redis.is_some() { "redis" } else { "sqlite" },
        messaging.destination.name = shared::jobs::SOURCE_QUEUE,
        job_id = %job.job_id,
        source_id = %job.source_id,
    );
    shared::telemetry::continue_trace(&span, job.trace.as_ref());
    run(&ctx, &job).instrument(span).await;
    Ok(())
}

/// Delay before attempt `attempt + 1`.
pub fn backoff(attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    BASE_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Processes one delivery of a source job.
pub async fn run(ctx: &WorkerContext, job: &SourceJob) {
    let lease = ctx.settings.jobs.lease();
    let claimed = match db::jobs::claim(&ctx.db, job.job_id, &ctx.worker_name, lease).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            tracing::debug!("job already taken or finished; skipping this delivery");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "could not claim the job");
            return;
        }
    };
    let _lease = Lease::hold(ctx, job.job_id);
    let progress = Progress::new(ctx, job.job_id, job.source_id);
    progress.job_updated(claimed.clone()).await;
    let limit = Duration::from_secs(ctx.settings.jobs.timeout_secs);
    let max_attempts = ctx.settings.jobs.max_attempts;
    let mut attempt = u32::try_from(claimed.attempts).unwrap_or(1).max(1);

    let outcome = loop {
        let result = match db::sources::get(&ctx.db, job.source_id).await {
            Ok(source) => {
                match tokio::time::timeout(
                    limit,
                    pipeline::process_source(ctx, &source, claimed.kind, &progress),
                )
                .await
                {
                    Ok(result) => result,
                    Err(_) => Err(StageError::permanent(format!(
                        "the job took longer than its limit of {} s",
                        limit.as_secs()
                    ))),
                }
            }
            Err(db::DbError::NotFound) => Err(StageError::permanent("the source was deleted")),
            Err(e) => Err(e.into()),
        };
        match result {
            Err(e) if e.retryable && attempt < max_attempts => {
                let wait = backoff(attempt);
                tracing::warn!(attempt, error = %e.message, wait_secs = wait.as_secs(), "attempt failed; retrying");
                let note = format!("attempt {attempt} failed; retrying in {} s", wait.as_secs());
                if let Ok(row) =
                    db::jobs::set_retrying(&ctx.db, job.job_id, &e.message, &note).await
                {
                    progress.job_updated(row).await;
                }
                tokio::time::sleep(wait).await;
                match db::jobs::next_attempt(&ctx.db, job.job_id).await {
                    Ok(row) => attempt = u32::try_from(row.attempts).unwrap_or(attempt + 1),
                    Err(e) => break Err(StageError::from(e)),
                }
            }
            other => break other,
        }
    };
    finish(ctx, job, &progress, outcome).await;
}

/// Keeps a claimed job's lease alive while the job runs; stops renewing when dropped. If this
/// process dies, renewals stop and the job goes back to the queue when the lease runs out.
struct Lease(tokio::task::JoinHandle<()>);

impl Lease {
    fn hold(ctx: &WorkerContext, job_id: JobId) -> Lease {
        let db = ctx.db.clone();
        let worker = ctx.worker_name.clone();
        let lease = ctx.settings.jobs.lease();
        Lease(tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                match db::jobs::renew_lease(&db, job_id, &worker, lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(%job_id, "lost the job's lease; another worker may run it");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, %job_id, "could not renew the job's lease")
                    }
                }
            }
        }))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn finish(
    ctx: &WorkerContext,
    job: &SourceJob,
    progress: &Progress,
    outcome: Result<Outcome, StageError>,
) {
    // The source's news is told only once written: a failed write leaves the job running until
    // its lease runs out and another attempt settles it.
    let settle = |how| db::jobs::settle(&ctx.db, job.job_id, job.source_id, how);
    let recorded = match outcome {
        Ok(Outcome::Compiled(article)) => {
            tracing::info!(slug = %article.slug, "source compiled");
            // The job and the source in one transaction: a client reacting to the source's
            // `compiled` sees a finished job.
            let recorded = settle(Settlement::Compiled {
                article: article.id,
            })
            .await;
            if recorded.is_ok() {
                progress.announce(SourceStatus::Compiled, "compiled").await;
            }
            recorded
        }
        Ok(Outcome::Duplicate { existing }) => {
            tracing::info!(%existing, "fetched content is a duplicate");
            let recorded = settle(Settlement::Duplicate { existing }).await;
            if recorded.is_ok() {
                progress.source_updated().await;
            }
            recorded
        }
        Err(e) if e.waits.is_some() => {
            let (status, stage) = match e.waits {
                Some(JobStatus::AwaitingApproval) => {
                    (JobStatus::AwaitingApproval, SourceStatus::AwaitingApproval)
                }
                _ => (JobStatus::PausedBudget, SourceStatus::PausedBudget),
            };
            tracing::warn!(reason = %e.message, "the job waits");
            let recorded = settle(Settlement::Waits {
                status,
                message: &e.message,
            })
            .await;
            if recorded.is_ok() {
                progress.announce(stage, &e.message).await;
            }
            recorded
        }
        Err(e) => {
            tracing::warn!(error = %e.message, "source failed");
            let recorded = settle(Settlement::Failed { error: &e.message }).await;
            if recorded.is_ok() {
                progress.announce(SourceStatus::Failed, &e.message).await;
            }
            recorded
        }
    };
    match recorded {
        Ok(row) => progress.job_updated(row).await,
        Err(e) => tracing::error!(error = %e, "could not record the job outcome"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}

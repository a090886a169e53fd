//! Health runs on the worker: every worker takes waiting runs (a person's, or the schedule's)
//! and, when the schedule falls due, queues one — claimed once across all workers, so a
//! deployment of many workers still makes one scheduled run.

use std::time::Duration;

use shared::db;
use shared::health::{self, Runner};
use tokio_util::sync::CancellationToken;

use crate::WorkerContext;

/// How often an idle worker looks for a waiting run and checks the schedule.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The schedule's name in the `schedules` table.
const SCHEDULE: &str = "health";

/// Runs Health's waiting runs until `stop` is cancelled.
pub async fn run(ctx: WorkerContext, stop: CancellationToken) {
    let mut runner = Runner {
        db: ctx.db.clone(),
        bus: ctx.bus.clone(),
        worker: ctx.worker_name.to_string(),
        lease: ctx.settings.jobs.lease(),
        // The judge of contradictions: none when only the offline compiler is configured (it
        // cannot judge, so the figures rule applies).
        model: ctx.llm.answers(),
        budget: ctx.settings.llm.budget.clone(),
    };
    loop {
        // A model added or changed in Settings judges the next run's contradictions.
        ctx.llm.refresh_or_keep().await;
        runner.model = ctx.llm.answers();
        if let Some(period) = ctx.settings.health.schedule {
            queue_if_due(&ctx, period).await;
        }
        // Runs one after another until none waits; a failed run is recorded as failed.
        loop {
            // A run cut short by the stop is taken over by the next worker once its lease ends.
            let next = tokio::select! {
                () = stop.cancelled() => return,
                next = runner.run_next() => next,
            };
            match next {
                Ok(Some(outcome)) => tracing::info!(
                    run_id = %outcome.run_id, score = outcome.score,
                    findings = outcome.findings.len(), new_errors = outcome.new_errors,
                    "health run complete"
                ),
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "a health run failed");
                    break;
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// Queues a scheduled run when the schedule is due and this worker claimed it.
async fn queue_if_due(ctx: &WorkerContext, period: Duration) {
    match db::health::claim_schedule(&ctx.db, SCHEDULE, &ctx.worker_name, period).await {
        Ok(true) => match health::request(&ctx.db, "schedule").await {
            Ok(run) => tracing::info!(run_id = %run.id, "scheduled health run queued"),
            Err(e) => tracing::warn!(error = %e, "could not queue the scheduled health run"),
        },
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not check the health schedule"),
    }
}

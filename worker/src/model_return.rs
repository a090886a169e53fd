//! Articles the offline compiler wrote while the model was unreachable are compiled again by
//! the model once it answers. While any wait, one worker (the round is claimed once across
//! all of them) asks the model a one-word question every `WIKIMIND_LLM__FALLBACK_RECHECK_SECS`;
//! when it answers, their sources are queued for a recompile (a batch per round) and stop
//! waiting — the compile decides again. Nothing is asked while no article waits.

use std::time::Duration;

use shared::db;
use shared::jobs::JobQueue;
use shared::llm::{CompletionRequest, ProviderKind};
use shared::recompile::{Recompile, RecompileError};
use tokio_util::sync::CancellationToken;

use crate::context::WorkerContext;

/// Sources queued again per round.
const BATCH: i64 = 50;
/// The round's name in the `schedules` table.
const SCHEDULE: &str = "model_return";
/// How often an idle worker checks whether the round is due.
const TICK: Duration = Duration::from_secs(1);

/// Looks for the model's return until `stop` is cancelled.
pub async fn run(ctx: WorkerContext, queue: JobQueue, stop: CancellationToken) {
    if !ctx.settings.llm.offline_fallback {
        return;
    }
    let period = Duration::from_secs(ctx.settings.llm.fallback_recheck_secs);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(TICK.min(period)) => {}
        }
        // Without a model there is nothing to come back (a key may be added in Settings).
        ctx.llm.refresh_or_keep().await;
        if ctx.llm.answers().is_none() {
            continue;
        }
        match db::health::claim_schedule(&ctx.db, SCHEDULE, &ctx.worker_name, period).await {
            Ok(true) => {
                if let Err(e) = one_round(&ctx, &queue).await {
                    tracing::warn!(error = %e, "could not look at the articles waiting for the model");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not check the model-return schedule"),
        }
    }
}

async fn one_round(ctx: &WorkerContext, queue: &JobQueue) -> db::DbResult<()> {
    let waiting = db::articles::awaiting_model_sources(&ctx.db, BATCH).await?;
    if waiting.is_empty() || !model_answers(ctx).await {
        return Ok(());
    }
    tracing::info!(
        sources = waiting.len(),
        "the model answers again; compiling the offline stand-ins with it"
    );
    for source_id in waiting {
        db::articles::handed_to_model(&ctx.db, source_id).await?;
        match shared::recompile::queue(&ctx.db, source_id, Recompile::Stored).await {
            Ok(job) => shared::outbox::dispatch(&ctx.db, queue, job.id, source_id).await,
            // Already queued (by a person, or the previous round): it is compiled anyway.
            Err(RecompileError::Busy | RecompileError::NotFound | RecompileError::Duplicate) => {}
            Err(RecompileError::NotAUrl) => {}
            Err(RecompileError::Db(e)) => return Err(e),
        }
    }
    Ok(())
}

/// A one-word round trip through the configured chain; true when a model (not the offline
/// compiler) answered.
async fn model_answers(ctx: &WorkerContext) -> bool {
    ctx.llm.refresh_or_keep().await;
    match ctx
        .llm
        .router()
        .complete(&CompletionRequest::connectivity_check())
        .await
    {
        Ok(reply) => reply.provider != ProviderKind::Offline,
        Err(e) => {
            tracing::debug!(error = %e, "the model is still unreachable");
            false
        }
    }
}

//! Looking at URL sources again for changes upstream. On the schedule
//! (`WIKIMIND_HEALTH__SOURCE_POLL`, claimed once across all workers) the worker asks each URL
//! source's server with a conditional GET (`If-None-Match` / `If-Modified-Since` from the last
//! fetch); a 304 means nothing changed, and a full answer is extracted and its clean text's
//! hash compared with what was compiled. A change is recorded for Health (a `stale` finding,
//! whose fix fetches and compiles the source again), or, with
//! `WIKIMIND_HEALTH__AUTO_REFRESH=true`, the source is queued for that at once.

use std::time::Duration;

use shared::db::{self, source_checks::DueSource};
use shared::recompile::{self, Recompile, RecompileError};
use tokio_util::sync::CancellationToken;

use crate::WorkerContext;
use crate::pipeline::{self, fetch::Conditional};

/// How often an idle worker checks whether the poll is due.
const TICK: Duration = Duration::from_secs(1);
/// The schedule's name in the `schedules` table.
const SCHEDULE: &str = "source_poll";
/// Sources asked per round; the ones asked longest ago go first, so a larger collection is
/// covered over several rounds.
const MAX_PER_ROUND: i64 = 500;
/// Sources read from the database at a time.
const BATCH: i64 = 50;

/// What one round found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub asked: usize,
    pub not_modified: usize,
    pub changed: usize,
    pub failed: usize,
}

/// Polls on the schedule until `stop` is cancelled.
pub async fn run(ctx: WorkerContext, stop: CancellationToken) {
    let Some(period) = ctx.settings.health.source_poll else {
        return;
    };
    loop {
        match db::health::claim_schedule(&ctx.db, SCHEDULE, &ctx.worker_name, period).await {
            Ok(true) => {
                let round = tokio::select! {
                    () = stop.cancelled() => return,
                    round = poll_round(&ctx) => round,
                };
                if round.asked > 0 {
                    tracing::info!(
                        asked = round.asked,
                        not_modified = round.not_modified,
                        changed = round.changed,
                        failed = round.failed,
                        "URL sources looked at again for changes upstream"
                    );
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not check the source poll's schedule"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

/// Asks every URL source not asked since the round began, at most [`MAX_PER_ROUND`].
pub async fn poll_round(ctx: &WorkerContext) -> Round {
    let began = db::now();
    let mut round = Round::default();
    while (round.asked as i64) < MAX_PER_ROUND {
        let due = match db::source_checks::due(&ctx.db, began, BATCH).await {
            Ok(due) if due.is_empty() => break,
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the sources due for a poll");
                break;
            }
        };
        for source in due {
            round.asked += 1;
            match poll_one(ctx, &source).await {
                Ok(Polled::NotModified) => round.not_modified += 1,
                Ok(Polled::InStep) => {}
                Ok(Polled::Changed) => round.changed += 1,
                Err(e) => {
                    round.failed += 1;
                    tracing::warn!(source_id = %source.source_id, error = %e, "could not look at a URL source again");
                    // Looked at all the same: the next round tries it again.
                    if let Err(e) =
                        db::source_checks::record_looked(&ctx.db, source.source_id).await
                    {
                        tracing::warn!(error = %e, "could not record a poll");
                        return round;
                    }
                }
            }
        }
    }
    round
}

/// What asking one source found.
enum Polled {
    NotModified,
    InStep,
    Changed,
}

async fn poll_one(ctx: &WorkerContext, source: &DueSource) -> Result<Polled, String> {
    let url = url::Url::parse(&source.url).map_err(|e| format!("invalid URL: {e}"))?;
    let fetched = ctx
        .fetcher
        .fetch_if_changed(&url, &source.validators)
        .await
        .map_err(|e| e.message)?;
    let fetched = match fetched {
        Conditional::NotModified => {
            db::source_checks::record_looked(&ctx.db, source.source_id)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(Polled::NotModified);
        }
        Conditional::Fetched(fetched) => fetched,
    };
    let validators = fetched.validators.clone();
    let hash = pipeline::clean_text_hash(ctx, fetched)
        .await
        .map_err(|e| e.message)?;
    if hash == source.content_hash {
        // Served anew but the same text (a server without validators, or a new date in a
        // header): in step, with the new validators.
        db::source_checks::record_in_step(&ctx.db, source.source_id, &validators)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(Polled::InStep);
    }
    db::source_checks::record_changed(&ctx.db, source.source_id, &validators, &hash)
        .await
        .map_err(|e| e.to_string())?;
    if ctx.settings.health.auto_refresh {
        match recompile::queue(&ctx.db, source.source_id, Recompile::Refetch).await {
            Ok(job) => {
                tracing::info!(source_id = %source.source_id, job_id = %job.id, "changed source queued to be fetched and compiled again")
            }
            // Already being compiled: that job may see the old content, and the next round
            // sees the change again.
            Err(RecompileError::Busy) => {}
            Err(e) => {
                tracing::warn!(source_id = %source.source_id, error = %e, "could not queue a changed source")
            }
        }
    }
    Ok(Polled::Changed)
}

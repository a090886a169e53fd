//! Polling feeds. Every few seconds a worker claims the feed due longest ago (one worker per
//! feed at a time, across processes), asks its server with a conditional GET (the `ETag` /
//! `Last-Modified` of the last full answer), and turns each item not seen before into a
//! source (see [`shared::feeds`]). A 304 costs nothing more; a failure is recorded on the
//! feed, which is asked again at its next time.

use std::time::Duration;

use shared::db::feeds::{DueFeed, PollEnd};
use shared::db::{self};
use shared::jobs::JobQueue;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::WorkerContext;
use crate::pipeline::fetch::Conditional;

/// How often an idle worker looks for a due feed.
const TICK: Duration = Duration::from_secs(2);
/// How long a claimed poll may take before another worker may take the feed.
const LEASE: Duration = Duration::from_secs(5 * 60);

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    pub not_modified: bool,
    pub new_sources: usize,
}

/// Polls due feeds until `stop` is cancelled.
pub async fn run(ctx: WorkerContext, queue: JobQueue, stop: CancellationToken) {
    loop {
        loop {
            let due = match db::feeds::claim_due(&ctx.db, LEASE).await {
                Ok(Some(due)) => due,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not look for a due feed");
                    break;
                }
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = poll(&ctx, &queue, &due) => {}
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

/// Polls one claimed feed and records how it went.
async fn poll(ctx: &WorkerContext, queue: &JobQueue, due: &DueFeed) {
    let outcome = read_and_accept(ctx, queue, due).await;
    let end = match &outcome {
        Ok((polled, validators, title)) => {
            tracing::info!(
                feed = %due.url,
                not_modified = polled.not_modified,
                new_sources = polled.new_sources,
                "feed polled"
            );
            PollEnd {
                validators: validators.as_ref(),
                title: title.as_deref(),
                error: None,
            }
        }
        Err(message) => {
            tracing::warn!(feed = %due.url, error = %message, "feed poll failed");
            PollEnd {
                validators: None,
                title: None,
                error: Some(message.as_str()),
            }
        }
    };
    if let Err(e) = db::feeds::finish_poll(&ctx.db, due.id, &end).await {
        tracing::warn!(error = %e, "could not record the feed's poll");
    }
}

type Read = (
    Polled,
    Option<shared::db::source_checks::Validators>,
    Option<String>,
);

async fn read_and_accept(
    ctx: &WorkerContext,
    queue: &JobQueue,
    due: &DueFeed,
) -> Result<Read, String> {
    let url = Url::parse(&due.url).map_err(|e| format!("invalid URL: {e}"))?;
    let fetched = match ctx
        .fetcher
        .fetch_if_changed(&url, &due.validators)
        .await
        .map_err(|e| e.message)?
    {
        Conditional::NotModified => {
            return Ok((
                Polled {
                    not_modified: true,
                    new_sources: 0,
                },
                None,
                None,
            ));
        }
        Conditional::Fetched(fetched) => fetched,
    };
    let document = shared::feeds::parse(&fetched.bytes, &due.url).map_err(|e| e.to_string())?;
    let allow_private = ctx.settings.ingest.allow_private_urls;
    let mut polled = Polled::default();
    for item in &document.items {
        match shared::feeds::accept(&ctx.db, &ctx.storage, due.id, item, allow_private).await {
            Ok(Some((job_id, source_id))) => {
                polled.new_sources += 1;
                shared::outbox::dispatch(&ctx.db, queue, job_id, source_id).await;
                if let Ok(source) = db::sources::get(&ctx.db, source_id).await {
                    ctx.bus
                        .publish(shared::events::Event::new(
                            shared::events::EventKind::SourceUpdated {
                                source: Box::new(source),
                            },
                        ))
                        .await;
                }
            }
            Ok(None) => {}
            Err(e) => return Err(format!("could not store an item: {e}")),
        }
    }
    Ok((polled, Some(fetched.validators), document.title))
}

//! The source pipeline: fetch (URLs) → extract → compile → publish, reporting each stage.

mod compile;
mod extract;
pub mod fetch;
mod publish;
mod youtube;

use shared::db::articles::ArticleKey;
use shared::db::source_checks::Validators;
use shared::db::{self, DbError};
use shared::domain::{JobKind, JobStatus, Source, SourceKind, SourceStatus};
use shared::ingest::content_hash;
use shared::llm::estimate::Estimate;

use crate::context::WorkerContext;
use crate::progress::Progress;

/// A stage failed. `retryable` failures (timeouts, 5xx, a busy database) are attempted again
/// with backoff; the others (bad content, refused URLs) fail the job at once, except those
/// that make the job wait (`waits`): for the enforced budget, or for a person's go-ahead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StageError {
    pub retryable: bool,
    pub waits: Option<JobStatus>,
    pub message: String,
}

impl StageError {
    /// A failure that may pass if tried again.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            retryable: true,
            waits: None,
            message: message.into(),
        }
    }

    /// A failure that will not pass by retrying.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            retryable: false,
            waits: None,
            message: message.into(),
        }
    }

    /// The model may not be asked: this month's budget is enforced and spent.
    pub fn budget_spent() -> Self {
        Self {
            retryable: false,
            waits: Some(JobStatus::PausedBudget),
            message: "waiting for the monthly LLM budget: it is spent; the compile goes on when \
                      it is raised or the month turns, or compile offline now"
                .to_owned(),
        }
    }

    /// The source would cost more than the per-source limit: a person decides.
    pub fn needs_go_ahead(estimate: &Estimate, limit: f64) -> Self {
        Self {
            retryable: false,
            waits: Some(JobStatus::AwaitingApproval),
            message: format!(
                "waiting for your go-ahead: compiling it is estimated at ${:.4} ({} tokens in, \
                 {} out, {} with {}), more than the limit of ${limit:.4} per source",
                estimate.cost_usd,
                estimate.input_tokens,
                estimate.output_tokens,
                estimate.model,
                estimate.provider.as_str(),
            ),
        }
    }
}

/// The database's own text (statements, constraint names, driver messages) goes to the log,
/// never into the failure reason a person reads through the API.
impl From<DbError> for StageError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "a database call failed while processing a source");
        match e {
            DbError::Other(_) => StageError::transient(
                "the database could not be reached or refused the change (details are in the worker's log)",
            ),
            _ => StageError::permanent(
                "the database refused to store this source's result (details are in the worker's log)",
            ),
        }
    }
}

/// File paths stay in the log; the reason says what kind of failure it was (a full disk, a
/// permission) so the person knows what to fix.
impl From<shared::wiki::WikiError> for StageError {
    fn from(e: shared::wiki::WikiError) -> Self {
        use shared::wiki::WikiError;
        match e {
            WikiError::Db(e) => e.into(),
            WikiError::Storage(e) => e.into(),
            WikiError::Busy(why) => StageError::transient(why),
        }
    }
}

impl From<shared::storage::StorageError> for StageError {
    fn from(e: shared::storage::StorageError) -> Self {
        tracing::error!(error = %e, "a file operation failed while processing a source");
        let kind = match &e {
            shared::storage::StorageError::Io { source, .. } => source.to_string(),
            shared::storage::StorageError::Bucket { source, .. } => source.to_string(),
            shared::storage::StorageError::InvalidName { what, .. } => format!("invalid {what}"),
        };
        StageError::transient(format!(
            "reading or writing the source's files failed: {kind}"
        ))
    }
}

/// How a source's processing ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An article was created or replaced.
    Compiled(ArticleKey),
    /// The fetched content was the same as an existing source's (the source is marked so
    /// when its job ends, in the same transaction).
    Duplicate { existing: shared::domain::SourceId },
}

/// Runs the whole pipeline for one source, as its job kind asks: a `refresh_source` job fetches
/// a URL source again (its content changed upstream) rather than compiling what was fetched
/// before; a `compile_offline` job compiles with the offline compiler only.
#[tracing::instrument(name = "pipeline", skip_all, fields(source_id = %source.id, kind = %source.kind), err)]
pub async fn process_source(
    ctx: &WorkerContext,
    source: &Source,
    job: JobKind,
    progress: &Progress,
) -> Result<Outcome, StageError> {
    let refresh = job == JobKind::RefreshSource;
    let stored = if refresh {
        None
    } else {
        clean_text_if_extracted(ctx, source).await
    };
    let text = match stored {
        Some(text) => text,
        None => {
            let Obtained {
                extracted,
                fetched,
                validators,
            } = extract_source(ctx, source, refresh, progress).await?;
            let stored =
                db::sources::set_extracted(&ctx.db, source.id, &extracted.meta(source)).await;
            // A refreshed page now serving another source's content stays as it was.
            if refresh && matches!(stored, Err(DbError::Conflict { .. })) {
                return Err(StageError::permanent(
                    "the page now serves the same content as another source; \
                     that source's article already has it",
                ));
            }
            // A fetched original is kept once its text is the source's (or a duplicate's).
            if fetched {
                ctx.storage
                    .write_original(source.id, extracted.ext, &extracted.original)
                    .await?;
            }
            match stored {
                // Another source already has this content: the unique index on the hash decides,
                // which also settles two identical sources extracted at the same time.
                Err(DbError::Conflict { .. }) => {
                    let existing = db::sources::find_by_hash(&ctx.db, &extracted.content_hash)
                        .await?
                        .map(|s| s.id)
                        .ok_or_else(|| StageError::transient("duplicate source vanished"))?;
                    return Ok(Outcome::Duplicate { existing });
                }
                other => other?,
            }
            ctx.storage.write_text(source.id, &extracted.text).await?;
            if let Some(validators) = validators {
                // What the URL serves is what is compiled now: Health's poll asks from here.
                db::source_checks::record_in_step(&ctx.db, source.id, &validators).await?;
            }
            extracted.text
        }
    };
    let source = db::sources::get(&ctx.db, source.id).await?;
    progress.stage(SourceStatus::Compiling, "compiling").await;
    // Providers changed in Settings since the last job are the ones this compile uses.
    ctx.llm.refresh_or_keep().await;
    let llm = ctx.llm.current();
    if !matches!(job, JobKind::CompileOffline | JobKind::CompileApproved)
        && let Some(limit) = ctx.settings.llm.max_cost_per_source_usd
    {
        let estimate = shared::llm::setup::compile_estimate(&llm.effective.settings, text.len());
        if estimate.cost_usd > limit {
            return Err(StageError::needs_go_ahead(&estimate, limit));
        }
    }
    let router = if job == JobKind::CompileOffline {
        &ctx.offline_router
    } else {
        &llm.router
    };
    let compiled = compile::compile_text(ctx, router, &source, &text, progress).await?;
    progress.message(0.85, "linking").await;
    let article =
        publish::publish_article(ctx, &source, &text, compiled, progress.job_id()).await?;
    embed_passages(ctx, progress).await;
    Ok(Outcome::Compiled(article))
}

/// Gives the new passages their vectors when an embedding provider is configured. A failure
/// does not fail the compile: the article is found by full-text search meanwhile, and the
/// next pass (the next compile, or the next worker start) embeds what was left.
#[tracing::instrument(name = "embed", skip_all)]
async fn embed_passages(ctx: &WorkerContext, progress: &Progress) {
    if ctx.llm.embedder().is_none() {
        return;
    }
    progress.message(0.95, "embedding").await;
    ctx.wiki.embed_pending().await;
}

/// The stored clean text, when extraction already happened (text notes, recompiles, retries).
async fn clean_text_if_extracted(ctx: &WorkerContext, source: &Source) -> Option<String> {
    let hash = source.content_hash.as_deref()?;
    let text = ctx.storage.read_text(source.id).await.ok()?;
    (content_hash(&text) == hash).then_some(text)
}

/// A source's clean text, and how its original was had.
struct Obtained {
    extracted: extract::Extracted,
    /// The original came from the network just now: it is kept once the text is stored.
    fetched: bool,
    /// The page fetch's validators, from which Health asks whether it changed.
    validators: Option<Validators>,
}

/// Gets the original (fetching it for URLs and videos: the first time, or again for a
/// `refresh`) and extracts its clean text.
#[tracing::instrument(name = "extract", skip_all, err)]
async fn extract_source(
    ctx: &WorkerContext,
    source: &Source,
    refresh: bool,
    progress: &Progress,
) -> Result<Obtained, StageError> {
    let remote = matches!(source.kind, SourceKind::Url | SourceKind::Youtube);
    let fetch = remote && (refresh || !ctx.storage.has_original(source.id).await?);
    if source.kind == SourceKind::Youtube && fetch {
        progress
            .stage(SourceStatus::Fetching, "fetching the transcript")
            .await;
        let video = source
            .url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| shared::ingest::youtube::video_id(&u))
            .ok_or_else(|| StageError::permanent("the source names no YouTube video"))?;
        let transcript =
            youtube::fetch_transcript(&ctx.fetcher, &ctx.settings.ingest.youtube, &video).await?;
        let original = serde_json::to_vec(&transcript)
            .map_err(|e| StageError::permanent(format!("storing the transcript: {e}")))?;
        progress.stage(SourceStatus::Extracting, "extracting").await;
        return Ok(Obtained {
            extracted: extract::extract_transcript(&original)?,
            fetched: true,
            validators: None,
        });
    }
    let mut validators = None;
    let (bytes, hint) = if fetch {
        progress.stage(SourceStatus::Fetching, "fetching").await;
        let raw = source
            .url
            .as_deref()
            .ok_or_else(|| StageError::permanent("the source has no URL"))?;
        let url =
            url::Url::parse(raw).map_err(|e| StageError::permanent(format!("invalid URL: {e}")))?;
        match ctx.fetcher.fetch(&url).await {
            Ok(fetched) => {
                let hint = fetched.kind_hint();
                validators = Some(fetched.validators);
                (fetched.bytes, hint)
            }
            // A feed item's page that cannot be had (gone, refused): the item's own content
            // stands in. A failure that may pass is retried first.
            Err(e) if !e.retryable && !refresh => {
                match db::feeds::entry_content_of(&ctx.db, source.id).await? {
                    Some(content) => {
                        tracing::info!(error = %e.message, "the page could not be fetched; compiling the feed item's content");
                        (content.into_bytes(), Some("text/html".to_owned()))
                    }
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    } else {
        let (bytes, ext) = ctx.storage.read_original(source.id).await?.ok_or_else(|| {
            StageError::permanent("the original document is missing from storage")
        })?;
        if source.kind == SourceKind::Youtube {
            progress.stage(SourceStatus::Extracting, "extracting").await;
            return Ok(Obtained {
                extracted: extract::extract_transcript(&bytes)?,
                fetched: false,
                validators: None,
            });
        }
        (bytes, Some(format!("original.{ext}")))
    };
    progress.stage(SourceStatus::Extracting, "extracting").await;
    let extracted = extract_bytes(ctx, bytes, hint).await?;
    Ok(Obtained {
        extracted,
        fetched: validators.is_some(),
        validators,
    })
}

/// Extracts a document's clean text off the async threads, within the job's time limit.
async fn extract_bytes(
    ctx: &WorkerContext,
    bytes: Vec<u8>,
    hint: Option<String>,
) -> Result<extract::Extracted, StageError> {
    // The job's time limit cancels the job's future, but not a blocking thread: extraction is
    // given the same deadline and stops itself.
    let limits = shared::extract::pdf::PdfLimits::new(
        ctx.settings.ingest.max_pdf_pages,
        shared::extract::pdf::deadline_in(std::time::Duration::from_secs(
            ctx.settings.jobs.timeout_secs,
        )),
    );
    tokio::task::spawn_blocking(move || extract::extract_document(&bytes, hint.as_deref(), limits))
        .await
        .map_err(|e| StageError::permanent(format!("extraction crashed: {e}")))?
}

/// The hash of the clean text of a fetched document, as a source's `content_hash` is
/// computed: what a poll compares to tell whether a URL's content changed.
pub async fn clean_text_hash(
    ctx: &WorkerContext,
    fetched: fetch::Fetched,
) -> Result<String, StageError> {
    let hint = fetched.kind_hint();
    Ok(extract_bytes(ctx, fetched.bytes, hint).await?.content_hash)
}

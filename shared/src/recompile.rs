//! Compiling a source again, as a job: asked for by a person (`POST
//! /api/sources/{id}/compile`), by Health's fix for a page whose URL changed upstream, or by
//! the workers' poll when changed sources are refreshed automatically; or with the offline
//! compiler, while the budget is spent. The job row is
//! committed here; the caller hands it to the queue at once when it can, and the outbox does
//! otherwise (see [`crate::outbox`]).

use crate::db::{self, DbError};
use crate::domain::{Job, JobId, JobKind, SourceId, SourceKind};

/// How a source is compiled again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recompile {
    /// From what was extracted before (or from the start, if nothing was).
    Stored,
    /// Fetching its URL again first: the content changed upstream.
    Refetch,
    /// With the offline compiler only, spending nothing. A compile waiting for the budget
    /// (or for a go-ahead) becomes this one instead of waiting.
    Offline,
    /// With the model although its estimate is above the per-source limit: a person's
    /// go-ahead, which also frees a compile waiting for one.
    Approved,
}

/// Why no job was queued.
#[derive(Debug, thiserror::Error)]
pub enum RecompileError {
    #[error("source not found")]
    NotFound,
    #[error("the source already has a job queued or running")]
    Busy,
    #[error("the source is a duplicate of another source; compile that one")]
    Duplicate,
    #[error("only a source added by URL can be fetched again")]
    NotAUrl,
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for RecompileError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => RecompileError::NotFound,
            e => RecompileError::Db(e),
        }
    }
}

/// Queues a job that compiles source `id` again; returns the job as committed.
pub async fn queue(db: &db::Db, id: SourceId, how: Recompile) -> Result<Job, RecompileError> {
    let source = db::sources::get(db, id).await?;
    let waiting = match how {
        Recompile::Offline => Some((
            JobKind::CompileOffline,
            "compiling with the offline compiler instead",
        )),
        Recompile::Approved => Some((JobKind::CompileApproved, "compiling: go-ahead given")),
        _ => None,
    };
    if let Some((kind, message)) = waiting
        && let Some(job) = db::jobs::resume_waiting_as(db, id, kind, message).await?
    {
        return Ok(job);
    }
    if db::jobs::source_has_unfinished(db, id).await? {
        return Err(RecompileError::Busy);
    }
    if source.duplicate_of.is_some() {
        return Err(RecompileError::Duplicate);
    }
    let kind = match how {
        Recompile::Refetch if !matches!(source.kind, SourceKind::Url | SourceKind::Youtube) => {
            return Err(RecompileError::NotAUrl);
        }
        Recompile::Refetch => JobKind::RefreshSource,
        Recompile::Offline => JobKind::CompileOffline,
        Recompile::Approved => JobKind::CompileApproved,
        Recompile::Stored if source.content_hash.is_some() => JobKind::CompileSource,
        Recompile::Stored => JobKind::IngestSource,
    };
    // The check above answers most requests; a request racing another past it meets the
    // unique index that allows one unfinished job per source.
    // The job and the source's `pending` commit together (see [`db::jobs::queue_for_source`]).
    match db::jobs::queue_for_source(db, JobId::new(), kind, id).await {
        Err(DbError::Conflict { .. }) => Err(RecompileError::Busy),
        other => Ok(other?),
    }
}

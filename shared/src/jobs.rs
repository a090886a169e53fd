//! Job payloads, queue names and the [`JobQueue`] the gateway pushes to.
//!
//! Payloads carry ids, never documents: the worker reads everything else from the database
//! and the data directory. Queue names are explicit constants because apalis' default
//! (the payload's type name) changes silently when a type moves.

use apalis::prelude::TaskSink;
use apalis_sqlite::{SqlitePool, SqliteStorage};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The queue of source-processing jobs (ingest and recompile).
pub const SOURCE_QUEUE: &str = "wikimind.source";

/// Process one source: fetch (for URLs), extract, compile and link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceJob {
    /// The `job_runs` row that tracks this work.
    pub job_id: Uuid,
    pub source_id: Uuid,
}

/// Why a job could not be queued.
#[derive(Debug, thiserror::Error)]
#[error("could not enqueue the job: {0}")]
pub struct EnqueueError(String);

/// The queue backend: the SQLite queue in the database file (dev), or Redis (production).
#[derive(Clone, Debug)]
pub enum JobQueue {
    Sqlite(SqliteStorage<SourceJob>),
}

impl JobQueue {
    /// The SQLite queue in the same file as the application tables. Creates its tables.
    pub async fn sqlite(pool: &SqlitePool) -> Result<Self, EnqueueError> {
        // The storage's own `setup` also switches the connection to `synchronous = OFF`;
        // only its migrations are wanted, so the app's durability pragmas stay in force.
        SqliteStorage::migrations()
            .run(pool)
            .await
            .map_err(|e| EnqueueError(e.to_string()))?;
        Ok(JobQueue::Sqlite(sqlite_storage(pool)))
    }

    /// Queues a source job.
    #[tracing::instrument(skip_all, fields(job_id = %job.job_id, source_id = %job.source_id), err)]
    pub async fn push(&self, job: SourceJob) -> Result<(), EnqueueError> {
        match self {
            JobQueue::Sqlite(storage) => {
                let mut storage = storage.clone();
                storage
                    .push(job)
                    .await
                    .map_err(|e| EnqueueError(e.to_string()))
            }
        }
    }

    /// A short name for readiness output.
    pub fn backend_name(&self) -> &'static str {
        match self {
            JobQueue::Sqlite(_) => "sqlite",
        }
    }
}

/// The SQLite storage of the source queue, configured the same way for pushers and workers.
pub fn sqlite_storage(pool: &SqlitePool) -> SqliteStorage<SourceJob> {
    let config = apalis_sqlite::Config::default()
        .queue(SOURCE_QUEUE)
        // Short heartbeats so a job whose worker died is picked up again within seconds.
        .heartbeat_interval(std::time::Duration::from_secs(5));
    SqliteStorage::new(pool).with_config(config)
}

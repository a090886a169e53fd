//! Job payloads, queue names and the [`JobQueue`] the gateway pushes to.
//!
//! Payloads carry ids, never documents: the worker reads everything else from the database
//! and the data directory. Queue names are explicit constants because apalis' default
//! (the payload's type name) changes silently when a type moves.

use std::time::Duration;

use crate::domain::{JobId, SourceId};
use apalis::prelude::TaskSink;
use apalis_redis::RedisStorage;
use apalis_sqlite::{SqlitePool, SqliteStorage};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};

/// The queue of source-processing jobs (ingest and recompile).
pub const SOURCE_QUEUE: &str = "wikimind.source";

/// Process one source: fetch (for URLs), extract, compile and link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceJob {
    /// The `job_runs` row that tracks this work.
    pub job_id: JobId,
    pub source_id: SourceId,
    /// The trace of the request that queued it, so the job's spans join that trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<crate::telemetry::TraceContext>,
}

/// Why a job could not be queued.
#[derive(Debug, thiserror::Error)]
#[error("could not enqueue the job: {0}")]
pub struct EnqueueError(String);

/// How often a worker on the Redis queue reports that it is alive; a worker silent for
/// [`REDIS_MISSED_HEARTBEATS`] of these has its tasks handed to other workers.
const REDIS_HEARTBEAT: Duration = Duration::from_secs(5);
const REDIS_MISSED_HEARTBEATS: usize = 3;

/// The queue backend: the SQLite queue in the database file (dev), or Redis (production).
#[derive(Clone)]
pub enum JobQueue {
    Sqlite(SqliteStorage<SourceJob>),
    Redis {
        storage: RedisStorage<SourceJob>,
        /// A connection of our own for readiness checks and the epoch marker.
        conn: ConnectionManager,
        /// A key that exists for as long as Redis keeps the queue's data (see
        /// [`JobQueue::lost_its_entries`]).
        epoch_key: String,
        /// The queue's own keys, for [`JobQueue::expire_finished`].
        config: apalis_redis::Config,
    },
}

/// Removes tasks that finished before a cutoff: their payload (a field of the data hash), their
/// metadata key, and their place in the done and dead sets, which apalis never trims itself.
/// KEYS: data hash, metadata prefix, done set, dead set; ARGV: age in seconds.
const EXPIRE_FINISHED: &str = r#"
local cutoff = redis.call("TIME")[1] - tonumber(ARGV[1])
local removed = 0
for _, set in ipairs({KEYS[3], KEYS[4]}) do
  for _, id in ipairs(redis.call("SMEMBERS", set)) do
    local meta = KEYS[2] .. ":" .. id
    local done_at = tonumber(redis.call("HGET", meta, "done_at"))
    if done_at == nil or done_at <= cutoff then
      redis.call("HDEL", KEYS[1], id)
      redis.call("HDEL", KEYS[2] .. ":result", id)
      redis.call("DEL", meta)
      redis.call("SREM", set, id)
      removed = removed + 1
    end
  end
end
return removed
"#;

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JobQueue::Sqlite(_) => "JobQueue::Sqlite",
            JobQueue::Redis { .. } => "JobQueue::Redis",
        })
    }
}

/// A Redis connection that gives up quickly while Redis is unreachable, so a request that
/// enqueues is never held up by an outage (the job waits in the outbox instead), and that
/// reconnects on its own afterwards.
pub async fn redis_connection(url: &str) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(2));
    ConnectionManager::new_with_config(client, config).await
}

impl JobQueue {
    /// The queue this deployment uses: Redis when a Redis URL is set; otherwise the SQLite
    /// queue, in the database file on SQLite, or in `<data>/db/queue.db` on PostgreSQL. The
    /// last is for a single machine (one process, or processes sharing the data directory),
    /// such as one Fly machine with an attached PostgreSQL: the queue file sits on the same
    /// volume as the wiki, and `job_runs` in PostgreSQL stays the record of every job.
    pub async fn for_deployment(
        settings: &crate::config::Settings,
        db: &crate::db::Db,
    ) -> Result<Self, EnqueueError> {
        match (&settings.redis, db) {
            (Some(redis), _) => {
                Self::redis(
                    redis.url.expose(),
                    &redis.source_queue(),
                    settings.jobs.concurrency,
                )
                .await
            }
            (None, crate::db::Db::Sqlite(pool)) => Self::sqlite(pool).await,
            (None, crate::db::Db::Postgres(_)) => {
                let path = settings.data_dir.join("db").join("queue.db");
                let pool = queue_file(&path).await.map_err(|e| {
                    EnqueueError(format!("opening the job queue {}: {e}", path.display()))
                })?;
                Self::sqlite(&pool).await
            }
        }
    }

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

    /// The Redis queue named `queue` (see [`crate::config::RedisSettings::source_queue`]). A
    /// consumer fetches at most `concurrency` tasks at a time, so one worker does not take a
    /// batch that other idle workers could be running.
    pub async fn redis(url: &str, queue: &str, concurrency: usize) -> Result<Self, EnqueueError> {
        let conn = redis_connection(url)
            .await
            .map_err(|e| EnqueueError(format!("connecting to Redis: {e}")))?;
        let config = apalis_redis::Config::default()
            .queue(queue)
            .batch_size(concurrency.max(1))
            .heartbeat_interval(REDIS_HEARTBEAT)
            .missed_heartbeats(REDIS_MISSED_HEARTBEATS)
            // Tasks must be acknowledged: without it apalis leaves every finished task's payload
            // and metadata in Redis for ever, marked running. Acknowledged tasks are forgotten
            // by `expire_finished` (their outcome lives in `job_runs`).
            .persist_results(true);
        let storage = RedisStorage::new(conn.clone()).with_config(config.clone());
        Ok(JobQueue::Redis {
            storage,
            conn,
            epoch_key: format!("{queue}:epoch"),
            config,
        })
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
            JobQueue::Redis { storage, .. } => {
                let mut storage = storage.clone();
                storage
                    .push(job)
                    .await
                    .map_err(|e| EnqueueError(e.to_string()))
            }
        }
    }

    /// True when the queue may have lost entries it was given: Redis restarted without
    /// persistence (or was flushed) since this was last asked. Detected by a marker key that
    /// is set when missing; the first call of a fresh deployment also answers true, which only
    /// costs a harmless re-push. The SQLite queue is in the database and never loses entries.
    pub async fn lost_its_entries(&self) -> Result<bool, EnqueueError> {
        match self {
            JobQueue::Sqlite(_) => Ok(false),
            JobQueue::Redis {
                conn, epoch_key, ..
            } => {
                let mut conn = conn.clone();
                let set: Option<String> = redis::cmd("SET")
                    .arg(epoch_key)
                    .arg(uuid::Uuid::now_v7().to_string())
                    .arg("NX")
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| EnqueueError(format!("Redis: {e}")))?;
                Ok(set.is_some())
            }
        }
    }

    /// Forgets tasks that finished more than `older_than` ago (their outcome is in `job_runs`),
    /// so Redis does not grow with every job ever run; returns how many. The SQLite queue keeps
    /// its finished rows in the database file, where they cost only disk.
    pub async fn expire_finished(&self, older_than: Duration) -> Result<usize, EnqueueError> {
        let JobQueue::Redis { conn, config, .. } = self else {
            return Ok(0);
        };
        let mut conn = conn.clone();
        redis::Script::new(EXPIRE_FINISHED)
            .key(config.job_data_hash())
            .key(config.job_meta_hash())
            .key(config.done_jobs_set())
            .key(config.dead_jobs_set())
            .arg(older_than.as_secs())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| EnqueueError(format!("Redis: {e}")))
    }

    /// Checks that the queue answers: a round trip to Redis. The SQLite queue lives in the
    /// database, whose tables are checked by [`crate::db::jobs::queue_depth`].
    pub async fn ping(&self) -> Result<(), EnqueueError> {
        match self {
            JobQueue::Sqlite(_) => Ok(()),
            JobQueue::Redis { conn, .. } => {
                let mut conn = conn.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| EnqueueError(format!("Redis: {e}")))
            }
        }
    }

    /// A short name for readiness output.
    pub fn backend_name(&self) -> &'static str {
        match self {
            JobQueue::Sqlite(_) => "sqlite",
            JobQueue::Redis { .. } => "redis",
        }
    }
}

/// A SQLite file holding only the job queue, opened like the application database (WAL,
/// `synchronous=NORMAL`, a busy timeout; the parent directory is created).
async fn queue_file(path: &std::path::Path) -> Result<SqlitePool, crate::db::DbError> {
    let settings = crate::config::DatabaseSettings {
        url: crate::config::Secret::new(format!("sqlite://{}?mode=rwc", path.display())),
        max_connections: 4,
    };
    match crate::db::Db::connect(&settings).await? {
        crate::db::Db::Sqlite(pool) => Ok(pool),
        crate::db::Db::Postgres(_) => unreachable!("a sqlite:// URL always opens SQLite"),
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

//! Queries on the user-visible job history (`job_runs`).

use chrono::{DateTime, Utc};

use super::{BeginWrite, Db, DbError, DbResult, now};
use crate::domain::{ArticleId, Job, JobId, JobKind, JobSort, JobStatus, Order, SourceId};
use crate::on_db;

mod end;

pub use end::{Reclaimed, Settlement, finish, reclaim_expired, requeue_interrupted, settle};

/// Inserts a queued job; binds `id, kind, source_id, created_at`.
pub(crate) const INSERT_QUEUED: &str = "insert into job_runs (id, kind, status, source_id, attempts, progress, created_at) \
     values ($1, $2, 'queued', $3, 0, 0, $4)";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: JobId,
    kind: String,
    status: String,
    source_id: Option<SourceId>,
    article_id: Option<ArticleId>,
    attempts: i32,
    progress: f64,
    message: Option<String>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<JobRow> for Job {
    type Error = DbError;
    fn try_from(r: JobRow) -> DbResult<Job> {
        Ok(Job {
            id: r.id,
            kind: r
                .kind
                .parse()
                .map_err(|e| DbError::Corrupt(format!("{e}")))?,
            status: r
                .status
                .parse()
                .map_err(|e| DbError::Corrupt(format!("{e}")))?,
            source_id: r.source_id,
            article_id: r.article_id,
            attempts: r.attempts,
            progress: r.progress,
            message: r.message,
            error: r.error,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

const COLUMNS: &str = "id, kind, status, source_id, article_id, attempts, progress, message, error, \
     created_at, started_at, finished_at";

/// Inserts a queued job for a source.
pub async fn insert_queued(
    db: &Db,
    id: JobId,
    kind: JobKind,
    source_id: Option<SourceId>,
) -> DbResult<Job> {
    on_db!(db, |p| sqlx::query(INSERT_QUEUED)
        .bind(id)
        .bind(kind.as_str())
        .bind(source_id)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    get(db, id).await
}

/// Marks a source `pending` (its error cleared) inside a transaction that queues its job.
const MARK_SOURCE_PENDING: &str =
    "update sources set status = 'pending', error = null, updated_at = $2 where id = $1";

/// Queues a job for an existing source and marks the source `pending`, in one transaction: a
/// worker taking the job at once cannot finish it before the source is marked, which would
/// leave a failed or compiled source saying `pending` for good.
pub async fn queue_for_source(
    db: &Db,
    id: JobId,
    kind: JobKind,
    source_id: SourceId,
) -> DbResult<Job> {
    let at = now();
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        sqlx::query(INSERT_QUEUED)
            .bind(id)
            .bind(kind.as_str())
            .bind(Some(source_id))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(MARK_SOURCE_PENDING)
            .bind(source_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    get(db, id).await
}

/// One job.
pub async fn get(db: &Db, id: JobId) -> DbResult<Job> {
    let sql = sqlx::AssertSqlSafe(format!("select {COLUMNS} from job_runs where id = $1"));
    let row: JobRow = on_db!(db, |p| sqlx::query_as(sql).bind(id).fetch_one(p).await)?;
    row.try_into()
}

/// A page of jobs in `order`, optionally of one status, and how many there are in all.
pub async fn list(
    db: &Db,
    status: Option<JobStatus>,
    order: Order<JobSort>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Job>, i64)> {
    let status = status.map(|s| s.as_str());
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from job_runs where ($1 is null or status = $1) \
         order by {by} {direction}, created_at desc, id limit $2 offset $3",
        by = match order.by {
            JobSort::Created => "created_at",
            JobSort::Status => "status",
        },
        direction = order.direction.as_str(),
    ));
    let rows: Vec<JobRow> = on_db!(db, |p| sqlx::query_as(sql)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let (total,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "select count(*) from job_runs where ($1 is null or status = $1)"
    )
    .bind(status)
    .fetch_one(p)
    .await)?;
    let items = rows
        .into_iter()
        .map(Job::try_from)
        .collect::<DbResult<_>>()?;
    Ok((items, total))
}

/// How many jobs there are in each status (statuses without jobs are left out).
pub async fn count_by_status(db: &Db) -> DbResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "select status, count(*) from job_runs group by status order by status"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows)
}

/// True when a source has a job queued, running or waiting for the budget.
pub async fn source_has_unfinished(db: &Db, source_id: SourceId) -> DbResult<bool> {
    let row: Option<(JobId,)> = on_db!(db, |p| {
        sqlx::query_as(
            "select id from job_runs where source_id = $1 \
         and status in ('queued', 'running', 'paused_budget', 'awaiting_approval') limit 1",
        )
        .bind(source_id)
        .fetch_optional(p)
        .await
    })?;
    Ok(row.is_some())
}

/// The end of a lease of `lease` starting now. Workers renew every third of it; a job whose
/// worker stopped renewing is handed to another worker afterwards.
fn lease_end(lease: std::time::Duration) -> DateTime<Utc> {
    now() + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(30))
}

/// Claims a queued job for `worker`: `running`, attempts + 1 (a delivery counts as an attempt
/// when it is claimed, so a worker that dies mid-job has used one), leased for `lease`.
/// Returns `None` when the job is not queued (already taken by another delivery of the same
/// task, or finished), which makes duplicate deliveries harmless.
pub async fn claim(
    db: &Db,
    id: JobId,
    worker: &str,
    lease: std::time::Duration,
) -> DbResult<Option<Job>> {
    let claimed = on_db!(db, |p| {
        sqlx::query(
            "update job_runs set status = 'running', attempts = attempts + 1, error = null, \
             started_at = coalesce(started_at, $2), finished_at = null, worker = $3, lease_until = $4 \
             where id = $1 and status = 'queued'",
        )
        .bind(id)
        .bind(now())
        .bind(worker)
        .bind(lease_end(lease))
        .execute(p)
        .await
        .map(|r| r.rows_affected())
    })?;
    if claimed == 0 {
        return Ok(None);
    }
    get(db, id).await.map(Some)
}

/// Extends the lease of a job `worker` holds. Returns false when the job is no longer this
/// worker's (its lease ran out and another worker took it, or it finished).
pub async fn renew_lease(
    db: &Db,
    id: JobId,
    worker: &str,
    lease: std::time::Duration,
) -> DbResult<bool> {
    let renewed = on_db!(db, |p| {
        sqlx::query(
        "update job_runs set lease_until = $3 where id = $1 and worker = $2 and status = 'running'"
    )
    .bind(id)
    .bind(worker)
    .bind(lease_end(lease))
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(renewed > 0)
}

/// Queued jobs not yet handed to the queue, oldest first: `(job id, source id)`.
pub async fn undispatched(db: &Db, limit: i64) -> DbResult<Vec<(JobId, Option<SourceId>)>> {
    let rows = on_db!(db, |p| sqlx::query_as(
        "select id, source_id from job_runs where status = 'queued' and dispatched_at is null \
         order by created_at limit $1"
    )
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows)
}

/// Marks every queued job as not yet handed to the queue, so the outbox pushes it again (after
/// the queue lost its entries); returns how many.
pub async fn undispatch_queued(db: &Db) -> DbResult<u64> {
    let n = on_db!(db, |p| {
        sqlx::query(
        "update job_runs set dispatched_at = null where status = 'queued' and dispatched_at is not null"
    )
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n)
}

/// Records that a job's queue entry was written.
pub async fn mark_dispatched(db: &Db, id: JobId) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update job_runs set dispatched_at = $2 where id = $1 and dispatched_at is null"
    )
    .bind(id)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Starts another attempt of a job this worker holds.
pub async fn next_attempt(db: &Db, id: JobId) -> DbResult<Job> {
    on_db!(db, |p| sqlx::query(
        "update job_runs set attempts = attempts + 1 where id = $1"
    )
    .bind(id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    get(db, id).await
}

/// Records progress (0.0–1.0) and a short message.
pub async fn set_progress(db: &Db, id: JobId, progress: f64, message: &str) -> DbResult<Job> {
    on_db!(db, |p| sqlx::query(
        "update job_runs set progress = $2, message = $3 where id = $1"
    )
    .bind(id)
    .bind(progress.clamp(0.0, 1.0))
    .bind(message)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    get(db, id).await
}

/// Records a failed attempt that will be retried; the job stays with its worker.
pub async fn set_retrying(db: &Db, id: JobId, error: &str, message: &str) -> DbResult<Job> {
    on_db!(db, |p| sqlx::query(
        "update job_runs set error = $2, message = $3 where id = $1"
    )
    .bind(id)
    .bind(error)
    .bind(message)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    get(db, id).await
}

/// How many jobs wait for the budget.
pub async fn paused_for_budget_count(db: &Db) -> DbResult<i64> {
    let (n,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "select count(*) from job_runs where status = 'paused_budget'"
    )
    .fetch_one(p)
    .await)?;
    Ok(n)
}

/// Queues every job that waited for the budget again (the outbox hands them to the queue) and
/// puts their sources back to `pending`; returns them as `(job id, source id)`.
pub async fn resume_paused_for_budget(db: &Db) -> DbResult<Vec<(JobId, Option<SourceId>)>> {
    let at = now();
    let resumed: Vec<(JobId, Option<SourceId>)> = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let resumed = sqlx::query_as(
            "update job_runs set status = 'queued', dispatched_at = null, \
             message = 'queued again: the budget allows spending' \
             where status = 'paused_budget' returning id, source_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "update sources set status = 'pending', updated_at = $1 where status = 'paused_budget'",
        )
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await.map(|()| resumed)
    })?;
    Ok(resumed)
}

/// Queues a source's waiting job (for the budget or for a go-ahead) at once as a job of
/// `kind`; `None` when the source has no waiting job.
pub async fn resume_waiting_as(
    db: &Db,
    source_id: SourceId,
    kind: JobKind,
    message: &str,
) -> DbResult<Option<Job>> {
    // The source is marked in the same transaction, for the reason given at
    // [`queue_for_source`].
    let row: Option<(JobId,)> = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let row: Option<(JobId,)> = sqlx::query_as(
            "update job_runs set kind = $2, status = 'queued', dispatched_at = null, message = $3 \
         where source_id = $1 and status in ('paused_budget', 'awaiting_approval') returning id",
        )
        .bind(source_id)
        .bind(kind.as_str())
        .bind(message)
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_some() {
            sqlx::query(MARK_SOURCE_PENDING)
                .bind(source_id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        row
    });
    match row {
        Some((id,)) => get(db, id).await.map(Some),
        None => Ok(None),
    }
}

/// Records that worker `name` (consuming `queue`) is alive.
pub async fn heartbeat(db: &Db, name: &str, queue: &str) -> DbResult<()> {
    let at = now();
    on_db!(db, |p| {
        sqlx::query(
        "insert into worker_heartbeats (name, queue, started_at, last_seen) values ($1, $2, $3, $3) \
         on conflict (name) do update set last_seen = excluded.last_seen"
    )
    .bind(name)
    .bind(queue)
    .bind(at)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Removes a worker's heartbeat when it stops cleanly, and heartbeats silent for a day.
pub async fn forget_worker(db: &Db, name: &str) -> DbResult<()> {
    let day_ago = now() - chrono::Duration::days(1);
    on_db!(db, |p| sqlx::query(
        "delete from worker_heartbeats where name = $1 or last_seen < $2"
    )
    .bind(name)
    .bind(day_ago)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Age in seconds of the newest worker heartbeat (`None` when no worker is registered).
pub async fn worker_heartbeat_age(db: &Db) -> DbResult<Option<i64>> {
    let newest: Option<(DateTime<Utc>,)> = on_db!(db, |p| sqlx::query_as(
        "select last_seen from worker_heartbeats order by last_seen desc limit 1"
    )
    .fetch_optional(p)
    .await)?;
    Ok(newest.map(|(at,)| (now() - at).num_seconds().max(0)))
}

/// Tasks waiting in the SQLite queue (`None` on PostgreSQL, whose queue is Redis). Reading it
/// proves the queue's tables are there and answering.
pub async fn queue_depth(db: &Db) -> DbResult<Option<i64>> {
    match db {
        Db::Sqlite(pool) => {
            let (n,): (i64,) = sqlx::query_as(
                "select count(*) from Jobs where job_type = $1 and status = 'Pending'",
            )
            .bind(crate::jobs::SOURCE_QUEUE)
            .fetch_one(pool)
            .await?;
            Ok(Some(n))
        }
        Db::Postgres(_) => Ok(None),
    }
}

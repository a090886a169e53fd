//! How jobs end: one job with its source ([`settle`], [`finish`]), and the jobs of workers
//! that stopped ([`reclaim_expired`], [`requeue_interrupted`]) — each in one transaction with
//! what its source becomes.

use super::get;
use crate::db::{BeginWrite, Db, DbResult, now};
use crate::domain::{ArticleId, Job, JobId, JobStatus, SourceId, SourceStatus};
use crate::on_db;

/// What became of running jobs whose worker stopped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reclaimed {
    /// Jobs put back in the outbox for another attempt.
    pub requeued: u64,
    /// Jobs that had used every attempt and ended `failed`: `(job id, source id)`.
    pub failed: Vec<(JobId, Option<SourceId>)>,
}

/// The failure reason of a job whose worker stopped during each of its attempts; built in SQL
/// from the row's own count (`||` concatenates in both dialects).
const STOPPED_REASON: &str =
    "'the worker stopped while processing this source ' || attempts || ' times'";

/// Running jobs whose worker stopped (their lease ran out, or — with `expired_only` false —
/// every running job, for the single process that owns the queue at start-up): a job with
/// attempts left goes back to the outbox, one that used `max_attempts` ends `failed`, and so
/// does its source, so a document that kills its worker is not delivered forever.
async fn settle_stopped(db: &Db, max_attempts: u32, expired_only: bool) -> DbResult<Reclaimed> {
    let max = i64::from(max_attempts);
    let at = now();
    // One transaction: a job ends `failed` together with its source, and is requeued or failed,
    // never both nor neither, whatever else runs meanwhile.
    // On PostgreSQL the sources of the jobs about to fail are locked first, in the order
    // settling a job and deleting a source take rows (the source, then its jobs), so none of
    // them can deadlock with this. SQLite's write transactions run one at a time anyway.
    let lock_sources = matches!(db, Db::Postgres(_)).then_some(
        "select s.id from sources s join job_runs j on j.source_id = s.id \
         where j.status = 'running' and j.attempts >= $2 and ($3 = 0 or j.lease_until < $1) \
         order by s.id for update of s",
    );
    let (failed, requeued) = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        if let Some(sql) = lock_sources {
            sqlx::query(sql)
                .bind(at)
                .bind(max)
                .bind(i32::from(expired_only))
                .execute(&mut *tx)
                .await?;
        }
        let failed: Vec<(JobId, Option<SourceId>, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "update job_runs set status = 'failed', error = {STOPPED_REASON}, \
                 finished_at = $1, worker = null, lease_until = null \
                 where status = 'running' and attempts >= $2 and ($3 = 0 or lease_until < $1) \
                 returning id, source_id, error"
            )))
            .bind(at)
            .bind(max)
            .bind(i32::from(expired_only))
            .fetch_all(&mut *tx)
            .await?;
        for (_, source_id, reason) in &failed {
            if let Some(source_id) = source_id {
                sqlx::query(crate::db::sources::SET_FAILED)
                    .bind(source_id)
                    .bind(reason)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let requeued = sqlx::query(
            "update job_runs set status = 'queued', dispatched_at = null, worker = null, \
             lease_until = null where status = 'running' and ($2 = 0 or lease_until < $1)",
        )
        .bind(at)
        .bind(i32::from(expired_only))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        (failed, requeued)
    });
    Ok(Reclaimed {
        requeued,
        failed: failed.into_iter().map(|(id, s, _)| (id, s)).collect(),
    })
}

/// Settles running jobs whose lease ran out (their worker died or hung): requeued, or failed
/// once they used `max_attempts`.
pub async fn reclaim_expired(db: &Db, max_attempts: u32) -> DbResult<Reclaimed> {
    settle_stopped(db, max_attempts, true).await
}

/// Puts every unfinished job back in the outbox, interrupted ones included (failing those that
/// used `max_attempts`, as [`reclaim_expired`] does). Only safe where one process owns the
/// queue (the embedded SQLite worker at start-up): with several workers, running jobs are
/// reclaimed by lease instead.
pub async fn requeue_interrupted(db: &Db, max_attempts: u32) -> DbResult<Reclaimed> {
    let settled = settle_stopped(db, max_attempts, false).await?;
    on_db!(db, |p| sqlx::query(
        "update job_runs set dispatched_at = null where status = 'queued'"
    )
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(settled)
}

/// Finishes a job.
pub async fn finish(
    db: &Db,
    id: JobId,
    status: JobStatus,
    article_id: Option<ArticleId>,
    error: Option<&str>,
) -> DbResult<Job> {
    let progress = if status == JobStatus::Succeeded {
        1.0
    } else {
        0.0
    };
    on_db!(db, |p| sqlx::query(FINISH)
        .bind(id)
        .bind(status.as_str())
        .bind(article_id)
        .bind(error)
        .bind(now())
        .bind(progress)
        .bind(None::<&str>)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    get(db, id).await
}

/// A job's final state: status, article, error and end time; its progress full when it
/// succeeded, and its message replaced when one is given.
const FINISH: &str = "update job_runs set status = $2, article_id = coalesce($3, article_id), \
     error = $4, finished_at = $5, \
     progress = case when $2 = 'succeeded' then $6 else progress end, \
     message = coalesce($7, message) where id = $1";

/// Parks a running job in a waiting `status` (for the budget, or for a person's go-ahead): it
/// leaves its worker, and the attempt it was on is given back (the model was never asked).
const PARK: &str = "update job_runs set status = $3, message = $2, error = null, progress = 0, \
     attempts = case when attempts > 0 then attempts - 1 else 0 end, \
     worker = null, lease_until = null, dispatched_at = null where id = $1";

/// How a job on a source ended, and so what the source becomes.
#[derive(Debug, Clone, Copy)]
pub enum Settlement<'a> {
    /// Compiled into `article`: the job succeeded and the source is `compiled`.
    Compiled { article: ArticleId },
    /// Waiting (`status`: for the budget or for a go-ahead): the job leaves its worker with
    /// the attempt given back (the model was never asked), and the source waits too.
    Waits { status: JobStatus, message: &'a str },
    /// Failed for good: the job and the source both carry `error`.
    Failed { error: &'a str },
    /// The fetched content turned out to be `existing`'s: the job fails saying so, and the
    /// source is marked a duplicate of it.
    Duplicate { existing: SourceId },
}

/// Ends a source's job and sets the source's status in one transaction, so no reader — nor a
/// recompile deciding whether the source is busy — sees the one without the other.
pub async fn settle(db: &Db, id: JobId, source_id: SourceId, how: Settlement<'_>) -> DbResult<Job> {
    let ts = now();
    // What the job row becomes: status, article, error, progress, message.
    let (status, article, error, progress, message) = match how {
        Settlement::Compiled { article } => (
            JobStatus::Succeeded,
            Some(article),
            None,
            1.0,
            Some("compiled"),
        ),
        Settlement::Waits { status, .. } => (status, None, None, 0.0, None),
        Settlement::Failed { error } => {
            (JobStatus::Failed, None, Some(error.to_owned()), 0.0, None)
        }
        Settlement::Duplicate { existing } => (
            JobStatus::Failed,
            None,
            Some(format!(
                "the same content was already ingested as source {existing}"
            )),
            0.0,
            None,
        ),
    };
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        // The source first, then the job: deleting a source takes its row and then (setting
        // their `source_id` to null) its jobs', and two transactions taking the same rows in
        // opposite orders can deadlock on PostgreSQL.
        match how {
            Settlement::Compiled { .. } => {
                sqlx::query(crate::db::sources::SET_STATUS)
                    .bind(source_id)
                    .bind(SourceStatus::Compiled.as_str())
                    .bind(ts)
                    .bind(Some(ts))
                    .execute(&mut *tx)
                    .await?
            }
            Settlement::Waits { status, .. } => {
                let stage = match status {
                    JobStatus::AwaitingApproval => SourceStatus::AwaitingApproval,
                    _ => SourceStatus::PausedBudget,
                };
                sqlx::query(crate::db::sources::SET_STATUS)
                    .bind(source_id)
                    .bind(stage.as_str())
                    .bind(ts)
                    .bind(None::<chrono::DateTime<chrono::Utc>>)
                    .execute(&mut *tx)
                    .await?
            }
            Settlement::Failed { error } => {
                sqlx::query(crate::db::sources::SET_FAILED)
                    .bind(source_id)
                    .bind(error)
                    .bind(ts)
                    .execute(&mut *tx)
                    .await?
            }
            Settlement::Duplicate { existing } => {
                sqlx::query(crate::db::sources::SET_DUPLICATE)
                    .bind(source_id)
                    .bind(existing)
                    .bind(ts)
                    .execute(&mut *tx)
                    .await?
            }
        };
        match how {
            Settlement::Waits { status, message } => {
                sqlx::query(PARK)
                    .bind(id)
                    .bind(message)
                    .bind(status.as_str())
                    .execute(&mut *tx)
                    .await?
            }
            _ => {
                sqlx::query(FINISH)
                    .bind(id)
                    .bind(status.as_str())
                    .bind(article)
                    .bind(error.as_deref())
                    .bind(ts)
                    .bind(progress)
                    .bind(message)
                    .execute(&mut *tx)
                    .await?
            }
        };
        tx.commit().await?;
    });
    get(db, id).await
}

//! The cost log: one row per LLM call.

use uuid::Uuid;

use crate::domain::JobId;

use super::{Db, DbResult, now};
use crate::on_db;

/// One logged LLM call.
#[derive(Debug, Clone)]
pub struct CostRow {
    pub provider: String,
    pub model: String,
    pub task: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub latency_ms: i64,
    pub ok: bool,
    pub job_id: Option<JobId>,
    /// The conversation an answer's call was made for.
    pub conversation_id: Option<Uuid>,
    /// Answered from the response cache (no call, no cost).
    pub cached: bool,
}

/// Appends a row to the cost log.
pub async fn insert(db: &Db, row: &CostRow) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "insert into cost_log (id, provider, model, task, input_tokens, output_tokens, cost_usd, \
         latency_ms, ok, job_id, created_at, cached, conversation_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(Uuid::now_v7())
    .bind(&row.provider)
    .bind(&row.model)
    .bind(&row.task)
    .bind(row.input_tokens)
    .bind(row.output_tokens)
    .bind(row.cost_usd)
    .bind(row.latency_ms)
    .bind(row.ok)
    .bind(row.job_id)
    .bind(now())
    .bind(row.cached)
    .bind(row.conversation_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The columns of a cost row, in select order.
type CostTuple = (
    String,
    String,
    String,
    i64,
    i64,
    f64,
    i64,
    bool,
    Option<JobId>,
    bool,
    Option<Uuid>,
);

/// Every row, oldest first (for tests and exports).
pub async fn all(db: &Db) -> DbResult<Vec<CostRow>> {
    let rows: Vec<CostTuple> = on_db!(db, |p| {
        sqlx::query_as(
        "select provider, model, task, input_tokens, output_tokens, cost_usd, latency_ms, ok, job_id, cached, \
         conversation_id from cost_log order by created_at, id"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(
                provider,
                model,
                task,
                input_tokens,
                output_tokens,
                cost_usd,
                latency_ms,
                ok,
                job_id,
                cached,
                conversation_id,
            )| CostRow {
                provider,
                model,
                task,
                input_tokens,
                output_tokens,
                cost_usd,
                latency_ms,
                ok,
                job_id,
                conversation_id,
                cached,
            },
        )
        .collect())
}

/// Writes the LLM router's cost entries to the cost log.
#[derive(Debug, Clone)]
pub struct DbCostRecorder {
    db: Db,
}

impl DbCostRecorder {
    /// A recorder writing to `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl crate::llm::CostRecorder for DbCostRecorder {
    async fn record(&self, e: crate::llm::CostEntry) {
        let row = CostRow {
            provider: e.provider.as_str().to_owned(),
            model: e.model,
            task: e.task.as_str().to_owned(),
            input_tokens: i64::try_from(e.input_tokens).unwrap_or(i64::MAX),
            output_tokens: i64::try_from(e.output_tokens).unwrap_or(i64::MAX),
            cost_usd: e.cost_usd,
            latency_ms: i64::try_from(e.latency_ms).unwrap_or(i64::MAX),
            ok: e.ok,
            job_id: e.job_id,
            conversation_id: e.conversation_id,
            cached: e.cached,
        };
        if let Err(err) = insert(&self.db, &row).await {
            tracing::warn!(error = %err, "could not write the cost log");
        }
    }
}

/// Calls and spending of one provider on one task.
#[derive(Debug, Clone, PartialEq)]
pub struct CostBucket {
    pub provider: String,
    pub task: String,
    pub calls: i64,
    /// Of `calls`, those answered from the response cache at no cost.
    pub cached_calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
}

/// Totals per (provider, task) of the calls logged in `[from, to)`.
pub async fn buckets_between(
    db: &Db,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> DbResult<Vec<CostBucket>> {
    // `sum` of a bigint is numeric on PostgreSQL: cast back so both dialects decode as i64.
    let rows: Vec<(String, String, i64, i64, i64, i64, f64)> = on_db!(db, |p| {
        sqlx::query_as(
            "select provider, task, count(*), \
             cast(coalesce(sum(case when cached then 1 else 0 end), 0) as bigint), \
             cast(coalesce(sum(input_tokens), 0) as bigint), \
             cast(coalesce(sum(output_tokens), 0) as bigint), coalesce(sum(cost_usd), 0.0) \
             from cost_log where created_at >= $1 and created_at < $2 \
             group by provider, task order by provider, task",
        )
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(provider, task, calls, cached_calls, input_tokens, output_tokens, cost_usd)| {
                CostBucket {
                    provider,
                    task,
                    calls,
                    cached_calls,
                    input_tokens,
                    output_tokens,
                    cost_usd,
                }
            },
        )
        .collect())
}

/// Totals per (provider, task) of every call ever logged.
pub async fn totals(db: &Db) -> DbResult<Vec<CostBucket>> {
    let until = now() + chrono::Duration::days(1);
    buckets_between(db, chrono::DateTime::UNIX_EPOCH, until).await
}

/// Dollars spent on calls logged since `from`.
pub async fn spent_since(db: &Db, from: chrono::DateTime<chrono::Utc>) -> DbResult<f64> {
    let (spent,): (f64,) = on_db!(db, |p| sqlx::query_as(
        "select coalesce(sum(cost_usd), 0.0) from cost_log where created_at >= $1"
    )
    .bind(from)
    .fetch_one(p)
    .await)?;
    Ok(spent)
}
